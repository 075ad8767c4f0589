//! A campaign's results read from its counters, and its report: written
//! once when the campaign completes (by the `campaign.complete` job when
//! its tracking days are over, or by an admin's `complete`) and kept with
//! it, so that what was final stays final.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use domain::audit::AuditAction;
use domain::campaigns::lifecycle::{CampaignStatus, SystemEvent};
use domain::campaigns::results::Breakdown;
use persistence::campaign_counters as counters;
use persistence::campaigns::{self as stored, CampaignRecord, StatusChange};
use persistence::{DbConnection, StoreError};
use serde::Deserialize;

use crate::auth::AuditEvent;
use crate::jobs::{Handler, JobContext};
use crate::resources::campaign_results::{CampaignReport, CampaignResults, ResultBreakdown, ResultCounts, TimelineDay};
use crate::resources::campaigns::Campaign;
use crate::services::campaign_sending::{COMPLETE_JOB, system_actor};
use crate::services::campaigns::{CampaignError, campaign};

/// The results of a campaign read from its counters.
pub fn results_of(conn: &mut DbConnection, record: &CampaignRecord) -> Result<CampaignResults, StoreError> {
    let rows = counters::read(conn, &record.msp_id, &record.id)?;
    let total = rows.iter().find(|(b, _, _)| *b == Breakdown::All).map(|(_, _, c)| *c).unwrap_or_default();
    let breakdown = |wanted: Breakdown| -> Vec<ResultBreakdown> {
        rows.iter()
            .filter(|(b, _, _)| *b == wanted)
            .map(|(_, key, c)| ResultBreakdown {
                key: key.clone(),
                counts: ResultCounts::from(c),
                rates: c.rates().into(),
            })
            .collect()
    };
    let median = persistence::campaign_recipients::median_report_seconds(conn, &record.id, total.tally.reported)?;
    Ok(CampaignResults {
        campaign_id: record.id.clone(),
        status: record.status.as_str().to_owned(),
        counts: ResultCounts::from(&total),
        rates: total.rates().into(),
        median_seconds_to_report: median,
        by_department: breakdown(Breakdown::Department),
        by_scenario: breakdown(Breakdown::Scenario),
    })
}

/// The results of campaign `id` of customer `customer_id`.
pub fn results(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    id: &str,
) -> Result<CampaignResults, CampaignError> {
    let record = campaign(conn, msp_id, customer_id, id)?;
    Ok(results_of(conn, &record)?)
}

/// The report of campaign `id`: `None` until it completed.
pub fn report(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    id: &str,
) -> Result<(CampaignRecord, Option<CampaignReport>), CampaignError> {
    let record = campaign(conn, msp_id, customer_id, id)?;
    let stored = stored::report(conn, msp_id, id)?;
    let parsed = stored
        .map(|text| serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("campaign {id}: report: {e}"))))
        .transpose()?;
    Ok((record, parsed))
}

/// How many recipients reached each milestone per local day.
fn timeline(times: &[[Option<chrono::NaiveDateTime>; 5]], zone: chrono_tz::Tz) -> Vec<TimelineDay> {
    let mut days: BTreeMap<NaiveDate, [i64; 5]> = BTreeMap::new();
    for row in times {
        for (n, at) in row.iter().enumerate() {
            if let Some(at) = at {
                days.entry(at.and_utc().with_timezone(&zone).date_naive()).or_default()[n] += 1;
            }
        }
    }
    days.into_iter()
        .map(|(date, [sent, opened, clicked, submitted, reported])| TimelineDay {
            date,
            sent,
            opened,
            clicked,
            submitted,
            reported,
        })
        .collect()
}

/// Writes the report of a campaign that completes at `at`.
pub fn store_report(tx: &mut DbConnection, msp_id: &str, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
    let Some(record) = stored::find(tx, msp_id, id)? else { return Ok(()) };
    let customer = persistence::customers::find(tx, msp_id, &record.customer_id)?;
    let timezone = customer.map(|c| c.timezone).unwrap_or_else(|| "UTC".to_owned());
    let zone = timezone.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::UTC);
    let mut results = results_of(tx, &record)?;
    results.status = CampaignStatus::Completed.as_str().to_owned();
    let report = CampaignReport {
        campaign_id: record.id.clone(),
        name: record.name.clone(),
        customer_id: record.customer_id.clone(),
        timezone,
        started_at: record.started_at,
        completed_at: at,
        results,
        timeline: timeline(&persistence::campaign_recipients::milestone_times(tx, id)?, zone),
    };
    let text = serde_json::to_string(&report).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    stored::set_report(tx, msp_id, id, &text)?;
    crate::services::erasure::schedule_pseudonymising(tx, msp_id, id, at, at)
}

#[derive(Debug, Deserialize)]
struct CompletePayload {
    msp_id: String,
    campaign_id: String,
}

/// The handler of [`COMPLETE_JOB`]: completes a campaign still tracking
/// once its tracking days are over, and writes its report.
pub fn complete_handler() -> Handler {
    Arc::new(|context: JobContext| Box::pin(async move { complete_due(&context).await }))
}

async fn complete_due(context: &JobContext) -> Result<(), String> {
    let payload: CompletePayload = serde_json::from_str(&context.job.payload)
        .map_err(|e| format!("unreadable {COMPLETE_JOB} payload {}: {e}", context.job.payload))?;
    let now = context.clock.now();
    crate::jobs::blocking(&context.pool, move |conn| {
        persistence::transactions::write_transaction(conn, |tx| {
            let Some(current) = stored::find(tx, &payload.msp_id, &payload.campaign_id)? else { return Ok(()) };
            let Some(to) = current.status.on(SystemEvent::TrackingOver) else { return Ok(()) };
            let change = StatusChange { from: current.status, to, expected: Some(&[current.version]), at: now };
            if !stored::change_status(tx, &payload.msp_id, &payload.campaign_id, &change)? {
                return Ok(());
            }
            store_report(tx, &payload.msp_id, &payload.campaign_id, now)?;
            let after = stored::find(tx, &payload.msp_id, &payload.campaign_id)?.map(|c| Campaign::from(&c));
            let event = AuditEvent::new(&payload.msp_id, AuditAction::CampaignCompleted, &payload.campaign_id, now)
                .before(&Campaign::from(&current))
                .after(&after);
            persistence::audit::insert(tx, &event.by(&system_actor(), None, None))
        })
    })
    .await
    .map_err(|e| format!("completing campaign: {e}"))
}
