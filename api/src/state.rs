//! What every handler can reach.

use persistence::DbPool;

use crate::auth::tokens::TokenKeys;

/// Shared, immutable application state (cloned cheaply into each worker).
pub struct AppState {
    /// Database connections.
    pub pool: DbPool,
    /// Access-token keys.
    pub tokens: TokenKeys,
    /// See [`crate::auth::passwords::decoy_hash`].
    pub decoy_password_hash: String,
    /// Where the product's web pages live; links in e-mails start with it.
    pub public_url: String,
    /// Thresholds of sign-in protection.
    pub login_policy: domain::login_protection::LoginPolicy,
    /// The SMTP relay, for mail that must be sent while the request waits
    /// (delivery tests).
    pub delivery: crate::mail::Delivery,
    /// Days in onboarding after which a customer is on the attention list.
    pub attention_days: i64,
}

/// The current time, truncated to microseconds: both backends store
/// microseconds, so what a response shows equals what a later read returns.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}
