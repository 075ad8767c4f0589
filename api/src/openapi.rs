//! The OpenAPI 3.1 contract, generated from the route annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{InvalidField, Problem, responses};
use crate::routes::{
    account_import, accounts, admins, api_keys, audit_events, auth, customer_export, customer_groups,
    customer_sessions, customers, health, licenses, maa, me, onboarding, passwords, platform, provisioning, tiers,
};

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
        license(name = "Proprietary", identifier = "LicenseRef-Proprietary")
    ),
    paths(
        health::healthz,
        health::readyz,
        auth::login,
        auth::refresh,
        auth::logout,
        passwords::set_password,
        passwords::forgot_password,
        me::get_me,
        customers::list_customers,
        customers::create_customer,
        customers::get_customer,
        customers::update_customer,
        customers::delete_customer,
        customer_export::export_customers,
        tiers::list_tiers,
        customer_groups::list_customer_groups,
        customer_groups::create_customer_group,
        customer_groups::get_customer_group,
        customer_groups::update_customer_group,
        customer_groups::delete_customer_group,
        customer_groups::list_group_customers,
        customer_groups::add_group_customer,
        customer_groups::remove_group_customer,
        customer_groups::list_groups_of_customer,
        accounts::list_accounts,
        accounts::create_account,
        account_import::import_accounts,
        accounts::get_account,
        accounts::update_account,
        accounts::delete_account,
        accounts::activate_account,
        accounts::deactivate_account,
        accounts::list_account_status_history,
        provisioning::create_scim_token,
        provisioning::get_provisioning,
        onboarding::get_onboarding,
        onboarding::save_step,
        onboarding::get_readiness,
        onboarding::go_live,
        onboarding::create_delivery_test,
        onboarding::list_delivery_tests,
        onboarding::get_delivery_test,
        onboarding::confirm_delivery_test,
        onboarding::put_logo,
        onboarding::get_logo,
        onboarding::list_setup_incomplete,
        maa::get_maa_summary,
        maa::get_maa_history,
        maa::list_customer_maa,
        maa::get_maa_allowance,
        maa::create_allowance_order,
        maa::list_allowance_orders,
        maa::list_skus,
        licenses::get_seat_pool,
        licenses::update_seat_pool,
        licenses::list_seat_allocations,
        licenses::list_expiring_licenses,
        licenses::create_seat_expansion_request,
        licenses::list_seat_expansion_requests,
        customer_sessions::start_customer_session,
        admins::list_admins,
        admins::create_admin,
        admins::get_admin,
        admins::update_admin,
        admins::delete_admin,
        api_keys::list_api_keys,
        api_keys::create_api_key,
        api_keys::get_api_key,
        api_keys::revoke_api_key,
        audit_events::list_audit_events,
        platform::operator_login,
        platform::list_msps,
        platform::create_msp,
        platform::get_msp,
        platform::update_msp,
        licenses::list_all_seat_expansion_requests,
        licenses::approve_seat_expansion_request,
        licenses::reject_seat_expansion_request,
    ),
    components(
        schemas(Problem, InvalidField, customers::CountryCodeSchema),
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
                         (POST /api/v1/customers/{id}/sessions) or of a platform operator \
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
    ApiDoc::openapi()
}

/// The contract as committed in `openapi/openapi.json`: pretty-printed, with a
/// final newline.
pub fn document_json() -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&document()).map(|text| text + "\n")
}
