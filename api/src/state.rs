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
    /// The domain simulated phishing mail is sent from.
    pub simulation_domain: String,
    /// Checks the tokens of tracking links.
    pub tracking_key: crate::tracking_links::TrackingKey,
    /// Thresholds of sign-in protection.
    pub login_policy: domain::login_protection::LoginPolicy,
    /// The SMTP relay, for mail that must be sent while the request waits
    /// (delivery tests).
    pub delivery: crate::mail::Delivery,
    /// Days in onboarding after which a customer is on the attention list.
    pub attention_days: i64,
    /// The time (see [`crate::clock`]).
    pub clock: crate::clock::Clock,
    /// The proxies whose forwarding headers name the client.
    pub trusted_proxies: domain::client_address::TrustedProxies,
    /// The one forwarding header those proxies write.
    pub forwarding_header: domain::client_address::ForwardingHeader,
}

impl AppState {
    /// The current time, from the clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
