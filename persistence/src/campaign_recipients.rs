//! Who a campaign targets and, once launched, its recipients: a snapshot of
//! each account with its scenario and planned send time.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
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

/// Which recipients a list shows.
#[derive(Debug, Clone, Default)]
pub struct RecipientFilter {
    /// Of this department.
    pub department: Option<String>,
    /// With this scenario.
    pub scenario_id: Option<String>,
    /// Planned or skipped.
    pub standing: Option<Standing>,
}

/// Up to `limit` recipients of a campaign in sending order after id
/// `after`, each with its standing.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    campaign_id: &str,
    filter: &RecipientFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<(RecipientRecord, Standing)>, StoreError> {
    let still_active = accounts::table
        .filter(accounts::id.eq(campaign_recipients::account_id))
        .filter(accounts::status.eq("active"))
        .filter(accounts::deleted_at.is_null());
    let mut query = campaign_recipients::table
        .filter(campaign_recipients::msp_id.eq(msp_id.to_owned()))
        .filter(campaign_recipients::campaign_id.eq(campaign_id.to_owned()))
        .select((RecipientRecord::as_select(), diesel::dsl::exists(still_active)))
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
    let rows: Vec<(RecipientRecord, bool)> = query.load(conn)?;
    Ok(rows.into_iter().map(|(r, active)| (r, if active { Standing::Planned } else { Standing::Skipped })).collect())
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
