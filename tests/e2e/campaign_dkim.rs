//! Mail that arrives: with a DKIM key configured, every simulation is
//! signed for the simulation domain, and dkimpy (a verifier nobody here
//! wrote) checks the signature against the public key.

use std::path::Path;
use std::time::Duration;

use chrono::TimeDelta;
use e2e_tests::browser::free_port;
use e2e_tests::{SmtpSink, TestApp, on_both_backends, spawn_app_with};

use crate::campaign_results::{launch_now, parse};
use crate::campaigns::{live_customer, roomy_tenant};

const PARCEL: &str = "00000000-0000-7000-8000-000000000003";

on_both_backends!(simulations_are_dkim_signed_for_the_simulation_domain);

async fn simulations_are_dkim_signed_for_the_simulation_domain(app: TestApp) {
    let support = Path::new(env!("CARGO_MANIFEST_DIR")).join("support");
    let pem = std::fs::read_to_string(support.join("dkim/test-only-private-key.pem")).unwrap();
    let key = api::simulation_mail::DkimKey::from_pem("sim2027", &pem).unwrap();
    let sink = SmtpSink::start().await;
    let (port, relay) = (free_port(), sink.url());
    let Some(app) = spawn_app_with(app.backend, move |settings| {
        settings.bind_addr = format!("127.0.0.1:{port}");
        settings.public_url = format!("http://127.0.0.1:{port}");
        settings.smtp_url = Some(relay);
        settings.dkim = Some(key);
    })
    .await
    else {
        return;
    };
    let owner = roomy_tenant(&app, "Signing MSP").await;
    let customer = live_customer(&app, &owner, "Allekirjoitus Oy", "sign.example", 2, true).await;
    launch_now(&app, &owner, &customer, &[PARCEL]).await;
    app.advance_clock(TimeDelta::minutes(2));
    app.run_due_jobs().await;
    let messages = sink.wait_for_count(2, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 2);
    let pydeps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/pydeps");
    for raw in &messages {
        assert!(raw.contains("DKIM-Signature:"), "signed");
        assert!(raw.contains("d=simulations.msp-portal.example") && raw.contains("s=sim2027"), "{raw}");
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), raw).unwrap();
        let verified = std::process::Command::new("python3")
            .env("PYTHONPATH", &pydeps)
            .arg(support.join("dkim_verify.py"))
            .arg(file.path())
            .arg(support.join("dkim/test-only-public-key.b64"))
            .output()
            .expect("python3 runs");
        assert!(
            verified.status.success(),
            "dkimpy: {}{}",
            String::from_utf8_lossy(&verified.stdout),
            String::from_utf8_lossy(&verified.stderr)
        );
        // A message changed on the way no longer verifies.
        let tampered = raw.replacen(&parse(raw).to, "someone.else@sign.example", 1);
        std::fs::write(file.path(), tampered).unwrap();
        let refused = std::process::Command::new("python3")
            .env("PYTHONPATH", &pydeps)
            .arg(support.join("dkim_verify.py"))
            .arg(file.path())
            .arg(support.join("dkim/test-only-public-key.b64"))
            .output()
            .unwrap();
        assert!(!refused.status.success(), "a tampered message verified");
    }
}
