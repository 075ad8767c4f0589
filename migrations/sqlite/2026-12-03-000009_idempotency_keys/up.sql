-- Idempotency-Key: the first answer to each key, per credential (scope),
-- replayed to retries with the same key and payload for 24 hours.
CREATE TABLE idempotency_keys (
    scope             TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL,
    -- What was asked: method, path, query and body, hashed.
    fingerprint       TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('in_flight', 'completed')),
    -- The request holding the key while it runs (a random token), and
    -- until when.
    holder            TEXT NOT NULL,
    lease_expires_at  TIMESTAMP,
    response_status   BIGINT,
    -- JSON array of [name, value] pairs.
    response_headers  TEXT,
    response_body     BLOB,
    created_at        TIMESTAMP NOT NULL,
    expires_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, idempotency_key),
    CHECK (state = 'in_flight' OR (response_status IS NOT NULL AND response_headers IS NOT NULL AND response_body IS NOT NULL))
);
-- Answers past their lifetime are forgotten, whoever they were for.
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
