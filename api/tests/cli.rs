//! The `msp-portal` binary, run as an operator would run it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use persistence::provisioning;

fn msp_portal() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_msp-portal"));
    command.env_remove("MSP_PORTAL_OWNER_PASSWORD").env_remove("JWT_SECRET").env("RUST_LOG", "info");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn openapi_prints_the_committed_contract_without_a_database() {
    // An unreachable database proves the command needs none.
    let output =
        msp_portal().arg("openapi").env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none").output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json")).unwrap();
    assert!(text(&output.stdout) == committed, "openapi/openapi.json is stale: run `make openapi` and commit it");
}

fn bootstrap(database_url: &str, email: &str, password: Option<&str>) -> Output {
    let mut command = msp_portal();
    command.args(["bootstrap", "--msp-name", "Acme MSP", "--owner-email", email]).env("DATABASE_URL", database_url);
    if let Some(password) = password {
        command.env("MSP_PORTAL_OWNER_PASSWORD", password);
    }
    command.output().unwrap()
}

fn bootstrap_is_refused_the_second_time(database_url: &str) {
    let first = bootstrap(database_url, "owner@acme-msp.example", None);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let stdout = text(&first.stdout);
    assert!(stdout.contains("Created MSP 'Acme MSP'"), "{stdout}");
    let password = stdout.lines().find_map(|l| l.split_once("store it safely): ")).map(|(_, p)| p.trim()).unwrap();
    assert_eq!(password.chars().count(), 24, "generated password is printed once");

    let second = bootstrap(database_url, "someone-else@acme-msp.example", None);
    assert_eq!(second.status.code(), Some(1));
    assert!(text(&second.stderr).contains("an MSP named 'Acme MSP' already exists"), "{}", text(&second.stderr));
    assert!(second.stdout.is_empty(), "no password printed for a refused bootstrap");

    let migrate = msp_portal().arg("migrate").env("DATABASE_URL", database_url).output().unwrap();
    assert!(migrate.status.success(), "{}", text(&migrate.stderr));
}

#[test]
fn bootstrap_twice_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    bootstrap_is_refused_the_second_time(&format!("sqlite://{}", dir.path().join("cli.db").display()));
}

#[test]
fn bootstrap_twice_on_postgres() {
    let server =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    if let Err(error) = provisioning::postgres_answers(&server) {
        assert!(std::env::var_os("CI").is_none(), "PostgreSQL at {server} does not answer ({error}) and CI is set");
        let _ = writeln!(
            std::io::stderr(),
            "!!!!! PostgreSQL at {server} does not answer: CLI PostgreSQL test SKIPPED !!!!!"
        );
        return;
    }
    let name = format!("msp_cli_{}", std::process::id());
    provisioning::create_postgres_database(&server, &name).unwrap();
    let result =
        std::panic::catch_unwind(|| bootstrap_is_refused_the_second_time(&provisioning::with_database(&server, &name)));
    provisioning::drop_postgres_database(&server, &name).unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn weak_owner_passwords_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("weak.db").display());
    let output = bootstrap(&url, "owner@acme-msp.example", Some("short"));
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("at least 12 characters"), "{}", text(&output.stderr));
}

#[test]
fn serve_answers_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = msp_portal()
        .arg("serve")
        .env("DATABASE_URL", dir.path().join("serve.db"))
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("HTTP_WORKERS", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    let address = loop {
        let line = lines.recv_timeout(deadline.saturating_duration_since(Instant::now())).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("server did not report its address; log so far:\n{}", seen.join("\n"))
        });
        if let Some(rest) = line.split_once("listening on http://").map(|(_, r)| r.to_owned()) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
        seen.push(line);
    };
    assert!(seen.iter().any(|l| l.contains("JWT_SECRET is not set")), "warns about the random secret");

    let mut stream = TcpStream::connect(&address).unwrap();
    stream.write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.to_ascii_lowercase().contains("x-request-id:"), "{response}");

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(40);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "server did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "clean exit after SIGTERM, got {status}");
}

#[test]
fn bootstrap_gives_a_trial_pool_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("limits.db").display());
    let default = bootstrap(&url, "owner@acme-msp.example", None);
    assert!(default.status.success(), "{}", text(&default.stderr));
    assert!(text(&default.stdout).contains("with 100 seats, 100 organizations, 100 global and 10 local users"));

    let told = msp_portal()
        .args(["bootstrap", "--msp-name", "Small MSP", "--owner-email", "owner@small.example"])
        .args(["--seat-pool", "40", "--max-global-users", "30", "--max-local-users", "5", "--max-organizations", "3"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(told.status.success(), "{}", text(&told.stderr));
    assert!(text(&told.stdout).contains("with 40 seats, 3 organizations, 30 global and 5 local users"));

    let negative = msp_portal()
        .args(["bootstrap", "--msp-name", "Bad MSP", "--owner-email", "owner@bad.example", "--seat-pool=-1"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(negative.status.code(), Some(2), "clap refuses the value");
    assert!(text(&negative.stderr).contains("--seat-pool"), "{}", text(&negative.stderr));
}

#[test]
fn a_weak_operator_password_names_the_operator_variable() {
    let dir = tempfile::tempdir().unwrap();
    let output = msp_portal()
        .args(["bootstrap-operator", "--email", "ops@vendor.example"])
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("ops.db").display()))
        .env("MSP_PORTAL_OPERATOR_PASSWORD", "short")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("MSP_PORTAL_OPERATOR_PASSWORD"), "{stderr}");
    assert!(!stderr.contains("MSP_PORTAL_OWNER_PASSWORD"), "{stderr}");
}
