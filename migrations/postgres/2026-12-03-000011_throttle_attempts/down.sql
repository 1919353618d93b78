ALTER TABLE sign_in_throttle RENAME COLUMN attempts TO failures;
