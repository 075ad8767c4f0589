//! MAA, allowance and orders over HTTP, and the property test: random status
//! histories written through the same storage functions the handlers use,
//! at chosen times, then the numbers the API returns checked against a
//! brute-force count of the definition.

use chrono::{Duration, NaiveDateTime, Utc};
use domain::accounts::{AccountProfile, AccountStatus, NewAccount};
use domain::maa::Month;
use domain::msps::MspLimits;
use e2e_tests::{TestApp, assert_problem, on_both_backends};
use persistence::accounts::{self, AccountRecord, Organization, StatusBatch};
use proptest::strategy::{Just, Strategy, ValueTree};
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Property-test cases per backend.
const CASES: u32 = 200;
/// Months of history the cases span, the current one included.
const MONTHS: u32 = 14;

/// One account's life: created at `created` (seconds after the window
/// opened) with a status, then flipped after each gap; a gap of 0 flips at
/// the same instant, a gap divisible by 3 snaps the flip onto the first
/// instant of the next month. Optionally deleted after the last flip.
#[derive(Debug, Clone)]
struct Life {
    created: i64,
    active: bool,
    gaps: Vec<i64>,
    deleted_after: Option<i64>,
}

fn lives() -> impl Strategy<Value = Vec<Life>> {
    let span = i64::from(MONTHS) * 31 * 86_400;
    let life = (
        0..span,
        proptest::bool::ANY,
        proptest::collection::vec(proptest::prop_oneof![Just(0_i64), 1..86_400 * 50_i64], 0..7),
        proptest::option::of(0..86_400 * 40_i64),
    )
        .prop_map(|(created, active, gaps, deleted_after)| Life { created, active, gaps, deleted_after });
    proptest::collection::vec(life, 0..9)
}

/// The timed changes of one life, up to `now`; the bool says "deleted".
fn timeline(life: &Life, origin: NaiveDateTime, now: NaiveDateTime) -> Vec<(NaiveDateTime, AccountStatus, bool)> {
    let mut at = origin + Duration::seconds(life.created);
    if at > now {
        return Vec::new();
    }
    let mut status = if life.active { AccountStatus::Active } else { AccountStatus::Inactive };
    let mut changes = vec![(at, status, false)];
    for gap in &life.gaps {
        at += Duration::seconds(*gap);
        if gap % 3 == 0 && *gap > 0 {
            at = Month::of(at).plus(1).start();
        }
        if at > now {
            return changes;
        }
        status = if status == AccountStatus::Active { AccountStatus::Inactive } else { AccountStatus::Active };
        changes.push((at, status, false));
    }
    if let Some(after) = life.deleted_after {
        let at = at + Duration::seconds(after);
        if at <= now {
            changes.push((at, AccountStatus::Inactive, true));
        }
    }
    changes
}

/// The definition, counted the slow way: an account counts in a month when
/// its status just before the month began was active, or when it was
/// activated at some instant of the month.
fn brute_force(timelines: &[Vec<(NaiveDateTime, AccountStatus, bool)>], month: Month) -> i64 {
    let (start, end) = (month.start(), month.plus(1).start());
    let counted = timelines.iter().filter(|changes| {
        let mut before = AccountStatus::Inactive;
        let mut activated_in_month = false;
        for (at, status, _) in changes.iter() {
            if *at < start {
                before = *status;
            } else if *at < end && *status == AccountStatus::Active {
                activated_in_month = true;
            }
        }
        before == AccountStatus::Active || activated_in_month
    });
    i64::try_from(counted.count()).unwrap()
}

/// Writes the lives into `customer` exactly as the handlers would, each
/// change at its own time.
fn write_lives(
    conn: &mut persistence::DbConnection,
    msp_id: &str,
    customer: &str,
    timelines: &[Vec<(NaiveDateTime, AccountStatus, bool)>],
) {
    persistence::transactions::write_transaction(conn, |tx| {
        let organization = Organization::Customer(customer);
        let mut batch = StatusBatch::new(msp_id, organization, "property test");
        for (n, changes) in timelines.iter().enumerate() {
            let Some(((created_at, first, _), rest)) = changes.split_first() else { continue };
            let email = format!("user{n}@prop.example");
            let new = NewAccount {
                email: domain::accounts::AccountEmail::parse(&email, &["prop.example"]).unwrap(),
                profile: AccountProfile { display_name: None, department: None, external_id: None },
                status: *first,
            };
            let record: AccountRecord = batch.create(&new, *created_at);
            accounts::insert_all(tx, std::slice::from_ref(&record), "property test")?;
            for (at, status, deleted) in rest {
                // Read back before each change, as a handler does.
                let stored = accounts::find(tx, msp_id, organization, &record.id)?.unwrap();
                let record = batch.change(tx, &stored, *status, *at)?;
                if *deleted {
                    accounts::mark_deleted(tx, &record.id, *at)?;
                }
            }
        }
        batch.finish(tx)
    })
    .unwrap();
}

async fn maa_of(app: &TestApp, token: &str, query: &str) -> Vec<i64> {
    let response = app.get(&format!("/api/v1/maa/history?months={MONTHS}{query}"), Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let history: Value = response.json().await.unwrap();
    history["months"].as_array().unwrap().iter().map(|m| m["maa"].as_i64().unwrap()).collect()
}

on_both_backends!(
    the_maa_the_api_returns_agrees_with_a_brute_force_count,
    allowance_orders_make_the_allowance_and_overage
);

async fn the_maa_the_api_returns_agrees_with_a_brute_force_count(app: TestApp) {
    let a = app.tenant("Metered MSP").await;
    app.set_limits(&a, MspLimits { max_organizations: 1_000, ..MspLimits::starter() }).await;
    let now = Utc::now().naive_utc();
    let current = Month::of(now);
    let months = current.trailing(MONTHS);
    let origin = months[0].start();
    let mut runner = TestRunner::new(Config { cases: CASES, ..Config::default() });
    let strategy = lives();
    // The MSP's MAA is the sum over its customers: every case adds one.
    let mut msp_reference = vec![0_i64; months.len()];
    for case in 0..CASES {
        let lives = strategy.new_tree(&mut runner).unwrap().current();
        let timelines: Vec<_> = lives.iter().map(|life| timeline(life, origin, now)).collect();
        let body =
            json!({ "name": format!("Case {case}"), "domains": [format!("case{case}.example")], "country": "DE" });
        let customer: Value = app.post("/api/v1/customers", Some(&a.token), &body).await.json().await.unwrap();
        let customer = customer["id"].as_str().unwrap().to_owned();
        let (msp_id, id, written) = (a.msp_id.clone(), customer.clone(), timelines.clone());
        app.with_db(move |conn| write_lives(conn, &msp_id, &id, &written)).await;

        let reference: Vec<i64> = months.iter().map(|month| brute_force(&timelines, *month)).collect();
        let served = maa_of(&app, &a.token, &format!("&customer_id={customer}")).await;
        assert_eq!(served, reference, "case {case}: customer MAA per month differs for {lives:?}");
        for (total, maa) in msp_reference.iter_mut().zip(&reference) {
            *total += maa;
        }
    }
    assert_eq!(maa_of(&app, &a.token, "").await, msp_reference, "the MSP's MAA per month");
    let summary: Value = app.get("/api/v1/maa/summary", Some(&a.token)).await.json().await.unwrap();
    assert_eq!(summary["maa"].as_i64(), msp_reference.last().copied());
    assert_eq!(summary["month"], current.to_string());
    let table: Value = app
        .get(&format!("/api/v1/maa/history/customers?months={MONTHS}&limit=200&sort=created"), Some(&a.token))
        .await
        .json()
        .await
        .unwrap();
    let mut column_sums = vec![0_i64; months.len()];
    for row in table["items"].as_array().unwrap() {
        for (sum, maa) in column_sums.iter_mut().zip(row["maa"].as_array().unwrap()) {
            *sum += maa.as_i64().unwrap();
        }
    }
    assert_eq!(column_sums, msp_reference, "the per-customer table adds up to the MSP");
    #[allow(clippy::print_stdout)]
    {
        println!(
            "MAA property test: {CASES} random histories over {MONTHS} months agreed with the brute-force count ({:?})",
            app.backend
        );
    }
}

async fn allowance_orders_make_the_allowance_and_overage(app: TestApp) {
    let a = app.tenant("Buying MSP").await;
    app.set_limits(&a, MspLimits { seat_pool_total: 10, max_global_users: 10, ..MspLimits::starter() }).await;
    let skus: Value = app.get("/api/v1/skus", Some(&a.token)).await.json().await.unwrap();
    let one_k = skus["items"].as_array().unwrap().iter().find(|s| s["name"] == "1K MAA Allowance").unwrap().clone();
    assert_eq!((one_k["maa_per_unit"].as_i64(), one_k["term_months"].as_i64()), (Some(1_000), Some(12)));
    assert!(
        skus["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "10K MAA Allowance" && s["maa_per_unit"] == 10_000)
    );

    let order = app.post("/api/v1/maa/orders", Some(&a.token), &json!({ "sku": one_k["id"], "quantity": 2 })).await;
    assert_eq!(order.status(), StatusCode::CREATED);
    let order: Value = order.json().await.unwrap();
    let current = Month::of(Utc::now().naive_utc());
    assert_eq!(order["monthly_allowance"], 2_000);
    assert_eq!(
        (order["first_month"].as_str(), order["last_month"].as_str()),
        (Some(current.to_string().as_str()), Some(current.plus(11).to_string().as_str()))
    );
    let problem = assert_problem(
        app.post("/api/v1/maa/orders", Some(&a.token), &json!({ "sku": "nope", "quantity": 0 })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");

    let allowance: Value = app.get("/api/v1/maa/allowance?months=3", Some(&a.token)).await.json().await.unwrap();
    let per_month: Vec<i64> =
        allowance["months"].as_array().unwrap().iter().map(|m| m["allowance"].as_i64().unwrap()).collect();
    assert_eq!(per_month, [0, 0, 2_000]);
    assert_eq!(allowance["months"][2]["order_ids"][0], order["id"]);
    assert_eq!(allowance["orders"].as_array().unwrap().len(), 1);

    let c: Value = app
        .post(
            "/api/v1/customers",
            Some(&a.token),
            &json!({ "name": "Busy", "domains": ["busy.example"], "country": "DE", "seats": 5 }),
        )
        .await
        .json()
        .await
        .unwrap();
    let c = c["id"].as_str().unwrap();
    for n in 0..3 {
        let created = app
            .post(
                &format!("/api/v1/customers/{c}/accounts"),
                Some(&a.token),
                &json!({ "email": format!("u{n}@busy.example") }),
            )
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let summary: Value = app.get("/api/v1/maa/summary", Some(&a.token)).await.json().await.unwrap();
    assert_eq!(
        (summary["maa"].as_i64(), summary["allowance"].as_i64(), summary["overage"].as_i64()),
        (Some(3), Some(2_000), Some(0))
    );
    let history: Value = app.get("/api/v1/maa/history?months=2", Some(&a.token)).await.json().await.unwrap();
    assert_eq!(
        history["months"][1],
        json!({ "month": current.to_string(), "maa": 3, "allowance": 2000, "overage": 0 })
    );
    assert_eq!(history["months"][0]["overage"], 0);
    let orders: Value = app.get("/api/v1/maa/orders", Some(&a.token)).await.json().await.unwrap();
    assert_eq!(orders["items"][0]["id"], order["id"]);

    assert_problem(
        app.get("/api/v1/maa/history?months=0", Some(&a.token)).await,
        StatusCode::BAD_REQUEST,
        "invalid_parameters",
    )
    .await;
    assert_problem(
        app.get("/api/v1/maa/history?months=37", Some(&a.token)).await,
        StatusCode::BAD_REQUEST,
        "invalid_parameters",
    )
    .await;
    let unknown = format!("/api/v1/maa/history?customer_id={}", uuid::Uuid::now_v7());
    assert_problem(app.get(&unknown, Some(&a.token)).await, StatusCode::NOT_FOUND, "not_found").await;
}
