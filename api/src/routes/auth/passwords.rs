//! Setting a password from a one-time link (invitation or reset), and asking
//! for a reset link.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::email::EmailAddress;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::error::ApiError;
use crate::json::ValidJson;
use crate::services;
use crate::state::AppState;

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
    services::passwords::set_from_link(&state, &req, &token, &password).await?;
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
    services::passwords::send_reset_link(&state, email).await?;
    Ok(HttpResponse::Accepted().finish())
}
