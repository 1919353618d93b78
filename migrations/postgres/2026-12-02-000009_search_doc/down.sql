DROP INDEX articles_search;
ALTER TABLE articles DROP COLUMN search_doc;
CREATE INDEX articles_search ON articles USING GIN (
    to_tsvector('simple', title || ' ' || summary || ' ' || body_text)
);
