//! The idempotency keys table: per credential (`scope`) and key, what the
//! first request asked (its fingerprint) and, once it finished, its answer.
//! A key is taken by one statement (an insert that does nothing when the key
//! is held), so that two requests racing with one key — on one process or
//! several — cannot both run. Every function takes the caller's connection,
//! so the caller owns the transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::idempotency::KeyState;

use crate::schema::idempotency_keys;
use crate::{DbConnection, StoreError};

/// A kept answer: what the first request with a key was told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptAnswer {
    /// HTTP status.
    pub status: u16,
    /// Response headers, in order, as `(name, value)`.
    pub headers: Vec<(String, String)>,
    /// Response body.
    pub body: Vec<u8>,
}

/// A request asking to hold a key.
#[derive(Debug, Clone)]
pub struct KeyRequest<'a> {
    /// Whose key it is: the credential behind the request.
    pub scope: &'a str,
    /// The key as sent.
    pub key: &'a str,
    /// What the request asks (method, target and body, hashed).
    pub fingerprint: &'a str,
    /// This request's token (`domain::idempotency::new_holder`).
    pub holder: &'a str,
    /// Now, under the injected clock.
    pub now: DateTime<Utc>,
    /// Until when this request holds the key while it runs.
    pub lease_until: DateTime<Utc>,
    /// Until when its answer is kept.
    pub expires_at: DateTime<Utc>,
}

/// What asking for a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyHold {
    /// The key was free: this request holds it and runs.
    Taken,
    /// The first request with the key still runs (whatever this one asks).
    InFlight,
    /// The key was used for a different request.
    OtherRequest,
    /// The first request finished: its answer.
    Answered(KeptAnswer),
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
struct KeyRow {
    scope: String,
    idempotency_key: String,
    fingerprint: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    state: KeyState,
    holder: String,
    lease_expires_at: Option<NaiveDateTime>,
    response_status: Option<i64>,
    response_headers: Option<String>,
    response_body: Option<Vec<u8>>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

/// Takes the key for `request`, or says who has it. Answers past their
/// lifetime are forgotten first (everyone's: an indexed delete of the few
/// that expired since the last request, so the table holds one day of keys),
/// and so is a hold on this key whose request never finished (its lease
/// lapsed).
pub fn hold(conn: &mut DbConnection, request: &KeyRequest<'_>) -> Result<KeyHold, StoreError> {
    let now = request.now.naive_utc();
    let in_flight: String = KeyState::InFlight.into();
    let lapsed_hold = idempotency_keys::idempotency_key
        .eq(request.key)
        .and(idempotency_keys::state.eq(in_flight))
        .and(idempotency_keys::lease_expires_at.le(now));
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::expires_at.le(now))).execute(conn)?;
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::scope.eq(request.scope)).filter(lapsed_hold))
        .execute(conn)?;
    let row = KeyRow {
        scope: request.scope.to_owned(),
        idempotency_key: request.key.to_owned(),
        fingerprint: request.fingerprint.to_owned(),
        state: KeyState::InFlight,
        holder: request.holder.to_owned(),
        lease_expires_at: Some(request.lease_until.naive_utc()),
        response_status: None,
        response_headers: None,
        response_body: None,
        created_at: now,
        expires_at: request.expires_at.naive_utc(),
    };
    // One statement: of two requests racing, exactly one inserts (on
    // PostgreSQL the second waits for the first's commit, then does nothing).
    let insert = diesel::insert_into(idempotency_keys::table).values(row);
    let inserted = match conn {
        DbConnection::Pg(pg) => insert.on_conflict_do_nothing().execute(pg)?,
        DbConnection::Sqlite(sqlite) => insert.on_conflict_do_nothing().execute(sqlite)?,
    };
    if inserted == 1 {
        return Ok(KeyHold::Taken);
    }
    let found: Option<KeyRow> = idempotency_keys::table
        .filter(idempotency_keys::scope.eq(request.scope))
        .filter(idempotency_keys::idempotency_key.eq(request.key))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?;
    // Gone between the insert and the read: its holder gave it back.
    let Some(found) = found else { return Ok(KeyHold::InFlight) };
    // Running first: what its answer will be is not known yet, whatever
    // this request asks.
    if found.state == KeyState::InFlight {
        return Ok(KeyHold::InFlight);
    }
    if found.fingerprint != request.fingerprint {
        return Ok(KeyHold::OtherRequest);
    }
    Ok(match (found.state, found.response_status, found.response_headers, found.response_body) {
        (KeyState::Completed, Some(status), Some(headers), Some(body)) => KeyHold::Answered(KeptAnswer {
            status: u16::try_from(status).map_err(|e| StoreError::Corrupt(format!("kept status {status}: {e}")))?,
            headers: serde_json::from_str(&headers).map_err(|e| StoreError::Corrupt(format!("kept headers: {e}")))?,
            body,
        }),
        _ => KeyHold::InFlight,
    })
}

/// Keeps `answer` as the one for the key `holder` holds (nothing happens
/// when its hold lapsed and another request took the key over).
pub fn keep_answer(
    conn: &mut DbConnection,
    scope: &str,
    key: &str,
    holder: &str,
    answer: &KeptAnswer,
) -> Result<(), StoreError> {
    let headers =
        serde_json::to_string(&answer.headers).map_err(|e| StoreError::Corrupt(format!("headers to keep: {e}")))?;
    diesel::update(idempotency_keys::table.filter(held(scope, key, holder)))
        .set((
            idempotency_keys::state.eq(String::from(KeyState::Completed)),
            idempotency_keys::lease_expires_at.eq(None::<NaiveDateTime>),
            idempotency_keys::response_status.eq(Some(i64::from(answer.status))),
            idempotency_keys::response_headers.eq(Some(headers)),
            idempotency_keys::response_body.eq(Some(answer.body.as_slice())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives the key `holder` holds back unanswered, so that a retry runs afresh.
pub fn release(conn: &mut DbConnection, scope: &str, key: &str, holder: &str) -> Result<(), StoreError> {
    diesel::delete(idempotency_keys::table.filter(held(scope, key, holder))).execute(conn)?;
    Ok(())
}

/// The key `(scope, key)` while `holder` holds it.
type HeldKey<'a> = diesel::dsl::And<
    diesel::dsl::And<
        diesel::dsl::And<
            diesel::dsl::Eq<idempotency_keys::scope, &'a str>,
            diesel::dsl::Eq<idempotency_keys::idempotency_key, &'a str>,
        >,
        diesel::dsl::Eq<idempotency_keys::holder, &'a str>,
    >,
    diesel::dsl::Eq<idempotency_keys::state, String>,
>;

fn held<'a>(scope: &'a str, key: &'a str, holder: &'a str) -> HeldKey<'a> {
    idempotency_keys::scope
        .eq(scope)
        .and(idempotency_keys::idempotency_key.eq(key))
        .and(idempotency_keys::holder.eq(holder))
        .and(idempotency_keys::state.eq(String::from(KeyState::InFlight)))
}
