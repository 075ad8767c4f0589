//! Responses to authenticated requests are private to their caller: unless
//! a route chose its own caching (the logo's `private, no-cache` with an
//! `ETag`), they carry `Cache-Control: no-store`, so that no shared cache or
//! browser history keeps one caller's data for another.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, HeaderValue};
use actix_web::middleware::Next;

/// Adds `Cache-Control: no-store` to the responses of requests that carry
/// credentials.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let authenticated = req.headers().contains_key(AUTHORIZATION);
    let mut response = next.call(req).await?;
    if authenticated && !response.headers().contains_key(CACHE_CONTROL) {
        response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}
