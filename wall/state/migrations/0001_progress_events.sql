-- Actual progress against the plan: each row is one dated fact with its evidence.
CREATE TABLE progress_events (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    stage       TEXT NOT NULL DEFAULT '',
    occurred_at TEXT NOT NULL,  -- ISO 8601, UTC
    evidence    TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,  -- ISO 8601, UTC
    origin      TEXT NOT NULL DEFAULT 'manual',
    UNIQUE (kind, subject, stage, occurred_at)
);
CREATE INDEX progress_events_subject ON progress_events (subject, occurred_at);
