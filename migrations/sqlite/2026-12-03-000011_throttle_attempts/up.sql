-- The throttle counts attempts reserved before the password is checked (not failures written
-- afterwards), so that parallel attempts cannot all pass one check.
ALTER TABLE sign_in_throttle RENAME COLUMN failures TO attempts;
