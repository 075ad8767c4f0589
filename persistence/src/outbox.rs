//! The e-mail outbox: mail is written here in the transaction that wants it
//! sent, and a sender delivers it afterwards, retrying failures. Several
//! server processes may run senders: each message is claimed with one
//! conditional update, so only one of them sends it.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

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
    /// Not before this time.
    pub next_attempt_at: NaiveDateTime,
    /// A sender holds it until then.
    pub locked_until: Option<NaiveDateTime>,
    /// When the relay accepted it.
    pub sent_at: Option<NaiveDateTime>,
    /// When it was given up.
    pub failed_at: Option<NaiveDateTime>,
    /// The relay's last answer, when it failed.
    pub last_error: Option<String>,
}

/// Queues a message, to be sent as soon as a sender runs.
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
    Ok(record)
}

/// Claims up to `limit` messages due at `now` for `hold_until`; returns the
/// ones this caller won.
pub fn claim_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    hold_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<OutboxRecord>, StoreError> {
    let now_naive = now.naive_utc();
    let candidates: Vec<OutboxRecord> = email_outbox::table
        .filter(email_outbox::sent_at.is_null())
        .filter(email_outbox::failed_at.is_null())
        .filter(email_outbox::next_attempt_at.le(now_naive))
        .filter(email_outbox::locked_until.is_null().or(email_outbox::locked_until.lt(now_naive)))
        .order(email_outbox::next_attempt_at.asc())
        .limit(limit)
        .select(OutboxRecord::as_select())
        .load(conn)?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let won = diesel::update(
            email_outbox::table
                .filter(email_outbox::id.eq(&candidate.id))
                .filter(email_outbox::sent_at.is_null())
                .filter(email_outbox::locked_until.is_null().or(email_outbox::locked_until.lt(now_naive))),
        )
        .set(email_outbox::locked_until.eq(hold_until.naive_utc()))
        .execute(conn)?;
        if won == 1 {
            claimed.push(candidate);
        }
    }
    Ok(claimed)
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

/// Records a failed attempt: retry at `retry_at`, or give up when `None`
/// (the body is then dropped, as for a delivered message).
pub fn mark_failed(
    conn: &mut DbConnection,
    id: &str,
    error: &str,
    now: DateTime<Utc>,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    diesel::update(email_outbox::table.find(id))
        .set((
            email_outbox::attempts.eq(email_outbox::attempts + 1),
            email_outbox::locked_until.eq(None::<NaiveDateTime>),
            email_outbox::last_error.eq(Some(error)),
            email_outbox::next_attempt_at.eq(retry_at.unwrap_or(now).naive_utc()),
            email_outbox::failed_at.eq(retry_at.is_none().then(|| now.naive_utc())),
        ))
        .execute(conn)?;
    if retry_at.is_none() {
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
