//! Who is calling: the extractor that turns `Authorization: Bearer …` into a
//! [`Caller`] — an admin, an API key, an admin in a customer session, or a
//! platform operator — and the audit identity of that caller.
//!
//! Besides the credential itself, every request checks storage: the admin
//! still exists and is not disabled, the session was not ended, the key was
//! not revoked. So logout, disabling and revocation take effect at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::{DateTime, Utc};
use domain::access::{Action, ExtraPermissions, Permissions, Principal, Scopes};
use domain::audit::ActorType;
use domain::audit::AuditAction;
use persistence::admins::AdminRecord;
use persistence::audit::AuditEventRecord;

use crate::auth::api_key_secrets;
use crate::auth::refresh_tokens::storage_hash;
use crate::auth::tokens::TokenKind;
use crate::db;
use crate::error::ApiError;
use crate::problems::ProblemCode;
use crate::request_id::RequestId;
use crate::state::AppState;

/// Who made a change, as the audit log records it.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Kind of caller.
    pub actor_type: ActorType,
    /// Admin, key or operator id (for impersonation: the admin).
    pub id: String,
    /// E-mail, or key prefix and name.
    pub label: String,
    /// For impersonation: the customer acted in.
    pub impersonated_customer_id: Option<String>,
}

/// The credential behind the request, for signing out.
#[derive(Debug, Clone)]
pub enum Credential {
    /// An admin's sign-in session (refresh-token family).
    AdminSession {
        /// Family id.
        family_id: String,
    },
    /// A customer session.
    CustomerSession {
        /// Session id.
        session_id: String,
    },
    /// An API key.
    ApiKey,
    /// An operator's token.
    Operator,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// What the caller may do (see `domain::access`).
    pub principal: Principal,
    /// The caller's MSP; `None` for operators.
    pub msp_id: Option<String>,
    /// The admin behind the call (admins and customer sessions).
    pub admin_id: Option<String>,
    /// Who the audit log names.
    pub actor: Actor,
    /// The credential used.
    pub credential: Credential,
    /// `X-Request-Id` of this request.
    pub request_id: Option<String>,
    /// The client's address.
    pub client_addr: Option<String>,
}

impl Caller {
    /// The admin of `admin` as the author of a change made without a bearer
    /// token (setting a password from an e-mailed link).
    pub fn from_admin_link(admin: &AdminRecord, req: &HttpRequest) -> Result<Self, ApiError> {
        Ok(Self {
            principal: Principal::Admin(admin_permissions(admin)?),
            msp_id: Some(admin.msp_id.clone()),
            admin_id: Some(admin.id.clone()),
            actor: Actor {
                actor_type: ActorType::Admin,
                id: admin.id.clone(),
                label: admin.email.clone(),
                impersonated_customer_id: None,
            },
            credential: Credential::AdminSession { family_id: String::new() },
            request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
            client_addr: crate::client_address::of(req),
        })
    }

    /// Checks `action` against `domain::access` and returns the MSP it is
    /// scoped to.
    pub fn authorize(&self, action: Action<'_>) -> Result<&str, ApiError> {
        domain::access::authorize(&self.principal, action)?;
        self.msp_id.as_deref().ok_or(ApiError::Forbidden { permission: "msp_admin" })
    }

    /// The admin behind the call, for actions only a signed-in person takes
    /// (an API key or an operator is refused).
    pub fn person_id(&self) -> Result<String, ApiError> {
        self.admin_id.clone().ok_or(ApiError::Forbidden { permission: "signed_in_person" })
    }

    /// Checks a platform action.
    pub fn authorize_platform(&self) -> Result<(), ApiError> {
        domain::access::authorize(&self.principal, Action::OperatePlatform).map_err(ApiError::from)
    }

    /// Writes the audit event of this caller's change, in the transaction
    /// `tx` of the change itself.
    pub fn record(
        &self,
        tx: &mut persistence::DbConnection,
        event: AuditEvent<'_>,
    ) -> Result<(), persistence::StoreError> {
        persistence::audit::insert(tx, &event.by(&self.actor, self.request_id.as_deref(), self.client_addr.as_deref()))
    }
}

/// A change, as the audit log records it, before its author is known:
/// `AuditEvent::new(msp, action, target, at).before(&old).after(&new)`.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    /// The MSP.
    pub msp_id: &'a str,
    /// What was done; it also names the kind of thing changed.
    pub action: AuditAction,
    /// Its id.
    pub target_id: &'a str,
    /// Its state before.
    pub before: Option<serde_json::Value>,
    /// Its state after.
    pub after: Option<serde_json::Value>,
    /// When.
    pub at: DateTime<Utc>,
}

impl<'a> AuditEvent<'a> {
    /// An event with no state recorded yet.
    pub fn new(msp_id: &'a str, action: AuditAction, target_id: &'a str, at: DateTime<Utc>) -> Self {
        Self { msp_id, action, target_id, before: None, after: None, at }
    }

    /// Records `state` as the target's state before the change.
    #[must_use]
    pub fn before(mut self, state: &impl serde::Serialize) -> Self {
        self.before = Some(audit_state(state));
        self
    }

    /// Records `state` as the target's state after the change.
    #[must_use]
    pub fn after(mut self, state: &impl serde::Serialize) -> Self {
        self.after = Some(audit_state(state));
        self
    }

    /// Records a state before the change that may not exist (a creation).
    #[must_use]
    pub fn with_before(mut self, state: Option<serde_json::Value>) -> Self {
        self.before = state;
        self
    }

    /// Records both states, either of which may not exist.
    #[must_use]
    pub fn with_states(mut self, before: Option<serde_json::Value>, after: Option<serde_json::Value>) -> Self {
        self.before = before;
        self.after = after;
        self
    }

    /// The record of this change made by `actor`.
    pub fn by(&self, actor: &Actor, request_id: Option<&str>, client_addr: Option<&str>) -> AuditEventRecord {
        AuditEventRecord {
            id: persistence::new_id(),
            msp_id: self.msp_id.to_owned(),
            occurred_at: self.at.naive_utc(),
            actor_type: actor.actor_type.as_str().to_owned(),
            actor_id: actor.id.clone(),
            actor_label: actor.label.clone(),
            impersonated_customer_id: actor.impersonated_customer_id.clone(),
            action: self.action.as_str().to_owned(),
            target_type: self.action.target_type().to_owned(),
            target_id: self.target_id.to_owned(),
            before_state: self.before.as_ref().map(serde_json::Value::to_string),
            after_state: self.after.as_ref().map(serde_json::Value::to_string),
            request_id: request_id.map(str::to_owned),
            client_addr: client_addr.map(str::to_owned),
        }
    }
}

const INVALID_TOKEN: &str = "The access token is invalid, expired or revoked; sign in again.";
const INVALID_KEY: &str = "The API key is invalid, expired or revoked.";

fn unauthenticated(code: ProblemCode, detail: &'static str, reason: impl Into<String>) -> ApiError {
    ApiError::Unauthenticated { code, detail, reason: reason.into() }
}

/// The permissions an admin record holds now.
pub fn admin_permissions(admin: &AdminRecord) -> Result<Permissions, ApiError> {
    let role = admin.role;
    let extras = ExtraPermissions::from_stored(&admin.permissions).map_err(ApiError::internal)?;
    Ok(Permissions::of_admin(role, &extras))
}

fn admin_is_active(admin: &AdminRecord) -> bool {
    domain::sessions::admin_may_act(admin.disabled_at.map(|t| t.and_utc()))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        // Authenticated already on the way in (`Idempotency-Key`).
        if let Some(caller) = req.extensions().get::<Self>().cloned() {
            return Box::pin(async move { Ok(caller) });
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
        let client_addr = crate::client_address::of(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token?;
            let (principal, msp_id, admin_id, actor, credential) = if api_key_secrets::looks_like_api_key(&token) {
                authenticate_api_key(&state, token).await?
            } else {
                authenticate_jwt(&state, &token).await?
            };
            Ok(Self { principal, msp_id, admin_id, actor, credential, request_id, client_addr })
        })
    }
}

type Authenticated = (Principal, Option<String>, Option<String>, Actor, Credential);

async fn authenticate_api_key(state: &AppState, token: String) -> Result<Authenticated, ApiError> {
    let Some(prefix) = api_key_secrets::prefix_of(&token).map(str::to_owned) else {
        return Err(unauthenticated(ProblemCode::InvalidApiKey, INVALID_KEY, "malformed API key"));
    };
    let at = state.now();
    let found = db::run(&state.pool, move |conn| {
        let found = persistence::api_keys::find_usable(conn, &prefix, at)?;
        if let Some((key, _)) = &found
            && key.secret_hash == storage_hash(&token)
        {
            persistence::api_keys::touch(conn, &key.msp_id, &key.id, at)?;
            return Ok(found);
        }
        Ok(None)
    })
    .await?;
    let Some((key, creator)) = found else {
        return Err(unauthenticated(ProblemCode::InvalidApiKey, INVALID_KEY, "unknown, revoked or expired API key"));
    };
    if !admin_is_active(&creator) {
        return Err(unauthenticated(ProblemCode::InvalidApiKey, INVALID_KEY, "the key's creator is disabled"));
    }
    let scopes = Scopes::from_stored(&key.scopes).map_err(ApiError::internal)?;
    let principal = Principal::ApiKey(Permissions::of_api_key(&scopes, &admin_permissions(&creator)?));
    let actor = Actor {
        actor_type: ActorType::ApiKey,
        id: key.id.clone(),
        label: format!("{} ({})", key.prefix, key.name),
        impersonated_customer_id: None,
    };
    Ok((principal, Some(key.msp_id), None, actor, Credential::ApiKey))
}

async fn authenticate_jwt(state: &AppState, token: &str) -> Result<Authenticated, ApiError> {
    let claims = state
        .tokens
        .verify(token, state.now())
        .map_err(|e| unauthenticated(ProblemCode::InvalidToken, INVALID_TOKEN, format!("jwt rejected: {e}")))?;
    let at = state.now();
    match claims.typ {
        TokenKind::Admin => {
            let (msp, sub, sid) = (claims.msp.clone(), claims.sub.clone(), claims.sid.clone());
            let admin = db::run(&state.pool, move |conn| {
                Ok(persistence::sessions::find_session_admin(conn, &msp, &sub, &sid)?)
            })
            .await?;
            let admin = admin.filter(admin_is_active).ok_or_else(|| {
                unauthenticated(ProblemCode::InvalidToken, INVALID_TOKEN, "admin gone, disabled or session revoked")
            })?;
            let actor = Actor {
                actor_type: ActorType::Admin,
                id: admin.id.clone(),
                label: admin.email.clone(),
                impersonated_customer_id: None,
            };
            Ok((
                Principal::Admin(admin_permissions(&admin)?),
                Some(admin.msp_id),
                Some(admin.id),
                actor,
                Credential::AdminSession { family_id: claims.sid },
            ))
        }
        TokenKind::CustomerSession => {
            let (msp, sid) = (claims.msp.clone(), claims.sid.clone());
            let found = db::run(&state.pool, move |conn| {
                Ok(persistence::customer_sessions::find_active(conn, &msp, &sid, at)?)
            })
            .await?;
            let (session, admin) = found
                .filter(|(session, admin)| admin_is_active(admin) && session.admin_id == claims.sub)
                .ok_or_else(|| {
                    unauthenticated(
                        ProblemCode::InvalidToken,
                        INVALID_TOKEN,
                        "customer session ended or admin disabled",
                    )
                })?;
            let actor = Actor {
                actor_type: ActorType::Impersonation,
                id: admin.id.clone(),
                label: admin.email.clone(),
                impersonated_customer_id: Some(session.customer_id.clone()),
            };
            Ok((
                Principal::CustomerSession { customer_id: session.customer_id },
                Some(session.msp_id),
                Some(admin.id),
                actor,
                Credential::CustomerSession { session_id: session.id },
            ))
        }
        TokenKind::Operator => {
            let sub = claims.sub.clone();
            let operator = db::run(&state.pool, move |conn| Ok(persistence::operators::find(conn, &sub)?)).await?;
            let operator = operator.filter(|o| o.disabled_at.is_none()).ok_or_else(|| {
                unauthenticated(ProblemCode::InvalidToken, INVALID_TOKEN, "operator gone or disabled")
            })?;
            let actor = Actor {
                actor_type: ActorType::Operator,
                id: operator.id,
                label: operator.email,
                impersonated_customer_id: None,
            };
            Ok((Principal::Operator, None, None, actor, Credential::Operator))
        }
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(unauthenticated(
            ProblemCode::MissingCredentials,
            "This route needs an Authorization: Bearer <access token or API key> header.",
            "no Authorization header",
        ));
    };
    let value = value.to_str().unwrap_or_default();
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim().to_owned())
        }
        _ => Err(unauthenticated(
            ProblemCode::InvalidCredentialsFormat,
            "The Authorization header must be: Bearer <access token or API key>.",
            "malformed Authorization header",
        )),
    }
}

/// The JSON the audit log keeps of a resource (`before` / `after`): its API
/// representation.
pub fn audit_state<T: serde::Serialize>(resource: &T) -> serde_json::Value {
    serde_json::to_value(resource).unwrap_or_default()
}
