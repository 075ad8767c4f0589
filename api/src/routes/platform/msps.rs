//! MSPs and their limits.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use domain::email::EmailAddress;
use domain::msps::MspName;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Caller;
use crate::db;
use crate::error::responses::Conflict;
use crate::error::{ApiError, FieldErrors};
use crate::json::ValidJson;
use crate::pagination::{Page, PageParams, cut_page, path_id};
use crate::resources::msps::{Limits, Msp};
use crate::services::msps::{self, NewMsp};
use crate::state::AppState;

pub(crate) const COLLECTION_PATH: &str = "/api/v1/platform/msps";

/// A new MSP and its first owner, who is invited by e-mail.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMsp {
    /// Name, unique without regard to case (1-200 characters).
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "Northwind IT", min_length = 1, max_length = 200)]
    pub name: String,
    /// E-mail of the MSP's first owner; they get an invitation link.
    #[validate(length(min = 3, max = 254))]
    #[schema(example = "owner@northwind.example", min_length = 3, max_length = 254)]
    pub owner_email: String,
    /// The MSP's limits.
    #[validate(nested)]
    pub limits: Limits,
}

/// New limits of an MSP (the whole set).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMsp {
    /// The MSP's limits.
    #[validate(nested)]
    pub limits: Limits,
}

/// Lists MSPs, oldest first.
///
/// Platform operators only. Each MSP has its name and limits. Pages hold 1-200 MSPs (default 50);
/// follow `next_cursor` or the `Link` header.
#[utoipa::path(
    get, path = "/api/v1/platform/msps", tag = "platform", operation_id = "listMsps",
    security(("bearer_auth" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of MSPs.", body = Page<Msp>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_msps(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    caller.authorize_platform()?;
    let (size, after) = params.read()?;
    let rows =
        db::run(&state.pool, move |conn| Ok(persistence::msps::list(conn, after.as_deref(), size.fetch_limit())?))
            .await?;
    let mut page = cut_page(COLLECTION_PATH, size, rows, |r| &r.id);
    let items = page.items.into_iter().map(Msp::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}

/// Creates an MSP with its limits and invites its first owner by e-mail.
///
/// Platform operators only. The owner gets an e-mailed link, valid for 72 hours, to set a password.
/// A name another MSP has, without regard to case, is a 409 `msp_name_taken`; an owner e-mail some
/// admin already signs in with is a 409 `email_taken`. The creation is recorded in the new MSP's
/// audit log.
#[utoipa::path(
    post, path = "/api/v1/platform/msps", tag = "platform", operation_id = "createMsp",
    security(("bearer_auth" = [])),
    request_body = CreateMsp,
    responses(
        (status = 201, description = "Created; the owner got an invitation e-mail.", body = Msp,
            headers(("Location" = String, description = "URL of the new MSP."))),
        (status = 409, response = Conflict),
    )
)]
pub async fn create_msp(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateMsp>,
) -> Result<HttpResponse, ApiError> {
    caller.authorize_platform()?;
    let CreateMsp { name, owner_email, limits } = body.0;
    let mut errors = FieldErrors::default();
    let name = errors.check("/name", MspName::parse(&name));
    let email = errors.check("/owner_email", EmailAddress::parse(&owner_email));
    let limits = limits.check(&mut errors);
    let (name, email, limits) = errors.finish(name.zip(email).zip(limits).map(|((n, e), l)| (n, e, l)))?;
    let at = state.now();
    let new = NewMsp { name, owner_email: email, limits, public_url: state.public_url.clone() };
    let msp = db::write(&state.pool, move |tx| msps::create(tx, &caller, &new, at)).await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("{COLLECTION_PATH}/{}", msp.id))).json(msp))
}

/// Reads one MSP.
///
/// Platform operators only. It gives the MSP's name and limits; an unknown MSP is a 404.
#[utoipa::path(
    get, path = "/api/v1/platform/msps/{msp_id}", tag = "platform", operation_id = "getMsp",
    security(("bearer_auth" = [])),
    params(("msp_id" = uuid::Uuid, Path, description = "MSP id.")),
    responses(
        (status = 200, description = "The MSP.", body = Msp),
    )
)]
pub async fn get_msp(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.authorize_platform()?;
    let id = path_id(&path)?;
    let found = db::run(&state.pool, move |conn| Ok(persistence::msps::find(conn, &id)?)).await?;
    Ok(HttpResponse::Ok().json(Msp::from(found.ok_or(ApiError::NotFound)?)))
}

/// Replaces an MSP's limits.
///
/// The seat pool total may not go below the seats already allocated to the
/// MSP's customers (409 `seat_pool_below_allocated`).
#[utoipa::path(
    patch, path = "/api/v1/platform/msps/{msp_id}", tag = "platform", operation_id = "updateMsp",
    security(("bearer_auth" = [])),
    params(("msp_id" = uuid::Uuid, Path, description = "MSP id.")),
    request_body = UpdateMsp,
    responses(
        (status = 200, description = "The changed MSP.", body = Msp),
        (status = 409, response = Conflict),
    )
)]
pub async fn update_msp(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: ValidJson<UpdateMsp>,
) -> Result<HttpResponse, ApiError> {
    caller.authorize_platform()?;
    let id = path_id(&path)?;
    let mut errors = FieldErrors::default();
    let limits = body.0.limits.check(&mut errors);
    let limits = errors.finish(limits)?;
    let at = state.now();
    let msp = db::write(&state.pool, move |tx| msps::change_limits(tx, &caller, &id, &limits, at)).await?;
    Ok(HttpResponse::Ok().json(msp))
}
