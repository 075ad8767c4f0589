//! The OpenAPI 3.1 contract: what the API is (info, tags, security, shared
//! components) from here, its paths from the one registration of every
//! operation (`crate::operations`).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{InvalidField, Problem, responses};
use crate::resources::customers;

/// The whole API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "MSP Portal API",
        description = "REST API of the MSP portal of a security-awareness platform: an MSP manages its customer \
organisations, their seats, campaigns and reports from one place.\n\n\
Errors are RFC 9457 `application/problem+json` documents with a stable `code`. Lists are cursor-paginated: \
pass `next_cursor` back as `cursor`. Every response carries `X-Request-Id`; quote it when reporting a problem.\n\n\
Sign in with `POST /api/v1/auth/login`, then send `Authorization: Bearer <access_token>`; integrations send \
`Authorization: Bearer <API key>`. A missing or bad credential is a 401, a missing permission a 403, and anything \
of another MSP a 404.",
        license(name = "Proprietary", identifier = "LicenseRef-Proprietary"),
        contact(name = "MSP portal API team", url = "https://github.com/msp-portal/api/issues")
    ),
    // Relative: the server that serves this document (Swagger UI and
    // generated clients resolve it against the document's own URL).
    servers((url = ".", description = "The server that serves this document")),
    components(
        schemas(Problem, InvalidField, customers::CountryCodeSchema, crate::problems::ProblemCodeSchema),
        responses(
            responses::BadRequest,
            responses::Unauthorized,
            responses::Forbidden,
            responses::NotFound,
            responses::Conflict,
            responses::PreconditionFailed,
            responses::PayloadTooLarge,
            responses::UnsupportedMediaType,
            responses::UnprocessableEntity,
            responses::TooManyRequests,
            responses::ServiceUnavailable,
        )
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Probes for orchestrators and load balancers."),
        (name = "auth", description = "Signing in and out; the signed-in admin."),
        (name = "customers", description = "The customer organisations of your MSP."),
        (name = "customer-groups", description = "Groups of customers by sector, location or anything else."),
        (name = "licenses", description = "Your seat pool, the seats of each customer, expiring licenses, requests for more seats."),
        (name = "accounts", description = "The end users of each customer: active accounts hold seats and count in MAA; every change of status is kept."),
        (name = "provisioning", description = "SCIM 2.0 provisioning of each customer's accounts by its identity provider (Entra ID, Okta, Google Workspace). The SCIM service itself is at /scim/v2/{customer_id}/ (Users, Groups, ServiceProviderConfig, ResourceTypes, Schemas), follows RFC 7643/7644 rather than this document's conventions, and describes itself at its discovery endpoints."),
        (name = "onboarding", description = "Guided setup of a customer in six saved steps (tenant_details, product_and_licenses, user_provisioning, email_config, branding, review): partial saves are kept and any admin can resume; a real delivery test through the SMTP relay; the logo; readiness (blockers and warnings) and go-live; the attention list of customers whose setup stalls."),
        (name = "maa", description = "Monthly active accounts (MAA), what MSPs are billed on: MAA of a month (UTC) is the number of distinct accounts active at any moment of it — active when it began, or activated during it. Allowance of a month: the sum of the allowance orders in force. Overage = max(0, MAA − allowance)."),
        (name = "campaigns", description = "Phishing simulations per customer: the scenario catalogue (built-in and your own), campaigns with their targets and schedules in the customer's time zone, launch gates, the state machine (draft → scheduled → sending ⇄ paused → tracking → completed, or cancelled), recipients with planned send times, counts across customers, and the allowlisting kit."),
        (name = "tracking", description = "The public endpoints behind each simulated message, outside /api/v1 and without credentials: the open pixel, the tracked click and its landing page, the landing form (field names kept, never values), the teachable moment, the honeypot link only machines follow, and the report button of a mail add-in. Every event is classified human or automated; unknown tokens are the plain 404 not_found, which tells nothing more."),
        (name = "admins", description = "The admins of your MSP: owners and standard admins, invitations."),
        (name = "api-keys", description = "API keys for integrations and scripts."),
        (name = "audit", description = "Every change, with who made it: read-only."),
        (name = "platform", description = "The platform operator's console: MSPs and their limits."),
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
                    .description(Some(
                        "Access token: of an admin (POST /api/v1/auth/login), of a customer session \
                         (POST /api/v1/customers/{customer_id}/sessions) or of a platform operator \
                         (POST /api/v1/platform/auth/login).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("mspk_…")
                    .description(Some(
                        "API key of an integration (POST /api/v1/api-keys), sent as `Authorization: Bearer mspk_…`. \
                         A key holds its scopes (`read`, `write`), never more than its creator.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The contract as served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    let (paths, components) = crate::routes::operations().contract();
    document.paths = paths;
    let shared = document.components.get_or_insert_with(Default::default);
    for (name, schema) in components.schemas {
        shared.schemas.entry(name).or_insert(schema);
    }
    document
}

/// The contract as committed in `openapi/openapi.json`: pretty-printed, with a
/// final newline.
pub fn document_json() -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&document()).map(|text| text + "\n")
}
