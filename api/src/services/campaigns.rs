//! Use cases of a campaign's definition: creating, changing and deleting
//! one, each checked against the customer's accounts, the scenarios and the
//! schedule's capacity, and audited. Launching and the other moves of its
//! state are `services::campaign_runs`.

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use domain::campaigns::lifecycle::{CampaignField, CampaignStatus, EditRefused, IllegalTransition, check_edit};
use domain::campaigns::planner::{Infeasible, plan_times, resolve_local};
use domain::campaigns::schedule::{Schedule, ScheduleSpec};
use domain::campaigns::targets::{Targets, TargetsSpec};
use domain::campaigns::{CampaignKind, CampaignName};
use domain::customers::Language;
use domain::text::capitalised;
use persistence::campaigns::{self as stored, CampaignRecord};
use persistence::customers::CustomerRecord;
use persistence::{DbConnection, StoreError, campaign_recipients};

use crate::auth::{AuditEvent, Caller};
use crate::error::{ApiError, Blocker, InvalidField};
use crate::problems::ProblemCode;
use crate::resources::campaigns::Campaign;
use crate::services::scenarios;

/// Why a campaign use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    /// No such campaign or customer in the MSP.
    #[error("not found")]
    NotFound,
    /// Fields that are invalid given the customer, its accounts and the scenarios.
    #[error("invalid campaign")]
    Invalid(Vec<InvalidField>),
    /// The schedule cannot hold the recipients.
    #[error(transparent)]
    Infeasible(Infeasible),
    /// The campaign's state does not allow the change.
    #[error(transparent)]
    NotEditable(EditRefused),
    /// Only drafts are deleted.
    #[error("only drafts can be deleted")]
    NotADraft(CampaignStatus),
    /// `If-Match` names an old version.
    #[error("stale version")]
    Stale(i64),
    /// The state does not allow the command.
    #[error(transparent)]
    Transition(IllegalTransition),
    /// Launch gates failed.
    #[error("launch blocked")]
    Blocked(Vec<Blocker>),
    /// Another change of the campaign won a race with this one.
    #[error("the campaign changed meanwhile")]
    Raced,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CampaignError> for ApiError {
    fn from(error: CampaignError) -> Self {
        match error {
            CampaignError::NotFound => Self::NotFound,
            CampaignError::Invalid(fields) => Self::Validation(fields),
            CampaignError::Infeasible(infeasible) => Self::Unprocessable {
                code: ProblemCode::ScheduleInfeasible,
                detail: format!("{}.", capitalised(&infeasible.to_string())),
            },
            CampaignError::NotEditable(refused) => Self::Conflict {
                code: ProblemCode::CampaignNotEditable,
                detail: format!("{}.", capitalised(&refused.to_string())),
            },
            CampaignError::NotADraft(status) => Self::Conflict {
                code: ProblemCode::CampaignNotEditable,
                detail: format!("Only drafts can be deleted; this campaign is {status}. Cancel it instead."),
            },
            CampaignError::Stale(version) => crate::versions::stale(version),
            CampaignError::Transition(illegal) => Self::TransitionNotAllowed {
                detail: format!(
                    "A {} campaign cannot {}; it allows: {}.",
                    illegal.from,
                    illegal.command,
                    if illegal.allowed.is_empty() {
                        "nothing more".to_owned()
                    } else {
                        illegal.allowed.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
                    }
                ),
                allowed: illegal.allowed.iter().map(|c| c.as_str().to_owned()).collect(),
            },
            CampaignError::Blocked(blockers) => Self::LaunchBlocked { blockers },
            CampaignError::Raced => Self::Conflict {
                code: ProblemCode::Conflict,
                detail: "The campaign changed while this request ran; read it again and retry.".to_owned(),
            },
            CampaignError::Store(store) => store.into(),
        }
    }
}

/// What a client sent for a campaign: on creation every field it names;
/// on a change only those that change.
#[derive(Debug, Clone, Default)]
pub struct CampaignInput {
    /// Name.
    pub name: Option<String>,
    /// Language tag.
    pub language: Option<String>,
    /// Scenario ids.
    pub scenario_ids: Option<Vec<String>>,
    /// Targets (replaced whole).
    pub targets: Option<TargetsSpec>,
    /// Schedule fields, and whether `spread_over` / `max_per_minute` were sent.
    pub schedule: Option<(ScheduleSpec, bool, bool)>,
}

/// A campaign definition that passed every check.
#[derive(Debug, Clone)]
pub struct Definition {
    /// Name.
    pub name: CampaignName,
    /// Language.
    pub language: String,
    /// Scenarios, each available in the language.
    pub scenario_ids: Vec<String>,
    /// Targets.
    pub targets: Targets,
    /// Schedule.
    pub schedule: Schedule,
}

/// The customer `customer_id` of `msp_id`.
pub fn customer(conn: &mut DbConnection, msp_id: &str, customer_id: &str) -> Result<CustomerRecord, CampaignError> {
    persistence::customers::find(conn, msp_id, customer_id)?.ok_or(CampaignError::NotFound)
}

/// Campaign `id` of customer `customer_id`.
pub fn campaign(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    id: &str,
) -> Result<CampaignRecord, CampaignError> {
    stored::find(conn, msp_id, id)?.filter(|c| c.customer_id == customer_id).ok_or(CampaignError::NotFound)
}

/// Campaign `id` of customer `customer_id` at one of the `expected`
/// versions (`If-Match`; any when `None`): 412 when it has moved on.
pub fn campaign_at(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    id: &str,
    expected: Option<&[i64]>,
) -> Result<CampaignRecord, CampaignError> {
    let current = campaign(conn, msp_id, customer_id, id)?;
    if expected.is_some_and(|versions| !versions.contains(&current.version)) {
        return Err(CampaignError::Stale(current.version));
    }
    Ok(current)
}

/// Checks `input` over `base` (the stored campaign, for a change) for
/// `customer`: every field problem at once. The schedule's capacity is
/// [`check_capacity`].
pub fn define(
    conn: &mut DbConnection,
    customer: &CustomerRecord,
    input: &CampaignInput,
    base: Option<&CampaignRecord>,
) -> Result<Definition, CampaignError> {
    let mut problems = Vec::new();
    let name_raw = input.name.clone().or_else(|| base.map(|b| b.name.clone())).unwrap_or_default();
    let name = CampaignName::parse(&name_raw).map_err(|e| problems.push(InvalidField::at("/name", e))).ok();
    let language_raw = input
        .language
        .clone()
        .or_else(|| base.map(|b| b.language.clone()))
        .unwrap_or_else(|| customer.language.clone());
    let language = Language::parse(&language_raw).map_err(|e| problems.push(InvalidField::at("/language", e))).ok();
    let scenario_ids = input.scenario_ids.clone().or_else(|| base.map(|b| b.scenario_ids.clone())).unwrap_or_default();
    if scenario_ids.is_empty() || scenario_ids.len() > 20 {
        problems.push(InvalidField::at("/scenario_ids", "must name 1-20 scenarios"));
    }
    // On a change, what the request does not touch was checked when it was
    // set: a scenario or group removed since does not block extending the
    // tracking of a campaign under way.
    let check_scenarios = base.is_none() || input.scenario_ids.is_some() || input.language.is_some();
    for (i, id) in scenario_ids.iter().enumerate().filter(|_| check_scenarios) {
        let pointer = format!("/scenario_ids/{i}");
        match scenarios::find(conn, &customer.msp_id, id)? {
            None => problems.push(InvalidField::at(&pointer, "is not a scenario of the catalogue or of your MSP")),
            Some(scenario) => {
                if let Some(language) = &language
                    && scenarios::content_for(&scenario, language.as_str()).is_none()
                {
                    problems.push(InvalidField::at(
                        &pointer,
                        format!(
                            "'{}' has no content in {}; it has: {}",
                            scenario.name,
                            language.as_str(),
                            scenario.languages().join(", ")
                        ),
                    ));
                }
            }
        }
    }
    if scenario_ids.iter().collect::<std::collections::BTreeSet<_>>().len() != scenario_ids.len() {
        problems.push(InvalidField::at("/scenario_ids", "names a scenario twice"));
    }
    let targets_spec = input.targets.clone().or_else(|| base.map(|b| b.targets.clone())).unwrap_or_default();
    let targets = match Targets::parse(&targets_spec) {
        Ok(targets) => {
            let groups: Vec<String> = if base.is_none() || input.targets.is_some() {
                targets.group_ids().cloned().collect()
            } else {
                Vec::new()
            };
            let known = campaign_recipients::known_groups(conn, &customer.msp_id, &customer.id, &groups)?;
            for (list, ids) in [
                ("account_group_ids", &targets.account_group_ids),
                ("exclude_account_group_ids", &targets.exclude_account_group_ids),
            ] {
                for (i, id) in ids.iter().enumerate() {
                    if groups.contains(id) && !known.contains(id) {
                        problems.push(InvalidField::at(
                            format!("/targets/{list}/{i}"),
                            "is not an account group of this customer",
                        ));
                    }
                }
            }
            Some(targets)
        }
        Err(found) => {
            problems.extend(found.into_iter().map(|p| InvalidField::at(format!("/targets{}", p.pointer), p.message)));
            None
        }
    };
    let base_schedule = base.map(|b| b.schedule.clone()).unwrap_or_default();
    let schedule_spec = match &input.schedule {
        Some((spec, spread_given, cap_given)) => spec.over(&base_schedule, *spread_given, *cap_given),
        None => base_schedule,
    };
    let schedule = Schedule::parse(&schedule_spec, &customer.timezone)
        .map_err(|found| {
            problems.extend(found.into_iter().map(|p| InvalidField::at(format!("/schedule{}", p.pointer), p.message)))
        })
        .ok();
    match (name, language, targets, schedule) {
        (Some(name), Some(language), Some(targets), Some(schedule)) if problems.is_empty() => {
            Ok(Definition { name, language: language.as_str().to_owned(), scenario_ids, targets, schedule })
        }
        _ => Err(CampaignError::Invalid(problems)),
    }
}

/// Checks that the schedule of `definition` can hold the accounts it
/// targets today, planned from `now` (422 `schedule_infeasible` otherwise).
pub fn check_capacity(
    conn: &mut DbConnection,
    customer: &CustomerRecord,
    definition: &Definition,
    now: DateTime<Utc>,
) -> Result<(), CampaignError> {
    let reach = campaign_recipients::count(conn, &customer.msp_id, &customer.id, &definition.targets)?;
    plan_times(&definition.schedule, now, usize::try_from(reach).unwrap_or(0)).map_err(CampaignError::Infeasible)?;
    Ok(())
}

/// Creates a draft of kind `kind` for `customer_id` and audits it.
pub fn create(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    kind: CampaignKind,
    input: &CampaignInput,
    at: DateTime<Utc>,
) -> Result<Campaign, CampaignError> {
    if kind == CampaignKind::Training {
        let refusal = InvalidField::at("/kind", "training campaigns cannot be created yet; use phishing");
        return Err(CampaignError::Invalid(vec![refusal]));
    }
    let customer = customer(tx, msp_id, customer_id)?;
    let definition = define(tx, &customer, input, None)?;
    check_capacity(tx, &customer, &definition, at)?;
    let record = CampaignRecord {
        id: persistence::new_id(),
        msp_id: msp_id.to_owned(),
        customer_id: customer_id.to_owned(),
        kind,
        name: definition.name.as_str().to_owned(),
        status: CampaignStatus::Draft,
        language: definition.language.clone(),
        scenario_ids: definition.scenario_ids.clone(),
        targets: definition.targets.to_spec(),
        schedule: definition.schedule.to_spec(),
        seed: rand::random::<i64>(),
        starts_at: resolve_local(definition.schedule.timezone, definition.schedule.starts_at),
        ends_at: None,
        first_send_at: None,
        last_send_at: None,
        recipient_count: 0,
        version: 1,
        created_by: caller.actor.label.clone(),
        created_at: at,
        updated_at: at,
        launched_at: None,
        started_at: None,
        paused_at: None,
        completed_at: None,
        cancelled_at: None,
        delivery_problem: None,
        delivery_problem_since: None,
    };
    stored::insert(tx, &record)?;
    let created = Campaign::from(&record);
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::CampaignCreated, &record.id, at).after(&created))?;
    Ok(created)
}

/// The fields an edit changes, and `(current, asked)` tracking days when those change.
type Changes = (Vec<CampaignField>, Option<(u8, u8)>);

/// The fields `next` changes of `current`.
fn changed_fields(current: &CampaignRecord, next: &Definition) -> Result<Changes, CampaignError> {
    let before = Schedule::parse(&current.schedule, "UTC")
        .map_err(|_| StoreError::Corrupt(format!("campaign {}: schedule", current.id)))?;
    let mut fields = Vec::new();
    if next.name.as_str() != current.name {
        fields.push(CampaignField::Name);
    }
    if next.language != current.language {
        fields.push(CampaignField::Language);
    }
    if next.scenario_ids != current.scenario_ids {
        fields.push(CampaignField::Scenarios);
    }
    if next.targets.to_spec() != current.targets {
        fields.push(CampaignField::Targets);
    }
    if before.differs_beyond_tracking(&next.schedule) {
        fields.push(CampaignField::Schedule);
    }
    let tracking = (before.tracking_days != next.schedule.tracking_days)
        .then_some((before.tracking_days, next.schedule.tracking_days));
    if tracking.is_some() {
        fields.push(CampaignField::TrackingDays);
    }
    Ok((fields, tracking))
}

#[allow(clippy::too_many_arguments)]
/// Changes campaign `id` of `customer_id` as far as its state allows (at
/// one of `expected` versions); a scheduled campaign is planned again.
pub fn change(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    id: &str,
    input: &CampaignInput,
    expected: Option<&[i64]>,
    at: DateTime<Utc>,
) -> Result<Campaign, CampaignError> {
    // An invalid request is answered as such before its precondition
    // (RFC 9110 §13.2.1): define first, then compare versions.
    let current = campaign(tx, msp_id, customer_id, id)?;
    let customer = customer(tx, msp_id, customer_id)?;
    let next = define(tx, &customer, input, Some(&current))?;
    let current = campaign_at(tx, msp_id, customer_id, id, expected)?;
    let (fields, tracking) = changed_fields(&current, &next)?;
    check_edit(current.status, &fields, tracking).map_err(CampaignError::NotEditable)?;
    if fields.is_empty() {
        return Ok(Campaign::from(&current));
    }
    // Only what is still to be planned must fit; a campaign under way keeps its plan.
    let replanned = fields.iter().any(|f| matches!(f, CampaignField::Schedule | CampaignField::Targets));
    if current.status.is_not_started() && replanned {
        check_capacity(tx, &customer, &next, at)?;
    }
    let mut record = current.clone();
    record.name = next.name.as_str().to_owned();
    record.language = next.language.clone();
    record.scenario_ids = next.scenario_ids.clone();
    record.targets = next.targets.to_spec();
    record.schedule = next.schedule.to_spec();
    record.starts_at = resolve_local(next.schedule.timezone, next.schedule.starts_at);
    record.ends_at =
        current.last_send_at.map(|last| last + chrono::TimeDelta::days(i64::from(next.schedule.tracking_days)));
    // Against the version read, so that a change made meanwhile is not overwritten unseen.
    let read = [current.version];
    if !stored::update_definition(tx, &record, current.status, Some(expected.unwrap_or(&read)), at)? {
        let now = campaign(tx, msp_id, customer_id, id)?;
        return Err(if expected.is_some() { CampaignError::Stale(now.version) } else { CampaignError::Raced });
    }
    if current.status == CampaignStatus::Scheduled && replanned {
        crate::services::campaign_runs::replan(tx, &customer, &next, id, at)?;
    }
    let after = campaign(tx, msp_id, customer_id, id)?;
    let (before, after) = (Campaign::from(&current), Campaign::from(&after));
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::CampaignUpdated, id, at).before(&before).after(&after))?;
    Ok(after)
}

/// Deletes draft `id` of `customer_id` and audits it.
pub fn delete(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    id: &str,
    expected: Option<&[i64]>,
    at: DateTime<Utc>,
) -> Result<(), CampaignError> {
    let current = campaign(tx, msp_id, customer_id, id)?;
    if current.status != CampaignStatus::Draft {
        return Err(CampaignError::NotADraft(current.status));
    }
    let read = [current.version];
    if !stored::delete_draft(tx, msp_id, id, Some(expected.unwrap_or(&read)))? {
        let now = campaign(tx, msp_id, customer_id, id)?;
        return Err(match now.status {
            CampaignStatus::Draft if expected.is_some() => CampaignError::Stale(now.version),
            CampaignStatus::Draft => CampaignError::Raced,
            other => CampaignError::NotADraft(other),
        });
    }
    caller
        .record(tx, AuditEvent::new(msp_id, AuditAction::CampaignDeleted, id, at).before(&Campaign::from(&current)))?;
    Ok(())
}
