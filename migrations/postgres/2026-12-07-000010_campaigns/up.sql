-- Phishing campaigns, part 1: the MSP's own scenarios, campaigns per
-- customer, and their recipients as planned at launch.

-- Scenarios an MSP wrote (the built-in catalogue ships in the binary).
-- Their HTML is stored sanitised; `content` is a JSON array of one entry per
-- language (subject, bodies, landing and teachable-moment pages).
CREATE TABLE phishing_scenarios (
    id                TEXT PRIMARY KEY,
    msp_id            TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    category          TEXT NOT NULL,
    difficulty        BIGINT NOT NULL CHECK (difficulty BETWEEN 1 AND 5),
    sender_name       TEXT NOT NULL,
    sender_local_part TEXT NOT NULL,
    landing_page      TEXT NOT NULL CHECK (landing_page IN ('click_only', 'credential_form')),
    -- The languages it exists in, as ',en,de,' (for the language filter).
    languages         TEXT NOT NULL,
    content           TEXT NOT NULL,
    version           BIGINT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX phishing_scenarios_msp_idx ON phishing_scenarios (msp_id, id);

-- A campaign of one customer. `scenario_ids`, `targets` and `schedule` are
-- JSON (the schedule as its canonical spec, local times in its zone);
-- `starts_at` is the start in UTC, `ends_at` the planned end (last send plus
-- the tracking days), both for filters. `seed` makes the plan reproducible.
CREATE TABLE campaigns (
    id              TEXT PRIMARY KEY,
    msp_id          TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    customer_id     TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('phishing', 'training')),
    name            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'tracking', 'completed', 'cancelled')),
    language        TEXT NOT NULL,
    scenario_ids    TEXT NOT NULL,
    targets         TEXT NOT NULL,
    schedule        TEXT NOT NULL,
    seed            BIGINT NOT NULL,
    starts_at       TIMESTAMP NOT NULL,
    ends_at         TIMESTAMP,
    first_send_at   TIMESTAMP,
    last_send_at    TIMESTAMP,
    recipient_count BIGINT NOT NULL DEFAULT 0,
    version         BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    launched_at     TIMESTAMP,
    started_at      TIMESTAMP,
    paused_at       TIMESTAMP,
    completed_at    TIMESTAMP,
    cancelled_at    TIMESTAMP
);
CREATE INDEX campaigns_customer_idx ON campaigns (msp_id, customer_id, id);
CREATE INDEX campaigns_msp_idx ON campaigns (msp_id, id);
-- Counts group by (status, kind); filtered lists read newest first.
CREATE INDEX campaigns_msp_status_idx ON campaigns (msp_id, status, kind, id);

-- Who a launched campaign goes to: a snapshot of each targeted account at
-- launch, the scenario drawn for it and its planned send time. Ids are made
-- in sending order.
CREATE TABLE campaign_recipients (
    id           TEXT PRIMARY KEY,
    msp_id       TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    account_id   TEXT NOT NULL,
    email        TEXT NOT NULL,
    display_name TEXT,
    department   TEXT,
    scenario_id  TEXT NOT NULL,
    planned_at   TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (campaign_id, account_id)
);
CREATE INDEX campaign_recipients_campaign_idx ON campaign_recipients (campaign_id, id);
CREATE INDEX campaign_recipients_plan_idx ON campaign_recipients (campaign_id, planned_at);
