//! Errors of the SCIM routes in the SCIM format (RFC 7644 §3.12), not
//! problem+json: identity providers show `detail` to the admin in their
//! provisioning logs, so it says what to fix.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use domain::scim::schema::ERROR_SCHEMA;
use domain::scim::{Refusal, ScimType};
use persistence::StoreError;

use super::wire::SCIM_JSON;
use crate::error::{ApiError, cause_chain};
use crate::problems::ProblemCode;

const USER_EXISTS: &str = "The customer already has a user with this userName.";

/// A SCIM error response.
#[derive(Debug)]
pub struct ScimError {
    /// HTTP status.
    pub status: StatusCode,
    /// `scimType`, where one fits.
    pub scim_type: Option<ScimType>,
    /// What went wrong, for the admin.
    pub detail: String,
    /// The server-side cause, logged with the request id, never sent.
    cause: Option<ApiError>,
}

impl ScimError {
    /// An error with this status, type and detail.
    pub fn new(status: StatusCode, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Self { status, scim_type, detail: detail.into(), cause: None }
    }

    /// 401: no token, or not this customer's.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            None,
            "Authorization: Bearer <token> must carry this customer's SCIM token. An MSP admin makes or rotates it \
             with POST /api/v1/customers/{id}/scim-token; each token works only on its own customer's base URL.",
        )
    }

    /// 404 for a resource that does not exist (or not in this customer).
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, format!("{what} {id} not found."))
    }

    /// 409 `uniqueness`: the customer has a user with this userName.
    pub fn user_exists() -> Self {
        Self::new(StatusCode::CONFLICT, Some(ScimType::Uniqueness), USER_EXISTS)
    }

    /// 400 with a type.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    /// 405 on a route that exists with other methods.
    pub fn method_not_allowed(allow: &str) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, None, format!("This endpoint allows only {allow}."))
    }

    /// 412: the resource changed since the version the client named.
    pub fn stale(current: &str) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            None,
            format!("The resource changed since that version; its current version is {current}. Read it again."),
        )
    }
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(cause) => f.write_str(&cause_chain(cause)),
            None => write!(f, "{} {}", self.status.as_u16(), self.detail),
        }
    }
}

impl std::error::Error for ScimError {}

impl From<Refusal> for ScimError {
    fn from(refusal: Refusal) -> Self {
        let status = match refusal.scim_type {
            ScimType::Uniqueness => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        };
        Self::new(status, Some(refusal.scim_type), refusal.detail)
    }
}

/// The accounts API's errors as SCIM errors: its activation limits stay
/// 409s with their code in the detail, its duplicate address becomes
/// `uniqueness`.
impl From<ApiError> for ScimError {
    fn from(error: ApiError) -> Self {
        let status = error.status_code();
        let problem = error.problem();
        let (scim_type, detail) = match &error {
            ApiError::Conflict { code: ProblemCode::AccountEmailTaken, .. } => {
                (Some(ScimType::Uniqueness), "The customer already has a user with this userName.".to_owned())
            }
            ApiError::Conflict { code, detail } => (None, format!("{detail} ({code})")),
            ApiError::Validation(errors) => {
                (Some(ScimType::InvalidValue), errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))
            }
            ApiError::NotFound => (None, "The resource does not exist.".to_owned()),
            _ => (None, problem.detail),
        };
        let status = if matches!(error, ApiError::Validation(_)) { StatusCode::BAD_REQUEST } else { status };
        Self { status, scim_type, detail, cause: Some(error) }
    }
}

impl From<StoreError> for ScimError {
    fn from(error: StoreError) -> Self {
        ApiError::from(error).into()
    }
}

impl From<persistence::database::DieselError> for ScimError {
    fn from(error: persistence::database::DieselError) -> Self {
        ApiError::from(error).into()
    }
}

impl From<actix_web::error::BlockingError> for ScimError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        ApiError::from(error).into()
    }
}

impl persistence::error::Retryable for ScimError {
    fn is_retryable(&self) -> bool {
        use persistence::error::Retryable;
        self.cause.as_ref().is_some_and(Retryable::is_retryable)
    }
}

impl ResponseError for ScimError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON)));
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"scim\"")));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
        }
        let mut body = serde_json::json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = serde_json::Value::from(scim_type.as_str());
        }
        response.body(body.to_string())
    }
}
