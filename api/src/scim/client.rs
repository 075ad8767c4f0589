//! Who is calling a customer's SCIM base URL: its identity provider, holding
//! the customer's SCIM token. A token works only on its own customer's URL;
//! anything else is a 401 that does not say whether the customer exists.
//! Every authenticated request is recorded as the customer's last success or
//! last failure, for its provisioning status.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use domain::audit::ActorType;
use persistence::scim_connections::{self, ScimConnectionRecord};

use super::error::ScimError;
use super::wire;
use crate::auth::refresh_tokens::storage_hash;
use crate::auth::{Actor, AuditEvent};
use crate::request_id::RequestId;
use crate::state::AppState;

/// How every SCIM token starts, so that secret scanners can tell it.
pub const TOKEN_MARKER: &str = "mscim_";

/// The label SCIM changes carry in the audit log and status histories.
pub const SCIM_LABEL: &str = "SCIM provisioning";

/// A request authenticated with a customer's SCIM token.
#[derive(Debug, Clone)]
pub struct ScimClient {
    /// The customer's MSP.
    pub msp_id: String,
    /// The customer.
    pub customer_id: String,
    /// The customer's SCIM base URL as the client reached it.
    pub base_url: String,
    request_id: Option<String>,
    client_addr: Option<String>,
}

/// Marks a request as authenticated for the customer, for the recording.
#[derive(Debug, Clone)]
struct Authenticated(String);

impl ScimClient {
    /// The audit log's author of SCIM changes.
    pub fn actor(&self) -> Actor {
        Actor {
            actor_type: ActorType::Scim,
            id: self.customer_id.clone(),
            label: SCIM_LABEL.to_owned(),
            impersonated_customer_id: None,
        }
    }

    /// Writes the audit event of a change, in its transaction.
    pub fn record(
        &self,
        tx: &mut persistence::DbConnection,
        event: AuditEvent<'_>,
    ) -> Result<(), persistence::StoreError> {
        persistence::audit::insert(
            tx,
            &event.by(&self.actor(), self.request_id.as_deref(), self.client_addr.as_deref()),
        )
    }

    /// The URL of a resource.
    pub fn location(&self, endpoint: &str, id: &str) -> String {
        format!("{}/{endpoint}/{id}", self.base_url)
    }
}

fn presented_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim().to_owned())
}

fn token_matches(connection: &ScimConnectionRecord, token: &str) -> bool {
    // Compared without an early exit, so timing tells nothing of the hash.
    let (presented, stored) = (storage_hash(token), connection.token_hash.as_bytes());
    presented.len() == stored.len() && presented.bytes().zip(stored).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

impl FromRequest for ScimClient {
    type Error = ScimError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ScimError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req.app_data::<web::Data<AppState>>().cloned().ok_or_else(ScimError::unauthorized)?;
            let customer_id = req
                .match_info()
                .get("customer_id")
                .filter(|id| uuid::Uuid::parse_str(id).is_ok())
                .map(str::to_owned)
                .ok_or_else(ScimError::unauthorized)?;
            let token = presented_token(&req).ok_or_else(ScimError::unauthorized)?;
            let id = customer_id.clone();
            let connection = wire::run(&state.pool, move |conn| Ok(scim_connections::of_customer(conn, &id)?)).await?;
            let connection = connection.filter(|c| token_matches(c, &token)).ok_or_else(ScimError::unauthorized)?;
            req.extensions_mut().insert(Authenticated(customer_id.clone()));
            Ok(Self {
                msp_id: connection.msp_id,
                base_url: wire::base_url(&req, &customer_id),
                customer_id,
                request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
                client_addr: crate::client_address::of(&req),
            })
        })
    }
}

/// Records the outcome of every authenticated SCIM request as the customer's
/// last success or last failure (with the error the identity provider got).
pub async fn record_outcome(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?.map_into_boxed_body();
    let customer = response.request().extensions().get::<Authenticated>().map(|a| a.0.clone());
    if let (Some(state), Some(customer_id)) = (state, customer) {
        let status = response.status();
        let failure = (status.is_client_error() || status.is_server_error()).then(|| {
            let detail = response
                .response()
                .error()
                .and_then(|e| e.as_error::<ScimError>())
                .map_or_else(|| status.to_string(), |e| e.detail.clone());
            (i32::from(status.as_u16()), detail)
        });
        let at = state.now().naive_utc();
        let recorded = wire::run(&state.pool, move |conn| {
            match failure {
                None => scim_connections::record_success(conn, &customer_id, at)?,
                Some((status, detail)) => scim_connections::record_failure(conn, &customer_id, at, status, &detail)?,
            }
            Ok(())
        })
        .await;
        if let Err(error) = recorded {
            log::warn!("could not record the outcome of a SCIM request: {error}");
        }
    }
    Ok(response)
}
