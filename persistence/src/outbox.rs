//! The e-mail outbox: mail is written here in the transaction that wants it
//! sent, together with the job that sends it (`domain::email_delivery`), so
//! that a message is queued exactly when its transaction commits. The job
//! runner's lease makes one worker of one process send it; its retries and
//! back-off are the runner's. A message keeps what became of it.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use domain::email_delivery::{MAX_ATTEMPTS, SEND_EMAIL_JOB};

use crate::jobs::NewJob;
use crate::schema::email_outbox;
use crate::{DbConnection, StoreError};

/// A message as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = email_outbox)]
pub struct OutboxRecord {
    /// Primary key.
    pub id: String,
    /// Tenant key.
    pub msp_id: String,
    /// Address it goes to.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// When queued (UTC).
    pub created_at: NaiveDateTime,
    /// Delivery attempts made.
    pub attempts: i64,
    /// When it was queued (the job that sends it keeps its own schedule).
    pub next_attempt_at: NaiveDateTime,
    /// The sender holding it until then (its job's attempt, or a sender of
    /// an older version).
    pub locked_until: Option<NaiveDateTime>,
    /// When the relay accepted it.
    pub sent_at: Option<NaiveDateTime>,
    /// When it was given up.
    pub failed_at: Option<NaiveDateTime>,
    /// The relay's last answer, when it failed.
    pub last_error: Option<String>,
}

/// The payload of the job that sends a message.
pub fn send_job_payload(message_id: &str) -> String {
    serde_json::json!({ "message_id": message_id }).to_string()
}

/// Reads the id of the message a send job's payload names.
pub fn message_of_send_job(payload: &str) -> Option<String> {
    let payload: serde_json::Value = serde_json::from_str(payload).ok()?;
    payload.get("message_id")?.as_str().map(str::to_owned)
}

/// Queues a message and the job that sends it, in the caller's transaction.
pub fn enqueue(
    conn: &mut DbConnection,
    msp_id: &str,
    recipient: &str,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<OutboxRecord, StoreError> {
    let record = OutboxRecord {
        id: crate::new_id(),
        msp_id: msp_id.to_owned(),
        recipient: recipient.to_owned(),
        subject: subject.to_owned(),
        body: body.to_owned(),
        created_at: now.naive_utc(),
        attempts: 0,
        next_attempt_at: now.naive_utc(),
        locked_until: None,
        sent_at: None,
        failed_at: None,
        last_error: None,
    };
    diesel::insert_into(email_outbox::table).values(&record).execute(conn)?;
    enqueue_send_job(conn, &record.id, now)?;
    Ok(record)
}

/// The job that sends message `id`, once however often it is asked for.
fn enqueue_send_job(conn: &mut DbConnection, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let payload = send_job_payload(id);
    let unique_key = format!("{SEND_EMAIL_JOB}:{id}");
    let job = NewJob {
        kind: SEND_EMAIL_JOB,
        payload: &payload,
        unique_key: Some(&unique_key),
        run_at: now,
        max_attempts: MAX_ATTEMPTS,
    };
    crate::jobs::enqueue(conn, &job, now)?;
    Ok(())
}

/// Gives every message neither sent nor given up the job that sends it, if
/// it has none (mail queued by a version before the job runner, which sent
/// it itself); returns how many messages it looked at. Run at start-up; a
/// message that has its job keeps it (the job's unique key).
pub fn give_jobs_to_jobless(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let pending: Vec<String> = email_outbox::table
        .filter(email_outbox::sent_at.is_null())
        .filter(email_outbox::failed_at.is_null())
        .select(email_outbox::id)
        .load(conn)?;
    for id in &pending {
        enqueue_send_job(conn, id, now)?;
    }
    Ok(pending.len())
}

/// The message `id`, if it exists.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<OutboxRecord>, StoreError> {
    Ok(email_outbox::table.find(id).select(OutboxRecord::as_select()).first(conn).optional()?)
}

/// Takes message `id` for sending until `until`, in one statement: only a
/// message neither sent nor given up and not held by another sender (one of
/// an older version, which claims messages itself) is taken.
pub fn claim_for_sending(
    conn: &mut DbConnection,
    id: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let now = now.naive_utc();
    let taken = diesel::update(
        email_outbox::table
            .filter(email_outbox::id.eq(id))
            .filter(email_outbox::sent_at.is_null())
            .filter(email_outbox::failed_at.is_null())
            .filter(email_outbox::locked_until.is_null().or(email_outbox::locked_until.lt(now))),
    )
    .set(email_outbox::locked_until.eq(until.naive_utc()))
    .execute(conn)?;
    Ok(taken == 1)
}

/// What a delivered message's body becomes: bodies carry one-time links whose
/// tokens are otherwise stored only as hashes, so they are not kept.
pub const DELIVERED_BODY: &str = "(delivered; the body is not kept because it carried a one-time link)";

/// Marks a message delivered and drops its body.
pub fn mark_sent(conn: &mut DbConnection, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    diesel::update(email_outbox::table.find(id))
        .set((
            email_outbox::sent_at.eq(now.naive_utc()),
            email_outbox::body.eq(DELIVERED_BODY),
            email_outbox::attempts.eq(email_outbox::attempts + 1),
            email_outbox::locked_until.eq(None::<NaiveDateTime>),
            email_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt with the relay's answer; when it was the last
/// (`given_up`), the message is failed and its body dropped, as for a
/// delivered one.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: &str,
    error: &str,
    now: DateTime<Utc>,
    given_up: bool,
) -> Result<(), StoreError> {
    diesel::update(email_outbox::table.find(id))
        .set((
            email_outbox::attempts.eq(email_outbox::attempts + 1),
            email_outbox::locked_until.eq(None::<NaiveDateTime>),
            email_outbox::last_error.eq(Some(error)),
            email_outbox::failed_at.eq(given_up.then(|| now.naive_utc())),
        ))
        .execute(conn)?;
    if given_up {
        diesel::update(email_outbox::table.find(id)).set(email_outbox::body.eq(DELIVERED_BODY)).execute(conn)?;
    }
    Ok(())
}

/// Messages queued for `recipient`, oldest first (for tests and support).
pub fn for_recipient(conn: &mut DbConnection, recipient: &str) -> Result<Vec<OutboxRecord>, StoreError> {
    email_outbox::table
        .filter(email_outbox::recipient.eq(recipient))
        .order(email_outbox::id.asc())
        .select(OutboxRecord::as_select())
        .load(conn)
        .map_err(StoreError::from)
}
