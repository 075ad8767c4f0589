//! Tracking settings: how the MSP's campaigns tell scanners from people,
//! and how long their results keep personal data.

use actix_web::{HttpResponse, web};
use domain::access::Action;
use domain::campaigns::tracking_settings::TrackingSettingsChange;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::resources::tracking_settings::TrackingSettingsResource;
use crate::services::tracking_settings as service;
use crate::state::AppState;

/// Reads the tracking settings.
///
/// The click delay, the source allow and deny lists, and the retention of personal data in
/// campaign results.
#[utoipa::path(
    get, path = "/api/v1/settings/tracking", tag = "campaigns", operation_id = "getTrackingSettings",
    security(("bearer_auth" = []), ("api_key" = [])),
    responses((status = 200, description = "The settings.", body = TrackingSettingsResource))
)]
pub async fn get_tracking_settings(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadTrackingSettings)?.to_owned();
    let settings = db::run(&state.pool, move |conn| Ok(service::settings(conn, &msp_id)?)).await?;
    Ok(HttpResponse::Ok().json(TrackingSettingsResource::from(&settings)))
}

/// Changes to the tracking settings; absent fields stay.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTrackingSettings {
    /// Seconds after delivery within which a click is a machine's: 0-3600.
    #[serde(default, deserialize_with = "crate::json::present_integer")]
    #[schema(value_type = Option<i64>, nullable = false, minimum = 0, maximum = 3600, example = 30)]
    pub click_delay_seconds: Option<i64>,
    /// Addresses or ranges that are people (replaces the list; up to 100).
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = Option<Vec<String>>, nullable = false, max_items = 100)]
    pub allowed_sources: Option<Vec<String>>,
    /// Addresses or ranges that are machines (replaces the list; up to 100).
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = Option<Vec<String>>, nullable = false, max_items = 100)]
    pub denied_sources: Option<Vec<String>>,
    /// Days after completion when results are pseudonymised, 30-3650; `null` keeps them.
    #[serde(default, deserialize_with = "crate::json::nullable_integer")]
    #[schema(value_type = Option<i64>, minimum = 30, maximum = 3650, example = 365)]
    pub result_retention_days: Option<Option<i64>>,
}

/// Changes the tracking settings.
///
/// Only the fields sent change; every invalid one is reported at its pointer. Applies to events
/// from now on (events already classified keep their classification). Audited.
#[utoipa::path(
    patch, path = "/api/v1/settings/tracking", tag = "campaigns", operation_id = "updateTrackingSettings",
    security(("bearer_auth" = []), ("api_key" = [])),
    request_body(content = UpdateTrackingSettings, example = json!({"click_delay_seconds": 30, "denied_sources": ["203.0.113.0/24"], "result_retention_days": 365})),
    responses((status = 200, description = "The settings now.", body = TrackingSettingsResource))
)]
pub async fn update_tracking_settings(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<UpdateTrackingSettings>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ManageTrackingSettings)?.to_owned();
    let body = body.0;
    let change = TrackingSettingsChange {
        click_delay_seconds: body.click_delay_seconds,
        allowed_sources: body.allowed_sources,
        denied_sources: body.denied_sources,
        result_retention_days: body.result_retention_days,
    };
    let at = state.now();
    let settings = db::write(&state.pool, move |tx| service::change(tx, &caller, &msp_id, &change, at)).await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(__path_get_tracking_settings, get_tracking_settings);
    ops.add(__path_update_tracking_settings, update_tracking_settings);
}
