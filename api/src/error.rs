//! The one error type of the HTTP layer and its RFC 9457 problem+json form.
//!
//! Every failure a client can see goes through [`ApiError`]. The body says
//! what the client can act on; the cause chain of server-side failures is
//! logged with the request id (see `request_id`) and never sent.

use std::error::Error as StdError;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use persistence::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problems::ProblemCode;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:msp-portal:problem:validation_failed",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "The request has 1 invalid field.",
    "code": "validation_failed",
    "errors": [{"pointer": "/domains/0", "message": "must have at least two labels, like example.com"}]
}))]
pub struct Problem {
    /// URI naming the kind of problem: `urn:msp-portal:problem:{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the status.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
    /// Stable machine-readable code; switch on this, not on `detail`.
    #[schema(value_type = crate::problems::ProblemCodeSchema)]
    pub code: String,
    /// For validation problems: every invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<InvalidField>>,
    /// For `not_ready` and `launch_blocked`: everything that blocks, each with its code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blockers: Option<Vec<Blocker>>,
    /// For `campaign_transition_not_allowed`: what the campaign's state allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = json!(["pause", "cancel", "complete"]))]
    pub allowed_transitions: Option<Vec<String>>,
}

/// One thing that blocks going live or launching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Blocker {
    /// Stable machine code: a readiness finding, or a launch gate
    /// (`customer_not_live`, `no_confirmed_delivery_test`, `license_expired`, `tier_lacks_feature`,
    /// `no_recipients`, `schedule_infeasible`).
    #[schema(example = "no_confirmed_delivery_test")]
    pub code: String,
    /// What it means and what to do.
    pub message: String,
    /// For going live: the onboarding step where it is fixed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

impl From<crate::resources::onboarding::Finding> for Blocker {
    fn from(finding: crate::resources::onboarding::Finding) -> Self {
        Self { code: finding.code, message: finding.message, step: Some(finding.step) }
    }
}

/// One invalid part of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InvalidField {
    /// JSON Pointer (RFC 6901) into the request body, for body fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Name of the query parameter, for query parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// What is wrong with it.
    pub message: String,
}

impl InvalidField {
    /// An invalid body field at `pointer`.
    pub fn at(pointer: impl Into<String>, message: impl ToString) -> Self {
        Self { pointer: Some(pointer.into()), parameter: None, message: message.to_string() }
    }

    /// An invalid query parameter.
    pub fn parameter(name: impl Into<String>, message: impl ToString) -> Self {
        Self { pointer: None, parameter: Some(name.into()), message: message.to_string() }
    }
}

/// Collects every invalid field of a request, not only the first, for one
/// 422 that lists them all.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<InvalidField>);

impl FieldErrors {
    /// Keeps the value of `result`, or records its error at `pointer`.
    pub fn check<T, E: ToString>(&mut self, pointer: &str, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.0.push(InvalidField::at(pointer, e))).ok()
    }

    /// Parses an optional field that `null` clears: `Some(None)` for `null`,
    /// `Some(Some(value))` for a valid value, `None` when the field is absent
    /// (in a PATCH: leave it) or invalid (recorded at `pointer`).
    pub fn clearable<T, E: ToString>(
        &mut self,
        pointer: &str,
        raw: Option<Option<String>>,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        match raw {
            None => None,
            Some(None) => Some(None),
            Some(Some(value)) => self.check(pointer, parse(&value)).map(Some),
        }
    }

    /// Records one invalid field.
    pub fn push(&mut self, field: InvalidField) {
        self.0.push(field);
    }

    /// `value` when nothing was recorded, else a 422 listing every field.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, ApiError> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(ApiError::Validation(self.0)),
        }
    }
}

/// The problem responses the routes share, as named components of the
/// contract (`#/components/responses/...`). These types only describe; the
/// bodies are made by [`ApiError`].
#[allow(dead_code)]
pub mod responses {
    use utoipa::ToResponse;

    use super::Problem;

    /// The body is not JSON (`malformed_json`) or a query parameter is invalid (`invalid_parameters`).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct BadRequest(Problem);

    /// No valid credentials: missing, malformed, expired or revoked token, or wrong e-mail or password.
    #[derive(ToResponse)]
    #[response(
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"msp-portal\"`"))
    )]
    pub struct Unauthorized(Problem);

    /// You are known but lack the permission for this action (`forbidden`); `detail` names it.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct Forbidden(Problem);

    /// Too many failed sign-ins for this e-mail or from this address (`too_many_attempts`).
    #[derive(ToResponse)]
    #[response(
        content_type = "application/problem+json",
        headers(("Retry-After" = String, description = "Seconds until attempts are accepted again."))
    )]
    pub struct TooManyRequests(Problem);

    /// No such resource in your MSP (`not_found`).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct NotFound(Problem);

    /// The request conflicts with stored data, e.g. a domain of another customer (`domain_taken`).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct Conflict(Problem);

    /// `If-Match` names a version that is no longer current (`precondition_failed`): read the resource again,
    /// re-apply your change and send it with the new `ETag`.
    #[derive(ToResponse)]
    #[response(
        content_type = "application/problem+json",
        headers(("ETag" = String, description = "The current version."))
    )]
    pub struct PreconditionFailed(Problem);

    /// The body exceeds the size limit (`payload_too_large`).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct PayloadTooLarge(Problem);

    /// The body is not declared as `application/json` (`unsupported_media_type`).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct UnsupportedMediaType(Problem);

    /// Fields missing, of the wrong type, unknown or invalid (`validation_failed`); `errors` points at each.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct UnprocessableEntity(Problem);

    /// Database unreachable or too busy (`service_unavailable`); retry after the given seconds.
    #[derive(ToResponse)]
    #[response(
        content_type = "application/problem+json",
        headers(("Retry-After" = String, description = "Seconds to wait before retrying."))
    )]
    pub struct ServiceUnavailable(Problem);
}

type Cause = Box<dyn StdError + Send + Sync>;

/// Everything an API call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body parsed but its content is invalid (422).
    #[error("validation failed")]
    Validation(Vec<InvalidField>),
    /// The body is not JSON at all (400).
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// Query parameters are invalid (400).
    #[error("invalid query parameters")]
    InvalidParameters(Vec<InvalidField>),
    /// No or unusable credentials (401). The reason is for the log only.
    #[error("unauthenticated: {reason}")]
    Unauthenticated {
        /// Stable code sent to the client.
        code: ProblemCode,
        /// Sent to the client.
        detail: &'static str,
        /// Logged, never sent.
        reason: String,
    },
    /// A request that cannot be served as sent, with its own code (400).
    #[error("bad request: {detail}")]
    BadRequest {
        /// Stable code.
        code: ProblemCode,
        /// Explanation for the client.
        detail: String,
    },
    /// The caller lacks a permission (403).
    #[error("forbidden: missing {permission}")]
    Forbidden {
        /// The permission (or role) that is missing.
        permission: &'static str,
    },
    /// Too many failed attempts (429).
    #[error("too many attempts")]
    TooManyRequests {
        /// Seconds until the client may try again.
        retry_after: u64,
    },
    /// The resource does not exist or belongs to another MSP (404).
    #[error("not found")]
    NotFound,
    /// No route has this path (404).
    #[error("no such route")]
    RouteNotFound,
    /// The route exists but not with this method (405).
    #[error("method not allowed")]
    MethodNotAllowed {
        /// Value of the `Allow` header.
        allow: String,
    },
    /// The request conflicts with the current state (409).
    #[error("conflict: {detail}")]
    Conflict {
        /// Stable code.
        code: ProblemCode,
        /// Explanation for the client.
        detail: String,
    },
    /// Content the server understood but refuses, with its own code (422).
    #[error("unprocessable: {detail}")]
    Unprocessable {
        /// Stable code.
        code: ProblemCode,
        /// Explanation for the client.
        detail: String,
    },
    /// Going live while blockers are left (409 `not_ready`).
    #[error("not ready to go live")]
    NotReady {
        /// What blocks.
        blockers: Vec<crate::resources::onboarding::Finding>,
    },
    /// A campaign launch that fails gates (409 `launch_blocked`).
    #[error("launch blocked")]
    LaunchBlocked {
        /// Every failed gate.
        blockers: Vec<Blocker>,
    },
    /// A campaign command its state does not allow (409).
    #[error("transition not allowed: {detail}")]
    TransitionNotAllowed {
        /// Explanation for the client.
        detail: String,
        /// The commands the state allows.
        allowed: Vec<String>,
    },
    /// `If-Match` does not name the current version (412).
    #[error("precondition failed")]
    PreconditionFailed {
        /// The current `ETag`, sent back so the client can re-read.
        current_etag: String,
    },
    /// The body is larger than the limit (413).
    #[error("payload too large")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is not JSON by its content type (415).
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Temporarily unable to serve, e.g. no database connection (503).
    #[error("service unavailable")]
    Unavailable(#[source] Cause),
    /// Our fault (500). The cause is logged, never sent.
    #[error("internal error")]
    Internal(#[source] Cause),
}

impl ApiError {
    /// Wraps any error as an internal one.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        Self::Internal(cause.into())
    }

    /// A 422 for one field.
    pub fn invalid(pointer: &str, message: impl ToString) -> Self {
        Self::Validation(vec![InvalidField::at(pointer, message)])
    }

    /// The stable machine code of this error.
    pub fn code(&self) -> ProblemCode {
        match self {
            Self::Validation(_) => ProblemCode::ValidationFailed,
            Self::MalformedJson(_) => ProblemCode::MalformedJson,
            Self::InvalidParameters(_) => ProblemCode::InvalidParameters,
            Self::Unauthenticated { code, .. }
            | Self::BadRequest { code, .. }
            | Self::Conflict { code, .. }
            | Self::Unprocessable { code, .. } => *code,
            Self::Forbidden { .. } => ProblemCode::Forbidden,
            Self::TooManyRequests { .. } => ProblemCode::TooManyAttempts,
            Self::NotFound => ProblemCode::NotFound,
            Self::RouteNotFound => ProblemCode::RouteNotFound,
            Self::MethodNotAllowed { .. } => ProblemCode::MethodNotAllowed,
            Self::NotReady { .. } => ProblemCode::NotReady,
            Self::LaunchBlocked { .. } => ProblemCode::LaunchBlocked,
            Self::TransitionNotAllowed { .. } => ProblemCode::CampaignTransitionNotAllowed,
            Self::PreconditionFailed { .. } => ProblemCode::PreconditionFailed,
            Self::PayloadTooLarge { .. } => ProblemCode::PayloadTooLarge,
            Self::UnsupportedMediaType => ProblemCode::UnsupportedMediaType,
            Self::Unavailable(_) => ProblemCode::ServiceUnavailable,
            Self::Internal(_) => ProblemCode::InternalError,
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Validation(errors) => match errors.len() {
                1 => "The request has 1 invalid field.".to_owned(),
                n => format!("The request has {n} invalid fields."),
            },
            Self::MalformedJson(reason) => format!("The request body is not valid JSON: {reason}."),
            Self::InvalidParameters(errors) => {
                let names: Vec<&str> = errors.iter().filter_map(|e| e.parameter.as_deref()).collect();
                format!("Invalid query parameter(s): {}.", names.join(", "))
            }
            Self::Unauthenticated { detail, .. } => (*detail).to_owned(),
            Self::BadRequest { detail, .. } => detail.clone(),
            Self::Forbidden { permission } => {
                format!("You are signed in but lack the permission '{permission}' that this action needs.")
            }
            Self::TooManyRequests { retry_after } => {
                format!("Too many failed sign-in attempts; try again in {retry_after} seconds.")
            }
            Self::NotFound => "The resource does not exist.".to_owned(),
            Self::RouteNotFound => "No API route has this path.".to_owned(),
            Self::MethodNotAllowed { allow } => format!("This route allows only {allow}."),
            Self::Conflict { detail, .. } | Self::Unprocessable { detail, .. } => detail.clone(),
            Self::NotReady { blockers } => format!(
                "The customer cannot go live yet: {}",
                blockers.iter().map(|b| b.message.as_str()).collect::<Vec<_>>().join(" ")
            ),
            Self::LaunchBlocked { blockers } => format!(
                "The campaign cannot launch: {}",
                blockers.iter().map(|b| b.message.as_str()).collect::<Vec<_>>().join(" ")
            ),
            Self::TransitionNotAllowed { detail, .. } => detail.clone(),
            Self::PreconditionFailed { current_etag } => format!(
                "The resource changed since you read it (If-Match does not match its current ETag {current_etag}); \
                 read it again and re-apply your change."
            ),
            Self::PayloadTooLarge { limit } => format!("The request body exceeds the limit of {limit} bytes."),
            Self::UnsupportedMediaType => {
                "Send the request body as JSON, with Content-Type: application/json.".to_owned()
            }
            Self::Unavailable(_) => "The service is temporarily unavailable; retry shortly.".to_owned(),
            Self::Internal(_) => "An internal error occurred; it has been logged.".to_owned(),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let errors = match self {
            Self::Validation(errors) | Self::InvalidParameters(errors) => Some(errors.clone()),
            _ => None,
        };
        let blockers = match self {
            Self::NotReady { blockers } => Some(blockers.iter().cloned().map(Blocker::from).collect()),
            Self::LaunchBlocked { blockers } => Some(blockers.clone()),
            _ => None,
        };
        let allowed_transitions = match self {
            Self::TransitionNotAllowed { allowed, .. } => Some(allowed.clone()),
            _ => None,
        };
        Problem {
            problem_type: format!("urn:msp-portal:problem:{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.detail(),
            code: self.code().as_str().to_owned(),
            errors,
            blockers,
            allowed_transitions,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        // The registry says which status each code has.
        self.code().status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            Self::Unauthenticated { .. } => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"msp-portal\"")));
            }
            Self::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            Self::TooManyRequests { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::PreconditionFailed { current_etag } => {
                response.insert_header((header::ETAG, current_etag.clone()));
            }
            _ => {}
        }
        match serde_json::to_vec(&self.problem()) {
            Ok(body) => response.body(body),
            Err(_) => response.finish(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => Self::Unavailable(Box::new(error)),
            StoreError::UniqueViolation(_) => Self::Conflict {
                code: ProblemCode::Conflict,
                detail: "The request conflicts with an existing resource.".to_owned(),
            },
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<persistence::database::DieselError> for ApiError {
    fn from(error: persistence::database::DieselError) -> Self {
        StoreError::from(error).into()
    }
}

/// A transaction that failed on a serialization conflict may be re-run.
impl persistence::error::Retryable for ApiError {
    fn is_retryable(&self) -> bool {
        matches!(self, Self::Internal(cause) if cause.downcast_ref::<StoreError>().is_some_and(StoreError::is_retryable))
    }
}

impl From<domain::access::Denial> for ApiError {
    fn from(denial: domain::access::Denial) -> Self {
        match denial {
            domain::access::Denial::Forbidden(permission) => Self::Forbidden { permission },
            domain::access::Denial::Hidden => Self::NotFound,
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::internal(error)
    }
}

/// The error and every cause beneath it, on one line, for the log.
pub fn cause_chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_never_reveal_their_cause() {
        let error = ApiError::internal(std::io::Error::other("password=hunter2 at db.internal"));
        let body = serde_json::to_string(&error.problem()).unwrap_or_default();
        assert!(!body.contains("hunter2"));
        assert_eq!(error.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(cause_chain(&error).contains("hunter2"));
    }

    #[test]
    fn validation_problems_list_every_field() {
        let problem =
            ApiError::Validation(vec![InvalidField::at("/a", "bad"), InvalidField::at("/b", "worse")]).problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.code, "validation_failed");
        assert_eq!(problem.errors.map(|e| e.len()), Some(2));
    }
}
