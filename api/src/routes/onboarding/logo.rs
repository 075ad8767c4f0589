//! The customer's logo: uploaded as the body, checked by decoding it, served
//! back with its content type.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::access::Action;
use persistence::onboarding as store;

use super::editable_customer;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::error::responses::{Conflict, PayloadTooLarge, UnprocessableEntity};
use crate::pagination::path_id;
use crate::problems::ProblemCode;
use crate::resources::onboarding::LogoUploaded;
use crate::services::logos;
use crate::state::AppState;

// ---------------------------------------------------------------------------
// Logo.

/// Uploads the customer's logo (the body is the file): PNG or SVG, at most 2 MiB, at least
/// 200 × 200 pixels.
///
/// The content is decoded to check it — the file name and `Content-Type` are not trusted — and an
/// SVG with scripts, event handlers or references outside itself is refused. Refusals are 422 with
/// codes `logo_empty`, `logo_format_unsupported`, `logo_invalid`, `logo_too_small`,
/// `logo_svg_unsafe`, `logo_svg_no_size`; a larger body is a 413. Replaces the logo the customer
/// had.
///
/// An archived customer is a 409 `customer_archived`. The upload is recorded in the audit log.
#[utoipa::path(
    put, path = "/api/v1/customers/{customer_id}/onboarding/branding/logo", tag = "onboarding",
    operation_id = "putLogo",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    request_body(content = Vec<u8>, content_type = "image/png", description = "The PNG or SVG file."),
    responses(
        (status = 200, description = "Stored.", body = LogoUploaded),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = UnprocessableEntity),
    )
)]
pub async fn put_logo(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::UpdateCustomer(&id))?.to_owned();
    editable_customer(&state, &msp_id, &id).await?;
    let body = crate::json::read_body(&mut payload, domain::branding::Logo::MAX_BYTES, |e| ApiError::BadRequest {
        code: ProblemCode::UnreadableBody,
        detail: format!("The request body could not be read: {e}."),
    })
    .await?;
    let logo = domain::branding::Logo::parse(body.to_vec())
        .map_err(|e| ApiError::Unprocessable { code: (&e).into(), detail: format!("{e}.") })?;
    let at = state.now();
    let uploaded = db::write(&state.pool, move |tx| logos::store(tx, &caller, &msp_id, &id, &logo, at)).await?;
    Ok(HttpResponse::Ok().json(uploaded))
}

/// The customer's logo, with its content type (`image/png` or
/// `image/svg+xml`) and an `ETag`; 404 when none was uploaded.
///
/// Send the `ETag` back in `If-None-Match` to get a 304 when the logo is unchanged.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/onboarding/branding/logo", tag = "onboarding",
    operation_id = "getLogo",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    responses(
        (status = 200, description = "The logo.", content(
            (Vec<u8> = "image/png"),
            (String = "image/svg+xml"),
        ), headers(("ETag" = String, description = "Hash of the content."))),
        (status = 304, description = "Not modified."),
    )
)]
pub async fn get_logo(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCustomer(&id))?.to_owned();
    let logo = db::run(&state.pool, move |conn| store::logo(conn, &msp_id, &id)?.ok_or(ApiError::NotFound)).await?;
    let etag = format!("\"{}\"", logo.sha256);
    let unchanged = crate::versions::tag_not_modified(&req, &etag);
    let mut response = if unchanged { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // An SVG opened directly must not run anything, even if a check
        // were ever missed.
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; sandbox"));
    if unchanged {
        return Ok(response.finish());
    }
    Ok(response.content_type(logo.content_type).body(logo.content))
}
