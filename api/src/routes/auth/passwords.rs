//! Setting a password from a one-time link (invitation or reset), and asking
//! for a reset link.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::admins::{NewPassword, PASSWORD_RESET_TTL};
use domain::audit::AuditAction;
use domain::email::EmailAddress;
use persistence::password_tokens::TokenPurpose;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{AuditEvent, Caller, passwords, refresh_tokens};
use crate::db;
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::mail;
use crate::problems::ProblemCode;
use crate::state::{AppState, now};

/// A new password and the link token that allows setting it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordRequest {
    /// The `token` of the link from the invitation or reset e-mail.
    #[validate(length(min = 1, max = 512))]
    #[schema(min_length = 1, max_length = 512)]
    pub token: String,
    /// The new password: at least 12 characters, not containing the name part of the e-mail address.
    #[validate(length(min = 1, max = 1024))]
    #[schema(example = "correct horse battery staple", min_length = 1, max_length = 1024)]
    pub password: String,
}

/// Whose password to reset.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotPasswordRequest {
    /// Sign-in e-mail address.
    #[validate(length(min = 1, max = 254))]
    #[schema(example = "jane@northwind.example", min_length = 1, max_length = 254)]
    pub email: String,
}

pub(crate) fn invalid_link() -> ApiError {
    ApiError::BadRequest {
        code: ProblemCode::InvalidLink,
        detail: "This link is invalid, expired or already used; ask for a new one.".to_owned(),
    }
}

/// Sets an admin's password from an invitation or reset link.
///
/// The link works once. Setting a password ends the admin's other sessions
/// and voids their other links.
#[utoipa::path(
    post, path = "/api/v1/auth/set-password", tag = "auth", operation_id = "setPassword",
    request_body = SetPasswordRequest,
    responses(
        (status = 204, description = "Password set; sign in with it."),
    )
)]
pub async fn set_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<SetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let SetPasswordRequest { token, password } = body.0;
    let token_hash = refresh_tokens::storage_hash(&token);
    let at = now();
    let lookup_hash = token_hash.clone();
    let found =
        db::run(&state.pool, move |conn| Ok(persistence::password_tokens::find_valid(conn, &lookup_hash, at)?)).await?;
    let Some((_, admin)) = found.filter(|(_, admin)| admin.disabled_at.is_none()) else {
        return Err(invalid_link());
    };
    let email = EmailAddress::parse(&admin.email).map_err(ApiError::internal)?;
    let password = NewPassword::parse(&password, &email).map_err(|e| ApiError::invalid("/password", e))?;
    let hash = web::block(move || passwords::hash(password.expose())).await?.map_err(ApiError::internal)?;
    let caller = Caller::from_admin_link(&admin, &req)?;
    db::write(&state.pool, move |tx| {
        let Some(redeemed) = persistence::password_tokens::redeem(tx, &token_hash, at)? else {
            return Err(invalid_link());
        };
        let (msp_id, admin_id) = (&redeemed.msp_id, &redeemed.admin_id);
        persistence::admins::set_password(tx, msp_id, admin_id, &hash, at)?;
        persistence::password_tokens::void_for_admin(tx, msp_id, admin_id, at)?;
        persistence::sessions::revoke_all_for_admin(tx, msp_id, admin_id, at)?;
        let detail = serde_json::json!({ "via": redeemed.purpose });
        caller.record(tx, AuditEvent::new(msp_id, AuditAction::AdminPasswordSet, admin_id, at).after(&detail))?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sends a password reset link, valid for one hour, to an admin.
///
/// The answer is the same whether or not the address belongs to an admin, so
/// that it reveals no accounts.
#[utoipa::path(
    post, path = "/api/v1/auth/forgot-password", tag = "auth", operation_id = "forgotPassword",
    request_body = ForgotPasswordRequest,
    responses(
        (status = 202, description = "If the address belongs to an active admin, a reset link is on its way."),
    )
)]
pub async fn forgot_password(
    state: web::Data<AppState>,
    body: ValidJson<ForgotPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let Ok(email) = EmailAddress::parse(&body.0.email) else { return Ok(HttpResponse::Accepted().finish()) };
    let token = refresh_tokens::random_token();
    let link = mail::set_password_link(&state.public_url, &token);
    let at = now();
    let expires_at = at + PASSWORD_RESET_TTL;
    db::write(&state.pool, move |tx| {
        let Some(admin) = persistence::admins::find_by_email(tx, &email)? else { return Ok(()) };
        if admin.disabled_at.is_some() {
            return Ok(());
        }
        let hash = refresh_tokens::storage_hash(&token);
        persistence::password_tokens::insert(tx, &admin.msp_id, &admin.id, TokenPurpose::Reset, &hash, at, expires_at)?;
        let (subject, body) = mail::password_reset(&link, expires_at);
        persistence::outbox::enqueue(tx, &admin.msp_id, &admin.email, &subject, &body, at)?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(HttpResponse::Accepted().finish())
}
