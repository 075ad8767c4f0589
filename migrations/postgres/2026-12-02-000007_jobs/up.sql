-- The job runner: background work, leased so that several server processes
-- never run one job at the same time, retried with back-off, unique per key.
CREATE TABLE jobs (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    payload           TEXT NOT NULL,
    unique_key        TEXT,
    status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    run_at            TIMESTAMP NOT NULL,
    attempts          BIGINT NOT NULL,
    max_attempts      BIGINT NOT NULL CHECK (max_attempts >= 1),
    lease_owner       TEXT,
    lease_expires_at  TIMESTAMP,
    last_error        TEXT,
    created_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP
);
-- "Complete campaign X" is enqueued once however many nodes ask.
CREATE UNIQUE INDEX jobs_unique_key ON jobs (unique_key);
CREATE INDEX jobs_due_idx ON jobs (status, run_at);
