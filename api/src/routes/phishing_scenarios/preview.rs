//! A scenario rendered for a sample recipient, as its message and pages
//! would look.

use actix_web::{HttpResponse, web};
use domain::access::Action;
use domain::campaigns::content::{Escaping, Recipient, render};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::pagination::path_id;
use crate::resources::scenarios::ScenarioPreview;
use crate::services::scenarios as service;
use crate::state::AppState;

/// Who to render a scenario for; every field has a sample default.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The language to render (default `en`, or the scenario's first).
    #[serde(default)]
    #[schema(example = "fi", max_length = 35)]
    pub language: Option<String>,
    /// The sample recipient's display name (default "Alex Example").
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(example = "Ann Lee", max_length = 200)]
    pub display_name: Option<String>,
    /// The sample recipient's address (default alex@example.com).
    #[serde(default)]
    #[validate(length(max = 254))]
    #[schema(example = "ann.lee@acme-dental.com", max_length = 254)]
    pub email: Option<String>,
    /// The company name (default "Example Corp").
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(example = "Acme Dental", max_length = 200)]
    pub company: Option<String>,
}

/// Renders a scenario for a sample recipient.
///
/// Placeholders are filled in (entity-encoded in HTML) and the link points at a preview address;
/// the language defaults to `en` or the scenario's first.
#[utoipa::path(
    post, path = "/api/v1/phishing-scenarios/{scenario_id}/preview", tag = "campaigns", operation_id = "previewPhishingScenario",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("scenario_id" = uuid::Uuid, Path, description = "Scenario id.")),
    request_body(content = PreviewRequest, example = json!({"language": "en", "display_name": "Ann Lee", "company": "Acme Dental"})),
    responses(
        (status = 200, description = "The rendered message and pages.", body = ScenarioPreview),
    )
)]
pub async fn preview_phishing_scenario(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: ValidJson<PreviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadScenarios)?.to_owned();
    let request = body.0;
    let scenario =
        db::run(&state.pool, move |conn| Ok(service::find(conn, &msp_id, &id)?)).await?.ok_or(ApiError::NotFound)?;
    let language = request.language.clone().unwrap_or_else(|| "en".to_owned());
    let content = service::content_for(&scenario, &language)
        .or_else(|| request.language.is_none().then(|| scenario.content.first()).flatten())
        .ok_or_else(|| {
            ApiError::invalid(
                "/language",
                format!("the scenario has no content in {language}; it has: {}", scenario.languages().join(", ")),
            )
        })?;
    let email = request.email.unwrap_or_else(|| "alex@example.com".to_owned());
    let link = format!("{}/t/preview", state.public_url.trim_end_matches('/'));
    let recipient = Recipient::of_account(
        Some(request.display_name.as_deref().unwrap_or("Alex Example")),
        &email,
        request.company.as_deref().unwrap_or("Example Corp"),
        &link,
    );
    Ok(HttpResponse::Ok().json(ScenarioPreview {
        language: content.language.clone(),
        sender: scenario.sender(&state.simulation_domain),
        subject: render(&content.subject, &recipient, Escaping::Plain),
        html_body: render(&content.html_body, &recipient, Escaping::Html),
        text_body: render(&content.text_body, &recipient, Escaping::Plain),
        landing_page_html: render(&content.landing_page_html, &recipient, Escaping::Html),
        teachable_moment_html: render(&content.teachable_moment_html, &recipient, Escaping::Html),
    }))
}
