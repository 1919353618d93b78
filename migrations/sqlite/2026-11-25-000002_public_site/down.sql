DROP TRIGGER articles_fts_update;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_insert;
DROP TABLE articles_fts;
DROP INDEX articles_public_listing;
DROP INDEX articles_tag_listing;
DROP TABLE pages;
DROP TABLE article_slugs;
ALTER TABLE articles DROP COLUMN body_text;
