//! The outbox on the job runner: mail is sent by a job, a relay that is down
//! fails the attempt with its answer kept, and the message goes out on a
//! retry once the relay is back.

use chrono::TimeDelta;
use e2e_tests::{SmtpSink, TestApp, on_both_backends, spawn_app_with};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    mail_waits_out_a_relay_that_is_down_and_goes_out_when_it_is_back,
    mail_queued_before_the_job_runner_is_sent_after_the_upgrade
);

async fn mail_waits_out_a_relay_that_is_down_and_goes_out_when_it_is_back(app: TestApp) {
    // A relay address where nothing listens yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap().port();
    let url = format!("smtp://127.0.0.1:{port}");
    let app = spawn_app_with(app.backend, move |settings| settings.smtp_url = Some(url)).await.unwrap();
    let owner = app.tenant("Mail MSP").await;
    let invited = app
        .post("/api/v1/admins", Some(&owner.token), &json!({ "email": "ines@mail-msp.example", "role": "standard" }))
        .await;
    assert_eq!(invited.status(), StatusCode::CREATED);

    let first = app.run_due_jobs().await;
    assert_eq!((first.claimed, first.failed), (1, 1), "the relay is down: the attempt fails");
    let queued = app.with_db(|conn| persistence::outbox::for_recipient(conn, "ines@mail-msp.example").unwrap()).await;
    assert_eq!(queued.len(), 1);
    let message = &queued[0];
    assert_eq!((message.attempts, message.sent_at, message.failed_at), (1, None, None));
    assert!(message.last_error.as_deref().is_some_and(|e| !e.is_empty()), "the relay's answer is kept: {message:?}");
    assert!(message.body.contains("set-password?token="), "the body waits with its link");
    // Not again before its back-off is over.
    assert_eq!(app.run_due_jobs().await.claimed, 0);

    let sink = SmtpSink::start_on(port).await;
    app.advance_clock(TimeDelta::seconds(40));
    let retry = app.run_due_jobs().await;
    assert_eq!((retry.claimed, retry.succeeded), (1, 1), "sent on the retry");
    let mail = sink.wait_for("ines@mail-msp.example").await;
    assert!(mail.contains("invited"), "{mail}");
    let sent = app.with_db(|conn| persistence::outbox::for_recipient(conn, "ines@mail-msp.example").unwrap()).await;
    assert!(sent[0].sent_at.is_some() && sent[0].last_error.is_none(), "{:?}", sent[0]);
    assert_eq!(sent[0].body, persistence::outbox::DELIVERED_BODY);
    assert_eq!(sink.messages().len(), 1, "sent once");
}

/// A message another sender holds (one of an older version, during a
/// rolling deploy) is not sent twice: its job waits for the hold to end.
/// And mail queued by such a version, without a job, is given its job by
/// the next process that starts, and goes out.
async fn mail_queued_before_the_job_runner_is_sent_after_the_upgrade(app: TestApp) {
    use diesel::connection::SimpleConnection;
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(app.backend, move |settings| settings.smtp_url = Some(url)).await.unwrap();
    let owner = app.tenant("Upgraded MSP").await;
    let (at, msp_id) = (app.now(), owner.msp_id.clone());
    app.with_db(move |conn| {
        let held = persistence::outbox::enqueue(conn, &msp_id, "held@upgraded.example", "Held", "Hello", at).unwrap();
        // An older sender took it for a minute.
        assert!(persistence::outbox::claim_for_sending(conn, &held.id, at, at + TimeDelta::minutes(1)).unwrap());
    })
    .await;
    let round = app.run_due_jobs().await;
    assert_eq!((round.claimed, round.failed), (1, 1), "held by another sender: not sent now");
    assert!(sink.messages().is_empty());
    app.advance_clock(TimeDelta::minutes(2));
    let round = app.run_due_jobs().await;
    assert_eq!((round.claimed, round.succeeded), (1, 1), "sent once the hold is over");
    assert!(sink.wait_for("held@upgraded.example").await.contains("Held"));

    // Queued the way the outbox was before: the message alone, no job.
    let (at, msp_id) = (app.now(), owner.msp_id.clone());
    app.with_db(move |conn| {
        persistence::outbox::enqueue(conn, &msp_id, "old@upgraded.example", "Queued long ago", "Hello", at).unwrap();
        let no_job = "DELETE FROM jobs WHERE kind = 'send-email' AND status = 'queued'";
        match conn {
            persistence::DbConnection::Pg(pg) => pg.batch_execute(no_job),
            persistence::DbConnection::Sqlite(sqlite) => sqlite.batch_execute(no_job),
        }
        .unwrap();
    })
    .await;
    // The next process to start (with its job loop on) sends it.
    let binary = env!("CARGO_BIN_EXE_portal-node");
    let smtp_url = sink.url();
    let _upgraded = app.spawn_process_with(binary, &[("SMTP_URL", smtp_url.as_str()), ("JOB_POLL_MS", "20")]).await;
    assert!(sink.wait_for("old@upgraded.example").await.contains("Queued long ago"));
    assert_eq!(sink.messages().len(), 2, "each message sent once");
}
