//! Nothing of one MSP is visible to or changeable by another.

use e2e_tests::{TestApp, assert_problem, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    another_msps_customer_cannot_be_read_changed_or_deleted,
    the_same_answer_for_missing_and_foreign_customers
);

async fn another_msps_customer_cannot_be_read_changed_or_deleted(app: TestApp) {
    let a = app.tenant("MSP A").await;
    let b = app.tenant("MSP B").await;
    let customer = app.create_customer(&a, "A's customer", &["a-customer.example"]).await;
    let path = format!("/api/v1/customers/{}", customer["id"].as_str().unwrap());

    assert_problem(app.get(&path, Some(&b.token)).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_problem(
        app.patch(&path, Some(&b.token), &json!({ "name": "Hijacked" })).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(app.delete(&path, Some(&b.token)).await, StatusCode::NOT_FOUND, "not_found").await;
    let b_list: Value = app.get("/api/v1/customers", Some(&b.token)).await.json().await.unwrap();
    assert_eq!(b_list["items"], json!([]));

    // A cursor of A's list shows B nothing of A either.
    app.create_customer(&a, "A's second customer", &["a-second.example"]).await;
    let a_page: Value = app.get("/api/v1/customers?limit=1", Some(&a.token)).await.json().await.unwrap();
    let cursor = a_page["next_cursor"].as_str().expect("A has a second page").to_owned();
    let b_page: Value =
        app.get(&format!("/api/v1/customers?cursor={cursor}"), Some(&b.token)).await.json().await.unwrap();
    assert_eq!(b_page["items"], json!([]));

    // Untouched, as A sees it.
    let unchanged: Value = app.get(&path, Some(&a.token)).await.json().await.unwrap();
    assert_eq!(unchanged, customer);
}

async fn the_same_answer_for_missing_and_foreign_customers(app: TestApp) {
    let a = app.tenant("Owner A").await;
    let b = app.tenant("Owner B").await;
    let customer = app.create_customer(&a, "Hidden", &["hidden.example"]).await;
    let foreign = app.get(&format!("/api/v1/customers/{}", customer["id"].as_str().unwrap()), Some(&b.token)).await;
    let missing = app.get("/api/v1/customers/0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e81", Some(&b.token)).await;
    let foreign = assert_problem(foreign, StatusCode::NOT_FOUND, "not_found").await;
    let missing = assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(foreign, missing);
}
