use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use domain::admins::AdminRole;

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// The admin behind a valid `Authorization: Bearer <access token>`.
///
/// Besides the token's signature and expiry, every request checks that the
/// admin still exists and is not disabled and that the session was not ended
/// (logout, reuse of a refresh token), so that those take effect at once.
#[derive(Debug, Clone)]
pub struct CurrentAdmin {
    /// The admin's id.
    pub admin_id: String,
    /// The admin's MSP: the tenant every query of this request is scoped to.
    pub msp_id: String,
    /// The session (refresh-token family).
    pub session_id: String,
    /// Sign-in e-mail.
    pub email: String,
    /// Role.
    pub role: AdminRole,
}

const INVALID_TOKEN: &str = "The access token is invalid, expired or revoked; sign in again.";

fn unauthenticated(code: &'static str, detail: &'static str, reason: impl Into<String>) -> ApiError {
    ApiError::Unauthenticated { code, detail, reason: reason.into() }
}

impl FromRequest for CurrentAdmin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token?;
            let claims = state
                .tokens
                .verify(&token)
                .map_err(|e| unauthenticated("invalid_token", INVALID_TOKEN, format!("jwt rejected: {e}")))?;
            let session_id = claims.sid.clone();
            let admin = db::run(&state.pool, move |conn| {
                Ok(persistence::sessions::find_session_admin(conn, &claims.msp, &claims.sub, &claims.sid)?)
            })
            .await?;
            let Some(admin) = admin else {
                return Err(unauthenticated("invalid_token", INVALID_TOKEN, "admin gone or session revoked"));
            };
            if !domain::sessions::admin_may_act(admin.disabled_at.map(|t| t.and_utc())) {
                return Err(unauthenticated("invalid_token", INVALID_TOKEN, "admin is disabled"));
            }
            let role = admin.role.parse::<AdminRole>().map_err(ApiError::internal)?;
            Ok(Self { admin_id: admin.id, msp_id: admin.msp_id, session_id, email: admin.email, role })
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(unauthenticated(
            "missing_credentials",
            "This route needs an Authorization: Bearer <access token> header.",
            "no Authorization header",
        ));
    };
    let value = value.to_str().unwrap_or_default();
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim().to_owned())
        }
        _ => Err(unauthenticated(
            "invalid_credentials_format",
            "The Authorization header must be: Bearer <access token>.",
            "malformed Authorization header",
        )),
    }
}
