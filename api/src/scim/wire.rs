//! The SCIM wire: `application/scim+json` bodies in and out, resource
//! versions as weak ETags, `meta`, and the base URL clients reached.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDateTime, SecondsFormat};
use persistence::{DbConnection, DbPool, StoreError};
use serde_json::{Map, Value};

use super::error::ScimError;
use crate::error::ApiError;
use crate::problems::ProblemCode;

/// Media type of SCIM bodies.
pub const SCIM_JSON: &str = "application/scim+json";

/// Largest request body accepted. A group with thousands of members fits.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// Runs `work` with a pooled connection on the blocking thread pool.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, ScimError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ScimError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get().map_err(StoreError::Unavailable)?;
        work(&mut conn)
    })
    .await?
}

/// The customer's SCIM base URL, as this client reached the server (behind
/// a trusted proxy, from its forwarding headers).
pub fn base_url(req: &HttpRequest, customer_id: &str) -> String {
    format!("{}/scim/v2/{customer_id}", crate::client_address::origin_of(req))
}

/// A JSON body of the SCIM media type.
pub fn scim_json(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON)))
        .body(body.to_string())
}

/// Reads a JSON request body: `application/scim+json`, `application/json`,
/// or no content type at all (some identity providers send none).
pub async fn read_json(req: &HttpRequest, mut payload: web::Payload) -> Result<Value, ScimError> {
    if let Some(content_type) = crate::json::content_type(req)
        && content_type != SCIM_JSON
        && content_type != "application/json"
    {
        return Err(ScimError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
            format!("Send the body as {SCIM_JSON} (or application/json), not {content_type}."),
        ));
    }
    let body = crate::json::read_body(&mut payload, MAX_BODY, |e| ApiError::BadRequest {
        code: ProblemCode::UnreadableBody,
        detail: format!("The request body could not be read: {e}."),
    })
    .await?;
    serde_json::from_slice(&body).map_err(|e| {
        ScimError::bad_request(domain::scim::ScimType::InvalidSyntax, format!("The body is not valid JSON: {e}."))
    })
}

/// The version of a rendered resource (without `meta`): a weak ETag that
/// changes whenever anything a client can read changes.
pub fn version_of(document: &Map<String, Value>) -> String {
    let hex = crate::auth::refresh_tokens::sha256_hex(Value::Object(document.clone()).to_string().as_bytes());
    format!("W/\"{}\"", &hex[..20])
}

fn timestamp(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Adds `meta` to a rendered resource; returns its version.
pub fn add_meta(
    document: &mut Map<String, Value>,
    resource_type: &str,
    created: NaiveDateTime,
    last_modified: NaiveDateTime,
    location: &str,
) -> String {
    let version = version_of(document);
    document.insert(
        "meta".to_owned(),
        serde_json::json!({
            "resourceType": resource_type,
            "created": timestamp(created),
            "lastModified": timestamp(last_modified),
            "location": location,
            "version": version,
        }),
    );
    version
}

fn tags(req: &HttpRequest, name: header::HeaderName) -> Vec<String> {
    req.headers()
        .get_all(name)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/").to_owned())
        .filter(|tag| !tag.is_empty())
        .collect()
}

/// The versions `If-Match` names; empty when it is absent.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Vec<String>);

impl IfMatch {
    /// Reads `If-Match`.
    pub fn of(req: &HttpRequest) -> Self {
        Self(tags(req, header::IF_MATCH))
    }

    /// Checks it against the current version (weakly: these are weak tags);
    /// 412 when it names another.
    pub fn check(&self, current: &str) -> Result<(), ScimError> {
        let current_tag = current.trim_start_matches("W/");
        if self.0.is_empty() || self.0.iter().any(|tag| tag == "*" || tag == current_tag) {
            Ok(())
        } else {
            Err(ScimError::stale(current))
        }
    }
}

/// Whether `If-None-Match` names the current version: a 304 will do.
pub fn not_modified(req: &HttpRequest, current: &str) -> bool {
    crate::versions::tag_not_modified(req, current)
}

/// A resource with its `ETag` (and `Location` when created).
pub fn resource(status: StatusCode, document: Map<String, Value>, version: &str) -> HttpResponse {
    let location =
        document.get("meta").and_then(|meta| meta.get("location")).and_then(Value::as_str).map(str::to_owned);
    let mut response = scim_json(status, &Value::Object(document));
    if let Ok(value) = HeaderValue::from_str(version) {
        response.headers_mut().insert(header::ETAG, value);
    }
    if status == StatusCode::CREATED
        && let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok())
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A 304 for a client whose copy is current.
pub fn unchanged(version: &str) -> HttpResponse {
    let mut response = HttpResponse::NotModified().finish();
    if let Ok(value) = HeaderValue::from_str(version) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// The query parameters, names compared case-insensitively (identity
/// providers disagree on `startIndex` vs `startindex`).
#[derive(Debug, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Reads the query string; a malformed one is a 400.
    pub fn of(req: &HttpRequest) -> Result<Self, ScimError> {
        serde_urlencoded::from_str(req.query_string()).map(Self).map_err(|e| {
            ScimError::bad_request(
                domain::scim::ScimType::InvalidSyntax,
                format!("The query string is malformed: {e}."),
            )
        })
    }

    /// The value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}
