//! SCIM 2.0 provisioning over HTTP: the compliance checker scim2-tester
//! against a customer's base URL, every filter form, paging, tokens that
//! work only for their own customer, limits as SCIM errors, what real
//! identity providers send, and a whole provisioning run checked against
//! the accounts API, the status history and MAA.

use std::path::PathBuf;

use domain::msps::MspLimits;
use e2e_tests::{Tenant, TestApp, on_both_backends};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, ETAG, IF_MATCH, IF_NONE_MATCH, LOCATION};
use serde_json::{Value, json};

const SCIM_JSON: &str = "application/scim+json";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A customer with a SCIM token.
struct Scim {
    customer: String,
    base: String,
    token: String,
}

async fn msp(app: &TestApp, name: &str, max_global_users: i64) -> Tenant {
    let tenant = app.tenant(name).await;
    app.set_limits(&tenant, MspLimits { seat_pool_total: 100_000, max_global_users, ..MspLimits::starter() }).await;
    tenant
}

async fn customer(app: &TestApp, tenant: &Tenant, domain: &str, seats: i64) -> String {
    let body = json!({ "name": format!("Customer {domain}"), "domains": [domain], "country": "DE", "seats": seats, "max_mau": 100_000 });
    let response = app.post("/api/v1/customers", Some(&tenant.token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "creating {domain}");
    response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn connect(app: &TestApp, tenant: &Tenant, customer: &str) -> Scim {
    let response = app.post(&format!("/api/v1/customers/{customer}/scim-token"), Some(&tenant.token), &json!({})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("mscim_"));
    Scim { customer: customer.to_owned(), base: body["base_url"].as_str().unwrap().to_owned(), token }
}

impl Scim {
    async fn send(
        &self,
        app: &TestApp,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = app
            .client
            .request(method, format!("{}{path}", self.base))
            .header(AUTHORIZATION, format!("Bearer {}", self.token));
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, SCIM_JSON).body(body.to_string());
        }
        request.send().await.unwrap()
    }

    async fn get(&self, app: &TestApp, path: &str) -> (StatusCode, Value) {
        read(self.send(app, reqwest::Method::GET, path, None).await).await
    }

    async fn post(&self, app: &TestApp, path: &str, body: &Value) -> (StatusCode, Value) {
        read(self.send(app, reqwest::Method::POST, path, Some(body)).await).await
    }

    async fn patch(&self, app: &TestApp, path: &str, operations: Value) -> (StatusCode, Value) {
        let body = json!({ "schemas": [PATCH_OP], "Operations": operations });
        read(self.send(app, reqwest::Method::PATCH, path, Some(&body)).await).await
    }

    async fn create_user(&self, app: &TestApp, user: Value) -> Value {
        let (status, body) = self.post(app, "/Users", &user).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    async fn list(&self, app: &TestApp, query: &str) -> (StatusCode, Value) {
        let response = app
            .client
            .get(format!("{}/Users", self.base))
            .query(&[("filter", query)])
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
            .send()
            .await
            .unwrap();
        read(response).await
    }
}

/// Status and body of a SCIM response, checking its media type.
async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return (status, Value::Null);
    }
    let content_type =
        response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(content_type, SCIM_JSON, "SCIM responses are application/scim+json");
    (status, response.json().await.unwrap())
}

fn scim_tools() -> PathBuf {
    let tools = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/pyscim");
    assert!(
        tools.join("scim2_tester").exists(),
        "scim2-cli is missing from {}: run `make test` (or `make pyscim`) once to install it",
        tools.display()
    );
    tools
}

/// Runs `scim2 test` against the customer's base URL. The checker invents
/// attribute values from the published schema; a userName it invents is a
/// random UUID, which this service refuses (a userName must be an address
/// in one of the customer's domains). So it is given the server's own
/// schemas, fetched here, with canonical values for userName in the
/// customer's domain — the only change.
async fn run_compliance_checker(app: &TestApp, scim: &Scim, domain: &str) -> (bool, String) {
    let (status, schemas) = scim.get(app, "/Schemas").await;
    assert_eq!(status, StatusCode::OK);
    let mut schemas = schemas["Resources"].clone();
    let addresses: Vec<String> = (0..100_000).map(|n| format!("user{n:06}@{domain}")).collect();
    for schema in schemas.as_array_mut().unwrap() {
        for attribute in schema["attributes"].as_array_mut().unwrap() {
            if attribute["name"] == "userName" {
                attribute["canonicalValues"] = json!(addresses);
            }
        }
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), schemas.to_string()).unwrap();
    let tools = scim_tools();
    let (base, token, schemas_path) = (scim.base.clone(), scim.token.clone(), file.path().to_owned());
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .env("PYTHONPATH", &tools)
            .env("SCIM_CLI_HEADERS", format!("Authorization: Bearer {token}"))
            .arg(tools.join("bin/scim2"))
            .args(["--url", &base, "--schemas"])
            .arg(&schemas_path)
            .args(["test", "--verbose"])
            .output()
            .expect("python3 runs scim2")
    })
    .await
    .unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), report)
}

on_both_backends! {
    async fn the_compliance_checker_reports_no_failures(app: TestApp) {
        let tenant = msp(&app, "Checked MSP", 100_000).await;
        let customer = customer(&app, &tenant, "checked.example", 10_000).await;
        let scim = connect(&app, &tenant, &customer).await;
        let (passed, report) = run_compliance_checker(&app, &scim, "checked.example").await;
        println!("scim2 test:\n{report}");
        let checks = report.lines().filter(|l| l.starts_with("SUCCESS") || l.contains("ERROR") || l.contains("SKIPPED")).count();
        assert!(checks > 50, "the checker ran its checks: {report}");
        assert!(passed && !report.contains("ERROR") && !report.contains("CRITICAL"), "scim2 test failed:\n{report}");
    }
}
