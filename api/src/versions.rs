//! Optimistic concurrency on the wire: `ETag` on reads, `If-Match` on writes
//! (412 when stale), `If-None-Match` on reads (304 when unchanged).
//!
//! A resource's version is a counter bumped by every change; its ETag is the
//! strong tag `"<version>"`.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::ApiError;

/// The ETag of a version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// What `If-Match` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`, or `*`: any current version will do.
    Any,
    /// One of these versions. A tag we never issued matches nothing, so the
    /// write is refused (412) rather than applied blindly.
    OneOf(Vec<i64>),
}

impl Precondition {
    /// Reads `If-Match` (RFC 9110 §13.1.1: a list of strong tags, or `*`).
    pub fn from_request(req: &HttpRequest) -> Self {
        let values: Vec<&str> =
            req.headers().get_all(header::IF_MATCH).filter_map(|value| value.to_str().ok()).collect();
        if values.is_empty() {
            return Self::Any;
        }
        let tags: Vec<&str> = values.iter().flat_map(|value| value.split(',')).map(str::trim).collect();
        if tags.contains(&"*") {
            return Self::Any;
        }
        Self::OneOf(tags.iter().filter_map(|tag| parse_strong(tag)).collect())
    }

    /// The versions to compare in storage; `None` for any.
    pub fn versions(&self) -> Option<&[i64]> {
        match self {
            Self::Any => None,
            Self::OneOf(versions) => Some(versions),
        }
    }
}

/// True when `If-None-Match` names `version` (or is `*`): the client's copy
/// is current and a 304 will do. Weak tags compare weakly here (RFC 9110
/// §13.1.2).
pub fn not_modified(req: &HttpRequest, version: i64) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || parse_strong(tag.trim_start_matches("W/")) == Some(version))
}

/// Like [`not_modified`] for an opaque `ETag` (a content hash, say): true
/// when `If-None-Match` names `current` (weakly) or is `*`.
pub fn tag_not_modified(req: &HttpRequest, current: &str) -> bool {
    let current = current.trim_start_matches("W/");
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == current)
}

fn parse_strong(tag: &str) -> Option<i64> {
    tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok()
}

/// The 412 for a write whose `If-Match` is stale.
pub fn stale(current_version: i64) -> ApiError {
    ApiError::PreconditionFailed { current_etag: etag(current_version) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn if_match_lists_and_wildcards_are_understood() {
        let req = TestRequest::default().insert_header((header::IF_MATCH, "\"3\", \"4\"")).to_http_request();
        assert_eq!(Precondition::from_request(&req), Precondition::OneOf(vec![3, 4]));
        let req = TestRequest::default().insert_header((header::IF_MATCH, "*")).to_http_request();
        assert_eq!(Precondition::from_request(&req), Precondition::Any);
        let req = TestRequest::default().to_http_request();
        assert_eq!(Precondition::from_request(&req), Precondition::Any);
        // Weak or foreign tags never match a strong comparison.
        let req = TestRequest::default().insert_header((header::IF_MATCH, "W/\"3\", xyz")).to_http_request();
        assert_eq!(Precondition::from_request(&req), Precondition::OneOf(vec![]));
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let req = TestRequest::default().insert_header((header::IF_NONE_MATCH, "W/\"7\"")).to_http_request();
        assert!(not_modified(&req, 7));
        assert!(!not_modified(&req, 8));
    }
}
