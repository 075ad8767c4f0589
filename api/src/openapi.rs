//! The OpenAPI 3.1 contract, generated from the route annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{InvalidField, Problem, responses};
use crate::routes::{auth, customers, health, me};

/// The whole API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "MSP Portal API",
        description = "REST API of the MSP portal of a security-awareness platform: an MSP manages its customer \
organisations, their seats, campaigns and reports from one place.\n\n\
Errors are RFC 9457 `application/problem+json` documents with a stable `code`. Lists are cursor-paginated: \
pass `next_cursor` back as `cursor`. Every response carries `X-Request-Id`; quote it when reporting a problem.\n\n\
Sign in with `POST /api/v1/auth/login`, then send `Authorization: Bearer <access_token>`.",
        license(name = "Proprietary", identifier = "LicenseRef-Proprietary")
    ),
    paths(
        health::healthz,
        health::readyz,
        auth::login,
        auth::refresh,
        auth::logout,
        me::get_me,
        customers::list_customers,
        customers::create_customer,
        customers::get_customer,
        customers::update_customer,
        customers::delete_customer,
    ),
    components(
        schemas(Problem, InvalidField, customers::CountryCodeSchema),
        responses(
            responses::BadRequest,
            responses::Unauthorized,
            responses::NotFound,
            responses::Conflict,
            responses::PayloadTooLarge,
            responses::UnsupportedMediaType,
            responses::UnprocessableEntity,
            responses::ServiceUnavailable,
        )
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Probes for orchestrators and load balancers."),
        (name = "auth", description = "Signing in and out; the signed-in admin."),
        (name = "customers", description = "The customer organisations of your MSP."),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer_auth` scheme so that Swagger UI's "Authorize" works.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_auth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from POST /api/v1/auth/login."))
                    .build(),
            ),
        );
    }
}

/// The contract as served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The contract as committed in `openapi/openapi.json`: pretty-printed, with a
/// final newline.
pub fn document_json() -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&document()).map(|text| text + "\n")
}
