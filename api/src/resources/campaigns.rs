//! Campaigns as the API shows and accepts them: the campaign, its targets
//! and schedule (the same shapes in and out), and its recipients.

use chrono::{DateTime, Utc};
use domain::campaigns::CampaignKind;
use domain::campaigns::lifecycle::CampaignStatus;
use domain::campaigns::schedule::{ScheduleSpec, SpreadSpec, WindowSpec};
use domain::campaigns::targets::TargetsSpec;
use persistence::campaigns::CampaignRecord;
use serde::{Deserialize, Serialize};

use crate::error::Blocker;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};

/// Whom a campaign targets: every active account (the default), or the
/// accounts of some account groups and/or departments; minus excluded
/// accounts and groups. Only active accounts are ever targeted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignTargets {
    /// Every active account; `true` when no group or department is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = false)]
    pub all_active: Option<bool>,
    /// Accounts in any of these account groups (ids from SCIM groups) …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 1000)]
    pub account_group_ids: Option<Vec<uuid::Uuid>>,
    /// … or in any of these departments (exact spelling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 1000, example = json!(["Finance", "Sales"]))]
    pub departments: Option<Vec<String>>,
    /// Never these accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 1000)]
    pub exclude_account_ids: Option<Vec<uuid::Uuid>>,
    /// Never the members of these account groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 1000)]
    pub exclude_account_group_ids: Option<Vec<uuid::Uuid>>,
}

fn ids(raw: &Option<Vec<uuid::Uuid>>) -> Option<Vec<String>> {
    raw.as_ref().map(|ids| ids.iter().map(ToString::to_string).collect())
}

fn uuids(raw: &Option<Vec<String>>) -> Option<Vec<uuid::Uuid>> {
    raw.as_ref().map(|ids| ids.iter().filter_map(|id| uuid::Uuid::parse_str(id).ok()).collect())
}

impl From<&CampaignTargets> for TargetsSpec {
    fn from(body: &CampaignTargets) -> Self {
        Self {
            all_active: body.all_active,
            account_group_ids: ids(&body.account_group_ids),
            departments: body.departments.clone(),
            exclude_account_ids: ids(&body.exclude_account_ids),
            exclude_account_group_ids: ids(&body.exclude_account_group_ids),
        }
    }
}

impl From<&TargetsSpec> for CampaignTargets {
    fn from(spec: &TargetsSpec) -> Self {
        Self {
            all_active: spec.all_active,
            account_group_ids: uuids(&spec.account_group_ids),
            departments: spec.departments.clone(),
            exclude_account_ids: uuids(&spec.exclude_account_ids),
            exclude_account_group_ids: uuids(&spec.exclude_account_group_ids),
        }
    }
}

/// Spread the messages evenly over some window time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignSpread {
    /// How many units: 1-30 business days, or 1-720 hours.
    #[schema(minimum = 1, maximum = 720, example = 2)]
    pub amount: i64,
    /// `business_days`: the window time of that many days the window is open and that are not
    /// blackout dates; `hours`: that many hours of window time.
    #[schema(schema_with = spread_unit_schema)]
    pub unit: String,
}

/// When messages may go out: some days of the week, between two local times (the end excluded;
/// windows do not cross midnight). Default Monday-Friday 08:00-17:00.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignWindow {
    /// Days of the week.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = json!(["mon", "tue", "wed", "thu", "fri"]), min_items = 1, max_items = 7)]
    pub days: Option<Vec<String>>,
    /// Local opening time, `HH:MM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "09:00", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub start: Option<String>,
    /// Local closing time, `HH:MM`, after the opening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "16:00", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub end: Option<String>,
}

/// When and how fast a campaign sends, in its time zone (daylight-saving changes included). Send
/// times are planned at launch: see the campaign's recipients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignSchedule {
    /// IANA time zone of the local times; default the customer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Europe/Helsinki")]
    pub timezone: Option<String>,
    /// Local start, `YYYY-MM-DDTHH:MM[:SS]` (no offset: it is in `timezone`). Required on creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "2027-01-15T09:00:00")]
    pub starts_at: Option<String>,
    /// `null` (the default): all at once, as fast as the window and cap allow; or spread evenly.
    #[serde(default, deserialize_with = "crate::json::nullable_object", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<CampaignSpread>)]
    pub spread_over: Option<Option<CampaignSpread>>,
    #[serde(default, deserialize_with = "crate::json::optional_object", skip_serializing_if = "Option::is_none")]
    pub window: Option<CampaignWindow>,
    /// Local dates on which nothing is sent, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = json!(["2026-12-24", "2026-12-25"]), max_items = 366)]
    pub blackout_dates: Option<Vec<String>>,
    /// Send in a random order (seeded: the same plan every time) rather than by account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub randomize_order: Option<bool>,
    /// Most messages in any one minute (1-100000); `null`: no cap.
    #[serde(default, deserialize_with = "crate::json::nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 100000, example = 20)]
    pub max_per_minute: Option<Option<i64>>,
    /// Days results are tracked after the last send (1-30, default 7), after which it completes. (Sending, and
    /// the moves to `tracking` and `completed` that follow it, come with the next version; until then
    /// `complete` ends a campaign.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 30, example = 7)]
    pub tracking_days: Option<i64>,
}

impl CampaignSchedule {
    /// The domain's spec, and whether `spread_over` and `max_per_minute`
    /// were sent (their `null` means something).
    pub fn to_spec(&self) -> (ScheduleSpec, bool, bool) {
        let spec = ScheduleSpec {
            timezone: self.timezone.clone(),
            starts_at: self.starts_at.clone(),
            spread_over: self.spread_over.clone().flatten().map(|s| SpreadSpec { amount: s.amount, unit: s.unit }),
            window: self.window.as_ref().map(|w| WindowSpec {
                days: w.days.clone(),
                start: w.start.clone(),
                end: w.end.clone(),
            }),
            blackout_dates: self.blackout_dates.clone(),
            randomize_order: self.randomize_order,
            max_per_minute: self.max_per_minute.flatten(),
            tracking_days: self.tracking_days,
        };
        (spec, self.spread_over.is_some(), self.max_per_minute.is_some())
    }
}

impl From<&ScheduleSpec> for CampaignSchedule {
    fn from(spec: &ScheduleSpec) -> Self {
        Self {
            timezone: spec.timezone.clone(),
            starts_at: spec.starts_at.clone(),
            spread_over: Some(spec.spread_over.clone().map(|s| CampaignSpread { amount: s.amount, unit: s.unit })),
            window: spec.window.as_ref().map(|w| CampaignWindow {
                days: w.days.clone(),
                start: w.start.clone(),
                end: w.end.clone(),
            }),
            blackout_dates: spec.blackout_dates.clone(),
            randomize_order: spec.randomize_order,
            max_per_minute: Some(spec.max_per_minute),
            tracking_days: spec.tracking_days,
        }
    }
}

/// A campaign of one customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Campaign {
    /// Id.
    #[schema(format = Uuid, example = "0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e82")]
    pub id: String,
    /// The customer it runs for.
    #[schema(format = Uuid)]
    pub customer_id: String,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    /// Name.
    #[schema(example = "Q1 baseline")]
    pub name: String,
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// What `POST …/campaigns/{campaign_id}/<command>` its state allows now.
    #[schema(example = json!(["launch", "cancel"]))]
    pub allowed_transitions: Vec<String>,
    /// Language of its messages (BCP 47).
    #[schema(example = "fi")]
    pub language: String,
    /// Its scenarios; each recipient gets one of them at random, so colleagues don't warn each other.
    pub scenario_ids: Vec<uuid::Uuid>,
    pub targets: CampaignTargets,
    pub schedule: CampaignSchedule,
    /// Recipients planned at launch (0 before).
    #[schema(example = 50)]
    pub recipient_count: i64,
    /// The start in UTC.
    pub starts_at: DateTime<Utc>,
    /// First planned send (UTC), once launched.
    pub first_send_at: Option<DateTime<Utc>>,
    /// Last planned send (UTC), once launched.
    pub last_send_at: Option<DateTime<Utc>>,
    /// Planned end (UTC): the last send plus the tracking days, once launched.
    pub ends_at: Option<DateTime<Utc>>,
    /// Version: the `ETag`; send it as `If-Match` when changing the campaign.
    #[schema(example = 3)]
    pub version: i64,
    /// Who created it.
    pub created_by: String,
    /// When created (UTC).
    pub created_at: DateTime<Utc>,
    /// When last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// When launched (UTC).
    pub launched_at: Option<DateTime<Utc>>,
    /// When sending began (UTC).
    pub started_at: Option<DateTime<Utc>>,
    /// When last paused (UTC).
    pub paused_at: Option<DateTime<Utc>>,
    /// When completed (UTC).
    pub completed_at: Option<DateTime<Utc>>,
    /// When cancelled (UTC).
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why messages due are not going out (the SMTP relay cannot be reached); sending resumes by
    /// itself when the relay answers, and this turns `null` again.
    pub delivery_problem: Option<DeliveryProblem>,
}

/// Trouble a sending campaign is waiting out.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryProblem {
    /// What is wrong.
    #[schema(example = "the SMTP relay could not be reached; sending resumes when it answers")]
    pub message: String,
    /// Since when (UTC).
    pub since: DateTime<Utc>,
}

impl From<&CampaignRecord> for Campaign {
    fn from(r: &CampaignRecord) -> Self {
        Self {
            id: r.id.clone(),
            customer_id: r.customer_id.clone(),
            kind: r.kind.as_str().to_owned(),
            name: r.name.clone(),
            status: r.status.as_str().to_owned(),
            allowed_transitions: r.status.allowed_commands().iter().map(|c| c.as_str().to_owned()).collect(),
            language: r.language.clone(),
            scenario_ids: r.scenario_ids.iter().filter_map(|id| uuid::Uuid::parse_str(id).ok()).collect(),
            targets: CampaignTargets::from(&r.targets),
            schedule: CampaignSchedule::from(&r.schedule),
            recipient_count: r.recipient_count,
            starts_at: r.starts_at,
            first_send_at: r.first_send_at,
            last_send_at: r.last_send_at,
            ends_at: r.ends_at,
            version: r.version,
            created_by: r.created_by.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            launched_at: r.launched_at,
            started_at: r.started_at,
            paused_at: r.paused_at,
            completed_at: r.completed_at,
            cancelled_at: r.cancelled_at,
            delivery_problem: r
                .delivery_problem
                .clone()
                .zip(r.delivery_problem_since)
                .map(|(message, since)| DeliveryProblem { message, since }),
        }
    }
}

/// Whether a campaign could launch now, and why not.
#[derive(Debug, Serialize, ToSchema)]
pub struct LaunchCheck {
    /// True when a launch now would succeed.
    pub may_launch: bool,
    /// Every failed gate (empty when it may launch), as `launch_blocked` would list them.
    pub blockers: Vec<Blocker>,
    /// Active accounts targeted now, after exclusions.
    #[schema(example = 50)]
    pub recipients: i64,
    /// `sending` (its first send is due) or `scheduled`, when it may launch.
    #[schema(example = "scheduled")]
    pub would_become: Option<String>,
    /// First planned send (UTC), when the schedule fits.
    pub first_send_at: Option<DateTime<Utc>>,
    /// Last planned send (UTC), when the schedule fits.
    pub last_send_at: Option<DateTime<Utc>>,
}

/// A recipient of a launched campaign: the account as it was at launch, its scenario and when it
/// is sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignRecipient {
    /// Id; recipients are listed in sending order.
    #[schema(format = Uuid)]
    pub id: String,
    /// The account.
    #[schema(format = Uuid)]
    pub account_id: String,
    /// Its address at launch.
    #[schema(example = "ann.lee@acme-dental.com")]
    pub email: String,
    /// Its name at launch.
    pub display_name: Option<String>,
    /// Its department at launch.
    pub department: Option<String>,
    /// The scenario drawn for it.
    #[schema(format = Uuid)]
    pub scenario_id: String,
    /// When it is to be sent (UTC).
    pub planned_at: DateTime<Utc>,
    /// The same time in the campaign's zone, with its offset.
    #[schema(example = "2027-01-15T09:03:20+02:00")]
    pub planned_at_local: String,
    /// `planned`, or `skipped` when its account was deactivated or deleted after launch (nothing is
    /// sent to it).
    #[schema(schema_with = standing_schema)]
    pub status: String,
    #[schema(schema_with = crate::resources::campaign_results::delivery_schema)]
    pub delivery: String,
    /// Attempts at sending it (a relay's temporary refusal is retried with back-off, up to 8).
    #[schema(example = 1)]
    pub attempts: i64,
    /// When the relay accepted it (UTC).
    pub sent_at: Option<DateTime<Utc>>,
    /// When the relay refused it for good (UTC).
    pub failed_at: Option<DateTime<Utc>>,
    /// The relay's last answer.
    #[schema(example = "250 OK")]
    pub relay_answer: Option<String>,
    pub milestones: RecipientMilestones,
    /// Events per kind, by people (`human`) and by machines (`automated`).
    #[schema(value_type = Object, example = json!({"opened": {"human": 1, "automated": 2}, "clicked": {"human": 1, "automated": 0}}))]
    pub event_counts: serde_json::Value,
    /// When its personal data was erased or pseudonymised (its address and name are placeholders since).
    pub erased_at: Option<DateTime<Utc>>,
}

/// The first time (UTC) a recipient reached each milestone: by a person, and by anyone (`*_any_at`,
/// scanners and proxies included).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecipientMilestones {
    /// First human open.
    pub opened_at: Option<DateTime<Utc>>,
    /// First open by anyone.
    pub opened_any_at: Option<DateTime<Utc>>,
    /// First human click.
    pub clicked_at: Option<DateTime<Utc>>,
    /// First click by anyone.
    pub clicked_any_at: Option<DateTime<Utc>>,
    /// First human submission of the landing form.
    pub submitted_at: Option<DateTime<Utc>>,
    /// First submission by anyone.
    pub submitted_any_at: Option<DateTime<Utc>>,
    /// First report.
    pub reported_at: Option<DateTime<Utc>>,
}

pub(crate) fn kind_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("`phishing` (simulated phishing mail) or `training` (courses; not yet creatable)."))
        .enum_values(Some(CampaignKind::spellings()))
        .examples(["phishing"])
}

pub(crate) fn status_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "`draft → scheduled → sending ⇄ paused`, `sending → tracking → completed` (a launch whose first send \
             is due goes straight to `sending`); `cancelled` from draft, scheduled, sending or paused; `complete` \
             ends a sending, paused or tracking campaign.",
        ))
        .enum_values(Some(CampaignStatus::spellings()))
        .examples(["scheduled"])
}

fn spread_unit_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["business_days", "hours"]))
        .examples(["business_days"])
}

fn standing_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["planned", "skipped"])).examples(["planned"])
}
