use e2e_tests::{TestApp, on_both_backends};
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(
    healthz_answers_ok,
    readyz_answers_ready_once_migrated,
    request_ids_are_echoed_or_made,
    swagger_ui_is_served_at_docs
);

async fn healthz_answers_ok(app: TestApp) {
    let response = app.get("/healthz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

async fn readyz_answers_ready_once_migrated(app: TestApp) {
    let response = app.get("/readyz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

async fn request_ids_are_echoed_or_made(app: TestApp) {
    let echoed = app.client.get(app.url("/healthz")).header("X-Request-Id", "ci-run-42.step:7").send().await.unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "ci-run-42.step:7");

    let made = app.get("/healthz", None).await;
    let id = made.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "generated id {id} is a UUID");

    let unsafe_id = app.client.get(app.url("/healthz")).header("X-Request-Id", "two words").send().await.unwrap();
    assert_ne!(unsafe_id.headers()["x-request-id"], "two words");

    // Error responses carry one too.
    let missing = app.client.get(app.url("/nope")).header("X-Request-Id", "trace-1").send().await.unwrap();
    assert_eq!(missing.headers()["x-request-id"], "trace-1");
}

async fn swagger_ui_is_served_at_docs(app: TestApp) {
    let redirect = app.get("/docs", None).await;
    assert!(redirect.status().is_redirection());
    let page = app.get("/docs/", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "Swagger UI page");
    let config = app.get("/docs/swagger-initializer.js", None).await;
    assert_eq!(config.status(), StatusCode::OK);
    assert!(config.text().await.unwrap().contains("/openapi.json"));
}

/// With every connection taken, requests wait for the pool's timeout and then
/// get a 503 with Retry-After, not a hang and not a 500; the server recovers
/// as soon as connections come back.
async fn exhausted_pool_answers_503(backend: e2e_tests::Backend) {
    use std::time::Duration;

    use e2e_tests::{assert_problem, spawn_app_with};

    let Some(app) = spawn_app_with(backend, |settings| {
        settings.pool.max_size = 2;
        settings.pool.connection_timeout = Duration::from_millis(500);
    })
    .await
    else {
        return;
    };
    let tenant = app.tenant("Busy").await;
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (taken, all_taken) = std::sync::mpsc::channel::<()>();
    let pool = app.pool.clone();
    let holder = tokio::task::spawn_blocking(move || {
        let connections = (pool.get().unwrap(), pool.get().unwrap());
        taken.send(()).unwrap();
        released.recv().unwrap();
        drop(connections);
    });
    tokio::task::spawn_blocking(move || all_taken.recv().unwrap()).await.unwrap();

    let busy = app.get("/api/v1/customers", Some(&tenant.token)).await;
    assert_eq!(busy.headers()["retry-after"], "5");
    assert_problem(busy, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    let not_ready = app.get("/readyz", None).await;
    assert_problem(not_ready, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;

    release.send(()).unwrap();
    holder.await.unwrap();
    assert_eq!(app.get("/api/v1/customers", Some(&tenant.token)).await.status(), StatusCode::OK);
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);
}

mod exhausted_pool {
    #[tokio::test]
    async fn sqlite() {
        super::exhausted_pool_answers_503(e2e_tests::Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        super::exhausted_pool_answers_503(e2e_tests::Backend::Postgres).await;
    }
}
