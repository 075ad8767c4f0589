//! Sign-in sessions: how long tokens live and how a refresh token may be used.
//!
//! A session is a *family* of refresh tokens. Each refresh exchanges the
//! current token for a new one (rotation). A token that was already exchanged
//! and is presented again can only be a copy in someone else's hands, so the
//! whole family is revoked: both the thief and the real user must sign in
//! again (OAuth 2.0 Security BCP, refresh token rotation).

use chrono::{DateTime, TimeDelta, Utc};

/// Lifetime of an access token (a JWT). Short, because a JWT cannot be
/// recalled once issued except by the per-request session check.
pub const ACCESS_TOKEN_TTL: TimeDelta = TimeDelta::minutes(15);

/// Lifetime of a customer session ("log in as"): short, and not renewable;
/// the admin starts a new one when it ends.
pub const CUSTOMER_SESSION_TTL: TimeDelta = TimeDelta::minutes(15);

/// Lifetime of one refresh token; each rotation starts a new one.
pub const REFRESH_TOKEN_TTL: TimeDelta = TimeDelta::days(30);

/// What storage knows about a presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshTokenState {
    /// It was already exchanged for a newer token.
    pub rotated: bool,
    /// Its family was revoked (logout or detected reuse).
    pub revoked: bool,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// What to do with a presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshDecision {
    /// Valid: exchange it for a new token of the same family.
    Rotate,
    /// Reuse of an exchanged token: revoke the family, refuse.
    RevokeFamily,
    /// Expired or revoked: refuse.
    Reject,
}

/// Decides what a refresh request with a token in `state` gets at `now`.
pub fn decide_refresh(state: RefreshTokenState, now: DateTime<Utc>) -> RefreshDecision {
    if state.revoked {
        RefreshDecision::Reject
    } else if state.rotated {
        RefreshDecision::RevokeFamily
    } else if now >= state.expires_at {
        RefreshDecision::Reject
    } else {
        RefreshDecision::Rotate
    }
}

/// Whether an admin whose account was disabled at `disabled_at` (if ever) may
/// sign in or keep using a session. Disabling takes effect on the very next
/// request, not when the access token expires.
pub fn admin_may_act(disabled_at: Option<DateTime<Utc>>) -> bool {
    disabled_at.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(rotated: bool, revoked: bool, expires_in: TimeDelta) -> (RefreshTokenState, DateTime<Utc>) {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        (RefreshTokenState { rotated, revoked, expires_at: now + expires_in }, now)
    }

    #[test]
    fn a_fresh_token_rotates() {
        let (s, now) = state(false, false, TimeDelta::minutes(1));
        assert_eq!(decide_refresh(s, now), RefreshDecision::Rotate);
    }

    #[test]
    fn reusing_a_rotated_token_revokes_the_family_even_after_expiry() {
        for expires_in in [TimeDelta::minutes(1), TimeDelta::minutes(-1)] {
            let (s, now) = state(true, false, expires_in);
            assert_eq!(decide_refresh(s, now), RefreshDecision::RevokeFamily);
        }
    }

    #[test]
    fn expired_and_revoked_tokens_are_rejected() {
        let (s, now) = state(false, false, TimeDelta::zero());
        assert_eq!(decide_refresh(s, now), RefreshDecision::Reject);
        let (s, now) = state(true, true, TimeDelta::minutes(1));
        assert_eq!(decide_refresh(s, now), RefreshDecision::Reject);
    }

    #[test]
    fn access_tokens_live_at_most_fifteen_minutes() {
        assert!(ACCESS_TOKEN_TTL <= TimeDelta::minutes(15));
    }

    #[test]
    fn disabled_admins_may_not_act() {
        assert!(admin_may_act(None));
        assert!(!admin_may_act(Some(Utc::now())));
    }
}
