-- Nothing to do on PostgreSQL: its GIN index over articles.search_doc answers prefix
-- queries ('risk':*) by a range scan of its sorted keys, which is what SQLite's `prefix=`
-- option adds to FTS5. Kept so that both folders number their migrations alike.
SELECT 1;
