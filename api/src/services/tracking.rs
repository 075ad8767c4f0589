//! What a tracking hit does: find the recipient its token names, classify
//! the event (`domain::campaigns::classify`), store it, and change the
//! recipient's milestones and the campaign's counters by the difference it
//! made (`domain::campaigns::results`). Constant cost: the recipient is
//! read by its primary key with its campaign's state and its MSP's
//! settings, its own events and the source's recent events by index; the
//! campaign's other recipients are never loaded. An admin's reclassifying
//! of an event goes the same way.

use chrono::{DateTime, TimeDelta, Utc};
use domain::campaigns::classify::{
    BURST_RECIPIENTS, BURST_WINDOW_SECONDS, Classification, ClassificationPolicy, EventKind, HONEYPOT_WINDOW,
    Observation, Reason, classify,
};
use domain::campaigns::lifecycle::CampaignStatus;
use domain::campaigns::results::{TrackedEvent, milestones};
use domain::client_address::parse_ranges;
use persistence::campaign_counters::{self as counters, CounterChange};
use persistence::campaign_events::{self as events, EventRecord, TrackingTarget};
use persistence::{DbConnection, StoreError};

/// One tracking request.
#[derive(Debug, Clone)]
pub struct Hit {
    /// What it records.
    pub kind: EventKind,
    /// A `HEAD` request.
    pub head: bool,
    /// Its user agent.
    pub user_agent: Option<String>,
    /// Its client address.
    pub source: Option<String>,
    /// A submission's field names.
    pub field_names: Option<Vec<String>>,
    /// A report's channel.
    pub reported_via: Option<&'static str>,
}

/// Why a hit recorded nothing.
#[derive(Debug, thiserror::Error)]
pub enum TrackingError {
    /// The token names no recipient (any more).
    #[error("unknown recipient")]
    UnknownRecipient,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn policy_of(target: &TrackingTarget) -> ClassificationPolicy {
    ClassificationPolicy {
        click_delay: TimeDelta::seconds(target.click_delay_seconds),
        // Checked when saved; an entry that no longer parses is ignored.
        allowed_sources: parse_ranges(&target.allowed_sources).unwrap_or_default(),
        denied_sources: parse_ranges(&target.denied_sources).unwrap_or_default(),
    }
}

fn tracked(events: &[EventRecord]) -> Vec<TrackedEvent> {
    events
        .iter()
        .map(|e| TrackedEvent { kind: e.kind, classification: e.classification, at: e.occurred_at, late: e.late })
        .collect()
}

/// Counts the change from `before` to `after` (a recipient's events) in
/// its milestones and its campaign's counters.
fn recount(
    tx: &mut DbConnection,
    target: &TrackingTarget,
    before: &[EventRecord],
    after: &[EventRecord],
) -> Result<(), StoreError> {
    let (was, now) = (milestones(&tracked(before)), milestones(&tracked(after)));
    let change = CounterChange { tally: now.tally().minus(&was.tally()), ..CounterChange::default() };
    counters::add(tx, &target.campaign_id, target.department.as_deref(), &target.scenario_id, &change)?;
    if was != now {
        events::set_milestones(tx, &target.recipient_id, &now, target.sent_at)?;
    }
    Ok(())
}

/// Records `hit` for recipient `recipient_id` at `now`, in the caller's
/// write transaction; returns the recipient (for the page to render) and
/// the stored event.
pub fn record(
    tx: &mut DbConnection,
    recipient_id: &str,
    hit: &Hit,
    now: DateTime<Utc>,
) -> Result<(TrackingTarget, EventRecord), TrackingError> {
    let target = events::target(tx, recipient_id)?.ok_or(TrackingError::UnknownRecipient)?;
    events::commit_without_waiting_for_disk(tx)?;
    events::lock(tx, recipient_id)?;
    let before = events::of_recipient(tx, recipient_id)?;
    let others = match &hit.source {
        Some(source) if hit.kind != EventKind::Reported => events::other_recipients_from(
            tx,
            &target.campaign_id,
            source,
            now - TimeDelta::seconds(BURST_WINDOW_SECONDS),
            recipient_id,
            BURST_RECIPIENTS,
        )?,
        _ => 0,
    };
    let near = |e: &EventRecord| e.source_address == hit.source && (e.occurred_at - now).abs() <= HONEYPOT_WINDOW;
    let observation = Observation {
        kind: hit.kind,
        at: now,
        delivered_at: target.sent_at,
        head: hit.head,
        user_agent: hit.user_agent.as_deref(),
        source: hit.source.as_deref().and_then(|s| s.parse().ok()),
        honeypot_nearby: before.iter().any(|e| e.kind == EventKind::Honeypot && near(e)),
        other_recipients_from_source: others,
    };
    let verdict = classify(&observation, &policy_of(&target));
    let event = EventRecord {
        id: persistence::new_id(),
        msp_id: target.msp_id.clone(),
        campaign_id: target.campaign_id.clone(),
        recipient_id: recipient_id.to_owned(),
        kind: hit.kind,
        classification: verdict.classification,
        reasons: verdict.reasons,
        occurred_at: now,
        late: target.campaign_status == CampaignStatus::Completed,
        source_address: hit.source.clone(),
        user_agent: hit.user_agent.clone(),
        field_names: hit.field_names.clone(),
        reported_via: hit.reported_via.map(str::to_owned),
        reclassified_by: None,
        reclassified_at: None,
    };
    events::insert(tx, &event)?;
    let mut after = before.clone();
    if hit.kind == EventKind::Honeypot {
        // What the same source did for this recipient around the honeypot
        // hit was the same machine.
        for earlier in after.iter_mut().filter(|e| near(e) && e.reclassified_by.is_none()) {
            if !earlier.reasons.contains(&Reason::Honeypot) {
                earlier.reasons.push(Reason::Honeypot);
                earlier.classification = Classification::Automated;
                events::set_classification(tx, &earlier.id, earlier.classification, &earlier.reasons, None)?;
            }
        }
    }
    after.push(event.clone());
    recount(tx, &target, &before, &after)?;
    Ok((target, event))
}

/// Sets event `event_id` (of recipient `recipient_id`) to
/// `classification` by hand, recounting; returns the event before and after.
pub fn reclassify(
    tx: &mut DbConnection,
    recipient_id: &str,
    event_id: &str,
    classification: Classification,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(EventRecord, EventRecord), TrackingError> {
    let target = events::target(tx, recipient_id)?.ok_or(TrackingError::UnknownRecipient)?;
    events::lock(tx, recipient_id)?;
    let before = events::of_recipient(tx, recipient_id)?;
    let mut after = before.clone();
    let event = after.iter_mut().find(|e| e.id == event_id).ok_or(TrackingError::UnknownRecipient)?;
    let old = event.clone();
    event.classification = classification;
    event.reasons = match classification {
        Classification::Human => vec![Reason::Reclassified],
        Classification::Automated => {
            let mut reasons: Vec<Reason> = old.reasons.iter().copied().filter(|r| *r != Reason::Reclassified).collect();
            reasons.push(Reason::Reclassified);
            reasons
        }
    };
    event.reclassified_by = Some(by.to_owned());
    event.reclassified_at = Some(now);
    let new = event.clone();
    events::set_classification(tx, event_id, classification, &new.reasons, Some((by, now)))?;
    recount(tx, &target, &before, &after)?;
    Ok((old, new))
}
