-- Alerts as the wall has seen them: since when each condition holds, and who acknowledged it.
-- One row per condition (kind + subject); an alert that clears and comes back is a new episode.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL,          -- kind:subject
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    level       TEXT NOT NULL,
    text        TEXT NOT NULL,
    first_seen  TEXT NOT NULL,          -- ISO 8601, UTC
    last_seen   TEXT NOT NULL,
    cleared_at  TEXT,                   -- set when the condition no longer holds
    acked_by    TEXT,
    acked_at    TEXT,
    ack_note    TEXT
);
CREATE UNIQUE INDEX alerts_open ON alerts (key) WHERE cleared_at IS NULL;
