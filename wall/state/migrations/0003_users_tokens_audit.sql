-- Who may sign in, the kiosk tokens of the command-centre screens, and the audit trail.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('screen', 'operator', 'evaluator', 'admin')),
    password_hash TEXT NOT NULL,            -- werkzeug scrypt: salted and slow
    created_at    TEXT NOT NULL,            -- ISO 8601, UTC
    disabled_at   TEXT
);
CREATE TABLE tokens (
    id            INTEGER PRIMARY KEY,
    label         TEXT NOT NULL,            -- which screen, e.g. 指挥中心主屏
    role          TEXT NOT NULL CHECK (role = 'screen'),
    token_sha256  TEXT NOT NULL UNIQUE,     -- the token itself is shown once, never stored
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_used_at  TEXT
);
-- Append-only: who, when, from where, what.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    who     TEXT,                           -- a user's name, token:<label>, or NULL
    role    TEXT,
    action  TEXT NOT NULL,
    target  TEXT,
    detail  TEXT,
    remote  TEXT
);
CREATE INDEX audit_action_at ON audit (action, at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
