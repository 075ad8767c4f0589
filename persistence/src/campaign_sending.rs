//! Sending a campaign's messages: recipients due are claimed in batches by
//! one sender at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a
//! compare-and-set on SQLite, whose writers are serialised anyway), and
//! each outcome is recorded only by the sender that holds the recipient.
//! A sender that dies leaves its batch to be claimed again once its claim
//! lapses.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::campaigns::results::DeliveryStatus;
use domain::campaigns::sending::AfterSend;

use crate::schema::{accounts, campaign_recipients, campaigns};
use crate::{DbConnection, StoreError};

/// A recipient claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Outgoing {
    /// The recipient.
    pub id: String,
    /// Its address.
    pub email: String,
    /// Its name.
    pub display_name: Option<String>,
    /// Its department.
    pub department: Option<String>,
    /// Its scenario.
    pub scenario_id: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

macro_rules! claimable {
    ($now:expr) => {
        campaign_recipients::delivery.eq(DeliveryStatus::Pending.as_str()).and(campaign_recipients::due_at.le($now)).or(
            campaign_recipients::delivery
                .eq(DeliveryStatus::Sending.as_str())
                .and(campaign_recipients::claimed_until.lt($now)),
        )
    };
}

/// Marks the pending recipients of a campaign whose account was
/// deactivated or deleted since launch `skipped`: nothing is sent to them.
pub fn skip_inactive(conn: &mut DbConnection, campaign_id: &str) -> Result<usize, StoreError> {
    let active = accounts::table
        .filter(accounts::id.eq(campaign_recipients::account_id))
        .filter(accounts::status.eq("active"))
        .filter(accounts::deleted_at.is_null());
    Ok(diesel::update(
        campaign_recipients::table
            .filter(campaign_recipients::campaign_id.eq(campaign_id))
            .filter(campaign_recipients::delivery.eq(DeliveryStatus::Pending.as_str()))
            .filter(diesel::dsl::not(diesel::dsl::exists(active))),
    )
    .set(campaign_recipients::delivery.eq(DeliveryStatus::Skipped.as_str()))
    .execute(conn)?)
}

/// Claims up to `limit` recipients of a campaign due at `now` (pending and
/// due, or held by a sender whose claim lapsed) for `claim` until
/// `claim_until`, counting an attempt for each, in sending order. Call it
/// in a write transaction.
pub fn claim(
    conn: &mut DbConnection,
    campaign_id: &str,
    claim: &str,
    now: DateTime<Utc>,
    claim_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Outgoing>, StoreError> {
    let now = now.naive_utc();
    let candidates = campaign_recipients::table
        .filter(campaign_recipients::campaign_id.eq(campaign_id))
        .filter(claimable!(now))
        .order(campaign_recipients::due_at.asc())
        .select(campaign_recipients::id)
        .limit(limit);
    let ids: Vec<String> = match conn {
        DbConnection::Pg(pg) => candidates.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => candidates.load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Compare-and-set: only those still claimable are taken.
    diesel::update(campaign_recipients::table.filter(campaign_recipients::id.eq_any(&ids)).filter(claimable!(now)))
        .set((
            campaign_recipients::delivery.eq(DeliveryStatus::Sending.as_str()),
            campaign_recipients::claimed_by.eq(claim),
            campaign_recipients::claimed_until.eq(claim_until.naive_utc()),
            campaign_recipients::attempts.eq(campaign_recipients::attempts + 1),
        ))
        .execute(conn)?;
    let mut claimed: Vec<Outgoing> = campaign_recipients::table
        .filter(campaign_recipients::id.eq_any(&ids))
        .filter(campaign_recipients::claimed_by.eq(claim))
        .filter(campaign_recipients::delivery.eq(DeliveryStatus::Sending.as_str()))
        .select((
            campaign_recipients::id,
            campaign_recipients::email,
            campaign_recipients::display_name,
            campaign_recipients::department,
            campaign_recipients::scenario_id,
            campaign_recipients::attempts,
        ))
        .load(conn)?;
    claimed.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(claimed)
}

/// Records what became of recipient `id`, if `claim` still holds it;
/// returns the status it got, or `None` when the claim was lost (another
/// sender took it over, or the campaign was cancelled meanwhile).
pub fn record(
    conn: &mut DbConnection,
    id: &str,
    claim: &str,
    after: &AfterSend,
    now: DateTime<Utc>,
) -> Result<Option<DeliveryStatus>, StoreError> {
    let held = campaign_recipients::table
        .filter(campaign_recipients::id.eq(id))
        .filter(campaign_recipients::claimed_by.eq(claim))
        .filter(campaign_recipients::delivery.eq(DeliveryStatus::Sending.as_str()));
    let at = now.naive_utc();
    let none = None::<NaiveDateTime>;
    let (status, updated) = match after {
        AfterSend::Sent(answer) => (
            DeliveryStatus::Sent,
            diesel::update(held)
                .set((
                    campaign_recipients::delivery.eq(DeliveryStatus::Sent.as_str()),
                    campaign_recipients::sent_at.eq(Some(at)),
                    campaign_recipients::relay_answer.eq(Some(answer)),
                    campaign_recipients::claimed_until.eq(none),
                ))
                .execute(conn)?,
        ),
        AfterSend::Failed(answer) => (
            DeliveryStatus::Failed,
            diesel::update(held)
                .set((
                    campaign_recipients::delivery.eq(DeliveryStatus::Failed.as_str()),
                    campaign_recipients::failed_at.eq(Some(at)),
                    campaign_recipients::relay_answer.eq(Some(answer)),
                    campaign_recipients::claimed_until.eq(none),
                ))
                .execute(conn)?,
        ),
        AfterSend::RetryAt(when, answer) => (
            DeliveryStatus::Pending,
            diesel::update(held)
                .set((
                    campaign_recipients::delivery.eq(DeliveryStatus::Pending.as_str()),
                    campaign_recipients::due_at.eq(Some(when.naive_utc())),
                    campaign_recipients::relay_answer.eq(Some(answer)),
                    campaign_recipients::claimed_until.eq(none),
                ))
                .execute(conn)?,
        ),
        AfterSend::Released(when) => (
            DeliveryStatus::Pending,
            diesel::update(held)
                .set((
                    campaign_recipients::delivery.eq(DeliveryStatus::Pending.as_str()),
                    campaign_recipients::due_at.eq(Some(when.naive_utc())),
                    campaign_recipients::attempts.eq(campaign_recipients::attempts - 1),
                    campaign_recipients::claimed_until.eq(none),
                ))
                .execute(conn)?,
        ),
    };
    Ok((updated == 1).then_some(status))
}

/// What is left to send of a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remaining {
    /// Recipients pending or being sent.
    pub unsent: i64,
    /// When the earliest pending one is due (or a claim lapses).
    pub next_due: Option<DateTime<Utc>>,
}

/// What is left to send of campaign `campaign_id`.
pub fn remaining(conn: &mut DbConnection, campaign_id: &str) -> Result<Remaining, StoreError> {
    let unsent_states = [DeliveryStatus::Pending.as_str(), DeliveryStatus::Sending.as_str()];
    let unsent: i64 = campaign_recipients::table
        .filter(campaign_recipients::campaign_id.eq(campaign_id))
        .filter(campaign_recipients::delivery.eq_any(unsent_states))
        .count()
        .get_result(conn)?;
    let pending: Option<NaiveDateTime> = campaign_recipients::table
        .filter(campaign_recipients::campaign_id.eq(campaign_id))
        .filter(campaign_recipients::delivery.eq(DeliveryStatus::Pending.as_str()))
        .select(diesel::dsl::min(campaign_recipients::due_at))
        .first(conn)?;
    let lapsing: Option<NaiveDateTime> = campaign_recipients::table
        .filter(campaign_recipients::campaign_id.eq(campaign_id))
        .filter(campaign_recipients::delivery.eq(DeliveryStatus::Sending.as_str()))
        .select(diesel::dsl::min(campaign_recipients::claimed_until))
        .first(conn)?;
    let next_due = [pending, lapsing].into_iter().flatten().min().map(|t| t.and_utc());
    Ok(Remaining { unsent, next_due })
}

/// Cancels what a cancelled (or completed) campaign has not sent: every
/// recipient pending, and any a sender claimed and then left (its claim
/// lapsed). Messages in the hands of a live sender are recorded by it.
pub fn cancel_unsent(conn: &mut DbConnection, campaign_id: &str, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let abandoned = campaign_recipients::delivery
        .eq(DeliveryStatus::Sending.as_str())
        .and(campaign_recipients::claimed_until.lt(now.naive_utc()));
    Ok(diesel::update(
        campaign_recipients::table
            .filter(campaign_recipients::campaign_id.eq(campaign_id))
            .filter(campaign_recipients::delivery.eq(DeliveryStatus::Pending.as_str()).or(abandoned)),
    )
    .set((
        campaign_recipients::delivery.eq(DeliveryStatus::Cancelled.as_str()),
        campaign_recipients::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?)
}

/// Records (or, with `None`, clears) the relay trouble a campaign is
/// waiting out; an existing problem keeps its `since`.
pub fn set_delivery_problem(
    conn: &mut DbConnection,
    campaign_id: &str,
    problem: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let target = campaigns::table.filter(campaigns::id.eq(campaign_id));
    match problem {
        Some(problem) => {
            diesel::update(target.filter(campaigns::delivery_problem.is_null()))
                .set(campaigns::delivery_problem_since.eq(Some(now.naive_utc())))
                .execute(conn)?;
            diesel::update(target).set(campaigns::delivery_problem.eq(Some(problem))).execute(conn)?;
        }
        None => {
            diesel::update(target.filter(campaigns::delivery_problem.is_not_null()))
                .set((
                    campaigns::delivery_problem.eq(None::<String>),
                    campaigns::delivery_problem_since.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}
