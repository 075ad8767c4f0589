//! Sending a campaign: the `campaign.send` job. Each campaign in `sending`
//! has [`LANES`] chains of these jobs; a run claims a batch of due
//! recipients (never one another sender holds), renders each message with
//! its own tracking links, sends the batch over the relay's pooled
//! connections ([`IN_FLIGHT`] messages at a time) and records every answer,
//! then queues the chain's next run:
//! at once while recipients are due, at the next due time otherwise. A
//! paused or cancelled campaign ends its chains; the last run to find
//! nothing left moves the campaign to `tracking`, and the
//! `campaign.complete` job ends it `tracking_days` later.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use domain::audit::{ActorType, AuditAction};
use domain::campaigns::content::{Escaping, Recipient, render};
use domain::campaigns::lifecycle::{CampaignStatus, SystemEvent};
use domain::campaigns::results::DeliveryStatus;
use domain::campaigns::schedule::DEFAULT_TRACKING_DAYS;
use domain::campaigns::sending::{AfterSend, BATCH_SIZE, CLAIM_LEASE, IN_FLIGHT, LANES, RelayAnswer, after_answer};
use domain::campaigns::tracked_html::with_tracking;
use persistence::campaign_counters::{self as counters, CounterChange};
use persistence::campaign_sending::{self as sending, Outgoing};
use persistence::campaigns::{self as stored, CampaignRecord, StatusChange};
use persistence::jobs::NewJob;
use persistence::transactions::write_transaction;
use persistence::{DbConnection, StoreError};
use serde::{Deserialize, Serialize};

use crate::auth::{Actor, AuditEvent};
use crate::jobs::{Handler, JobContext};
use crate::mail::Delivery;
use crate::resources::campaigns::Campaign;
use crate::services::scenarios::{self, Scenario};
use crate::simulation_mail::{Simulation, message};
use crate::tracking_links::{TrackingKey, TrackingUrls};

/// The job that sends a campaign's due messages, batch by batch.
pub const SEND_JOB: &str = "campaign.send";

/// The job that completes a campaign when its tracking days are over.
pub const COMPLETE_JOB: &str = "campaign.complete";

/// What the sender needs besides the database.
#[derive(Clone)]
pub struct SenderSettings {
    /// The relay.
    pub delivery: Delivery,
    /// Makes the recipients' tracking tokens.
    pub tracking_key: TrackingKey,
    /// Where tracking links lead.
    pub public_url: String,
    /// The domain simulations come from.
    pub simulation_domain: String,
    /// Signs every message, when a key is configured.
    pub dkim: Option<Arc<lettre::message::dkim::DkimConfig>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SendPayload {
    msp_id: String,
    campaign_id: String,
    lane: u8,
}

/// The job runner, as the actor of what the system does.
pub fn system_actor() -> Actor {
    Actor {
        actor_type: ActorType::System,
        id: "job-runner".to_owned(),
        label: "job runner".to_owned(),
        impersonated_customer_id: None,
    }
}

fn enqueue_lane(
    tx: &mut DbConnection,
    msp_id: &str,
    campaign_id: &str,
    lane: u8,
    key: &str,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let payload =
        serde_json::to_string(&SendPayload { msp_id: msp_id.to_owned(), campaign_id: campaign_id.to_owned(), lane })
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let job = NewJob { kind: SEND_JOB, payload: &payload, unique_key: Some(key), run_at, max_attempts: 8 };
    persistence::jobs::enqueue(tx, &job, now)?;
    Ok(())
}

/// Starts the senders of a campaign that has just begun (or resumed)
/// sending at `at`; `occasion` tells this start from others (`start`,
/// `resume:…`), so that a start enqueued twice runs once.
pub fn start_senders(
    tx: &mut DbConnection,
    msp_id: &str,
    campaign_id: &str,
    occasion: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    for lane in 0..LANES {
        let key = format!("campaign-send:{campaign_id}:{lane}:{occasion}");
        enqueue_lane(tx, msp_id, campaign_id, lane, &key, at, at)?;
    }
    Ok(())
}

/// The handler of [`SEND_JOB`].
pub fn send_handler(settings: SenderSettings) -> Handler {
    let settings = Arc::new(settings);
    Arc::new(move |context: JobContext| {
        let settings = Arc::clone(&settings);
        Box::pin(async move { send_batch(&settings, &context).await })
    })
}

enum Step {
    /// Nothing more for this chain.
    Stop,
    /// Nothing due now; run again then.
    WaitUntil(DateTime<Utc>),
    /// Send these.
    Send { campaign: Box<CampaignRecord>, company: String, batch: Vec<Outgoing>, scenarios: BTreeMap<String, Scenario> },
}

async fn send_batch(settings: &SenderSettings, context: &JobContext) -> Result<(), String> {
    let payload: SendPayload = serde_json::from_str(&context.job.payload)
        .map_err(|e| format!("unreadable payload {}: {e}", context.job.payload))?;
    let now = context.clock.now();
    let claim = format!("{}:{}", context.job.id, context.job.attempts);
    let (msp_id, campaign_id) = (payload.msp_id.clone(), payload.campaign_id.clone());
    let step = crate::jobs::blocking(&context.pool, {
        let claim = claim.clone();
        move |conn| write_transaction(conn, |tx| claim_batch(tx, &msp_id, &campaign_id, &claim, now))
    })
    .await
    .map_err(|e| format!("claiming a batch of campaign {}: {e}", payload.campaign_id))?;
    let next_key = format!("campaign-send:{}:{}:after:{}", payload.campaign_id, payload.lane, context.job.id);
    let (campaign, company, batch, scenarios) = match step {
        Step::Stop => return Ok(()),
        Step::WaitUntil(at) => return queue_next(context, &payload, &next_key, at).await,
        Step::Send { campaign, company, batch, scenarios } => (campaign, company, batch, scenarios),
    };
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut unreachable: Option<String> = None;
    for group in batch.chunks(IN_FLIGHT) {
        // Once the relay could not be reached, the rest of the batch waits
        // too rather than each timing out in turn.
        let answers: Vec<RelayAnswer> = match &unreachable {
            Some(why) => group.iter().map(|_| RelayAnswer::Unreachable(why.clone())).collect(),
            None => {
                let sends = group.iter().map(|recipient| async {
                    match write_message(settings, &campaign, &company, recipient, &scenarios) {
                        Ok(mail) => settings.delivery.relay(mail).await,
                        Err(why) => RelayAnswer::Permanent(why),
                    }
                });
                futures_util::future::join_all(sends).await
            }
        };
        for (recipient, answer) in group.iter().zip(answers) {
            if let RelayAnswer::Unreachable(why) = &answer {
                if unreachable.is_none() {
                    log::warn!("campaign {}: the relay could not be reached: {why}", campaign.id);
                }
                unreachable = Some(why.clone());
            }
            outcomes.push(after_answer(&answer, recipient.attempts, context.clock.now(), rand::random::<f64>()));
        }
    }
    let relay_down = !outcomes.is_empty() && outcomes.iter().all(|o| matches!(o, AfterSend::Released(_)));
    let done_at = context.clock.now();
    let recorded = crate::jobs::blocking(&context.pool, move |conn| {
        write_transaction(conn, |tx| record_batch(tx, &campaign.id, &claim, &batch, &outcomes, relay_down, done_at))
    })
    .await;
    if let Err(error) = recorded {
        // The claim lapses and the batch is claimed again: at most this
        // batch is sent twice.
        log::error!("campaign {}: the outcomes of a batch could not be recorded: {error}", payload.campaign_id);
        return Err(format!("recording a batch: {error}"));
    }
    let next = if relay_down { done_at + domain::campaigns::sending::RELAY_DOWN_RETRY } else { done_at };
    queue_next(context, &payload, &next_key, next).await
}

async fn queue_next(context: &JobContext, payload: &SendPayload, key: &str, at: DateTime<Utc>) -> Result<(), String> {
    let (msp_id, campaign_id, lane, key, now) =
        (payload.msp_id.clone(), payload.campaign_id.clone(), payload.lane, key.to_owned(), context.clock.now());
    crate::jobs::blocking(&context.pool, move |conn| enqueue_lane(conn, &msp_id, &campaign_id, lane, &key, at, now))
        .await
        .map_err(|e| format!("queueing the next batch: {e}"))
}

fn claim_batch(
    tx: &mut DbConnection,
    msp_id: &str,
    campaign_id: &str,
    claim: &str,
    now: DateTime<Utc>,
) -> Result<Step, StoreError> {
    let Some(campaign) = stored::find(tx, msp_id, campaign_id)? else { return Ok(Step::Stop) };
    if campaign.status != CampaignStatus::Sending {
        return Ok(Step::Stop);
    }
    sending::skip_inactive(tx, campaign_id)?;
    let batch = sending::claim(tx, campaign_id, claim, now, now + CLAIM_LEASE, BATCH_SIZE)?;
    if batch.is_empty() {
        let remaining = sending::remaining(tx, campaign_id)?;
        return match remaining.next_due {
            Some(at) => Ok(Step::WaitUntil(at.max(now))),
            None => {
                finish_sending(tx, &campaign, now)?;
                Ok(Step::Stop)
            }
        };
    }
    let company = persistence::customers::find(tx, msp_id, &campaign.customer_id)?.map(|c| c.name).unwrap_or_default();
    let mut found = BTreeMap::new();
    for recipient in &batch {
        if !found.contains_key(&recipient.scenario_id)
            && let Some(scenario) = scenarios::find(tx, msp_id, &recipient.scenario_id)?
        {
            found.insert(recipient.scenario_id.clone(), scenario);
        }
    }
    Ok(Step::Send { campaign: Box::new(campaign), company, batch, scenarios: found })
}

fn write_message(
    settings: &SenderSettings,
    campaign: &CampaignRecord,
    company: &str,
    recipient: &Outgoing,
    scenarios: &BTreeMap<String, Scenario>,
) -> Result<lettre::Message, String> {
    let scenario = scenarios.get(&recipient.scenario_id).ok_or("its scenario no longer exists")?;
    let content = scenarios::content_for(scenario, &campaign.language).ok_or("its scenario lacks the language")?;
    let token = settings.tracking_key.token(&recipient.id).ok_or("its id is not a UUID")?;
    let urls = TrackingUrls::of(&settings.public_url, &token);
    let values = Recipient::of_account(recipient.display_name.as_deref(), &recipient.email, company, &urls.click);
    let sender = scenario.sender(&settings.simulation_domain);
    let html = with_tracking(&render(&content.html_body, &values, Escaping::Html), &urls.open, &urls.honeypot);
    message(
        Simulation {
            from_name: &sender.name,
            from_address: &sender.address,
            to_name: recipient.display_name.as_deref(),
            to_address: &recipient.email,
            subject: &render(&content.subject, &values, Escaping::Plain),
            text: render(&content.text_body, &values, Escaping::Plain),
            html,
            recipient_id: &recipient.id,
            simulation_domain: &settings.simulation_domain,
            customer_id: &campaign.customer_id,
            token: &token,
        },
        settings.dkim.as_deref(),
    )
}

fn record_batch(
    tx: &mut DbConnection,
    campaign_id: &str,
    claim: &str,
    batch: &[Outgoing],
    outcomes: &[AfterSend],
    relay_down: bool,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    for (recipient, outcome) in batch.iter().zip(outcomes) {
        let change = match sending::record(tx, &recipient.id, claim, outcome, at)? {
            Some(DeliveryStatus::Sent) => CounterChange { sent: 1, ..CounterChange::default() },
            Some(DeliveryStatus::Failed) => CounterChange { failed: 1, ..CounterChange::default() },
            _ => continue,
        };
        counters::add(tx, campaign_id, recipient.department.as_deref(), &recipient.scenario_id, &change)?;
    }
    let problem = relay_down.then(|| {
        let why = outcomes.iter().find_map(|o| match o {
            AfterSend::Released(_) => Some("the SMTP relay could not be reached; sending resumes when it answers"),
            _ => None,
        });
        why.unwrap_or_default()
    });
    sending::set_delivery_problem(tx, campaign_id, problem, at)
}

/// Moves a campaign whose last message is out to `tracking`, and queues
/// its completion `tracking_days` later.
fn finish_sending(tx: &mut DbConnection, campaign: &CampaignRecord, now: DateTime<Utc>) -> Result<(), StoreError> {
    let Some(to) = campaign.status.on(SystemEvent::SendingFinished) else { return Ok(()) };
    let change = StatusChange { from: campaign.status, to, expected: None, at: now };
    if !stored::change_status(tx, &campaign.msp_id, &campaign.id, &change)? {
        return Ok(());
    }
    let tracking_days = campaign.schedule.tracking_days.unwrap_or(i64::from(DEFAULT_TRACKING_DAYS));
    let payload = serde_json::json!({ "msp_id": campaign.msp_id, "campaign_id": campaign.id }).to_string();
    let key = format!("campaign-complete:{}", campaign.id);
    let job = NewJob {
        kind: COMPLETE_JOB,
        payload: &payload,
        unique_key: Some(&key),
        run_at: now + TimeDelta::days(tracking_days),
        max_attempts: 8,
    };
    persistence::jobs::enqueue(tx, &job, now)?;
    let after = stored::find(tx, &campaign.msp_id, &campaign.id)?.map(|c| Campaign::from(&c));
    let event = AuditEvent::new(&campaign.msp_id, AuditAction::CampaignSendingFinished, &campaign.id, now)
        .before(&Campaign::from(campaign))
        .after(&after);
    persistence::audit::insert(tx, &event.by(&system_actor(), None, None))
}
