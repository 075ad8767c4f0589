//! Accounts of a customer: their lifecycle, the activation limits (also
//! under concurrency) and the CSV import.

use domain::msps::MspLimits;
use e2e_tests::{Tenant, TestApp, assert_problem, on_both_backends};
use futures_util::future::join_all;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};

async fn msp_with_room(app: &TestApp, name: &str, max_global_users: i64) -> Tenant {
    let tenant = app.tenant(name).await;
    app.set_limits(&tenant, MspLimits { seat_pool_total: 1_000, max_global_users, ..MspLimits::starter() }).await;
    tenant
}

async fn customer(app: &TestApp, tenant: &Tenant, domain: &str, seats: i64, max_mau: i64) -> String {
    let body = json!({ "name": format!("Customer {domain}"), "domains": [domain], "country": "DE", "seats": seats, "max_mau": max_mau });
    app.create_customer_from(tenant, body).await["id"].as_str().unwrap().to_owned()
}

async fn create(app: &TestApp, tenant: &Tenant, customer: &str, email: &str, status: &str) -> reqwest::Response {
    let body = json!({ "email": email, "status": status });
    app.post(&format!("/api/v1/customers/{customer}/accounts"), Some(&tenant.token), &body).await
}

async fn created(app: &TestApp, tenant: &Tenant, customer: &str, email: &str, status: &str) -> String {
    let response = create(app, tenant, customer, email, status).await;
    assert_eq!(response.status(), StatusCode::CREATED, "creating {email}");
    response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn set_status(app: &TestApp, tenant: &Tenant, customer: &str, account: &str, action: &str) -> reqwest::Response {
    app.post(&format!("/api/v1/customers/{customer}/accounts/{account}/{action}"), Some(&tenant.token), &json!({}))
        .await
}

async fn import(app: &TestApp, tenant: &Tenant, customer: &str, csv: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/customers/{customer}/accounts/import")))
        .bearer_auth(&tenant.token)
        .header(CONTENT_TYPE, "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap()
}

async fn active_in_storage(app: &TestApp, customer: &str) -> (i64, i64) {
    let id = customer.to_owned();
    app.with_db(move |conn| {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Counts {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            rows: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            counter: i64,
        }
        let counts: Counts = diesel::sql_query(
            "SELECT (SELECT COUNT(*) FROM accounts WHERE customer_id = $1 AND status = 'active' AND deleted_at IS NULL) AS rows, \
             (SELECT active_accounts FROM customers WHERE id = $1) AS counter",
        )
        .bind::<diesel::sql_types::Text, _>(id)
        .get_result(conn)
        .unwrap();
        (counts.rows, counts.counter)
    })
    .await
}

on_both_backends!(
    accounts_are_created_listed_changed_deactivated_and_deleted,
    each_activation_limit_is_a_409_naming_it,
    concurrent_activations_never_pass_the_seats,
    a_csv_import_reports_every_row_and_sending_it_again_changes_nothing,
    a_deleted_customer_stays_in_the_msps_months
);

async fn accounts_are_created_listed_changed_deactivated_and_deleted(app: TestApp) {
    let a = msp_with_room(&app, "Accounts MSP", 100).await;
    let c = customer(&app, &a, "acme.example", 10, 1_000).await;
    let base = format!("/api/v1/customers/{c}/accounts");

    let response = app
        .post(
            &base,
            Some(&a.token),
            &json!({ "email": " Ann.Lee@ACME.example ", "display_name": "Ann  Lee", "department": "Finance" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let ann: Value = response.json().await.unwrap();
    assert_eq!(location, format!("{base}/{}", ann["id"].as_str().unwrap()));
    assert_eq!(
        (ann["email"].as_str(), ann["display_name"].as_str(), ann["status"].as_str()),
        (Some("ann.lee@acme.example"), Some("Ann Lee"), Some("active"))
    );
    let ann_id = ann["id"].as_str().unwrap().to_owned();

    // The most common mistake: an address of another organisation.
    let foreign = create(&app, &a, &c, "bob@msp.example", "active").await;
    let problem = assert_problem(foreign, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/email");
    assert!(
        problem["errors"][0]["message"].as_str().unwrap().contains("not one of the customer's domains (acme.example)"),
        "{problem}"
    );
    assert_problem(
        create(&app, &a, &c, "ann.lee@acme.example", "inactive").await,
        StatusCode::CONFLICT,
        "account_email_taken",
    )
    .await;
    let bo = created(&app, &a, &c, "bo@acme.example", "inactive").await;

    let inactive: Value = app.get(&format!("{base}?status=inactive"), Some(&a.token)).await.json().await.unwrap();
    assert_eq!(inactive["items"].as_array().unwrap().len(), 1);
    assert_eq!(inactive["items"][0]["id"], bo.as_str());
    let by_prefix: Value = app.get(&format!("{base}?email_prefix=ANN"), Some(&a.token)).await.json().await.unwrap();
    assert_eq!(by_prefix["items"][0]["id"], ann_id.as_str());
    let paged = app.get(&format!("{base}?limit=1"), Some(&a.token)).await;
    assert!(paged.headers()["link"].to_str().unwrap().contains("rel=\"next\""));
    assert_problem(
        app.get(&format!("{base}?status=gone"), Some(&a.token)).await,
        StatusCode::BAD_REQUEST,
        "invalid_parameters",
    )
    .await;

    let patched = app
        .patch(&format!("{base}/{ann_id}"), Some(&a.token), &json!({ "department": "Sales", "external_id": "emp-7" }))
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!((patched["department"].as_str(), patched["external_id"].as_str()), (Some("Sales"), Some("emp-7")));
    let cleared: Value = app
        .patch(&format!("{base}/{ann_id}"), Some(&a.token), &json!({ "department": null }))
        .await
        .json()
        .await
        .unwrap();
    assert!(cleared["department"].is_null());

    let deactivated: Value = set_status(&app, &a, &c, &ann_id, "deactivate").await.json().await.unwrap();
    assert_eq!(deactivated["status"], "inactive");
    // Doing it again changes nothing and keeps no second change.
    assert_eq!(set_status(&app, &a, &c, &ann_id, "deactivate").await.status(), StatusCode::OK);
    assert_eq!(set_status(&app, &a, &c, &ann_id, "activate").await.status(), StatusCode::OK);
    let history: Value =
        app.get(&format!("{base}/{ann_id}/status-history"), Some(&a.token)).await.json().await.unwrap();
    let statuses: Vec<&str> =
        history["items"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["active", "inactive", "active"]);
    assert_eq!(history["items"][0]["changed_by"], a.email.as_str());
    assert_eq!(active_in_storage(&app, &c).await, (1, 1));

    let deleted = app.delete(&format!("{base}/{ann_id}"), Some(&a.token)).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("{base}/{ann_id}"), Some(&a.token)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(active_in_storage(&app, &c).await, (0, 0), "deleting frees the seat");
    // Still counted this month, and the address is free again.
    let summary: Value = app.get("/api/v1/maa/summary", Some(&a.token)).await.json().await.unwrap();
    assert_eq!(summary["maa"], 1);
    assert_eq!(summary["users"]["global_users"], 0);
    assert_eq!(create(&app, &a, &c, "ann.lee@acme.example", "inactive").await.status(), StatusCode::CREATED);
    let audit: Value =
        app.get("/api/v1/audit-events?action=account.deleted", Some(&a.token)).await.json().await.unwrap();
    assert_eq!(audit["items"][0]["target_id"], ann_id.as_str());
}

async fn each_activation_limit_is_a_409_naming_it(app: TestApp) {
    let a = msp_with_room(&app, "Limits MSP", 6).await;
    // Seats.
    let small = customer(&app, &a, "small.example", 2, 1_000).await;
    created(&app, &a, &small, "a@small.example", "active").await;
    let second = created(&app, &a, &small, "b@small.example", "active").await;
    let refused = assert_problem(
        create(&app, &a, &small, "c@small.example", "active").await,
        StatusCode::CONFLICT,
        "account_seat_limit_reached",
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("2 seats"), "{refused}");
    let third = created(&app, &a, &small, "c@small.example", "inactive").await;
    assert_problem(
        set_status(&app, &a, &small, &third, "activate").await,
        StatusCode::CONFLICT,
        "account_seat_limit_reached",
    )
    .await;
    assert_eq!(set_status(&app, &a, &small, &second, "deactivate").await.status(), StatusCode::OK);
    assert_eq!(set_status(&app, &a, &small, &third, "activate").await.status(), StatusCode::OK);
    // Seats may not drop below the active accounts.
    assert_problem(
        app.patch(&format!("/api/v1/customers/{small}"), Some(&a.token), &json!({ "seats": 1 })).await,
        StatusCode::CONFLICT,
        "seats_below_active_users",
    )
    .await;

    // The max MAU threshold: three accounts counted this month.
    let capped = customer(&app, &a, "capped.example", 10, 3).await;
    created(&app, &a, &capped, "a@capped.example", "active").await;
    let back = created(&app, &a, &capped, "b@capped.example", "active").await;
    assert_eq!(set_status(&app, &a, &capped, &back, "deactivate").await.status(), StatusCode::OK);
    created(&app, &a, &capped, "c@capped.example", "active").await;
    let refused = assert_problem(
        create(&app, &a, &capped, "d@capped.example", "active").await,
        StatusCode::CONFLICT,
        "max_mau_reached",
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("threshold of 3"), "{refused}");
    // An account that already counted this month may come back.
    assert_eq!(set_status(&app, &a, &capped, &back, "activate").await.status(), StatusCode::OK);

    // The MSP's max global users (6): 2 + 3 active so far.
    let other = customer(&app, &a, "other.example", 10, 1_000).await;
    created(&app, &a, &other, "a@other.example", "active").await;
    let refused = assert_problem(
        create(&app, &a, &other, "b@other.example", "active").await,
        StatusCode::CONFLICT,
        "global_user_limit_reached",
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("(6)"), "{refused}");
    let summary: Value = app.get("/api/v1/maa/summary", Some(&a.token)).await.json().await.unwrap();
    assert_eq!(
        summary["users"],
        json!({ "global_users": 6, "local_users": 0, "max_global_users": 6, "max_local_users": 0 })
    );
}

async fn concurrent_activations_never_pass_the_seats(app: TestApp) {
    let a = msp_with_room(&app, "Racing accounts MSP", 1_000).await;
    let c = customer(&app, &a, "race.example", 5, 1_000).await;
    let mut ids = Vec::new();
    for n in 0..30 {
        ids.push(created(&app, &a, &c, &format!("user{n}@race.example"), "inactive").await);
    }
    let replies = join_all(ids.iter().map(|id| set_status(&app, &a, &c, id, "activate"))).await;
    let granted = replies.iter().filter(|r| r.status() == StatusCode::OK).count();
    let refused = replies.iter().filter(|r| r.status() == StatusCode::CONFLICT).count();
    assert_eq!((granted, refused), (5, 25));
    assert_eq!(active_in_storage(&app, &c).await, (5, 5));
    let summary: Value = app.get("/api/v1/maa/summary", Some(&a.token)).await.json().await.unwrap();
    assert_eq!((summary["maa"].as_i64(), summary["users"]["global_users"].as_i64()), (Some(5), Some(5)));
}

async fn a_csv_import_reports_every_row_and_sending_it_again_changes_nothing(app: TestApp) {
    let a = msp_with_room(&app, "Import MSP", 100).await;
    let c = customer(&app, &a, "import.example", 3, 1_000).await;
    let existing = created(&app, &a, &c, "kept@import.example", "active").await;
    let sleeper = created(&app, &a, &c, "gus@import.example", "inactive").await;
    let csv = "Email,display_name,department,status\r\n\
        ann@import.example,Ann,Finance,active\r\n\
        bob@msp.example,Bob,IT,active\r\n\
        cy@import.example,Cy,,sleeping\r\n\
        ANN@import.example,Ann again,,\r\n\
        kept@import.example,Kept,Ops,\r\n\
        dee@import.example,Dee,,inactive\r\n\
        eve@import.example,Eve,,active\r\n\
        fay@import.example,Fay,,active\r\n\
        \"quoted, name@import.example\",x\r\n\
        gus@import.example,Gus,,active\r\n";
    let response = import(&app, &a, &c, csv).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    let outcome = |line: u64| report["rows"].as_array().unwrap().iter().find(|r| r["line"] == line).unwrap().clone();
    assert_eq!(
        (report["created"].as_i64(), report["updated"].as_i64(), report["rejected"].as_i64()),
        (Some(3), Some(1), Some(6)),
        "{report}"
    );
    assert_eq!(outcome(2)["outcome"], "created", "{report}");
    assert!(outcome(3)["reason"].as_str().unwrap().contains("not one of the customer's domains"));
    assert!(outcome(4)["reason"].as_str().unwrap().starts_with("status:"));
    assert_eq!(outcome(5)["code"], "duplicate_row");
    assert_eq!(outcome(6)["outcome"], "updated");
    assert_eq!(outcome(6)["account_id"], existing.as_str());
    assert_eq!(outcome(7)["outcome"], "created", "{}", outcome(7));
    // Three seats: kept, ann, eve; fay is one too many.
    assert_eq!(outcome(8)["outcome"], "created");
    assert_eq!(outcome(9)["code"], "account_seat_limit_reached");
    assert_eq!(outcome(10)["code"], "invalid_row");
    // Refused for its activation, the row changes nothing else either.
    assert_eq!(outcome(11)["code"], "account_seat_limit_reached");
    let gus: Value =
        app.get(&format!("/api/v1/customers/{c}/accounts/{sleeper}"), Some(&a.token)).await.json().await.unwrap();
    assert_eq!((gus["display_name"].as_str(), gus["status"].as_str()), (None, Some("inactive")));
    assert_eq!(active_in_storage(&app, &c).await, (3, 3));

    let again: Value = import(&app, &a, &c, csv).await.json().await.unwrap();
    assert_eq!(
        (again["created"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(0), Some(4)),
        "{again}"
    );
    let list: Value = app.get(&format!("/api/v1/customers/{c}/accounts"), Some(&a.token)).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 5);
    let kept: Value =
        app.get(&format!("/api/v1/customers/{c}/accounts/{existing}"), Some(&a.token)).await.json().await.unwrap();
    assert_eq!((kept["display_name"].as_str(), kept["department"].as_str()), (Some("Kept"), Some("Ops")));

    let json_body = app.post(&format!("/api/v1/customers/{c}/accounts/import"), Some(&a.token), &json!({})).await;
    assert_problem(json_body, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let bad_header = assert_problem(
        import(&app, &a, &c, "mail,name\r\nx@import.example,X\r\n").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(bad_header["errors"][0]["message"].as_str().unwrap().contains("unknown column 'mail'"), "{bad_header}");
}

async fn a_deleted_customer_stays_in_the_msps_months(app: TestApp) {
    let a = msp_with_room(&app, "Leaving MSP", 100).await;
    let c = customer(&app, &a, "leaving.example", 5, 1_000).await;
    for n in 0..3 {
        created(&app, &a, &c, &format!("u{n}@leaving.example"), "active").await;
    }
    assert_eq!(app.delete(&format!("/api/v1/customers/{c}"), Some(&a.token)).await.status(), StatusCode::NO_CONTENT);
    let summary: Value = app.get("/api/v1/maa/summary", Some(&a.token)).await.json().await.unwrap();
    assert_eq!((summary["maa"].as_i64(), summary["users"]["global_users"].as_i64()), (Some(3), Some(0)));
    let history: Value = app.get("/api/v1/maa/history?months=2", Some(&a.token)).await.json().await.unwrap();
    assert_eq!(history["months"][1]["maa"], 3);
    assert_eq!(history["months"][0]["maa"], 0);
}
