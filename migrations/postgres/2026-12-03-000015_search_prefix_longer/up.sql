-- Nothing to do on PostgreSQL (see 000012): its GIN index answers prefixes of any length.
-- Kept so that both folders number their migrations alike.
SELECT 1;
