-- The public site: plain text of bodies (search, excerpts, reading time), earlier slugs
-- (old links answer 301), static pages, and the full-text index.

ALTER TABLE articles ADD COLUMN body_text TEXT NOT NULL DEFAULT '';

CREATE TABLE article_slugs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    slug TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (language, slug)
);
CREATE INDEX article_slugs_article_id ON article_slugs (article_id);

CREATE TABLE pages (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    body_html TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL,
    translation_group TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    in_menu BOOLEAN NOT NULL DEFAULT 1,
    published BOOLEAN NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (language, slug)
);

CREATE INDEX articles_tag_listing ON article_tags (tag_id, article_id);

-- Public listings filter by language and status and sort by date: with every column in the
-- index, a deep page is a walk of the index alone.
CREATE INDEX articles_public_listing ON articles (language, status, published_at DESC, id DESC);

-- Full-text search (SQLite only; PostgreSQL uses a GIN expression index). An external-content
-- FTS5 table kept in step with `articles` by triggers, so every write updates it.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary, body_text,
    content = 'articles', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, summary, body_text)
    VALUES (new.id, new.title, new.summary, new.body_text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body_text)
    VALUES ('delete', old.id, old.title, old.summary, old.body_text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, summary, body_text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body_text)
    VALUES ('delete', old.id, old.title, old.summary, old.body_text);
    INSERT INTO articles_fts (rowid, title, summary, body_text)
    VALUES (new.id, new.title, new.summary, new.body_text);
END;
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
