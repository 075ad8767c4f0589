//! Sending on several server processes: two portal-node processes send a
//! 2,000-recipient campaign to one sink and every recipient gets exactly
//! one message; a sender killed with SIGKILL mid-campaign and a new process
//! started in its place: every recipient gets its message, and at most the
//! batch in flight is sent twice.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use e2e_tests::{SmtpSink, Tenant, TestApp, on_both_backends};
use reqwest::StatusCode;

use crate::campaign_results::{launch_now, parse};
use crate::campaigns::{json_of, live_customer};

const PARCEL: &str = "00000000-0000-7000-8000-000000000003";
const RECIPIENTS: usize = 2000;

async fn big_tenant(app: &TestApp, name: &str) -> Tenant {
    let owner = app.tenant(name).await;
    let limits = domain::msps::MspLimits {
        seat_pool_total: 10_000,
        max_global_users: 10_000,
        ..domain::msps::MspLimits::starter()
    };
    app.set_limits(&owner, limits).await;
    owner
}

/// Seconds to set a portal-node's clock ahead of real time so that it is
/// `ahead` past the test server's clock.
fn offset(app: &TestApp, ahead: TimeDelta) -> String {
    ((app.now() - chrono::Utc::now()) + ahead).num_seconds().to_string()
}

/// Waits until `count` messages arrived (or `timeout` passed); returns how many did.
async fn arrived(sink: &SmtpSink, count: usize, timeout: Duration) -> usize {
    let deadline = Instant::now() + timeout;
    loop {
        let n = sink.count();
        if n >= count || Instant::now() >= deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Messages per recipient address.
fn per_recipient(sink: &SmtpSink) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for raw in sink.raw_messages() {
        *seen.entry(parse(&raw).to).or_default() += 1;
    }
    seen
}

/// Figures the closing note quotes, in the test's output.
#[allow(clippy::print_stdout)]
fn report(line: &str) {
    println!("{line}");
}

on_both_backends!(two_processes_send_two_thousand_messages_once_each, a_sender_killed_mid_campaign_is_taken_over);

async fn two_processes_send_two_thousand_messages_once_each(app: TestApp) {
    let sink = SmtpSink::start().await;
    let owner = big_tenant(&app, "Senders MSP").await;
    let customer = live_customer(&app, &owner, "Lähettäjä Oy", "sender.example", RECIPIENTS, true).await;
    let campaign = launch_now(&app, &owner, &customer, &[PARCEL]).await;
    let binary = env!("CARGO_BIN_EXE_portal-node");
    let (relay, ahead) = (sink.url(), offset(&app, TimeDelta::minutes(3)));
    let env = [
        ("SMTP_URL", relay.as_str()),
        ("JOB_CONCURRENCY", "2"),
        ("JOB_POLL_MS", "20"),
        ("TEST_CLOCK_OFFSET_SECONDS", ahead.as_str()),
    ];
    let started = Instant::now();
    let first = app.spawn_process_with(binary, &env).await;
    let second = app.spawn_process_with(binary, &env).await;
    let count = arrived(&sink, RECIPIENTS, Duration::from_secs(240)).await;
    let took = started.elapsed();
    assert_eq!(count, RECIPIENTS, "every message arrives");
    // Let anything still in flight land before counting duplicates.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = per_recipient(&sink);
    assert_eq!(seen.len(), RECIPIENTS, "every recipient");
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    report(&format!(
        "two processes sent {RECIPIENTS} messages in {took:.1?} ({:.0}/s)",
        RECIPIENTS as f64 / took.as_secs_f64()
    ));

    // Both processes took part.
    let jobs = app.with_db(|conn| persistence::jobs::list(conn, None, None, 10_000).unwrap()).await;
    let senders: std::collections::BTreeSet<String> = jobs
        .iter()
        .filter(|j| j.kind == "campaign.send" && j.status == domain::jobs::JobStatus::Succeeded)
        .filter_map(|j| j.lease_owner.as_ref().and_then(|o| o.split(':').next().map(str::to_owned)))
        .collect();
    assert!(senders.contains(&first.pid().to_string()) && senders.contains(&second.pid().to_string()), "{senders:?}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = json_of(app.get(&campaign, Some(&owner.token)).await, StatusCode::OK).await;
        if status["status"] == "tracking" {
            break;
        }
        assert!(Instant::now() < deadline, "still {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_sender_killed_mid_campaign_is_taken_over(app: TestApp) {
    let sink = SmtpSink::start().await;
    let owner = big_tenant(&app, "Crash MSP").await;
    let customer = live_customer(&app, &owner, "Kaatuminen Oy", "crash.example", RECIPIENTS, true).await;
    launch_now(&app, &owner, &customer, &[PARCEL]).await;
    let binary = env!("CARGO_BIN_EXE_portal-node");
    let relay = sink.url();
    let ahead = offset(&app, TimeDelta::minutes(3));
    let env = [
        ("SMTP_URL", relay.as_str()),
        ("JOB_CONCURRENCY", "2"),
        ("JOB_POLL_MS", "20"),
        ("TEST_CLOCK_OFFSET_SECONDS", ahead.as_str()),
    ];
    let mut doomed = app.spawn_process_with(binary, &env).await;
    let before_kill = arrived(&sink, RECIPIENTS / 4, Duration::from_secs(120)).await;
    assert!((RECIPIENTS / 4..RECIPIENTS).contains(&before_kill), "mid-campaign: {before_kill}");
    doomed.kill_hard();
    let at_kill = sink.count();

    // Its replacement's clock is past every lease the dead one held.
    let later = offset(&app, TimeDelta::minutes(12));
    let env = [
        ("SMTP_URL", relay.as_str()),
        ("JOB_CONCURRENCY", "2"),
        ("JOB_POLL_MS", "20"),
        ("TEST_CLOCK_OFFSET_SECONDS", later.as_str()),
    ];
    let _replacement = app.spawn_process_with(binary, &env).await;
    let deadline = Instant::now() + Duration::from_secs(240);
    let seen = loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let seen = per_recipient(&sink);
        if seen.len() == RECIPIENTS || Instant::now() >= deadline {
            break seen;
        }
    };
    assert_eq!(seen.len(), RECIPIENTS, "every recipient gets its message");
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    report(&format!(
        "killed after {at_kill} messages; {duplicates} sent twice (a batch is {})",
        domain::campaigns::sending::BATCH_SIZE
    ));
    assert!(
        duplicates <= usize::try_from(domain::campaigns::sending::BATCH_SIZE).unwrap() * 2,
        "at most the batches in flight (one per lane) twice: {duplicates}"
    );
}
