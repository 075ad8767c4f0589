//! Guided onboarding over HTTP: the six steps saved as they go and resumed by
//! another admin, a real delivery test through a loopback SMTP server whose
//! link is followed, readiness and go-live; the logo checks; blockers; the
//! attention list.

use e2e_tests::{
    PASSWORD, SmtpSink, Tenant, TestApp, assert_problem, link_token, on_both_backends, png_image, spawn_app_with,
};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

/// A server of the same backend as `app` whose e-mail goes to `sink`.
async fn with_mail(app: &TestApp, sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(app.backend, move |settings| settings.smtp_url = Some(url)).await.expect("server with mail")
}

async fn put_step(app: &TestApp, token: &str, customer: &str, step: &str, body: Value) -> (StatusCode, Value) {
    let path = format!("/api/v1/customers/{customer}/onboarding/steps/{step}");
    let response = app.client.put(app.url(&path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn onboarding(app: &TestApp, token: &str, customer: &str) -> Value {
    let response = app.get(&format!("/api/v1/customers/{customer}/onboarding"), Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn step<'a>(onboarding: &'a Value, name: &str) -> &'a Value {
    onboarding["steps"].as_array().unwrap().iter().find(|s| s["step"] == name).unwrap()
}

fn codes(problems: &Value) -> Vec<String> {
    problems.as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap().to_owned()).collect()
}

async fn put_logo(app: &TestApp, token: &str, customer: &str, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    let path = format!("/api/v1/customers/{customer}/onboarding/branding/logo");
    app.client
        .put(app.url(&path))
        .bearer_auth(token)
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// A second admin of `owner`'s MSP, invited by mail, with a password set from
/// the link.
async fn second_admin(app: &TestApp, sink: &SmtpSink, owner: &Tenant, email: &str) -> String {
    let invited = app.post("/api/v1/admins", Some(&owner.token), &json!({ "email": email, "role": "standard" })).await;
    assert_eq!(invited.status(), StatusCode::CREATED);
    app.run_due_jobs().await;
    let token = link_token(&sink.wait_for(email).await);
    let set = app.post("/api/v1/auth/set-password", None, &json!({ "token": token, "password": PASSWORD })).await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    app.login(email, PASSWORD).await["access_token"].as_str().unwrap().to_owned()
}

async fn pool_allocated(app: &TestApp, token: &str) -> i64 {
    let pool: Value = app.get("/api/v1/license/pool", Some(token)).await.json().await.unwrap();
    pool["allocated_seats"].as_i64().unwrap_or_else(|| panic!("allocated in {pool}"))
}

on_both_backends!(
    an_msp_walks_a_customer_through_all_six_steps_and_goes_live,
    logos_are_checked_by_their_content,
    blockers_stop_go_live_and_abandoned_drafts_release_their_seats,
    a_relay_that_refuses_fails_the_delivery_test_with_its_answer,
    stalled_setups_are_on_the_attention_list
);

async fn an_msp_walks_a_customer_through_all_six_steps_and_goes_live(app: TestApp) {
    let sink = SmtpSink::start().await;
    let app = with_mail(&app, &sink).await;
    let owner = app.tenant("Onboard MSP").await;
    app.set_limits(
        &owner,
        domain::msps::MspLimits { seat_pool_total: 50, max_global_users: 100, ..domain::msps::MspLimits::starter() },
    )
    .await;
    let customer = app.create_customer(&owner, "Acme Dental", &["acme-dental.example"]).await;
    let id = customer["id"].as_str().unwrap().to_owned();

    let state = onboarding(&app, &owner.token, &id).await;
    let names: Vec<&str> = state["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["tenant_details", "product_and_licenses", "user_provisioning", "email_config", "branding", "review"]
    );
    assert!(state["steps"].as_array().unwrap().iter().all(|s| s["status"] == "not_started"), "{state}");
    assert_eq!(state["current_step"], "tenant_details");
    assert_eq!(step(&state, "tenant_details")["values"]["name"], "Acme Dental");

    // 1. Tenant details: a partial save with a bad value is kept, not applied.
    let (status, state) = put_step(
        &app,
        &owner.token,
        &id,
        "tenant_details",
        json!({ "name": "Acme Dental GmbH", "timezone": "Mars/Olympus" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{state}");
    let tenant = step(&state, "tenant_details");
    assert_eq!(tenant["status"], "in_progress");
    assert_eq!(tenant["problems"][0]["pointer"], "/timezone", "{tenant}");
    assert_eq!(
        (tenant["values"]["name"].clone(), tenant["values"]["timezone"].clone()),
        (json!("Acme Dental GmbH"), json!("Mars/Olympus"))
    );
    let stored: Value = app.get(&format!("/api/v1/customers/{id}"), Some(&owner.token)).await.json().await.unwrap();
    assert_eq!(stored["name"], "Acme Dental", "nothing applies while a value is invalid");
    let (_, state) = put_step(
        &app,
        &owner.token,
        &id,
        "tenant_details",
        json!({ "timezone": "Europe/Berlin", "language": "de-DE", "billing_reference": "PSA-1" }),
    )
    .await;
    assert_eq!(step(&state, "tenant_details")["status"], "complete", "{state}");
    let stored: Value = app.get(&format!("/api/v1/customers/{id}"), Some(&owner.token)).await.json().await.unwrap();
    assert_eq!(
        (stored["name"].clone(), stored["timezone"].clone(), stored["billing_reference"].clone()),
        (json!("Acme Dental GmbH"), json!("Europe/Berlin"), json!("PSA-1"))
    );
    let (status, problem) = put_step(&app, &owner.token, &id, "tenant_details", json!({ "colour": "red" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an unknown field is refused, not saved: {problem}");

    // 2. Product and licenses: more than the pool has is refused and kept; then a fit.
    let (status, problem) =
        put_step(&app, &owner.token, &id, "product_and_licenses", json!({ "tier": "professional", "seats": 80 })).await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::CONFLICT, json!("seats_unavailable")), "{problem}");
    let product = step(&onboarding(&app, &owner.token, &id).await, "product_and_licenses").clone();
    assert_eq!(product["status"], "in_progress");
    assert_eq!(product["values"]["seats"], 80);
    assert_eq!(product["values"]["pool"]["max_available"], 50, "{product}");
    assert_eq!(product["values"]["pool"]["remaining_after"], -30);
    assert!(codes(&product["problems"]).contains(&"not_applied".to_owned()), "{product}");
    assert_eq!(pool_allocated(&app, &owner.token).await, 0, "nothing reserved");
    let (_, state) = put_step(&app, &owner.token, &id, "product_and_licenses", json!({ "seats": 20 })).await;
    let product = step(&state, "product_and_licenses");
    assert_eq!(product["status"], "complete", "{product}");
    assert_eq!(
        (product["values"]["tier"].clone(), product["values"]["pool"]["remaining_after"].clone()),
        (json!("professional"), json!(30))
    );
    assert_eq!(pool_allocated(&app, &owner.token).await, 20, "reserved when saved");

    // 3. User provisioning with Okta: the token is shown once, the connection is not tested yet.
    let (status, state) = put_step(&app, &owner.token, &id, "user_provisioning", json!({ "method": "okta" })).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    let scim_token = state["new_scim_token"]["token"].as_str().unwrap().to_owned();
    let provisioning = step(&state, "user_provisioning");
    let base_url = provisioning["values"]["scim"]["base_url"].as_str().unwrap().to_owned();
    assert!(base_url.ends_with(&format!("/scim/v2/{id}")), "{base_url}");
    assert_eq!(provisioning["values"]["scim"]["connection_tested"], false);
    assert!(provisioning["values"]["instructions"].as_array().unwrap().iter().any(|i| i["value"] == json!(base_url)));
    assert_eq!(codes(&provisioning["problems"]), ["scim_not_connected"]);
    let (_, again) = put_step(&app, &owner.token, &id, "user_provisioning", json!({ "method": "okta" })).await;
    assert!(again.get("new_scim_token").is_none(), "a token is made once");

    // The owner leaves; a second admin resumes where it was left.
    let second = second_admin(&app, &sink, &owner, "second@onboard-msp.example").await;
    let resumed = onboarding(&app, &second, &id).await;
    assert_eq!(resumed["current_step"], "user_provisioning");
    assert_eq!(step(&resumed, "tenant_details")["status"], "complete");
    assert_eq!(step(&resumed, "product_and_licenses")["values"]["seats"], 20);

    // The identity provider's first requests pass the connection test.
    for user in ["ann", "bob", "cat"] {
        let created = app.client.post(format!("{base_url}/Users")).bearer_auth(&scim_token)
            .header(CONTENT_TYPE, "application/scim+json")
            .json(&json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("{user}@acme-dental.example") }))
            .send().await.unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let state = onboarding(&app, &second, &id).await;
    let provisioning = step(&state, "user_provisioning");
    assert_eq!(provisioning["status"], "complete", "{provisioning}");
    assert_eq!(
        (provisioning["values"]["users_to_sync"].clone(), provisioning["values"]["scim"]["connection_tested"].clone()),
        (json!(3), json!(true))
    );
    assert_eq!(state["current_step"], "email_config");

    // 4. Email config: the checklist, then a real delivery test.
    let (_, state) = put_step(
        &app,
        &second,
        &id,
        "email_config",
        json!({ "m365_transport_rule": true, "defender_allowlist": true, "gateway": "mimecast" }),
    )
    .await;
    assert_eq!(
        codes(&step(&state, "email_config")["problems"]),
        ["gateway_allowlist_unconfirmed", "no_confirmed_delivery_test"]
    );
    let readiness: Value =
        app.get(&format!("/api/v1/customers/{id}/onboarding/readiness"), Some(&second)).await.json().await.unwrap();
    assert_eq!(readiness["ready"], true, "{readiness}");
    assert!(codes(&readiness["warnings"]).contains(&"email_config_partial".to_owned()), "{readiness}");
    put_step(&app, &second, &id, "email_config", json!({ "gateway_allowlist": true })).await;

    let tests_path = format!("/api/v1/customers/{id}/onboarding/delivery-tests");
    let foreign = app.post(&tests_path, Some(&second), &json!({ "recipient": "it@onboard-msp.example" })).await;
    let problem = assert_problem(foreign, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/recipient");
    let sent = app.post(&tests_path, Some(&second), &json!({ "recipient": "IT@acme-dental.example" })).await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let location = sent.headers()["location"].to_str().unwrap().to_owned();
    let test: Value = sent.json().await.unwrap();
    assert_eq!(test["status"], "sent", "{test}");
    assert!(test["relay_response"].as_str().unwrap().starts_with("250"), "{test}");
    let mail = sink.wait_for("it@acme-dental.example").await;
    let start = mail.find("http://").expect("a link in the test mail");
    let link: String = mail[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    assert!(link.contains("/api/v1/delivery-tests/confirm?token="), "{link}");
    let state = onboarding(&app, &second, &id).await;
    assert_eq!(step(&state, "email_config")["status"], "in_progress", "sent is not confirmed");
    for _ in 0..2 {
        let opened = app.client.get(&link).send().await.unwrap();
        assert_eq!(opened.status(), StatusCode::OK, "opening the link (again) confirms");
        assert!(opened.text().await.unwrap().contains("Delivery confirmed"));
    }
    let test: Value = app.get(&location, Some(&second)).await.json().await.unwrap();
    assert_eq!(test["status"], "confirmed");
    assert!(test["confirmed_at"].is_string());
    let bogus = app.client.get(app.url("/api/v1/delivery-tests/confirm?token=not-a-token")).send().await.unwrap();
    assert_eq!(bogus.status(), StatusCode::NOT_FOUND);
    let state = onboarding(&app, &second, &id).await;
    assert_eq!(step(&state, "email_config")["status"], "complete", "{state}");
    assert_eq!(step(&state, "email_config")["values"]["confirmed_delivery_test"], true);

    // 5. Branding: a bad colour is a problem; then skipped.
    let (_, state) = put_step(&app, &second, &id, "branding", json!({ "primary_color": "blue" })).await;
    let branding = step(&state, "branding");
    assert_eq!(branding["status"], "in_progress");
    assert!(branding["problems"].as_array().unwrap().iter().any(|p| p["pointer"] == "/primary_color"), "{branding}");
    let (_, state) = put_step(&app, &second, &id, "branding", json!({ "skip": true })).await;
    assert_eq!(step(&state, "branding")["status"], "skipped");
    assert_eq!(state["current_step"], "review");

    // 6. Review and go-live.
    let readiness: Value =
        app.get(&format!("/api/v1/customers/{id}/onboarding/readiness"), Some(&second)).await.json().await.unwrap();
    assert_eq!(
        (readiness["ready"].clone(), readiness["users_to_sync"].clone()),
        (json!(true), json!(3)),
        "{readiness}"
    );
    assert_eq!(codes(&readiness["warnings"]), ["branding_skipped"]);
    let live = app.post(&format!("/api/v1/customers/{id}/onboarding/go-live"), Some(&second), &json!({})).await;
    assert_eq!(live.status(), StatusCode::OK);
    let live: Value = live.json().await.unwrap();
    assert_eq!(live["customer"]["status"], "live");
    let went_live_at = live["customer"]["went_live_at"].clone();
    assert!(went_live_at.is_string(), "{live}");
    let again: Value = app
        .post(&format!("/api/v1/customers/{id}/onboarding/go-live"), Some(&owner.token), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["customer"]["status"].clone(), again["customer"]["went_live_at"].clone()),
        (json!("live"), went_live_at)
    );
    let state = onboarding(&app, &owner.token, &id).await;
    assert_eq!(step(&state, "review")["status"], "complete");
    assert_eq!(state["customer_status"], "live");
}

async fn logos_are_checked_by_their_content(app: TestApp) {
    let owner = app.tenant("Logo MSP").await;
    let customer = app.create_customer(&owner, "Logo Co", &["logo-co.example"]).await;
    let id = customer["id"].as_str().unwrap();
    let logo_path = format!("/api/v1/customers/{id}/onboarding/branding/logo");
    assert_problem(app.get(&logo_path, Some(&owner.token)).await, StatusCode::NOT_FOUND, "not_found").await;

    let refused = [
        ("a PNG of 199 × 199", "image/png", png_image(199, 199, false), StatusCode::UNPROCESSABLE_ENTITY, "logo_too_small"),
        ("a 3 MB PNG", "image/png", png_image(900, 900, true), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ("a JPEG renamed .png", "image/png", [&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16][..], b"JFIF\0 not really more"].concat(), StatusCode::UNPROCESSABLE_ENTITY, "logo_format_unsupported"),
        ("an SVG with <script>", "image/svg+xml", br#"<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><script>alert(1)</script></svg>"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "logo_svg_unsafe"),
        ("an SVG with an external href", "image/svg+xml", br#"<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><image href="https://evil.example/x.png" width="10" height="10"/></svg>"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "logo_svg_unsafe"),
        ("an empty body", "image/png", Vec::new(), StatusCode::UNPROCESSABLE_ENTITY, "logo_empty"),
    ];
    for (what, content_type, body, status, code) in refused {
        if code == "payload_too_large" {
            assert!(body.len() > 3_000_000, "{what}: {} bytes", body.len());
        }
        let problem = assert_problem(put_logo(&app, &owner.token, id, content_type, body).await, status, code).await;
        assert!(!problem["detail"].as_str().unwrap().is_empty(), "{what}");
    }
    assert_problem(app.get(&logo_path, Some(&owner.token)).await, StatusCode::NOT_FOUND, "not_found").await;

    // A PNG sent as anything is judged by its content, and served back as PNG.
    let square = png_image(200, 200, false);
    let stored = put_logo(&app, &owner.token, id, "application/octet-stream", square.clone()).await;
    assert_eq!(stored.status(), StatusCode::OK);
    let stored: Value = stored.json().await.unwrap();
    assert_eq!(
        (stored["content_type"].clone(), stored["width"].clone(), stored["height"].clone()),
        (json!("image/png"), json!(200), json!(200))
    );
    let served = app.get(&logo_path, Some(&owner.token)).await;
    assert_eq!(served.headers()[CONTENT_TYPE], "image/png");
    let etag = served.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(served.bytes().await.unwrap().to_vec(), square);
    let unchanged = app
        .client
        .get(app.url(&logo_path))
        .bearer_auth(&owner.token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);

    let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 240"><defs><linearGradient id="g"/></defs><rect width="240" height="240" fill="url(#g)"/></svg>"##.to_vec();
    assert_eq!(put_logo(&app, &owner.token, id, "image/svg+xml", svg.clone()).await.status(), StatusCode::OK);
    let served = app.get(&logo_path, Some(&owner.token)).await;
    assert_eq!(served.headers()[CONTENT_TYPE], "image/svg+xml");
    assert!(served.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    assert_eq!(served.bytes().await.unwrap().to_vec(), svg);

    // With a logo and a colour the branding step is complete.
    let (_, state) = put_step(
        &app,
        &owner.token,
        id,
        "branding",
        json!({ "primary_color": "#1a73e8", "welcome_message": "Welcome!" }),
    )
    .await;
    assert_eq!(step(&state, "branding")["status"], "complete", "{state}");
    assert_eq!(step(&state, "branding")["values"]["logo"]["content_type"], "image/svg+xml");
}

async fn blockers_stop_go_live_and_abandoned_drafts_release_their_seats(app: TestApp) {
    let owner = app.tenant("Blocker MSP").await;
    app.set_limits(
        &owner,
        domain::msps::MspLimits { seat_pool_total: 30, max_global_users: 100, ..domain::msps::MspLimits::starter() },
    )
    .await;
    let customer = app.create_customer(&owner, "Blocked Co", &["blocked.example", "old-name.example"]).await;
    let id = customer["id"].as_str().unwrap().to_owned();

    let problem = assert_problem(
        app.post(&format!("/api/v1/customers/{id}/onboarding/go-live"), Some(&owner.token), &json!({})).await,
        StatusCode::CONFLICT,
        "not_ready",
    )
    .await;
    assert_eq!(codes(&problem["blockers"]), ["no_seats"], "{problem}");
    let patched = app.patch(&format!("/api/v1/customers/{id}"), Some(&owner.token), &json!({ "status": "live" })).await;
    assert_problem(patched, StatusCode::CONFLICT, "not_ready").await;

    // An empty save records the step but changes nothing of the customer.
    let version = |c: Value| c["version"].clone();
    let before = version(app.get(&format!("/api/v1/customers/{id}"), Some(&owner.token)).await.json().await.unwrap());
    let (status, state) = put_step(&app, &owner.token, &id, "product_and_licenses", json!({})).await;
    assert_eq!(
        (status, step(&state, "product_and_licenses")["status"].clone()),
        (StatusCode::OK, json!("in_progress"))
    );
    let after = version(app.get(&format!("/api/v1/customers/{id}"), Some(&owner.token)).await.json().await.unwrap());
    assert_eq!(before, after);

    // A CSV import, then a domain dropped: the accounts left outside are a problem and a blocker.
    put_step(&app, &owner.token, &id, "product_and_licenses", json!({ "seats": 10 })).await;
    let (_, state) = put_step(&app, &owner.token, &id, "user_provisioning", json!({ "method": "csv" })).await;
    assert!(state.get("new_scim_token").is_none());
    assert_eq!(codes(&step(&state, "user_provisioning")["problems"]), ["no_accounts_imported"]);
    let csv = "email\r\nann@blocked.example\r\nbob@old-name.example\r\n";
    let imported = app
        .client
        .post(app.url(&format!("/api/v1/customers/{id}/accounts/import")))
        .bearer_auth(&owner.token)
        .header(CONTENT_TYPE, "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::OK);
    let (_, state) =
        put_step(&app, &owner.token, &id, "tenant_details", json!({ "domains": ["blocked.example"] })).await;
    let provisioning = step(&state, "user_provisioning");
    assert_eq!(codes(&provisioning["problems"]), ["accounts_outside_domains"], "{provisioning}");
    assert_eq!(provisioning["values"]["accounts_outside_domains"]["examples"], json!(["bob@old-name.example"]));
    let readiness: Value = app
        .get(&format!("/api/v1/customers/{id}/onboarding/readiness"), Some(&owner.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (readiness["ready"].clone(), codes(&readiness["blockers"])),
        (json!(false), vec!["accounts_outside_domains".to_owned()])
    );
    assert_problem(
        app.post(&format!("/api/v1/customers/{id}/onboarding/go-live"), Some(&owner.token), &json!({})).await,
        StatusCode::CONFLICT,
        "not_ready",
    )
    .await;

    // Abandoning the draft returns its seats to the pool.
    assert_eq!(pool_allocated(&app, &owner.token).await, 10);
    assert_eq!(
        app.delete(&format!("/api/v1/customers/{id}"), Some(&owner.token)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(pool_allocated(&app, &owner.token).await, 0);
    assert_problem(
        app.get(&format!("/api/v1/customers/{id}/onboarding"), Some(&owner.token)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // review has nothing to save; unknown steps do not exist.
    let other = app.create_customer(&owner, "Other Co", &["other-co.example"]).await;
    let other_id = other["id"].as_str().unwrap();
    let (status, problem) = put_step(&app, &owner.token, other_id, "review", json!({})).await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::BAD_REQUEST, json!("step_not_saveable")));
    let (status, _) = put_step(&app, &owner.token, other_id, "payment", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) =
        put_step(&app, &owner.token, other_id, "user_provisioning", json!({ "method": "ldap" })).await;
    assert_eq!((status, problem["errors"][0]["pointer"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("/method")));
}

async fn a_relay_that_refuses_fails_the_delivery_test_with_its_answer(app: TestApp) {
    // Nothing listens on this port: the relay cannot be reached.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_app_with(app.backend, move |settings| settings.smtp_url = Some(format!("smtp://127.0.0.1:{port}")))
        .await
        .unwrap();
    let owner = app.tenant("Relay MSP").await;
    let customer = app.create_customer(&owner, "Relay Co", &["relay-co.example"]).await;
    let id = customer["id"].as_str().unwrap();
    let response = app
        .post(
            &format!("/api/v1/customers/{id}/onboarding/delivery-tests"),
            Some(&owner.token),
            &json!({ "recipient": "it@relay-co.example" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let test: Value = response.json().await.unwrap();
    assert_eq!(test["status"], "failed");
    assert!(!test["relay_response"].as_str().unwrap().is_empty(), "{test}");
    let state = onboarding(&app, &owner.token, id).await;
    assert_eq!(step(&state, "email_config")["values"]["latest_delivery_tests"][0]["status"], "failed");
    assert!(codes(&step(&state, "email_config")["problems"]).contains(&"no_confirmed_delivery_test".to_owned()));
}

async fn stalled_setups_are_on_the_attention_list(app: TestApp) {
    let owner = app.tenant("Attention MSP").await;
    app.set_limits(&owner, domain::msps::MspLimits { seat_pool_total: 10, ..domain::msps::MspLimits::starter() }).await;
    let stalled = app.create_customer(&owner, "Stalled Co", &["stalled.example"]).await;
    let fresh = app.create_customer(&owner, "Fresh Co", &["fresh.example"]).await;
    let old_live = app.create_customer(&owner, "Live Co", &["live-co.example"]).await;
    for (customer, days) in [(&stalled, 10), (&old_live, 30)] {
        let id = customer["id"].as_str().unwrap().to_owned();
        app.with_db(move |conn| {
            use diesel::prelude::*;
            let back = (chrono::Utc::now() - chrono::TimeDelta::days(days)).naive_utc();
            diesel::sql_query(format!(
                "UPDATE customers SET created_at = '{}' WHERE id = '{id}'",
                back.format("%Y-%m-%d %H:%M:%S%.6f")
            ))
            .execute(conn)
            .unwrap();
        })
        .await;
    }
    let live_id = old_live["id"].as_str().unwrap();
    app.patch(&format!("/api/v1/customers/{live_id}"), Some(&owner.token), &json!({ "seats": 1 })).await;
    let live =
        app.post(&format!("/api/v1/customers/{live_id}/onboarding/go-live"), Some(&owner.token), &json!({})).await;
    assert_eq!(live.status(), StatusCode::OK);
    put_step(&app, &owner.token, stalled["id"].as_str().unwrap(), "tenant_details", json!({ "language": "fr" })).await;

    let page: Value = app.get("/api/v1/onboarding/setup-incomplete", Some(&owner.token)).await.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(
        (items[0]["name"].clone(), items[0]["days_in_onboarding"].clone(), items[0]["current_step"].clone()),
        (json!("Stalled Co"), json!(10), json!("product_and_licenses"))
    );
    let open: Vec<&str> =
        items[0]["open_steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(open, ["product_and_licenses", "user_provisioning", "email_config", "branding", "review"]);
    let all: Value = app
        .get("/api/v1/onboarding/setup-incomplete?older_than_days=0&limit=1", Some(&owner.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"][0]["name"], "Stalled Co");
    let cursor = all["next_cursor"].as_str().unwrap();
    let next: Value = app
        .get(
            &format!("/api/v1/onboarding/setup-incomplete?older_than_days=0&limit=1&cursor={cursor}"),
            Some(&owner.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["items"][0]["name"], fresh["name"]);
    assert_problem(
        app.get("/api/v1/onboarding/setup-incomplete?older_than_days=-1", Some(&owner.token)).await,
        StatusCode::BAD_REQUEST,
        "invalid_parameters",
    )
    .await;
}
