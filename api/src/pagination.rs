//! Cursor pagination on the wire: `limit`, opaque `cursor`, `next_cursor`, and
//! the `Link: <…>; rel="next"` header.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::pagination::PageSize;

use crate::error::{ApiError, InvalidField};

/// Reads `limit`.
pub fn page_size(raw: Option<&str>) -> Result<PageSize, ApiError> {
    let parsed =
        match raw {
            None => None,
            Some(text) => Some(text.trim().parse::<i64>().map_err(|_| {
                ApiError::InvalidParameters(vec![InvalidField::parameter("limit", "must be an integer")])
            })?),
        };
    PageSize::parse(parsed).map_err(|e| ApiError::InvalidParameters(vec![InvalidField::parameter("limit", e)]))
}

/// The cursor a client sends to get the page after the item with `key`.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// The key a cursor stands for. Cursors are opaque to clients; one that we did
/// not issue is a 400, not an empty page.
pub fn decode_cursor(raw: &str) -> Result<String, ApiError> {
    let invalid =
        || ApiError::InvalidParameters(vec![InvalidField::parameter("cursor", "is not a cursor this API issued")]);
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?;
    let key = String::from_utf8(bytes).map_err(|_| invalid())?;
    uuid::Uuid::parse_str(&key).map_err(|_| invalid())?;
    Ok(key)
}

/// The `Link` header value pointing at the next page of `path`.
pub fn next_link(path: &str, size: PageSize, cursor: &str) -> String {
    format!("<{path}?limit={}&cursor={cursor}>; rel=\"next\"", size.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let key = "0192f0e4-7b1c-7c3a-8f00-000000000001";
        assert_eq!(decode_cursor(&encode_cursor(key)).ok().as_deref(), Some(key));
        assert!(decode_cursor("not-a-cursor!").is_err());
        assert!(decode_cursor(&encode_cursor("hello")).is_err());
    }

    #[test]
    fn limits_are_checked() {
        assert!(page_size(Some("abc")).is_err());
        assert!(page_size(Some("0")).is_err());
        assert_eq!(page_size(Some("10")).map(PageSize::get).ok(), Some(10));
    }
}
