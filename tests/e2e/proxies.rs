//! Behind a load balancer: with the balancer trusted (`TRUSTED_PROXIES`),
//! each client behind it is its own address for sign-in protection and the
//! audit log; an untrusted peer's `X-Forwarded-For` is ignored.

use domain::client_address::TrustedProxies;
use domain::login_protection::{LoginPolicy, Thresholds};
use reqwest::StatusCode;
use serde_json::{Value, json};

use e2e_tests::{Backend, PASSWORD, TestApp, spawn_app_with};

async fn app(backend: Backend, trusted: &str) -> Option<TestApp> {
    let trusted = TrustedProxies::parse(trusted).expect("proxies");
    spawn_app_with(backend, move |settings| {
        settings.trusted_proxies = trusted;
        settings.login_policy = LoginPolicy {
            per_email: Thresholds { slow_after: 1000, block_after: 1000 },
            per_address: Thresholds { slow_after: 1000, block_after: 3 },
            ..LoginPolicy::default()
        };
    })
    .await
}

async fn login_from(app: &TestApp, client: &str, email: &str, password: &str) -> StatusCode {
    let body = json!({ "email": email, "password": password });
    let request = app.client.post(app.url("/api/v1/auth/login")).header("x-forwarded-for", client).json(&body);
    request.send().await.expect("request").status()
}

async fn clients_behind_a_trusted_proxy_are_throttled_apart(backend: Backend) {
    let Some(app) = app(backend, "127.0.0.1, ::1").await else { return };
    let owner = app.tenant("Balanced").await;
    for _ in 0..3 {
        assert_eq!(login_from(&app, "198.51.100.1", &owner.email, "wrong password!").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login_from(&app, "198.51.100.1", &owner.email, PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login_from(&app, "198.51.100.2", &owner.email, PASSWORD).await, StatusCode::OK, "another client");

    // The audit log names the client, not the balancer.
    let created = app
        .client
        .post(app.url("/api/v1/customer-groups"))
        .bearer_auth(&owner.token)
        .header("x-forwarded-for", "203.0.113.77, 10.0.0.5")
        // The proxies write X-Forwarded-For (the default
        // TRUSTED_PROXY_HEADER); a Forwarded header is the client's own.
        .header("forwarded", "for=192.0.2.99")
        .json(&json!({ "name": "Behind the balancer", "kind": "sector" }))
        .send()
        .await
        .expect("request");
    assert_eq!(created.status(), StatusCode::CREATED);
    let events: Value = app.get("/api/v1/audit-events?limit=1", Some(&owner.token)).await.json().await.unwrap();
    assert_eq!(events["items"][0]["action"], "customer_group.created");
    assert_eq!(events["items"][0]["client_addr"], "10.0.0.5", "10.0.0.5 is not trusted, so it is the client");
}

async fn an_untrusted_peer_cannot_choose_its_address(backend: Backend) {
    let Some(app) = app(backend, "").await else { return };
    let owner = app.tenant("Direct").await;
    for client in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        assert_eq!(login_from(&app, client, &owner.email, "wrong password!").await, StatusCode::UNAUTHORIZED);
    }
    // Every attempt came from the same peer, whatever its header said.
    assert_eq!(login_from(&app, "198.51.100.4", &owner.email, PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    let created = app
        .client
        .post(app.url("/api/v1/customer-groups"))
        .bearer_auth(&owner.token)
        .header("x-forwarded-for", "203.0.113.77")
        .json(&json!({ "name": "Spoofed", "kind": "sector" }))
        .send()
        .await
        .expect("request");
    assert_eq!(created.status(), StatusCode::CREATED);
    let events: Value = app.get("/api/v1/audit-events?limit=1", Some(&owner.token)).await.json().await.unwrap();
    let recorded = events["items"][0]["client_addr"].as_str().unwrap_or_default().to_owned();
    assert!(recorded == "127.0.0.1" || recorded == "::1", "{events}");
}

mod trusted_proxy {
    #[tokio::test]
    async fn sqlite() {
        super::clients_behind_a_trusted_proxy_are_throttled_apart(e2e_tests::Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        super::clients_behind_a_trusted_proxy_are_throttled_apart(e2e_tests::Backend::Postgres).await;
    }
}

mod untrusted_peer {
    #[tokio::test]
    async fn sqlite() {
        super::an_untrusted_peer_cannot_choose_its_address(e2e_tests::Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        super::an_untrusted_peer_cannot_choose_its_address(e2e_tests::Backend::Postgres).await;
    }
}
