//! Campaign rows: their definition (as JSON specs the domain parses), their
//! state, and the counts the console shows. State changes are
//! compare-and-set updates (expected status and, with `If-Match`, version),
//! so two admins or two nodes can never both move a campaign.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::campaigns::CampaignKind;
use domain::campaigns::lifecycle::CampaignStatus;
use domain::campaigns::schedule::ScheduleSpec;
use domain::campaigns::targets::TargetsSpec;

use crate::schema::{campaigns, customers};
use crate::{DbConnection, StoreError};

/// A campaign as stored, its JSON read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRecord {
    /// Primary key.
    pub id: String,
    /// The MSP.
    pub msp_id: String,
    /// The customer it runs for.
    pub customer_id: String,
    /// Phishing or training.
    pub kind: CampaignKind,
    /// Its name.
    pub name: String,
    /// Where it stands.
    pub status: CampaignStatus,
    /// BCP 47 language of its messages.
    pub language: String,
    /// Its scenarios.
    pub scenario_ids: Vec<String>,
    /// Whom it targets.
    pub targets: TargetsSpec,
    /// Its schedule (canonical spec).
    pub schedule: ScheduleSpec,
    /// Seed of its plan.
    pub seed: i64,
    /// The start, in UTC.
    pub starts_at: DateTime<Utc>,
    /// Planned end: the last send plus the tracking days (once launched).
    pub ends_at: Option<DateTime<Utc>>,
    /// First planned send (once launched).
    pub first_send_at: Option<DateTime<Utc>>,
    /// Last planned send (once launched).
    pub last_send_at: Option<DateTime<Utc>>,
    /// Recipients planned at launch.
    pub recipient_count: i64,
    /// Bumped by every change: the ETag.
    pub version: i64,
    /// Who created it (audit label).
    pub created_by: String,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
    /// When launched.
    pub launched_at: Option<DateTime<Utc>>,
    /// When sending began.
    pub started_at: Option<DateTime<Utc>>,
    /// When last paused.
    pub paused_at: Option<DateTime<Utc>>,
    /// When completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// When cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why messages are not going out though they should (the relay is
    /// unreachable); cleared when the relay answers again.
    pub delivery_problem: Option<String>,
    /// Since when.
    pub delivery_problem_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = campaigns)]
struct CampaignRow {
    id: String,
    msp_id: String,
    customer_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    kind: CampaignKind,
    name: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    status: CampaignStatus,
    language: String,
    scenario_ids: String,
    targets: String,
    schedule: String,
    seed: i64,
    starts_at: NaiveDateTime,
    ends_at: Option<NaiveDateTime>,
    first_send_at: Option<NaiveDateTime>,
    last_send_at: Option<NaiveDateTime>,
    recipient_count: i64,
    version: i64,
    created_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    launched_at: Option<NaiveDateTime>,
    started_at: Option<NaiveDateTime>,
    paused_at: Option<NaiveDateTime>,
    completed_at: Option<NaiveDateTime>,
    cancelled_at: Option<NaiveDateTime>,
    delivery_problem: Option<String>,
    delivery_problem_since: Option<NaiveDateTime>,
}

fn json<T: serde::de::DeserializeOwned>(id: &str, what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("campaign {id}: {what}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl CampaignRow {
    fn into_record(self) -> Result<CampaignRecord, StoreError> {
        let utc = |t: Option<NaiveDateTime>| t.map(|t| t.and_utc());
        Ok(CampaignRecord {
            scenario_ids: json(&self.id, "scenario_ids", &self.scenario_ids)?,
            targets: json(&self.id, "targets", &self.targets)?,
            schedule: json(&self.id, "schedule", &self.schedule)?,
            id: self.id,
            msp_id: self.msp_id,
            customer_id: self.customer_id,
            kind: self.kind,
            name: self.name,
            status: self.status,
            language: self.language,
            seed: self.seed,
            starts_at: self.starts_at.and_utc(),
            ends_at: utc(self.ends_at),
            first_send_at: utc(self.first_send_at),
            last_send_at: utc(self.last_send_at),
            recipient_count: self.recipient_count,
            version: self.version,
            created_by: self.created_by,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
            launched_at: utc(self.launched_at),
            started_at: utc(self.started_at),
            paused_at: utc(self.paused_at),
            completed_at: utc(self.completed_at),
            cancelled_at: utc(self.cancelled_at),
            delivery_problem: self.delivery_problem,
            delivery_problem_since: utc(self.delivery_problem_since),
        })
    }

    fn from_record(r: &CampaignRecord) -> Result<Self, StoreError> {
        let naive = |t: Option<DateTime<Utc>>| t.map(|t| t.naive_utc());
        Ok(Self {
            id: r.id.clone(),
            msp_id: r.msp_id.clone(),
            customer_id: r.customer_id.clone(),
            kind: r.kind,
            name: r.name.clone(),
            status: r.status,
            language: r.language.clone(),
            scenario_ids: to_json(&r.scenario_ids)?,
            targets: to_json(&r.targets)?,
            schedule: to_json(&r.schedule)?,
            seed: r.seed,
            starts_at: r.starts_at.naive_utc(),
            ends_at: naive(r.ends_at),
            first_send_at: naive(r.first_send_at),
            last_send_at: naive(r.last_send_at),
            recipient_count: r.recipient_count,
            version: r.version,
            created_by: r.created_by.clone(),
            created_at: r.created_at.naive_utc(),
            updated_at: r.updated_at.naive_utc(),
            launched_at: naive(r.launched_at),
            started_at: naive(r.started_at),
            paused_at: naive(r.paused_at),
            completed_at: naive(r.completed_at),
            cancelled_at: naive(r.cancelled_at),
            delivery_problem: r.delivery_problem.clone(),
            delivery_problem_since: naive(r.delivery_problem_since),
        })
    }
}

/// Inserts a campaign.
pub fn insert(conn: &mut DbConnection, record: &CampaignRecord) -> Result<(), StoreError> {
    diesel::insert_into(campaigns::table).values(CampaignRow::from_record(record)?).execute(conn)?;
    Ok(())
}

/// A campaign of `msp_id`.
pub fn find(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<Option<CampaignRecord>, StoreError> {
    let row: Option<CampaignRow> = campaigns::table
        .filter(campaigns::msp_id.eq(msp_id))
        .filter(campaigns::id.eq(id))
        .select(CampaignRow::as_select())
        .first(conn)
        .optional()?;
    row.map(CampaignRow::into_record).transpose()
}

/// Which campaigns a list shows; every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct CampaignFilter {
    /// Of this customer.
    pub customer_id: Option<String>,
    /// In one of these states (any when empty).
    pub statuses: Vec<CampaignStatus>,
    /// Of this kind.
    pub kind: Option<CampaignKind>,
    /// Starting at or after.
    pub starts_from: Option<DateTime<Utc>>,
    /// Starting before.
    pub starts_before: Option<DateTime<Utc>>,
    /// Planned to end at or after.
    pub ends_from: Option<DateTime<Utc>>,
    /// Planned to end before.
    pub ends_before: Option<DateTime<Utc>>,
}

/// Up to `limit` campaigns of `msp_id` matching `filter`, newest first,
/// after (older than) id `after`.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    filter: &CampaignFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<CampaignRecord>, StoreError> {
    let mut query = campaigns::table
        .filter(campaigns::msp_id.eq(msp_id.to_owned()))
        .select(CampaignRow::as_select())
        .order(campaigns::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(campaigns::id.lt(after.to_owned()));
    }
    if let Some(customer_id) = &filter.customer_id {
        query = query.filter(campaigns::customer_id.eq(customer_id.clone()));
    }
    // One state as `=`, so that the (msp_id, status, kind, id) index is read
    // in order, newest first, without sorting; several as `IN`.
    match filter.statuses.as_slice() {
        [] => {}
        [one] => query = query.filter(campaigns::status.eq(one.as_str())),
        several => {
            let statuses: Vec<String> = several.iter().map(|s| s.as_str().to_owned()).collect();
            query = query.filter(campaigns::status.eq_any(statuses));
        }
    }
    if let Some(kind) = filter.kind {
        query = query.filter(campaigns::kind.eq(kind.as_str()));
    }
    if let Some(t) = filter.starts_from {
        query = query.filter(campaigns::starts_at.ge(t.naive_utc()));
    }
    if let Some(t) = filter.starts_before {
        query = query.filter(campaigns::starts_at.lt(t.naive_utc()));
    }
    if let Some(t) = filter.ends_from {
        query = query.filter(campaigns::ends_at.ge(t.naive_utc()));
    }
    if let Some(t) = filter.ends_before {
        query = query.filter(campaigns::ends_at.lt(t.naive_utc()));
    }
    let rows: Vec<CampaignRow> = query.load(conn)?;
    rows.into_iter().map(CampaignRow::into_record).collect()
}

/// Replaces the definition (name, language, scenarios, targets, schedule,
/// start) of a campaign still in `status`, if its version is one of
/// `expected` (any when `None`), bumping the version. False when nothing
/// matched: the caller re-reads to say why.
pub fn update_definition(
    conn: &mut DbConnection,
    record: &CampaignRecord,
    status: CampaignStatus,
    expected: Option<&[i64]>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let row = CampaignRow::from_record(record)?;
    let mut target = diesel::update(campaigns::table)
        .filter(campaigns::msp_id.eq(row.msp_id.clone()))
        .filter(campaigns::id.eq(row.id.clone()))
        .filter(campaigns::status.eq(status.as_str()))
        .into_boxed();
    if let Some(versions) = expected {
        target = target.filter(campaigns::version.eq_any(versions.to_vec()));
    }
    let updated = target
        .set((
            campaigns::name.eq(row.name),
            campaigns::language.eq(row.language),
            campaigns::scenario_ids.eq(row.scenario_ids),
            campaigns::targets.eq(row.targets),
            campaigns::schedule.eq(row.schedule),
            campaigns::starts_at.eq(row.starts_at),
            campaigns::ends_at.eq(row.ends_at),
            campaigns::version.eq(campaigns::version + 1),
            campaigns::updated_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// A move of a campaign from one state to another, with the times it stamps.
#[derive(Debug, Clone)]
pub struct StatusChange<'a> {
    /// The state it must be in.
    pub from: CampaignStatus,
    /// The state it moves to.
    pub to: CampaignStatus,
    /// With `If-Match`: the versions it may have.
    pub expected: Option<&'a [i64]>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Moves a campaign of `msp_id` as `change` says, stamping the time of the
/// move (launched, started, paused, completed or cancelled). False when it
/// was not in `change.from` (or not at an expected version): then nothing
/// changed.
pub fn change_status(
    conn: &mut DbConnection,
    msp_id: &str,
    id: &str,
    change: &StatusChange<'_>,
) -> Result<bool, StoreError> {
    use CampaignStatus::*;
    let at = change.at.naive_utc();
    let launched = (change.from == Draft && matches!(change.to, Scheduled | Sending)).then_some(at);
    let started = (change.to == Sending && matches!(change.from, Draft | Scheduled)).then_some(at);
    let paused = (change.to == Paused).then_some(at);
    let completed = (change.to == Completed).then_some(at);
    let cancelled = (change.to == Cancelled).then_some(at);
    let mut target = diesel::update(campaigns::table)
        .filter(campaigns::msp_id.eq(msp_id.to_owned()))
        .filter(campaigns::id.eq(id.to_owned()))
        .filter(campaigns::status.eq(change.from.as_str()))
        .into_boxed();
    if let Some(versions) = change.expected {
        target = target.filter(campaigns::version.eq_any(versions.to_vec()));
    }
    let updated = target
        .set((
            campaigns::status.eq(change.to.as_str()),
            campaigns::version.eq(campaigns::version + 1),
            campaigns::updated_at.eq(at),
            launched.map(|t| campaigns::launched_at.eq(t)),
            started.map(|t| campaigns::started_at.eq(t)),
            paused.map(|t| campaigns::paused_at.eq(t)),
            completed.map(|t| campaigns::completed_at.eq(t)),
            cancelled.map(|t| campaigns::cancelled_at.eq(t)),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// What a launch planned.
#[derive(Debug, Clone, Copy)]
pub struct PlanSummary {
    /// Recipients planned.
    pub recipients: i64,
    /// First send.
    pub first_send_at: DateTime<Utc>,
    /// Last send.
    pub last_send_at: DateTime<Utc>,
    /// Last send plus the tracking days.
    pub ends_at: DateTime<Utc>,
}

/// Records the plan of a campaign of `msp_id`.
pub fn set_plan(conn: &mut DbConnection, msp_id: &str, id: &str, plan: &PlanSummary) -> Result<(), StoreError> {
    diesel::update(campaigns::table.filter(campaigns::msp_id.eq(msp_id)).filter(campaigns::id.eq(id)))
        .set((
            campaigns::recipient_count.eq(plan.recipients),
            campaigns::first_send_at.eq(Some(plan.first_send_at.naive_utc())),
            campaigns::last_send_at.eq(Some(plan.last_send_at.naive_utc())),
            campaigns::ends_at.eq(Some(plan.ends_at.naive_utc())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes a draft of `msp_id`; false when there is no such draft.
pub fn delete_draft(
    conn: &mut DbConnection,
    msp_id: &str,
    id: &str,
    expected: Option<&[i64]>,
) -> Result<bool, StoreError> {
    let mut target = diesel::delete(campaigns::table)
        .filter(campaigns::msp_id.eq(msp_id.to_owned()))
        .filter(campaigns::id.eq(id.to_owned()))
        .filter(campaigns::status.eq(CampaignStatus::Draft.as_str()))
        .into_boxed();
    if let Some(versions) = expected {
        target = target.filter(campaigns::version.eq_any(versions.to_vec()));
    }
    Ok(target.execute(conn)? == 1)
}

/// Campaigns of `msp_id` (of one customer, when given) per state and kind.
pub fn counts(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: Option<&str>,
) -> Result<Vec<(CampaignStatus, CampaignKind, i64)>, StoreError> {
    let mut query = campaigns::table
        .filter(campaigns::msp_id.eq(msp_id.to_owned()))
        .group_by((campaigns::status, campaigns::kind))
        .select((campaigns::status, campaigns::kind, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(customer_id) = customer_id {
        query = query.filter(campaigns::customer_id.eq(customer_id.to_owned()));
    }
    let rows: Vec<(String, String, i64)> = query.load(conn)?;
    rows.into_iter()
        .map(|(status, kind, n)| {
            let corrupt = |e: domain::spelling::UnknownSpelling| StoreError::Corrupt(format!("campaign count: {e}"));
            Ok((status.parse().map_err(corrupt)?, kind.parse().map_err(corrupt)?, n))
        })
        .collect()
}

/// When a campaign of the customer last launched (any kind, not a draft).
pub fn last_launched(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let latest: Option<NaiveDateTime> = campaigns::table
        .filter(campaigns::msp_id.eq(msp_id))
        .filter(campaigns::customer_id.eq(customer_id))
        .select(diesel::dsl::max(campaigns::launched_at))
        .first(conn)?;
    Ok(latest.map(|t| t.and_utc()))
}

/// Live customers of `msp_id` with no phishing campaign launched since `since`.
pub fn live_customers_without_campaign_since(
    conn: &mut DbConnection,
    msp_id: &str,
    since: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let recent = campaigns::table
        .filter(campaigns::msp_id.eq(msp_id.to_owned()))
        .filter(campaigns::customer_id.eq(customers::id))
        .filter(campaigns::kind.eq(CampaignKind::Phishing.as_str()))
        .filter(campaigns::launched_at.ge(since.naive_utc()));
    customers::table
        .filter(customers::msp_id.eq(msp_id))
        .filter(customers::status.eq("live"))
        .filter(diesel::dsl::not(diesel::dsl::exists(recent)))
        .count()
        .get_result(conn)
        .map_err(StoreError::from)
}

/// The report of a campaign of `msp_id`, once written.
pub fn report(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<Option<String>, StoreError> {
    Ok(campaigns::table
        .filter(campaigns::msp_id.eq(msp_id))
        .filter(campaigns::id.eq(id))
        .select(campaigns::report)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Keeps the report of a campaign of `msp_id`.
pub fn set_report(conn: &mut DbConnection, msp_id: &str, id: &str, report: &str) -> Result<(), StoreError> {
    diesel::update(campaigns::table.filter(campaigns::msp_id.eq(msp_id)).filter(campaigns::id.eq(id)))
        .set(campaigns::report.eq(Some(report)))
        .execute(conn)?;
    Ok(())
}
