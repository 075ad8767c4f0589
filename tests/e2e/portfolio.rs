//! The customer portfolio: complete customers, lifecycle, ETags, filtered
//! and sorted lists, tiers, groups, expiring licenses and the export.

use std::collections::BTreeSet;

use e2e_tests::{Tenant, TestApp, assert_problem, on_both_backends};
use futures_util::future::join_all;
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MATCH, IF_NONE_MATCH, LINK};
use serde_json::{Value, json};

async fn create(app: &TestApp, tenant: &Tenant, body: Value) -> Value {
    let response = app.post("/api/v1/customers", Some(&tenant.token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "creating {body}");
    response.json().await.unwrap()
}

async fn list(app: &TestApp, tenant: &Tenant, query: &str) -> Vec<String> {
    let response = app.get(&format!("/api/v1/customers?{query}"), Some(&tenant.token)).await;
    assert_eq!(response.status(), StatusCode::OK, "listing with {query}");
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
}

fn id(value: &Value) -> &str {
    value["id"].as_str().unwrap()
}

on_both_backends!(
    a_customer_keeps_every_field_and_gets_defaults,
    the_lifecycle_allows_only_its_transitions,
    etags_stop_lost_updates,
    lists_filter_sort_and_page,
    tiers_list_their_features,
    groups_gather_customers_without_owning_them,
    expiring_licenses_come_soonest_first,
    the_export_streams_every_customer_safely
);

async fn a_customer_keeps_every_field_and_gets_defaults(app: TestApp) {
    let a = app.tenant("Fields MSP").await;
    let minimal = create(&app, &a, json!({ "name": "Minimal", "domains": ["minimal.example"], "country": "FR" })).await;
    assert_eq!(minimal["timezone"], "UTC");
    assert_eq!(minimal["language"], "en");
    assert_eq!(minimal["tier"], "starter");
    assert_eq!(minimal["seats"], 0);
    assert_eq!(minimal["max_mau"], 100_000_000);
    assert_eq!(minimal["status"], "onboarding");
    assert_eq!(minimal["version"], 1);
    for field in ["billing_reference", "sector", "location", "license_expires_on"] {
        assert!(minimal[field].is_null(), "{field}");
    }

    let full = create(
        &app,
        &a,
        json!({
            "name": "Acme Dental", "domains": ["Acme-Dental.com", "acme.example"], "country": "DE",
            "billing_reference": "PSA-10442", "timezone": "Europe/Berlin", "language": "DE-ch", "sector": "Healthcare",
            "location": "Berlin", "tier": "enterprise", "max_mau": 500, "license_expires_on": "2027-06-30"
        }),
    )
    .await;
    assert_eq!(full["domains"], json!(["acme-dental.com", "acme.example"]));
    assert_eq!(full["language"], "de-CH", "BCP 47 tags are stored canonical");
    assert_eq!(full["license_expires_on"], "2027-06-30");
    assert_eq!(full["max_mau"], 500);
    let read: Value = app.get(&format!("/api/v1/customers/{}", id(&full)), Some(&a.token)).await.json().await.unwrap();
    assert_eq!(read, full);

    // Clearing optional fields with null; other fields stay.
    let path = format!("/api/v1/customers/{}", id(&full));
    let cleared: Value = app
        .patch(&path, Some(&a.token), &json!({ "sector": null, "billing_reference": null, "license_expires_on": null }))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        cleared["sector"].is_null()
            && cleared["billing_reference"].is_null()
            && cleared["license_expires_on"].is_null()
    );
    assert_eq!(cleared["location"], "Berlin");
    assert_eq!(cleared["version"], 2);

    // Every bad field is reported at its pointer, and nothing is created.
    let bad = app.post("/api/v1/customers", Some(&a.token), &json!({
        "name": "Bad", "domains": ["bad.example"], "country": "DE", "timezone": "Mars/Olympus", "language": "klingon-x",
        "tier": "platinum", "seats": -1, "max_mau": 100_000_001, "license_expires_on": "30.06.2027"
    })).await;
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let pointers: BTreeSet<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(
        pointers,
        BTreeSet::from(["/timezone", "/language", "/tier", "/seats", "/max_mau", "/license_expires_on"])
    );
    assert_eq!(list(&app, &a, "").await, ["Minimal", "Acme Dental"]);
}

async fn the_lifecycle_allows_only_its_transitions(app: TestApp) {
    let a = app.tenant("Lifecycle MSP").await;
    app.set_limits(&a, domain::msps::MspLimits { seat_pool_total: 10, ..domain::msps::MspLimits::starter() }).await;
    let customer = create(&app, &a, json!({ "name": "Life", "domains": ["life.example"], "country": "DE" })).await;
    let path = format!("/api/v1/customers/{}", id(&customer));
    let to = |status: &'static str| {
        app.client.patch(app.url(&path)).bearer_auth(&a.token).json(&json!({ "status": status })).send()
    };

    // Going live checks readiness as the onboarding's go-live does: without a seat, nobody could be trained.
    let problem = assert_problem(to("live").await.unwrap(), StatusCode::CONFLICT, "not_ready").await;
    assert_eq!(problem["blockers"][0]["code"], "no_seats", "{problem}");
    let seats = app.patch(&path, Some(&a.token), &json!({ "seats": 1 })).await;
    assert_eq!(seats.status(), StatusCode::OK);

    let problem =
        assert_problem(to("suspended").await.unwrap(), StatusCode::CONFLICT, "invalid_status_transition").await;
    assert!(problem["detail"].as_str().unwrap().contains("from onboarding it can go to: live, archived"), "{problem}");
    for status in ["live", "live", "suspended", "live", "archived"] {
        let response = to(status).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "to {status}");
        assert_eq!(response.json::<Value>().await.unwrap()["status"], status);
    }
    assert_problem(to("live").await.unwrap(), StatusCode::CONFLICT, "invalid_status_transition").await;
    assert_problem(to("paused").await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let audit: Value = app
        .get(&format!("/api/v1/audit-events?target_id={}", id(&customer)), Some(&a.token))
        .await
        .json()
        .await
        .unwrap();
    let last = &audit["items"][0];
    assert_eq!(last["action"], "customer.updated");
    assert_eq!((last["before"]["status"].clone(), last["after"]["status"].clone()), (json!("live"), json!("archived")));
}

async fn etags_stop_lost_updates(app: TestApp) {
    let a = app.tenant("ETag MSP").await;
    let customer = create(&app, &a, json!({ "name": "Tagged", "domains": ["tagged.example"], "country": "DE" })).await;
    let url = app.url(&format!("/api/v1/customers/{}", id(&customer)));
    let read = app.client.get(&url).bearer_auth(&a.token).send().await.unwrap();
    let etag = read.headers()[ETAG].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"1\"");

    let unchanged = app.client.get(&url).bearer_auth(&a.token).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);

    let first = app
        .client
        .patch(&url)
        .bearer_auth(&a.token)
        .header(IF_MATCH, &etag)
        .json(&json!({ "name": "First writer" }))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()[ETAG], "\"2\"");

    // The second writer read version 1 too: refused, and told the current tag.
    let second = app
        .client
        .patch(&url)
        .bearer_auth(&a.token)
        .header(IF_MATCH, &etag)
        .json(&json!({ "name": "Second writer" }))
        .send()
        .await
        .unwrap();
    assert_eq!(second.headers()[ETAG], "\"2\"");
    assert_problem(second, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    let stale_delete = app.client.delete(&url).bearer_auth(&a.token).header(IF_MATCH, &etag).send().await.unwrap();
    assert_problem(stale_delete, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    let now: Value = app.client.get(&url).bearer_auth(&a.token).send().await.unwrap().json().await.unwrap();
    assert_eq!((now["name"].clone(), now["version"].clone()), (json!("First writer"), json!(2)));

    let with_current = app
        .client
        .patch(&url)
        .bearer_auth(&a.token)
        .header(IF_MATCH, "\"7\", \"2\"")
        .json(&json!({ "seats": 0, "tier": "professional" }))
        .send()
        .await
        .unwrap();
    assert_eq!(with_current.status(), StatusCode::OK);
    let fresh = app.client.get(&url).bearer_auth(&a.token).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(fresh.status(), StatusCode::OK, "an old tag is not current");
}

async fn lists_filter_sort_and_page(app: TestApp) {
    let a = app.tenant("List MSP").await;
    app.set_limits(&a, domain::msps::MspLimits { seat_pool_total: 100, ..domain::msps::MspLimits::starter() }).await;
    let rows = [
        ("Bravo Dental", "bravo-dental.example", "DE", "Healthcare", "starter", 5, Some("2027-01-10")),
        ("alpha Law", "alpha-law.example", "FR", "Legal", "professional", 20, Some("2026-12-01")),
        ("Charlie Clinic", "charlie.example", "DE", "healthcare", "enterprise", 10, None),
        ("Delta 100%_Corp", "delta.example", "US", "Retail", "starter", 0, Some("2028-03-03")),
    ];
    let mut ids = Vec::new();
    for (name, domain, country, sector, tier, seats, expiry) in rows {
        let body = json!({ "name": name, "domains": [domain], "country": country, "sector": sector, "tier": tier, "seats": seats, "license_expires_on": expiry });
        ids.push(id(&create(&app, &a, body).await).to_owned());
    }
    let live = app.patch(&format!("/api/v1/customers/{}", ids[1]), Some(&a.token), &json!({ "status": "live" })).await;
    assert_eq!(live.status(), StatusCode::OK);

    assert_eq!(list(&app, &a, "").await, ["Bravo Dental", "alpha Law", "Charlie Clinic", "Delta 100%_Corp"]);
    assert_eq!(list(&app, &a, "sort=name").await, ["alpha Law", "Bravo Dental", "Charlie Clinic", "Delta 100%_Corp"]);
    assert_eq!(list(&app, &a, "sort=-seats").await, ["alpha Law", "Charlie Clinic", "Bravo Dental", "Delta 100%_Corp"]);
    assert_eq!(
        list(&app, &a, "sort=license_expiry").await,
        ["alpha Law", "Bravo Dental", "Delta 100%_Corp", "Charlie Clinic"]
    );
    assert_eq!(
        list(&app, &a, "sort=-created").await,
        ["Delta 100%_Corp", "Charlie Clinic", "alpha Law", "Bravo Dental"]
    );
    assert_eq!(list(&app, &a, "status=live").await, ["alpha Law"]);
    assert_eq!(list(&app, &a, "tier=starter").await, ["Bravo Dental", "Delta 100%_Corp"]);
    assert_eq!(list(&app, &a, "sector=HEALTHCARE").await, ["Bravo Dental", "Charlie Clinic"]);
    assert_eq!(list(&app, &a, "country=DE&tier=enterprise").await, ["Charlie Clinic"]);
    assert_eq!(list(&app, &a, "license_expires_before=2027-02-01").await, ["Bravo Dental", "alpha Law"]);
    assert_eq!(list(&app, &a, "q=DENTAL").await, ["Bravo Dental"]);
    assert_eq!(list(&app, &a, "q=alpha-law.exa").await, ["alpha Law"], "search covers domains");
    assert_eq!(list(&app, &a, "q=100%25_").await, ["Delta 100%_Corp"], "wildcards are literal");
    assert_eq!(list(&app, &a, "q=%25").await, ["Delta 100%_Corp"]);

    // Paging through a sorted, filtered list by its Link keeps the filter and sort.
    let mut seen = Vec::new();
    let mut next = Some("/api/v1/customers?limit=1&sort=-seats&country=DE".to_owned());
    while let Some(path) = next.take() {
        let response = app.get(&path, Some(&a.token)).await;
        assert_eq!(response.status(), StatusCode::OK);
        next = response.headers().get(LINK).map(|l| {
            let link = l.to_str().unwrap();
            link[link.find('<').unwrap() + 1..link.find('>').unwrap()].to_owned()
        });
        let page: Value = response.json().await.unwrap();
        seen.extend(page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()));
    }
    assert_eq!(seen, ["Charlie Clinic", "Bravo Dental"]);

    // A cursor belongs to its sort order; bad filters are 400s that name the parameter.
    let page: Value = app.get("/api/v1/customers?limit=1&sort=name", Some(&a.token)).await.json().await.unwrap();
    let cursor = page["next_cursor"].as_str().unwrap();
    let mixed = app.get(&format!("/api/v1/customers?sort=seats&cursor={cursor}"), Some(&a.token)).await;
    assert_problem(mixed, StatusCode::BAD_REQUEST, "invalid_parameters").await;
    for query in [
        "status=gone",
        "tier=gold",
        "sort=size",
        "country=XX",
        "license_expires_before=soon",
        "group_id=nope",
        "limit=0",
    ] {
        let response = app.get(&format!("/api/v1/customers?{query}"), Some(&a.token)).await;
        let problem = assert_problem(response, StatusCode::BAD_REQUEST, "invalid_parameters").await;
        let parameter = query.split('=').next().unwrap();
        assert_eq!(problem["errors"][0]["parameter"], parameter, "{query}: {problem}");
    }
}

async fn tiers_list_their_features(app: TestApp) {
    let a = app.tenant("Tier MSP").await;
    let tiers: Value = app.get("/api/v1/tiers", Some(&a.token)).await.json().await.unwrap();
    let ids: Vec<&str> = tiers["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["starter", "professional", "enterprise"]);
    let features = |i: usize| -> Vec<String> {
        tiers["items"][i]["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(features(0), ["phishing_simulations", "basic_reporting", "email_report_button"]);
    assert!(
        features(1).contains(&"training_courses".to_owned())
            && features(1).contains(&"phishing_simulations".to_owned())
    );
    assert!(!features(1).contains(&"sso_saml".to_owned()));
    assert_eq!(features(2).len(), 9);
    assert_eq!(tiers["items"][2]["includes"], "professional");
}

async fn groups_gather_customers_without_owning_them(app: TestApp) {
    let a = app.tenant("Group MSP").await;
    let c1 = create(&app, &a, json!({ "name": "One", "domains": ["one.example"], "country": "DE" })).await;
    let c2 = create(&app, &a, json!({ "name": "Two", "domains": ["two.example"], "country": "DE" })).await;
    let new_group = |name: &'static str, kind: &'static str| {
        app.client
            .post(app.url("/api/v1/customer-groups"))
            .bearer_auth(&a.token)
            .json(&json!({ "name": name, "kind": kind, "description": "d" }))
            .send()
    };
    let dental: Value = new_group("Dental", "sector").await.unwrap().json().await.unwrap();
    let berlin: Value = new_group("Berlin", "location").await.unwrap().json().await.unwrap();
    assert_problem(new_group("DENTAL", "custom").await.unwrap(), StatusCode::CONFLICT, "group_name_taken").await;
    assert_problem(new_group("Other", "planet").await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
        .await;

    let berlin_path = format!("/api/v1/customer-groups/{}", id(&berlin));
    let renamed =
        app.patch(&berlin_path, Some(&a.token), &json!({ "name": "Berlin  Mitte", "description": null })).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(
        (renamed["name"].clone(), renamed["description"].clone(), renamed["kind"].clone()),
        (json!("Berlin Mitte"), json!(""), json!("location"))
    );
    assert_problem(
        app.patch(&berlin_path, Some(&a.token), &json!({ "name": "dental" })).await,
        StatusCode::CONFLICT,
        "group_name_taken",
    )
    .await;

    let member =
        |group: &Value, customer: &Value| format!("/api/v1/customer-groups/{}/customers/{}", id(group), id(customer));
    for (group, customer) in [(&dental, &c1), (&dental, &c2), (&berlin, &c1), (&dental, &c1)] {
        let added = app.client.put(app.url(&member(group, customer))).bearer_auth(&a.token).send().await.unwrap();
        assert_eq!(added.status(), StatusCode::NO_CONTENT);
    }
    let in_dental: Value = app
        .get(&format!("/api/v1/customer-groups/{}/customers", id(&dental)), Some(&a.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(in_dental["items"].as_array().unwrap().len(), 2);
    assert_eq!(list(&app, &a, &format!("group_id={}", id(&berlin))).await, ["One"]);
    let of_c1: Value =
        app.get(&format!("/api/v1/customers/{}/groups", id(&c1)), Some(&a.token)).await.json().await.unwrap();
    let names: Vec<&str> = of_c1["items"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Dental", "Berlin Mitte"]);
    let read: Value =
        app.get(&format!("/api/v1/customer-groups/{}", id(&dental)), Some(&a.token)).await.json().await.unwrap();
    assert_eq!(read["member_count"], 2);

    assert_eq!(app.delete(&member(&dental, &c2), Some(&a.token)).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.delete(&member(&dental, &c2), Some(&a.token)).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(
        app.delete(&format!("/api/v1/customer-groups/{}", id(&dental)), Some(&a.token)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(list(&app, &a, "").await, ["One", "Two"], "deleting a group deletes no customer");
    let of_c1: Value =
        app.get(&format!("/api/v1/customers/{}/groups", id(&c1)), Some(&a.token)).await.json().await.unwrap();
    assert_eq!(of_c1["items"].as_array().unwrap().len(), 1);

    let b = app.tenant("Other MSP").await;
    let foreign = app.client.put(app.url(&member(&berlin, &c2))).bearer_auth(&b.token).send().await.unwrap();
    assert_problem(foreign, StatusCode::NOT_FOUND, "not_found").await;
    let audit: Value =
        app.get("/api/v1/audit-events?target_type=customer_group", Some(&a.token)).await.json().await.unwrap();
    let actions: BTreeSet<&str> =
        audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        BTreeSet::from([
            "customer_group.created",
            "customer_group.deleted",
            "customer_group.member_added",
            "customer_group.member_removed",
            "customer_group.updated"
        ])
    );
}

async fn expiring_licenses_come_soonest_first(app: TestApp) {
    let a = app.tenant("Expiry MSP").await;
    let today = chrono::Utc::now().date_naive();
    let day = |n: i64| (today + chrono::TimeDelta::days(n)).to_string();
    for (name, expiry) in [
        ("Later", Some(day(50))),
        ("Soon", Some(day(3))),
        ("Past", Some(day(-1))),
        ("Far", Some(day(61))),
        ("Never", None),
        ("Today", Some(day(0))),
    ] {
        create(&app, &a, json!({ "name": name, "domains": [format!("{}.example", name.to_lowercase())], "country": "DE", "license_expires_on": expiry })).await;
    }
    let expiring: Value = app.get("/api/v1/licenses/expiring", Some(&a.token)).await.json().await.unwrap();
    let items = expiring["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|i| i["customer_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Today", "Soon", "Later"]);
    assert_eq!(items[1]["days_left"], 3);
    assert_eq!(items[1]["domain"], "soon.example");
    assert_eq!(items[1]["license_expires_on"], day(3));
    let wider: Value = app.get("/api/v1/licenses/expiring?within_days=61", Some(&a.token)).await.json().await.unwrap();
    assert_eq!(wider["items"].as_array().unwrap().len(), 4);
    let paged = app.get("/api/v1/licenses/expiring?within_days=61&limit=2", Some(&a.token)).await;
    assert!(paged.headers()[LINK].to_str().unwrap().contains("within_days=61"));
    assert_problem(
        app.get("/api/v1/licenses/expiring?within_days=-5", Some(&a.token)).await,
        StatusCode::BAD_REQUEST,
        "invalid_parameters",
    )
    .await;
}

async fn the_export_streams_every_customer_safely(app: TestApp) {
    let a = app.tenant("Export MSP").await;
    app.set_limits(&a, domain::msps::MspLimits { max_organizations: 1000, ..domain::msps::MspLimits::starter() }).await;
    // More than one batch of the stream (500).
    for chunk in (0..520).collect::<Vec<_>>().chunks(40) {
        let requests = chunk.iter().map(|n| {
            let name = if *n == 7 { "=HYPERLINK(\"http://evil.example\")".to_owned() } else { format!("Export {n}") };
            let body = json!({ "name": name, "domains": [format!("e{n}.example")], "country": "DE", "billing_reference": if *n == 8 { "+1 555" } else { "ok" } });
            app.client.post(app.url("/api/v1/customers")).bearer_auth(&a.token).json(&body).send()
        });
        for response in join_all(requests).await {
            assert_eq!(response.unwrap().status(), StatusCode::CREATED);
        }
    }
    let csv_response = app.get("/api/v1/customers/export?format=csv", Some(&a.token)).await;
    assert_eq!(csv_response.status(), StatusCode::OK);
    assert_eq!(csv_response.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv_response.headers()["content-disposition"].to_str().unwrap().contains("customers.csv"));
    let text = csv_response.text().await.unwrap();
    assert!(text.starts_with("id,name,billing_reference,domains,country,timezone,language,sector,location,tier,seats,max_mau,license_expires_on,status,created_at,updated_at\r\n"));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 520);
    let ids: BTreeSet<&str> = records.iter().map(|r| &r[0]).collect();
    assert_eq!(ids.len(), 520, "every customer once");
    assert!(records.iter().any(|r| &r[1] == "'=HYPERLINK(\"http://evil.example\")"), "formulas are neutralised");
    assert!(records.iter().any(|r| &r[2] == "'+1 555"));
    assert!(records.iter().all(|r| !r[1].starts_with('=')));

    let json_response = app.get("/api/v1/customers/export?format=json", Some(&a.token)).await;
    assert_eq!(json_response.headers()["content-type"], "application/json");
    let exported: Vec<Value> = json_response.json().await.unwrap();
    assert_eq!(exported.len(), 520);
    assert!(
        exported.iter().any(|c| c["name"] == "=HYPERLINK(\"http://evil.example\")"),
        "JSON keeps values as they are"
    );
    let empty_msp = app.tenant("Empty MSP").await;
    let none: Vec<Value> = app.get("/api/v1/customers/export", Some(&empty_msp.token)).await.json().await.unwrap();
    assert!(none.is_empty());
    assert_problem(
        app.get("/api/v1/customers/export?format=xlsx", Some(&a.token)).await,
        StatusCode::BAD_REQUEST,
        "invalid_parameters",
    )
    .await;
}
