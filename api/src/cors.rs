//! Browsers in front of the API: the pages of the origins in
//! `CORS_ALLOWED_ORIGINS` may call it (credentials travel in the
//! `Authorization` header, never in cookies), preflights are answered and
//! cached, and the headers a client must read are exposed. Other origins get
//! no CORS headers, so their browser keeps the response from the page.

use actix_cors::Cors;
use actix_web::http::header;

/// How long a browser may cache a preflight answer (seconds).
pub const PREFLIGHT_MAX_AGE: usize = 3600;

/// Request headers a page may send.
pub const ALLOWED_HEADERS: [&str; 6] =
    ["authorization", "content-type", "if-match", "if-none-match", "idempotency-key", "x-request-id"];

/// Response headers a page may read (besides the CORS-safelisted ones).
pub const EXPOSED_HEADERS: [&str; 8] =
    ["etag", "location", "link", "x-request-id", "retry-after", "idempotent-replayed", "allow", "content-disposition"];

/// An origin a browser page may call the API from: `scheme://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigin(String);

/// A `CORS_ALLOWED_ORIGINS` entry that is not an origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an origin such as https://portal.example or http://localhost:3000")]
pub struct InvalidOrigin(pub String);

impl AllowedOrigin {
    /// Parses one origin: `http` or `https`, a host, an optional port, and
    /// nothing else (no path, no wildcard: each origin is named).
    pub fn parse(text: &str) -> Result<Self, InvalidOrigin> {
        let invalid = || InvalidOrigin(text.to_owned());
        let text = text.trim();
        let (scheme, rest) = text.split_once("://").ok_or_else(invalid)?;
        if !matches!(scheme, "http" | "https") {
            return Err(invalid());
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || rest.starts_with('[') => (host, Some(port)),
            _ => (rest, None),
        };
        let host_ok = !host.is_empty()
            && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
        let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
        if !host_ok || !port_ok {
            return Err(invalid());
        }
        Ok(Self(text.to_ascii_lowercase()))
    }

    /// Parses a comma-separated list; an empty list allows no origin.
    pub fn parse_list(list: &str) -> Result<Vec<Self>, InvalidOrigin> {
        list.split(',').map(str::trim).filter(|o| !o.is_empty()).map(Self::parse).collect()
    }

    /// The origin as browsers send it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The CORS middleware for `origins`.
pub fn middleware(origins: &[AllowedOrigin]) -> Cors {
    let cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers(ALLOWED_HEADERS.map(header::HeaderName::from_static))
        .expose_headers(EXPOSED_HEADERS.map(header::HeaderName::from_static))
        .max_age(PREFLIGHT_MAX_AGE);
    origins.iter().fold(cors, |cors, origin| cors.allowed_origin(origin.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_a_scheme_a_host_and_maybe_a_port() {
        for good in ["https://portal.example", "http://localhost:3000", "http://127.0.0.1:8081", "https://[::1]:8443"] {
            assert!(AllowedOrigin::parse(good).is_ok(), "{good}");
        }
        for bad in
            ["*", "portal.example", "ftp://portal.example", "https://portal.example/app", "https://", "http://x:0"]
        {
            assert_eq!(AllowedOrigin::parse(bad), Err(InvalidOrigin(bad.to_owned())), "{bad}");
        }
        assert_eq!(AllowedOrigin::parse_list(" https://A.example , ").map(|l| l.len()), Ok(1));
        assert_eq!(
            AllowedOrigin::parse("https://A.example").map(|o| o.as_str().to_owned()),
            Ok("https://a.example".into())
        );
    }
}
