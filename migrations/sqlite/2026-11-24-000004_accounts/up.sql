-- SQLite twin of the PostgreSQL migration of the same name; keep them in step.
-- Accounts with their status history, the monthly roll-up MAA is read from,
-- the counters activation limits are checked against, and allowance orders.

-- 000003 made a placeholder that nothing wrote to; accounts now also belong
-- to the MSP's own organisation (customer_id NULL) and are deleted softly,
-- because a deleted account still counts in the months it was active.
DROP TABLE accounts;
CREATE TABLE accounts (
    id                TEXT PRIMARY KEY,
    msp_id            TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    customer_id       TEXT REFERENCES customers (id) ON DELETE CASCADE,
    email             TEXT NOT NULL,
    display_name      TEXT,
    department        TEXT,
    external_id       TEXT,
    status            TEXT NOT NULL,
    -- First day of the last month in which the account was active at some
    -- moment: whether activating it again adds to this month's MAA.
    last_active_month DATE,
    status_changed_at TIMESTAMP NOT NULL,
    deleted_at        TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX accounts_customer_email_key ON accounts (customer_id, email) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX accounts_own_email_key ON accounts (msp_id, email) WHERE deleted_at IS NULL AND customer_id IS NULL;
CREATE INDEX accounts_customer_idx ON accounts (customer_id, id);
CREATE INDEX accounts_own_idx ON accounts (msp_id, id) WHERE customer_id IS NULL;

CREATE TABLE account_status_changes (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    msp_id      TEXT NOT NULL,
    status      TEXT NOT NULL,
    changed_at  TIMESTAMP NOT NULL,
    changed_by  TEXT NOT NULL
);
CREATE INDEX account_status_changes_account_idx ON account_status_changes (account_id, id);

-- One row per organisation per month in which a status changed: the net
-- change of active accounts and the accounts that started to count. No
-- foreign key to customers: a deleted customer's months stay billed.
-- organization_id is the customer's id, or the MSP's for its own organisation.
CREATE TABLE maa_tallies (
    msp_id          TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    month           DATE NOT NULL,
    organization_id TEXT NOT NULL,
    net_change      BIGINT NOT NULL,
    newly_counted   BIGINT NOT NULL,
    PRIMARY KEY (msp_id, month, organization_id)
);
CREATE INDEX maa_tallies_organization_idx ON maa_tallies (organization_id, month);

-- Active accounts now, kept with each status change, for the limits.
ALTER TABLE customers ADD COLUMN active_accounts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE msps ADD COLUMN active_global_users BIGINT NOT NULL DEFAULT 0;
ALTER TABLE msps ADD COLUMN active_local_users BIGINT NOT NULL DEFAULT 0;

-- The SKU's size and term are copied onto the order, so that a later change
-- of the catalogue never rewrites what was bought.
CREATE TABLE maa_orders (
    id           TEXT PRIMARY KEY,
    msp_id       TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    sku          TEXT NOT NULL,
    sku_name     TEXT NOT NULL,
    quantity     BIGINT NOT NULL,
    maa_per_unit BIGINT NOT NULL,
    term_months  BIGINT NOT NULL,
    starts_month DATE NOT NULL,
    ordered_at   TIMESTAMP NOT NULL,
    ordered_by   TEXT NOT NULL
);
CREATE INDEX maa_orders_msp_idx ON maa_orders (msp_id, id);
