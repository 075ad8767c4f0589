//! Bad input of every kind gets a problem+json with the right status.

use e2e_tests::{TestApp, assert_problem, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    unknown_routes_are_404_problems,
    wrong_methods_are_405_problems_with_allow,
    malformed_json_is_a_400_problem,
    bodies_not_declared_as_json_are_415_problems,
    bodies_over_one_mebibyte_are_413_problems,
    invalid_fields_are_422_problems_pointing_at_each,
    wrong_shapes_are_422_problems_with_a_pointer,
    bad_query_parameters_are_400_problems
);

async fn unknown_routes_are_404_problems(app: TestApp) {
    assert_problem(app.get("/nope", None).await, StatusCode::NOT_FOUND, "route_not_found").await;
    assert_problem(app.get("/api/v1/nope", None).await, StatusCode::NOT_FOUND, "route_not_found").await;
    assert_problem(app.get("/api/v2/customers", None).await, StatusCode::NOT_FOUND, "route_not_found").await;
}

async fn wrong_methods_are_405_problems_with_allow(app: TestApp) {
    let response = app.client.put(app.url("/api/v1/customers")).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET, POST");
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;

    let response = app.get("/api/v1/auth/login", None).await;
    assert_eq!(response.headers()["allow"], "POST");
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;

    let response = app.client.post(app.url("/healthz")).send().await.unwrap();
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

async fn malformed_json_is_a_400_problem(app: TestApp) {
    for body in ["{\"email\": ", "not json", "{} {}", ""] {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
        assert!(problem["detail"].as_str().unwrap().contains("not valid JSON"), "{problem}");
    }
}

async fn bodies_not_declared_as_json_are_415_problems(app: TestApp) {
    let text = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(text, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let none = app.client.post(app.url("/api/v1/auth/login")).body("{}").send().await.unwrap();
    assert_problem(none, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let form = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=a")
        .send()
        .await
        .unwrap();
    assert_problem(form, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    // JSON with a charset or a +json suffix is JSON.
    let charset = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json; charset=utf-8")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(charset.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn bodies_over_one_mebibyte_are_413_problems(app: TestApp) {
    let padding = "x".repeat(1024 * 1024 + 1);
    let body = json!({ "email": "a@b.example", "password": padding });
    let response = app.post("/api/v1/auth/login", None, &body).await;
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

    // Also when streamed without a Content-Length.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..20).map(|_| Ok(vec![b' '; 64 * 1024])).collect();
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

async fn invalid_fields_are_422_problems_pointing_at_each(app: TestApp) {
    let tenant = app.tenant("Pointers").await;
    let response = app
        .post(
            "/api/v1/customers",
            Some(&tenant.token),
            &json!({ "name": "  ", "domains": ["ok.example", "not a domain", "-bad.example"], "country": "de" }),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let pointers: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["/name", "/domains/1", "/domains/2", "/country"]);
    assert!(problem["errors"].as_array().unwrap().iter().all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty())));
}

async fn wrong_shapes_are_422_problems_with_a_pointer(app: TestApp) {
    let tenant = app.tenant("Shapes").await;
    let wrong_type = app
        .post(
            "/api/v1/customers",
            Some(&tenant.token),
            &json!({ "name": "A", "domains": ["a.example", 7], "country": "DE" }),
        )
        .await;
    let problem = assert_problem(wrong_type, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/domains/1");

    let missing = app.post("/api/v1/customers", Some(&tenant.token), &json!({ "name": "A", "country": "DE" })).await;
    let problem = assert_problem(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/domains");

    // msp_id never comes from a body: unknown fields are refused, not ignored.
    let smuggled = app
        .post(
            "/api/v1/customers",
            Some(&tenant.token),
            &json!({ "name": "A", "domains": ["a.example"], "country": "DE", "msp_id": "other" }),
        )
        .await;
    let problem = assert_problem(smuggled, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/msp_id");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("msp_id"));

    // A body that is not an object, even one serde could read a struct from.
    let path = format!("/api/v1/admins/{}", tenant.admin_id);
    for body in [json!([]), json!(["owner"]), json!("x")] {
        let problem = assert_problem(
            app.patch(&path, Some(&tenant.token), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(
            (problem["errors"][0]["pointer"].as_str(), problem["errors"][0]["message"].as_str()),
            (Some(""), Some("must be a JSON object"))
        );
    }

    let short = app.post("/api/v1/auth/login", None, &json!({ "email": "", "password": "x" })).await;
    let problem = assert_problem(short, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/email");
}

async fn bad_query_parameters_are_400_problems(app: TestApp) {
    let tenant = app.tenant("Queries").await;
    for (query, parameter) in
        [("limit=abc", "limit"), ("limit=0", "limit"), ("limit=201", "limit"), ("cursor=garbage", "cursor")]
    {
        let response = app.get(&format!("/api/v1/customers?{query}"), Some(&tenant.token)).await;
        let problem = assert_problem(response, StatusCode::BAD_REQUEST, "invalid_parameters").await;
        assert_eq!(problem["errors"][0]["parameter"], parameter, "{query}");
    }
}
