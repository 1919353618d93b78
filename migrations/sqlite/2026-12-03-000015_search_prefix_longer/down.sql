-- Back to the prefix indexes of `search_prefix` (000012), lengths 3 and 4.
DROP TRIGGER articles_fts_update;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_insert;
DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary, body_text, language,
    content = 'articles', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '3 4'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles WHEN new.status = 'published' BEGIN
    INSERT INTO articles_fts (rowid, title, summary, body_text, language)
    VALUES (new.id, new.title, new.summary, new.body_text, 'lang' || hex(new.language));
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles WHEN old.status = 'published' BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body_text, language)
    VALUES ('delete', old.id, old.title, old.summary, old.body_text, 'lang' || hex(old.language));
END;
CREATE TRIGGER articles_fts_update
AFTER UPDATE OF title, summary, body_text, language, status ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body_text, language)
    SELECT 'delete', old.id, old.title, old.summary, old.body_text, 'lang' || hex(old.language)
    WHERE old.status = 'published';
    INSERT INTO articles_fts (rowid, title, summary, body_text, language)
    SELECT new.id, new.title, new.summary, new.body_text, 'lang' || hex(new.language)
    WHERE new.status = 'published';
END;
INSERT INTO articles_fts (rowid, title, summary, body_text, language)
SELECT id, title, summary, body_text, 'lang' || hex(language) FROM articles WHERE status = 'published';
