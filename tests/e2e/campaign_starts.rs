//! A scheduled campaign's start, taken by two server processes racing for
//! it under clocks set ahead of the test's: each campaign starts exactly once.

use std::time::{Duration, Instant};

use chrono::TimeDelta;
use e2e_tests::{TestApp, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;

use crate::campaigns::{HELSINKI, PARCEL, json_of, live_customer, roomy_tenant, send_command};

on_both_backends!(a_scheduled_start_is_taken_by_two_server_processes_exactly_once);

/// Two server processes whose clocks are three hours ahead of the test's
/// race for the start jobs of six campaigns launched for two hours from now.
async fn a_scheduled_start_is_taken_by_two_server_processes_exactly_once(app: TestApp) {
    let owner = roomy_tenant(&app, "Race MSP").await;
    let customer = live_customer(&app, &owner, "Race Oy", "race.example", 3, true).await;
    let ahead = (app.now() - chrono::Utc::now()).num_seconds() + 3 * 3600;
    let binary = env!("CARGO_BIN_EXE_portal-node");
    let offset = ahead.to_string();
    let env = [("JOB_CONCURRENCY", "4"), ("JOB_POLL_MS", "20"), ("TEST_CLOCK_OFFSET_SECONDS", offset.as_str())];
    let _first = app.spawn_process_with(binary, &env).await;
    let _second = app.spawn_process_with(binary, &env).await;
    let in_two_hours = (app.now() + TimeDelta::hours(2)).with_timezone(&HELSINKI).naive_local();
    let body = json!({
        "name": "Race", "scenario_ids": [PARCEL],
        "schedule": { "starts_at": in_two_hours.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "window": { "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59" } }
    });
    let mut locations = Vec::new();
    for _ in 0..6 {
        let draft = json_of(
            app.post(&format!("/api/v1/customers/{customer}/campaigns"), Some(&owner.token), &body).await,
            StatusCode::CREATED,
        )
        .await;
        let location = format!("/api/v1/customers/{customer}/campaigns/{}", draft["id"].as_str().unwrap());
        let launched = json_of(send_command(&app, &owner.token, &location, "launch", None).await, StatusCode::OK).await;
        if launched["status"] == "scheduled" {
            locations.push((location, draft["id"].as_str().unwrap().to_owned()));
        }
    }
    assert!(locations.len() >= 5, "launched for later: {}", locations.len());
    let deadline = Instant::now() + Duration::from_secs(60);
    for (location, _) in &locations {
        loop {
            let campaign = json_of(app.get(location, Some(&owner.token)).await, StatusCode::OK).await;
            // Started: sending, or (with no relay configured, its messages written to the log) done sending.
            if campaign["status"] == "sending" || campaign["status"] == "tracking" {
                break;
            }
            assert!(Instant::now() < deadline, "not started: {campaign}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    for (_, id) in &locations {
        let audit = json_of(
            app.get(&format!("/api/v1/audit-events?action=campaign.started&target_id={id}"), Some(&owner.token)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(audit["items"].as_array().unwrap().len(), 1, "started once: {audit}");
    }
    // A start job is marked done just after its campaign moved: wait for the marks.
    let jobs = loop {
        let jobs = app.with_db(|conn| persistence::jobs::list(conn, None, None, 10_000).unwrap()).await;
        let running = jobs.iter().any(|j| j.kind == "campaign.start" && j.status == domain::jobs::JobStatus::Running);
        if !running || Instant::now() >= deadline {
            break jobs;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let starts: Vec<_> = jobs.iter().filter(|j| j.kind == "campaign.start").collect();
    assert_eq!(starts.len(), locations.len());
    assert!(starts.iter().all(|j| j.attempts == 1 && j.status == domain::jobs::JobStatus::Succeeded), "{starts:?}");
}
