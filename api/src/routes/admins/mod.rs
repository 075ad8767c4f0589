//! Admins of the caller's MSP. Only owners create, change, disable or delete
//! admins; every admin may list them. An MSP always keeps an active owner.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::{Action, ExtraPermission, ExtraPermissions};
use domain::admins::{AdminRole, INVITATION_TTL, extras_after};
use domain::email::EmailAddress;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{Caller, refresh_tokens};
use crate::db;
use crate::error::ApiError;
use crate::error::responses::Conflict;
use crate::json::ValidJson;
use crate::mail;
use crate::pagination::{Page, PageParams, cut_page, path_id};
use crate::resources::admins::{Admin, ExtraPermissionName, Role};
use crate::services::admins::{self as admins_service, owner_extras};
use crate::state::AppState;

pub(crate) const COLLECTION_PATH: &str = "/api/v1/admins";

pub(crate) fn extras_of(names: &[ExtraPermissionName]) -> ExtraPermissions {
    names.iter().map(|&name| ExtraPermission::from(name)).collect()
}

/// A new admin. They get a one-time link to set their password.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAdmin {
    /// Sign-in e-mail; unique across the platform.
    #[validate(length(min = 3, max = 254))]
    #[schema(example = "jane@northwind.example", min_length = 3, max_length = 254)]
    pub email: String,
    /// Owner or standard (default).
    #[serde(default = "standard_role")]
    pub role: Role,
    /// Extra permissions, for a standard admin only.
    #[serde(default)]
    #[validate(length(max = 2))]
    #[schema(max_items = 2)]
    pub permissions: Vec<ExtraPermissionName>,
    /// E-mail the invitation link now (default). With `false`, the link is in
    /// the response instead, for you to pass on.
    #[serde(default = "yes")]
    pub notify: bool,
}

pub(crate) fn standard_role() -> Role {
    Role::Standard
}

pub(crate) fn yes() -> bool {
    true
}

/// The invitation of a new admin.
#[derive(Debug, Serialize, ToSchema)]
pub struct Invitation {
    /// When the link stops working (72 hours after creation).
    pub expires_at: DateTime<Utc>,
    /// Whether it was e-mailed to the admin.
    pub emailed: bool,
    /// The link, only when it was not e-mailed (`notify: false`); shown once.
    pub set_password_url: Option<String>,
}

/// A created admin and their invitation.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedAdmin {
    /// The admin.
    pub admin: Admin,
    /// How they set their password.
    pub invitation: Invitation,
}

/// Changes to an admin; absent fields stay as they are.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAdmin {
    /// New role. Making an admin an owner clears their extras (owners hold every permission).
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub role: Option<Role>,
    /// New extras of a standard admin (replaces the list).
    #[serde(default, deserialize_with = "crate::json::present")]
    #[validate(length(max = 2))]
    #[schema(nullable = false, max_items = 2)]
    pub permissions: Option<Vec<ExtraPermissionName>>,
    /// `true` disables the admin (effective on their next request); `false` enables them again.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false)]
    pub disabled: Option<bool>,
}

/// Lists the MSP's admins, oldest first.
///
/// Each admin has their role, extras and status (`invited`, `active` or `disabled`). Every admin of
/// your MSP may list them, and so may an API key with the `read` scope. Pages hold 1-200 admins
/// (default 50); follow `next_cursor` or the `Link` header.
#[utoipa::path(
    get, path = "/api/v1/admins", tag = "admins", operation_id = "listAdmins",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of admins.", body = Page<Admin>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_admins(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadAdmins)?.to_owned();
    let (size, after) = params.read()?;
    let rows = db::run(&state.pool, move |conn| {
        Ok(persistence::admins::list(conn, &msp_id, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let mut page = cut_page(COLLECTION_PATH, size, rows, |r| &r.id);
    let items = page.items.into_iter().map(Admin::try_from).collect::<Result<Vec<_>, _>>()?;
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}

/// Invites an admin (owners only).
///
/// The admin is created without a password and gets a one-time link, valid
/// for 72 hours, to set one with `POST /api/v1/auth/set-password`.
#[utoipa::path(
    post, path = "/api/v1/admins", tag = "admins", operation_id = "createAdmin",
    security(("bearer_auth" = [])),
    request_body = CreateAdmin,
    responses(
        (status = 201, description = "Created and invited.", body = CreatedAdmin,
            headers(("Location" = String, description = "URL of the new admin."))),
        (status = 409, response = Conflict),
    )
)]
pub async fn create_admin(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateAdmin>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ManageAdmins)?.to_owned();
    let CreateAdmin { email, role, permissions, notify } = body.0;
    let email = EmailAddress::parse(&email).map_err(|e| ApiError::invalid("/email", e))?;
    let extras =
        extras_after(role.into(), Some(extras_of(&permissions)), ExtraPermissions::none()).map_err(owner_extras)?;
    let token = refresh_tokens::random_token();
    let link = mail::set_password_link(&state.public_url, &token);
    let at = state.now();
    let expires_at = at + INVITATION_TTL;
    let email_link = link.clone();
    let admin = db::write(&state.pool, move |tx| {
        admins_service::create_admin(
            tx,
            &caller,
            &msp_id,
            &email,
            role.into(),
            &extras,
            &refresh_tokens::storage_hash(&token),
            &email_link,
            notify,
            at,
        )
    })
    .await?;
    let mut created = HttpResponse::Created();
    created.insert_header((header::LOCATION, format!("{COLLECTION_PATH}/{}", admin.id)));
    if !notify {
        // The answer carries the set-password link: no cache (nor the
        // Idempotency-Key store) may keep it.
        created.insert_header((header::CACHE_CONTROL, "no-store"));
    }
    Ok(created.json(CreatedAdmin {
        admin,
        invitation: Invitation { expires_at, emailed: notify, set_password_url: (!notify).then_some(link) },
    }))
}

/// Reads one admin.
///
/// Every admin of your MSP may read it, and so may an API key with the `read` scope. An admin of
/// another MSP is a 404.
#[utoipa::path(
    get, path = "/api/v1/admins/{admin_id}", tag = "admins", operation_id = "getAdmin",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("admin_id" = uuid::Uuid, Path, description = "Admin id.")),
    responses(
        (status = 200, description = "The admin.", body = Admin),
    )
)]
pub async fn get_admin(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadAdmins)?.to_owned();
    let id = path_id(&path)?;
    let found = db::run(&state.pool, move |conn| Ok(persistence::admins::find(conn, &msp_id, &id)?)).await?;
    let admin = Admin::try_from(found.ok_or(ApiError::NotFound)?)?;
    Ok(HttpResponse::Ok().json(admin))
}

/// Changes an admin's role or extras, or disables or enables them (owners only).
///
/// The last active owner of the MSP can't be demoted or disabled. Disabling
/// ends the admin's sessions at once.
#[utoipa::path(
    patch, path = "/api/v1/admins/{admin_id}", tag = "admins", operation_id = "updateAdmin",
    security(("bearer_auth" = [])),
    params(("admin_id" = uuid::Uuid, Path, description = "Admin id.")),
    request_body(content = UpdateAdmin, example = json!({"role": "standard", "permissions": ["create_organizations"], "disabled": false})),
    responses(
        (status = 200, description = "The changed admin.", body = Admin),
        (status = 409, response = Conflict),
    )
)]
pub async fn update_admin(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: ValidJson<UpdateAdmin>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ManageAdmins)?.to_owned();
    let id = path_id(&path)?;
    let UpdateAdmin { role, permissions, disabled } = body.0;
    let requested_extras = permissions.as_deref().map(extras_of);
    let at = state.now();
    let updated = db::write(&state.pool, move |tx| {
        admins_service::update_admin(
            tx,
            &caller,
            &msp_id,
            &id,
            role.map(AdminRole::from),
            requested_extras.clone(),
            disabled,
            at,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Deletes an admin (owners only).
///
/// Their sessions and API keys go with them. The last active owner can't be deleted (409
/// `last_owner`). This needs a signed-in owner, never an API key; the deletion is recorded in the
/// audit log.
#[utoipa::path(
    delete, path = "/api/v1/admins/{admin_id}", tag = "admins", operation_id = "deleteAdmin",
    security(("bearer_auth" = [])),
    params(("admin_id" = uuid::Uuid, Path, description = "Admin id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, response = Conflict),
    )
)]
pub async fn delete_admin(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ManageAdmins)?.to_owned();
    let id = path_id(&path)?;
    let at = state.now();
    db::write(&state.pool, move |tx| admins_service::delete_admin(tx, &caller, &msp_id, &id, at)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(__path_list_admins, list_admins);
    ops.add(__path_create_admin, create_admin);
    ops.add(__path_get_admin, get_admin);
    ops.add(__path_update_admin, update_admin);
    ops.add(__path_delete_admin, delete_admin);
}
