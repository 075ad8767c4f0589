//! Time passing, driven by the server's clock instead of sleeps or
//! back-dated rows: links, locks and tokens expire when the clock says so.

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{Value, json};

use e2e_tests::{PASSWORD, TestApp, assert_problem, on_both_backends, spawn_app_with};

on_both_backends!(an_invitation_link_expires_after_72_hours, an_access_token_expires_after_15_minutes);

async fn invite(app: &TestApp, token: &str, email: &str) -> String {
    let body = json!({ "email": email, "role": "standard", "notify": false });
    let created = app.post("/api/v1/admins", Some(token), &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let url = created["invitation"]["set_password_url"].as_str().unwrap();
    url.split("token=").nth(1).unwrap().to_owned()
}

async fn an_invitation_link_expires_after_72_hours(app: TestApp) {
    let owner = app.tenant("Patient").await;
    let early = invite(&app, &owner.token, "early@patient.example").await;
    let late = invite(&app, &owner.token, "late@patient.example").await;

    app.advance_clock(TimeDelta::hours(71));
    let set = app.post("/api/v1/auth/set-password", None, &json!({ "token": early, "password": PASSWORD })).await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT, "71 hours on, the link still works");

    app.advance_clock(TimeDelta::hours(2));
    let refused = app.post("/api/v1/auth/set-password", None, &json!({ "token": late, "password": PASSWORD })).await;
    assert_problem(refused, StatusCode::BAD_REQUEST, "invalid_link").await;
}

async fn an_access_token_expires_after_15_minutes(app: TestApp) {
    let owner = app.tenant("Brief").await;
    app.advance_clock(TimeDelta::minutes(14));
    assert_eq!(app.get("/api/v1/me", Some(&owner.token)).await.status(), StatusCode::OK);

    app.advance_clock(TimeDelta::minutes(2));
    let expired = app.get("/api/v1/me", Some(&owner.token)).await;
    assert_problem(expired, StatusCode::UNAUTHORIZED, "invalid_token").await;
    // The refresh token outlives it: a new access token works at the new time.
    let refreshed = app.post("/api/v1/auth/refresh", None, &json!({ "refresh_token": owner.refresh_token })).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: Value = refreshed.json().await.unwrap();
    let token = refreshed["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", Some(token)).await.status(), StatusCode::OK);
}

/// A sign-in lock lasts its window (15 minutes after the last failure) and
/// no longer.
mod a_login_lock_expires {
    use super::*;
    use domain::login_protection::{LoginPolicy, Thresholds};

    async fn scenario(backend: e2e_tests::Backend) {
        let Some(app) = spawn_app_with(backend, |settings| {
            settings.login_policy =
                LoginPolicy { per_email: Thresholds { slow_after: 100, block_after: 3 }, ..LoginPolicy::default() };
        })
        .await
        else {
            return;
        };
        let owner = app.tenant("Locked").await;
        let attempt = |password: &'static str| {
            let (app, email) = (&app, owner.email.clone());
            async move { app.post("/api/v1/auth/login", None, &json!({ "email": email, "password": password })).await }
        };
        for _ in 0..3 {
            assert_eq!(attempt("wrong password!").await.status(), StatusCode::UNAUTHORIZED);
        }
        assert_problem(attempt(PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;

        app.advance_clock(TimeDelta::minutes(14));
        assert_problem(attempt(PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;

        app.advance_clock(TimeDelta::minutes(2));
        assert_eq!(attempt(PASSWORD).await.status(), StatusCode::OK, "the lock is over");
    }

    #[tokio::test]
    async fn sqlite() {
        scenario(e2e_tests::Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        scenario(e2e_tests::Backend::Postgres).await;
    }
}
