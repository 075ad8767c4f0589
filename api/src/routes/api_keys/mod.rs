//! API keys for integrations and scripts: created by an admin, shown once,
//! stored hashed, listed by prefix, revocable.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::{Action, Scope, Scopes};
use domain::api_keys::{ApiKeyName, check_expiry};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, FieldErrors};
use crate::json::ValidJson;
use crate::pagination::{Page, PageParams, cut_page, path_id};
use crate::resources::api_keys::{ApiKey, CreatedApiKey, ScopeName};
use crate::services::api_keys::{self, NewApiKey};
use crate::state::AppState;

pub(crate) const COLLECTION_PATH: &str = "/api/v1/api-keys";

/// A new API key.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// What it is for: 1-100 characters, no control characters, not blank (whitespace is tidied).
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "HaloPSA billing sync", min_length = 1, max_length = 100)]
    pub name: String,
    /// What it may do: `read`, `write` or both. A key never does more than its creator may.
    #[validate(length(min = 1, max = 2))]
    #[schema(min_items = 1, max_items = 2)]
    pub scopes: Vec<ScopeName>,
    /// When it stops working (must be in the future); none for a key that lasts until revoked.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Lists the MSP's API keys, oldest first (revoked keys are gone; the audit log keeps them).
///
/// Keys are shown with their name, prefix, scopes, creator, last use and expiry, never with their
/// secret. Pages hold 1-200 keys (default 50); follow `next_cursor` or the `Link` header.
#[utoipa::path(
    get, path = "/api/v1/api-keys", tag = "api-keys", operation_id = "listApiKeys",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of keys.", body = Page<ApiKey>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadApiKeys)?.to_owned();
    let (size, after) = params.read()?;
    let rows = db::run(&state.pool, move |conn| {
        Ok(persistence::api_keys::list(conn, &msp_id, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let mut page = cut_page(COLLECTION_PATH, size, rows, |r| &r.id);
    let items = page.items.into_iter().map(ApiKey::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}

/// Creates an API key; its secret is in this response only.
///
/// Only a signed-in admin can create a key, never another key. The key holds what its scopes give
/// (`read`, `write`), never more than its creator may do at the time of each request; `expires_at`,
/// if given, must be in the future. The creation is recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/api-keys", tag = "api-keys", operation_id = "createApiKey",
    security(("bearer_auth" = [])),
    request_body = CreateApiKey,
    responses(
        (status = 201, description = "Created; `secret` is shown only now.", body = CreatedApiKey,
            headers(("Location" = String, description = "URL of the new key."))),
    )
)]
pub async fn create_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateApiKey>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ManageApiKeys)?.to_owned();
    let admin_id = caller.person_id()?;
    let CreateApiKey { name, scopes, expires_at } = body.0;
    let at = state.now();
    let mut errors = FieldErrors::default();
    let name = errors.check("/name", ApiKeyName::parse(&name));
    let scopes = errors.check("/scopes", Scopes::of(scopes.into_iter().map(Scope::from)));
    let expires_at = errors.check("/expires_at", check_expiry(expires_at, at));
    let (name, scopes, expires_at) = errors.finish(name.zip(scopes).zip(expires_at).map(|((n, s), e)| (n, s, e)))?;
    let new = NewApiKey { created_by: admin_id, name, scopes, expires_at };
    let created = db::write(&state.pool, move |tx| Ok(api_keys::issue(tx, &caller, &msp_id, &new, at)?)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{COLLECTION_PATH}/{}", created.key.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(created))
}

/// Reads one API key (without its secret).
///
/// A revoked key, or one of another MSP, is a 404.
#[utoipa::path(
    get, path = "/api/v1/api-keys/{api_key_id}", tag = "api-keys", operation_id = "getApiKey",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("api_key_id" = uuid::Uuid, Path, description = "API key id.")),
    responses(
        (status = 200, description = "The key.", body = ApiKey),
    )
)]
pub async fn get_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadApiKeys)?.to_owned();
    let id = path_id(&path)?;
    let found = db::run(&state.pool, move |conn| Ok(persistence::api_keys::find(conn, &msp_id, &id)?)).await?;
    Ok(HttpResponse::Ok().json(ApiKey::from(found.ok_or(ApiError::NotFound)?)))
}

/// Revokes an API key.
///
/// It stops working at once and is gone from the API; the audit log keeps its record of the
/// revocation. Only a signed-in admin can revoke a key, never another key. A key already revoked is
/// a 404.
#[utoipa::path(
    delete, path = "/api/v1/api-keys/{api_key_id}", tag = "api-keys", operation_id = "revokeApiKey",
    security(("bearer_auth" = [])),
    params(("api_key_id" = uuid::Uuid, Path, description = "API key id.")),
    responses(
        (status = 204, description = "Revoked."),
    )
)]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ManageApiKeys)?.to_owned();
    let id = path_id(&path)?;
    let at = state.now();
    db::write(&state.pool, move |tx| Ok(api_keys::revoke(tx, &caller, &msp_id, &id, at)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(__path_list_api_keys, list_api_keys);
    ops.add(__path_create_api_key, create_api_key);
    ops.add(__path_get_api_key, get_api_key);
    ops.add(__path_revoke_api_key, revoke_api_key);
}
