//! `X-Request-Id` on every response, and the error log line that carries it.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

use crate::error::{ApiError, cause_chain};

/// The header carrying the request id.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Takes the client's `X-Request-Id` when it is a sane token (1–128 visible
/// characters out of `[A-Za-z0-9._:-]`), otherwise makes one; echoes it on the
/// response; and logs the full cause of every 5xx under it.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_acceptable(v))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    // Handler and extractor errors arrive here as responses (with the error
    // attached); cloning the request to build one ourselves would break
    // actix's routing, which needs sole ownership of it.
    let mut response = next.call(req).await?.map_into_boxed_body();
    if let Some(error) = response.response().error().filter(|_| response.status().is_server_error()) {
        let detail = match error.as_error::<ApiError>() {
            Some(api_error) => cause_chain(api_error),
            None => error.to_string(),
        };
        log::error!("request {id} failed: {detail}");
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    Ok(response)
}

fn is_acceptable(value: &str) -> bool {
    (1..=128).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::is_acceptable;

    #[test]
    fn only_sane_client_ids_are_echoed() {
        assert!(is_acceptable("3f1c-abc_DEF:1.2"));
        assert!(!is_acceptable(""));
        assert!(!is_acceptable("has space"));
        assert!(!is_acceptable("<script>"));
        assert!(!is_acceptable(&"a".repeat(129)));
    }
}
