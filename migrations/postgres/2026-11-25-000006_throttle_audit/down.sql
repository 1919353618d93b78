DROP TABLE audit_log;
DROP TABLE sign_in_throttle;
