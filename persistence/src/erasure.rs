//! Taking an end user's personal data out of storage: their account's
//! address, name, external id and SCIM attributes; their address and name
//! in every campaign result; the source addresses and user agents of their
//! tracking events; their address and name wherever the audit log's before
//! and after documents hold them as whole JSON values; and answers kept for
//! idempotent retries that hold them. Counts, rates and the account's
//! status history (MAA) are left as they were.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::{accounts, admins, api_keys, audit_events, campaign_events, idempotency_keys};
use crate::{DbConnection, StoreError};

diesel::define_sql_function! {
    /// SQL's `REPLACE(text, from, to)` (the same on PostgreSQL and SQLite).
    fn replace(text: diesel::sql_types::Nullable<diesel::sql_types::Text>, from: diesel::sql_types::Text, to: diesel::sql_types::Text) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// What erasing an account reads of it: (customer, status, email, name).
pub type ErasableAccount = (Option<String>, String, String, Option<String>);

/// An account of `msp_id` by id, deleted ones included (they are kept for
/// their history, and can be erased too).
pub fn account(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<Option<ErasableAccount>, StoreError> {
    Ok(accounts::table
        .filter(accounts::msp_id.eq(msp_id))
        .filter(accounts::id.eq(id))
        .select((accounts::customer_id, accounts::status, accounts::email, accounts::display_name))
        .first(conn)
        .optional()?)
}

/// Replaces account `id`'s address with `pseudonym` and removes its name,
/// external id and SCIM attributes.
pub fn pseudonymise_account(
    conn: &mut DbConnection,
    msp_id: &str,
    id: &str,
    pseudonym: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(accounts::table.filter(accounts::msp_id.eq(msp_id)).filter(accounts::id.eq(id)))
        .set((
            accounts::email.eq(pseudonym),
            accounts::display_name.eq(None::<String>),
            accounts::external_id.eq(None::<String>),
            accounts::scim_attributes.eq(None::<String>),
            accounts::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes the source addresses and user agents of the events of `recipient_ids`.
pub fn forget_event_sources(conn: &mut DbConnection, recipient_ids: &[String]) -> Result<usize, StoreError> {
    Ok(diesel::update(campaign_events::table.filter(campaign_events::recipient_id.eq_any(recipient_ids)))
        .set((campaign_events::source_address.eq(None::<String>), campaign_events::user_agent.eq(None::<String>)))
        .execute(conn)?)
}

fn like_pattern(needle: &str) -> String {
    let escaped = needle.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// In the audit log of `msp_id` (only the events about `targets`, when
/// given), replaces the JSON literal `from` (a whole quoted value) with the
/// JSON literal `to` in every before and after document that holds it;
/// returns the events changed.
pub fn scrub_audit(
    conn: &mut DbConnection,
    msp_id: &str,
    targets: Option<&[String]>,
    from: &str,
    to: &str,
) -> Result<usize, StoreError> {
    let pattern = like_pattern(from);
    let holding = audit_events::before_state
        .like(pattern.clone())
        .escape('\\')
        .or(audit_events::after_state.like(pattern).escape('\\'));
    let mut events = audit_events::table.filter(audit_events::msp_id.eq(msp_id.to_owned())).into_boxed();
    if let Some(targets) = targets {
        events = events.filter(audit_events::target_id.eq_any(targets.to_vec()));
    }
    let ids: Vec<String> = events.filter(holding).select(audit_events::id).load(conn)?;
    Ok(diesel::update(audit_events::table.filter(audit_events::id.eq_any(&ids)))
        .set((
            audit_events::before_state.eq(replace(audit_events::before_state, from, to)),
            audit_events::after_state.eq(replace(audit_events::after_state, from, to)),
        ))
        .execute(conn)?)
}

/// Forgets the answers kept for idempotent retries by the admins and API
/// keys of `msp_id` that hold any of `needles` (a retry then runs again
/// instead of replaying personal data that was erased), and those of theirs
/// that expired by `now` (no retry replays them any more).
pub fn forget_kept_answers(
    conn: &mut DbConnection,
    msp_id: &str,
    needles: &[&str],
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let admin_ids: Vec<String> = admins::table.filter(admins::msp_id.eq(msp_id)).select(admins::id).load(conn)?;
    let key_ids: Vec<String> = api_keys::table.filter(api_keys::msp_id.eq(msp_id)).select(api_keys::id).load(conn)?;
    let scopes: Vec<String> = admin_ids
        .iter()
        .map(|id| format!("admin:{id}"))
        .chain(key_ids.iter().map(|id| format!("api-key:{id}")))
        .collect();
    let mut forgotten = diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::scope.eq_any(&scopes))
            .filter(idempotency_keys::expires_at.le(now.naive_utc())),
    )
    .execute(conn)?;
    let kept: Vec<(String, String, Option<Vec<u8>>)> = idempotency_keys::table
        .filter(idempotency_keys::scope.eq_any(&scopes))
        .select((idempotency_keys::scope, idempotency_keys::idempotency_key, idempotency_keys::response_body))
        .load(conn)?;
    for (scope, key, body) in kept {
        let holds = body.is_some_and(|b| {
            let text = String::from_utf8_lossy(&b);
            needles.iter().any(|n| !n.is_empty() && text.contains(n))
        });
        if holds {
            forgotten += diesel::delete(
                idempotency_keys::table
                    .filter(idempotency_keys::scope.eq(&scope))
                    .filter(idempotency_keys::idempotency_key.eq(&key)),
            )
            .execute(conn)?;
        }
    }
    Ok(forgotten)
}
