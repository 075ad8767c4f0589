//! Tracking events of campaign recipients and what a tracking hit needs to
//! find: the recipient behind a token (one lookup by primary key, joined
//! with its campaign's state and its MSP's tracking settings, never the
//! campaign's other recipients), its earlier events, and the sources that
//! acted for other recipients lately (bursts).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::campaigns::classify::{Classification, EventKind, Reason};
use domain::campaigns::lifecycle::CampaignStatus;
use domain::campaigns::results::{DeliveryStatus, Milestones};

use crate::schema::{campaign_events, campaign_recipients, campaigns, customers, msps};
use crate::{DbConnection, StoreError};

/// The recipient behind a tracking token, with what classifying and
/// rendering its events needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingTarget {
    /// The recipient.
    pub recipient_id: String,
    /// Its MSP.
    pub msp_id: String,
    /// Its campaign.
    pub campaign_id: String,
    /// Its department.
    pub department: Option<String>,
    /// Its scenario.
    pub scenario_id: String,
    /// Its address.
    pub email: String,
    /// Its name.
    pub display_name: Option<String>,
    /// Where its message stands.
    pub delivery: DeliveryStatus,
    /// When its message was accepted by the relay.
    pub sent_at: Option<DateTime<Utc>>,
    /// The campaign's state.
    pub campaign_status: CampaignStatus,
    /// The campaign's language.
    pub language: String,
    /// The customer's name.
    pub company: String,
    /// The MSP's click delay.
    pub click_delay_seconds: i64,
    /// The MSP's allowed sources (comma-separated).
    pub allowed_sources: String,
    /// The MSP's denied sources (comma-separated).
    pub denied_sources: String,
}

type TargetRow = (
    (String, String, String, Option<String>, String, String, Option<String>, String, Option<NaiveDateTime>),
    (String, String),
    String,
    (i64, String, String),
);

/// The recipient `recipient_id` a tracking hit names, if it exists.
pub fn target(conn: &mut DbConnection, recipient_id: &str) -> Result<Option<TrackingTarget>, StoreError> {
    let row: Option<TargetRow> = campaign_recipients::table
        .inner_join(campaigns::table.inner_join(customers::table))
        .inner_join(msps::table)
        .filter(campaign_recipients::id.eq(recipient_id))
        .select((
            (
                campaign_recipients::id,
                campaign_recipients::msp_id,
                campaign_recipients::campaign_id,
                campaign_recipients::department,
                campaign_recipients::scenario_id,
                campaign_recipients::email,
                campaign_recipients::display_name,
                campaign_recipients::delivery,
                campaign_recipients::sent_at,
            ),
            (campaigns::status, campaigns::language),
            customers::name,
            (msps::click_delay_seconds, msps::allowed_sources, msps::denied_sources),
        ))
        .first(conn)
        .optional()?;
    let Some((r, (status, language), company, (click_delay_seconds, allowed_sources, denied_sources))) = row else {
        return Ok(None);
    };
    let corrupt = |what: &str| StoreError::Corrupt(format!("recipient {}: {what}", r.0));
    Ok(Some(TrackingTarget {
        delivery: r.7.parse().map_err(|_| corrupt("delivery"))?,
        campaign_status: status.parse().map_err(|_| corrupt("campaign status"))?,
        recipient_id: r.0.clone(),
        msp_id: r.1,
        campaign_id: r.2,
        department: r.3,
        scenario_id: r.4,
        email: r.5,
        display_name: r.6,
        sent_at: r.8.map(|t| t.and_utc()),
        language,
        company,
        click_delay_seconds,
        allowed_sources,
        denied_sources,
    }))
}

/// Lets the current transaction commit without waiting for its WAL to
/// reach the disk (PostgreSQL's `synchronous_commit = off`, for this
/// transaction only). A tracking hit updates its campaign's counter rows,
/// which every hit of the campaign updates: waiting for the disk while
/// holding them would let only one hit per disk flush through. A crash may
/// lose the last fraction of a second of hits — the event and its counts
/// together, never one without the other. SQLite: nothing to do.
pub fn commit_without_waiting_for_disk(conn: &mut DbConnection) -> Result<(), StoreError> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SET LOCAL synchronous_commit = off").execute(pg)?;
    }
    Ok(())
}

/// Holds recipient `recipient_id` until the transaction ends, so that two
/// events of one recipient are counted one after the other (PostgreSQL;
/// SQLite's write transactions are serialised already).
pub fn lock(conn: &mut DbConnection, recipient_id: &str) -> Result<(), StoreError> {
    if let DbConnection::Pg(pg) = conn {
        let _: Vec<String> = campaign_recipients::table
            .filter(campaign_recipients::id.eq(recipient_id))
            .select(campaign_recipients::id)
            .for_update()
            .load(pg)?;
    }
    Ok(())
}

/// A tracking event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Primary key (UUIDv7: in the order they came).
    pub id: String,
    /// The MSP.
    pub msp_id: String,
    /// The campaign.
    pub campaign_id: String,
    /// The recipient.
    pub recipient_id: String,
    /// What happened.
    pub kind: EventKind,
    /// Human or automated.
    pub classification: Classification,
    /// Why.
    pub reasons: Vec<Reason>,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// After the campaign completed: kept, not counted.
    pub late: bool,
    /// The source address.
    pub source_address: Option<String>,
    /// The user agent.
    pub user_agent: Option<String>,
    /// A submission's field names (never values).
    pub field_names: Option<Vec<String>>,
    /// A report's channel (`add_in` or `admin`).
    pub reported_via: Option<String>,
    /// Who reclassified it (audit label).
    pub reclassified_by: Option<String>,
    /// When.
    pub reclassified_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = campaign_events)]
struct EventRow {
    id: String,
    msp_id: String,
    campaign_id: String,
    recipient_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    kind: EventKind,
    #[diesel(deserialize_as = String, serialize_as = String)]
    classification: Classification,
    reasons: String,
    occurred_at: NaiveDateTime,
    late: bool,
    source_address: Option<String>,
    user_agent: Option<String>,
    field_names: Option<String>,
    reported_via: Option<String>,
    reclassified_by: Option<String>,
    reclassified_at: Option<NaiveDateTime>,
}

fn reasons_text(reasons: &[Reason]) -> String {
    serde_json::to_string(&reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

impl EventRow {
    fn into_record(self) -> Result<EventRecord, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("event {}: {what}", self.id));
        let words: Vec<String> = serde_json::from_str(&self.reasons).map_err(|_| corrupt("reasons"))?;
        let reasons =
            words.iter().map(|w| w.parse::<Reason>()).collect::<Result<_, _>>().map_err(|_| corrupt("reason"))?;
        let field_names =
            self.field_names.as_deref().map(serde_json::from_str).transpose().map_err(|_| corrupt("field names"))?;
        Ok(EventRecord {
            id: self.id,
            msp_id: self.msp_id,
            campaign_id: self.campaign_id,
            recipient_id: self.recipient_id,
            kind: self.kind,
            classification: self.classification,
            reasons,
            occurred_at: self.occurred_at.and_utc(),
            late: self.late,
            source_address: self.source_address,
            user_agent: self.user_agent,
            field_names,
            reported_via: self.reported_via,
            reclassified_by: self.reclassified_by,
            reclassified_at: self.reclassified_at.map(|t| t.and_utc()),
        })
    }

    fn of(r: &EventRecord) -> Self {
        Self {
            id: r.id.clone(),
            msp_id: r.msp_id.clone(),
            campaign_id: r.campaign_id.clone(),
            recipient_id: r.recipient_id.clone(),
            kind: r.kind,
            classification: r.classification,
            reasons: reasons_text(&r.reasons),
            occurred_at: r.occurred_at.naive_utc(),
            late: r.late,
            source_address: r.source_address.clone(),
            user_agent: r.user_agent.clone(),
            field_names: r.field_names.as_ref().and_then(|f| serde_json::to_string(f).ok()),
            reported_via: r.reported_via.clone(),
            reclassified_by: r.reclassified_by.clone(),
            reclassified_at: r.reclassified_at.map(|t| t.naive_utc()),
        }
    }
}

/// Stores an event.
pub fn insert(conn: &mut DbConnection, event: &EventRecord) -> Result<(), StoreError> {
    diesel::insert_into(campaign_events::table).values(EventRow::of(event)).execute(conn)?;
    Ok(())
}

/// Every event of a recipient, oldest first.
pub fn of_recipient(conn: &mut DbConnection, recipient_id: &str) -> Result<Vec<EventRecord>, StoreError> {
    let rows: Vec<EventRow> = campaign_events::table
        .filter(campaign_events::recipient_id.eq(recipient_id))
        .order((campaign_events::occurred_at.asc(), campaign_events::id.asc()))
        .select(EventRow::as_select())
        .load(conn)?;
    rows.into_iter().map(EventRow::into_record).collect()
}

/// Sets the classification (and reasons) of event `id`, and who changed it
/// by hand, if anyone.
pub fn set_classification(
    conn: &mut DbConnection,
    id: &str,
    classification: Classification,
    reasons: &[Reason],
    by: Option<(&str, DateTime<Utc>)>,
) -> Result<(), StoreError> {
    diesel::update(campaign_events::table.filter(campaign_events::id.eq(id)))
        .set((
            campaign_events::classification.eq(classification.as_str()),
            campaign_events::reasons.eq(reasons_text(reasons)),
            by.map(|(who, _)| campaign_events::reclassified_by.eq(who.to_owned())),
            by.map(|(_, at)| campaign_events::reclassified_at.eq(at.naive_utc())),
        ))
        .execute(conn)?;
    Ok(())
}

/// How many recipients of a campaign other than `recipient_id` the source
/// `source` acted for at or after `since`, counted up to `enough` (a
/// gateway that hit thousands costs no more to ask about than one that hit
/// three).
pub fn other_recipients_from(
    conn: &mut DbConnection,
    campaign_id: &str,
    source: &str,
    since: DateTime<Utc>,
    recipient_id: &str,
    enough: i64,
) -> Result<i64, StoreError> {
    let others: Vec<String> = campaign_events::table
        .filter(campaign_events::campaign_id.eq(campaign_id))
        .filter(campaign_events::source_address.eq(source))
        .filter(campaign_events::occurred_at.ge(since.naive_utc()))
        .filter(campaign_events::recipient_id.ne(recipient_id))
        .select(campaign_events::recipient_id)
        .distinct()
        .limit(enough)
        .load(conn)?;
    Ok(i64::try_from(others.len()).unwrap_or(i64::MAX))
}

/// Writes a recipient's milestones (recounted from its events); the report
/// delay is counted from `sent_at`.
pub fn set_milestones(
    conn: &mut DbConnection,
    recipient_id: &str,
    m: &Milestones,
    sent_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    use campaign_recipients::dsl as r;
    let naive = |t: Option<DateTime<Utc>>| t.map(|t| t.naive_utc());
    let report_seconds = m.reported_at.zip(sent_at).map(|(reported, sent)| (reported - sent).num_seconds().max(0));
    let counts = serde_json::json!({
        "opened": { "human": m.opens_human, "automated": m.opens_automated },
        "clicked": { "human": m.clicks_human, "automated": m.clicks_automated },
        "submitted": { "human": m.submissions_human, "automated": m.submissions_automated },
        "reported": { "human": m.reports, "automated": 0 },
    });
    diesel::update(campaign_recipients::table.filter(r::id.eq(recipient_id)))
        .set((
            r::opened_at.eq(naive(m.opened_at)),
            r::opened_any_at.eq(naive(m.opened_any_at)),
            r::clicked_at.eq(naive(m.clicked_at)),
            r::clicked_any_at.eq(naive(m.clicked_any_at)),
            r::submitted_at.eq(naive(m.submitted_at)),
            r::submitted_any_at.eq(naive(m.submitted_any_at)),
            r::reported_at.eq(naive(m.reported_at)),
            r::prone_at.eq(naive(m.prone_at)),
            r::event_counts.eq(counts.to_string()),
            r::report_seconds.eq(report_seconds),
        ))
        .execute(conn)?;
    Ok(())
}

/// Which events a list shows.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Of this kind.
    pub kind: Option<EventKind>,
    /// Of this classification.
    pub classification: Option<Classification>,
    /// Of this recipient.
    pub recipient_id: Option<String>,
}

/// Up to `limit` events of a campaign of `msp_id`, in the order they came,
/// after id `after`.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    campaign_id: &str,
    filter: &EventFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<EventRecord>, StoreError> {
    let mut query = campaign_events::table
        .filter(campaign_events::msp_id.eq(msp_id.to_owned()))
        .filter(campaign_events::campaign_id.eq(campaign_id.to_owned()))
        .order(campaign_events::id.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(campaign_events::id.gt(after.to_owned()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(campaign_events::kind.eq(kind.as_str()));
    }
    if let Some(classification) = filter.classification {
        query = query.filter(campaign_events::classification.eq(classification.as_str()));
    }
    if let Some(recipient_id) = &filter.recipient_id {
        query = query.filter(campaign_events::recipient_id.eq(recipient_id.clone()));
    }
    let rows: Vec<EventRow> = query.load(conn)?;
    rows.into_iter().map(EventRow::into_record).collect()
}

/// Event `id` of a campaign of `msp_id`.
pub fn find(
    conn: &mut DbConnection,
    msp_id: &str,
    campaign_id: &str,
    id: &str,
) -> Result<Option<EventRecord>, StoreError> {
    let row: Option<EventRow> = campaign_events::table
        .filter(campaign_events::msp_id.eq(msp_id))
        .filter(campaign_events::campaign_id.eq(campaign_id))
        .filter(campaign_events::id.eq(id))
        .select(EventRow::as_select())
        .first(conn)
        .optional()?;
    row.map(EventRow::into_record).transpose()
}
