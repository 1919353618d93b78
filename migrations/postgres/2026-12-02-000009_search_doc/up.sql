-- Search ranks by the document vector of every matching article: kept in a stored column,
-- it is made once per write instead of once per matching row of every search.
DROP INDEX articles_search;
ALTER TABLE articles ADD COLUMN search_doc tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || summary || ' ' || body_text)) STORED;
CREATE INDEX articles_search ON articles USING GIN (search_doc);
