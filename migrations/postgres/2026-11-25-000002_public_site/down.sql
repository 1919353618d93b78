DROP INDEX articles_search;
DROP INDEX articles_public_listing;
DROP INDEX articles_tag_listing;
DROP TABLE pages;
DROP TABLE article_slugs;
ALTER TABLE articles DROP COLUMN body_text;
