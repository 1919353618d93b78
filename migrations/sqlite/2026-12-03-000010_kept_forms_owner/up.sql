-- A kept form belongs to the staff member whose expired session sent it: only they get it
-- back. Forms kept before had no owner and cannot be handed to anyone safely, so they go.
DROP TABLE pending_forms;

CREATE TABLE pending_forms (
    token TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE INDEX pending_forms_user ON pending_forms (user_id, created_at);
