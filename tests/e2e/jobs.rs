//! The job runner: leased, retried, unique per key, safe on several
//! processes; driven by the tests' clock, without sleeping.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use domain::jobs::{JobStatus, LEASE};
use persistence::jobs::{Enqueued, JobRecord, NewJob};
use reqwest::StatusCode;
use serde_json::Value;

use e2e_tests::{Backend, TestApp, probe_handlers, spawn_app_with};

async fn app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |settings| settings.job_handlers = probe_handlers()).await
}

async fn enqueue(app: &TestApp, kind: &'static str, key: Option<&'static str>, max_attempts: i64) -> Enqueued {
    let at = app.now();
    app.with_db(move |conn| {
        let job = NewJob { kind, payload: "{\"n\":1}", unique_key: key, run_at: at, max_attempts };
        persistence::jobs::enqueue(conn, &job, at).unwrap()
    })
    .await
}

async fn all_jobs(app: &TestApp) -> Vec<JobRecord> {
    app.with_db(|conn| persistence::jobs::list(conn, None, None, 10_000).unwrap()).await
}

async fn a_job_whose_worker_died_runs_again_once_its_lease_lapses(backend: Backend) {
    let Some(app) = app(backend).await else { return };
    let Enqueued::Created(id) = enqueue(&app, "probe", None, 8).await else { panic!("created") };
    // A worker claims it and dies mid-job.
    let at = app.now();
    let claimed =
        app.with_db(move |conn| persistence::jobs::claim(conn, "dead-worker", at, at + LEASE, 10).unwrap()).await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(app.run_due_jobs().await.claimed, 0, "the lease still holds");

    app.advance_clock(LEASE + TimeDelta::minutes(1));
    let round = app.run_due_jobs().await;
    assert_eq!((round.claimed, round.succeeded), (1, 1));
    let job = app.with_db(move |conn| persistence::jobs::find(conn, &id).unwrap().unwrap()).await;
    assert_eq!(job.status, JobStatus::Succeeded);
    assert_eq!(job.attempts, 2);
    assert_eq!(job.lease_owner.as_deref(), Some(app.jobs.owner()));

    // A job that kills its worker on its last attempt is given up, not
    // retried forever.
    let Enqueued::Created(last) = enqueue(&app, "probe", None, 1).await else { panic!("created") };
    let at = app.now();
    app.with_db(move |conn| persistence::jobs::claim(conn, "dying-worker", at, at + LEASE, 10).unwrap()).await;
    app.advance_clock(LEASE + TimeDelta::minutes(1));
    assert_eq!(app.run_due_jobs().await.claimed, 0, "no attempt left");
    let job = app.with_db(move |conn| persistence::jobs::find(conn, &last).unwrap().unwrap()).await;
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.last_error.as_deref(), Some(persistence::jobs::LAPSED_ON_LAST_ATTEMPT));
}

async fn a_unique_key_enqueued_twice_runs_once(backend: Backend) {
    let Some(app) = app(backend).await else { return };
    assert!(matches!(enqueue(&app, "probe", Some("complete-campaign:42"), 8).await, Enqueued::Created(_)));
    assert_eq!(enqueue(&app, "probe", Some("complete-campaign:42"), 8).await, Enqueued::AlreadyThere);
    let round = app.run_due_jobs().await;
    assert_eq!((round.claimed, round.succeeded), (1, 1));
    // Even once it is done, the key is taken: the work happened.
    assert_eq!(enqueue(&app, "probe", Some("complete-campaign:42"), 8).await, Enqueued::AlreadyThere);
    assert_eq!(app.run_due_jobs().await.claimed, 0);
    assert_eq!(all_jobs(&app).await.len(), 1);

    // A job given up releases its key: the work can be asked for again.
    assert!(matches!(enqueue(&app, "nobody-handles-this", Some("send-report:7"), 1).await, Enqueued::Created(_)));
    assert_eq!(app.run_due_jobs().await.failed, 1);
    assert!(matches!(enqueue(&app, "probe", Some("send-report:7"), 8).await, Enqueued::Created(_)), "released");
    assert_eq!(enqueue(&app, "probe", Some("send-report:7"), 8).await, Enqueued::AlreadyThere);
}

async fn a_failing_job_backs_off_then_is_kept_as_failed_for_the_operator(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |settings| {
        settings.job_handlers = probe_handlers();
        // A handler is stopped before its lease could lapse (4.5 minutes in
        // production), so no second worker ever runs it alongside.
        settings.jobs.run_limit = Duration::from_millis(300);
    })
    .await
    else {
        return;
    };
    enqueue(&app, "stuck", None, 1).await;
    enqueue(&app, "flaky", None, 2).await;
    enqueue(&app, "nobody-handles-this", None, 1).await;
    enqueue(&app, "panicky", None, 1).await;
    let first = app.run_due_jobs().await;
    assert_eq!((first.claimed, first.failed), (4, 4), "a panicking handler fails its job, not the runner");
    // The flaky one waits 22.5-37.5 s (30 s with jitter) before its second try.
    assert_eq!(app.run_due_jobs().await.claimed, 0, "not due yet");
    app.advance_clock(TimeDelta::seconds(40));
    let second = app.run_due_jobs().await;
    assert_eq!((second.claimed, second.failed), (1, 1));

    let operator = app.operator_token("ops@platform.example").await;
    let failed = app.get("/api/v1/platform/jobs?status=failed", Some(&operator)).await;
    assert_eq!(failed.status(), StatusCode::OK);
    let failed: Value = failed.json().await.unwrap();
    let items = failed["items"].as_array().unwrap();
    let kinds: BTreeSet<&str> = items.iter().map(|j| j["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, BTreeSet::from(["flaky", "nobody-handles-this", "panicky", "stuck"]));
    let stuck = items.iter().find(|j| j["kind"] == "stuck").unwrap();
    assert!(stuck["last_error"].as_str().unwrap().contains("time limit"), "{stuck}");
    let flaky = items.iter().find(|j| j["kind"] == "flaky").unwrap();
    assert_eq!(flaky["attempts"], 2);
    assert_eq!(flaky["last_error"], "relay said no to {\"n\":1}");
    assert!(flaky["finished_at"].is_string());
    let stranger = items.iter().find(|j| j["kind"] == "nobody-handles-this").unwrap();
    assert!(stranger["last_error"].as_str().unwrap().contains("no handler"));
    let panicky = items.iter().find(|j| j["kind"] == "panicky").unwrap();
    assert!(panicky["last_error"].as_str().unwrap().contains("panicked"), "{panicky}");
    let bad = app.get("/api/v1/platform/jobs?status=stuck", Some(&operator)).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

mod lease {
    #[tokio::test]
    async fn sqlite() {
        super::a_job_whose_worker_died_runs_again_once_its_lease_lapses(e2e_tests::Backend::Sqlite).await;
    }
    #[tokio::test]
    async fn postgres() {
        super::a_job_whose_worker_died_runs_again_once_its_lease_lapses(e2e_tests::Backend::Postgres).await;
    }
}

mod unique_key {
    #[tokio::test]
    async fn sqlite() {
        super::a_unique_key_enqueued_twice_runs_once(e2e_tests::Backend::Sqlite).await;
    }
    #[tokio::test]
    async fn postgres() {
        super::a_unique_key_enqueued_twice_runs_once(e2e_tests::Backend::Postgres).await;
    }
}

mod retries {
    #[tokio::test]
    async fn sqlite() {
        super::a_failing_job_backs_off_then_is_kept_as_failed_for_the_operator(e2e_tests::Backend::Sqlite).await;
    }
    #[tokio::test]
    async fn postgres() {
        super::a_failing_job_backs_off_then_is_kept_as_failed_for_the_operator(e2e_tests::Backend::Postgres).await;
    }
}

/// Two server processes on one PostgreSQL share 1,000 jobs: each runs
/// exactly once, and both take part.
#[tokio::test]
async fn two_processes_run_a_thousand_jobs_each_exactly_once_on_postgres() {
    let Some(app) = app(Backend::Postgres).await else { return };
    let binary = env!("CARGO_BIN_EXE_portal-node");
    let env = [("JOB_CONCURRENCY", "16"), ("JOB_POLL_MS", "20")];
    let _first = app.spawn_process_with(binary, &env).await;
    let _second = app.spawn_process_with(binary, &env).await;
    // Enqueued once both are polling, so that neither can finish them all alone.
    let at = app.now();
    app.with_db(move |conn| {
        for _ in 0..1000 {
            let job = NewJob { kind: "probe", payload: "{}", unique_key: None, run_at: at, max_attempts: 8 };
            persistence::jobs::enqueue(conn, &job, at).unwrap();
        }
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let jobs = loop {
        let jobs = all_jobs(&app).await;
        if jobs.iter().all(|j| j.status == JobStatus::Succeeded) {
            break jobs;
        }
        assert!(
            Instant::now() < deadline,
            "{} jobs left",
            jobs.iter().filter(|j| j.status != JobStatus::Succeeded).count()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(jobs.len(), 1000);
    let twice: Vec<&JobRecord> = jobs.iter().filter(|j| j.attempts != 1).collect();
    assert!(twice.is_empty(), "jobs claimed more than once: {twice:?}");
    let workers: BTreeSet<&str> = jobs.iter().filter_map(|j| j.lease_owner.as_deref()).collect();
    assert_eq!(workers.len(), 2, "both processes ran jobs: {workers:?}");
}
