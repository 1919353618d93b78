-- Views per article per day (the day in the site's time zone), written by the batched view
-- counter together with `articles.view_count`.
CREATE TABLE article_views_daily (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    views BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, day)
);
-- The site chart and "most viewed this week" read by day.
CREATE INDEX article_views_daily_day ON article_views_daily (day, article_id);

-- The dashboard's "most viewed".
CREATE INDEX articles_view_count ON articles (view_count DESC);
