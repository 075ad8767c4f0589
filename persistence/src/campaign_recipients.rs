//! Who a campaign targets and, once launched, its recipients: a snapshot of
//! each account with its scenario and planned send time.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::campaigns::results::{DeliveryStatus, Outcome};
use domain::campaigns::targets::Targets;

use crate::database::per_backend;
use crate::schema::{account_group_members, account_groups, accounts, campaign_recipients};
use crate::{DbConnection, StoreError};

/// An account a campaign targets, as snapshotted at launch.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct TargetAccount {
    /// The account.
    pub id: String,
    /// Its address.
    pub email: String,
    /// Its name.
    pub display_name: Option<String>,
    /// Its department.
    pub department: Option<String>,
}

/// Rows at a time in one `INSERT` (SQLite allows 32,766 bound values).
const INSERT_CHUNK: usize = 1000;

type TargetQuery<'a> = accounts::BoxedQuery<'a, diesel::sqlite::Sqlite>;

macro_rules! targeted {
    ($msp_id:expr, $customer_id:expr, $targets:expr, $backend:ty) => {{
        let targets: &Targets = $targets;
        let mut query = accounts::table
            .filter(accounts::msp_id.eq($msp_id.to_owned()))
            .filter(accounts::customer_id.eq($customer_id.to_owned()))
            .filter(accounts::status.eq("active"))
            .filter(accounts::deleted_at.is_null())
            // An erased account, reactivated, has no address to send to.
            .filter(accounts::email.not_like(format!("%@{}", domain::privacy::PSEUDONYM_DOMAIN)))
            .into_boxed::<$backend>();
        if !targets.all_active {
            let members = account_group_members::table
                .filter(account_group_members::group_id.eq_any(targets.account_group_ids.clone()))
                .select(account_group_members::account_id);
            query = query.filter(
                accounts::department
                    .eq_any(targets.departments.clone())
                    .nullable()
                    .or(accounts::id.eq_any(members).nullable()),
            );
        }
        if !targets.exclude_account_ids.is_empty() {
            query = query.filter(accounts::id.ne_all(targets.exclude_account_ids.clone()));
        }
        if !targets.exclude_account_group_ids.is_empty() {
            let excluded = account_group_members::table
                .filter(account_group_members::group_id.eq_any(targets.exclude_account_group_ids.clone()))
                .select(account_group_members::account_id);
            query = query.filter(diesel::dsl::not(accounts::id.eq_any(excluded)));
        }
        query
    }};
}

/// The active accounts of a customer that `targets` reach, by id.
pub fn resolve(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    targets: &Targets,
) -> Result<Vec<TargetAccount>, StoreError> {
    let columns = (accounts::id, accounts::email, accounts::display_name, accounts::department);
    let found = match conn {
        DbConnection::Pg(pg) => targeted!(msp_id, customer_id, targets, diesel::pg::Pg)
            .select(columns)
            .order(accounts::id.asc())
            .load(pg)?,
        DbConnection::Sqlite(sqlite) => {
            let query: TargetQuery<'_> = targeted!(msp_id, customer_id, targets, diesel::sqlite::Sqlite);
            query.select(columns).order(accounts::id.asc()).load(sqlite)?
        }
    };
    Ok(found)
}

/// How many active accounts of a customer `targets` reach.
pub fn count(conn: &mut DbConnection, msp_id: &str, customer_id: &str, targets: &Targets) -> Result<i64, StoreError> {
    let counted = match conn {
        DbConnection::Pg(pg) => targeted!(msp_id, customer_id, targets, diesel::pg::Pg).count().get_result(pg)?,
        DbConnection::Sqlite(sqlite) => {
            targeted!(msp_id, customer_id, targets, diesel::sqlite::Sqlite).count().get_result(sqlite)?
        }
    };
    Ok(counted)
}

/// The ids among `ids` that are account groups of the customer.
pub fn known_groups(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    ids: &[String],
) -> Result<Vec<String>, StoreError> {
    account_groups::table
        .filter(account_groups::msp_id.eq(msp_id))
        .filter(account_groups::customer_id.eq(customer_id))
        .filter(account_groups::id.eq_any(ids))
        .select(account_groups::id)
        .load(conn)
        .map_err(StoreError::from)
}

/// A recipient as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = campaign_recipients)]
pub struct RecipientRecord {
    /// Primary key; ids are made in sending order.
    pub id: String,
    /// The MSP.
    pub msp_id: String,
    /// The campaign.
    pub campaign_id: String,
    /// The account.
    pub account_id: String,
    /// Its address at launch.
    pub email: String,
    /// Its name at launch.
    pub display_name: Option<String>,
    /// Its department at launch.
    pub department: Option<String>,
    /// The scenario drawn for it.
    pub scenario_id: String,
    /// When it is to be sent (UTC).
    pub planned_at: NaiveDateTime,
    /// When planned (UTC).
    pub created_at: NaiveDateTime,
    /// When it may next be sent: its planned time, or a retry's.
    pub due_at: Option<NaiveDateTime>,
}

/// Inserts recipients, in chunks.
pub fn insert_all(conn: &mut DbConnection, records: &[RecipientRecord]) -> Result<(), StoreError> {
    for chunk in records.chunks(INSERT_CHUNK) {
        per_backend!(conn, |backend| diesel::insert_into(campaign_recipients::table)
            .values(chunk.to_vec())
            .execute(backend))?;
    }
    Ok(())
}

/// Forgets the plan of a campaign (before planning it again).
pub fn delete_all(conn: &mut DbConnection, msp_id: &str, campaign_id: &str) -> Result<usize, StoreError> {
    diesel::delete(
        campaign_recipients::table
            .filter(campaign_recipients::msp_id.eq(msp_id))
            .filter(campaign_recipients::campaign_id.eq(campaign_id)),
    )
    .execute(conn)
    .map_err(StoreError::from)
}

/// Whether a recipient will still be sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Its account is active.
    Planned,
    /// Its account was deactivated or deleted after launch: nothing is sent.
    Skipped,
}

/// Where a recipient's message and results stand.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = campaign_recipients)]
pub struct RecipientProgress {
    /// Where its message stands.
    #[diesel(deserialize_as = String)]
    pub delivery: DeliveryStatus,
    /// Attempts at sending it.
    pub attempts: i64,
    /// When the relay accepted it.
    pub sent_at: Option<NaiveDateTime>,
    /// When the relay refused it for good.
    pub failed_at: Option<NaiveDateTime>,
    /// The relay's last answer.
    pub relay_answer: Option<String>,
    /// First human open.
    pub opened_at: Option<NaiveDateTime>,
    /// First open by anyone.
    pub opened_any_at: Option<NaiveDateTime>,
    /// First human click.
    pub clicked_at: Option<NaiveDateTime>,
    /// First click by anyone.
    pub clicked_any_at: Option<NaiveDateTime>,
    /// First human submission.
    pub submitted_at: Option<NaiveDateTime>,
    /// First submission by anyone.
    pub submitted_any_at: Option<NaiveDateTime>,
    /// First report.
    pub reported_at: Option<NaiveDateTime>,
    /// Events per kind, human and automated (JSON).
    pub event_counts: String,
    /// When its personal data was erased or pseudonymised.
    pub erased_at: Option<NaiveDateTime>,
}

/// Which recipients a list shows.
#[derive(Debug, Clone, Default)]
pub struct RecipientFilter {
    /// Of this department.
    pub department: Option<String>,
    /// With this scenario.
    pub scenario_id: Option<String>,
    /// Planned or skipped.
    pub standing: Option<Standing>,
    /// With this outcome.
    pub outcome: Option<Outcome>,
    /// Whose message stands so.
    pub delivery: Option<DeliveryStatus>,
}

/// A recipient as a list shows it.
pub type ListedRecipient = (RecipientRecord, RecipientProgress, Standing);

/// Up to `limit` recipients of a campaign in sending order after id
/// `after`, each with its progress and standing.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    campaign_id: &str,
    filter: &RecipientFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ListedRecipient>, StoreError> {
    use campaign_recipients::dsl as r;
    let still_active = accounts::table
        .filter(accounts::id.eq(campaign_recipients::account_id))
        .filter(accounts::status.eq("active"))
        .filter(accounts::deleted_at.is_null());
    let mut query = campaign_recipients::table
        .filter(campaign_recipients::msp_id.eq(msp_id.to_owned()))
        .filter(campaign_recipients::campaign_id.eq(campaign_id.to_owned()))
        .select((RecipientRecord::as_select(), RecipientProgress::as_select(), diesel::dsl::exists(still_active)))
        .order(campaign_recipients::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(campaign_recipients::id.gt(after.to_owned()));
    }
    if let Some(department) = &filter.department {
        query = query.filter(campaign_recipients::department.eq(department.clone()));
    }
    if let Some(scenario_id) = &filter.scenario_id {
        query = query.filter(campaign_recipients::scenario_id.eq(scenario_id.clone()));
    }
    match filter.standing {
        Some(Standing::Planned) => query = query.filter(diesel::dsl::exists(still_active)),
        Some(Standing::Skipped) => query = query.filter(diesel::dsl::not(diesel::dsl::exists(still_active))),
        None => {}
    }
    let sent = DeliveryStatus::Sent.as_str();
    query = match filter.outcome {
        None => query,
        Some(Outcome::Clicked) => query.filter(r::clicked_at.is_not_null()),
        Some(Outcome::Submitted) => query.filter(r::submitted_at.is_not_null()),
        Some(Outcome::Reported) => query.filter(r::reported_at.is_not_null()),
        Some(Outcome::Failed) => query.filter(r::delivery.eq(DeliveryStatus::Failed.as_str())),
        Some(Outcome::NoAction) => query
            .filter(r::delivery.eq(sent))
            .filter(r::clicked_at.is_null())
            .filter(r::submitted_at.is_null())
            .filter(r::reported_at.is_null()),
    };
    if let Some(delivery) = filter.delivery {
        query = query.filter(r::delivery.eq(delivery.as_str()));
    }
    let rows: Vec<(RecipientRecord, RecipientProgress, bool)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(r, p, active)| (r, p, if active { Standing::Planned } else { Standing::Skipped }))
        .collect())
}

/// The first planned send of a campaign, if it has recipients.
pub fn first_planned(
    conn: &mut DbConnection,
    msp_id: &str,
    campaign_id: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let first: Option<NaiveDateTime> = campaign_recipients::table
        .filter(campaign_recipients::msp_id.eq(msp_id))
        .filter(campaign_recipients::campaign_id.eq(campaign_id))
        .select(diesel::dsl::min(campaign_recipients::planned_at))
        .first(conn)?;
    Ok(first.map(|t| t.and_utc()))
}

/// The median seconds from delivery to the first report among the
/// `reporters` recipients of a campaign who reported (read from an index:
/// one seek to the middle).
pub fn median_report_seconds(
    conn: &mut DbConnection,
    campaign_id: &str,
    reporters: i64,
) -> Result<Option<f64>, StoreError> {
    if reporters <= 0 {
        return Ok(None);
    }
    let middle: Vec<Option<i64>> = campaign_recipients::table
        .filter(campaign_recipients::campaign_id.eq(campaign_id))
        .filter(campaign_recipients::report_seconds.is_not_null())
        .order(campaign_recipients::report_seconds.asc())
        .select(campaign_recipients::report_seconds)
        .offset((reporters - 1) / 2)
        .limit(2 - reporters % 2)
        .load(conn)?;
    let values: Vec<i64> = middle.into_iter().flatten().collect();
    if values.is_empty() {
        return Ok(None);
    }
    #[allow(clippy::cast_precision_loss)]
    let median = values.iter().sum::<i64>() as f64 / values.len() as f64;
    Ok(Some(median))
}

/// When each recipient of a campaign reached each milestone (sent, and the
/// first human open, click, submission and report), for the report's
/// timeline.
pub fn milestone_times(
    conn: &mut DbConnection,
    campaign_id: &str,
) -> Result<Vec<[Option<NaiveDateTime>; 5]>, StoreError> {
    type Times = (
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Times> = campaign_recipients::table
        .filter(campaign_recipients::campaign_id.eq(campaign_id))
        .select((
            campaign_recipients::sent_at,
            campaign_recipients::opened_at,
            campaign_recipients::clicked_at,
            campaign_recipients::submitted_at,
            campaign_recipients::reported_at,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(a, b, c, d, e)| [a, b, c, d, e]).collect())
}

/// Replaces a recipient's address and name (in every campaign of the MSP)
/// with `pseudonym`, marking when.
pub fn pseudonymise_account(
    conn: &mut DbConnection,
    msp_id: &str,
    account_id: &str,
    pseudonym: &str,
    at: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let ids: Vec<String> = campaign_recipients::table
        .filter(campaign_recipients::msp_id.eq(msp_id))
        .filter(campaign_recipients::account_id.eq(account_id))
        .select(campaign_recipients::id)
        .load(conn)?;
    diesel::update(campaign_recipients::table.filter(campaign_recipients::id.eq_any(&ids)))
        .set((
            campaign_recipients::email.eq(pseudonym),
            campaign_recipients::display_name.eq(None::<String>),
            campaign_recipients::erased_at.eq(Some(at.naive_utc())),
        ))
        .execute(conn)?;
    Ok(ids)
}

/// Gives every recipient of a campaign not yet pseudonymised its account's
/// pseudonym and no name; returns the recipients changed.
pub fn pseudonymise_campaign(
    conn: &mut DbConnection,
    msp_id: &str,
    campaign_id: &str,
    at: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String, String)> = campaign_recipients::table
        .filter(campaign_recipients::msp_id.eq(msp_id))
        .filter(campaign_recipients::campaign_id.eq(campaign_id))
        .filter(campaign_recipients::erased_at.is_null())
        .select((campaign_recipients::id, campaign_recipients::account_id))
        .load(conn)?;
    for (id, account_id) in &rows {
        diesel::update(campaign_recipients::table.filter(campaign_recipients::id.eq(id)))
            .set((
                campaign_recipients::email.eq(domain::privacy::pseudonymous_address(account_id)),
                campaign_recipients::display_name.eq(None::<String>),
                campaign_recipients::erased_at.eq(Some(at.naive_utc())),
            ))
            .execute(conn)?;
    }
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}
