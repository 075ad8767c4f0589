//! Access tokens: HS256 JWTs with a pinned algorithm and required claims.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Issuer claim of every access token.
pub const ISSUER: &str = "msp-portal";
/// Audience claim of every access token.
pub const AUDIENCE: &str = "msp-portal-api";
/// Clock skew tolerated when checking `exp`, in seconds.
const LEEWAY_SECONDS: u64 = 5;

/// Whom an access token speaks for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// An admin of an MSP; `sid` is the refresh-token family.
    Admin,
    /// An admin acting inside one customer (`cus`); `sid` is the customer session.
    CustomerSession,
    /// A platform operator; no MSP.
    Operator,
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Whom the token speaks for.
    pub typ: TokenKind,
    /// The admin's or operator's id.
    pub sub: String,
    /// The admin's MSP id (empty for operators).
    pub msp: String,
    /// The session the token belongs to (empty for operators).
    pub sid: String,
    /// For a customer session: the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cus: Option<String>,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
}

/// Signs and checks access tokens with one HMAC secret.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    /// Keys from a secret of at least 32 bytes.
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        // Expiry is checked against the product's clock in `verify`, not
        // the library's reading of the system clock.
        validation.validate_exp = false;
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation }
    }

    /// Issues a token for `admin_id` of `msp_id` in session `session_id`,
    /// valid until `now + ACCESS_TOKEN_TTL`.
    pub fn issue(
        &self,
        admin_id: &str,
        msp_id: &str,
        session_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        self.sign(&AccessClaims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            typ: TokenKind::Admin,
            sub: admin_id.to_owned(),
            msp: msp_id.to_owned(),
            sid: session_id.to_owned(),
            cus: None,
            iat: now.timestamp(),
            exp: (now + domain::sessions::ACCESS_TOKEN_TTL).timestamp(),
        })
    }

    /// Issues a token for admin `admin_id` acting inside `customer_id`, in
    /// customer session `session_id`, valid until `expires_at`.
    pub fn issue_customer_session(
        &self,
        admin_id: &str,
        msp_id: &str,
        customer_id: &str,
        session_id: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        self.sign(&AccessClaims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            typ: TokenKind::CustomerSession,
            sub: admin_id.to_owned(),
            msp: msp_id.to_owned(),
            sid: session_id.to_owned(),
            cus: Some(customer_id.to_owned()),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        })
    }

    /// Issues a token for platform operator `operator_id`.
    pub fn issue_operator(&self, operator_id: &str, now: DateTime<Utc>) -> Result<String, jsonwebtoken::errors::Error> {
        self.sign(&AccessClaims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            typ: TokenKind::Operator,
            sub: operator_id.to_owned(),
            msp: String::new(),
            sid: String::new(),
            cus: None,
            iat: now.timestamp(),
            exp: (now + domain::sessions::ACCESS_TOKEN_TTL).timestamp(),
        })
    }

    fn sign(&self, claims: &AccessClaims) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Checks signature, algorithm, issuer and audience, and expiry at `now`
    /// (with the leeway of `LEEWAY_SECONDS`).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, jsonwebtoken::errors::Error> {
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)?.claims;
        let leeway = i64::try_from(LEEWAY_SECONDS).unwrap_or(i64::MAX);
        if claims.exp.saturating_add(leeway) < now.timestamp() {
            return Err(jsonwebtoken::errors::ErrorKind::ExpiredSignature.into());
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn noon() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-02T12:00:00Z").map(|t| t.to_utc()).unwrap_or_default()
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_session() {
        let keys = TokenKeys::new(SECRET);
        let token = keys.issue("admin", "msp", "sid", noon()).unwrap_or_default();
        let claims = keys.verify(&token, noon()).ok();
        assert_eq!(claims.map(|c| (c.sub, c.msp, c.sid)), Some(("admin".into(), "msp".into(), "sid".into())));
    }

    #[test]
    fn expiry_is_judged_by_the_time_given_not_the_system_clock() {
        let keys = TokenKeys::new(SECRET);
        let token = keys.issue("a", "m", "s", noon()).unwrap_or_default();
        let ttl = domain::sessions::ACCESS_TOKEN_TTL;
        assert!(keys.verify(&token, noon() + ttl).is_ok(), "valid to its last second");
        assert!(keys.verify(&token, noon() + ttl + TimeDelta::seconds(5)).is_ok(), "within the leeway");
        assert!(keys.verify(&token, noon() + ttl + TimeDelta::seconds(6)).is_err());
    }

    #[test]
    fn expired_foreign_and_unsigned_tokens_are_refused() {
        let keys = TokenKeys::new(SECRET);
        let old = keys.issue("a", "m", "s", noon() - TimeDelta::hours(1)).unwrap_or_default();
        assert!(keys.verify(&old, noon()).is_err());
        let other =
            TokenKeys::new(b"another-secret-another-secret-xx").issue("a", "m", "s", noon()).unwrap_or_default();
        assert!(keys.verify(&other, noon()).is_err());
        // alg "none" with the same claims.
        let mut parts =
            keys.issue("a", "m", "s", noon()).unwrap_or_default().split('.').map(str::to_owned).collect::<Vec<_>>();
        parts[0] = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0".to_owned();
        parts[2] = String::new();
        assert!(keys.verify(&parts.join("."), noon()).is_err());
    }
}
