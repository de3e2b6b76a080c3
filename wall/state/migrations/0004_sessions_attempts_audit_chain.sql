-- Sessions the server can end (sign-out, a password change, a disabled user, a revoked token):
-- the cookie carries a random session id, only its hash is kept here.
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    sid_sha256  TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('user', 'token')),
    subject_id  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,            -- ISO 8601, UTC
    expires_at  TEXT NOT NULL,
    ended_at    TEXT,
    remote      TEXT
);
CREATE INDEX sessions_subject ON sessions (kind, subject_id);
-- Sign-in attempts, reserved before the password is checked (so parallel guesses never get
-- more checks than the limit), by name and client address.
CREATE TABLE login_attempts (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    name     TEXT NOT NULL,
    remote   TEXT NOT NULL,
    outcome  TEXT NOT NULL CHECK (outcome IN ('pending', 'failed', 'ok', 'cleared'))
);
CREATE INDEX login_attempts_remote ON login_attempts (remote, at);
-- The audit log as a chain: each row carries the hash of the row before and of itself
-- (`gdwall audit-verify`); and no insert may take an existing row's place (REPLACE deletes
-- the old row without firing the delete trigger).
ALTER TABLE audit ADD COLUMN prev_hash TEXT;
ALTER TABLE audit ADD COLUMN row_hash TEXT;
CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit
WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
