//! Privacy by design: erasing an end user takes their address and name out
//! of every answer of the API — results, events, recipients, the CSV, the
//! report, the audit log — while the campaign's totals and the MAA history
//! stay as they were; and a retention period pseudonymises a completed
//! campaign's recipients by a job.

use chrono::TimeDelta;
use e2e_tests::{SmtpSink, Tenant, TestApp, assert_problem, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::campaign_results::{all_items, app_with_relay, launch_now, parse};
use crate::campaigns::{json_of, live_customer, roomy_tenant, send_command};

const PARCEL: &str = "00000000-0000-7000-8000-000000000003";
const BROWSER: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

on_both_backends!(
    an_erased_recipient_is_nowhere_and_the_numbers_stay,
    results_are_pseudonymised_after_the_retention_period
);

/// Every answer a user of the API could read about the campaign and the account, as text.
async fn everything_readable(app: &TestApp, owner: &Tenant, customer: &str, campaign: &str, account: &str) -> String {
    let mut seen = Vec::new();
    for url in [
        format!("{campaign}/recipients?limit=200"),
        format!("{campaign}/events?limit=200"),
        "/api/v1/audit-events?limit=200".to_owned(),
        format!("/api/v1/customers/{customer}/accounts?limit=200"),
    ] {
        seen.push(serde_json::to_string(&all_items(app, &owner.token, &url).await).unwrap());
    }
    for url in [
        format!("{campaign}/results"),
        format!("{campaign}/report"),
        format!("/api/v1/customers/{customer}/accounts/{account}"),
        format!("/api/v1/customers/{customer}/accounts/{account}/status-history"),
    ] {
        seen.push(app.get(&url, Some(&owner.token)).await.text().await.unwrap());
    }
    seen.push(app.get(&format!("{campaign}/recipients/export"), Some(&owner.token)).await.text().await.unwrap());
    seen.join("\n")
}

async fn an_erased_recipient_is_nowhere_and_the_numbers_stay(app: TestApp) {
    let sink = SmtpSink::start().await;
    let Some(app) = app_with_relay(app.backend, &sink).await else { return };
    let owner = roomy_tenant(&app, "Privacy MSP").await;
    let customer = live_customer(&app, &owner, "Yksityinen Oy", "yksi.example", 5, true).await;
    let campaign = launch_now(&app, &owner, &customer, &[PARCEL]).await;
    app.advance_clock(TimeDelta::minutes(2));
    app.run_due_jobs().await;
    let erased_address = "user003@yksi.example";
    let message = sink.raw_messages().iter().map(|m| parse(m)).find(|m| m.to == erased_address).unwrap();
    app.advance_clock(TimeDelta::minutes(5));
    let click = app
        .client
        .get(app.url(&format!("/t/{}/click", message.token)))
        .header("user-agent", BROWSER)
        .send()
        .await
        .unwrap();
    assert_eq!(click.status(), StatusCode::FOUND);
    let report = app.client.post(app.url("/t/report")).json(&json!({ "token": message.token })).send().await.unwrap();
    assert_eq!(report.status(), StatusCode::NO_CONTENT);

    let accounts =
        all_items(&app, &owner.token, &format!("/api/v1/customers/{customer}/accounts?email_prefix=user003")).await;
    let account = accounts[0]["id"].as_str().unwrap().to_owned();
    let results_before =
        json_of(app.get(&format!("{campaign}/results"), Some(&owner.token)).await, StatusCode::OK).await;
    let maa_before = app.get("/api/v1/maa/history", Some(&owner.token)).await.text().await.unwrap();

    let still_active = app
        .post(&format!("/api/v1/customers/{customer}/accounts/{account}/erase"), Some(&owner.token), &json!({}))
        .await;
    assert_problem(still_active, StatusCode::CONFLICT, "account_still_active").await;
    let deactivated = app
        .post(&format!("/api/v1/customers/{customer}/accounts/{account}/deactivate"), Some(&owner.token), &json!({}))
        .await;
    assert_eq!(deactivated.status(), StatusCode::OK);
    let erased = app
        .post(&format!("/api/v1/customers/{customer}/accounts/{account}/erase"), Some(&owner.token), &json!({}))
        .await;
    let erased = json_of(erased, StatusCode::OK).await;
    assert!(erased["email"].as_str().unwrap().ends_with("@pseudonymised.invalid"), "{erased}");
    assert_eq!(erased["campaign_recipients"], 1);
    let completed = send_command(&app, &owner.token, &campaign, "complete", None).await;
    assert_eq!(completed.status(), StatusCode::OK);

    let seen = everything_readable(&app, &owner, &customer, &campaign, &account).await;
    assert!(seen.contains(erased["email"].as_str().unwrap()), "the pseudonym stands in for the person");
    for personal in [erased_address, "User 003"] {
        assert!(!seen.contains(personal), "{personal} is still readable");
    }
    let results_after =
        json_of(app.get(&format!("{campaign}/results"), Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(results_after["counts"], results_before["counts"], "the totals stay");
    assert_eq!(results_after["counts"]["reported"], 1);
    let maa_after = app.get("/api/v1/maa/history", Some(&owner.token)).await.text().await.unwrap();
    assert_eq!(maa_after, maa_before, "MAA stays");
    let events = all_items(&app, &owner.token, &format!("{campaign}/events")).await;
    assert!(events.iter().all(|e| e["source_address"].is_null() && e["user_agent"].is_null()), "{events:?}");

    // Erasing again changes nothing more.
    let again = app
        .post(&format!("/api/v1/customers/{customer}/accounts/{account}/erase"), Some(&owner.token), &json!({}))
        .await;
    assert_eq!(json_of(again, StatusCode::OK).await["email"], erased["email"]);
}

async fn results_are_pseudonymised_after_the_retention_period(app: TestApp) {
    let sink = SmtpSink::start().await;
    let Some(app) = app_with_relay(app.backend, &sink).await else { return };
    let owner = roomy_tenant(&app, "Retention MSP").await;
    let settings =
        app.patch("/api/v1/settings/tracking", Some(&owner.token), &json!({ "result_retention_days": 30 })).await;
    let settings = json_of(settings, StatusCode::OK).await;
    assert_eq!(settings["result_retention_days"], 30);
    let refused = app
        .patch(
            "/api/v1/settings/tracking",
            Some(&owner.token),
            &json!({ "click_delay_seconds": -1, "denied_sources": ["nope"] }),
        )
        .await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let pointers: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["/click_delay_seconds", "/denied_sources/0"]);

    let customer = live_customer(&app, &owner, "Säilytys Oy", "sailytys.example", 3, true).await;
    let campaign = launch_now(&app, &owner, &customer, &[PARCEL]).await;
    app.advance_clock(TimeDelta::minutes(2));
    app.run_due_jobs().await;
    assert_eq!(send_command(&app, &owner.token, &campaign, "complete", None).await.status(), StatusCode::OK);
    let named = all_items(&app, &owner.token, &format!("{campaign}/recipients")).await;
    assert!(named.iter().all(|r| r["email"].as_str().unwrap().ends_with("@sailytys.example")));

    app.advance_clock(TimeDelta::days(29));
    app.run_due_jobs().await;
    let owner = Tenant {
        token: app.login(&owner.email, e2e_tests::PASSWORD).await["access_token"].as_str().unwrap().to_owned(),
        ..owner
    };
    let still = all_items(&app, &owner.token, &format!("{campaign}/recipients")).await;
    assert!(still.iter().all(|r| r["erased_at"].is_null()), "not before the period is over");
    app.advance_clock(TimeDelta::days(2));
    app.run_due_jobs().await;
    let owner = Tenant {
        token: app.login(&owner.email, e2e_tests::PASSWORD).await["access_token"].as_str().unwrap().to_owned(),
        ..owner
    };
    let pseudonymous = all_items(&app, &owner.token, &format!("{campaign}/recipients")).await;
    assert_eq!(pseudonymous.len(), 3);
    for recipient in &pseudonymous {
        assert!(recipient["email"].as_str().unwrap().ends_with("@pseudonymised.invalid"), "{recipient}");
        assert_eq!((recipient["display_name"].clone(), recipient["delivery"].clone()), (Value::Null, json!("sent")));
    }
    let results = json_of(app.get(&format!("{campaign}/results"), Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(results["counts"]["sent"], 3, "counts stay");
    let audit = all_items(&app, &owner.token, "/api/v1/audit-events?limit=200").await;
    assert!(audit.iter().any(|e| e["action"] == "campaign.results_pseudonymised"));
}
