use e2e_tests::{TestApp, assert_problem, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    created_customers_are_201_with_location_and_stored,
    lists_are_cursor_paginated_with_link_headers,
    patch_changes_only_the_given_fields,
    delete_removes_the_customer_and_its_domains,
    a_domain_belongs_to_one_customer_of_an_msp,
    ids_that_are_not_uuids_are_404,
    concurrent_writes_neither_fail_nor_break_the_domain_rule
);

async fn created_customers_are_201_with_location_and_stored(app: TestApp) {
    let tenant = app.tenant("Creator").await;
    let response = app.post("/api/v1/customers", Some(&tenant.token),
        &json!({ "name": "  Acme   Dental ", "domains": ["Acme-Dental.com", "acme.example.", "ACME-dental.com"], "country": "DE" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/customers/{id}"));
    assert_eq!(created["name"], "Acme Dental");
    assert_eq!(created["domains"], json!(["acme-dental.com", "acme.example"]));
    assert_eq!(created["country"], "DE");
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(created["created_at"], created["updated_at"]);

    let fetched = app.get(&location, Some(&tenant.token)).await;
    assert_eq!(fetched.status(), StatusCode::OK);
    assert_eq!(fetched.json::<Value>().await.unwrap(), created);

    let (msp_id, stored_id) = (tenant.msp_id.clone(), id.clone());
    let stored =
        app.with_db(move |conn| persistence::customers::find(conn, &msp_id, &stored_id).unwrap()).await.unwrap();
    assert_eq!(stored.domains, ["acme-dental.com", "acme.example"]);
    assert_eq!(stored.name, "Acme Dental");
}

async fn lists_are_cursor_paginated_with_link_headers(app: TestApp) {
    let tenant = app.tenant("Pager").await;
    let mut created = Vec::new();
    for i in 0..5 {
        let customer = app.create_customer(&tenant, &format!("Customer {i}"), &[&format!("c{i}.example")]).await;
        created.push(customer["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/customers?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let response = app.get(&path, Some(&tenant.token)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let link = response.headers().get("link").map(|v| v.to_str().unwrap().to_owned());
        let page: Value = response.json().await.unwrap();
        pages += 1;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                let link = link.expect("Link header on every page but the last");
                assert_eq!(link, format!("</api/v1/customers?limit=2&cursor={cursor}>; rel=\"next\""));
                path = link.trim_start_matches('<').split('>').next().unwrap().to_owned();
            }
            None => {
                assert!(page["next_cursor"].is_null());
                assert!(link.is_none(), "no Link header on the last page");
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created, "every customer once, in creation order");

    let all: Value = app.get("/api/v1/customers", Some(&tenant.token)).await.json().await.unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    assert!(all["next_cursor"].is_null());
}

async fn patch_changes_only_the_given_fields(app: TestApp) {
    let tenant = app.tenant("Patcher").await;
    let customer = app.create_customer(&tenant, "Before", &["before.example"]).await;
    let path = format!("/api/v1/customers/{}", customer["id"].as_str().unwrap());

    let response = app.patch(&path, Some(&tenant.token), &json!({ "name": "After" })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let renamed: Value = response.json().await.unwrap();
    assert_eq!(renamed["name"], "After");
    assert_eq!(renamed["domains"], json!(["before.example"]));
    assert_eq!(renamed["country"], "DE");
    assert_eq!(renamed["created_at"], customer["created_at"]);
    assert!(renamed["updated_at"].as_str().unwrap() > customer["updated_at"].as_str().unwrap());

    let response = app
        .patch(&path, Some(&tenant.token), &json!({ "domains": ["new.example", "second.example"], "country": "FR" }))
        .await;
    let moved: Value = response.json().await.unwrap();
    assert_eq!(moved["domains"], json!(["new.example", "second.example"]));
    assert_eq!(moved["country"], "FR");
    assert_eq!(app.get(&path, Some(&tenant.token)).await.json::<Value>().await.unwrap(), moved);

    // The released domain can be used by another customer.
    app.create_customer(&tenant, "Reuser", &["before.example"]).await;

    // An empty patch changes nothing, not even updated_at.
    let empty = app.patch(&path, Some(&tenant.token), &json!({})).await;
    assert_eq!(empty.status(), StatusCode::OK);
    assert_eq!(empty.json::<Value>().await.unwrap(), moved);

    let invalid = app.patch(&path, Some(&tenant.token), &json!({ "country": "Germany" })).await;
    let problem = assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/country");
    let lower_case = app.patch(&path, Some(&tenant.token), &json!({ "country": "fr" })).await;
    let problem = assert_problem(lower_case, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("upper-case"), "{problem}");
    // null is a mistake, not "no change": a customer always has a name.
    let null = app.patch(&path, Some(&tenant.token), &json!({ "name": null })).await;
    let problem = assert_problem(null, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/name");
    // A refused change changed nothing.
    assert_eq!(app.get(&path, Some(&tenant.token)).await.json::<Value>().await.unwrap(), moved);
}

async fn delete_removes_the_customer_and_its_domains(app: TestApp) {
    let tenant = app.tenant("Deleter").await;
    let customer = app.create_customer(&tenant, "Gone", &["gone.example"]).await;
    let id = customer["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/customers/{id}");
    assert_eq!(app.delete(&path, Some(&tenant.token)).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path, Some(&tenant.token)).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_problem(app.delete(&path, Some(&tenant.token)).await, StatusCode::NOT_FOUND, "not_found").await;
    let msp_id = tenant.msp_id.clone();
    let stored = app.with_db(move |conn| persistence::customers::find(conn, &msp_id, &id).unwrap()).await;
    assert!(stored.is_none());
    // Its domain is free again.
    app.create_customer(&tenant, "Successor", &["gone.example"]).await;
}

async fn a_domain_belongs_to_one_customer_of_an_msp(app: TestApp) {
    let tenant = app.tenant("Domains").await;
    app.create_customer(&tenant, "First", &["shared.example"]).await;
    let response = app
        .post(
            "/api/v1/customers",
            Some(&tenant.token),
            &json!({ "name": "Second", "domains": ["other.example", "SHARED.example"], "country": "DE" }),
        )
        .await;
    let problem = assert_problem(response, StatusCode::CONFLICT, "domain_taken").await;
    assert!(problem["detail"].as_str().unwrap().contains("shared.example"), "{problem}");
    // Nothing of the refused customer was stored.
    let list: Value = app.get("/api/v1/customers", Some(&tenant.token)).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Another MSP may use the same domain.
    let other = app.tenant("Other Domains").await;
    app.create_customer(&other, "Theirs", &["shared.example"]).await;
}

async fn ids_that_are_not_uuids_are_404(app: TestApp) {
    let tenant = app.tenant("Odd Ids").await;
    for id in ["123", "not-a-uuid", "%20"] {
        let response = app.get(&format!("/api/v1/customers/{id}"), Some(&tenant.token)).await;
        assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

async fn concurrent_writes_neither_fail_nor_break_the_domain_rule(app: TestApp) {
    let tenant = app.tenant("Racer").await;
    // Twenty creates at once, distinct domains: all succeed ("database is
    // locked" would surface as a 5xx here).
    let creates = (0..20).map(|i| {
        let body = json!({ "name": format!("Parallel {i}"), "domains": [format!("p{i}.example")], "country": "DE" });
        let (app, token) = (&app, tenant.token.clone());
        async move { app.post("/api/v1/customers", Some(&token), &body).await.status() }
    });
    let statuses = futures_util::future::join_all(creates).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");

    // Ten creates at once claiming one domain: exactly one wins, the rest are 409.
    let claims = (0..10).map(|i| {
        let body = json!({ "name": format!("Claimant {i}"), "domains": ["contested.example"], "country": "DE" });
        let (app, token) = (&app, tenant.token.clone());
        async move { app.post("/api/v1/customers", Some(&token), &body).await.status() }
    });
    let statuses = futures_util::future::join_all(claims).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 9, "{statuses:?}");

    let msp_id = tenant.msp_id.clone();
    let stored = app
        .with_db(move |conn| {
            persistence::customers::list(conn, &msp_id, &Default::default(), Default::default(), None, 100).unwrap()
        })
        .await;
    assert_eq!(stored.len(), 21, "20 parallel customers and one claimant, nothing half-written");
    assert_eq!(stored.iter().filter(|c| c.domains == ["contested.example"]).count(), 1);
}
