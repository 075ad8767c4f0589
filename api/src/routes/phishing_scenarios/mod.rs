//! The phishing scenario catalogue: the built-in scenarios shipped with the
//! product and the MSP's own (visible to its customers only), with a
//! preview for a sample recipient.

mod input;
pub mod preview;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::access::Action;
use persistence::phishing_scenarios::ScenarioFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::db;
use crate::error::responses::{Conflict, PreconditionFailed};
use crate::error::{ApiError, InvalidField};
use crate::json::ValidJson;
use crate::pagination::{Page, cut_page_with, decode_cursor, encode_cursor, int_param, link_query, page_size, path_id};
use crate::resources::scenarios::{PhishingScenario, ScenarioSummary};
use crate::services::scenarios as service;
use crate::state::AppState;
use crate::versions::{Precondition, etag};
use input::{ScenarioBody, ScenarioChanges};

const COLLECTION_PATH: &str = "/api/v1/phishing-scenarios";

/// Filters and paging of the scenario list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScenarioListParams {
    /// Only scenarios in this language (BCP 47, e.g. `fi`).
    pub language: Option<String>,
    /// Only this difficulty, 1-5.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 5)]
    pub difficulty: Option<String>,
    /// Only this category (e.g. `credentials`).
    pub category: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists the scenarios your customers' campaigns can use: the built-in ones first, then your MSP's.
///
/// Filters combine with AND. Pages hold 1-200 scenarios (default 50), without their content (read
/// one for it); follow `next_cursor` or the `Link` header.
#[utoipa::path(
    get, path = "/api/v1/phishing-scenarios", tag = "campaigns", operation_id = "listPhishingScenarios",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(ScenarioListParams),
    responses(
        (status = 200, description = "A page of scenarios.", body = Page<ScenarioSummary>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_phishing_scenarios(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ScenarioListParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadScenarios)?.to_owned();
    let params = params.into_inner();
    let size = page_size(params.limit.as_deref())?;
    let after = params.cursor.as_deref().map(decode_cursor).transpose()?;
    let difficulty = int_param("difficulty", params.difficulty.as_deref(), 1..=5)?;
    let language = match params.language.as_deref() {
        None => None,
        Some(raw) => Some(
            domain::customers::Language::parse(raw)
                .map_err(|e| ApiError::InvalidParameters(vec![InvalidField::parameter("language", e)]))?
                .as_str()
                .to_owned(),
        ),
    };
    let filter = ScenarioFilter { language, difficulty, category: params.category.clone() };
    let rows = db::run(&state.pool, move |conn| {
        Ok(service::list(conn, &msp_id, &filter, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let query = link_query(&[
        ("language", params.language.as_deref()),
        ("difficulty", params.difficulty.as_deref()),
        ("category", params.category.as_deref()),
    ]);
    let mut page = cut_page_with(COLLECTION_PATH, &query, size, rows, |s| encode_cursor(&s.id));
    let items = page.items.iter().map(|s| s.summary(&state.simulation_domain)).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}

/// Reads one scenario.
///
/// With its content in every language: subject, HTML and text bodies, landing page and
/// teachable-moment page, placeholders as written.
#[utoipa::path(
    get, path = "/api/v1/phishing-scenarios/{scenario_id}", tag = "campaigns", operation_id = "getPhishingScenario",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("scenario_id" = uuid::Uuid, Path, description = "Scenario id.")),
    responses(
        (status = 200, description = "The scenario.", body = PhishingScenario,
            headers(("ETag" = String, description = "Its version; send it as `If-Match` to change an MSP scenario."))),
    )
)]
pub async fn get_phishing_scenario(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadScenarios)?.to_owned();
    let found =
        db::run(&state.pool, move |conn| Ok(service::find(conn, &msp_id, &id)?)).await?.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(found.version)))
        .json(found.resource(&state.simulation_domain)))
}

/// Writes a scenario of your MSP, visible to your customers' campaigns only.
///
/// The HTML is sanitised on save: scripts, event handlers, styles and frames are removed; forms
/// too, except the one form of a `credential_form` landing page; landing and teachable-moment pages
/// load nothing from elsewhere (only inline `data:` images stay). An unknown placeholder is a 422
/// naming it. The creation is audited.
#[utoipa::path(
    post, path = "/api/v1/phishing-scenarios", tag = "campaigns", operation_id = "createPhishingScenario",
    security(("bearer_auth" = []), ("api_key" = [])),
    request_body(content = ScenarioBody, example = json!({
        "name": "Fake HR survey", "category": "hr", "difficulty": 3, "sender_name": "HR Team",
        "sender_local_part": "hr-team", "landing_page": "credential_form",
        "content": [{
            "language": "en", "subject": "{{first_name}}, your opinion counts",
            "html_body": "<p>Hi {{first_name}}, take the {{company}} survey: <a href=\"{{link}}\">start</a></p>",
            "text_body": "Hi {{first_name}}, take the {{company}} survey: {{link}}",
            "landing_page_html": "<h1>Sign in</h1><form><input type=\"email\" name=\"email\"><input type=\"password\" name=\"password\"></form>",
            "teachable_moment_html": "<h1>This was a simulation</h1><p>Check the sender before you sign in.</p>"
        }]
    })),
    responses(
        (status = 201, description = "Written.", body = PhishingScenario,
            headers(("Location" = String, description = "URL of the scenario."), ("ETag" = String, description = "Its version."))),
    )
)]
pub async fn create_phishing_scenario(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<ScenarioBody>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ManageScenarios)?.to_owned();
    let new = input::parse(body.0)?;
    let at = state.now();
    let created = db::write(&state.pool, move |tx| Ok(service::create(tx, &caller, &msp_id, &new, at)?)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{COLLECTION_PATH}/{}", created.id)))
        .insert_header((header::ETAG, etag(created.version)))
        .json(created.resource(&state.simulation_domain)))
}

/// Changes a scenario of your MSP (built-in ones are read-only: 409 `scenario_read_only`).
///
/// Absent fields stay; `content` is replaced whole and sanitised like on creation. Send the `ETag`
/// as `If-Match`: a stale one is a 412. One that campaigns not yet ended use cannot change (409
/// `scenario_in_use`). Audited.
#[utoipa::path(
    patch, path = "/api/v1/phishing-scenarios/{scenario_id}", tag = "campaigns", operation_id = "updatePhishingScenario",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("scenario_id" = uuid::Uuid, Path, description = "Scenario id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read.")),
    request_body(content = ScenarioChanges, example = json!({"difficulty": 4})),
    responses(
        (status = 200, description = "The changed scenario.", body = PhishingScenario,
            headers(("ETag" = String, description = "Its new version."))),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
pub async fn update_phishing_scenario(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: ValidJson<ScenarioChanges>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ManageScenarios)?.to_owned();
    let precondition = Precondition::from_request(&req);
    let changes = body.0;
    let at = state.now();
    let changed = db::write(&state.pool, move |tx| {
        let current = service::for_change(tx, &msp_id, &id)?;
        let new = input::parse(changes.clone().over(&current))?;
        Ok(service::change(tx, &caller, &msp_id, &id, &new, precondition.versions(), at)?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(changed.version)))
        .json(changed.resource(&state.simulation_domain)))
}

/// Deletes a scenario of your MSP.
///
/// One that a campaign not yet ended uses is a 409 `scenario_in_use`; built-in ones are read-only.
/// `If-Match` is honoured; the deletion is audited.
#[utoipa::path(
    delete, path = "/api/v1/phishing-scenarios/{scenario_id}", tag = "campaigns", operation_id = "deletePhishingScenario",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("scenario_id" = uuid::Uuid, Path, description = "Scenario id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
pub async fn delete_phishing_scenario(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ManageScenarios)?.to_owned();
    let precondition = Precondition::from_request(&req);
    let at = state.now();
    db::write(&state.pool, move |tx| Ok(service::delete(tx, &caller, &msp_id, &id, precondition.versions(), at)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(__path_list_phishing_scenarios, list_phishing_scenarios);
    ops.add(__path_create_phishing_scenario, create_phishing_scenario);
    ops.add(__path_get_phishing_scenario, get_phishing_scenario);
    ops.add(__path_update_phishing_scenario, update_phishing_scenario);
    ops.add(__path_delete_phishing_scenario, delete_phishing_scenario);
    ops.add(preview::__path_preview_phishing_scenario, preview::preview_phishing_scenario);
}
