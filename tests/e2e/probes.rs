use e2e_tests::on_both_backends;
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends! {
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
}
