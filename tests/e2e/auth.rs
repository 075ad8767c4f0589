use std::time::Instant;

use base64::Engine as _;
use e2e_tests::{PASSWORD, TestApp, assert_problem, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    login_issues_short_lived_tokens_and_me_names_the_admin,
    wrong_email_and_wrong_password_look_the_same,
    protected_routes_refuse_missing_malformed_tampered_and_expired_tokens,
    refresh_rotates_and_reuse_ends_the_session,
    unknown_refresh_tokens_are_refused,
    logout_ends_the_session_at_once,
    bootstrapping_the_same_msp_twice_is_refused
);

async fn login_issues_short_lived_tokens_and_me_names_the_admin(app: TestApp) {
    app.bootstrap("Northwind IT", "Owner@Northwind.example").await;
    let response = app
        .post("/api/v1/auth/login", None, &json!({ "email": "owner@northwind.example", "password": PASSWORD }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    let expires_in = tokens["expires_in"].as_i64().unwrap();
    assert!(expires_in > 0 && expires_in <= 900, "expires_in {expires_in}");
    let access = tokens["access_token"].as_str().unwrap();
    let claims = app.token_keys().verify(access, app.now()).expect("a JWT of this server");
    assert!(claims.exp - claims.iat <= 900);
    assert_eq!((claims.iss.as_str(), claims.aud.as_str()), ("msp-portal", "msp-portal-api"));

    let me = app.get("/api/v1/me", Some(access)).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["admin"]["email"], "owner@northwind.example");
    assert_eq!(me["admin"]["role"], "owner");
    assert_eq!(me["msp"]["name"], "Northwind IT");
    assert_eq!(me["admin"]["id"], claims.sub);
    assert_eq!(me["msp"]["id"], claims.msp);
}

async fn wrong_email_and_wrong_password_look_the_same(app: TestApp) {
    app.bootstrap("Same Answer", "owner@same.example").await;
    let started = Instant::now();
    let wrong_password = app
        .post("/api/v1/auth/login", None, &json!({ "email": "owner@same.example", "password": "not the password" }))
        .await;
    let wrong_password_took = started.elapsed();
    let started = Instant::now();
    let unknown_email = app
        .post("/api/v1/auth/login", None, &json!({ "email": "nobody@same.example", "password": "not the password" }))
        .await;
    let unknown_email_took = started.elapsed();
    let malformed_email =
        app.post("/api/v1/auth/login", None, &json!({ "email": "not-an-email", "password": "not the password" })).await;
    assert_eq!(wrong_password.headers()["www-authenticate"], "Bearer realm=\"msp-portal\"");

    let a = assert_problem(wrong_password, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let b = assert_problem(unknown_email, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let c = assert_problem(malformed_email, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(a, b);
    assert_eq!(b, c);
    // Both ran a full Argon2 verification: neither is an order of magnitude faster.
    let (fast, slow) = if wrong_password_took < unknown_email_took {
        (wrong_password_took, unknown_email_took)
    } else {
        (unknown_email_took, wrong_password_took)
    };
    assert!(slow < fast * 10, "timings differ too much: {wrong_password_took:?} vs {unknown_email_took:?}");
}

async fn protected_routes_refuse_missing_malformed_tampered_and_expired_tokens(app: TestApp) {
    let tenant = app.tenant("Guarded").await;
    let missing = app.get("/api/v1/me", None).await;
    assert_eq!(missing.headers()["www-authenticate"], "Bearer realm=\"msp-portal\"");
    assert_problem(missing, StatusCode::UNAUTHORIZED, "missing_credentials").await;

    let basic = app.client.get(app.url("/api/v1/me")).header("authorization", "Basic YTpi").send().await.unwrap();
    assert_problem(basic, StatusCode::UNAUTHORIZED, "invalid_credentials_format").await;

    // Flip one character of the signature.
    let mut tampered = tenant.token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_problem(app.get("/api/v1/me", Some(&tampered)).await, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // Same claims, other MSP id, re-encoded without a valid signature.
    let parts: Vec<&str> = tenant.token.split('.').collect();
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
    claims["msp"] = json!("someone-else");
    let forged = format!("{}.{}.{}", parts[0], engine.encode(claims.to_string()), parts[2]);
    assert_problem(app.get("/api/v1/me", Some(&forged)).await, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // alg=none.
    let none = format!("{}.{}.", engine.encode(r#"{"alg":"none","typ":"JWT"}"#), parts[1]);
    assert_problem(app.get("/api/v1/me", Some(&none)).await, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // Correctly signed, but expired.
    let me: Value = app.get("/api/v1/me", Some(&tenant.token)).await.json().await.unwrap();
    let claims = app.token_keys().verify(&tenant.token, app.now()).unwrap();
    let expired = app
        .token_keys()
        .issue(
            me["admin"]["id"].as_str().unwrap(),
            &tenant.msp_id,
            &claims.sid,
            chrono::Utc::now() - chrono::TimeDelta::hours(1),
        )
        .unwrap();
    assert_problem(app.get("/api/v1/me", Some(&expired)).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

async fn refresh_rotates_and_reuse_ends_the_session(app: TestApp) {
    let tenant = app.tenant("Rotation").await;
    let first = app.post("/api/v1/auth/refresh", None, &json!({ "refresh_token": tenant.refresh_token })).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    let second_refresh = first["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, tenant.refresh_token);
    let new_access = first["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", Some(&new_access)).await.status(), StatusCode::OK);

    // The spent token comes back: someone copied it. The whole family dies.
    let reused = app.post("/api/v1/auth/refresh", None, &json!({ "refresh_token": tenant.refresh_token })).await;
    assert_problem(reused, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    let successor = app.post("/api/v1/auth/refresh", None, &json!({ "refresh_token": second_refresh })).await;
    assert_problem(successor, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    assert_problem(app.get("/api/v1/me", Some(&new_access)).await, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // Other sessions of the same admin are untouched.
    let other = app.login(&tenant.email, PASSWORD).await;
    assert_eq!(app.get("/api/v1/me", Some(other["access_token"].as_str().unwrap())).await.status(), StatusCode::OK);
}

async fn unknown_refresh_tokens_are_refused(app: TestApp) {
    let response = app.post("/api/v1/auth/refresh", None, &json!({ "refresh_token": "made-up" })).await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
}

async fn logout_ends_the_session_at_once(app: TestApp) {
    let tenant = app.tenant("Leaving").await;
    let response = app.post("/api/v1/auth/logout", Some(&tenant.token), &json!({})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get("/api/v1/me", Some(&tenant.token)).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let refresh = app.post("/api/v1/auth/refresh", None, &json!({ "refresh_token": tenant.refresh_token })).await;
    assert_problem(refresh, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
}

async fn bootstrapping_the_same_msp_twice_is_refused(app: TestApp) {
    app.bootstrap("Twice", "owner@twice.example").await;
    let (pool, at) = (app.pool.clone(), app.now());
    let second = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        api::bootstrap::bootstrap(
            &mut conn,
            "  TWICE ",
            "other@twice.example",
            None,
            &domain::msps::MspLimits::starter(),
            at,
        )
    })
    .await
    .unwrap();
    let error = second.expect_err("second bootstrap must fail");
    assert!(error.to_string().contains("already exists"), "{error}");
    // Nothing half-made: the second owner does not exist.
    let response =
        app.post("/api/v1/auth/login", None, &json!({ "email": "other@twice.example", "password": PASSWORD })).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
