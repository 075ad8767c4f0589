//! The per-recipient tracking token in every link and open pixel of a
//! simulated message: the recipient's id and an HMAC-SHA256 of it (128 bits
//! kept) under the tracking key, base64url. It is verified, not looked up:
//! a forged or altered token is refused before the database is asked, and
//! the same recipient always gets the same token, so a message sent again
//! after a crash carries working links.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of the MAC kept in a token (128 bits).
const MAC_BYTES: usize = 16;

/// The key tracking tokens are made and checked with.
#[derive(Clone)]
pub struct TrackingKey(Vec<u8>);

impl std::fmt::Debug for TrackingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrackingKey(…)")
    }
}

impl TrackingKey {
    /// The key `TRACKING_SECRET` gives, or one derived from the token
    /// signing secret (an HMAC of a fixed label under it), so that every
    /// process of a deployment checks the links the others wrote.
    pub fn derive(tracking_secret: Option<&[u8]>, signing_secret: &[u8]) -> Self {
        match tracking_secret {
            Some(secret) => Self(secret.to_vec()),
            // HMAC takes keys of any length, so the derivation always succeeds.
            None => Self(
                Self(signing_secret.to_vec())
                    .mac(b"msp-portal tracking links v1")
                    .map_or_else(|| signing_secret.to_vec(), |derived| derived.to_vec()),
            ),
        }
    }

    fn mac(&self, data: &[u8]) -> Option<[u8; 32]> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).ok()?;
        mac.update(data);
        Some(mac.finalize().into_bytes().into())
    }

    /// The token of recipient `recipient_id` (a UUID).
    pub fn token(&self, recipient_id: &str) -> Option<String> {
        let id = uuid::Uuid::parse_str(recipient_id).ok()?;
        let mut bytes = id.as_bytes().to_vec();
        bytes.extend_from_slice(&self.mac(id.as_bytes())?[..MAC_BYTES]);
        Some(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The recipient a token names, if the token is one of ours.
    pub fn recipient(&self, token: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(token.as_bytes()).ok()?;
        if bytes.len() != 16 + MAC_BYTES {
            return None;
        }
        let (id, tag) = bytes.split_at(16);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).ok()?;
        mac.update(id);
        // Constant time.
        mac.verify_truncated_left(tag).ok()?;
        Some(uuid::Uuid::from_slice(id).ok()?.to_string())
    }
}

/// Where a tracked message's links lead, under `base` (the public URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingUrls {
    /// The link to the landing page.
    pub click: String,
    /// The 1×1 open pixel.
    pub open: String,
    /// The hidden link no person sees.
    pub honeypot: String,
}

impl TrackingUrls {
    /// The URLs of `token` under `base`.
    pub fn of(base: &str, token: &str) -> Self {
        let base = base.trim_end_matches('/');
        Self {
            click: format!("{base}/t/{token}/click"),
            open: format!("{base}/t/{token}/open.gif"),
            honeypot: format!("{base}/t/{token}/h"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_recipient_and_nothing_else() {
        let key = TrackingKey::derive(None, b"a signing secret of thirty-two bytes!!");
        let id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        let token = key.token(id).unwrap_or_default();
        assert_eq!(token.len(), 43);
        assert_eq!(key.recipient(&token).as_deref(), Some(id));
        let mut forged = token.clone().into_bytes();
        forged[40] = if forged[40] == b'A' { b'B' } else { b'A' };
        assert_eq!(key.recipient(std::str::from_utf8(&forged).unwrap_or_default()), None);
        let other = TrackingKey::derive(Some(b"another key"), b"");
        assert_eq!(other.recipient(&token), None);
        assert_eq!(key.recipient("short"), None);
        assert_eq!(key.recipient(""), None);
    }
}
