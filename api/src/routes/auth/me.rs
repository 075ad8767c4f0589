//! The signed-in admin.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::Action;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Caller, admin_permissions};
use crate::db;
use crate::error::ApiError;
use crate::resources::admins::Admin;
use crate::state::AppState;

/// An MSP as its admins see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MspView {
    /// Id (UUIDv7).
    #[schema(format = Uuid)]
    pub id: String,
    /// Name.
    pub name: String,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// Who is signed in, and for which MSP.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    /// The admin.
    pub admin: Admin,
    /// Their MSP.
    pub msp: MspView,
    /// Everything the admin may do, e.g. `read`, `manage_customers`, `manage_admins`.
    #[schema(example = json!(["read", "manage_customers", "manage_api_keys", "start_customer_sessions"]))]
    pub permissions: Vec<&'static str>,
    /// In a customer session ("log in as"): the one customer this token reaches.
    #[schema(format = Uuid)]
    pub customer_session_customer_id: Option<String>,
}

/// The signed-in admin, their MSP and their permissions.
///
/// Only a signed-in person has a profile: an API key or a platform operator's token is a 403. In a
/// customer session, `customer_session_customer_id` names the one customer the token reaches.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth", operation_id = "getMe",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The signed-in admin.", body = MeResponse),
    )
)]
pub async fn get_me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ViewOwnProfile)?.to_owned();
    let admin_id = caller.person_id()?;
    let (record, msp) = db::run(&state.pool, move |conn| {
        let record = persistence::admins::find(conn, &msp_id, &admin_id)?;
        let msp = persistence::msps::find(conn, &msp_id)?;
        Ok((record, msp))
    })
    .await?;
    let (Some(record), Some(msp)) = (record, msp) else {
        return Err(ApiError::NotFound);
    };
    let permissions = admin_permissions(&record)?.names();
    let customer_session_customer_id = caller.actor.impersonated_customer_id.clone();
    Ok(HttpResponse::Ok().json(MeResponse {
        admin: Admin::try_from(record)?,
        msp: MspView { id: msp.id, name: msp.name, created_at: msp.created_at.and_utc() },
        permissions,
        customer_session_customer_id,
    }))
}
