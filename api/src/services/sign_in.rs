//! Signing in with e-mail and password, for admins and operators alike:
//! attempts throttled per e-mail and per client address, the same answer
//! and time for an unknown e-mail and a wrong password.

use actix_web::{HttpRequest, web};
use domain::email::EmailAddress;
use domain::login_protection::Verdict;
use persistence::{DbConnection, StoreError};

use crate::auth::passwords;
use crate::db;
use crate::error::ApiError;
use crate::problems::ProblemCode;
use crate::state::AppState;

pub(crate) const BAD_CREDENTIALS: &str = "E-mail or password is wrong.";

pub(crate) fn bad_credentials(reason: &str) -> ApiError {
    ApiError::Unauthenticated {
        code: ProblemCode::InvalidCredentials,
        detail: BAD_CREDENTIALS,
        reason: reason.to_owned(),
    }
}

/// Someone who may sign in: their stored password hash and whether they may act.
pub struct SignInCandidate<T> {
    /// The admin or operator.
    pub who: T,
    /// Argon2id PHC string; empty when no password was set yet.
    pub password_hash: String,
    /// Not disabled.
    pub active: bool,
}

pub(crate) fn throttle_keys(email: &str, client_addr: Option<&str>) -> Vec<String> {
    let mut keys = vec![format!("email:{}", email.trim().to_lowercase())];
    if let Some(addr) = client_addr {
        keys.push(format!("addr:{addr}"));
    }
    keys
}

/// Checks a password with the protections every sign-in needs: repeated
/// failures per e-mail and per client address are slowed down, then refused
/// with 429 (see `domain::login_protection`); an unknown e-mail costs the
/// same Argon2 work as a wrong password; every failure gets the same answer.
pub async fn guarded_sign_in<T, F>(
    state: &AppState,
    req: &HttpRequest,
    email: String,
    password: String,
    lookup: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &EmailAddress) -> Result<Option<SignInCandidate<T>>, StoreError> + Send + 'static,
{
    let policy = state.login_policy;
    let client_addr = crate::client_address::of(req);
    let keys = throttle_keys(&email, client_addr.as_deref());
    let at = state.now();
    let lookup_keys = keys.clone();
    let (counts, candidate) = db::run(&state.pool, move |conn| {
        let email_count = persistence::login_throttles::find(conn, &lookup_keys[0])?;
        let address_count = match lookup_keys.get(1) {
            Some(key) => persistence::login_throttles::find(conn, key)?,
            None => None,
        };
        let candidate = match EmailAddress::parse(&email) {
            Ok(email) => lookup(conn, &email)?,
            Err(_) => None,
        };
        Ok(((email_count, address_count), candidate))
    })
    .await?;
    match policy.verdict(counts.0, counts.1, at) {
        Verdict::Refuse { retry_after } => {
            let retry_after = u64::try_from(retry_after.num_seconds()).unwrap_or(1).max(1);
            return Err(ApiError::TooManyRequests { retry_after });
        }
        Verdict::Delay(delay) => actix_web::rt::time::sleep(delay.to_std().unwrap_or_default()).await,
        Verdict::Proceed => {}
    }
    // Verify against the decoy hash when there is no usable password: same work, same time.
    let stored_hash = candidate
        .as_ref()
        .map(|c| c.password_hash.clone())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| state.decoy_password_hash.clone());
    let password_matches = web::block(move || passwords::verify(&password, &stored_hash)).await?;
    let outcome = match candidate {
        Some(c) if password_matches && !c.password_hash.is_empty() && c.active => Ok(c.who),
        Some(c) if password_matches && !c.password_hash.is_empty() => Err("account is disabled"),
        Some(_) => Err("wrong password"),
        None => Err("unknown e-mail"),
    };
    let window_start = at - policy.window;
    let succeeded = outcome.is_ok();
    db::write(&state.pool, move |tx| {
        if succeeded {
            persistence::login_throttles::clear(tx, &keys)?;
        } else {
            for key in &keys {
                persistence::login_throttles::record_failure(tx, key, at, window_start)?;
            }
        }
        Ok(())
    })
    .await?;
    outcome.map_err(bad_credentials)
}
