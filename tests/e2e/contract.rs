//! The served contract is the committed one, and complete.

use e2e_tests::{TestApp, on_both_backends};
use reqwest::StatusCode;
use serde_json::Value;

fn committed() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let text = std::fs::read_to_string(path).expect("openapi/openapi.json exists; run `make openapi`");
    serde_json::from_str(&text).expect("committed contract is JSON")
}

on_both_backends!(
    the_served_document_equals_the_committed_one,
    every_path_of_the_contract_is_served_with_exactly_its_methods
);

async fn the_served_document_equals_the_committed_one(app: TestApp) {
    let response = app.get("/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let served: Value = response.json().await.unwrap();
    assert_eq!(served["openapi"], "3.1.0");
    assert!(served == committed(), "openapi/openapi.json is stale: run `make openapi` and commit it");
}

async fn every_path_of_the_contract_is_served_with_exactly_its_methods(app: TestApp) {
    // A method a path does not serve is a 405 whose `Allow` lists what the
    // server really routes there: it must be what the contract says.
    const ORDER: [&str; 6] = ["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"];
    let document = committed();
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        let methods: Vec<&str> = ORDER.iter().copied().filter(|m| item.get(m.to_lowercase()).is_some()).collect();
        let Some(other) = ORDER.iter().find(|m| !methods.contains(m)) else { continue };
        let concrete = path
            .split('/')
            .map(|s| if s.starts_with('{') { "0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e81" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let method = reqwest::Method::from_bytes(other.as_bytes()).unwrap();
        let response = app.client.request(method, app.url(&concrete)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{other} {path} (as {concrete})");
        assert_eq!(response.headers()["allow"], methods.join(", ").as_str(), "the methods served at {path}");
        checked += 1;
    }
    assert_eq!(checked, document["paths"].as_object().unwrap().len(), "every path was checked");
}

#[test]
fn every_operation_has_an_id_a_tag_and_its_error_responses() {
    let document = committed();
    let mut operation_ids = std::collections::BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(operation_ids.insert(id.to_owned()), "operationId {id} is used twice");
            assert!(operation["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path} has no tag");
            let responses = operation["responses"].as_object().unwrap();
            if path.starts_with("/api/") {
                assert!(
                    responses.keys().any(|s| s.starts_with('4') || s.starts_with('5')),
                    "{method} {path} lists no error"
                );
                for (status, response) in responses.iter().filter(|(s, _)| s.starts_with('4') || s.starts_with('5')) {
                    // Shared responses are named components: follow the reference.
                    let response = match response["$ref"].as_str() {
                        Some(reference) => document
                            .pointer(reference.trim_start_matches('#'))
                            .unwrap_or_else(|| panic!("dangling {reference}")),
                        None => response,
                    };
                    assert_eq!(
                        response["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{method} {path} {status} is not a problem+json Problem"
                    );
                }
            }
            // The tracking endpoints behind simulated messages: the token in the path (or body) is the proof.
            let public = path.starts_with("/t/")
                || matches!(
                    path.as_str(),
                    "/healthz"
                        | "/readyz"
                        | "/api/v1/auth/login"
                        | "/api/v1/auth/refresh"
                        | "/api/v1/auth/set-password"
                        | "/api/v1/auth/forgot-password"
                        | "/api/v1/platform/auth/login"
                        | "/api/v1/delivery-tests/confirm"
                );
            assert_eq!(operation.get("security").is_none(), public, "{method} {path} security");
        }
    }
    assert_eq!(document["components"]["securitySchemes"]["bearer_auth"]["scheme"], "bearer");
    assert_eq!(document["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
}
