//! A phishing campaign's results as the API shows them: the summary with
//! its rates and breakdowns, events, and the report written at completion.
//! Every rate is a percentage of the recipients **delivered** (accepted by
//! the relay), counts people only (`human` events), and is `null` while
//! nothing was delivered.

use chrono::{DateTime, NaiveDate, Utc};
use domain::campaigns::classify::{Classification, EventKind, Reason};
use domain::campaigns::results::{Counters, DeliveryStatus, Outcome, Rates};
use persistence::campaign_events::EventRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};

/// A milestone counted two ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HumanAndAll {
    /// Recipients with the milestone by a person (what the rates count).
    #[schema(example = 4)]
    pub human: i64,
    /// Recipients with the milestone by anyone, scanners and proxies included (raw).
    #[schema(example = 19)]
    pub all: i64,
}

/// Events counted by who caused them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventTotals {
    /// Caused by people.
    #[schema(example = 31)]
    pub human: i64,
    /// Caused by scanners, proxies and other machines.
    #[schema(example = 47)]
    pub automated: i64,
}

/// Recipients and what became of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResultCounts {
    /// Recipients planned.
    #[schema(example = 50)]
    pub recipients: i64,
    /// Messages accepted by the relay: the recipients delivered, the base of every rate.
    #[schema(example = 49)]
    pub sent: i64,
    /// Messages the relay refused for good.
    #[schema(example = 1)]
    pub failed: i64,
    /// Recipients who opened the message (the open pixel loaded).
    pub opened: HumanAndAll,
    /// Recipients who followed a link.
    pub clicked: HumanAndAll,
    /// Recipients who submitted the landing page's form.
    pub submitted: HumanAndAll,
    /// Recipients who reported the message.
    #[schema(example = 7)]
    pub reported: i64,
    /// Recipients with a human click or a human submission.
    #[schema(example = 4)]
    pub phish_prone: i64,
    /// Events by who caused them.
    pub events: EventTotals,
}

impl From<&Counters> for ResultCounts {
    fn from(c: &Counters) -> Self {
        let t = &c.tally;
        Self {
            recipients: c.recipients,
            sent: c.sent,
            failed: c.failed,
            opened: HumanAndAll { human: t.opened, all: t.opened_any },
            clicked: HumanAndAll { human: t.clicked, all: t.clicked_any },
            submitted: HumanAndAll { human: t.submitted, all: t.submitted_any },
            reported: t.reported,
            phish_prone: t.phish_prone,
            events: EventTotals { human: t.events_human, automated: t.events_automated },
        }
    }
}

/// Rates in percent of the recipients delivered, to one decimal; `null` before any delivery.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResultRates {
    /// Recipients with a human open ÷ delivered.
    #[schema(example = 40.8)]
    pub open_rate: Option<f64>,
    /// Recipients with a human click ÷ delivered.
    #[schema(example = 8.2)]
    pub click_rate: Option<f64>,
    /// Recipients with a human submission ÷ delivered.
    #[schema(example = 2.0)]
    pub submit_rate: Option<f64>,
    /// Phish-prone percentage: recipients with a human click or a human submission ÷ delivered.
    #[schema(example = 8.2)]
    pub phish_prone_percentage: Option<f64>,
    /// Recipients who reported ÷ delivered.
    #[schema(example = 14.3)]
    pub report_rate: Option<f64>,
}

impl From<Rates> for ResultRates {
    fn from(r: Rates) -> Self {
        Self {
            open_rate: r.open_rate,
            click_rate: r.click_rate,
            submit_rate: r.submit_rate,
            phish_prone_percentage: r.phish_prone_percentage,
            report_rate: r.report_rate,
        }
    }
}

/// The results of one department or one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResultBreakdown {
    /// The department (`""` for recipients without one) or the scenario id.
    #[schema(example = "Finance")]
    pub key: String,
    pub counts: ResultCounts,
    pub rates: ResultRates,
}

/// A campaign's results: kept as counters updated with each event, so they cost the same to read
/// at any size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CampaignResults {
    /// The campaign.
    #[schema(format = Uuid)]
    pub campaign_id: String,
    /// Its state now.
    #[schema(example = "tracking")]
    pub status: String,
    pub counts: ResultCounts,
    pub rates: ResultRates,
    /// Median seconds from delivery to the first report, among those who reported.
    #[schema(example = 754.0)]
    pub median_seconds_to_report: Option<f64>,
    /// By department (as at launch).
    pub by_department: Vec<ResultBreakdown>,
    /// By scenario.
    pub by_scenario: Vec<ResultBreakdown>,
}

/// How many recipients reached each milestone on one day (the customer's local date), people only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TimelineDay {
    /// The day, in the customer's time zone.
    pub date: NaiveDate,
    /// Delivered.
    pub sent: i64,
    /// Opened for the first time.
    pub opened: i64,
    /// Clicked for the first time.
    pub clicked: i64,
    /// Submitted for the first time.
    pub submitted: i64,
    /// Reported for the first time.
    pub reported: i64,
}

/// A campaign's report, written once when it completes and kept with it: its results then and a
/// day-by-day timeline. It names no person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CampaignReport {
    /// The campaign.
    #[schema(format = Uuid)]
    pub campaign_id: String,
    /// Its name.
    pub name: String,
    /// Its customer.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// The customer's time zone (the timeline's days are in it).
    #[schema(example = "Europe/Helsinki")]
    pub timezone: String,
    /// When sending began (UTC).
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed (UTC).
    pub completed_at: DateTime<Utc>,
    /// The results at completion.
    pub results: CampaignResults,
    /// Day by day.
    pub timeline: Vec<TimelineDay>,
}

/// One tracking event, classified.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignEvent {
    /// Id; events are listed in the order they came.
    #[schema(format = Uuid)]
    pub id: String,
    /// The recipient.
    #[schema(format = Uuid)]
    pub recipient_id: String,
    #[schema(schema_with = event_kind_schema)]
    pub kind: String,
    #[schema(schema_with = classification_schema)]
    pub classification: String,
    #[schema(schema_with = reasons_schema)]
    pub reasons: Vec<String>,
    /// When (UTC).
    pub occurred_at: DateTime<Utc>,
    /// It came after the campaign completed: kept, not counted.
    pub late: bool,
    /// The source address (removed when the recipient is erased).
    pub source_address: Option<String>,
    /// The user agent (removed when the recipient is erased).
    pub user_agent: Option<String>,
    /// For a submission: the names of the fields sent. Their values are never kept.
    #[schema(example = json!(["username", "password"]))]
    pub field_names: Option<Vec<String>>,
    /// For a report: `add_in` (the mail client's button) or `admin` (entered by hand).
    pub reported_via: Option<String>,
    /// Who set the classification by hand, if anyone.
    pub reclassified_by: Option<String>,
    /// When.
    pub reclassified_at: Option<DateTime<Utc>>,
}

impl From<EventRecord> for CampaignEvent {
    fn from(e: EventRecord) -> Self {
        Self {
            id: e.id,
            recipient_id: e.recipient_id,
            kind: e.kind.as_str().to_owned(),
            classification: e.classification.as_str().to_owned(),
            reasons: e.reasons.iter().map(|r| r.as_str().to_owned()).collect(),
            occurred_at: e.occurred_at,
            late: e.late,
            source_address: e.source_address,
            user_agent: e.user_agent,
            field_names: e.field_names,
            reported_via: e.reported_via,
            reclassified_by: e.reclassified_by,
            reclassified_at: e.reclassified_at,
        }
    }
}

fn words(spellings: Vec<&'static str>, description: &str, example: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(spellings))
        .examples([example.to_owned()])
}

/// The outcome filter of recipients.
pub(crate) fn outcome_schema() -> ObjectBuilder {
    words(
        Outcome::spellings(),
        "`clicked`, `submitted` (a human click or submission), `reported`, `no_action` (delivered, and no human \
         click, submission or report) or `failed` (the relay refused it). The filters overlap: one who clicked and \
         reported is in both.",
        "clicked",
    )
}

/// Where a recipient's message stands.
pub(crate) fn delivery_schema() -> ObjectBuilder {
    words(
        DeliveryStatus::spellings(),
        "`pending` (waiting for its time or a retry), `sending`, `sent` (accepted by the relay), `failed` (refused \
         for good), `skipped` (its account was deactivated before it was sent) or `cancelled`.",
        "sent",
    )
}

/// What a tracking event records.
pub(crate) fn event_kind_schema() -> ObjectBuilder {
    words(
        EventKind::spellings(),
        "`opened`, `clicked`, `submitted`, `reported`, or `honeypot` (the hidden link only machines follow).",
        "clicked",
    )
}

/// Who caused an event.
pub(crate) fn classification_schema() -> ObjectBuilder {
    words(Classification::spellings(), "`human` (counts in the rates) or `automated`.", "human")
}

/// Why an event was classified as it was.
pub(crate) fn reasons_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(words(
            Reason::spellings(),
            "`honeypot`, `head_request`, `scanner_user_agent`, `too_soon_after_delivery`, `burst`, \
             `denied_source`, `reclassified` (set by hand).",
            "scanner_user_agent",
        ))
        .description(Some("Why: the rules that made it automated (empty for a person), or `reclassified`."))
}
