DROP TABLE maa_orders;
ALTER TABLE msps DROP COLUMN active_local_users;
ALTER TABLE msps DROP COLUMN active_global_users;
ALTER TABLE customers DROP COLUMN active_accounts;
DROP TABLE maa_tallies;
DROP TABLE account_status_changes;
DROP TABLE accounts;
CREATE TABLE accounts (
    id           TEXT PRIMARY KEY,
    msp_id       TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    customer_id  TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (customer_id, email);
CREATE INDEX accounts_status_idx ON accounts (msp_id, customer_id, status);
