-- The customer portfolio: the complete customer record, lifecycle, seats
-- drawn from the MSP's pool, customer groups, seat-pool expansion requests,
-- and the accounts whose count bounds a customer's seats.

ALTER TABLE customers ADD COLUMN billing_reference TEXT;
ALTER TABLE customers ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE customers ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE customers ADD COLUMN sector TEXT;
ALTER TABLE customers ADD COLUMN location TEXT;
ALTER TABLE customers ADD COLUMN tier TEXT NOT NULL DEFAULT 'starter';
ALTER TABLE customers ADD COLUMN seats BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN max_mau BIGINT NOT NULL DEFAULT 100000000;
ALTER TABLE customers ADD COLUMN license_expires_on DATE;
ALTER TABLE customers ADD COLUMN status TEXT NOT NULL DEFAULT 'onboarding';
-- Bumped by every change: the ETag of the customer.
ALTER TABLE customers ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
-- Lower-cased name, for sorting and searching the same way on both backends.
ALTER TABLE customers ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN seats_changed_at TIMESTAMP;
ALTER TABLE customers ADD COLUMN seats_changed_by TEXT;
UPDATE customers SET sort_name = lower(name);
CREATE INDEX customers_sort_name_idx ON customers (msp_id, sort_name, id);
CREATE INDEX customers_created_idx ON customers (msp_id, created_at, id);
CREATE INDEX customers_seats_idx ON customers (msp_id, seats, id);
CREATE INDEX customers_expiry_idx ON customers (msp_id, license_expires_on, id);

-- Counters that the limits are checked against in one conditional UPDATE of
-- the MSP's row: never read-then-write.
ALTER TABLE msps ADD COLUMN customer_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE msps ADD COLUMN seat_pool_allocated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE msps ADD COLUMN seat_pool_warning_percent BIGINT NOT NULL DEFAULT 90;
UPDATE msps SET customer_count = (SELECT COUNT(*) FROM customers WHERE customers.msp_id = msps.id);

CREATE TABLE customer_groups (
    id           TEXT PRIMARY KEY,
    msp_id       TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    sort_name    TEXT NOT NULL,
    description  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX customer_groups_name_key ON customer_groups (msp_id, sort_name);
CREATE INDEX customer_groups_msp_id_idx ON customer_groups (msp_id, id);

CREATE TABLE customer_group_members (
    msp_id       TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    group_id     TEXT NOT NULL REFERENCES customer_groups (id) ON DELETE CASCADE,
    customer_id  TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    added_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, customer_id)
);
CREATE INDEX customer_group_members_customer_idx ON customer_group_members (msp_id, customer_id);

CREATE TABLE seat_expansion_requests (
    id             TEXT PRIMARY KEY,
    msp_id         TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    seats          BIGINT NOT NULL,
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL,
    requested_by   TEXT NOT NULL,
    requested_at   TIMESTAMP NOT NULL,
    decided_by     TEXT,
    decided_at     TIMESTAMP,
    decision_note  TEXT
);
CREATE INDEX seat_expansion_requests_msp_id_idx ON seat_expansion_requests (msp_id, id);
CREATE INDEX seat_expansion_requests_status_idx ON seat_expansion_requests (status, id);

-- End users of a customer. The metering issue completes them; the portfolio
-- needs their count (seats may not drop below the active ones).
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
