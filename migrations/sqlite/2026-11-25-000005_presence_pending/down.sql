DROP TABLE pending_forms;
DROP TABLE article_presence;
