-- Access model: MSP limits, admin permissions, invitations and password resets,
-- API keys, platform operators, customer sessions ("log in as"), the audit log,
-- the e-mail outbox and login throttling.

ALTER TABLE msps ADD COLUMN max_organizations BIGINT NOT NULL DEFAULT 100;
ALTER TABLE msps ADD COLUMN seat_pool_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE msps ADD COLUMN seat_pool_renewal_date DATE;
ALTER TABLE msps ADD COLUMN max_global_users BIGINT NOT NULL DEFAULT 0;
ALTER TABLE msps ADD COLUMN max_local_users BIGINT NOT NULL DEFAULT 0;
ALTER TABLE msps ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';

-- Extra permissions of a standard admin, comma-separated; empty for none.
ALTER TABLE admins ADD COLUMN permissions TEXT NOT NULL DEFAULT '';
-- An invited admin has no password until they set one: password_hash is then ''.

-- One-time links to set a password (invitation) or reset it (forgot password).
CREATE TABLE password_tokens (
    id          TEXT PRIMARY KEY,
    msp_id      TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    admin_id    TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('invitation', 'reset')),
    token_hash  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);
CREATE UNIQUE INDEX password_tokens_token_hash_key ON password_tokens (token_hash);
CREATE INDEX password_tokens_admin_idx ON password_tokens (msp_id, admin_id);

-- Credentials of integrations and scripts. Only a hash of the secret is kept.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    msp_id        TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    created_by    TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP,
    expires_at    TIMESTAMP,
    revoked_at    TIMESTAMP
);
CREATE UNIQUE INDEX api_keys_prefix_key ON api_keys (prefix);
CREATE INDEX api_keys_msp_id_idx ON api_keys (msp_id, id);

-- The vendor's people: they create MSPs and set their limits.
CREATE TABLE platform_operators (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    disabled_at    TIMESTAMP,
    created_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX platform_operators_email_key ON platform_operators (email);

-- An admin acting inside one customer ("log in as").
CREATE TABLE customer_sessions (
    id           TEXT PRIMARY KEY,
    msp_id       TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    customer_id  TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    admin_id     TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    ended_at     TIMESTAMP
);
CREATE INDEX customer_sessions_msp_id_idx ON customer_sessions (msp_id, id);

-- Every change, written in the transaction of the change. No route edits it.
CREATE TABLE audit_events (
    id                        TEXT PRIMARY KEY,
    msp_id                    TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    occurred_at               TIMESTAMP NOT NULL,
    actor_type                TEXT NOT NULL,
    actor_id                  TEXT NOT NULL,
    actor_label               TEXT NOT NULL,
    impersonated_customer_id  TEXT,
    action                    TEXT NOT NULL,
    target_type               TEXT NOT NULL,
    target_id                 TEXT NOT NULL,
    before_state              TEXT,
    after_state               TEXT,
    request_id                TEXT,
    client_addr               TEXT
);
CREATE INDEX audit_events_msp_id_idx ON audit_events (msp_id, id);
CREATE INDEX audit_events_target_idx ON audit_events (msp_id, target_type, target_id);
CREATE INDEX audit_events_actor_idx ON audit_events (msp_id, actor_id);

-- Mail waiting to go out; a sender delivers it and retries failures.
CREATE TABLE email_outbox (
    id               TEXT PRIMARY KEY,
    msp_id           TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    attempts         BIGINT NOT NULL,
    next_attempt_at  TIMESTAMP NOT NULL,
    locked_until     TIMESTAMP,
    sent_at          TIMESTAMP,
    failed_at        TIMESTAMP,
    last_error       TEXT
);
CREATE INDEX email_outbox_due_idx ON email_outbox (sent_at, failed_at, next_attempt_at);

-- Failed sign-ins per e-mail and per client address ('email:…', 'addr:…').
-- Not tenant data: sign-in happens before anyone is known.
CREATE TABLE login_throttles (
    throttle_key     TEXT PRIMARY KEY,
    failures         BIGINT NOT NULL,
    first_failure_at TIMESTAMP NOT NULL,
    last_failure_at  TIMESTAMP NOT NULL
);
