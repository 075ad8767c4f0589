//! Sending through a real SMTP relay that misbehaves: a 451 is retried
//! with back-off and delivered, a 550 fails the recipient with the relay's
//! words; a relay that cannot be reached at all fails nobody, the campaign
//! shows it and sending resumes by itself; pause holds sending, resume
//! continues; the tracking days end in `completed` with a stored report.

use std::time::Duration;

use chrono::TimeDelta;
use e2e_tests::{SmtpSink, Tenant, TestApp, assert_problem, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::campaign_results::{all_items, app_with_relay, launch_now, parse};
use crate::campaigns::{json_of, live_customer, roomy_tenant, send_command};

const PARCEL: &str = "00000000-0000-7000-8000-000000000003";

async fn add_account(app: &TestApp, owner: &Tenant, customer: &str, email: &str) {
    let body = json!({ "email": email, "display_name": "Trouble Maker", "department": "Ops" });
    let created = app.post(&format!("/api/v1/customers/{customer}/accounts"), Some(&owner.token), &body).await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text().await.unwrap());
}

async fn recipient(app: &TestApp, token: &str, campaign: &str, email: &str) -> Value {
    let all = all_items(app, token, &format!("{campaign}/recipients?limit=200")).await;
    all.into_iter().find(|r| r["email"] == email).unwrap_or_else(|| panic!("no recipient {email}"))
}

on_both_backends!(
    a_temporary_refusal_is_retried_and_a_permanent_one_fails,
    an_unreachable_relay_shows_and_sending_resumes_by_itself,
    pause_holds_sending_and_the_tracking_days_end_in_a_report
);

async fn a_temporary_refusal_is_retried_and_a_permanent_one_fails(app: TestApp) {
    let sink = SmtpSink::start().await;
    let Some(app) = app_with_relay(app.backend, &sink).await else { return };
    let owner = roomy_tenant(&app, "Relay MSP").await;
    let customer = live_customer(&app, &owner, "Rele Oy", "rele.example", 3, true).await;
    add_account(&app, &owner, &customer, "tempfail@rele.example").await;
    add_account(&app, &owner, &customer, "reject@rele.example").await;
    let campaign = launch_now(&app, &owner, &customer, &[PARCEL]).await;
    app.advance_clock(TimeDelta::minutes(2));
    app.run_due_jobs().await;

    let arrived: Vec<String> = sink.raw_messages().iter().map(|m| parse(m).to).collect();
    assert_eq!(arrived.len(), 3, "the three ordinary recipients: {arrived:?}");
    let refused = recipient(&app, &owner.token, &campaign, "reject@rele.example").await;
    assert_eq!(refused["delivery"], "failed", "{refused}");
    assert!(refused["relay_answer"].as_str().unwrap().contains("550"), "{refused}");
    assert!(refused["failed_at"].is_string());
    let waiting = recipient(&app, &owner.token, &campaign, "tempfail@rele.example").await;
    assert_eq!((waiting["delivery"].clone(), waiting["attempts"].clone()), (json!("pending"), json!(1)), "{waiting}");
    assert!(waiting["relay_answer"].as_str().unwrap().contains("451"), "{waiting}");
    let still = json_of(app.get(&campaign, Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(still["status"], "sending", "a retry is pending");

    // The retry comes after its back-off (30 s ± 25 %), not before.
    app.advance_clock(TimeDelta::seconds(20));
    app.run_due_jobs().await;
    assert_eq!(sink.raw_messages().len(), 3, "retried too early");
    app.advance_clock(TimeDelta::seconds(30));
    app.run_due_jobs().await;
    let arrived: Vec<String> = sink.raw_messages().iter().map(|m| parse(m).to).collect();
    assert_eq!(arrived.len(), 4);
    assert!(arrived.contains(&"tempfail@rele.example".to_owned()));
    let delivered = recipient(&app, &owner.token, &campaign, "tempfail@rele.example").await;
    assert_eq!((delivered["delivery"].clone(), delivered["attempts"].clone()), (json!("sent"), json!(2)));

    let results = json_of(app.get(&format!("{campaign}/results"), Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!((results["counts"]["sent"].clone(), results["counts"]["failed"].clone()), (json!(4), json!(1)));
    let failed = all_items(&app, &owner.token, &format!("{campaign}/recipients?outcome=failed")).await;
    assert_eq!(failed.len(), 1);
    let done = json_of(app.get(&campaign, Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(done["status"], "tracking");
}

async fn an_unreachable_relay_shows_and_sending_resumes_by_itself(app: TestApp) {
    let sink = SmtpSink::start().await;
    let port: u16 = sink.url().rsplit(':').next().unwrap().parse().unwrap();
    let Some(app) = app_with_relay(app.backend, &sink).await else { return };
    drop(sink);
    let owner = roomy_tenant(&app, "Down MSP").await;
    let customer = live_customer(&app, &owner, "Alas Oy", "alas.example", 4, true).await;
    let campaign = launch_now(&app, &owner, &customer, &[PARCEL]).await;
    app.advance_clock(TimeDelta::minutes(2));
    app.run_due_jobs().await;

    let waiting = json_of(app.get(&campaign, Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(waiting["status"], "sending");
    let problem = &waiting["delivery_problem"];
    assert!(problem["message"].as_str().unwrap().contains("could not be reached"), "{waiting}");
    assert!(problem["since"].is_string());
    let pending = all_items(&app, &owner.token, &format!("{campaign}/recipients?delivery=pending")).await;
    assert_eq!(pending.len(), 4, "nobody failed");
    assert!(pending.iter().all(|r| r["attempts"] == 0), "an unreachable relay uses no attempt");

    // The relay comes back where it was; the next round sends.
    let sink = SmtpSink::start_on(port).await;
    app.advance_clock(TimeDelta::minutes(2));
    app.run_due_jobs().await;
    let arrived = sink.wait_for_count(4, Duration::from_secs(10)).await;
    assert_eq!(arrived.len(), 4);
    let recovered = json_of(app.get(&campaign, Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!((recovered["status"].clone(), recovered["delivery_problem"].clone()), (json!("tracking"), Value::Null));
}

async fn pause_holds_sending_and_the_tracking_days_end_in_a_report(app: TestApp) {
    let sink = SmtpSink::start().await;
    let Some(app) = app_with_relay(app.backend, &sink).await else { return };
    let owner = roomy_tenant(&app, "Pause MSP").await;
    let customer = live_customer(&app, &owner, "Tauko Oy", "tauko.example", 6, true).await;
    let campaign = launch_now(&app, &owner, &customer, &[PARCEL]).await;
    let paused = send_command(&app, &owner.token, &campaign, "pause", None).await;
    assert_eq!(paused.status(), StatusCode::OK);
    app.advance_clock(TimeDelta::minutes(2));
    app.run_due_jobs().await;
    assert!(sink.raw_messages().is_empty(), "a paused campaign sends nothing");

    let resumed = send_command(&app, &owner.token, &campaign, "resume", None).await;
    assert_eq!(resumed.status(), StatusCode::OK);
    app.run_due_jobs().await;
    assert_eq!(sink.wait_for_count(6, Duration::from_secs(10)).await.len(), 6);
    let tracking = json_of(app.get(&campaign, Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(tracking["status"], "tracking");
    let early = app.get(&format!("{campaign}/report"), Some(&owner.token)).await;
    assert_problem(early, StatusCode::CONFLICT, "campaign_report_not_ready").await;

    // A click after delivery, then the three tracking days pass.
    let clicked = parse(&sink.raw_messages()[0]);
    app.advance_clock(TimeDelta::minutes(10));
    let hit = app
        .client
        .get(app.url(&format!("/t/{}/click", clicked.token)))
        .header("user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15")
        .send()
        .await
        .unwrap();
    assert_eq!(hit.status(), StatusCode::FOUND);
    app.advance_clock(TimeDelta::days(3));
    app.run_due_jobs().await;
    let owner = Tenant {
        token: app.login(&owner.email, e2e_tests::PASSWORD).await["access_token"].as_str().unwrap().to_owned(),
        ..owner
    };
    let completed = json_of(app.get(&campaign, Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(completed["status"], "completed", "{completed}");
    let report = json_of(app.get(&format!("{campaign}/report"), Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(report["results"]["counts"]["sent"], 6, "{report}");
    assert_eq!(report["results"]["counts"]["clicked"]["human"], 1);
    assert_eq!(report["results"]["rates"]["phish_prone_percentage"], 16.7);
    assert_eq!(report["timezone"], "Europe/Helsinki");
    let timeline = report["timeline"].as_array().unwrap();
    assert_eq!(timeline.iter().map(|d| d["sent"].as_i64().unwrap()).sum::<i64>(), 6);
    assert_eq!(timeline.iter().map(|d| d["clicked"].as_i64().unwrap()).sum::<i64>(), 1);
    assert!(!report.to_string().contains("@tauko.example"), "the report names nobody");

    // A click after completion is kept but flagged late, and changes nothing.
    let late = app
        .client
        .get(app.url(&format!("/t/{}/click", clicked.token)))
        .header("user-agent", "Mozilla/5.0 Safari/605")
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), StatusCode::FOUND);
    let events = all_items(&app, &owner.token, &format!("{campaign}/events")).await;
    assert_eq!(events.iter().filter(|e| e["late"] == true).count(), 1);
    let results = json_of(app.get(&format!("{campaign}/results"), Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(results["counts"]["clicked"], json!({ "human": 1, "all": 1 }));
}
