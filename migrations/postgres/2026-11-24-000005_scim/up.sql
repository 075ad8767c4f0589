-- SCIM 2.0 provisioning: each customer's credential and sync status, the
-- SCIM attributes accounts keep beyond the accounts API's fields, and the
-- groups of accounts identity providers push.

-- One per customer that has a SCIM token. Only the SHA-256 of the token is
-- kept; rotating replaces it. The rest is what the provisioning status shows.
CREATE TABLE scim_connections (
    customer_id          TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    msp_id               TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    token_prefix         TEXT NOT NULL,
    token_hash           TEXT NOT NULL,
    token_created_at     TIMESTAMP NOT NULL,
    token_created_by     TEXT NOT NULL,
    last_success_at      TIMESTAMP,
    last_failure_at      TIMESTAMP,
    last_failure_status  INTEGER,
    last_failure_detail  TEXT,
    accounts_created     BIGINT NOT NULL DEFAULT 0,
    accounts_updated     BIGINT NOT NULL DEFAULT 0,
    accounts_deactivated BIGINT NOT NULL DEFAULT 0,
    accounts_deleted     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX scim_connections_msp_idx ON scim_connections (msp_id);

-- What an identity provider sent that the accounts API has no field for
-- (name parts, title, e-mail addresses, employee number), as a JSON object,
-- so that what it wrote reads back the same.
ALTER TABLE accounts ADD COLUMN scim_attributes TEXT;

-- Groups of a customer's accounts, as its identity provider keeps them.
CREATE TABLE account_groups (
    id           TEXT PRIMARY KEY,
    msp_id       TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    customer_id  TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    external_id  TEXT,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX account_groups_customer_idx ON account_groups (customer_id, id);

CREATE TABLE account_group_members (
    group_id   TEXT NOT NULL REFERENCES account_groups (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, account_id)
);
CREATE INDEX account_group_members_account_idx ON account_group_members (account_id);
