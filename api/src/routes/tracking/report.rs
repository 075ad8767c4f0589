//! The "report phishing" button of a mail add-in.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::campaigns::classify::EventKind;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::{hit_of, not_found, recorded, tracking_answer};
use crate::error::ApiError;
use crate::error::responses::NotFound;
use crate::json::ValidJson;
use crate::services::tracking::Hit;
use crate::state::AppState;

/// A report of a simulated message.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhishReport {
    /// The message's tracking token: the value of its `X-MSP-Portal-Tracking` header (also the
    /// path segment after `/t/` in its links).
    #[schema(example = "AZOhssPUfl-KmwwdLj9KW7xR2d2wq9gQyWuS8uB0uY4", min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub token: String,
}

/// Reports a simulated message as phishing.
///
/// For the report button of a mail add-in: records a `reported` event for the recipient the
/// message's token names (a report counts once per recipient in the results; every report is
/// kept). No credentials: the token is the proof. A token that is not one is the plain 404 `not_found`.
#[utoipa::path(
    post, path = "/t/report", tag = "tracking", operation_id = "reportPhish",
    request_body = PhishReport,
    responses(
        (status = 204, description = "Recorded."),
        (status = 404, response = NotFound),
    )
)]
pub async fn report_phish(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<PhishReport>,
) -> Result<HttpResponse, ApiError> {
    let hit = Hit { reported_via: Some("add_in"), ..hit_of(&req, EventKind::Reported) };
    if !recorded(&state, body.0.token.trim(), hit).await? {
        return Ok(not_found());
    }
    Ok(tracking_answer(HttpResponse::NoContent()).finish())
}
