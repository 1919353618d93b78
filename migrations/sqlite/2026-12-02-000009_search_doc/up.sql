-- The full-text index holds published articles only, with their language: a search ranks
-- and counts from the index alone and reads `articles` for the page's few results, instead
-- of looking up every match's row to see whether it may be shown (about 3x faster at
-- 100,000 articles). The language is indexed as a column of its own and matched as
-- `language:"en"`.
DROP TRIGGER articles_fts_update;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_insert;
DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary, body_text, language,
    content = 'articles', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles WHEN new.status = 'published' BEGIN
    INSERT INTO articles_fts (rowid, title, summary, body_text, language)
    VALUES (new.id, new.title, new.summary, new.body_text, new.language);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles WHEN old.status = 'published' BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body_text, language)
    VALUES ('delete', old.id, old.title, old.summary, old.body_text, old.language);
END;
CREATE TRIGGER articles_fts_update
AFTER UPDATE OF title, summary, body_text, language, status ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body_text, language)
    SELECT 'delete', old.id, old.title, old.summary, old.body_text, old.language
    WHERE old.status = 'published';
    INSERT INTO articles_fts (rowid, title, summary, body_text, language)
    SELECT new.id, new.title, new.summary, new.body_text, new.language
    WHERE new.status = 'published';
END;
INSERT INTO articles_fts (rowid, title, summary, body_text, language)
SELECT id, title, summary, body_text, language FROM articles WHERE status = 'published';
