DROP TABLE article_tags;
DROP TABLE articles;
DROP TABLE tags;
DROP TABLE categories;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE settings;
