//! Sign-in, token refresh and sign-out.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::access::Action;
use domain::sessions::{REFRESH_TOKEN_TTL, RefreshDecision};
use persistence::transactions::write_transaction;
use persistence::{StoreError, sessions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{Caller, Credential, refresh_tokens};
use crate::db;
use crate::error::ApiError;
use crate::error::responses::{TooManyRequests, Unauthorized};
use crate::json::ValidJson;
use crate::problems::ProblemCode;
use crate::resources::sign_in::LoginRequest;
use crate::services::sign_in::{SignInCandidate, guarded_sign_in};
use crate::state::AppState;

/// A refresh token to exchange.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    #[validate(length(min = 1, max = 512))]
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: String,
}

/// Tokens for an admin session.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Single-use token for `POST /api/v1/auth/refresh`.
    pub refresh_token: String,
}

/// Signs an admin in.
///
/// A wrong e-mail and a wrong password get the same answer in the same time.
/// Repeated failures for one e-mail or from one address are slowed down, then
/// refused with `429` and `Retry-After`; a successful sign-in resets them.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth", operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = TokenResponse),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.0;
    let admin = guarded_sign_in(&state, &req, email, password, |conn, email| {
        Ok(persistence::admins::find_by_email(conn, email)?.map(|admin| SignInCandidate {
            password_hash: admin.password_hash.clone(),
            active: domain::sessions::admin_may_act(admin.disabled_at.map(|t| t.and_utc())),
            who: admin,
        }))
    })
    .await?;
    let issued_at = state.now();
    let refresh_token = refresh_tokens::random_token();
    let token_hash = refresh_tokens::storage_hash(&refresh_token);
    let family_id = persistence::new_id();
    let (admin_id, msp_id, session_id) = (admin.id.clone(), admin.msp_id.clone(), family_id.clone());
    db::run(&state.pool, move |conn| {
        sessions::insert(conn, &msp_id, &admin_id, &family_id, &token_hash, issued_at, issued_at + REFRESH_TOKEN_TTL)?;
        Ok(())
    })
    .await?;
    token_response(&state, &admin.id, &admin.msp_id, &session_id, refresh_token, issued_at)
}

pub(crate) enum RefreshOutcome {
    Rotated { admin_id: String, msp_id: String, family_id: String, refresh_token: String },
    Reused,
    Rejected(&'static str),
}

/// Exchanges a refresh token for new tokens.
///
/// Each refresh token works once. Presenting one that was already exchanged
/// ends the whole session (both copies stop working): it means the token
/// leaked.
#[utoipa::path(
    post, path = "/api/v1/auth/refresh", tag = "auth", operation_id = "refresh",
    request_body(content = RefreshRequest, example = json!({"refresh_token": "kq3J0c4v…"})),
    responses(
        (status = 200, description = "New tokens; the old refresh token is spent.", body = TokenResponse),
        (status = 401, response = Unauthorized),
    )
)]
pub async fn refresh(state: web::Data<AppState>, body: ValidJson<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let presented_hash = refresh_tokens::storage_hash(&body.0.refresh_token);
    let at = state.now();
    let outcome =
        db::run(&state.pool, move |conn| Ok(write_transaction(conn, |tx| rotate(tx, &presented_hash, at))?)).await?;
    match outcome {
        RefreshOutcome::Rotated { admin_id, msp_id, family_id, refresh_token } => {
            token_response(&state, &admin_id, &msp_id, &family_id, refresh_token, at)
        }
        RefreshOutcome::Reused => Err(ApiError::Unauthenticated {
            code: ProblemCode::RefreshTokenReused,
            detail: "This refresh token was already used. The session has been ended for safety; sign in again.",
            reason: "refresh token reuse; family revoked".to_owned(),
        }),
        RefreshOutcome::Rejected(reason) => Err(ApiError::Unauthenticated {
            code: ProblemCode::InvalidRefreshToken,
            detail: "The refresh token is unknown, expired or revoked; sign in again.",
            reason: reason.to_owned(),
        }),
    }
}

pub(crate) fn rotate(
    tx: &mut persistence::DbConnection,
    presented_hash: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<RefreshOutcome, StoreError> {
    let Some(token) = sessions::find_by_hash(tx, presented_hash)? else {
        return Ok(RefreshOutcome::Rejected("unknown refresh token"));
    };
    match domain::sessions::decide_refresh(token.state(), at) {
        RefreshDecision::Reject => return Ok(RefreshOutcome::Rejected("expired or revoked refresh token")),
        RefreshDecision::RevokeFamily => {
            sessions::revoke_family(tx, &token.msp_id, &token.family_id, at)?;
            return Ok(RefreshOutcome::Reused);
        }
        RefreshDecision::Rotate => {}
    }
    // The conditional update is the race guard: of two concurrent refreshes
    // with one token, only one marks it rotated; the other is a reuse.
    if !sessions::mark_rotated(tx, &token.id, at)? {
        sessions::revoke_family(tx, &token.msp_id, &token.family_id, at)?;
        return Ok(RefreshOutcome::Reused);
    }
    let admin = persistence::admins::find(tx, &token.msp_id, &token.admin_id)?;
    if !admin.is_some_and(|a| domain::sessions::admin_may_act(a.disabled_at.map(|t| t.and_utc()))) {
        sessions::revoke_family(tx, &token.msp_id, &token.family_id, at)?;
        return Ok(RefreshOutcome::Rejected("admin missing or disabled"));
    }
    let refresh_token = refresh_tokens::random_token();
    sessions::insert(
        tx,
        &token.msp_id,
        &token.admin_id,
        &token.family_id,
        &refresh_tokens::storage_hash(&refresh_token),
        at,
        at + REFRESH_TOKEN_TTL,
    )?;
    Ok(RefreshOutcome::Rotated {
        admin_id: token.admin_id,
        msp_id: token.msp_id,
        family_id: token.family_id,
        refresh_token,
    })
}

/// Ends the caller's session (or customer session).
///
/// Its access tokens and refresh token stop working at once. Only a signed-in admin or a customer
/// session can sign out: an API key or a platform operator's token is a 403.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth", operation_id = "logout",
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Signed out."),
    )
)]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::SignOut)?.to_owned();
    let at = state.now();
    let credential = caller.credential.clone();
    db::run(&state.pool, move |conn| {
        match credential {
            Credential::AdminSession { family_id } => {
                sessions::revoke_family(conn, &msp_id, &family_id, at)?;
            }
            Credential::CustomerSession { session_id } => {
                persistence::customer_sessions::end(conn, &msp_id, &session_id, at)?;
            }
            Credential::ApiKey | Credential::Operator => {}
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) fn token_response(
    state: &AppState,
    admin_id: &str,
    msp_id: &str,
    session_id: &str,
    refresh_token: String,
    issued_at: chrono::DateTime<chrono::Utc>,
) -> Result<HttpResponse, ApiError> {
    let access_token = state.tokens.issue(admin_id, msp_id, session_id, issued_at).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: domain::sessions::ACCESS_TOKEN_TTL.num_seconds(),
        refresh_token,
    }))
}
