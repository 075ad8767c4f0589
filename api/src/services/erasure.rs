//! Erasing an end user: their personal data leaves the account, every
//! campaign result, the tracking events, the audit log's documents and the
//! answers kept for retries; counts, rates and MAA stay as they were.
//! Pseudonymising a campaign's results after the MSP's retention period
//! (the `campaign.pseudonymise` job) does the same for every recipient of
//! one campaign, accounts untouched.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use domain::privacy::{json_literal, may_erase, pseudonymise_at, pseudonymous_address};
use persistence::jobs::NewJob;
use persistence::{DbConnection, StoreError};
use serde::{Deserialize, Serialize};

use crate::auth::{AuditEvent, Caller};
use crate::error::ApiError;
use crate::jobs::{Handler, JobContext};
use crate::problems::ProblemCode;
use crate::services::campaign_sending::system_actor;

/// The job that pseudonymises a completed campaign's results when the
/// MSP's retention period is over.
pub const PSEUDONYMISE_JOB: &str = "campaign.pseudonymise";

/// What erasing left of an account.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErasedAccount {
    /// The account.
    #[schema(format = Uuid)]
    pub id: String,
    /// Its pseudonymous address now (never deliverable).
    #[schema(example = "person-0193a1b2c3d47e5f8a9b0c1d2e3f4a5b@pseudonymised.invalid")]
    pub email: String,
    /// Campaign recipients pseudonymised with it.
    #[schema(example = 3)]
    pub campaign_recipients: i64,
    /// When (UTC).
    pub erased_at: DateTime<Utc>,
}

/// Erases account `account_id` of customer `customer_id`; audited without
/// the data erased. Erasing an erased account again changes nothing.
pub fn erase(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    account_id: &str,
    at: DateTime<Utc>,
) -> Result<ErasedAccount, ApiError> {
    let found = persistence::erasure::account(tx, msp_id, account_id)?;
    let Some((Some(owner), status, email, name)) = found else { return Err(ApiError::NotFound) };
    if owner != customer_id {
        return Err(ApiError::NotFound);
    }
    let status = status.parse().map_err(|_| StoreError::Corrupt(format!("account {account_id}: status")))?;
    may_erase(status).map_err(|refused| ApiError::Conflict {
        code: ProblemCode::AccountStillActive,
        detail: format!("{}.", domain::text::capitalised(&refused.to_string())),
    })?;
    let pseudonym = pseudonymous_address(account_id);
    let recipients = persistence::campaign_recipients::pseudonymise_account(tx, msp_id, account_id, &pseudonym, at)?;
    persistence::erasure::forget_event_sources(tx, &recipients)?;
    if email != pseudonym {
        persistence::erasure::pseudonymise_account(tx, msp_id, account_id, &pseudonym, at)?;
        persistence::erasure::scrub_audit(tx, msp_id, None, &json_literal(&email), &json_literal(&pseudonym))?;
        let mut needles = vec![email.as_str()];
        if let Some(name) = name.as_deref() {
            // A name is no unique value: only documents about this account
            // and its customer are searched for it.
            let about = [account_id.to_owned(), customer_id.to_owned()];
            persistence::erasure::scrub_audit(tx, msp_id, Some(&about), &json_literal(name), "null")?;
            needles.push(name);
        }
        persistence::erasure::forget_kept_answers(tx, msp_id, &needles, at)?;
    }
    let erased = ErasedAccount {
        id: account_id.to_owned(),
        email: pseudonym,
        campaign_recipients: i64::try_from(recipients.len()).unwrap_or(i64::MAX),
        erased_at: at,
    };
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::AccountErased, account_id, at).after(&erased))?;
    Ok(erased)
}

#[derive(Debug, Serialize, Deserialize)]
struct PseudonymisePayload {
    msp_id: String,
    campaign_id: String,
}

/// Queues the pseudonymising of a campaign completed at `completed_at`
/// under the MSP's retention, if it has one.
pub fn schedule_pseudonymising(
    tx: &mut DbConnection,
    msp_id: &str,
    campaign_id: &str,
    completed_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let retention = persistence::msps::tracking_settings(tx, msp_id)?.and_then(|s| s.result_retention_days);
    let Some(due) = pseudonymise_at(completed_at, retention) else { return Ok(()) };
    let payload =
        serde_json::to_string(&PseudonymisePayload { msp_id: msp_id.to_owned(), campaign_id: campaign_id.to_owned() })
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let key = format!("campaign-pseudonymise:{campaign_id}:{}", due.timestamp());
    let job =
        NewJob { kind: PSEUDONYMISE_JOB, payload: &payload, unique_key: Some(&key), run_at: due, max_attempts: 8 };
    persistence::jobs::enqueue(tx, &job, now)?;
    Ok(())
}

/// The handler of [`PSEUDONYMISE_JOB`]: when the retention period (as set
/// now) is over, every recipient of the campaign gets its account's
/// pseudonym and its events lose their sources; counts stay.
pub fn pseudonymise_handler() -> Handler {
    Arc::new(|context: JobContext| Box::pin(async move { pseudonymise_due(&context).await }))
}

async fn pseudonymise_due(context: &JobContext) -> Result<(), String> {
    let payload: PseudonymisePayload = serde_json::from_str(&context.job.payload)
        .map_err(|e| format!("unreadable {PSEUDONYMISE_JOB} payload {}: {e}", context.job.payload))?;
    let now = context.clock.now();
    crate::jobs::blocking(&context.pool, move |conn| {
        persistence::transactions::write_transaction(conn, |tx| {
            let Some(campaign) = persistence::campaigns::find(tx, &payload.msp_id, &payload.campaign_id)? else {
                return Ok(());
            };
            let Some(completed_at) = campaign.completed_at else { return Ok(()) };
            let retention =
                persistence::msps::tracking_settings(tx, &payload.msp_id)?.and_then(|s| s.result_retention_days);
            match pseudonymise_at(completed_at, retention) {
                None => return Ok(()),
                Some(due) if due > now => {
                    return schedule_pseudonymising(tx, &payload.msp_id, &payload.campaign_id, completed_at, now);
                }
                Some(_) => {}
            }
            let recipients = persistence::campaign_recipients::pseudonymise_campaign(
                tx,
                &payload.msp_id,
                &payload.campaign_id,
                now,
            )?;
            if recipients.is_empty() {
                return Ok(());
            }
            persistence::erasure::forget_event_sources(tx, &recipients)?;
            let event =
                AuditEvent::new(&payload.msp_id, AuditAction::CampaignResultsPseudonymised, &payload.campaign_id, now)
                    .after(&serde_json::json!({ "recipients": recipients.len() }));
            persistence::audit::insert(tx, &event.by(&system_actor(), None, None))
        })
    })
    .await
    .map_err(|e| format!("pseudonymising campaign results: {e}"))
}
