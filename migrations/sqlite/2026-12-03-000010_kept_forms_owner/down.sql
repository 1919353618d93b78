DROP TABLE pending_forms;

CREATE TABLE pending_forms (
    token TEXT PRIMARY KEY NOT NULL,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
