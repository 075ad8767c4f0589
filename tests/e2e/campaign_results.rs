//! Phishing campaigns, part 2, over HTTP with a real SMTP sink and a real
//! browser: 50 messages sent, each recipient its own links; a person in
//! headless Chromium opens, clicks and submits the landing form (the names
//! of the fields are kept, never what was typed); a scanner clicks another
//! message at once and follows the honeypot (automated, not counted); a
//! third recipient reports through the add-in endpoint; the results, the
//! outcome filters and the events agree.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{Offset, TimeDelta};
use e2e_tests::browser::{Browser, PageServer, free_port};
use e2e_tests::{Backend, SmtpSink, Tenant, TestApp, assert_problem, on_both_backends, spawn_app_with};
use fantoccini::Locator;
use mail_parser::MessageParser;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::campaigns::{HELSINKI, json_of, live_customer, roomy_tenant};

const PASSWORD_EXPIRY: &str = "00000000-0000-7000-8000-000000000001";
/// What the person types into the landing form: it must never be stored.
const TYPED_SECRET: &str = "Summer2027!secret";
const BROWSER_AGENT: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

/// A server whose tracking links lead to itself (a known port), sending
/// through `sink`, trusting loopback as its proxy (so that tests can play
/// clients at other addresses with `X-Forwarded-For`).
pub(crate) async fn app_with_relay(backend: Backend, sink: &SmtpSink) -> Option<TestApp> {
    let (port, relay) = (free_port(), sink.url());
    spawn_app_with(backend, move |settings| {
        settings.bind_addr = format!("127.0.0.1:{port}");
        settings.public_url = format!("http://127.0.0.1:{port}");
        settings.smtp_url = Some(relay);
        settings.trusted_proxies = domain::client_address::TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await
}

/// Creates and launches, for `customer`, a campaign sending at once (any
/// day, any hour); returns its path.
pub(crate) async fn launch_now(app: &TestApp, owner: &Tenant, customer: &str, scenarios: &[&str]) -> String {
    let now = app.now().with_timezone(&HELSINKI).format("%Y-%m-%dT%H:%M").to_string();
    let body = json!({
        "name": "Sent now",
        "scenario_ids": scenarios,
        "schedule": {
            "starts_at": now,
            "window": { "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59" },
            "max_per_minute": 100000,
            "tracking_days": 3
        }
    });
    let created = app.post(&format!("/api/v1/customers/{customer}/campaigns"), Some(&owner.token), &body).await;
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    json_of(created, StatusCode::CREATED).await;
    let launched = app.post(&format!("{location}/launch"), Some(&owner.token), &json!({})).await;
    let launched = json_of(launched, StatusCode::OK).await;
    assert_eq!(launched["status"], "sending", "{launched}");
    location
}

/// A delivered simulation, parsed.
#[derive(Debug, Clone)]
pub(crate) struct Delivered {
    pub to: String,
    pub token: String,
    pub html: String,
    pub message_id: String,
    pub simulation_header: String,
}

pub(crate) fn parse(raw: &str) -> Delivered {
    let message = MessageParser::default().parse(raw.as_bytes()).expect("a MIME message");
    let header = |name: &str| message.header_raw(name).map(|v| v.trim().to_owned()).unwrap_or_default();
    Delivered {
        to: message.to().and_then(|to| to.first()).and_then(|a| a.address()).unwrap_or_default().to_owned(),
        token: header("X-MSP-Portal-Tracking"),
        // Placeholder values are HTML-escaped (ammonia writes `/` as `&#47;`); browsers read both.
        html: message.body_html(0).map(|h| h.replace("&#47;", "/")).unwrap_or_default(),
        message_id: message.message_id().unwrap_or_default().to_owned(),
        simulation_header: header("X-MSP-Portal-Simulation"),
    }
}

/// Every page of `url` (a list), its items concatenated.
pub(crate) async fn all_items(app: &TestApp, token: &str, url: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next = Some(url.to_owned());
    while let Some(url) = next {
        let response = app.get(&url, Some(token)).await;
        let link = response.headers().get("link").map(|l| l.to_str().unwrap().to_owned());
        let page = json_of(response, StatusCode::OK).await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        next = page["next_cursor"]
            .as_str()
            .map(|_| link.expect("a Link header").trim_start_matches('<').split('>').next().unwrap().to_owned());
    }
    items
}

/// Waits (polling, up to 10 s) until the browser shows a page whose path ends with `suffix`.
async fn arrive_at(browser: &Browser, suffix: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let url = browser.client.current_url().await.unwrap();
        if url.path().ends_with(suffix) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the browser stayed at {url}, not …{suffix}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

on_both_backends!(fifty_messages_a_person_a_scanner_and_a_report);

async fn fifty_messages_a_person_a_scanner_and_a_report(app: TestApp) {
    let sink = SmtpSink::start().await;
    let Some(app) = app_with_relay(app.backend, &sink).await else { return };
    let owner = roomy_tenant(&app, "Results MSP").await;
    let customer = live_customer(&app, &owner, "Tulos Oy", "tulos.example", 50, true).await;
    let campaign = launch_now(&app, &owner, &customer, &[PASSWORD_EXPIRY]).await;
    // Sends are planned from the next whole minute, spread inside it.
    app.advance_clock(TimeDelta::minutes(2));
    app.run_due_jobs().await;

    // Exactly one message per recipient, each with its own token and links.
    let raw = sink.wait_for_count(50, Duration::from_secs(20)).await;
    assert_eq!(raw.len(), 50, "50 messages arrive");
    let delivered: Vec<Delivered> = raw.iter().map(|m| parse(m)).collect();
    let recipients: BTreeSet<&str> = delivered.iter().map(|d| d.to.as_str()).collect();
    assert_eq!(recipients.len(), 50, "one message per recipient");
    let tokens: BTreeSet<&str> = delivered.iter().map(|d| d.token.as_str()).collect();
    assert_eq!(tokens.len(), 50, "each recipient its own token");
    for message in &delivered {
        assert!(message.token.len() >= 22, "at least 128 bits: {}", message.token);
        assert!(message.html.contains(&format!("/t/{}/click", message.token)), "{}", message.html);
        assert!(message.html.contains(&format!("/t/{}/open.gif", message.token)));
        assert!(message.html.contains(&format!("/t/{}/h\"", message.token)), "a honeypot link");
        assert!(message.message_id.ends_with("@simulations.msp-portal.example"), "{}", message.message_id);
        assert_eq!(message.simulation_header, customer);
    }
    let after_sending = json_of(app.get(&campaign, Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(after_sending["status"], "tracking", "the last message out moves it to tracking");

    let message_to = |address: &str| delivered.iter().find(|d| d.to == address).unwrap().clone();
    let (person, scanned, reporter) =
        (message_to("user000@tulos.example"), message_to("user001@tulos.example"), message_to("user002@tulos.example"));

    // A mail gateway: at once, with its own agent, from its own address; it follows the honeypot too.
    for path in ["click", "h"] {
        let hit = app
            .client
            .get(app.url(&format!("/t/{}/{path}", scanned.token)))
            .header("user-agent", "python-requests/2.32.3")
            .header("x-forwarded-for", "203.0.113.9")
            .send()
            .await
            .unwrap();
        assert!(hit.status().is_success() || hit.status().is_redirection(), "{path}: {}", hit.status());
    }
    // A forged token is the plain 404, which says nothing about tokens.
    let forged = app.client.get(app.url("/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/click")).send().await.unwrap();
    let problem = assert_problem(forged, StatusCode::NOT_FOUND, "not_found").await;
    assert!(!problem.to_string().to_lowercase().contains("token"), "{problem}");

    // A person, minutes later, in a browser: opens the message, clicks, submits the form.
    app.advance_clock(TimeDelta::minutes(5));
    let inbox = PageServer::start(&person.html).await;
    let browser = Browser::start_with(&[&format!("--user-agent={BROWSER_AGENT}")]).await;
    browser.client.goto(&inbox.page()).await.unwrap();
    let link = browser.client.find(Locator::Css(&format!("a[href*='/t/{}/click']", person.token))).await.unwrap();
    link.click().await.unwrap();
    arrive_at(&browser, "/landing").await;
    let password = browser.client.find(Locator::Css("input[type='password']")).await.unwrap();
    password.send_keys(TYPED_SECRET).await.unwrap();
    let form = browser.client.form(Locator::Css("form")).await.unwrap();
    form.submit().await.unwrap();
    arrive_at(&browser, "/learn").await;
    let shown = browser.client.source().await.unwrap();
    assert!(shown.contains("<h1>"), "the teachable moment: {shown}");

    // The pages we serve are locked down.
    let landing = app.client.get(app.url(&format!("/t/{}/landing", person.token))).send().await.unwrap();
    let policy = landing.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.contains("default-src 'none'") && policy.contains("form-action 'self'"), "{policy}");

    // A report through the add-in endpoint, with the message's header.
    let report = app.client.post(app.url("/t/report")).json(&json!({ "token": reporter.token })).send().await.unwrap();
    assert_eq!(report.status(), StatusCode::NO_CONTENT);

    // The results.
    let results = json_of(app.get(&format!("{campaign}/results"), Some(&owner.token)).await, StatusCode::OK).await;
    let counts = &results["counts"];
    assert_eq!(
        (counts["recipients"].clone(), counts["sent"].clone(), counts["failed"].clone()),
        (json!(50), json!(50), json!(0))
    );
    assert_eq!(counts["clicked"], json!({ "human": 1, "all": 2 }), "{results}");
    assert_eq!(counts["submitted"], json!({ "human": 1, "all": 1 }));
    assert_eq!(counts["opened"]["human"], 1, "{results}");
    assert_eq!((counts["reported"].clone(), counts["phish_prone"].clone()), (json!(1), json!(1)));
    assert_eq!(results["rates"]["phish_prone_percentage"], 2.0);
    assert_eq!(results["rates"]["report_rate"], 2.0);
    assert!(results["median_seconds_to_report"].as_f64().unwrap() >= 300.0);

    // The outcome filters.
    let outcome = |which: &str| {
        let url = format!("{campaign}/recipients?outcome={which}&limit=20");
        let (app, token) = (&app, owner.token.clone());
        async move {
            all_items(app, &token, &url)
                .await
                .iter()
                .map(|r| r["email"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(outcome("clicked").await, vec![person.to.clone()]);
    assert_eq!(outcome("submitted").await, vec![person.to.clone()]);
    assert_eq!(outcome("reported").await, vec![reporter.to.clone()]);
    assert_eq!(outcome("failed").await, Vec::<String>::new());
    let no_action = outcome("no_action").await;
    assert_eq!(no_action.len(), 48, "neither the person nor the reporter; the scanned one did nothing");
    assert!(no_action.contains(&scanned.to));

    // The events: the scanner's are automated with their reasons; the form's values are nowhere.
    let events = all_items(&app, &owner.token, &format!("{campaign}/events?limit=50")).await;
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains(TYPED_SECRET), "a typed value was stored");
    let automated: Vec<&Value> = events.iter().filter(|e| e["classification"] == "automated").collect();
    assert_eq!(automated.len(), 2, "{text}");
    let reasons: BTreeSet<String> = automated
        .iter()
        .flat_map(|e| e["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()))
        .collect();
    assert!(
        reasons.is_superset(&BTreeSet::from([
            "scanner_user_agent".into(),
            "too_soon_after_delivery".into(),
            "honeypot".into()
        ])),
        "{reasons:?}"
    );
    let submitted = events.iter().find(|e| e["kind"] == "submitted").unwrap();
    assert_eq!(submitted["classification"], "human", "{submitted}");
    assert_eq!(submitted["field_names"], json!(["email", "password"]), "{submitted}");
    let only_automated =
        all_items(&app, &owner.token, &format!("{campaign}/events?classification=automated&type=clicked")).await;
    assert_eq!(only_automated.len(), 1);
    // By department (as at launch): the person is in Finance (even numbers are).
    let finance = results["by_department"].as_array().unwrap().iter().find(|d| d["key"] == "Finance").unwrap();
    assert_eq!(
        (finance["counts"]["recipients"].clone(), finance["counts"]["phish_prone"].clone()),
        (json!(25), json!(1))
    );
    assert_eq!(finance["rates"]["phish_prone_percentage"], 4.0);
    assert_eq!(results["by_scenario"][0]["counts"]["recipients"], 50);

    // A link checker's HEAD is a machine's click; an admin sets the scanner's click right by hand and back.
    let checked = message_to("user003@tulos.example");
    let head = app
        .client
        .head(app.url(&format!("/t/{}/click", checked.token)))
        .header("user-agent", BROWSER_AGENT)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    let heads =
        all_items(&app, &owner.token, &format!("{campaign}/events?classification=automated&type=clicked")).await;
    let head_event = heads.iter().find(|e| e["reasons"].as_array().unwrap().contains(&json!("head_request"))).unwrap();
    assert_eq!(head_event["classification"], "automated");
    let scanner_click =
        heads.iter().find(|e| e["reasons"].as_array().unwrap().contains(&json!("scanner_user_agent"))).unwrap();
    let reclassify = format!("{campaign}/events/{}/classification", scanner_click["id"].as_str().unwrap());
    let put = |body: Value| app.client.put(app.url(&reclassify)).bearer_auth(&owner.token).json(&body).send();
    let human = json_of(put(json!({ "classification": "human" })).await.unwrap(), StatusCode::OK).await;
    assert_eq!((human["classification"].clone(), human["reasons"].clone()), (json!("human"), json!(["reclassified"])));
    let recounted = json_of(app.get(&format!("{campaign}/results"), Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(recounted["counts"]["clicked"], json!({ "human": 2, "all": 3 }), "{recounted}");
    assert_eq!(recounted["rates"]["phish_prone_percentage"], 4.0);
    json_of(put(json!({ "classification": "automated" })).await.unwrap(), StatusCode::OK).await;
    let bad = put(json!({ "classification": "robot" })).await.unwrap();
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let audit = all_items(&app, &owner.token, "/api/v1/audit-events?action=campaign.event_reclassified").await;
    assert_eq!(audit.len(), 2);

    // A report entered by hand counts like the add-in's.
    let hand = all_items(&app, &owner.token, &format!("{campaign}/recipients?limit=200")).await;
    let fifth = hand.iter().find(|r| r["email"] == "user004@tulos.example").unwrap()["id"].as_str().unwrap().to_owned();
    let entered = app.post(&format!("{campaign}/recipients/{fifth}/report"), Some(&owner.token), &json!({})).await;
    let entered = json_of(entered, StatusCode::OK).await;
    assert_eq!((entered["kind"].clone(), entered["reported_via"].clone()), (json!("reported"), json!("admin")));
    let results = json_of(app.get(&format!("{campaign}/results"), Some(&owner.token)).await, StatusCode::OK).await;
    assert_eq!(
        (results["counts"]["reported"].clone(), results["rates"]["report_rate"].clone()),
        (json!(2), json!(4.0))
    );
    assert_eq!(results["counts"]["clicked"], json!({ "human": 1, "all": 3 }));

    // The CSV says the same, in UTC and in Helsinki time.
    let export = app.get(&format!("{campaign}/recipients/export"), Some(&owner.token)).await;
    assert_eq!(export.status(), StatusCode::OK);
    assert!(export.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let body = export.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 50);
    let cell = |row: &csv::StringRecord, name: &str| row[header.iter().position(|h| h == name).unwrap()].to_owned();
    let row_of = |address: &str| rows.iter().find(|r| cell(r, "email") == address).unwrap().clone();
    let clicked = row_of(&person.to);
    assert!(!cell(&clicked, "clicked_at").is_empty() && !cell(&clicked, "submitted_at").is_empty());
    let local: chrono::DateTime<chrono::FixedOffset> = cell(&clicked, "clicked_at_local").parse().unwrap();
    let utc: chrono::DateTime<chrono::Utc> = cell(&clicked, "clicked_at").parse().unwrap();
    assert_eq!(local, utc);
    assert_eq!(local.offset().local_minus_utc(), utc.with_timezone(&HELSINKI).offset().fix().local_minus_utc());
    assert_eq!(cell(&clicked, "phish_prone"), "true");
    let scanned_row = row_of(&scanned.to);
    assert!(cell(&scanned_row, "clicked_at").is_empty() && !cell(&scanned_row, "clicked_any_at").is_empty());
    assert_eq!(cell(&scanned_row, "phish_prone"), "false");
    assert!(!cell(&row_of(&reporter.to), "reported_at").is_empty());
    assert_eq!(rows.iter().filter(|r| cell(r, "phish_prone") == "true").count(), 1);
    assert_eq!(rows.iter().filter(|r| cell(r, "delivery") == "sent").count(), 50);

    let (msp_id, campaign_id) = (owner.msp_id.clone(), campaign.rsplit('/').next().unwrap().to_owned());
    let stored = app
        .with_db(move |conn| {
            let filter = persistence::campaign_events::EventFilter::default();
            persistence::campaign_events::list(conn, &msp_id, &campaign_id, &filter, None, 1000).unwrap()
        })
        .await;
    assert_eq!(stored.len(), events.len() + 2, "and the HEAD and the report entered by hand");
    assert!(!format!("{stored:?}").contains(TYPED_SECRET), "a typed value was stored");
}
