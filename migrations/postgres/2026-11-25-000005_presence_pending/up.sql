-- Who has an article open (a note that expires by itself), and forms sent after a session
-- expired, kept until their author signs in again.
CREATE TABLE article_presence (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, user_id)
);

CREATE TABLE pending_forms (
    token TEXT PRIMARY KEY NOT NULL,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
