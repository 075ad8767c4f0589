-- Phishing campaigns, part 2: sending, tracking and results.

-- Where each recipient's message stands, and its milestones: the first
-- human time (`*_at`) and the first time by anyone (`*_any_at`) of each,
-- with event counts (kept to show,
-- never filtered on). `due_at` is when it may next be sent (its planned
-- time, or a retry's); `claimed_by`/`claimed_until` the sender holding it.
ALTER TABLE campaign_recipients ADD COLUMN delivery TEXT NOT NULL DEFAULT 'pending'
    CHECK (delivery IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'cancelled'));
ALTER TABLE campaign_recipients ADD COLUMN due_at TIMESTAMP;
ALTER TABLE campaign_recipients ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE campaign_recipients ADD COLUMN claimed_by TEXT;
ALTER TABLE campaign_recipients ADD COLUMN claimed_until TIMESTAMP;
ALTER TABLE campaign_recipients ADD COLUMN sent_at TIMESTAMP;
ALTER TABLE campaign_recipients ADD COLUMN failed_at TIMESTAMP;
ALTER TABLE campaign_recipients ADD COLUMN relay_answer TEXT;
ALTER TABLE campaign_recipients ADD COLUMN opened_at TIMESTAMP;
ALTER TABLE campaign_recipients ADD COLUMN opened_any_at TIMESTAMP;
ALTER TABLE campaign_recipients ADD COLUMN clicked_at TIMESTAMP;
ALTER TABLE campaign_recipients ADD COLUMN clicked_any_at TIMESTAMP;
ALTER TABLE campaign_recipients ADD COLUMN submitted_at TIMESTAMP;
ALTER TABLE campaign_recipients ADD COLUMN submitted_any_at TIMESTAMP;
ALTER TABLE campaign_recipients ADD COLUMN reported_at TIMESTAMP;
ALTER TABLE campaign_recipients ADD COLUMN prone_at TIMESTAMP;
-- Events per kind, human and automated, as JSON ({"clicked": {"human": 1, "automated": 2}}).
ALTER TABLE campaign_recipients ADD COLUMN event_counts TEXT NOT NULL DEFAULT '{}';
-- Seconds from delivery to the first report (the median reads an index).
ALTER TABLE campaign_recipients ADD COLUMN report_seconds BIGINT;
-- When the recipient's personal data was erased or pseudonymised.
ALTER TABLE campaign_recipients ADD COLUMN erased_at TIMESTAMP;
UPDATE campaign_recipients SET due_at = planned_at;
CREATE INDEX campaign_recipients_due_idx ON campaign_recipients (campaign_id, delivery, due_at);
CREATE INDEX campaign_recipients_report_idx ON campaign_recipients (campaign_id, report_seconds);
CREATE INDEX campaign_recipients_account_idx ON campaign_recipients (msp_id, account_id);

-- Every tracking event, classified. `reasons` is a JSON array; a
-- submission keeps the names of the fields sent (`field_names`, JSON),
-- never their values.
CREATE TABLE campaign_events (
    id              TEXT PRIMARY KEY,
    msp_id          TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    campaign_id     TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    recipient_id    TEXT NOT NULL REFERENCES campaign_recipients (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('opened', 'clicked', 'submitted', 'reported', 'honeypot')),
    classification  TEXT NOT NULL CHECK (classification IN ('human', 'automated')),
    reasons         TEXT NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    late            BOOLEAN NOT NULL DEFAULT FALSE,
    source_address  TEXT,
    user_agent      TEXT,
    field_names     TEXT,
    reported_via    TEXT,
    reclassified_by TEXT,
    reclassified_at TIMESTAMP
);
CREATE INDEX campaign_events_campaign_idx ON campaign_events (campaign_id, id);
CREATE INDEX campaign_events_recipient_idx ON campaign_events (recipient_id, occurred_at);
CREATE INDEX campaign_events_source_idx ON campaign_events (campaign_id, source_address, occurred_at);

-- A campaign's results kept as counters, changed with each event by the
-- difference it made: one row for the whole campaign (dimension 'all',
-- key ''), one per department and one per scenario.
CREATE TABLE campaign_counters (
    msp_id           TEXT NOT NULL REFERENCES msps (id) ON DELETE CASCADE,
    campaign_id      TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    dimension        TEXT NOT NULL CHECK (dimension IN ('all', 'department', 'scenario')),
    key              TEXT NOT NULL,
    recipients       BIGINT NOT NULL DEFAULT 0,
    sent             BIGINT NOT NULL DEFAULT 0,
    failed           BIGINT NOT NULL DEFAULT 0,
    opened           BIGINT NOT NULL DEFAULT 0,
    opened_any       BIGINT NOT NULL DEFAULT 0,
    clicked          BIGINT NOT NULL DEFAULT 0,
    clicked_any      BIGINT NOT NULL DEFAULT 0,
    submitted        BIGINT NOT NULL DEFAULT 0,
    submitted_any    BIGINT NOT NULL DEFAULT 0,
    reported         BIGINT NOT NULL DEFAULT 0,
    phish_prone      BIGINT NOT NULL DEFAULT 0,
    events_human     BIGINT NOT NULL DEFAULT 0,
    events_automated BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, dimension, key)
);

-- The relay trouble a campaign is waiting out, and its report, written at completion.
ALTER TABLE campaigns ADD COLUMN delivery_problem TEXT;
ALTER TABLE campaigns ADD COLUMN delivery_problem_since TIMESTAMP;
ALTER TABLE campaigns ADD COLUMN report TEXT;

-- An MSP's tracking settings: the click delay, source allow and deny
-- lists (comma-separated addresses or ranges), and the days after a
-- campaign's completion when its results are pseudonymised (NULL: kept).
ALTER TABLE msps ADD COLUMN click_delay_seconds BIGINT NOT NULL DEFAULT 15;
ALTER TABLE msps ADD COLUMN allowed_sources TEXT NOT NULL DEFAULT '';
ALTER TABLE msps ADD COLUMN denied_sources TEXT NOT NULL DEFAULT '';
ALTER TABLE msps ADD COLUMN result_retention_days BIGINT;
