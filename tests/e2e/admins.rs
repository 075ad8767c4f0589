//! Admins: invitation by e-mail, set-password links, permissions taking
//! effect, disabling and deleting, and the last-owner rule.

use e2e_tests::{PASSWORD, SmtpSink, TestApp, assert_problem, link_token, on_both_backends, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A server of the same backend as `app` whose e-mail goes to `sink`.
async fn with_mail(app: &TestApp, sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(app.backend, move |settings| settings.smtp_url = Some(url)).await.expect("server with mail")
}

async fn events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let response = app.get(&format!("/api/v1/audit-events?{query}"), Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

on_both_backends!(
    an_owner_runs_the_whole_admin_lifecycle,
    the_last_active_owner_cannot_be_demoted_disabled_or_deleted,
    admin_emails_are_unique_and_owners_take_no_extras,
    forgot_password_sends_a_one_hour_link_and_reveals_nothing
);

async fn an_owner_runs_the_whole_admin_lifecycle(app: TestApp) {
    let sink = SmtpSink::start().await;
    let app = with_mail(&app, &sink).await;
    let owner = app.tenant("Northwind").await;

    // Invite with e-mail.
    let response = app
        .post(
            "/api/v1/admins",
            Some(&owner.token),
            &json!({
                "email": "Jane@Northwind.example", "role": "standard", "permissions": ["create_organizations"]
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let jane_id = created["admin"]["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/admins/{jane_id}"));
    assert_eq!(created["admin"]["email"], "jane@northwind.example");
    assert_eq!(created["admin"]["status"], "invited");
    assert_eq!(created["admin"]["permissions"], json!(["create_organizations"]));
    assert_eq!(created["invitation"]["emailed"], true);
    assert_eq!(created["invitation"]["set_password_url"], Value::Null);

    // Nobody can sign in as an invited admin before the password is set.
    let early =
        app.post("/api/v1/auth/login", None, &json!({ "email": "jane@northwind.example", "password": "" })).await;
    assert_eq!(early.status(), StatusCode::UNPROCESSABLE_ENTITY);

    app.run_due_jobs().await;
    let mail = sink.wait_for("jane@northwind.example").await;
    assert!(mail.contains("Subject: You have been invited to the Northwind MSP portal"), "{mail}");
    assert!(mail.contains("http://portal.test/set-password?token="), "{mail}");
    let token = link_token(&mail);

    // The password policy applies; a refused password leaves the link usable.
    let weak =
        app.post("/api/v1/auth/set-password", None, &json!({ "token": token, "password": "my-JANE-password" })).await;
    let weak = assert_problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(weak["errors"][0]["pointer"], "/password");
    let short =
        app.post("/api/v1/auth/set-password", None, &json!({ "token": token, "password": "elevenchars" })).await;
    assert_problem(short, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let set = app.post("/api/v1/auth/set-password", None, &json!({ "token": token, "password": PASSWORD })).await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let again = app
        .post("/api/v1/auth/set-password", None, &json!({ "token": token, "password": "another long password" }))
        .await;
    assert_problem(again, StatusCode::BAD_REQUEST, "invalid_link").await;

    // Jane signs in; her permissions take effect.
    let jane = app.login("jane@northwind.example", PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let me: Value = app.get("/api/v1/me", Some(&jane)).await.json().await.unwrap();
    assert_eq!(me["admin"]["status"], "active");
    let permissions = me["permissions"].as_array().unwrap();
    assert!(permissions.contains(&json!("create_organizations")));
    assert!(!permissions.contains(&json!("manage_admins")));
    app.create_customer(
        &e2e_tests::Tenant { token: jane.clone(), ..owner.clone() },
        "Jane's customer",
        &["jane-customer.example"],
    )
    .await;
    let forbidden = app.post("/api/v1/admins", Some(&jane), &json!({ "email": "x@northwind.example" })).await;
    let forbidden = assert_problem(forbidden, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(forbidden["detail"].as_str().unwrap().contains("manage_admins"));

    // The owner withdraws the extra: it stops at once.
    let path = format!("/api/v1/admins/{jane_id}");
    let changed = app.patch(&path, Some(&owner.token), &json!({ "permissions": [] })).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let refused = app
        .post("/api/v1/customers", Some(&jane), &json!({ "name": "No", "domains": ["no.example"], "country": "DE" }))
        .await;
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;

    // Disabling ends her access on the next request, and sign-in.
    let disabled = app.patch(&path, Some(&owner.token), &json!({ "disabled": true })).await;
    assert_eq!(disabled.status(), StatusCode::OK);
    let disabled: Value = disabled.json().await.unwrap();
    assert_eq!(disabled["status"], "disabled");
    assert_problem(app.get("/api/v1/me", Some(&jane)).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let login =
        app.post("/api/v1/auth/login", None, &json!({ "email": "jane@northwind.example", "password": PASSWORD })).await;
    assert_problem(login, StatusCode::UNAUTHORIZED, "invalid_credentials").await;

    // Delete.
    assert_eq!(app.delete(&path, Some(&owner.token)).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path, Some(&owner.token)).await, StatusCode::NOT_FOUND, "not_found").await;
    let list: Value = app.get("/api/v1/admins", Some(&owner.token)).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Every step is in the audit log, with the right actor.
    let trail = events(&app, &owner.token, &format!("target_id={jane_id}")).await;
    let actions: Vec<(&str, &str)> =
        trail.iter().map(|e| (e["action"].as_str().unwrap(), e["actor_label"].as_str().unwrap())).collect();
    assert_eq!(
        actions,
        vec![
            ("admin.deleted", owner.email.as_str()),
            ("admin.updated", owner.email.as_str()),
            ("admin.updated", owner.email.as_str()),
            ("admin.password_set", "jane@northwind.example"),
            ("admin.created", owner.email.as_str()),
        ]
    );
    assert_eq!(trail[2]["before"]["permissions"], json!(["create_organizations"]));
    assert_eq!(trail[2]["after"]["permissions"], json!([]));
}

async fn the_last_active_owner_cannot_be_demoted_disabled_or_deleted(app: TestApp) {
    let owner = app.tenant("Solo").await;
    let own_path = format!("/api/v1/admins/{}", owner.admin_id);
    for change in [json!({ "role": "standard" }), json!({ "disabled": true })] {
        let response = app.patch(&own_path, Some(&owner.token), &change).await;
        let problem = assert_problem(response, StatusCode::CONFLICT, "last_owner").await;
        assert!(problem["detail"].as_str().unwrap().contains("last active owner"));
    }
    assert_problem(app.delete(&own_path, Some(&owner.token)).await, StatusCode::CONFLICT, "last_owner").await;

    // With a second owner, the first may step down.
    let second = app
        .post(
            "/api/v1/admins",
            Some(&owner.token),
            &json!({ "email": "second@solo.example", "role": "owner", "notify": false }),
        )
        .await;
    assert_eq!(second.status(), StatusCode::CREATED);
    let second: Value = second.json().await.unwrap();
    assert!(
        second["invitation"]["set_password_url"]
            .as_str()
            .unwrap()
            .starts_with("http://portal.test/set-password?token=")
    );
    let demoted = app.patch(&own_path, Some(&owner.token), &json!({ "role": "standard" })).await;
    assert_eq!(demoted.status(), StatusCode::OK);
    // Now a standard admin, the former owner can't manage admins any more.
    let refused = app
        .patch(
            &format!("/api/v1/admins/{}", second["admin"]["id"].as_str().unwrap()),
            Some(&owner.token),
            &json!({ "disabled": true }),
        )
        .await;
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn admin_emails_are_unique_and_owners_take_no_extras(app: TestApp) {
    let owner = app.tenant("Unique").await;
    let taken = app.post("/api/v1/admins", Some(&owner.token), &json!({ "email": owner.email, "notify": false })).await;
    assert_problem(taken, StatusCode::CONFLICT, "email_taken").await;
    let extras = app
        .post(
            "/api/v1/admins",
            Some(&owner.token),
            &json!({ "email": "o2@unique.example", "role": "owner", "permissions": ["purchase_licenses"] }),
        )
        .await;
    assert_problem(extras, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let bad = app
        .post("/api/v1/admins", Some(&owner.token), &json!({ "email": "not-an-email", "permissions": ["root"] }))
        .await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

async fn forgot_password_sends_a_one_hour_link_and_reveals_nothing(app: TestApp) {
    let sink = SmtpSink::start().await;
    let app = with_mail(&app, &sink).await;
    let owner = app.tenant("Forgetful").await;
    let unknown = app.post("/api/v1/auth/forgot-password", None, &json!({ "email": "nobody@forgetful.example" })).await;
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    let known = app.post("/api/v1/auth/forgot-password", None, &json!({ "email": owner.email })).await;
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    app.run_due_jobs().await;
    let mail = sink.wait_for(&owner.email).await;
    assert!(mail.contains("Subject: Reset your MSP portal password"), "{mail}");
    let token = link_token(&mail);
    let set = app
        .post("/api/v1/auth/set-password", None, &json!({ "token": token, "password": "a brand new passphrase" }))
        .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    // The old password and the old session are gone; the new password works.
    assert_problem(app.get("/api/v1/me", Some(&owner.token)).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let old = app.post("/api/v1/auth/login", None, &json!({ "email": owner.email, "password": PASSWORD })).await;
    assert_problem(old, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    app.login(&owner.email, "a brand new passphrase").await;
    assert!(!sink.messages().iter().any(|m| m.contains("nobody@forgetful.example")));
}
