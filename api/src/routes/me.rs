//! The signed-in admin.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::CurrentAdmin;
use crate::db;
use crate::error::ApiError;
use crate::error::responses::{ServiceUnavailable, Unauthorized};
use crate::state::AppState;

/// An admin as others see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminView {
    /// Id (UUIDv7).
    #[schema(format = Uuid)]
    pub id: String,
    /// Sign-in e-mail.
    pub email: String,
    /// `owner` or `standard`.
    #[schema(example = "owner")]
    pub role: String,
    /// When created.
    pub created_at: DateTime<Utc>,
}

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
    pub admin: AdminView,
    /// Their MSP.
    pub msp: MspView,
}

/// The signed-in admin and their MSP.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth", operation_id = "getMe",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The signed-in admin.", body = MeResponse),
        (status = 401, response = Unauthorized),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn get_me(state: web::Data<AppState>, admin: CurrentAdmin) -> Result<HttpResponse, ApiError> {
    let (msp_id, admin_id) = (admin.msp_id.clone(), admin.admin_id.clone());
    let (record, msp) = db::run(&state.pool, move |conn| {
        let record = persistence::admins::find(conn, &msp_id, &admin_id)?;
        let msp = persistence::msps::find(conn, &msp_id)?;
        Ok((record, msp))
    })
    .await?;
    let (Some(record), Some(msp)) = (record, msp) else {
        return Err(ApiError::NotFound);
    };
    Ok(HttpResponse::Ok().json(MeResponse {
        admin: AdminView {
            id: record.id,
            email: record.email,
            role: record.role,
            created_at: record.created_at.and_utc(),
        },
        msp: MspView { id: msp.id, name: msp.name, created_at: msp.created_at.and_utc() },
    }))
}
