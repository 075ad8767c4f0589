-- Idempotency-Key: the first answer to each key, per credential (scope),
-- replayed to retries with the same key and payload for 24 hours.
CREATE TABLE idempotency_keys (
    scope             TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL,
    -- What was asked: method, path, query and body, hashed.
    fingerprint       TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('in_flight', 'completed')),
    -- Until when the request holds its key while it runs.
    lease_expires_at  TIMESTAMP,
    response_status   BIGINT,
    -- JSON array of [name, value] pairs.
    response_headers  TEXT,
    response_body     BYTEA,
    created_at        TIMESTAMP NOT NULL,
    expires_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, idempotency_key),
    CHECK (state = 'in_flight' OR (response_status IS NOT NULL AND response_headers IS NOT NULL AND response_body IS NOT NULL))
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (scope, expires_at);
