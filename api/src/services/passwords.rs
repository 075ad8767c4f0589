//! Passwords set from one-time links: an invitation or reset link sets a
//! password once (ending the admin's other sessions and links), and a reset
//! link is mailed to whoever asks, without telling whether the address is
//! an admin's.

use actix_web::{HttpRequest, web};
use domain::admins::{NewPassword, PASSWORD_RESET_TTL};
use domain::audit::AuditAction;
use domain::email::EmailAddress;
use persistence::password_tokens::TokenPurpose;

use crate::auth::{AuditEvent, Caller, passwords, refresh_tokens};
use crate::db;
use crate::error::ApiError;
use crate::mail;
use crate::problems::ProblemCode;
use crate::state::AppState;

/// The 400 for a link that is unknown, expired, used or of a disabled admin.
pub fn invalid_link() -> ApiError {
    ApiError::BadRequest {
        code: ProblemCode::InvalidLink,
        detail: "This link is invalid, expired or already used; ask for a new one.".to_owned(),
    }
}

/// Sets the password of the admin holding link `token`: the password is
/// checked and hashed, the link redeemed (once), and the admin's other
/// sessions and links ended.
pub async fn set_from_link(state: &AppState, req: &HttpRequest, token: &str, password: &str) -> Result<(), ApiError> {
    let token_hash = refresh_tokens::storage_hash(token);
    let at = state.now();
    let lookup_hash = token_hash.clone();
    let found =
        db::run(&state.pool, move |conn| Ok(persistence::password_tokens::find_valid(conn, &lookup_hash, at)?)).await?;
    let Some((_, admin)) = found.filter(|(_, admin)| admin.disabled_at.is_none()) else {
        return Err(invalid_link());
    };
    let email = EmailAddress::parse(&admin.email).map_err(ApiError::internal)?;
    let password = NewPassword::parse(password, &email).map_err(|e| ApiError::invalid("/password", e))?;
    let hash = web::block(move || passwords::hash(password.expose())).await?.map_err(ApiError::internal)?;
    let caller = Caller::from_admin_link(&admin, req)?;
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
    Ok(())
}

/// Mails a reset link, valid for an hour, when `email` is an active admin's;
/// does nothing otherwise (the caller's answer is the same either way).
pub async fn send_reset_link(state: &AppState, email: EmailAddress) -> Result<(), ApiError> {
    let token = refresh_tokens::random_token();
    let link = mail::set_password_link(&state.public_url, &token);
    let at = state.now();
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
    Ok(())
}
