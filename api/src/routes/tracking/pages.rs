//! The tracked links of a simulated message and the pages behind them.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::campaigns::classify::EventKind;
use domain::campaigns::content::{Escaping, LandingPage, Recipient, render};
use domain::campaigns::tracked_html::{page, with_form_action};

use super::{hit_of, html_page, not_found, recipient_of, recorded, tracking_answer};
use crate::db;
use crate::error::ApiError;
use crate::services::scenarios;
use crate::services::tracking::Hit;
use crate::state::AppState;

/// A transparent 1×1 GIF.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02,
    0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// The open pixel.
///
/// A 1×1 transparent GIF in every simulated message; loading it records an `opened` event (image
/// proxies such as Gmail's are classified `automated`). Never cached.
#[utoipa::path(
    get, path = "/t/{token}/open.gif", tag = "tracking", operation_id = "trackOpen",
    params(("token" = String, Path, description = "The recipient's tracking token.")),
    responses(
        (status = 200, description = "The pixel.", content_type = "image/gif", body = Vec<u8>),
    )
)]
pub async fn track_open(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !recorded(&state, &token, hit_of(&req, EventKind::Opened)).await? {
        return Ok(not_found());
    }
    Ok(tracking_answer(HttpResponse::Ok()).content_type("image/gif").body(PIXEL))
}

/// A click on the message's link.
///
/// Records a `clicked` event (classified: scanners, link checkers and clicks within seconds of
/// delivery are `automated`) and redirects to the landing page.
#[utoipa::path(
    get, path = "/t/{token}/click", tag = "tracking", operation_id = "trackClick",
    params(("token" = String, Path, description = "The recipient's tracking token.")),
    responses(
        (status = 302, description = "To the landing page.", headers(("Location" = String, description = "The landing page."))),
    )
)]
pub async fn track_click(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !recorded(&state, &token, hit_of(&req, EventKind::Clicked)).await? {
        return Ok(not_found());
    }
    let landing = format!("{}/t/{}/landing", state.public_url.trim_end_matches('/'), token.as_str());
    Ok(tracking_answer(HttpResponse::Found()).insert_header((header::LOCATION, landing)).finish())
}

/// A link checker's look at the message's link.
///
/// A `HEAD` request (browsers send `GET`): recorded as an `automated` click.
#[utoipa::path(
    head, path = "/t/{token}/click", tag = "tracking", operation_id = "checkClick",
    params(("token" = String, Path, description = "The recipient's tracking token.")),
    responses(
        (status = 200, description = "Recorded."),
    )
)]
pub async fn check_click(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !recorded(&state, &token, hit_of(&req, EventKind::Clicked)).await? {
        return Ok(not_found());
    }
    Ok(tracking_answer(HttpResponse::Ok()).finish())
}

/// The honeypot link.
///
/// Every message carries this link hidden where no person can see or reach it; whatever follows it
/// is a machine, and so is what the same source did for that recipient within a minute.
#[utoipa::path(
    get, path = "/t/{token}/h", tag = "tracking", operation_id = "trackHoneypot",
    params(("token" = String, Path, description = "The recipient's tracking token.")),
    responses(
        (status = 204, description = "Recorded."),
    )
)]
pub async fn track_honeypot(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !recorded(&state, &token, hit_of(&req, EventKind::Honeypot)).await? {
        return Ok(not_found());
    }
    Ok(tracking_answer(HttpResponse::NoContent()).finish())
}

/// A link checker's look at the honeypot link.
///
/// Recorded as a honeypot hit, like a `GET`.
#[utoipa::path(
    head, path = "/t/{token}/h", tag = "tracking", operation_id = "checkHoneypot",
    params(("token" = String, Path, description = "The recipient's tracking token.")),
    responses(
        (status = 204, description = "Recorded."),
    )
)]
pub async fn check_honeypot(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    track_honeypot(state, req, token).await
}

/// Which of a scenario's pages to serve.
#[derive(Clone, Copy)]
enum Page {
    Landing,
    TeachableMoment,
}

async fn scenario_page(state: &AppState, token: &str, which: Page) -> Result<HttpResponse, ApiError> {
    let Some(recipient_id) = recipient_of(state, token) else { return Ok(not_found()) };
    let found = db::run(&state.pool, move |conn| {
        let Some(target) = persistence::campaign_events::target(conn, &recipient_id)? else { return Ok(None) };
        let scenario = scenarios::find(conn, &target.msp_id, &target.scenario_id)?;
        Ok(scenario.map(|s| (target, s)))
    })
    .await?;
    let Some((target, scenario)) = found else { return Ok(not_found()) };
    let Some(content) = scenarios::content_for(&scenario, &target.language) else { return Ok(not_found()) };
    let base = state.public_url.trim_end_matches('/');
    let values = Recipient::of_account(
        target.display_name.as_deref(),
        &target.email,
        &target.company,
        &format!("{base}/t/{token}/landing"),
    );
    let body = match which {
        Page::Landing => {
            let html = render(&content.landing_page_html, &values, Escaping::Html);
            match scenario.landing_page {
                LandingPage::CredentialForm => with_form_action(&html, &format!("{base}/t/{token}/submit")),
                LandingPage::ClickOnly => html,
            }
        }
        Page::TeachableMoment => render(&content.teachable_moment_html, &values, Escaping::Html),
    };
    Ok(html_page(page(&render(&content.subject, &values, Escaping::Plain), &body)))
}

/// The landing page behind the link.
///
/// The scenario's landing page, served under a strict `Content-Security-Policy` (nothing loaded
/// from elsewhere, no scripts, its one form posting back here). Viewing it records nothing; the
/// click did.
#[utoipa::path(
    get, path = "/t/{token}/landing", tag = "tracking", operation_id = "showLandingPage",
    params(("token" = String, Path, description = "The recipient's tracking token.")),
    responses(
        (status = 200, description = "The page.", content_type = "text/html", body = String),
    )
)]
pub async fn show_landing_page(state: web::Data<AppState>, token: web::Path<String>) -> Result<HttpResponse, ApiError> {
    scenario_page(&state, &token, Page::Landing).await
}

/// Fields names a submission keeps at most, and their longest name.
const MAX_FIELDS: usize = 20;
const MAX_FIELD_NAME: usize = 64;

/// The landing form's submission.
///
/// Records a `submitted` event with the names of the fields sent — never their values, which are
/// dropped unread — and sends the person to the teachable moment.
#[utoipa::path(
    post, path = "/t/{token}/submit", tag = "tracking", operation_id = "submitLandingForm",
    params(("token" = String, Path, description = "The recipient's tracking token.")),
    request_body(content = Object, content_type = "application/x-www-form-urlencoded", description = "The form's fields."),
    responses(
        (status = 303, description = "To the teachable moment.", headers(("Location" = String, description = "The teachable-moment page."))),
    )
)]
pub async fn submit_landing_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let mut names: Vec<String> = Vec::new();
    for (name, _) in serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).unwrap_or_default() {
        let name: String = name.chars().take(MAX_FIELD_NAME).collect();
        if names.len() < MAX_FIELDS && !names.contains(&name) {
            names.push(name);
        }
    }
    let hit = Hit { field_names: Some(names), ..hit_of(&req, EventKind::Submitted) };
    if !recorded(&state, &token, hit).await? {
        return Ok(not_found());
    }
    let learn = format!("{}/t/{}/learn", state.public_url.trim_end_matches('/'), token.as_str());
    Ok(tracking_answer(HttpResponse::SeeOther()).insert_header((header::LOCATION, learn)).finish())
}

/// The teachable moment.
///
/// The page shown after the form: what gave the message away. Served under the same strict policy.
#[utoipa::path(
    get, path = "/t/{token}/learn", tag = "tracking", operation_id = "showTeachableMoment",
    params(("token" = String, Path, description = "The recipient's tracking token.")),
    responses(
        (status = 200, description = "The page.", content_type = "text/html", body = String),
    )
)]
pub async fn show_teachable_moment(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    scenario_page(&state, &token, Page::TeachableMoment).await
}
