DROP INDEX IF EXISTS articles_view_count;
DROP TABLE article_views_daily;
