//! Phishing campaigns, part 1, over HTTP: an MSP's own scenario sanitised
//! on save; a campaign of 50 recipients spread over two business days in
//! Helsinki from a Friday, launched, planned and started by the job runner
//! under the test clock; launch gates; pause, resume, cancel and the
//! transitions the machine refuses; edits by state; counts. Scheduled starts
//! on two server processes are in `campaign_starts.rs`.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use e2e_tests::{Tenant, TestApp, assert_problem, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) const HELSINKI: chrono_tz::Tz = chrono_tz::Europe::Helsinki;
const PASSWORD_EXPIRY: &str = "00000000-0000-7000-8000-000000000001";
pub(crate) const PARCEL: &str = "00000000-0000-7000-8000-000000000003";

/// A live customer in Helsinki with `accounts` active accounts (half in
/// Finance, half in Sales) and, when `delivery_confirmed`, a confirmed
/// delivery test. Returns its id.
pub(crate) async fn live_customer(
    app: &TestApp,
    owner: &Tenant,
    name: &str,
    domain: &str,
    accounts: usize,
    delivery_confirmed: bool,
) -> String {
    let body = json!({
        "name": name, "domains": [domain], "country": "FI", "timezone": "Europe/Helsinki",
        "language": "fi", "seats": accounts + 5, "tier": "starter"
    });
    let customer = app.create_customer_from(owner, body).await;
    let id = customer["id"].as_str().unwrap().to_owned();
    let mut csv = String::from("email,display_name,department\r\n");
    for n in 0..accounts {
        let department = if n % 2 == 0 { "Finance" } else { "Sales" };
        csv.push_str(&format!("user{n:03}@{domain},User {n:03},{department}\r\n"));
    }
    let imported = app
        .client
        .post(app.url(&format!("/api/v1/customers/{id}/accounts/import")))
        .bearer_auth(&owner.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::OK, "{}", imported.text().await.unwrap());
    let live = app.patch(&format!("/api/v1/customers/{id}"), Some(&owner.token), &json!({ "status": "live" })).await;
    assert_eq!(live.status(), StatusCode::OK, "{}", live.text().await.unwrap());
    if delivery_confirmed {
        let (msp_id, customer_id, at) = (owner.msp_id.clone(), id.clone(), app.now().naive_utc());
        app.with_db(move |conn| {
            let test = persistence::onboarding::DeliveryTestRecord {
                id: persistence::new_id(),
                msp_id,
                customer_id,
                recipient: "it@example.invalid".to_owned(),
                token_hash: "fixture".to_owned(),
                status: domain::onboarding::DeliveryTestStatus::Confirmed,
                relay_response: Some("250 OK".to_owned()),
                created_at: at,
                created_by: "fixture".to_owned(),
                confirmed_at: Some(at),
            };
            persistence::onboarding::insert_delivery_test(conn, &test).unwrap();
        })
        .await;
    }
    id
}

pub(crate) async fn roomy_tenant(app: &TestApp, name: &str) -> Tenant {
    let owner = app.tenant(name).await;
    let limits =
        domain::msps::MspLimits { seat_pool_total: 1000, max_global_users: 1000, ..domain::msps::MspLimits::starter() };
    app.set_limits(&owner, limits).await;
    owner
}

/// The first Friday at least a week after the server's today, in Helsinki.
fn a_friday_ahead(app: &TestApp) -> NaiveDate {
    let mut day = (app.now() + TimeDelta::days(7)).with_timezone(&HELSINKI).date_naive();
    while day.weekday() != Weekday::Fri {
        day = day.succ_opt().unwrap();
    }
    day
}

pub(crate) async fn json_of(response: reqwest::Response, status: StatusCode) -> Value {
    let got = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    serde_json::from_str(&body).unwrap()
}

pub(crate) async fn send_command(
    app: &TestApp,
    token: &str,
    campaign: &str,
    command: &str,
    version: Option<i64>,
) -> reqwest::Response {
    let mut request = app.client.post(app.url(&format!("{campaign}/{command}"))).bearer_auth(token);
    if let Some(version) = version {
        request = request.header("if-match", format!("\"{version}\""));
    }
    request.send().await.unwrap()
}

on_both_backends!(
    an_msp_writes_a_scenario_that_is_sanitised_and_checked,
    fifty_recipients_over_two_business_days_from_a_friday_in_helsinki,
    launch_gates_are_all_reported_and_states_limit_what_happens_next
);

async fn an_msp_writes_a_scenario_that_is_sanitised_and_checked(app: TestApp) {
    let owner = app.tenant("Scenario MSP").await;
    let other = app.tenant("Other MSP").await;
    let catalogue: Value =
        json_of(app.get("/api/v1/phishing-scenarios?limit=200", Some(&owner.token)).await, StatusCode::OK).await;
    let built_in = catalogue["items"].as_array().unwrap();
    assert!(built_in.len() >= 12, "{catalogue}");
    assert!(
        built_in.iter().all(|s| s["source"] == "built_in" && s["languages"].as_array().unwrap().contains(&json!("en")))
    );
    let finnish: Value = json_of(
        app.get("/api/v1/phishing-scenarios?language=fi&difficulty=2", Some(&owner.token)).await,
        StatusCode::OK,
    )
    .await;
    assert!(!finnish["items"].as_array().unwrap().is_empty());
    assert!(
        finnish["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["difficulty"] == 2 && s["languages"].as_array().unwrap().contains(&json!("fi")))
    );

    let content = json!({
        "language": "en",
        "subject": "{{first_name}}, your survey",
        "html_body": "<p onclick=\"steal()\">Hi {{first_name}} of {{company}}</p><script>alert(1)</script><a href=\"{{link}}\">start</a>",
        "text_body": "Hi {{first_name}}: {{link}}",
        "landing_page_html": "<h1>Sign in</h1><img src=\"https://evil.example/x.png\"><form action=\"https://evil.example\"><input type=\"password\" name=\"password\"></form>",
        "teachable_moment_html": "<h1>A simulation</h1><form><input name=\"x\"></form>"
    });
    let body = json!({
        "name": "Fake HR survey", "category": "hr", "difficulty": 3, "sender_name": "HR Team",
        "sender_local_part": "hr-team", "landing_page": "credential_form", "content": [content]
    });
    let created = app.post("/api/v1/phishing-scenarios", Some(&owner.token), &body).await;
    assert_eq!(created.headers()["etag"], "\"1\"");
    let created = json_of(created, StatusCode::CREATED).await;
    let stored = &created["content"][0];
    let html = stored["html_body"].as_str().unwrap();
    assert!(!html.contains("<script") && !html.contains("onclick"), "{html}");
    assert!(html.contains("Hi {{first_name}} of {{company}}") && html.contains("href=\"{{link}}\""), "{html}");
    let landing = stored["landing_page_html"].as_str().unwrap();
    assert!(!landing.contains("evil.example") && landing.contains("name=\"password\""), "{landing}");
    assert!(!stored["teachable_moment_html"].as_str().unwrap().contains("<form"));
    assert_eq!(created["source"], "msp");
    assert_eq!(created["sender"]["address"], "hr-team@simulations.msp-portal.example");
    let id = created["id"].as_str().unwrap();

    let mut unknown = body.clone();
    unknown["content"][0]["subject"] = json!("Your {{salary}} review");
    let problem = assert_problem(
        app.post("/api/v1/phishing-scenarios", Some(&owner.token), &unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["pointer"], "/content/0/subject");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("{{salary}}"), "{problem}");

    let preview = app
        .post(
            &format!("/api/v1/phishing-scenarios/{id}/preview"),
            Some(&owner.token),
            &json!({ "display_name": "<b>Ann</b> Lee", "company": "Acme & Co" }),
        )
        .await;
    let preview = json_of(preview, StatusCode::OK).await;
    assert_eq!(preview["subject"], "<b>Ann</b>, your survey");
    let rendered = preview["html_body"].as_str().unwrap();
    // Values are entity-encoded (ammonia's clean_text, which also encodes '/').
    assert!(rendered.contains("&lt;b&gt;Ann") && rendered.contains("portal.test&#47;t&#47;preview"), "{rendered}");

    // Visible to its MSP only; built-in ones are read-only.
    assert_problem(
        app.get(&format!("/api/v1/phishing-scenarios/{id}"), Some(&other.token)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let theirs: Value =
        json_of(app.get("/api/v1/phishing-scenarios?limit=200", Some(&other.token)).await, StatusCode::OK).await;
    assert!(theirs["items"].as_array().unwrap().iter().all(|s| s["id"] != id));
    let read_only = app
        .patch(
            &format!("/api/v1/phishing-scenarios/{PASSWORD_EXPIRY}"),
            Some(&owner.token),
            &json!({ "difficulty": 5 }),
        )
        .await;
    assert_problem(read_only, StatusCode::CONFLICT, "scenario_read_only").await;
    let stale = app
        .client
        .patch(app.url(&format!("/api/v1/phishing-scenarios/{id}")))
        .bearer_auth(&owner.token)
        .header("if-match", "\"7\"")
        .json(&json!({ "difficulty": 4 }))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    let changed = app
        .client
        .patch(app.url(&format!("/api/v1/phishing-scenarios/{id}")))
        .bearer_auth(&owner.token)
        .header("if-match", "\"1\"")
        .json(&json!({ "difficulty": 4 }))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(changed, StatusCode::OK).await["difficulty"], 4);
    let mut hidden_link = body.clone();
    hidden_link["content"][0]["html_body"] = json!("<p>Hi</p><script>location='{{link}}'</script>");
    let problem = assert_problem(
        app.post("/api/v1/phishing-scenarios", Some(&owner.token), &hidden_link).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["pointer"], "/content/0/html_body", "a link in removed markup is gone: {problem}");

    // A campaign not yet ended keeps the scenario as it is.
    let customer = app.create_customer(&owner, "Uses Oy", &["uses.example"]).await;
    let campaigns = format!("/api/v1/customers/{}/campaigns", customer["id"].as_str().unwrap());
    let draft = json!({ "name": "Uses it", "scenario_ids": [id], "schedule": { "starts_at": "2030-01-07T09:00" } });
    let draft = json_of(app.post(&campaigns, Some(&owner.token), &draft).await, StatusCode::CREATED).await;
    let in_use =
        app.patch(&format!("/api/v1/phishing-scenarios/{id}"), Some(&owner.token), &json!({ "difficulty": 1 })).await;
    assert_problem(in_use, StatusCode::CONFLICT, "scenario_in_use").await;
    let in_use = app.delete(&format!("/api/v1/phishing-scenarios/{id}"), Some(&owner.token)).await;
    assert_problem(in_use, StatusCode::CONFLICT, "scenario_in_use").await;
    let dropped = app.delete(&format!("{campaigns}/{}", draft["id"].as_str().unwrap()), Some(&owner.token)).await;
    assert_eq!(dropped.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.delete(&format!("/api/v1/phishing-scenarios/{id}"), Some(&owner.token)).await.status(),
        StatusCode::NO_CONTENT
    );
    let audit: Value = json_of(
        app.get("/api/v1/audit-events?target_type=phishing_scenario", Some(&owner.token)).await,
        StatusCode::OK,
    )
    .await;
    let actions: BTreeSet<&str> =
        audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        BTreeSet::from(["phishing_scenario.created", "phishing_scenario.deleted", "phishing_scenario.updated"])
    );
}

async fn fifty_recipients_over_two_business_days_from_a_friday_in_helsinki(app: TestApp) {
    let owner = roomy_tenant(&app, "Helsinki MSP").await;
    let customer = live_customer(&app, &owner, "Aalto Oy", "aalto.example", 50, true).await;
    let friday = a_friday_ahead(&app);
    let body = json!({
        "name": "Q1 baseline",
        "scenario_ids": [PASSWORD_EXPIRY, PARCEL],
        "schedule": {
            "starts_at": format!("{friday}T09:00"),
            "spread_over": { "amount": 2, "unit": "business_days" },
            "window": { "start": "09:00", "end": "16:00" },
            "randomize_order": true
        }
    });
    let path = format!("/api/v1/customers/{customer}/campaigns");
    let created = app.post(&path, Some(&owner.token), &body).await;
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let draft = json_of(created, StatusCode::CREATED).await;
    assert_eq!((draft["status"].as_str(), draft["language"].as_str()), (Some("draft"), Some("fi")), "{draft}");
    assert_eq!(draft["schedule"]["timezone"], "Europe/Helsinki");
    assert_eq!(draft["allowed_transitions"], json!(["launch", "cancel"]));

    let check = json_of(app.get(&format!("{location}/launch-check"), Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(
        (check["may_launch"].clone(), check["recipients"].clone(), check["would_become"].clone()),
        (json!(true), json!(50), json!("scheduled")),
        "{check}"
    );

    let launched = json_of(send_command(&app, &owner.token, &location, "launch", Some(1)).await, StatusCode::OK).await;
    assert_eq!(launched["status"], "scheduled", "{launched}");
    assert_eq!(launched["recipient_count"], 50);

    // Every recipient once, on the Friday or the Monday, inside 09:00-16:00 Helsinki time.
    let mut seen = BTreeSet::new();
    let mut days = BTreeSet::new();
    let mut scenarios = BTreeSet::new();
    let mut next = Some(format!("{location}/recipients?limit=20"));
    while let Some(url) = next {
        let response = app.get(&url, Some(&owner.token)).await;
        let link = response.headers().get("link").map(|l| l.to_str().unwrap().to_owned());
        let page = json_of(response, StatusCode::OK).await;
        for recipient in page["items"].as_array().unwrap() {
            assert!(seen.insert(recipient["account_id"].as_str().unwrap().to_owned()), "twice: {recipient}");
            let at: chrono::DateTime<chrono::Utc> = recipient["planned_at"].as_str().unwrap().parse().unwrap();
            let local = at.with_timezone(&HELSINKI);
            assert_eq!(local.to_rfc3339(), recipient["planned_at_local"].as_str().unwrap());
            let minutes = local.time().signed_duration_since(chrono::NaiveTime::MIN).num_minutes();
            assert!((9 * 60..16 * 60).contains(&minutes), "{local} outside 09:00-16:00");
            days.insert(local.date_naive());
            scenarios.insert(recipient["scenario_id"].as_str().unwrap().to_owned());
            assert_eq!(recipient["status"], "planned");
        }
        next = page["next_cursor"]
            .as_str()
            .map(|_| link.expect("a Link header").trim_start_matches('<').split('>').next().unwrap().to_owned());
    }
    assert_eq!(seen.len(), 50);
    let monday = friday + TimeDelta::days(3);
    assert_eq!(days, BTreeSet::from([friday, monday]));
    assert_eq!(scenarios, BTreeSet::from([PASSWORD_EXPIRY.to_owned(), PARCEL.to_owned()]), "both scenarios drawn");

    // While scheduled: the schedule may change, the name may not.
    let renamed = app.patch(&location, Some(&owner.token), &json!({ "name": "Renamed" })).await;
    assert_problem(renamed, StatusCode::CONFLICT, "campaign_not_editable").await;
    let extended = json_of(
        app.patch(&location, Some(&owner.token), &json!({ "schedule": { "tracking_days": 10 } })).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(extended["schedule"]["tracking_days"], 10);

    // An account deactivated after launch is not sent to; its row says so.
    let account = seen.iter().next().unwrap().clone();
    let deactivated = app
        .post(&format!("/api/v1/customers/{customer}/accounts/{account}/deactivate"), Some(&owner.token), &json!({}))
        .await;
    assert_eq!(deactivated.status(), StatusCode::OK);
    let skipped =
        json_of(app.get(&format!("{location}/recipients?status=skipped"), Some(&owner.token)).await, StatusCode::OK)
            .await;
    assert_eq!(skipped["items"].as_array().unwrap().len(), 1);
    assert_eq!(skipped["items"][0]["account_id"], account.as_str());

    // Nothing starts before its time; the job runner starts it when due.
    assert_eq!(app.run_due_jobs().await.claimed, 0);
    let first: chrono::DateTime<chrono::Utc> = extended["first_send_at"].as_str().unwrap().parse().unwrap();
    app.advance_clock(first - app.now() + TimeDelta::seconds(1));
    // The start, then the senders it starts for the messages due (no relay here: written to the log).
    let ran = app.run_due_jobs().await;
    assert!(ran.succeeded >= 1 && ran.failed == 0, "{ran:?}");
    // Days later: sign in again (access tokens last 15 minutes).
    let owner = Tenant {
        token: app.login(&owner.email, e2e_tests::PASSWORD).await["access_token"].as_str().unwrap().to_owned(),
        ..owner
    };
    let sending = json_of(app.get(&location, Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(sending["status"], "sending", "{sending}");
    let version = sending["version"].as_i64().unwrap();

    // Pause (with a retried Idempotency-Key), resume, an illegal move, cancel.
    let pause = |key: &'static str| {
        app.client
            .post(app.url(&format!("{location}/pause")))
            .bearer_auth(&owner.token)
            .header("idempotency-key", key)
            .send()
    };
    let paused = json_of(pause("pause-1").await.unwrap(), StatusCode::OK).await;
    assert_eq!(paused["status"], "paused");
    let replayed = json_of(pause("pause-1").await.unwrap(), StatusCode::OK).await;
    assert_eq!(replayed, paused, "a retry gets the first answer");
    let stale = send_command(&app, &owner.token, &location, "resume", Some(version)).await;
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    let resumed =
        json_of(send_command(&app, &owner.token, &location, "resume", Some(version + 1)).await, StatusCode::OK).await;
    assert_eq!(resumed["status"], "sending");
    let illegal = assert_problem(
        send_command(&app, &owner.token, &location, "resume", None).await,
        StatusCode::CONFLICT,
        "campaign_transition_not_allowed",
    )
    .await;
    assert_eq!(illegal["allowed_transitions"], json!(["pause", "cancel", "complete"]), "{illegal}");
    let longer = json_of(
        app.patch(&location, Some(&owner.token), &json!({ "schedule": { "tracking_days": 14 } })).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(longer["schedule"]["tracking_days"], 14);
    let shorter = app.patch(&location, Some(&owner.token), &json!({ "schedule": { "tracking_days": 3 } })).await;
    assert_problem(shorter, StatusCode::CONFLICT, "campaign_not_editable").await;
    let cancelled = json_of(send_command(&app, &owner.token, &location, "cancel", None).await, StatusCode::OK).await;
    assert_eq!(
        (cancelled["status"].clone(), cancelled["allowed_transitions"].clone()),
        (json!("cancelled"), json!([]))
    );
    let after_end = assert_problem(
        send_command(&app, &owner.token, &location, "pause", None).await,
        StatusCode::CONFLICT,
        "campaign_transition_not_allowed",
    )
    .await;
    assert_eq!(after_end["allowed_transitions"], json!([]));

    let audit = json_of(
        app.get("/api/v1/audit-events?target_type=campaign&limit=200", Some(&owner.token)).await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in [
        "campaign.created",
        "campaign.launched",
        "campaign.updated",
        "campaign.started",
        "campaign.paused",
        "campaign.resumed",
        "campaign.cancelled",
    ] {
        assert!(actions.contains(&action), "{action} missing from {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| **a == "campaign.paused").count(), 1, "the retried pause happened once");
}

async fn launch_gates_are_all_reported_and_states_limit_what_happens_next(app: TestApp) {
    let owner = roomy_tenant(&app, "Gate MSP").await;
    let untested = live_customer(&app, &owner, "Untested Oy", "untested.example", 5, false).await;
    let friday = a_friday_ahead(&app);
    let body =
        json!({ "name": "Blocked", "scenario_ids": [PARCEL], "schedule": { "starts_at": format!("{friday}T09:00") } });
    let draft = json_of(
        app.post(&format!("/api/v1/customers/{untested}/campaigns"), Some(&owner.token), &body).await,
        StatusCode::CREATED,
    )
    .await;
    let location = format!("/api/v1/customers/{untested}/campaigns/{}", draft["id"].as_str().unwrap());
    let blocked = assert_problem(
        send_command(&app, &owner.token, &location, "launch", None).await,
        StatusCode::CONFLICT,
        "launch_blocked",
    )
    .await;
    let codes: Vec<&str> =
        blocked["blockers"].as_array().unwrap().iter().map(|b| b["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["no_confirmed_delivery_test"], "{blocked}");
    let check = json_of(app.get(&format!("{location}/launch-check"), Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(check["may_launch"], false);
    assert_eq!(check["blockers"], blocked["blockers"]);
    // Cancelling a draft launches nothing: the customer still has had no campaign.
    let cancelled = json_of(send_command(&app, &owner.token, &location, "cancel", None).await, StatusCode::OK).await;
    assert_eq!((cancelled["status"].clone(), cancelled["launched_at"].clone()), (json!("cancelled"), Value::Null));

    // Every gate at once: not live, no delivery test, expired, nobody targeted.
    let onboarding = app.create_customer_from(&owner, json!({ "name": "New Oy", "domains": ["new.example"], "country": "FI", "license_expires_on": "2020-01-31" })).await;
    let new_id = onboarding["id"].as_str().unwrap();
    let draft = json_of(
        app.post(&format!("/api/v1/customers/{new_id}/campaigns"), Some(&owner.token), &body).await,
        StatusCode::CREATED,
    )
    .await;
    let blocked = assert_problem(
        send_command(
            &app,
            &owner.token,
            &format!("/api/v1/customers/{new_id}/campaigns/{}", draft["id"].as_str().unwrap()),
            "launch",
            None,
        )
        .await,
        StatusCode::CONFLICT,
        "launch_blocked",
    )
    .await;
    let codes: Vec<&str> =
        blocked["blockers"].as_array().unwrap().iter().map(|b| b["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        ["customer_not_live", "no_confirmed_delivery_test", "license_expired", "no_recipients"],
        "{blocked}"
    );

    // A window and cap that cannot hold the recipients say how many fit.
    let tight = json!({
        "name": "Too tight", "scenario_ids": [PARCEL],
        "schedule": { "starts_at": format!("{friday}T09:00"), "spread_over": { "amount": 1, "unit": "business_days" },
            "window": { "start": "09:00", "end": "09:02" }, "max_per_minute": 2 }
    });
    let infeasible = assert_problem(
        app.post(&format!("/api/v1/customers/{untested}/campaigns"), Some(&owner.token), &tight).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "schedule_infeasible",
    )
    .await;
    assert!(infeasible["detail"].as_str().unwrap().contains("fit 4"), "{infeasible}");
    let nested = json!({ "name": "Nested", "scenario_ids": [PARCEL], "targets": [null, null], "schedule": { "starts_at": format!("{friday}T09:00") } });
    let refused = assert_problem(
        app.post(&format!("/api/v1/customers/{untested}/campaigns"), Some(&owner.token), &nested).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["pointer"], "/targets", "an array is not an object: {refused}");
    let bad = json!({ "name": " ", "scenario_ids": ["0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e82"], "schedule": { "starts_at": "soon", "window": { "days": ["fry"] } } });
    let invalid = assert_problem(
        app.post(&format!("/api/v1/customers/{untested}/campaigns"), Some(&owner.token), &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let pointers: Vec<&str> =
        invalid["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["/name", "/scenario_ids/0", "/schedule/starts_at", "/schedule/window/days/0"], "{invalid}");

    // A draft is deleted; a launched campaign is cancelled instead.
    let ready = live_customer(&app, &owner, "Ready Oy", "ready.example", 3, true).await;
    let now_local = app.now().with_timezone(&HELSINKI).naive_local();
    let at_once = json!({
        "name": "Right now", "scenario_ids": [PARCEL],
        "schedule": { "starts_at": now_local.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "window": { "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59" } }
    });
    let created = json_of(
        app.post(&format!("/api/v1/customers/{ready}/campaigns"), Some(&owner.token), &at_once).await,
        StatusCode::CREATED,
    )
    .await;
    let location = format!("/api/v1/customers/{ready}/campaigns/{}", created["id"].as_str().unwrap());
    let launched = json_of(send_command(&app, &owner.token, &location, "launch", None).await, StatusCode::OK).await;
    // Its start has come: it sends at once (unless the window just closed for the day at 23:59).
    if now_local.format("%H:%M").to_string().as_str() < "23:58" {
        assert_eq!(launched["status"], "sending", "{launched}");
    }
    assert_problem(app.delete(&location, Some(&owner.token)).await, StatusCode::CONFLICT, "campaign_not_editable")
        .await;
    let spare = json_of(
        app.post(&format!("/api/v1/customers/{ready}/campaigns"), Some(&owner.token), &at_once).await,
        StatusCode::CREATED,
    )
    .await;
    let spare_location = format!("/api/v1/customers/{ready}/campaigns/{}", spare["id"].as_str().unwrap());
    assert_eq!(app.delete(&spare_location, Some(&owner.token)).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&spare_location, Some(&owner.token)).await, StatusCode::NOT_FOUND, "not_found").await;

    // Counts and the list across customers.
    let counts = json_of(app.get("/api/v1/campaigns/counts", Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(counts["not_started"].as_i64().unwrap() + counts["active"].as_i64().unwrap(), 2, "{counts}");
    assert_eq!(counts["by_status"]["cancelled"], 1, "{counts}");
    assert_eq!(counts["customers_without_recent_campaign"], 1, "Untested Oy launched nothing: {counts}");
    let drafts =
        json_of(app.get("/api/v1/campaigns?status=draft&kind=phishing", Some(&owner.token)).await, StatusCode::OK)
            .await;
    assert_eq!(drafts["items"].as_array().unwrap().len(), 1, "New Oy's draft: {drafts}");
    let per_customer = json_of(
        app.get(&format!("/api/v1/customers/{ready}/campaigns/counts"), Some(&owner.token)).await,
        StatusCode::OK,
    )
    .await;
    assert!(per_customer["last_launched_at"].is_string(), "{per_customer}");
    let kit =
        json_of(app.get(&format!("/api/v1/customers/{ready}/allowlisting"), Some(&owner.token)).await, StatusCode::OK)
            .await;
    assert_eq!(kit["sending_domains"], json!(["simulations.msp-portal.example"]));
    let products: Vec<&str> =
        kit["guides"].as_array().unwrap().iter().map(|g| g["product"].as_str().unwrap()).collect();
    assert_eq!(products, ["microsoft_365_advanced_delivery", "microsoft_defender", "mimecast", "proofpoint"]);
    assert!(
        kit["sender_addresses"].as_array().unwrap().contains(&json!("it-servicedesk@simulations.msp-portal.example"))
    );
}
