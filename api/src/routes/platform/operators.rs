//! Signing in as a platform operator.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::error::responses::{TooManyRequests, Unauthorized};
use crate::json::ValidJson;
use crate::resources::sign_in::LoginRequest;
use crate::services::sign_in::SignInCandidate;
use crate::services::sign_in::guarded_sign_in;
use crate::state::AppState;

/// An operator's access token.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorToken {
    /// JWT to send as `Authorization: Bearer <access_token>` to the platform routes.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until it expires (15 minutes); sign in again after.
    #[schema(example = 900)]
    pub expires_in: i64,
}

/// Signs a platform operator in.
///
/// The access token reaches the platform routes only, and there is no refresh token: sign in again
/// after `expires_in` seconds. As for admins, every failed sign-in gets the same 401, and repeated
/// failures are slowed down, then refused with 429 and `Retry-After`.
#[utoipa::path(
    post, path = "/api/v1/platform/auth/login", tag = "platform", operation_id = "operatorLogin",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = OperatorToken),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn operator_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.0;
    let operator = guarded_sign_in(&state, &req, email, password, |conn, email| {
        Ok(persistence::operators::find_by_email(conn, email)?.map(|operator| SignInCandidate {
            password_hash: operator.password_hash.clone(),
            active: operator.disabled_at.is_none(),
            who: operator,
        }))
    })
    .await?;
    let access_token = state.tokens.issue_operator(&operator.id, state.now()).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(OperatorToken {
        access_token,
        token_type: "Bearer",
        expires_in: domain::sessions::ACCESS_TOKEN_TTL.num_seconds(),
    }))
}
