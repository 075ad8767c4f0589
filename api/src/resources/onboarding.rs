//! Onboarding shapes shown by more than one place: what keeps a customer from
//! going live (the readiness route and the `not_ready` problem) and a delivery
//! test (its routes and the email step), and a stored logo.

use chrono::{DateTime, Utc};
use domain::onboarding::{self as rules, DeliveryTestStatus, Step};
use persistence::onboarding::DeliveryTestRecord;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};

/// A blocker or warning of going live.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Finding {
    /// Stable machine code.
    #[schema(example = "no_seats")]
    pub code: String,
    /// The step where it is fixed.
    #[schema(schema_with = step_schema)]
    pub step: String,
    /// What it means.
    pub message: String,
}

impl From<&rules::Finding> for Finding {
    fn from(finding: &rules::Finding) -> Self {
        Self { code: finding.code.to_owned(), step: finding.step.as_str().to_owned(), message: finding.message.clone() }
    }
}

pub(crate) fn step_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("An onboarding step."))
        .enum_values(Some(Step::spellings()))
        .examples(["user_provisioning"])
}

// ---------------------------------------------------------------------------
// Delivery tests.

/// A test mail through the SMTP relay.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryTest {
    /// Id.
    #[schema(format = Uuid)]
    pub id: String,
    /// Where it was sent.
    #[schema(example = "it@acme-dental.com")]
    pub recipient: String,
    /// `sent` (the relay accepted it), `failed` (it did not; see
    /// `relay_response`) or `confirmed` (its link was opened).
    #[schema(schema_with = delivery_status_schema)]
    pub status: String,
    /// The relay's answer.
    #[schema(example = "250 OK")]
    pub relay_response: Option<String>,
    /// When it was run (UTC).
    pub created_at: DateTime<Utc>,
    /// Who ran it.
    pub created_by: String,
    /// When its link was opened (UTC).
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl From<DeliveryTestRecord> for DeliveryTest {
    fn from(r: DeliveryTestRecord) -> Self {
        Self {
            id: r.id,
            recipient: r.recipient,
            status: r.status.as_str().to_owned(),
            relay_response: r.relay_response,
            created_at: r.created_at.and_utc(),
            created_by: r.created_by,
            confirmed_at: r.confirmed_at.map(|t| t.and_utc()),
        }
    }
}

pub(crate) fn delivery_status_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Where a delivery test stands."))
        .enum_values(Some(DeliveryTestStatus::spellings()))
        .examples(["confirmed"])
}

pub(crate) fn onboarding_path(customer_id: &str) -> String {
    format!("/api/v1/customers/{customer_id}/onboarding")
}

/// A logo as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogoUploaded {
    /// `image/png` or `image/svg+xml`, from the content.
    #[schema(example = "image/png")]
    pub content_type: String,
    /// Width in pixels.
    #[schema(example = 512)]
    pub width: i64,
    /// Height in pixels.
    #[schema(example = 512)]
    pub height: i64,
    /// Size in bytes.
    pub size_bytes: i64,
    /// When uploaded (UTC).
    pub uploaded_at: DateTime<Utc>,
    /// Where it is served.
    pub url: String,
}
