//! The jobs table: background work enqueued in the transaction that wants
//! it, claimed by one worker at a time under a lease (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL, a compare-and-set update on SQLite, whose writers
//! are serialised anyway), retried, and kept with its error when it fails
//! for good. Every function takes the caller's connection, so the caller
//! owns the transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::jobs::JobStatus;

use crate::schema::jobs;
use crate::{DbConnection, StoreError};

/// A job as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = jobs)]
pub struct JobRecord {
    /// Primary key (UUIDv7).
    pub id: String,
    /// What to do: the name a handler is registered under.
    pub kind: String,
    /// The handler's input (JSON).
    pub payload: String,
    /// At most one job holds a key, however many times it is enqueued.
    pub unique_key: Option<String>,
    /// Where it stands.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: JobStatus,
    /// Not before this time.
    pub run_at: NaiveDateTime,
    /// Attempts started (a claim counts one).
    pub attempts: i64,
    /// Attempts before it is given up.
    pub max_attempts: i64,
    /// The worker holding (or that last held) it.
    pub lease_owner: Option<String>,
    /// Until when that worker holds it.
    pub lease_expires_at: Option<NaiveDateTime>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When enqueued.
    pub created_at: NaiveDateTime,
    /// When it succeeded or was given up.
    pub finished_at: Option<NaiveDateTime>,
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    /// Its kind.
    pub kind: &'a str,
    /// Its input (JSON).
    pub payload: &'a str,
    /// A key that makes it once-only (e.g. `complete-campaign:ID`).
    pub unique_key: Option<&'a str>,
    /// When it is due.
    pub run_at: DateTime<Utc>,
    /// Attempts before it is given up.
    pub max_attempts: i64,
}

/// What enqueuing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job, with its id.
    Created(String),
    /// A job with the same unique key exists already: nothing was added.
    AlreadyThere,
}

/// Enqueues `job`; a unique key already held (by a job queued, running or
/// succeeded) changes nothing. A failed job releases its key.
pub fn enqueue(conn: &mut DbConnection, job: &NewJob<'_>, now: DateTime<Utc>) -> Result<Enqueued, StoreError> {
    let record = JobRecord {
        id: crate::new_id(),
        kind: job.kind.to_owned(),
        payload: job.payload.to_owned(),
        unique_key: job.unique_key.map(str::to_owned),
        status: JobStatus::Queued,
        run_at: job.run_at.naive_utc(),
        attempts: 0,
        max_attempts: job.max_attempts,
        lease_owner: None,
        lease_expires_at: None,
        last_error: None,
        created_at: now.naive_utc(),
        finished_at: None,
    };
    // One statement, so that two nodes enqueuing one key at once cannot
    // both add it, and a transaction around it is not aborted (PostgreSQL)
    // by a unique violation.
    let insert = diesel::insert_into(jobs::table).values(record.clone());
    let inserted = match conn {
        DbConnection::Pg(pg) => insert.on_conflict_do_nothing().execute(pg)?,
        DbConnection::Sqlite(sqlite) => insert.on_conflict_do_nothing().execute(sqlite)?,
    };
    Ok(if inserted == 1 { Enqueued::Created(record.id) } else { Enqueued::AlreadyThere })
}

/// What a job whose worker stopped during its last attempt is failed with.
pub const LAPSED_ON_LAST_ATTEMPT: &str = "its worker stopped during its last attempt (the lease lapsed)";

/// Claims up to `limit` jobs due at `now` — queued and due, or running with
/// a lapsed lease (their worker died) and attempts left — for `owner` until
/// `lease_until`, counting an attempt for each. A lapsed job with no attempt
/// left is failed instead, so that a job that kills its worker is not
/// retried forever. Call it in a write transaction.
pub fn claim(
    conn: &mut DbConnection,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<JobRecord>, StoreError> {
    let now = now.naive_utc();
    let queued: String = JobStatus::Queued.into();
    let running: String = JobStatus::Running.into();
    let lapsed = jobs::status.eq(running.clone()).and(jobs::lease_expires_at.lt(now));
    diesel::update(jobs::table.filter(lapsed.clone()).filter(jobs::attempts.ge(jobs::max_attempts)))
        .set((
            jobs::status.eq(String::from(JobStatus::Failed)),
            jobs::last_error.eq(Some(LAPSED_ON_LAST_ATTEMPT)),
            jobs::finished_at.eq(Some(now)),
            jobs::lease_expires_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    let claimable = jobs::status.eq(queued.clone()).and(jobs::run_at.le(now)).or(lapsed);
    let candidates = jobs::table.filter(claimable.clone()).order(jobs::run_at.asc()).select(jobs::id).limit(limit);
    let ids: Vec<String> = match conn {
        DbConnection::Pg(pg) => candidates.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => candidates.load(sqlite)?,
    };
    let mut won = Vec::with_capacity(ids.len());
    for id in ids {
        // Compare-and-set: only a job still claimable is taken.
        let taken = diesel::update(jobs::table.filter(jobs::id.eq(&id)).filter(claimable.clone()))
            .set((
                jobs::status.eq(running.clone()),
                jobs::lease_owner.eq(owner),
                jobs::lease_expires_at.eq(lease_until.naive_utc()),
                jobs::attempts.eq(jobs::attempts + 1),
            ))
            .execute(conn)?;
        if taken == 1 {
            won.push(id);
        }
    }
    if won.is_empty() {
        return Ok(Vec::new());
    }
    let mut claimed: Vec<JobRecord> =
        jobs::table.filter(jobs::id.eq_any(&won)).select(JobRecord::as_select()).load(conn)?;
    claimed.sort_by(|a, b| (a.run_at, &a.id).cmp(&(b.run_at, &b.id)));
    Ok(claimed)
}

/// Marks job `id` succeeded, if `owner` still holds it; false when the
/// lease was lost (another worker took the job over).
pub fn succeed(conn: &mut DbConnection, id: &str, owner: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let running: String = JobStatus::Running.into();
    let done: String = JobStatus::Succeeded.into();
    let updated = diesel::update(
        jobs::table.filter(jobs::id.eq(id)).filter(jobs::lease_owner.eq(owner)).filter(jobs::status.eq(running)),
    )
    .set((
        jobs::status.eq(done),
        jobs::finished_at.eq(Some(now.naive_utc())),
        jobs::lease_expires_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Records a failed attempt of job `id` held by `owner`: queued again at
/// `retry_at`, or failed for good when `retry_at` is `None`.
pub fn fail(
    conn: &mut DbConnection,
    id: &str,
    owner: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let running: String = JobStatus::Running.into();
    let target =
        jobs::table.filter(jobs::id.eq(id)).filter(jobs::lease_owner.eq(owner)).filter(jobs::status.eq(running));
    let updated = match retry_at {
        Some(at) => diesel::update(target)
            .set((
                jobs::status.eq(String::from(JobStatus::Queued)),
                jobs::run_at.eq(at.naive_utc()),
                jobs::last_error.eq(Some(error)),
                jobs::lease_expires_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                jobs::status.eq(String::from(JobStatus::Failed)),
                jobs::last_error.eq(Some(error)),
                jobs::finished_at.eq(Some(now.naive_utc())),
                jobs::lease_expires_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
    };
    Ok(updated == 1)
}

/// One job.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<JobRecord>, StoreError> {
    Ok(jobs::table.filter(jobs::id.eq(id)).select(JobRecord::as_select()).first(conn).optional()?)
}

/// Jobs, newest first (by `created_at` under the injected clock, then id),
/// optionally of one status, after cursor `before` (an id).
pub fn list(
    conn: &mut DbConnection,
    status: Option<JobStatus>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<JobRecord>, StoreError> {
    let cursor = match before {
        Some(id) => {
            jobs::table.filter(jobs::id.eq(id)).select(jobs::created_at).first::<NaiveDateTime>(conn).optional()?
        }
        None => None,
    };
    let mut query = jobs::table
        .select(JobRecord::as_select())
        .order((jobs::created_at.desc(), jobs::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(jobs::status.eq(String::from(status)));
    }
    match (before, cursor) {
        (Some(id), Some(at)) => {
            let same_instant_earlier_id =
                diesel::BoolExpressionMethods::and(jobs::created_at.eq(at), jobs::id.lt(id.to_owned()));
            query = query.filter(diesel::BoolExpressionMethods::or(jobs::created_at.lt(at), same_instant_earlier_id));
        }
        // A cursor naming no job ends the list.
        (Some(_), None) => return Ok(Vec::new()),
        (None, _) => {}
    }
    Ok(query.load(conn)?)
}
