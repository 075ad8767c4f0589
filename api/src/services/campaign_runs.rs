//! Use cases that move a campaign through its states: the launch check,
//! the launch (gates, recipients materialised, send times planned), pause,
//! resume, cancel and complete, planning a scheduled campaign again after an
//! edit, and the job that starts a scheduled campaign when it is due.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use domain::audit::AuditAction;
use domain::campaigns::gates::{LaunchFacts, launch_blockers};
use domain::campaigns::lifecycle::{CampaignStatus, Command, SystemEvent};
use domain::campaigns::planner::{PlannedSend, ceil_minute, plan, span};
use domain::campaigns::results::Breakdown;
use domain::campaigns::schedule::Schedule;
use domain::campaigns::targets::Targets;
use domain::onboarding::DeliveryTestStatus;
use persistence::campaign_counters as counters;
use persistence::campaign_recipients::{self as recipients, RecipientRecord, TargetAccount};
use persistence::campaign_sending;
use persistence::campaigns::{self as stored, CampaignRecord, PlanSummary, StatusChange};
use persistence::customers::CustomerRecord;
use persistence::jobs::NewJob;
use persistence::{DbConnection, StoreError};
use serde::{Deserialize, Serialize};

use crate::auth::{AuditEvent, Caller};
use crate::error::{Blocker, InvalidField};
use crate::jobs::{Handler, JobContext};
use crate::problems::ProblemCode;
use crate::resources::campaigns::{Campaign, LaunchCheck};
use crate::services::campaign_reports::store_report;
use crate::services::campaign_sending::{start_senders, system_actor};
use crate::services::campaigns::{CampaignError, Definition, campaign, campaign_at, customer};

/// The job that starts a scheduled campaign when its first send is due.
pub const START_JOB: &str = "campaign.start";

/// What a launch would do now.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// Every failed gate.
    pub blockers: Vec<Blocker>,
    /// The accounts targeted now.
    pub recipients: Vec<TargetAccount>,
    /// Their plan, when it fits.
    pub plan: Option<Vec<PlannedSend>>,
    /// Send times up to this one are due now: the launch's own minute (send
    /// times are whole minutes).
    pub due_by: DateTime<Utc>,
}

impl Assessment {
    /// First and last planned send.
    pub fn span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.plan.as_deref().and_then(span)
    }

    /// Whether a launch now sends at once (its first send is due) rather
    /// than being scheduled.
    pub fn starts_now(&self) -> bool {
        self.span().is_some_and(|(first, _)| first <= self.due_by)
    }
}

fn parsed(campaign: &CampaignRecord, customer: &CustomerRecord) -> Result<(Schedule, Targets), StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("campaign {}: {what}", campaign.id));
    let schedule = Schedule::parse(&campaign.schedule, &customer.timezone).map_err(|_| corrupt("schedule"))?;
    let targets = Targets::parse(&campaign.targets).map_err(|_| corrupt("targets"))?;
    Ok((schedule, targets))
}

fn seed(campaign: &CampaignRecord) -> u64 {
    u64::from_ne_bytes(campaign.seed.to_ne_bytes())
}

/// Checks every launch gate of `campaign` as things are at `now`, and plans
/// its recipients.
pub fn assess(
    conn: &mut DbConnection,
    campaign: &CampaignRecord,
    customer: &CustomerRecord,
    now: DateTime<Utc>,
) -> Result<Assessment, StoreError> {
    let (schedule, targets) = parsed(campaign, customer)?;
    let accounts = recipients::resolve(conn, &campaign.msp_id, &campaign.customer_id, &targets)?;
    let planned = plan(&schedule, now, accounts.len(), campaign.scenario_ids.len(), seed(campaign));
    let delivery: Vec<DeliveryTestStatus> =
        persistence::onboarding::delivery_statuses(conn, &campaign.msp_id, &campaign.customer_id)?
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect();
    let facts = LaunchFacts {
        kind: campaign.kind,
        customer_status: customer.status,
        tier: customer.tier,
        license_expires_on: customer.license_expires_on,
        today: now.with_timezone(&customer.timezone.parse().unwrap_or(schedule.timezone)).date_naive(),
        delivery_tests: &delivery,
        recipients: accounts.len() as u64,
        plan: planned.as_ref().map(|_| ()).map_err(|e| *e),
    };
    let blockers = launch_blockers(&facts)
        .into_iter()
        .map(|b| Blocker { code: b.gate.as_str().to_owned(), message: b.message, step: None })
        .collect();
    Ok(Assessment { blockers, recipients: accounts, plan: planned.ok(), due_by: ceil_minute(now) })
}

/// What a launch of campaign `id` would answer now, without launching: the
/// same gates (and, for a campaign past its draft, that only drafts launch).
pub fn launch_check(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<LaunchCheck, CampaignError> {
    let current = campaign(conn, msp_id, customer_id, id)?;
    let customer = customer(conn, msp_id, customer_id)?;
    let assessment = assess(conn, &current, &customer, now)?;
    let mut blockers = assessment.blockers.clone();
    if let Err(illegal) = current.status.apply(Command::Launch, false) {
        let message = format!("The campaign is {}; only drafts launch.", illegal.from);
        let code = ProblemCode::CampaignTransitionNotAllowed.as_str().to_owned();
        blockers.insert(0, Blocker { code, message, step: None });
    }
    let span = assessment.span();
    let may_launch = blockers.is_empty();
    let would_become = if assessment.starts_now() { CampaignStatus::Sending } else { CampaignStatus::Scheduled };
    Ok(LaunchCheck {
        may_launch,
        recipients: i64::try_from(assessment.recipients.len()).unwrap_or(i64::MAX),
        would_become: may_launch.then(|| would_become.as_str().to_owned()),
        first_send_at: span.map(|(first, _)| first),
        last_send_at: span.map(|(_, last)| last),
        blockers,
    })
}

/// Writes the recipients of `plan` in sending order, the plan's summary,
/// and (for a future start) the job that starts it.
fn write_plan(
    tx: &mut DbConnection,
    campaign: &CampaignRecord,
    accounts: &[TargetAccount],
    plan: &[PlannedSend],
    tracking_days: u8,
    schedule_start_job: bool,
    at: DateTime<Utc>,
) -> Result<PlanSummary, StoreError> {
    let rows: Vec<RecipientRecord> = plan
        .iter()
        .map(|p| {
            let account = &accounts[p.recipient];
            RecipientRecord {
                id: persistence::new_id(),
                msp_id: campaign.msp_id.clone(),
                campaign_id: campaign.id.clone(),
                account_id: account.id.clone(),
                email: account.email.clone(),
                display_name: account.display_name.clone(),
                department: account.department.clone(),
                scenario_id: campaign.scenario_ids.get(p.scenario).cloned().unwrap_or_default(),
                planned_at: p.at.naive_utc(),
                created_at: at.naive_utc(),
                due_at: Some(p.at.naive_utc()),
            }
        })
        .collect();
    recipients::insert_all(tx, &rows)?;
    counters::create(tx, &campaign.msp_id, &campaign.id, &counter_rows(&rows))?;
    let (first, last) = span(plan).unwrap_or((at, at));
    let summary = PlanSummary {
        recipients: i64::try_from(rows.len()).unwrap_or(i64::MAX),
        first_send_at: first,
        last_send_at: last,
        ends_at: last + TimeDelta::days(i64::from(tracking_days)),
    };
    stored::set_plan(tx, &campaign.msp_id, &campaign.id, &summary)?;
    if schedule_start_job {
        let payload =
            serde_json::to_string(&StartPayload { msp_id: campaign.msp_id.clone(), campaign_id: campaign.id.clone() })
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let key = format!("campaign-start:{}:{}", campaign.id, first.timestamp_micros());
        let job = NewJob { kind: START_JOB, payload: &payload, unique_key: Some(&key), run_at: first, max_attempts: 8 };
        persistence::jobs::enqueue(tx, &job, at)?;
    }
    Ok(summary)
}

/// The counter rows of a plan: the whole campaign, each department, each
/// scenario, with their recipients.
fn counter_rows(rows: &[RecipientRecord]) -> Vec<(Breakdown, String, i64)> {
    let mut tally: BTreeMap<(Breakdown, String), i64> = BTreeMap::new();
    for row in rows {
        *tally.entry((Breakdown::Department, row.department.clone().unwrap_or_default())).or_default() += 1;
        *tally.entry((Breakdown::Scenario, row.scenario_id.clone())).or_default() += 1;
    }
    let all = (Breakdown::All, String::new(), i64::try_from(rows.len()).unwrap_or(i64::MAX));
    std::iter::once(all).chain(tally.into_iter().map(|((b, key), n)| (b, key, n))).collect()
}

/// Launches campaign `id`: every gate must pass; its recipients are
/// snapshotted and planned; it sends now when its first send is due, or is
/// scheduled and started by the job runner when it is.
pub fn launch(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    id: &str,
    expected: Option<&[i64]>,
    at: DateTime<Utc>,
) -> Result<Campaign, CampaignError> {
    let current = campaign_at(tx, msp_id, customer_id, id, expected)?;
    current.status.apply(Command::Launch, false).map_err(CampaignError::Transition)?;
    let customer = customer(tx, msp_id, customer_id)?;
    let assessment = assess(tx, &current, &customer, at)?;
    let (Some(plan), true) = (&assessment.plan, assessment.blockers.is_empty()) else {
        return Err(CampaignError::Blocked(assessment.blockers));
    };
    let (schedule, _) = parsed(&current, &customer)?;
    let to = current.status.apply(Command::Launch, assessment.starts_now()).map_err(CampaignError::Transition)?;
    // The version read, so that a change made meanwhile is not launched unseen.
    let read = [current.version];
    let change = StatusChange { from: current.status, to, expected: Some(expected.unwrap_or(&read)), at };
    if !stored::change_status(tx, msp_id, id, &change)? {
        return Err(lost_race(tx, msp_id, customer_id, id, expected, Command::Launch)?);
    }
    write_plan(
        tx,
        &current,
        &assessment.recipients,
        plan,
        schedule.tracking_days,
        to == CampaignStatus::Scheduled,
        at,
    )?;
    if to == CampaignStatus::Sending {
        start_senders(tx, msp_id, id, "start", at)?;
    }
    let after = Campaign::from(&campaign(tx, msp_id, customer_id, id)?);
    caller.record(
        tx,
        AuditEvent::new(msp_id, AuditAction::CampaignLaunched, id, at).before(&Campaign::from(&current)).after(&after),
    )?;
    Ok(after)
}

/// Why a compare-and-set move found the campaign changed since it was read:
/// a stale `If-Match` (412), a state that no longer allows `command` (409
/// listing what it allows), or another change that won the race (409).
fn lost_race(
    tx: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    id: &str,
    expected: Option<&[i64]>,
    command: Command,
) -> Result<CampaignError, CampaignError> {
    let now = campaign(tx, msp_id, customer_id, id)?;
    if expected.is_some_and(|versions| !versions.contains(&now.version)) {
        return Ok(CampaignError::Stale(now.version));
    }
    Ok(match now.status.apply(command, false) {
        Err(illegal) => CampaignError::Transition(illegal),
        Ok(_) => CampaignError::Raced,
    })
}

/// Plans a scheduled campaign again after its schedule or targets changed.
pub fn replan(
    tx: &mut DbConnection,
    customer: &CustomerRecord,
    next: &Definition,
    id: &str,
    at: DateTime<Utc>,
) -> Result<(), CampaignError> {
    let current = campaign(tx, &customer.msp_id, &customer.id, id)?;
    recipients::delete_all(tx, &customer.msp_id, id)?;
    counters::delete(tx, &customer.msp_id, id)?;
    let accounts = recipients::resolve(tx, &customer.msp_id, &customer.id, &next.targets)?;
    if accounts.is_empty() {
        return Err(CampaignError::Invalid(vec![InvalidField::at(
            "/targets",
            "reaches no active account; a scheduled campaign needs at least one recipient",
        )]));
    }
    let planned = plan(&next.schedule, at, accounts.len(), current.scenario_ids.len(), seed(&current))
        .map_err(CampaignError::Infeasible)?;
    write_plan(tx, &current, &accounts, &planned, next.schedule.tracking_days, true, at)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
/// Pauses, resumes, cancels or completes campaign `id` and audits it.
pub fn command(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    id: &str,
    command: Command,
    expected: Option<&[i64]>,
    at: DateTime<Utc>,
) -> Result<Campaign, CampaignError> {
    let current = campaign_at(tx, msp_id, customer_id, id, expected)?;
    let to = current.status.apply(command, false).map_err(CampaignError::Transition)?;
    let read = [current.version];
    let change = StatusChange { from: current.status, to, expected: Some(expected.unwrap_or(&read)), at };
    if !stored::change_status(tx, msp_id, id, &change)? {
        return Err(lost_race(tx, msp_id, customer_id, id, expected, command)?);
    }
    match command {
        Command::Resume => start_senders(tx, msp_id, id, &format!("resume:{}", at.timestamp_micros()), at)?,
        Command::Cancel => {
            campaign_sending::cancel_unsent(tx, id, at)?;
        }
        Command::Complete => {
            campaign_sending::cancel_unsent(tx, id, at)?;
            store_report(tx, msp_id, id, at)?;
        }
        Command::Launch | Command::Pause => {}
    }
    let action = match command {
        Command::Launch => AuditAction::CampaignLaunched,
        Command::Pause => AuditAction::CampaignPaused,
        Command::Resume => AuditAction::CampaignResumed,
        Command::Cancel => AuditAction::CampaignCancelled,
        Command::Complete => AuditAction::CampaignCompleted,
    };
    let after = Campaign::from(&campaign(tx, msp_id, customer_id, id)?);
    caller.record(tx, AuditEvent::new(msp_id, action, id, at).before(&Campaign::from(&current)).after(&after))?;
    Ok(after)
}

#[derive(Debug, Serialize, Deserialize)]
struct StartPayload {
    msp_id: String,
    campaign_id: String,
}

/// The handler of [`START_JOB`]: moves a scheduled campaign to sending once
/// its first send is due. Safe to run twice or late: a campaign no longer
/// scheduled, or planned again for later, is left alone.
pub fn start_handler() -> Handler {
    Arc::new(|context: JobContext| Box::pin(async move { start_due(&context).await }))
}

async fn start_due(context: &JobContext) -> Result<(), String> {
    let payload: StartPayload = serde_json::from_str(&context.job.payload)
        .map_err(|e| format!("unreadable payload {}: {e}", context.job.payload))?;
    let now = context.clock.now();
    crate::jobs::blocking(&context.pool, move |conn| {
        persistence::transactions::write_transaction(conn, |tx| {
            let Some(current) = stored::find(tx, &payload.msp_id, &payload.campaign_id)? else { return Ok(()) };
            let Some(to) = current.status.on(SystemEvent::StartDue) else { return Ok(()) };
            if current.first_send_at.is_some_and(|first| first > now) {
                return Ok(());
            }
            let change = StatusChange { from: current.status, to, expected: Some(&[current.version]), at: now };
            if !stored::change_status(tx, &payload.msp_id, &payload.campaign_id, &change)? {
                return Ok(());
            }
            start_senders(tx, &payload.msp_id, &payload.campaign_id, "start", now)?;
            let actor = system_actor();
            let after = stored::find(tx, &payload.msp_id, &payload.campaign_id)?.map(|c| Campaign::from(&c));
            let event = AuditEvent::new(&payload.msp_id, AuditAction::CampaignStarted, &payload.campaign_id, now)
                .before(&Campaign::from(&current))
                .after(&after);
            persistence::audit::insert(tx, &event.by(&actor, None, None))
        })
    })
    .await
    .map_err(|e| format!("starting campaign: {e}"))
}
