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

on_both_backends!(the_compliance_checker_reports_no_failures);

async fn the_compliance_checker_reports_no_failures(app: TestApp) {
    let tenant = msp(&app, "Checked MSP", 100_000).await;
    let customer = customer(&app, &tenant, "checked.example", 10_000).await;
    let scim = connect(&app, &tenant, &customer).await;
    let (passed, report) = run_compliance_checker(&app, &scim, "checked.example").await;
    let checks = report.lines().filter(|l| !l.starts_with(' ') && l.split(' ').count() == 2).count();
    let succeeded = report.lines().filter(|l| l.starts_with("SUCCESS ")).count();
    eprintln!("scim2 test: {succeeded} of {checks} checks succeeded");
    assert!(checks > 50, "the checker ran its checks: {report}");
    assert_eq!(succeeded, checks, "every check succeeded:\n{report}");
    assert!(passed && !report.contains("ERROR") && !report.contains("CRITICAL"), "scim2 test failed:\n{report}");
}

/// The userNames of a list response, in order.
fn user_names(list: &Value) -> Vec<String> {
    list["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap().to_owned()).collect()
}

fn assert_scim_error(status: StatusCode, body: &Value, expected: StatusCode, scim_type: Option<&str>) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]), "{body}");
    assert_eq!(body["status"], expected.as_u16().to_string(), "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
    match scim_type {
        Some(scim_type) => assert_eq!(body["scimType"], scim_type, "{body}"),
        None => assert!(body.get("scimType").is_none(), "{body}"),
    }
}

async fn account(app: &TestApp, tenant: &Tenant, customer: &str, id: &str) -> reqwest::Response {
    app.get(&format!("/api/v1/customers/{customer}/accounts/{id}"), Some(&tenant.token)).await
}

async fn this_months_maa(app: &TestApp, tenant: &Tenant, customer: &str) -> i64 {
    let response = app.get(&format!("/api/v1/maa/history?months=1&customer_id={customer}"), Some(&tenant.token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Value>().await.unwrap()["months"][0]["maa"].as_i64().unwrap()
}

on_both_backends!(
    every_filter_form_selects_what_it_should,
    pages_cover_every_user_exactly_once,
    a_token_works_only_for_its_own_customer,
    provisioning_agrees_with_accounts_history_and_maa,
    limits_and_foreign_domains_are_scim_errors_an_admin_can_act_on,
    what_identity_providers_send_is_understood_and_junk_is_refused
);

async fn every_filter_form_selects_what_it_should(app: TestApp) {
    let tenant = msp(&app, "Filter MSP", 1_000).await;
    let customer = customer(&app, &tenant, "f.example", 100).await;
    let scim = connect(&app, &tenant, &customer).await;
    scim.create_user(
        &app,
        json!({ "schemas": [USER], "userName": "ann@f.example", "displayName": "Ann Lee",
        "externalId": "ext-ann", "emails": [{ "value": "ann.lee@f.example", "type": "work", "primary": true }] }),
    )
    .await;
    scim.create_user(
        &app,
        json!({ "schemas": [USER], "userName": "bob@f.example", "displayName": "Bob Stone",
        "externalId": "ext-bob", "active": false, "emails": [{ "value": "bob@home.example", "type": "home" }] }),
    )
    .await;
    scim.create_user(&app, json!({ "schemas": [USER], "userName": "carol@f.example", "externalId": "EXT-carol" }))
        .await;

    let cases: [(&str, &[&str]); 16] = [
        (r#"userName eq "ANN@f.example""#, &["ann@f.example"]),
        (r#"externalId eq "ext-bob""#, &["bob@f.example"]),
        (r#"externalId eq "EXT-BOB""#, &[]),
        (r#"emails.value eq "bob@home.example""#, &["bob@f.example"]),
        (r#"emails[type eq "work"]"#, &["ann@f.example"]),
        (r#"emails[type eq "work" and value co "lee"]"#, &["ann@f.example"]),
        (r#"displayName eq "Bob Stone""#, &["bob@f.example"]),
        (r#"userName co "o""#, &["bob@f.example", "carol@f.example"]),
        (r#"userName sw "c""#, &["carol@f.example"]),
        (r#"displayName pr"#, &["ann@f.example", "bob@f.example"]),
        (r#"userName sw "a" or userName sw "b""#, &["ann@f.example", "bob@f.example"]),
        (r#"userName co "o" and active eq true"#, &["carol@f.example"]),
        (r#"userName Eq "bob@f.example" AND active EQ false"#, &["bob@f.example"]),
        (r#"userName sw "a" or userName sw "b" and active eq true"#, &["ann@f.example"]),
        (r#"not (displayName pr)"#, &["carol@f.example"]),
        (r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "carol@f.example""#, &["carol@f.example"]),
    ];
    for (filter, expected) in cases {
        let (status, list) = scim.list(&app, filter).await;
        assert_eq!(status, StatusCode::OK, "{filter}: {list}");
        assert_eq!(user_names(&list), expected, "{filter}");
        assert_eq!(list["totalResults"], expected.len(), "{filter}");
    }

    for malformed in [
        r#"userName eq"#,
        r#"userName equals "x""#,
        r#"(userName eq "a""#,
        r#"userName eq "a" "b""#,
        "and",
        r#"emails[type eq "work""#,
    ] {
        let (status, body) = scim.list(&app, malformed).await;
        assert_scim_error(status, &body, StatusCode::BAD_REQUEST, Some("invalidFilter"));
    }

    let (status, group) = scim.post(&app, "/Groups", &json!({ "displayName": "Finance" })).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    scim.post(&app, "/Groups", &json!({ "displayName": "Sales" })).await;
    let response = app
        .client
        .get(format!("{}/Groups", scim.base))
        .query(&[("filter", r#"displayName eq "finance""#)])
        .header(AUTHORIZATION, format!("Bearer {}", scim.token))
        .send()
        .await
        .unwrap();
    let (status, groups) = read(response).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> =
        groups["Resources"].as_array().unwrap().iter().map(|g| g["displayName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Finance"]);

    // The same through POST .search.
    let (status, found) = scim
        .post(
            &app,
            "/Users/.search",
            &json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": r#"externalId eq "ext-ann""#, "attributes": ["userName"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(
        found["Resources"][0],
        json!({ "schemas": [USER], "id": found["Resources"][0]["id"], "userName": "ann@f.example" })
    );
}

async fn pages_cover_every_user_exactly_once(app: TestApp) {
    let tenant = msp(&app, "Paging MSP", 1_000).await;
    let customer = customer(&app, &tenant, "p.example", 100).await;
    let scim = connect(&app, &tenant, &customer).await;
    for n in 0..25 {
        scim.create_user(&app, json!({ "userName": format!("user{n:02}@p.example") })).await;
    }
    let mut seen = Vec::new();
    for (start, expected_items) in [(1, 10), (11, 10), (21, 5), (31, 0)] {
        let (status, page) = scim.get(&app, &format!("/Users?startIndex={start}&count=10")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["totalResults"], 25);
        assert_eq!(page["startIndex"], start);
        assert_eq!(page["itemsPerPage"], expected_items);
        seen.extend(user_names(&page));
    }
    let expected: Vec<String> = (0..25).map(|n| format!("user{n:02}@p.example")).collect();
    assert_eq!(seen, expected, "every user once, in creation order");

    // Filtered paging: the users whose name ends in 1.
    let mut filtered = Vec::new();
    for start in [1, 3, 5] {
        let response = app
            .client
            .get(format!("{}/Users", scim.base))
            .query(&[("filter", r#"userName co "1@""#), ("startIndex", &start.to_string()), ("count", "2")])
            .header(AUTHORIZATION, format!("Bearer {}", scim.token))
            .send()
            .await
            .unwrap();
        let (_, page) = read(response).await;
        assert_eq!(page["totalResults"], 3);
        filtered.extend(user_names(&page));
    }
    assert_eq!(filtered, ["user01@p.example", "user11@p.example", "user21@p.example"]);

    // Out-of-range values are read as the RFC says; junk is refused.
    let (_, first) = scim.get(&app, "/Users?startIndex=0&count=1").await;
    assert_eq!((first["startIndex"].clone(), user_names(&first)), (json!(1), vec!["user00@p.example".to_owned()]));
    let (_, none) = scim.get(&app, "/Users?count=0").await;
    assert_eq!((none["totalResults"].clone(), none["itemsPerPage"].clone()), (json!(25), json!(0)));
    let (_, capped) = scim.get(&app, "/Users?count=100000").await;
    assert_eq!(capped["itemsPerPage"], 25);
    let (status, body) = scim.get(&app, "/Users?startIndex=first").await;
    assert_scim_error(status, &body, StatusCode::BAD_REQUEST, Some("invalidValue"));
}

async fn a_token_works_only_for_its_own_customer(app: TestApp) {
    let tenant = msp(&app, "Token MSP", 1_000).await;
    let x = customer(&app, &tenant, "x.example", 10).await;
    let y = customer(&app, &tenant, "y.example", 10).await;
    let (scim_x, scim_y) = (connect(&app, &tenant, &x).await, connect(&app, &tenant, &y).await);
    let other = msp(&app, "Other MSP", 1_000).await;
    let z = customer(&app, &other, "z.example", 10).await;
    let scim_z = connect(&app, &other, &z).await;

    let x_token_on_y = Scim { token: scim_x.token.clone(), ..connect_view(&scim_y) };
    let z_token_on_x = Scim { token: scim_z.token.clone(), ..connect_view(&scim_x) };
    for (name, scim) in [("X's token on Y", &x_token_on_y), ("another MSP's token on X", &z_token_on_x)] {
        let response = scim.send(&app, reqwest::Method::GET, "/Users", None).await;
        assert_eq!(
            response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()),
            Some("Bearer realm=\"scim\""),
            "{name}"
        );
        let (status, body) = read(response).await;
        assert_scim_error(status, &body, StatusCode::UNAUTHORIZED, None);
        let (status, _) = scim.post(&app, "/Users", &json!({ "userName": "intruder@y.example" })).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
    }
    let response = app.client.get(format!("{}/Users", scim_x.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "no token");
    let (status, _) = scim_x.get(&app, "/Users").await;
    assert_eq!(status, StatusCode::OK);

    // Rotating: the old token stops working at once.
    let rotated = connect(&app, &tenant, &x).await;
    assert_ne!(rotated.token, scim_x.token);
    assert_eq!(scim_x.get(&app, "/Users").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(rotated.get(&app, "/Users").await.0, StatusCode::OK);
    // Nothing was written by the refused requests, and the status shows the token prefix.
    let status: Value =
        app.get(&format!("/api/v1/customers/{y}/provisioning"), Some(&tenant.token)).await.json().await.unwrap();
    assert_eq!(status["accounts_created"], 0);
    assert_eq!(status["token"]["prefix"].as_str().map(|p| scim_y.token.starts_with(p)), Some(true));
    // Another MSP's customer is not found from the management API.
    let response = app.post(&format!("/api/v1/customers/{z}/scim-token"), Some(&tenant.token), &json!({})).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app.get(&format!("/api/v1/customers/{z}/provisioning"), Some(&tenant.token)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

async fn provisioning_agrees_with_accounts_history_and_maa(app: TestApp) {
    let tenant = msp(&app, "Provisioning MSP", 1_000).await;
    let customer = customer(&app, &tenant, "prov.example", 10).await;
    let scim = connect(&app, &tenant, &customer).await;

    // Joiner.
    let ann = scim
        .create_user(
            &app,
            json!({ "schemas": [USER, ENTERPRISE], "userName": "Ann@Prov.example",
        "displayName": "Ann Lee", "externalId": "aad-1", "active": true, ENTERPRISE: { "department": "Finance" } }),
        )
        .await;
    let id = ann["id"].as_str().unwrap().to_owned();
    assert_eq!(ann["userName"], "ann@prov.example");
    let stored: Value = account(&app, &tenant, &customer, &id).await.json().await.unwrap();
    assert_eq!(
        (
            stored["email"].clone(),
            stored["display_name"].clone(),
            stored["department"].clone(),
            stored["external_id"].clone(),
            stored["status"].clone()
        ),
        (json!("ann@prov.example"), json!("Ann Lee"), json!("Finance"), json!("aad-1"), json!("active"))
    );

    // Mover: as Entra ID sends it.
    let (status, moved) = scim.patch(&app, &format!("/Users/{id}"), json!([
        { "op": "Replace", "path": "displayName", "value": "Ann Lee-Smith" },
        { "op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales" },
        { "op": "Add", "path": "emails[type eq \"work\"].value", "value": "ann.lee@prov.example" },
    ])).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["emails"], json!([{ "type": "work", "value": "ann.lee@prov.example" }]));
    let stored: Value = account(&app, &tenant, &customer, &id).await.json().await.unwrap();
    assert_eq!(
        (stored["display_name"].clone(), stored["department"].clone()),
        (json!("Ann Lee-Smith"), json!("Sales"))
    );

    // Leaver: deactivated, with the boolean as a string.
    let (status, left) =
        scim.patch(&app, &format!("/Users/{id}"), json!([{ "op": "Replace", "value": { "active": "False" } }])).await;
    assert_eq!((status, left["active"].clone()), (StatusCode::OK, json!(false)));
    let stored: Value = account(&app, &tenant, &customer, &id).await.json().await.unwrap();
    assert_eq!(stored["status"], "inactive");
    // Back, then gone.
    let (status, _) =
        scim.patch(&app, &format!("/Users/{id}"), json!([{ "op": "replace", "path": "active", "value": true }])).await;
    assert_eq!(status, StatusCode::OK);
    let history: Value = app
        .get(&format!("/api/v1/customers/{customer}/accounts/{id}/status-history"), Some(&tenant.token))
        .await
        .json()
        .await
        .unwrap();
    let changes: Vec<(&str, &str)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["status"].as_str().unwrap(), c["changed_by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changes,
        [("active", "SCIM provisioning"), ("inactive", "SCIM provisioning"), ("active", "SCIM provisioning")]
    );

    // A second user created inactive never counts.
    let bob = scim.create_user(&app, json!({ "userName": "bob@prov.example", "active": false })).await;
    assert_eq!(bob["active"], false);
    let response = scim.send(&app, reqwest::Method::DELETE, &format!("/Users/{id}"), None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(account(&app, &tenant, &customer, &id).await.status(), StatusCode::NOT_FOUND);
    let (status, body) = scim.get(&app, &format!("/Users/{id}")).await;
    assert_scim_error(status, &body, StatusCode::NOT_FOUND, None);
    let listed: Value =
        app.get(&format!("/api/v1/customers/{customer}/accounts"), Some(&tenant.token)).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "only bob is left");
    // Ann counted once this month, flapping and deletion included; bob not at all.
    assert_eq!(this_months_maa(&app, &tenant, &customer).await, 1);

    // The provisioning status counts what SCIM did and shows the last failure.
    let (status, body) = scim.post(&app, "/Users", &json!({ "userName": "eve@msp-own.example" })).await;
    assert_scim_error(status, &body, StatusCode::BAD_REQUEST, Some("invalidValue"));
    let provisioning: Value =
        app.get(&format!("/api/v1/customers/{customer}/provisioning"), Some(&tenant.token)).await.json().await.unwrap();
    assert_eq!(provisioning["base_url"], scim.base);
    assert_eq!(
        (
            provisioning["accounts_created"].clone(),
            provisioning["accounts_updated"].clone(),
            provisioning["accounts_deactivated"].clone(),
            provisioning["accounts_deleted"].clone()
        ),
        (json!(2), json!(2), json!(1), json!(1)),
        "{provisioning}"
    );
    assert!(provisioning["last_success_at"].is_string());
    assert_eq!(provisioning["last_failure"]["status"], 400);
    assert!(provisioning["last_failure"]["detail"].as_str().unwrap().contains("msp-own.example"), "{provisioning}");
}

async fn limits_and_foreign_domains_are_scim_errors_an_admin_can_act_on(app: TestApp) {
    let tenant = msp(&app, "Limits MSP", 3).await;
    let small = customer(&app, &tenant, "small.example", 1).await;
    let scim = connect(&app, &tenant, &small).await;
    scim.create_user(&app, json!({ "userName": "one@small.example" })).await;
    let (status, body) = scim.post(&app, "/Users", &json!({ "userName": "two@small.example" })).await;
    assert_scim_error(status, &body, StatusCode::CONFLICT, None);
    assert!(body["detail"].as_str().unwrap().contains("account_seat_limit_reached"), "{body}");
    let two = scim.create_user(&app, json!({ "userName": "two@small.example", "active": false })).await;
    let (status, body) = scim
        .patch(
            &app,
            &format!("/Users/{}", two["id"].as_str().unwrap()),
            json!([{ "op": "replace", "path": "active", "value": true }]),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = scim.post(&app, "/Users", &json!({ "userName": "ONE@small.example" })).await;
    assert_scim_error(status, &body, StatusCode::CONFLICT, Some("uniqueness"));
    let (status, body) = scim.post(&app, "/Users", &json!({ "userName": "it@msp.example" })).await;
    assert_scim_error(status, &body, StatusCode::BAD_REQUEST, Some("invalidValue"));
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("msp.example") && detail.contains("small.example") && detail.contains("MSP"), "{detail}");
    let (status, body) = scim.post(&app, "/Users", &json!({ "userName": "not-an-address" })).await;
    assert_scim_error(status, &body, StatusCode::BAD_REQUEST, Some("invalidValue"));

    // The MSP's global-user limit (3) across customers.
    let big = customer(&app, &tenant, "big.example", 10).await;
    let big_scim = connect(&app, &tenant, &big).await;
    big_scim.create_user(&app, json!({ "userName": "a@big.example" })).await;
    big_scim.create_user(&app, json!({ "userName": "b@big.example" })).await;
    let (status, body) = big_scim.post(&app, "/Users", &json!({ "userName": "c@big.example" })).await;
    assert_scim_error(status, &body, StatusCode::CONFLICT, None);
    assert!(body["detail"].as_str().unwrap().contains("global_user_limit_reached"), "{body}");
    let listed: Value =
        app.get(&format!("/api/v1/customers/{big}/accounts"), Some(&tenant.token)).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "a refused user is not stored");
}

async fn what_identity_providers_send_is_understood_and_junk_is_refused(app: TestApp) {
    let tenant = msp(&app, "IdP MSP", 1_000).await;
    let customer = customer(&app, &tenant, "idp.example", 100).await;
    let scim = connect(&app, &tenant, &customer).await;
    let user = scim
        .create_user(
            &app,
            json!({ "schemas": [USER], "userName": "dan@idp.example", "active": "True",
        "name": { "givenName": "Dan" }, "preferredLanguage": "en-GB" }),
        )
        .await;
    assert_eq!(user["active"], true);
    assert!(user.get("preferredLanguage").is_none(), "attributes not kept are ignored");
    let path = format!("/Users/{}", user["id"].as_str().unwrap());
    let (status, patched) = scim
        .patch(
            &app,
            &path,
            json!([
                { "op": "Add", "value": { "displayName": "Dan Brown", "name.familyName": "Brown" } },
                { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "dan@idp.example" },
                { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "dan.brown@idp.example" },
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["name"], json!({ "givenName": "Dan", "familyName": "Brown" }));
    assert_eq!(patched["emails"], json!([{ "type": "work", "value": "dan.brown@idp.example" }]));
    assert_eq!(patched["displayName"], "Dan Brown");

    // Groups: members added as Entra ID does, removed by filter and by value.
    let other = scim.create_user(&app, json!({ "userName": "eve@idp.example" })).await;
    let (dan_id, eve_id) = (user["id"].as_str().unwrap(), other["id"].as_str().unwrap());
    let (_, group) =
        scim.post(&app, "/Groups", &json!({ "displayName": "Phish targets", "members": [{ "value": dan_id }] })).await;
    let group_path = format!("/Groups/{}", group["id"].as_str().unwrap());
    let (status, group) = scim
        .patch(&app, &group_path, json!([{ "op": "Add", "path": "members", "value": [{ "value": eve_id }] }]))
        .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    assert_eq!(group["members"].as_array().unwrap().len(), 2);
    let (_, group) = scim
        .patch(&app, &group_path, json!([{ "op": "Remove", "path": format!("members[value eq \"{dan_id}\"]") }]))
        .await;
    assert_eq!(group["members"][0]["value"], eve_id);
    let (_, group) = scim
        .patch(&app, &group_path, json!([{ "op": "remove", "path": "members", "value": [{ "value": eve_id }] }]))
        .await;
    assert!(group.get("members").is_none(), "{group}");
    let (status, body) = scim
        .patch(
            &app,
            &group_path,
            json!([{ "op": "add", "path": "members", "value": [{ "value": "0193a6c4-0000-7000-8000-000000000000" }] }]),
        )
        .await;
    assert_scim_error(status, &body, StatusCode::BAD_REQUEST, Some("invalidValue"));

    // Genuinely malformed requests: SCIM errors, never a 500.
    let junk: [(Value, &str); 5] = [
        (json!([{ "op": "jump", "path": "displayName", "value": "x" }]), "invalidSyntax"),
        (json!([{ "op": "add", "path": "emails[type eq \"work\"", "value": "x" }]), "invalidPath"),
        (json!([{ "op": "replace", "path": "active", "value": "maybe" }]), "invalidValue"),
        (json!([{ "op": "remove" }]), "noTarget"),
        (json!([]), "invalidSyntax"),
    ];
    for (operations, scim_type) in junk {
        let (status, body) = scim.patch(&app, &path, operations).await;
        assert_scim_error(status, &body, StatusCode::BAD_REQUEST, Some(scim_type));
    }
    let response = app
        .client
        .post(format!("{}/Users", scim.base))
        .header(AUTHORIZATION, format!("Bearer {}", scim.token))
        .header(CONTENT_TYPE, SCIM_JSON)
        .body("{\"userName\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_scim_error(status, &body, StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    let (status, body) = scim.get(&app, "/Nonsense").await;
    assert_scim_error(status, &body, StatusCode::NOT_FOUND, None);
    let response = scim.send(&app, reqwest::Method::DELETE, "/ServiceProviderConfig", None).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);

    // Versions: ETag on reads, 304 when unchanged, 412 on a stale If-Match.
    let response = scim.send(&app, reqwest::Method::GET, &path, None).await;
    let etag = response.headers().get(ETAG).unwrap().to_str().unwrap().to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    let unchanged = app
        .client
        .get(format!("{}{path}", scim.base))
        .header(AUTHORIZATION, format!("Bearer {}", scim.token))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    let body = json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "replace", "path": "title", "value": "CFO" }] });
    let changed = app
        .client
        .patch(format!("{}{path}", scim.base))
        .header(AUTHORIZATION, format!("Bearer {}", scim.token))
        .header(IF_MATCH, &etag)
        .header(CONTENT_TYPE, SCIM_JSON)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let new_etag = changed.headers().get(ETAG).unwrap().to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let (_, changed) = read(changed).await;
    assert_eq!(changed["meta"]["version"], new_etag);
    let stale = app
        .client
        .patch(format!("{}{path}", scim.base))
        .header(AUTHORIZATION, format!("Bearer {}", scim.token))
        .header(IF_MATCH, &etag)
        .header(CONTENT_TYPE, SCIM_JSON)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let (status, body) = read(stale).await;
    assert_scim_error(status, &body, StatusCode::PRECONDITION_FAILED, None);
    let response =
        scim.send(&app, reqwest::Method::POST, "/Users", Some(&json!({ "userName": "fay@idp.example" }))).await;
    assert!(response.headers().get(LOCATION).is_some_and(|l| l.to_str().unwrap().starts_with(&scim.base)));

    // A PUT that leaves active out keeps the status; one that sends it sets it.
    let gil = scim.create_user(&app, json!({ "userName": "gil@idp.example", "active": false })).await;
    let gil_path = format!("/Users/{}", gil["id"].as_str().unwrap());
    let response = scim
        .send(
            &app,
            reqwest::Method::PUT,
            &gil_path,
            Some(&json!({ "userName": "gil@idp.example", "displayName": "Gil" })),
        )
        .await;
    let (status, replaced) = read(response).await;
    assert_eq!(
        (status, replaced["active"].clone(), replaced["displayName"].clone()),
        (StatusCode::OK, json!(false), json!("Gil"))
    );
    let response = scim
        .send(&app, reqwest::Method::PUT, &gil_path, Some(&json!({ "userName": "gil@idp.example", "active": true })))
        .await;
    let (_, replaced) = read(response).await;
    assert_eq!((replaced["active"].clone(), replaced.get("displayName")), (json!(true), None));
}

/// The customer and base URL of `scim`, to pair with another token.
fn connect_view(scim: &Scim) -> Scim {
    Scim { customer: scim.customer.clone(), base: scim.base.clone(), token: String::new() }
}
