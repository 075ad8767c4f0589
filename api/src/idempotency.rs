//! `Idempotency-Key` on every authenticated `POST` (IETF httpapi draft):
//! the first request with a key runs and its answer — status, headers and
//! body — is kept for 24 hours, per credential; a retry with the same key and
//! the same request gets that answer again with `Idempotent-Replayed: true`
//! instead of a second order or customer. The same key for a different
//! request is a 422, a retry while the first still runs a 409. The rules
//! (keys, lifetimes, which answers are kept) are `domain::idempotency`'s; the
//! hold on a key is one SQL statement (`persistence::idempotency`), so the
//! guarantee holds across server processes.
//!
//! Requests without the header, other methods, and requests without a valid
//! credential (they are answered 401 by the operation) pass through.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpResponse, ResponseError, web};
use domain::idempotency::{IN_FLIGHT_LEASE, IdempotencyKey, KEY_LIFETIME, answer_is_kept, forbids_storing, new_holder};
use persistence::idempotency::{KeptAnswer, KeyHold, KeyRequest};
use sha2::{Digest, Sha256};

use crate::auth::{Caller, Credential};
use crate::db;
use crate::error::ApiError;
use crate::json::{BodyLimit, declared_length};
use crate::problems::ProblemCode;
use crate::state::AppState;

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The header a replayed answer carries.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// The largest body any `POST` accepts by its own limit (the account
/// import's CSV): the body is read here to fingerprint it, then handed on to
/// the operation, which applies its own limit. A body declared larger than
/// every limit is left to the operation to refuse.
const LARGEST_OWN_LIMIT: usize = crate::services::account_import::MAX_BYTES;

/// Headers of an answer that belong to one response, not to the answer.
const NOT_KEPT: [HeaderName; 4] = [header::CONTENT_LENGTH, header::TRANSFER_ENCODING, header::DATE, header::CONNECTION];

/// Makes `POST`s with an `Idempotency-Key` idempotent.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(raw_key) = req.headers().get(IDEMPOTENCY_KEY).cloned().filter(|_| req.method() == Method::POST) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let limit = req.app_data::<web::Data<BodyLimit>>().map_or(LARGEST_OWN_LIMIT, |l| l.0.max(LARGEST_OWN_LIMIT));
    if declared_length(req.headers()).is_some_and(|length| length > limit) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let (http_req, mut payload) = req.into_parts();
    // No credential, no scope to keep an answer in: the operation answers
    // (a 401, or sign-in, which ignores the header).
    let Ok(caller) = Caller::extract(&http_req).await else {
        let req = ServiceRequest::from_parts(http_req, payload);
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let Some(key) = raw_key.to_str().ok().and_then(|raw| IdempotencyKey::parse(raw).ok()) else {
        let detail = "Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces or quotes), such as a UUID."
            .to_owned();
        let error = ApiError::BadRequest { code: ProblemCode::InvalidIdempotencyKey, detail };
        return Ok(ServiceResponse::new(http_req, HttpResponse::from_error(error)));
    };
    let body = match crate::json::read_body(&mut payload, limit, |e| ApiError::BadRequest {
        code: ProblemCode::UnreadableBody,
        detail: format!("The body could not be read ({e})."),
    })
    .await
    {
        Ok(body) => body.freeze(),
        Err(error) => return Ok(ServiceResponse::new(http_req, HttpResponse::from_error(error))),
    };
    let scope = scope_of(&caller);
    let fingerprint = fingerprint(&http_req, &body);
    // The operation authenticates from this instead of a second lookup.
    http_req.extensions_mut().insert(caller);
    let now = state.now();
    let holder = new_holder(rand::random());
    let request = OwnedKeyRequest { scope, key: key.as_str().to_owned(), fingerprint, holder, now };
    let hold = {
        let request = request.clone();
        db::write(&state.pool, move |conn| Ok(persistence::idempotency::hold(conn, &request.borrowed())?)).await
    };
    let hold = match hold {
        Ok(hold) => hold,
        Err(error) => return Ok(ServiceResponse::new(http_req, HttpResponse::from_error(error))),
    };
    match hold {
        KeyHold::Taken => {
            let req = ServiceRequest::from_parts(http_req, body_stream(body));
            // On a task of its own: a client that hangs up does not stop the
            // operation half-way, and its answer is still kept for the retry.
            let task = actix_web::rt::spawn(run_and_keep(next, req, state, request));
            match task.await {
                Ok(answered) => answered,
                // The operation panicked, perhaps after its work was stored:
                // the key stays held until its hold lapses rather than let a
                // retry run it twice. (The request went with the task, so
                // the error is actix's to answer.)
                Err(failed) => Err(ApiError::internal(format!("idempotent request task: {failed}")).into()),
            }
        }
        KeyHold::InFlight => {
            let detail = "A request with this Idempotency-Key is still running; retry shortly.".to_owned();
            let mut response =
                ApiError::Conflict { code: ProblemCode::IdempotencyKeyInFlight, detail }.error_response();
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            Ok(ServiceResponse::new(http_req, response))
        }
        KeyHold::OtherRequest => {
            let detail = "This Idempotency-Key was used within the last 24 hours for a different request \
                          (method, path or body); use a new key for a new request."
                .to_owned();
            let error = ApiError::Unprocessable { code: ProblemCode::IdempotencyKeyReused, detail };
            Ok(ServiceResponse::new(http_req, HttpResponse::from_error(error)))
        }
        KeyHold::Answered(answer) => Ok(ServiceResponse::new(http_req, replay(&answer))),
    }
}

/// Runs the operation; keeps its answer when the rules say so, else gives
/// the key back so that a retry runs afresh.
async fn run_and_keep<B: MessageBody + 'static>(
    next: Next<B>,
    req: ServiceRequest,
    state: web::Data<AppState>,
    request: OwnedKeyRequest,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let answered = next.call(req).await;
    let response = match answered {
        Ok(response) if answer_is_kept(response.status().as_u16(), marked_no_store(response.headers())) => response,
        other => {
            give_back(&state, &request).await;
            return other.map(ServiceResponse::map_into_boxed_body);
        }
    };
    let (http_req, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let body = match actix_web::body::to_bytes(body).await {
        Ok(body) => body,
        // The operation ran but its answer is lost: the key stays held until
        // its hold lapses rather than let a retry run it twice.
        Err(error) => {
            let error = ApiError::internal(format!("reading the answer to keep: {}", error.into()));
            return Ok(ServiceResponse::new(http_req, HttpResponse::from_error(error)));
        }
    };
    let answer = KeptAnswer {
        status: head.status().as_u16(),
        headers: head
            .headers()
            .iter()
            .filter(|(name, _)| !NOT_KEPT.contains(name))
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
            .collect(),
        body: body.to_vec(),
    };
    let (scope, key, holder) = (request.scope.clone(), request.key.clone(), request.holder.clone());
    let kept = db::write(&state.pool, move |conn| {
        Ok(persistence::idempotency::keep_answer(conn, &scope, &key, &holder, &answer)?)
    });
    if let Err(error) = kept.await {
        // The operation's work stands; only a retry would not be recognised.
        log::error!("idempotency: the answer to key {:?} could not be kept: {error:?}", request.key);
    }
    Ok(ServiceResponse::new(http_req, head.set_body(BoxBody::new(body))))
}

async fn give_back(state: &AppState, request: &OwnedKeyRequest) {
    let (scope, key, holder) = (request.scope.clone(), request.key.clone(), request.holder.clone());
    if let Err(error) =
        db::write(&state.pool, move |conn| Ok(persistence::idempotency::release(conn, &scope, &key, &holder)?)).await
    {
        log::error!("idempotency: key {:?} could not be given back: {error:?}", request.key);
    }
}

/// The kept answer, sent again.
fn replay(answer: &KeptAnswer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in &answer.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_str(value)) {
            response.append_header((name, value));
        }
    }
    response.insert_header((HeaderName::from_static(IDEMPOTENT_REPLAYED), HeaderValue::from_static("true")));
    response.body(answer.body.clone())
}

/// Whose keys these are: a key is one caller's, so two callers never see
/// each other's answers. An admin's keys span their sessions (a retry after
/// signing in again is recognised); a customer session's and an API key's
/// are their own.
pub fn scope_of(caller: &Caller) -> String {
    match &caller.credential {
        Credential::AdminSession { .. } => format!("admin:{}", caller.actor.id),
        Credential::CustomerSession { session_id } => format!("customer-session:{session_id}"),
        Credential::ApiKey => format!("api-key:{}", caller.actor.id),
        Credential::Operator => format!("operator:{}", caller.actor.id),
    }
}

/// What the request asks, hashed: method, path and query, content type and
/// body. A retry must send the same bytes.
fn fingerprint(req: &actix_web::HttpRequest, body: &[u8]) -> String {
    let content_type = req.headers().get(header::CONTENT_TYPE).map(HeaderValue::as_bytes).unwrap_or_default();
    let mut hash = Sha256::new();
    for part in [req.method().as_str().as_bytes(), req.uri().to_string().as_bytes(), content_type] {
        hash.update(part.len().to_be_bytes());
        hash.update(part);
    }
    hash.update(body);
    format!("{:x}", hash.finalize())
}

/// The body, read, as the payload the operation reads.
fn body_stream(body: web::Bytes) -> Payload {
    let stream: std::pin::Pin<Box<dyn futures_util::Stream<Item = _>>> =
        Box::pin(futures_util::stream::once(std::future::ready(Ok(body))));
    Payload::Stream { payload: stream }
}

/// Whether the operation marked its answer not to be stored (it carries a
/// secret): `Cache-Control: no-store` set by the operation itself (the
/// blanket one for authenticated answers is added outside this middleware).
fn marked_no_store(headers: &actix_web::http::header::HeaderMap) -> bool {
    headers.get_all(header::CACHE_CONTROL).filter_map(|v| v.to_str().ok()).any(forbids_storing)
}

/// A [`KeyRequest`] that can move to the blocking pool.
#[derive(Debug, Clone)]
struct OwnedKeyRequest {
    scope: String,
    key: String,
    fingerprint: String,
    holder: String,
    now: chrono::DateTime<chrono::Utc>,
}

impl OwnedKeyRequest {
    fn borrowed(&self) -> KeyRequest<'_> {
        KeyRequest {
            scope: &self.scope,
            key: &self.key,
            fingerprint: &self.fingerprint,
            holder: &self.holder,
            now: self.now,
            lease_until: self.now + IN_FLIGHT_LEASE,
            expires_at: self.now + KEY_LIFETIME,
        }
    }
}

/// Says in the contract what a secured `POST` does with `Idempotency-Key`:
/// the header parameter, the refusals it can bring (400, 409, 422), and the
/// `Idempotent-Replayed` header of a replayed answer.
pub fn document(operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{Ref, RefOr, Required};
    if operation.security.as_ref().is_none_or(|s| s.is_empty()) {
        return;
    }
    let key = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retry safe (IETF httpapi draft): the first request with a key runs, and its answer (status, \
             headers, body) is kept for 24 hours per credential and sent again, with `Idempotent-Replayed: true`, \
             to a retry with the same key, method, path, query and body. The same key for a different request is \
             a 422 `idempotency_key_reused`; a retry while the first still runs is a 409 \
             `idempotency_key_in_flight` with `Retry-After`. Answers 401, 403, 429 and 5xx are not kept (a retry \
             after them runs afresh), nor answers with a secret, marked `Cache-Control: no-store` (a retry makes \
             a new one). Send a new UUID for every new request.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(domain::idempotency::MAX_KEY_LENGTH))
                .pattern(Some(domain::idempotency::KEY_PATTERN)),
        ))
        .build();
    operation.parameters.get_or_insert_with(Vec::new).push(key);
    for (status, response) in [("400", "BadRequest"), ("409", "Conflict"), ("422", "UnprocessableEntity")] {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(response)));
    }
    let replayed = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["true"])))
        .description(Some("`true` when this is the kept answer to an earlier request with the same `Idempotency-Key`."))
        .build();
    for (status, response) in &mut operation.responses.responses {
        if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
            response.headers.insert("Idempotent-Replayed".to_owned(), replayed.clone());
        }
    }
}
