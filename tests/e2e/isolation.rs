//! The tenant-isolation matrix: every operation of the served contract, called
//! by every kind of caller, answers exactly what `domain::access` allows.
//!
//! - **Operations** come from `GET /openapi.json` of the running server, not
//!   from a list kept here: a route added later without a row in [`RULES`]
//!   fails the test, so nothing escapes the matrix.
//! - **Callers** (ten): MSP A's owner, a standard admin of A without extras, a
//!   read-only API key of A, a customer session of A for customer c2, MSP B's
//!   owner, the platform operator, and four bad credentials: none, an expired
//!   token, a token signed with another key, and an `alg: none` token.
//! - **Targets**: every path parameter names one of A's resources (customer
//!   c1, A's standard admin, A's read key, A's MSP); deletes go to spare ones
//!   so that the callers above keep working until the end.
//! - **Expectations**: a row of [`RULES`] per operation says who may call it;
//!   [`expected`] turns it into 2xx / 401 / 403 / 404 per caller. Every 401,
//!   403 and 404 must be a problem+json with the right code.
//! - **Leaks**: whatever a refused caller (and MSP B's owner, always) gets
//!   back must not mention anything of A: ids, names, e-mails, key prefixes.
//!
//! Order matters only for destructive operations: per operation the refused
//! callers go first, then the allowed ones; `logout` (with fresh tokens) and
//! the deletes run last, `deleteCustomer` after the other deletes and
//! `deleteAdmin` very last.

use std::collections::{BTreeSet, HashMap};

use Target::{OfA, Own};
use api::auth::tokens::TokenKeys;
use base64::Engine as _;
use e2e_tests::{PASSWORD, Tenant, TestApp, on_both_backends};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    OwnerA,
    StandardA,
    ReadKeyA,
    CustomerSessionA,
    OwnerB,
    Operator,
    NoToken,
    Expired,
    OtherKey,
    AlgNone,
}

impl Who {
    const ALL: [Self; 10] = [
        Self::OwnerA,
        Self::StandardA,
        Self::ReadKeyA,
        Self::CustomerSessionA,
        Self::OwnerB,
        Self::Operator,
        Self::NoToken,
        Self::Expired,
        Self::OtherKey,
        Self::AlgNone,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::OwnerA => "A's owner",
            Self::StandardA => "A's standard admin",
            Self::ReadKeyA => "A's read-only API key",
            Self::CustomerSessionA => "A's customer session for c2",
            Self::OwnerB => "B's owner",
            Self::Operator => "the platform operator",
            Self::NoToken => "no token",
            Self::Expired => "an expired token",
            Self::OtherKey => "a token signed with another key",
            Self::AlgNone => "an alg=none token",
        }
    }

    fn has_bad_credentials(self) -> bool {
        matches!(self, Self::NoToken | Self::Expired | Self::OtherKey | Self::AlgNone)
    }
}

/// What an MSP operation is aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The caller's own MSP: a collection, or the caller's own profile.
    Own,
    /// One of A's resources, named by id in the path.
    OfA,
}

/// What a customer session (for c2) may do with an operation on c1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Session {
    /// Allowed: its own profile and signing out.
    Allowed,
    /// Another customer is as unknown as one of another MSP: 404.
    Hidden,
    /// Anything else: 403.
    Forbidden,
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// No credentials: every caller gets the same answer.
    Public,
    /// Platform operators only.
    Platform,
    /// Inside an MSP. Owners may do everything; the flags say whether a
    /// standard admin without extras and a read-only key may too.
    Msp { target: Target, standard: bool, read_key: bool, session: Session },
}

const fn msp(target: Target, standard: bool, read_key: bool, session: Session) -> Access {
    Access::Msp { target, standard, read_key, session }
}

/// The expectation table, from `domain/src/access.rs`. Every operationId of
/// the contract needs a row.
#[rustfmt::skip]
const RULES: &[(&str, Access)] = &[
    // operationId             target standard read key customer session
    ("healthz",              Access::Public),
    ("readyz",               Access::Public),
    ("login",                Access::Public),
    ("refresh",              Access::Public),
    ("setPassword",          Access::Public),
    ("forgotPassword",       Access::Public),
    ("operatorLogin",        Access::Public),
    ("getMe",                msp(Own, true,  false, Session::Allowed)),
    ("logout",               msp(Own, true,  false, Session::Allowed)),
    ("listCustomers",        msp(Own, true,  true,  Session::Forbidden)),
    ("createCustomer",       msp(Own, false, false, Session::Forbidden)), // needs create_organizations
    ("getCustomer",          msp(OfA, true,  true,  Session::Hidden)),
    ("updateCustomer",       msp(OfA, true,  false, Session::Hidden)),
    ("deleteCustomer",       msp(OfA, true,  false, Session::Forbidden)),
    ("startCustomerSession", msp(OfA, true,  false, Session::Forbidden)),
    ("listAdmins",           msp(Own, true,  true,  Session::Forbidden)),
    ("createAdmin",          msp(Own, false, false, Session::Forbidden)),
    ("getAdmin",             msp(OfA, true,  true,  Session::Forbidden)),
    ("updateAdmin",          msp(OfA, false, false, Session::Forbidden)),
    ("deleteAdmin",          msp(OfA, false, false, Session::Forbidden)),
    ("listApiKeys",          msp(Own, true,  true,  Session::Forbidden)),
    ("createApiKey",         msp(Own, true,  false, Session::Forbidden)),
    ("getApiKey",            msp(OfA, true,  true,  Session::Forbidden)),
    ("revokeApiKey",         msp(OfA, true,  false, Session::Forbidden)),
    ("listAuditEvents",      msp(Own, true,  true,  Session::Forbidden)),
    ("exportCustomers",      msp(Own, true,  true,  Session::Forbidden)),
    ("listCustomerGroupsOfCustomer", msp(OfA, true, true, Session::Hidden)),
    ("listTiers",            msp(Own, true,  true,  Session::Forbidden)),
    ("listCustomerGroups",   msp(Own, true,  true,  Session::Forbidden)),
    ("createCustomerGroup",  msp(Own, true,  false, Session::Forbidden)),
    ("getCustomerGroup",     msp(OfA, true,  true,  Session::Forbidden)),
    ("updateCustomerGroup",  msp(OfA, true,  false, Session::Forbidden)),
    ("deleteCustomerGroup",  msp(OfA, true,  false, Session::Forbidden)),
    ("listGroupCustomers",   msp(OfA, true,  true,  Session::Forbidden)),
    ("addGroupCustomer",     msp(OfA, true,  false, Session::Forbidden)),
    ("removeGroupCustomer",  msp(OfA, true,  false, Session::Forbidden)),
    ("getSeatPool",          msp(Own, true,  true,  Session::Forbidden)),
    ("updateSeatPool",       msp(Own, false, false, Session::Forbidden)), // needs purchase_licenses
    ("listSeatAllocations",  msp(Own, true,  true,  Session::Forbidden)),
    ("listExpiringLicenses", msp(Own, true,  true,  Session::Forbidden)),
    ("createSeatExpansionRequest", msp(Own, false, false, Session::Forbidden)), // needs purchase_licenses
    ("listSeatExpansionRequests",  msp(Own, true,  true,  Session::Forbidden)),
    ("listAllSeatExpansionRequests", Access::Platform),
    ("approveSeatExpansionRequest",  Access::Platform),
    ("rejectSeatExpansionRequest",   Access::Platform),
    ("listAccounts",         msp(OfA, true,  true,  Session::Hidden)),
    ("createAccount",        msp(OfA, true,  false, Session::Hidden)),
    ("importAccounts",       msp(OfA, true,  false, Session::Hidden)),
    ("getAccount",           msp(OfA, true,  true,  Session::Hidden)),
    ("updateAccount",        msp(OfA, true,  false, Session::Hidden)),
    ("deleteAccount",        msp(OfA, true,  false, Session::Hidden)),
    ("activateAccount",      msp(OfA, true,  false, Session::Hidden)),
    ("deactivateAccount",    msp(OfA, true,  false, Session::Hidden)),
    ("listAccountStatusHistory", msp(OfA, true, true, Session::Hidden)),
    ("createScimToken",      msp(OfA, true,  false, Session::Hidden)),
    ("getProvisioning",      msp(OfA, true,  true,  Session::Hidden)),
    ("getOnboarding",        msp(OfA, true,  true,  Session::Hidden)),
    ("saveOnboardingStep",   msp(OfA, true,  false, Session::Hidden)),
    ("getOnboardingReadiness", msp(OfA, true, true, Session::Hidden)),
    ("goLive",               msp(OfA, true,  false, Session::Hidden)),
    ("createDeliveryTest",   msp(OfA, true,  false, Session::Hidden)),
    ("listDeliveryTests",    msp(OfA, true,  true,  Session::Hidden)),
    ("getDeliveryTest",      msp(OfA, true,  true,  Session::Hidden)),
    ("confirmDeliveryTest",  Access::Public),
    ("putLogo",              msp(OfA, true,  false, Session::Hidden)),
    ("getLogo",              msp(OfA, true,  true,  Session::Hidden)),
    ("listSetupIncomplete",  msp(Own, true,  true,  Session::Forbidden)),
    ("listSkus",             msp(Own, true,  true,  Session::Forbidden)),
    ("getMaaSummary",        msp(Own, true,  true,  Session::Forbidden)),
    ("getMaaHistory",        msp(Own, true,  true,  Session::Forbidden)),
    ("listCustomerMaa",      msp(Own, true,  true,  Session::Forbidden)),
    ("getMaaAllowance",      msp(Own, true,  true,  Session::Forbidden)),
    ("listAllowanceOrders",  msp(Own, true,  true,  Session::Forbidden)),
    ("createAllowanceOrder", msp(Own, false, false, Session::Forbidden)), // needs purchase_licenses
    ("listMsps",             Access::Platform),
    ("createMsp",            Access::Platform),
    ("getMsp",               Access::Platform),
    ("updateMsp",            Access::Platform),
    ("listJobs",             Access::Platform),
    ("listPhishingScenarios", msp(Own, true, true,  Session::Forbidden)),
    ("createPhishingScenario", msp(Own, true, false, Session::Forbidden)),
    ("getPhishingScenario",  msp(OfA, true,  true,  Session::Forbidden)),
    ("updatePhishingScenario", msp(OfA, true, false, Session::Forbidden)),
    ("deletePhishingScenario", msp(OfA, true, false, Session::Forbidden)),
    ("previewPhishingScenario", msp(OfA, true, true, Session::Forbidden)),
    ("listCampaigns",        msp(Own, true,  true,  Session::Forbidden)),
    ("countCampaigns",       msp(Own, true,  true,  Session::Forbidden)),
    ("countCustomerCampaigns", msp(OfA, true, true, Session::Hidden)),
    ("listCustomerCampaigns", msp(OfA, true, true,  Session::Hidden)),
    ("createCampaign",       msp(OfA, true,  false, Session::Hidden)),
    ("getCampaign",          msp(OfA, true,  true,  Session::Hidden)),
    ("updateCampaign",       msp(OfA, true,  false, Session::Hidden)),
    ("deleteCampaign",       msp(OfA, true,  false, Session::Hidden)),
    ("checkCampaignLaunch",  msp(OfA, true,  true,  Session::Hidden)),
    ("launchCampaign",       msp(OfA, true,  false, Session::Hidden)),
    ("pauseCampaign",        msp(OfA, true,  false, Session::Hidden)),
    ("resumeCampaign",       msp(OfA, true,  false, Session::Hidden)),
    ("cancelCampaign",       msp(OfA, true,  false, Session::Hidden)),
    ("completeCampaign",     msp(OfA, true,  false, Session::Hidden)),
    ("listCampaignRecipients", msp(OfA, true, true, Session::Hidden)),
    ("getAllowlistingKit",   msp(OfA, true,  true,  Session::Hidden)),
    ("getCampaignResults",   msp(OfA, true,  true,  Session::Hidden)),
    ("getCampaignReport",    msp(OfA, true,  true,  Session::Hidden)),
    ("listCampaignEvents",   msp(OfA, true,  true,  Session::Hidden)),
    ("reclassifyCampaignEvent", msp(OfA, true, false, Session::Hidden)),
    ("enterRecipientReport", msp(OfA, true,  false, Session::Hidden)),
    ("exportCampaignRecipients", msp(OfA, true, true, Session::Hidden)),
    ("getTrackingSettings",  msp(Own, true,  true,  Session::Forbidden)),
    ("updateTrackingSettings", msp(Own, true, false, Session::Forbidden)),
    ("eraseAccount",         msp(OfA, true,  false, Session::Hidden)),
    ("trackOpen",            Access::Public),
    ("trackClick",           Access::Public),
    ("checkClick",           Access::Public),
    ("trackHoneypot",        Access::Public),
    ("checkHoneypot",        Access::Public),
    ("showLandingPage",      Access::Public),
    ("submitLandingForm",    Access::Public),
    ("showTeachableMoment",  Access::Public),
    ("reportPhish",          Access::Public),
];

/// Operations whose outcome for an allowed caller depends on the state an
/// earlier caller left (a campaign another caller cancelled cannot be
/// paused): for them a 409 also shows that access was granted.
/// A report exists only once its campaign completed; an account is erased
/// only once it is inactive.
const STATE_DEPENDENT: &[&str] = &[
    "launchCampaign",
    "pauseCampaign",
    "resumeCampaign",
    "cancelCampaign",
    "completeCampaign",
    "getCampaignReport",
    "eraseAccount",
];

/// What one caller must get from one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Whatever every other caller gets (public operations).
    SameForAll,
    /// 2xx (or 404 from a delete whose target an earlier caller deleted).
    Allowed,
    Unauthorized,
    Forbidden,
    NotFound,
}

fn expected(access: Access, who: Who) -> Expect {
    let allowed = |yes: bool| if yes { Expect::Allowed } else { Expect::Forbidden };
    match access {
        Access::Public => Expect::SameForAll,
        _ if who.has_bad_credentials() => Expect::Unauthorized,
        Access::Platform => allowed(who == Who::Operator),
        Access::Msp { target, standard, read_key, session } => match who {
            Who::OwnerA => Expect::Allowed,
            Who::StandardA => allowed(standard),
            Who::ReadKeyA => allowed(read_key),
            Who::CustomerSessionA => match session {
                Session::Allowed => Expect::Allowed,
                Session::Hidden => Expect::NotFound,
                Session::Forbidden => Expect::Forbidden,
            },
            Who::OwnerB if target == OfA => Expect::NotFound,
            Who::OwnerB => Expect::Allowed,
            Who::Operator => Expect::Forbidden,
            Who::NoToken | Who::Expired | Who::OtherKey | Who::AlgNone => Expect::Unauthorized,
        },
    }
}

/// One operation of the contract.
#[derive(Debug)]
struct Operation {
    id: String,
    method: String,
    path: String,
    has_body: bool,
}

impl Operation {
    /// Destructive operations run last, deleting an admin very last.
    fn phase(&self) -> u8 {
        match (self.id.as_str(), self.method.as_str()) {
            ("deleteAdmin", _) => 4,
            // After the operations on c1's group memberships.
            ("deleteCustomer", _) => 3,
            (_, "delete") => 2,
            ("logout", _) => 1,
            _ => 0,
        }
    }
}

/// Every (path, method) of the served contract.
async fn operations(app: &TestApp) -> Vec<Operation> {
    let response = app.get("/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK, "GET /openapi.json");
    let document: Value = response.json().await.unwrap();
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if !["get", "put", "post", "delete", "patch", "head", "options", "trace"].contains(&method.as_str()) {
                continue;
            }
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            operations.push(Operation {
                id: id.to_owned(),
                method: method.clone(),
                path: path.clone(),
                has_body: operation.get("requestBody").is_some(),
            });
        }
    }
    operations
}

fn rule(operation: &Operation) -> Access {
    let Some((_, access)) = RULES.iter().find(|(id, _)| *id == operation.id) else {
        panic!(
            "{} {} ({}) is not in the isolation matrix: add a row to RULES in tests/e2e/isolation.rs",
            operation.method.to_uppercase(),
            operation.path,
            operation.id
        )
    };
    if let Access::Msp { target, .. } = access {
        assert_eq!(
            *target == OfA,
            operation.path.contains('{'),
            "{}: the target in RULES does not match {}",
            operation.id,
            operation.path
        );
    }
    *access
}

/// A's resources that the paths name.
struct Targets {
    customer: String,
    admin: String,
    spare_admin: String,
    key: String,
    spare_key: String,
    msp: String,
    group: String,
    spare_group: String,
    request_to_approve: String,
    request_to_reject: String,
    account: String,
    spare_account: String,
    delivery_test: String,
    scenario: String,
    spare_scenario: String,
    campaign: String,
    moving_campaign: String,
    spare_campaign: String,
    recipient: String,
    event: String,
}

fn fill_path(operation: &Operation, targets: &Targets) -> String {
    // Each path parameter has one spelling across the API; deletes go to spare ones.
    let pick = |spare: &'static str, spare_target: &String, target: &String| -> String {
        if operation.id == spare { spare_target.clone() } else { target.clone() }
    };
    let pick_any = |spares: &[&str], spare_target: &String, target: &String| -> String {
        if spares.contains(&operation.id.as_str()) { spare_target.clone() } else { target.clone() }
    };
    let request = match operation.id.as_str() {
        "rejectSeatExpansionRequest" => &targets.request_to_reject,
        _ => &targets.request_to_approve,
    };
    let campaign = match operation.id.as_str() {
        "deleteCampaign" => &targets.spare_campaign,
        "getCampaignReport" => &targets.campaign,
        id if STATE_DEPENDENT.contains(&id) => &targets.moving_campaign,
        _ => &targets.campaign,
    };
    let filled = operation
        .path
        .replace("{campaign_id}", campaign)
        .replace("{scenario_id}", &pick("deletePhishingScenario", &targets.spare_scenario, &targets.scenario))
        .replace("{customer_id}", &targets.customer)
        .replace(
            "{account_id}",
            &pick_any(&["deleteAccount", "eraseAccount"], &targets.spare_account, &targets.account),
        )
        .replace("{recipient_id}", &targets.recipient)
        .replace("{event_id}", &targets.event)
        .replace("{token}", "AZOhssPUfl-KmwwdLj9KW7xR2d2wq9gQyWuS8uB0uY4")
        .replace("{test_id}", &targets.delivery_test)
        .replace("{step}", "email_config")
        .replace("{group_id}", &pick("deleteCustomerGroup", &targets.spare_group, &targets.group))
        .replace("{request_id}", request)
        .replace("{admin_id}", &pick("deleteAdmin", &targets.spare_admin, &targets.admin))
        .replace("{api_key_id}", &pick("revokeApiKey", &targets.spare_key, &targets.key))
        .replace("{msp_id}", &targets.msp);
    assert!(!filled.contains('{'), "{}: no fixture fills the parameters of {filled}; extend fill_path", operation.id);
    filled
}

fn limits() -> Value {
    json!({
        "max_organizations": 10,
        "seat_pool_total": 100,
        "seat_pool_renewal_date": null,
        "max_global_users": 100,
        "max_local_users": 10,
    })
}

/// A valid body for `operation`; `n` makes names, e-mails and domains unique.
fn body_for(operation: &str, n: usize) -> Value {
    match operation {
        "login" | "operatorLogin" => {
            json!({ "email": format!("nobody-{n}@nowhere.example"), "password": "not the password" })
        }
        "refresh" => json!({ "refresh_token": format!("bogus-refresh-token-{n}") }),
        "setPassword" => json!({ "token": format!("bogus-link-token-{n}"), "password": PASSWORD }),
        "forgotPassword" => json!({ "email": format!("nobody-{n}@nowhere.example") }),
        "createCustomer" => {
            json!({ "name": format!("Matrix customer {n}"), "domains": [format!("x-{n}.example")], "country": "DE" })
        }
        // Keeps the old name inside the new one, so the leak markers still match.
        "updateCustomer" => json!({ "name": format!("{C1_NAME} renamed {n}") }),
        "createAdmin" => json!({ "email": format!("matrix-{n}@admins.example"), "role": "standard", "notify": false }),
        "updateAdmin" => json!({ "permissions": [] }),
        "createApiKey" => json!({ "name": format!("matrix key {n}"), "scopes": ["read"] }),
        "createMsp" => {
            json!({ "name": format!("New MSP {n}"), "owner_email": format!("o{n}@new.example"), "limits": limits() })
        }
        "updateMsp" => json!({ "limits": limits() }),
        "createCustomerGroup" => json!({ "name": format!("Matrix group {n}"), "kind": "custom" }),
        "updateCustomerGroup" => json!({ "description": format!("changed {n}") }),
        "updateSeatPool" => json!({ "warning_threshold_percent": 80 }),
        "createSeatExpansionRequest" => json!({ "seats": 10, "reason": format!("matrix {n}") }),
        "approveSeatExpansionRequest" | "rejectSeatExpansionRequest" => json!({ "note": format!("matrix {n}") }),
        "createAccount" => json!({ "email": format!("matrix-{n}@alpha-one.example"), "status": "inactive" }),
        "updateAccount" => json!({ "department": format!("Matrix {n}") }),
        "saveOnboardingStep" => json!({ "m365_transport_rule": n.is_multiple_of(2) }),
        "createDeliveryTest" => json!({ "recipient": format!("it-{n}@alpha-one.example") }),
        "putLogo" => json!(LOGO_BODY),
        "importAccounts" => Value::String(format!("email,status\r\nimported-{n}@alpha-one.example,inactive\r\n")),
        "createAllowanceOrder" => json!({ "sku": "maa-1k-12m", "quantity": 1 }),
        "createPhishingScenario" => scenario_body(&format!("Matrix scenario {n}")),
        "updatePhishingScenario" => json!({ "difficulty": n % 5 + 1 }),
        "previewPhishingScenario" => json!({ "display_name": format!("Matrix {n}") }),
        "createCampaign" => campaign_body(&format!("Matrix campaign {n}")),
        "updateCampaign" => json!({ "name": format!("Matrix campaign renamed {n}") }),
        "reclassifyCampaignEvent" => {
            json!({ "classification": if n.is_multiple_of(2) { "human" } else { "automated" } })
        }
        "updateTrackingSettings" => json!({ "click_delay_seconds": 15 + n % 5 }),
        "reportPhish" => json!({ "token": format!("not-a-token-{n}") }),
        "submitLandingForm" => json!({ "password": format!("matrix {n}") }),
        other => panic!("{other} takes a request body but the matrix has none for it: add one to body_for"),
    }
}

fn scenario_body(name: &str) -> Value {
    json!({
        "name": name, "category": "matrix", "difficulty": 2, "sender_name": "Matrix", "sender_local_part": "matrix",
        "landing_page": "click_only",
        "content": [{ "language": "en", "subject": "Hi {{first_name}}", "html_body": "<p><a href=\"{{link}}\">open</a></p>",
            "text_body": "{{link}}", "landing_page_html": "<p>hello</p>", "teachable_moment_html": "<p>a test</p>" }]
    })
}

fn campaign_body(name: &str) -> Value {
    json!({ "name": name, "scenario_ids": ["00000000-0000-7000-8000-000000000003"], "schedule": { "starts_at": "2030-01-07T09:00" } })
}

/// Stands for a PNG logo in [`body_for`]; [`send`] sends the image.
const LOGO_BODY: &str = "<a PNG logo>";

const C1_NAME: &str = "Alpha One Customer";
const C2_NAME: &str = "Alpha Two Customer";
const STANDARD_EMAIL: &str = "std@msp-a.example";
const SPARE_EMAIL: &str = "spare@msp-a.example";
const OPERATOR_EMAIL: &str = "ops@vendor.example";

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_else(|| panic!("a string, not {value}")).to_owned()
}

async fn create_key(app: &TestApp, owner: &Tenant, name: &str) -> Value {
    let response = app.post("/api/v1/api-keys", Some(&owner.token), &json!({ "name": name, "scopes": ["read"] })).await;
    assert_eq!(response.status(), StatusCode::CREATED, "creating key {name}");
    response.json().await.unwrap()
}

async fn customer_session(app: &TestApp, owner: &Tenant, customer_id: &str) -> String {
    let response = app.post(&format!("/api/v1/customers/{customer_id}/sessions"), Some(&owner.token), &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK, "starting a customer session");
    text(&response.json::<Value>().await.unwrap()["access_token"])
}

async fn create_group(app: &TestApp, owner: &Tenant, name: &str) -> Value {
    let body = json!({ "name": name, "kind": "custom" });
    let response = app.post("/api/v1/customer-groups", Some(&owner.token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "creating group {name}");
    response.json().await.unwrap()
}

async fn request_seats(app: &TestApp, owner: &Tenant) -> Value {
    let body = json!({ "seats": 5 });
    let response = app.post("/api/v1/license/pool/expansion-requests", Some(&owner.token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "requesting seats");
    response.json().await.unwrap()
}

async fn create_account(app: &TestApp, owner: &Tenant, customer_id: &str, email: &str) -> Value {
    let body = json!({ "email": email, "status": "inactive" });
    let response = app.post(&format!("/api/v1/customers/{customer_id}/accounts"), Some(&owner.token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "creating account {email}");
    response.json().await.unwrap()
}

async fn create_in(app: &TestApp, owner: &Tenant, path: &str, body: Value) -> Value {
    let response = app.post(path, Some(&owner.token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "creating {body}");
    response.json().await.unwrap()
}

async fn access_token(app: &TestApp, email: &str) -> String {
    text(&app.login(email, PASSWORD).await["access_token"])
}

/// Everything the matrix needs: tokens per caller, targets, and the markers
/// of A that must never reach anyone else.
struct World {
    tokens: HashMap<Who, String>,
    /// Fresh tokens for `logout`, so that signing out does not end the
    /// sessions the other operations use.
    logout_tokens: HashMap<Who, String>,
    targets: Targets,
    markers: Vec<String>,
}

impl World {
    fn token(&self, who: Who, operation: &str) -> Option<&str> {
        let fresh = if operation == "logout" { self.logout_tokens.get(&who) } else { None };
        fresh.or_else(|| self.tokens.get(&who)).map(String::as_str)
    }
}

async fn build_world(app: &TestApp) -> World {
    let a = app.tenant("MSP A").await;
    let b = app.tenant("MSP B").await;
    let c1 = app.create_customer(&a, C1_NAME, &["alpha-one.example"]).await;
    let c2 = app.create_customer(&a, C2_NAME, &["alpha-two.example"]).await;
    let (standard, link) = app.invite_admin(&a, STANDARD_EMAIL, &[]).await;
    let set = app.post("/api/v1/auth/set-password", None, &json!({ "token": link, "password": PASSWORD })).await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT, "setting the standard admin's password");
    let (spare, _) = app.invite_admin(&a, SPARE_EMAIL, &[]).await;
    let key = create_key(app, &a, "read key").await;
    let spare_key = create_key(app, &a, "spare key").await;
    let c2_id = text(&c2["id"]);
    let group = create_group(app, &a, "Alpha group").await;
    let spare_group = create_group(app, &a, "Alpha spare group").await;
    let to_approve = request_seats(app, &a).await;
    let to_reject = request_seats(app, &a).await;
    // Room to activate an account of c1.
    app.set_limits(
        &a,
        domain::msps::MspLimits { seat_pool_total: 10, max_global_users: 10, ..domain::msps::MspLimits::starter() },
    )
    .await;
    let c1_id = text(&c1["id"]);
    let seats = app.patch(&format!("/api/v1/customers/{c1_id}"), Some(&a.token), &json!({ "seats": 5 })).await;
    assert_eq!(seats.status(), StatusCode::OK, "giving c1 seats");
    let account = create_account(app, &a, &c1_id, "matrix.account@alpha-one.example").await;
    let spare_account = create_account(app, &a, &c1_id, "matrix.spare@alpha-one.example").await;
    let logo = app
        .client
        .put(app.url(&format!("/api/v1/customers/{c1_id}/onboarding/branding/logo")))
        .bearer_auth(&a.token)
        .body(e2e_tests::png_image(200, 200, false))
        .send()
        .await
        .unwrap();
    assert_eq!(logo.status(), StatusCode::OK, "c1's logo");
    let delivery_test = app
        .post(
            &format!("/api/v1/customers/{c1_id}/onboarding/delivery-tests"),
            Some(&a.token),
            &json!({ "recipient": "it@alpha-one.example" }),
        )
        .await;
    assert_eq!(delivery_test.status(), StatusCode::CREATED, "c1's delivery test");
    let delivery_test: Value = delivery_test.json().await.unwrap();

    let operator = app.operator_token(OPERATOR_EMAIL).await;
    let scenario = create_in(app, &a, "/api/v1/phishing-scenarios", scenario_body("Alpha scenario")).await;
    let spare_scenario = create_in(app, &a, "/api/v1/phishing-scenarios", scenario_body("Alpha spare scenario")).await;
    let campaigns = format!("/api/v1/customers/{c1_id}/campaigns");
    let campaign = create_in(app, &a, &campaigns, campaign_body("Alpha campaign")).await;
    let moving_campaign = create_in(app, &a, &campaigns, campaign_body("Alpha moving campaign")).await;
    let spare_campaign = create_in(app, &a, &campaigns, campaign_body("Alpha spare campaign")).await;

    // A recipient of the campaign with one tracking event, for the results' operations.
    let (msp_id, campaign_id, account_id) = (a.msp_id.clone(), text(&campaign["id"]), text(&account["id"]));
    let at = app.now();
    let (recipient, event) = app
        .with_db(move |conn| {
            let recipient = persistence::campaign_recipients::RecipientRecord {
                id: persistence::new_id(),
                msp_id: msp_id.clone(),
                campaign_id: campaign_id.clone(),
                account_id,
                email: "tracked@alpha-one.example".to_owned(),
                display_name: None,
                department: None,
                scenario_id: "00000000-0000-7000-8000-000000000003".to_owned(),
                planned_at: at.naive_utc(),
                created_at: at.naive_utc(),
                due_at: Some(at.naive_utc()),
            };
            persistence::campaign_recipients::insert_all(conn, std::slice::from_ref(&recipient)).unwrap();
            let event = persistence::campaign_events::EventRecord {
                id: persistence::new_id(),
                msp_id,
                campaign_id,
                recipient_id: recipient.id.clone(),
                kind: domain::campaigns::classify::EventKind::Clicked,
                classification: domain::campaigns::classify::Classification::Automated,
                reasons: vec![domain::campaigns::classify::Reason::ScannerUserAgent],
                occurred_at: at,
                late: false,
                source_address: Some("203.0.113.9".to_owned()),
                user_agent: Some("python-requests/2.32".to_owned()),
                field_names: None,
                reported_via: None,
                reclassified_by: None,
                reclassified_at: None,
            };
            persistence::campaign_events::insert(conn, &event).unwrap();
            (recipient.id, event.id)
        })
        .await;

    // Bad credentials, all made from A's owner's own claims.
    let sid = app.token_keys().verify(&a.token, app.now()).expect("the owner's token verifies").sid;
    let now = chrono::Utc::now();
    let expired = app.token_keys().issue(&a.admin_id, &a.msp_id, &sid, now - chrono::TimeDelta::hours(1)).unwrap();
    let other_key =
        TokenKeys::new(b"another-secret-another-secret-0123456789").issue(&a.admin_id, &a.msp_id, &sid, now).unwrap();
    let payload = a.token.split('.').nth(1).expect("a JWT payload");
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let alg_none = format!("{header}.{payload}.");

    let tokens = HashMap::from([
        (Who::OwnerA, a.token.clone()),
        (Who::StandardA, access_token(app, STANDARD_EMAIL).await),
        (Who::ReadKeyA, text(&key["secret"])),
        (Who::CustomerSessionA, customer_session(app, &a, &c2_id).await),
        (Who::OwnerB, b.token.clone()),
        (Who::Operator, operator),
        (Who::Expired, expired),
        (Who::OtherKey, other_key),
        (Who::AlgNone, alg_none),
    ]);
    // Made now, before the public `login` cases record failed sign-ins.
    let logout_tokens = HashMap::from([
        (Who::OwnerA, access_token(app, &a.email).await),
        (Who::StandardA, access_token(app, STANDARD_EMAIL).await),
        (Who::CustomerSessionA, customer_session(app, &a, &c2_id).await),
        (Who::OwnerB, access_token(app, &b.email).await),
    ]);

    let mut markers = vec![
        a.msp_id.clone(),
        "MSP A".to_owned(),
        a.admin_id.clone(),
        a.email.clone(),
        text(&standard["id"]),
        STANDARD_EMAIL.to_owned(),
        text(&spare["id"]),
        SPARE_EMAIL.to_owned(),
    ];
    for customer in [&c1, &c2] {
        markers.extend([text(&customer["id"]), text(&customer["name"])]);
        markers.extend(customer["domains"].as_array().unwrap().iter().map(text));
    }
    markers.extend(["Alpha group".to_owned(), text(&group["id"]), text(&spare_group["id"])]);
    markers.extend([text(&to_approve["id"]), text(&to_reject["id"])]);
    for made in [&scenario, &spare_scenario, &campaign, &moving_campaign, &spare_campaign] {
        markers.extend([text(&made["id"]), text(&made["name"])]);
    }
    markers.extend([recipient.clone(), event.clone(), "tracked@alpha-one.example".to_owned()]);
    for account in [&account, &spare_account] {
        markers.extend([text(&account["id"]), text(&account["email"])]);
    }
    for key in [&key, &spare_key] {
        markers.extend([text(&key["id"]), text(&key["prefix"]), text(&key["secret"])]);
    }
    let targets = Targets {
        customer: text(&c1["id"]),
        admin: text(&standard["id"]),
        spare_admin: text(&spare["id"]),
        key: text(&key["id"]),
        spare_key: text(&spare_key["id"]),
        msp: a.msp_id,
        group: text(&group["id"]),
        spare_group: text(&spare_group["id"]),
        request_to_approve: text(&to_approve["id"]),
        request_to_reject: text(&to_reject["id"]),
        account: text(&account["id"]),
        spare_account: text(&spare_account["id"]),
        delivery_test: text(&delivery_test["id"]),
        scenario: text(&scenario["id"]),
        spare_scenario: text(&spare_scenario["id"]),
        campaign: text(&campaign["id"]),
        moving_campaign: text(&moving_campaign["id"]),
        spare_campaign: text(&spare_campaign["id"]),
        recipient,
        event,
    };
    World { tokens, logout_tokens, targets, markers }
}

/// What came back.
struct Reply {
    /// A reply to `HEAD`: headers only.
    head: bool,
    status: StatusCode,
    content_type: String,
    has_request_id: bool,
    body: String,
}

async fn send(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Reply {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let head = method == Method::HEAD;
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    match body {
        // The import takes CSV, carried here as a JSON string.
        Some(Value::String(csv)) if csv == LOGO_BODY => {
            request = request.header(CONTENT_TYPE, "image/png").body(e2e_tests::png_image(200, 200, false));
        }
        Some(Value::String(csv)) => request = request.header(CONTENT_TYPE, "text/csv").body(csv.clone()),
        Some(body) => request = request.json(body),
        None => {}
    }
    let response = request.send().await.expect("request reaches the server");
    let status = response.status();
    let content_type =
        response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let has_request_id = response.headers().contains_key("x-request-id");
    Reply { head, status, content_type, has_request_id, body: response.text().await.unwrap() }
}

/// Checks that an error reply is a well-formed problem+json; for MSP and
/// platform operations also that its code fits its status.
fn check_problem(reply: &Reply, public: bool) -> Result<(), String> {
    if reply.content_type != "application/problem+json" {
        return Err(format!("content-type {:?}, not application/problem+json", reply.content_type));
    }
    if !reply.has_request_id {
        return Err("no X-Request-Id".to_owned());
    }
    if reply.head {
        // Headers only: the problem's type was checked above.
        return Ok(());
    }
    let problem: Value = serde_json::from_str(&reply.body).map_err(|e| format!("problem body is not JSON: {e}"))?;
    let code = problem["code"].as_str().unwrap_or_default();
    if problem["status"] != reply.status.as_u16() {
        return Err(format!("problem status {} on a {} reply", problem["status"], reply.status));
    }
    if problem["type"] != format!("urn:msp-portal:problem:{code}") {
        return Err(format!("problem type {} does not match code {code:?}", problem["type"]));
    }
    if !(problem["title"].is_string() && problem["detail"].is_string()) {
        return Err("problem without title or detail".to_owned());
    }
    let codes: &[&str] = match reply.status {
        _ if public => return Ok(()),
        StatusCode::UNAUTHORIZED => &["missing_credentials", "invalid_token", "invalid_api_key"],
        StatusCode::FORBIDDEN => &["forbidden"],
        _ => &["not_found"],
    };
    if codes.contains(&code) { Ok(()) } else { Err(format!("problem code {code:?}, expected one of {codes:?}")) }
}

/// What the matrix remembers across the callers of one operation.
#[derive(Default)]
struct Seen {
    /// Status of the first caller of a public operation.
    public_status: Option<StatusCode>,
    /// An allowed caller already deleted the target.
    deleted: bool,
}

fn check_status(
    reply: &Reply,
    expect: Expect,
    is_delete: bool,
    state_dependent: bool,
    seen: &mut Seen,
) -> Result<(), String> {
    let status = reply.status;
    let ok = match expect {
        Expect::SameForAll => {
            let first = *seen.public_status.get_or_insert(status);
            if status != first {
                return Err(format!("public operation: got {status}, while the first caller got {first}"));
            }
            !status.is_server_error()
        }
        Expect::Allowed if status.is_success() => {
            seen.deleted |= is_delete;
            true
        }
        Expect::Allowed if state_dependent && status == StatusCode::CONFLICT => true,
        Expect::Allowed => is_delete && seen.deleted && status == StatusCode::NOT_FOUND,
        Expect::Unauthorized => status == StatusCode::UNAUTHORIZED,
        Expect::Forbidden => status == StatusCode::FORBIDDEN,
        Expect::NotFound => status == StatusCode::NOT_FOUND,
    };
    if !ok {
        return Err(format!("expected {expect:?}, got {status}"));
    }
    if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
        check_problem(reply, expect == Expect::SameForAll)?;
    }
    Ok(())
}

#[allow(clippy::print_stdout)]
fn report(operations: usize, cases: usize, backend: e2e_tests::Backend) {
    println!(
        "isolation matrix: {operations} operations x {} callers = {cases} cases checked ({backend:?})",
        Who::ALL.len()
    );
}

on_both_backends!(every_operation_is_isolated_by_msp_and_permission);

async fn every_operation_is_isolated_by_msp_and_permission(app: TestApp) {
    let world = build_world(&app).await;
    let operations = operations(&app).await;
    let rules: Vec<Access> = operations.iter().map(rule).collect();
    let listed: BTreeSet<&str> = operations.iter().map(|o| o.id.as_str()).collect();
    let stale: Vec<&str> = RULES.iter().map(|(id, _)| *id).filter(|id| !listed.contains(id)).collect();
    assert!(stale.is_empty(), "RULES names operations the contract does not have: {stale:?}");
    let mut order: Vec<usize> = (0..operations.len()).collect();
    order.sort_by_key(|&i| operations[i].phase());

    let (mut cases, mut n, mut failures) = (0, 0, Vec::new());
    for &i in &order {
        let (operation, access) = (&operations[i], rules[i]);
        let path = fill_path(operation, &world.targets);
        // Refused callers first: an allowed one may change or delete the target.
        let mut callers: Vec<(Who, Expect)> = Who::ALL.iter().map(|&who| (who, expected(access, who))).collect();
        callers.sort_by_key(|(_, expect)| *expect == Expect::Allowed);
        let mut seen = Seen::default();
        for (who, expect) in callers {
            n += 1;
            let body = operation.has_body.then(|| body_for(&operation.id, n));
            let reply = send(&app, &operation.method, &path, world.token(who, &operation.id), body.as_ref()).await;
            cases += 1;
            let case = format!("{} {path} ({}) as {}", operation.method.to_uppercase(), operation.id, who.label());
            if let Err(problem) = check_status(
                &reply,
                expect,
                operation.method == "delete",
                STATE_DEPENDENT.contains(&operation.id.as_str()),
                &mut seen,
            ) {
                failures.push(format!("{case}: {problem}\n    body: {}", reply.body));
            }
            let leak_checked = expect != Expect::SameForAll && (expect != Expect::Allowed || who == Who::OwnerB);
            if leak_checked {
                for marker in world.markers.iter().filter(|m| reply.body.contains(m.as_str())) {
                    failures
                        .push(format!("{case}: LEAK of A's {marker:?} ({})\n    body: {}", reply.status, reply.body));
                }
            }
        }
    }
    report(order.len(), cases, app.backend);
    assert!(failures.is_empty(), "{} of {cases} isolation cases failed:\n{}", failures.len(), failures.join("\n"));
}
