//! The JSON body extractor: content type, size limit, syntax, shape, then the
//! DTO's `validator` rules, each failure answered with its own problem.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{ApiError, InvalidField};

/// Largest request body accepted when nothing else is configured: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The body size limit in force, as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body that parsed into `T` and passed `T`'s validation.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<web::Data<BodyLimit>>().map_or(DEFAULT_BODY_LIMIT, |l| l.0);
        let content_type_ok = is_json(req);
        let declared_length = declared_length(req.headers());
        let mut payload = payload.take();
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::UnsupportedMediaType);
            }
            if declared_length.is_some_and(|len| len > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            let body =
                read_body(&mut payload, limit, |e| ApiError::MalformedJson(format!("body could not be read ({e})")))
                    .await?;
            let value: T = parse(&body)?;
            value.validate().map_err(|e| ApiError::Validation(invalid_fields(&e, "")))?;
            Ok(Self(value))
        })
    }
}

fn is_json(req: &HttpRequest) -> bool {
    content_type(req).is_some_and(|essence| {
        essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
    })
}

/// The media type of the request body without its parameters, lower-cased.
pub fn content_type(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())?;
    Some(value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

/// The body length a request declares (`Content-Length`), if it is readable.
pub fn declared_length(headers: &header::HeaderMap) -> Option<usize> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// Reads a whole request body of at most `limit` bytes (413 beyond);
/// `unreadable` answers a body the connection failed to deliver.
pub async fn read_body<S>(
    payload: &mut S,
    limit: usize,
    unreadable: impl Fn(actix_web::error::PayloadError) -> ApiError,
) -> Result<web::BytesMut, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(&unreadable)?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses a body, telling a syntax error (400) from well-formed JSON of the
/// wrong shape (422, pointing at the offending field).
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // A document that is not JSON as a whole (`{} {}`) is a syntax error, even
    // when its first value would already fail the typed parse below.
    serde_json::from_slice::<serde::de::IgnoredAny>(body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    // Every body of this API is an object; serde would read a struct from an
    // array too (`[]` as a PATCH that changes nothing), so say it here.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::Validation(vec![InvalidField::at(String::new(), "must be a JSON object".to_owned())]));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let inner = error.inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return ApiError::MalformedJson(inner.to_string());
        }
        let mut pointer = String::new();
        for segment in error.path().iter() {
            match segment {
                Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                Segment::Map { key } => pointer.push_str(&format!("/{}", escape_pointer(key))),
                Segment::Enum { variant } => pointer.push_str(&format!("/{}", escape_pointer(variant))),
                Segment::Unknown => {}
            }
        }
        let message = without_position(&inner.to_string());
        // serde reports a missing field at its parent; point at the field.
        if let Some(field) = message.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`')) {
            pointer.push_str(&format!("/{}", escape_pointer(field)));
        }
        ApiError::Validation(vec![InvalidField::at(pointer, message)])
    })?;
    // Anything after the value (`{} {}`) is a syntax error too.
    deserializer.end().map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    Ok(value)
}

/// serde_json appends " at line L column C", useless once we give a pointer.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Flattens `validator` errors into pointed field errors.
pub fn invalid_fields(errors: &ValidationErrors, prefix: &str) -> Vec<InvalidField> {
    let mut fields = Vec::new();
    let mut entries: Vec<_> = errors.errors().iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (field, kind) in entries {
        let pointer = format!("{prefix}/{}", escape_pointer(field));
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let message = error.message.as_ref().map_or_else(|| describe(error), ToString::to_string);
                    fields.push(InvalidField::at(pointer.clone(), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => fields.extend(invalid_fields(inner, &pointer)),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    fields.extend(invalid_fields(inner, &format!("{pointer}/{index}")));
                }
            }
        }
    }
    fields
}

fn describe(error: &validator::ValidationError) -> String {
    let bound = |name: &str| error.params.get(name).map(ToString::to_string);
    match error.code.as_ref() {
        "length" => match (bound("min"), bound("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            (None, None) => "has an invalid length".to_owned(),
        },
        "email" => "must be an e-mail address".to_owned(),
        code => format!("is invalid ({code})"),
    }
}

/// For `#[serde(deserialize_with)]` on `Option` fields of PATCH bodies: an
/// absent field is `None` (with `#[serde(default)]`), a present one must not
/// be `null`.
pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// For `#[serde(deserialize_with)]` on optional integer fields (with
/// `#[serde(default)]`): absent is `None`, `null` is refused, and `42.0`
/// counts as 42 as in [`integer`].
pub fn present_integer<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    integer(deserializer).map(Some)
}

/// For `#[serde(deserialize_with)]` on a nested object: serde reads a
/// struct from an array too (its fields by position), which the contract
/// does not allow, so anything but an object is refused.
pub fn object<'de, D: serde::Deserializer<'de>, T: DeserializeOwned>(deserializer: D) -> Result<T, D::Error> {
    use serde::de::Error;
    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
    if !value.is_object() {
        return Err(D::Error::custom(format!("must be a JSON object, not {}", json_kind(&value))));
    }
    serde_json::from_value(value).map_err(D::Error::custom)
}

/// [`object`] for an optional field (with `#[serde(default)]`): absent or
/// `null` is `None`.
pub fn optional_object<'de, D: serde::Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
    if value.is_null() { Ok(None) } else { object(value).map(Some).map_err(serde::de::Error::custom) }
}

/// [`object`] for a PATCH field (with `#[serde(default)]`): absent is
/// `None`, `null` is refused.
pub fn present_object<'de, D: serde::Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    object(deserializer).map(Some)
}

/// [`object`] for a field whose `null` means something (with
/// `#[serde(default)]`): absent is `None`, `null` is `Some(None)`.
pub fn nullable_object<'de, D: serde::Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
    if value.is_null() {
        Ok(Some(None))
    } else {
        object(value).map(|v| Some(Some(v))).map_err(serde::de::Error::custom)
    }
}

/// [`object`] for every item of an array.
pub fn objects<'de, D: serde::Deserializer<'de>, T: DeserializeOwned>(deserializer: D) -> Result<Vec<T>, D::Error> {
    let items = <Vec<serde_json::Value> as serde::Deserialize>::deserialize(deserializer)?;
    items.into_iter().map(|item| object(item).map_err(serde::de::Error::custom)).collect()
}

/// [`objects`] for a PATCH field (with `#[serde(default)]`).
pub fn present_objects<'de, D: serde::Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Option<Vec<T>>, D::Error> {
    objects(deserializer).map(Some)
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// For `#[serde(deserialize_with)]` on clearable fields of PATCH bodies (with
/// `#[serde(default)]`): absent is `None` (leave as is), `null` is
/// `Some(None)` (clear), a value is `Some(Some(value))`.
pub fn nullable<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// For `#[serde(deserialize_with)]` on clearable integer fields of PATCH
/// bodies: as [`nullable`], with numbers read as in [`integer`].
pub fn nullable_integer<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<i64>>, D::Error> {
    match <Option<serde_json::Number> as serde::Deserialize>::deserialize(deserializer)? {
        None => Ok(Some(None)),
        Some(number) => {
            integer(serde_json::Value::Number(number)).map(|n| Some(Some(n))).map_err(serde::de::Error::custom)
        }
    }
}

/// For `#[serde(deserialize_with)]` on integer fields: JSON Schema counts
/// `42.0` as the integer 42, so it is accepted; `42.5` is not an integer.
pub fn integer<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let number = <serde_json::Number as serde::Deserialize>::deserialize(deserializer)?;
    if let Some(value) = number.as_i64() {
        return Ok(value);
    }
    match number.as_f64() {
        Some(value) if value.fract() == 0.0 && value.abs() < 9.0e15 => Ok(value as i64),
        _ => Err(serde::de::Error::custom(format!("expected an integer, got {number}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        tags: Vec<String>,
    }

    fn pointer_of(error: ApiError) -> Option<String> {
        match error {
            ApiError::Validation(fields) => fields.into_iter().next().and_then(|f| f.pointer),
            _ => None,
        }
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        assert!(matches!(parse::<Sample>(b"{\"name\":"), Err(ApiError::MalformedJson(_))));
        assert!(matches!(parse::<Sample>(br#"{"name":"a","tags":[]} {}"#), Err(ApiError::MalformedJson(_))));
    }

    #[test]
    fn shape_errors_point_at_the_field() {
        let wrong_type = parse::<Sample>(br#"{"name":"a","tags":["x",1]}"#).err();
        assert_eq!(wrong_type.and_then(pointer_of).as_deref(), Some("/tags/1"));
        let missing = parse::<Sample>(br#"{"tags":[]}"#).err();
        assert_eq!(missing.and_then(pointer_of).as_deref(), Some("/name"));
        let unknown = parse::<Sample>(br#"{"name":"a","tags":[],"msp_id":"x"}"#).err();
        assert_eq!(unknown.and_then(pointer_of).as_deref(), Some("/msp_id"));
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused_at_its_root() {
        // serde alone would read the struct from the array.
        for body in [&br#"["a", []]"#[..], b" []", b"\"a\"", b"null", b"3"] {
            let refused = parse::<Sample>(body).err();
            assert_eq!(refused.and_then(pointer_of).as_deref(), Some(""), "{}", String::from_utf8_lossy(body));
        }
    }
}
