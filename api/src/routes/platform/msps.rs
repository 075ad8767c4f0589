//! MSPs and their limits.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::ExtraPermissions;
use domain::admins::AdminRole;
use domain::audit::AuditAction;
use domain::email::EmailAddress;
use domain::msps::{MspLimits, MspName};
use persistence::StoreError;
use persistence::admins::NewAdmin;
use persistence::msps::{LimitsUpdate, MspRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{AuditEvent, Caller, audit_state, refresh_tokens};
use crate::db;
use crate::error::responses::Conflict;
use crate::error::{ApiError, FieldErrors};
use crate::json::ValidJson;
use crate::mail;
use crate::pagination::{Page, PageParams, cut_page, path_id};
use crate::problems::ProblemCode;
use crate::services::admins::email_taken;
use crate::services::admins::invite;
use crate::state::{AppState, now};

pub(crate) const COLLECTION_PATH: &str = "/api/v1/platform/msps";

/// What an MSP may use.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Most customer organisations.
    #[validate(range(min = 0, max = 100_000_000))]
    #[serde(deserialize_with = "crate::json::integer")]
    #[schema(minimum = 0, maximum = 100_000_000, example = 250)]
    pub max_organizations: i64,
    /// Seats in the MSP's license pool.
    #[validate(range(min = 0, max = 100_000_000))]
    #[serde(deserialize_with = "crate::json::integer")]
    #[schema(minimum = 0, maximum = 100_000_000, example = 5000)]
    pub seat_pool_total: i64,
    /// When the seat pool renews.
    pub seat_pool_renewal_date: Option<NaiveDate>,
    /// Most active accounts across all customers (global users).
    #[validate(range(min = 0, max = 100_000_000))]
    #[serde(deserialize_with = "crate::json::integer")]
    #[schema(minimum = 0, maximum = 100_000_000, example = 5000)]
    pub max_global_users: i64,
    /// Most active accounts in the MSP's own organisation (local users).
    #[validate(range(min = 0, max = 100_000_000))]
    #[serde(deserialize_with = "crate::json::integer")]
    #[schema(minimum = 0, maximum = 100_000_000, example = 50)]
    pub max_local_users: i64,
}

impl Limits {
    /// The domain's limits; every out-of-range value is recorded in `errors`.
    fn check(self, errors: &mut FieldErrors) -> Option<MspLimits> {
        let mut check = |pointer: &str, value: i64| errors.check(pointer, MspLimits::check_value(value));
        let max_organizations = check("/limits/max_organizations", self.max_organizations);
        let seat_pool_total = check("/limits/seat_pool_total", self.seat_pool_total);
        let max_global_users = check("/limits/max_global_users", self.max_global_users);
        let max_local_users = check("/limits/max_local_users", self.max_local_users);
        Some(MspLimits {
            max_organizations: max_organizations?,
            seat_pool_total: seat_pool_total?,
            seat_pool_renewal_date: self.seat_pool_renewal_date,
            max_global_users: max_global_users?,
            max_local_users: max_local_users?,
        })
    }
}

impl From<MspLimits> for Limits {
    fn from(limits: MspLimits) -> Self {
        Self {
            max_organizations: limits.max_organizations,
            seat_pool_total: limits.seat_pool_total,
            seat_pool_renewal_date: limits.seat_pool_renewal_date,
            max_global_users: limits.max_global_users,
            max_local_users: limits.max_local_users,
        }
    }
}

/// An MSP, as the operator sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Msp {
    /// Id (UUIDv7).
    #[schema(format = Uuid)]
    pub id: String,
    /// Name, unique without regard to case.
    pub name: String,
    /// Its limits.
    pub limits: Limits,
    /// When created (UTC).
    pub created_at: DateTime<Utc>,
    /// When last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<MspRecord> for Msp {
    fn from(record: MspRecord) -> Self {
        Self {
            limits: record.limits().into(),
            id: record.id,
            name: record.name,
            created_at: record.created_at.and_utc(),
            updated_at: record.updated_at.and_utc(),
        }
    }
}

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
    let token = refresh_tokens::random_token();
    let link = mail::set_password_link(&state.public_url, &token);
    let at = now();
    let msp = db::write(&state.pool, move |tx| {
        if persistence::msps::name_taken(tx, &name)? {
            return Err(msp_exists());
        }
        if persistence::admins::email_taken(tx, &email)? {
            return Err(email_taken());
        }
        let record = persistence::msps::insert(tx, &name, &limits, at).map_err(|e| match e {
            StoreError::UniqueViolation(_) => msp_exists(),
            other => other.into(),
        })?;
        let extras = ExtraPermissions::none();
        let new = NewAdmin { email: &email, role: AdminRole::Owner, permissions: &extras, password_hash: "" };
        let owner = persistence::admins::insert(tx, &record.id, &new, at)?;
        invite(tx, &owner, &record.name, &refresh_tokens::storage_hash(&token), &link, at, true)?;
        let msp = Msp::from(record);
        let mut after = audit_state(&msp);
        after["owner_email"] = serde_json::Value::String(owner.email.clone());
        caller.record(tx, AuditEvent::new(&msp.id, AuditAction::MspCreated, &msp.id, at).after(&after))?;
        Ok(msp)
    })
    .await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("{COLLECTION_PATH}/{}", msp.id))).json(msp))
}

pub(crate) fn msp_exists() -> ApiError {
    ApiError::Conflict { code: ProblemCode::MspNameTaken, detail: "An MSP with this name already exists.".to_owned() }
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
    let at = now();
    let msp = db::write(&state.pool, move |tx| {
        let Some(before) = persistence::msps::find(tx, &id)?.map(Msp::from) else { return Err(ApiError::NotFound) };
        let after = match persistence::msps::update_limits(tx, &id, &limits, at)? {
            LimitsUpdate::Updated(record) => Msp::from(record),
            LimitsUpdate::NotFound => return Err(ApiError::NotFound),
            LimitsUpdate::BelowAllocated { allocated } => {
                return Err(ApiError::Conflict {
                    code: ProblemCode::SeatPoolBelowAllocated,
                    detail: format!(
                        "The MSP has {allocated} seats allocated to customers; the seat pool total cannot be \
                             lower. Lower customers' seats first."
                    ),
                });
            }
        };
        caller
            .record(tx, AuditEvent::new(&id, AuditAction::MspLimitsChanged, &id, at).before(&before).after(&after))?;
        Ok(after)
    })
    .await?;
    Ok(HttpResponse::Ok().json(msp))
}
