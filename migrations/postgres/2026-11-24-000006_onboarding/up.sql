-- Guided onboarding: what each step saved, the customer's logo, the delivery
-- tests, and when the customer went live.

ALTER TABLE customers ADD COLUMN went_live_at TIMESTAMP;
-- The attention list: customers of an MSP still in onboarding, oldest (smallest time-ordered id) first.
CREATE INDEX customers_status_idx ON customers (msp_id, status, id);

-- One row per step an admin saved. `saved_values` is the JSON object of what
-- was saved and not (yet) applied elsewhere; `refusal` is the conflict that
-- last kept it from applying (JSON: code and detail), shown as a problem.
CREATE TABLE onboarding_steps (
    customer_id  TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    msp_id       TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    step         TEXT NOT NULL,
    saved_values TEXT NOT NULL,
    skipped      BOOLEAN NOT NULL DEFAULT FALSE,
    refusal      TEXT,
    saved_at     TIMESTAMP NOT NULL,
    saved_by     TEXT NOT NULL,
    PRIMARY KEY (customer_id, step)
);
CREATE INDEX onboarding_steps_msp_idx ON onboarding_steps (msp_id, customer_id);

-- The logo, as uploaded and checked (decoded, not trusted).
CREATE TABLE customer_logos (
    customer_id  TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    msp_id       TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    width        BIGINT NOT NULL,
    height       BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BYTEA NOT NULL,
    uploaded_at  TIMESTAMP NOT NULL,
    uploaded_by  TEXT NOT NULL
);
CREATE INDEX customer_logos_msp_idx ON customer_logos (msp_id);

-- Test mails through the SMTP relay. Only the SHA-256 of the confirmation
-- link's token is kept.
CREATE TABLE delivery_tests (
    id             TEXT PRIMARY KEY,
    msp_id         TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    customer_id    TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    recipient      TEXT NOT NULL,
    token_hash     TEXT NOT NULL UNIQUE,
    status         TEXT NOT NULL,
    relay_response TEXT,
    created_at     TIMESTAMP NOT NULL,
    created_by     TEXT NOT NULL,
    confirmed_at   TIMESTAMP
);
CREATE INDEX delivery_tests_customer_idx ON delivery_tests (msp_id, customer_id, id);
