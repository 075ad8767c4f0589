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
    /// Unused since the job runner sends mail (kept for older rows).
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
    let payload = send_job_payload(&record.id);
    let unique_key = format!("{SEND_EMAIL_JOB}:{}", record.id);
    let job = NewJob {
        kind: SEND_EMAIL_JOB,
        payload: &payload,
        unique_key: Some(&unique_key),
        run_at: now,
        max_attempts: MAX_ATTEMPTS,
    };
    crate::jobs::enqueue(conn, &job, now)?;
    Ok(record)
}

/// The message `id`, if it exists.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<OutboxRecord>, StoreError> {
    Ok(email_outbox::table.find(id).select(OutboxRecord::as_select()).first(conn).optional()?)
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
