//! Issuing a customer's SCIM token: made or rotated, stored hashed, audited.

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use persistence::scim_connections::{self, ScimConnectionRecord};

use crate::auth::refresh_tokens::{random_token, storage_hash};
use crate::auth::{AuditEvent, Caller};
use crate::error::ApiError;
use crate::scim::client::TOKEN_MARKER;

/// Characters of a token kept to tell tokens apart.
pub(crate) const PREFIX_CHARS: usize = 12;

/// Makes or rotates the token of a customer of `msp_id`, in the caller's
/// transaction, auditing it; the token (to show once) and its prefix.
pub(crate) fn issue_token(
    tx: &mut persistence::DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    at: DateTime<Utc>,
) -> Result<(String, String), ApiError> {
    let token = format!("{TOKEN_MARKER}{}", random_token());
    let prefix: String = token.chars().take(PREFIX_CHARS).collect();
    let record = ScimConnectionRecord {
        customer_id: customer_id.to_owned(),
        msp_id: msp_id.to_owned(),
        token_prefix: prefix.clone(),
        token_hash: storage_hash(&token),
        token_created_at: at.naive_utc(),
        token_created_by: caller.actor.label.clone(),
        last_success_at: None,
        last_failure_at: None,
        last_failure_status: None,
        last_failure_detail: None,
        accounts_created: 0,
        accounts_updated: 0,
        accounts_deactivated: 0,
        accounts_deleted: 0,
    };
    let before = scim_connections::find(tx, msp_id, customer_id)?;
    scim_connections::put_token(tx, &record)?;
    let before_state = before.map(|b| serde_json::json!({ "token_prefix": b.token_prefix }));
    let after_state = serde_json::json!({ "token_prefix": record.token_prefix });
    let action = if before_state.is_some() { AuditAction::ScimTokenRotated } else { AuditAction::ScimTokenCreated };
    caller
        .record(tx, AuditEvent::new(msp_id, action, customer_id, at).with_before(before_state).after(&after_state))?;
    Ok((token, prefix))
}
