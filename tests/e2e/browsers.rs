//! A third-party frontend calling the API from its own origin, in a real
//! browser: allowed origins can list customers and read the headers they
//! need; the browser keeps every other origin from the response.

use api::cors::AllowedOrigin;
use serde_json::json;

use e2e_tests::browser::{Browser, PageServer};
use e2e_tests::{Backend, spawn_app_with};

/// Lists one customer per page and reads the first one, as a frontend
/// would; answers what the page could see, or the error `fetch` raised.
const FRONTEND: &str = r#"
const [api, token, done] = arguments;
const auth = { headers: { Authorization: `Bearer ${token}` } };
(async () => {
  const list = await fetch(`${api}/api/v1/customers?limit=1`, auth);
  const page = await list.json();
  const one = await fetch(`${api}/api/v1/customers/${page.items[0].id}`, auth);
  return { status: list.status, link: list.headers.get("Link"), request_id: list.headers.get("X-Request-Id"),
           items: page.items.length, etag: one.headers.get("ETag") };
})().then(done, (error) => done({ error: String(error) }));
"#;

async fn a_frontend_on_an_allowed_origin_reads_the_api_and_others_are_blocked(backend: Backend) {
    let allowed = PageServer::start("<!doctype html><title>Frontend</title>").await;
    let stranger = PageServer::start("<!doctype html><title>Elsewhere</title>").await;
    let origin = AllowedOrigin::parse(&allowed.origin()).expect("origin");
    let Some(app) = spawn_app_with(backend, move |settings| settings.cors_allowed_origins = vec![origin]).await else {
        return;
    };
    let owner = app.tenant("Framed").await;
    for name in ["Alpha Dental", "Beta Dental"] {
        app.create_customer(&owner, name, &[&format!("{}.example", name.replace(' ', "-").to_lowercase())]).await;
    }
    let browser = Browser::start().await;
    let args = || vec![json!(app.address), json!(owner.token)];

    let seen = browser.run(&allowed.page(), FRONTEND, args()).await;
    assert_eq!(seen["status"], 200, "{seen}");
    assert_eq!(seen["items"], 1, "{seen}");
    assert!(seen["link"].as_str().is_some_and(|l| l.contains("rel=\"next\"")), "Link is readable: {seen}");
    assert!(seen["etag"].as_str().is_some_and(|e| e.starts_with('"')), "ETag is readable: {seen}");
    assert!(seen["request_id"].as_str().is_some_and(|id| !id.is_empty()), "{seen}");

    let blocked = browser.run(&stranger.page(), FRONTEND, args()).await;
    assert!(blocked["error"].as_str().is_some_and(|e| e.contains("Failed to fetch")), "{blocked}");
    let _ = browser.client.clone().close().await;

    // The preflight the browser sent, as any client sees it: answered, cached
    // for an hour, naming what a page may send.
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/customers"))
        .header("origin", allowed.origin())
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, idempotency-key, content-type")
        .send()
        .await
        .expect("preflight");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let header =
        |name: &str| preflight.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(header("access-control-allow-origin"), allowed.origin());
    assert_eq!(header("access-control-max-age"), "3600");
    assert!(header("access-control-allow-headers").to_lowercase().contains("idempotency-key"));
    assert_eq!(header("access-control-allow-credentials"), "", "no cookies: credentials travel in headers");
    let stranger_preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/customers"))
        .header("origin", stranger.origin())
        .header("access-control-request-method", "GET")
        .send()
        .await
        .expect("preflight");
    assert!(stranger_preflight.headers().get("access-control-allow-origin").is_none());
}

mod cors {
    #[tokio::test]
    async fn sqlite() {
        super::a_frontend_on_an_allowed_origin_reads_the_api_and_others_are_blocked(e2e_tests::Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        super::a_frontend_on_an_allowed_origin_reads_the_api_and_others_are_blocked(e2e_tests::Backend::Postgres).await;
    }
}
