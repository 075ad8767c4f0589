//! Saving an onboarding step (auto-save): what the admin typed is kept
//! whatever happens next; a complete customer step is then applied to the
//! customer, and choosing SCIM provisioning issues the customer's token.

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use domain::onboarding::{ProvisioningMethod, Step};
use persistence::DbConnection;
use persistence::onboarding::{self as store, StepRecord};
use persistence::scim_connections;
use persistence::transactions::write_transaction;
use serde_json::{Value, json};

use crate::auth::{AuditEvent, Caller};
use crate::error::ApiError;
use crate::resources::onboarding_steps::check_input;
use crate::resources::provisioning::ScimToken;
use crate::services::customers::change_customer;
use crate::services::onboarding::{
    Snapshot, draft_changes, editable, field_problems, find_customer, saved_values, snapshot,
};
use crate::services::provisioning::issue_token;

/// Saves what step `step` of customer `id` was sent, each part in its own
/// transaction, and gives the customer's onboarding afterwards and the SCIM
/// token issued, if any (`base` is the customer's SCIM base URL).
#[allow(clippy::too_many_arguments)]
pub(crate) fn save(
    conn: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    step: Step,
    sent: Value,
    base: &str,
    at: DateTime<Utc>,
) -> Result<(Snapshot, Option<ScimToken>), ApiError> {
    // The customer first: one of another MSP is a 404 whatever was sent.
    let customer = find_customer(conn, msp_id, id)?;
    let Value::Object(sent) = sent else {
        return Err(ApiError::invalid("", "must be a JSON object"));
    };
    check_input(step, &sent)?;
    editable(&customer)?;
    let current = store::steps(conn, msp_id, id)?.into_iter().find(|r| r.step == step);
    let mut values = saved_values(current.as_ref());
    let skip = sent.get("skip").and_then(Value::as_bool);
    for (key, value) in sent {
        if key != "skip" {
            values.insert(key, value);
        }
    }
    let record = StepRecord {
        customer_id: id.to_owned(),
        msp_id: msp_id.to_owned(),
        step,
        saved_values: Value::Object(values.clone()).to_string(),
        skipped: skip.unwrap_or(false),
        refusal: None,
        saved_at: at.naive_utc(),
        saved_by: caller.actor.label.clone(),
    };
    // Saved in its own transaction first: whatever happens next, what
    // the admin typed is kept.
    write_transaction(conn, |tx| {
        store::put_step(tx, &record)?;
        caller.record(
            tx,
            AuditEvent::new(msp_id, AuditAction::OnboardingStepSaved, id, at)
                .after(&json!({ "step": step.as_str(), "values": values, "skipped": record.skipped })),
        )?;
        Ok::<(), ApiError>(())
    })?;
    let mut new_token = None;
    match step {
        // `{}` changes nothing: no version bump, no audit of a non-change.
        Step::TenantDetails | Step::ProductAndLicenses if !values.is_empty() && field_problems(&values).is_empty() => {
            let applied = draft_changes(&values).and_then(|changes| {
                write_transaction(conn, |tx| {
                    change_customer(tx, caller, msp_id, id, None, &changes, at)?;
                    store::put_step(tx, &StepRecord { saved_values: "{}".to_owned(), ..record.clone() })?;
                    Ok(())
                })
            });
            if let Err(ApiError::Conflict { code, detail }) = applied {
                let refusal = json!({ "code": code.as_str(), "detail": detail }).to_string();
                store::put_step(conn, &StepRecord { refusal: Some(refusal), ..record })?;
                return Err(ApiError::Conflict { code, detail });
            }
            applied?;
        }
        Step::UserProvisioning => {
            let method = values.get("method").and_then(Value::as_str).and_then(|m| m.parse().ok());
            if method.is_some_and(ProvisioningMethod::uses_scim) && scim_connections::find(conn, msp_id, id)?.is_none()
            {
                let (token, prefix) = write_transaction(conn, |tx| issue_token(tx, caller, msp_id, id, at))?;
                new_token = Some(ScimToken {
                    customer_id: id.to_owned(),
                    token,
                    token_prefix: prefix,
                    base_url: base.to_owned(),
                    created_at: at,
                });
            }
        }
        _ => {}
    }
    let customer = find_customer(conn, msp_id, id)?;
    Ok((snapshot(conn, customer)?, new_token))
}
