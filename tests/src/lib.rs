//! Harness of the end-to-end tests: a real server on a random port, over a
//! fresh database of its own, on SQLite or PostgreSQL.
//!
//! PostgreSQL comes from `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); every test creates its own
//! database there and drops it afterwards. When PostgreSQL does not answer,
//! the PostgreSQL half of the suite is skipped with one loud line, unless `CI`
//! is set, where that is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod browser;
mod mail_sink;

pub use mail_sink::{SmtpSink, link_token};

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

use api::auth::tokens::TokenKeys;
use api::clock::Clock;
use api::config::Settings;
use api::startup::Application;
use persistence::database::PoolOptions;
use persistence::{DatabaseUrl, DbPool, provisioning};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

/// The HMAC secret of every test server, so tests can forge tokens.
pub const TEST_JWT_SECRET: &[u8] = b"e2e-test-secret-e2e-test-secret-0123456789";

/// `PUBLIC_URL` of every test server: e-mailed links start with it.
pub const PUBLIC_URL: &str = "http://portal.test";

/// The password of every seeded admin.
pub const PASSWORD: &str = "correct horse battery staple";

/// Which storage a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A new database on the test PostgreSQL server.
    Postgres,
}

enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { server_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { server_url, name } = self
            && let Err(error) = provisioning::drop_postgres_database(server_url, name)
        {
            let _ = writeln!(std::io::stderr(), "could not drop test database {name}: {error}");
        }
    }
}

/// A running server and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// HTTP client (no redirects followed).
    pub client: reqwest::Client,
    /// A pool on the server's database, to check what was stored.
    pub pool: DbPool,
    /// Which backend this is.
    pub backend: Backend,
    /// The server's database, for a second server on it.
    pub database_url: String,
    /// The server's clock: move it forward with [`TestApp::advance_clock`]
    /// instead of sleeping or back-dating rows.
    pub clock: Clock,
    /// The server's job runner, which tests drive: see [`TestApp::run_due_jobs`].
    pub jobs: api::jobs::JobRunner,
    // Dropped last: the database outlives the pool above.
    _database: TestDatabase,
}

/// The PostgreSQL server URL, or `None` when PostgreSQL is skipped.
fn postgres_server() -> Option<&'static str> {
    static SERVER: OnceLock<Option<String>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let url = std::env::var("TEST_DATABASE_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
            // libpq's messages span lines; the skip notice is one line.
            let one_line = |error: diesel::ConnectionError| error.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
            match provisioning::postgres_answers(&url).map_err(one_line) {
                Ok(()) => Some(url),
                Err(error) if std::env::var_os("CI").is_some() => {
                    panic!("PostgreSQL at {url} does not answer ({error}) and CI is set: refusing to skip")
                }
                Err(error) => {
                    // Written past the test harness's capture so that it is seen.
                    let _ = writeln!(
                        std::io::stderr(),
                        "\n!!!!! PostgreSQL at {url} does not answer ({error}): ALL POSTGRESQL TESTS ARE SKIPPED !!!!!\n"
                    );
                    None
                }
            }
        })
        .as_deref()
}

/// A migrated SQLite file, made once per test process; each test copies it
/// instead of running every migration again.
fn sqlite_template() -> &'static std::path::Path {
    static TEMPLATE: OnceLock<std::path::PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = tempfile::Builder::new().prefix("msp-template-").tempdir().expect("template folder").keep();
        let path = dir.join("template.db");
        migrate(&DatabaseUrl::Sqlite(path.clone()));
        // Closing the last connection checkpoints the write-ahead log into
        // the file; a copy of a file whose log still holds pages would miss
        // migrations, so say so instead of failing tests obscurely.
        let wal = dir.join("template.db-wal");
        let pending = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert_eq!(pending, 0, "the template's write-ahead log was not checkpointed ({})", wal.display());
        path
    })
}

/// A migrated PostgreSQL database on `server_url`, named after the
/// migrations it holds and made once (by whichever process gets there
/// first); each test creates its database from it with `CREATE DATABASE …
/// TEMPLATE`, which copies files instead of running every migration again.
fn postgres_template(server_url: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("msp_template_{:016x}", migrations_fingerprint());
        if provisioning::postgres_database_exists(server_url, &name).expect("look for the template") {
            return name;
        }
        let building = format!("{name}_{}", uuid::Uuid::now_v7().simple());
        provisioning::create_postgres_database(server_url, &building).expect("create the template");
        migrate(&DatabaseUrl::Postgres(provisioning::with_database(server_url, &building)));
        if let Err(error) = provisioning::rename_postgres_database(server_url, &building, &name) {
            // Another process made it meanwhile: use theirs. Any other
            // failure would leave no template, so it stops the tests here.
            let _ = provisioning::drop_postgres_database(server_url, &building);
            let made_elsewhere = provisioning::postgres_database_exists(server_url, &name).unwrap_or(false);
            assert!(made_elsewhere, "the template database {name} could not be put in place: {error}");
        }
        name
    })
}

/// Applies every migration at `url`, then closes every connection.
fn migrate(url: &DatabaseUrl) {
    let pool = persistence::database::connect(url, &PoolOptions::default()).expect("template database");
    let mut conn = pool.get().expect("template connection");
    persistence::migrations::run_pending(&mut conn).expect("migrations on the template");
}

/// A fingerprint of the PostgreSQL migrations' text: a changed migration
/// makes a new template.
fn migrations_fingerprint() -> u64 {
    use std::hash::{Hash, Hasher};
    fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("migrations folder").flatten() {
            let path = entry.path();
            if path.is_dir() { walk(&path, files) } else { files.push(path) }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut hasher = std::hash::DefaultHasher::new();
    for file in files {
        file.strip_prefix(&root).unwrap_or(&file).hash(&mut hasher);
        std::fs::read(&file).expect("migration file").hash(&mut hasher);
    }
    hasher.finish()
}

/// Starts a server on `backend`, or returns `None` when that backend is
/// skipped (PostgreSQL unavailable outside CI).
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with the server's settings adjusted by `configure`
/// (pool size, timeouts, workers…) before it starts.
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    let (database_url, database) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temporary folder");
            let path = dir.path().join("portal.db");
            let template = tokio::task::spawn_blocking(sqlite_template).await.expect("join");
            std::fs::copy(template, &path).expect("copy of the migrated SQLite file");
            (DatabaseUrl::Sqlite(path), TestDatabase::Sqlite(dir))
        }
        Backend::Postgres => {
            // A panic here (PostgreSQL down while CI is set) must fail the
            // test, not read as "skipped": re-raise it.
            let server_url = tokio::task::spawn_blocking(|| postgres_server().map(str::to_owned))
                .await
                .unwrap_or_else(|join_error| std::panic::resume_unwind(join_error.into_panic()))?;
            let name = format!("msp_test_{}", uuid::Uuid::now_v7().simple());
            let (server, db) = (server_url.clone(), name.clone());
            tokio::task::spawn_blocking(move || {
                let template = postgres_template(&server);
                provisioning::create_postgres_database_from(&server, &db, template)
            })
            .await
            .expect("join")
            .expect("create test database");
            let url = provisioning::with_database(&server_url, &name);
            (DatabaseUrl::Postgres(url), TestDatabase::Postgres { server_url, name })
        }
    };
    let mut settings = Settings {
        database_url,
        bind_addr: "127.0.0.1:0".to_owned(),
        jwt_secret: Some(TEST_JWT_SECRET.to_vec()),
        body_limit: api::json::DEFAULT_BODY_LIMIT,
        pool: PoolOptions { max_size: 4, connection_timeout: Duration::from_secs(10) },
        workers: Some(1),
        handle_signals: false,
        smtp_url: None,
        mail_from: api::config::DEFAULT_MAIL_FROM.to_owned(),
        public_url: PUBLIC_URL.to_owned(),
        simulation_domain: api::config::DEFAULT_SIMULATION_DOMAIN.to_owned(),
        tracking_secret: None,
        dkim: None,
        login_policy: domain::login_protection::LoginPolicy::default(),
        attention_days: domain::onboarding::DEFAULT_ATTENTION_DAYS,
        clock: Clock::adjustable(),
        cors_allowed_origins: Vec::new(),
        trusted_proxies: domain::client_address::TrustedProxies::none(),
        forwarding_header: domain::client_address::ForwardingHeader::default(),
        // Tests run due jobs themselves (`TestApp::run_due_jobs`), under their clock.
        jobs: api::jobs::RunnerOptions { enabled: false, ..Default::default() },
        job_handlers: api::jobs::Handlers::default(),
    };
    configure(&mut settings);
    let database_url = match &settings.database_url {
        DatabaseUrl::Sqlite(path) => path.display().to_string(),
        DatabaseUrl::Postgres(url) => url.clone(),
    };
    let clock = settings.clock.clone();
    let app = Application::build(settings).await.expect("server starts");
    let address = format!("http://{}", app.local_addr());
    let pool = app.pool();
    let jobs = app.jobs();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    Some(TestApp { address, client, pool, backend, database_url, clock, jobs, _database: database })
}

/// Job handlers for the tests of the job runner: `probe` succeeds, `flaky`
/// always fails (its error names its payload), `panicky` panics, `stuck`
/// never finishes.
pub fn probe_handlers() -> api::jobs::Handlers {
    use std::sync::Arc;
    let stuck: api::jobs::Handler = Arc::new(|_| Box::pin(std::future::pending()));
    let flaky: api::jobs::Handler =
        Arc::new(|context| Box::pin(async move { Err(format!("relay said no to {}", context.job.payload)) }));
    let panicky: api::jobs::Handler = Arc::new(|_| Box::pin(async { panic!("a handler bug") }));
    api::jobs::Handlers::default()
        .with("probe", Arc::new(|_| Box::pin(async { Ok(()) })))
        .with("flaky", flaky)
        .with("panicky", panicky)
        .with("stuck", stuck)
}

/// An MSP with a signed-in owner.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The MSP's id.
    pub msp_id: String,
    /// The owner's id.
    pub admin_id: String,
    /// The owner's e-mail.
    pub email: String,
    /// A valid access token of the owner.
    pub token: String,
    /// The matching refresh token.
    pub refresh_token: String,
}

/// Another server process on a [`TestApp`]'s database (see
/// `bin/portal_node.rs`); killed when dropped.
pub struct ServerProcess {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    child: std::process::Child,
}

impl ServerProcess {
    /// The operating system's id of the process (for its memory, say).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process at once (SIGKILL): no shutdown, no cleanup, like
    /// a machine losing power.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TestApp {
    /// Moves the server's clock forward by `by`.
    pub fn advance_clock(&self, by: chrono::TimeDelta) {
        self.clock.advance(by).expect("the test clock moves forward");
    }

    /// Runs every job due now (by the server's clock) until none is left.
    pub async fn run_due_jobs(&self) -> api::jobs::RoundReport {
        self.jobs.run_until_idle().await.expect("jobs run")
    }

    /// The server's current time.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Starts a second server, in its own OS process, on this server's
    /// database. `binary` is `env!("CARGO_BIN_EXE_portal-node")`, which only
    /// the test targets know.
    pub async fn spawn_process(&self, binary: &str) -> ServerProcess {
        self.spawn_process_with(binary, &[]).await
    }

    /// Like [`TestApp::spawn_process`], with more environment variables
    /// (e.g. `JOB_CONCURRENCY`).
    pub async fn spawn_process_with(&self, binary: &str, env: &[(&str, &str)]) -> ServerProcess {
        use std::io::BufRead;
        let mut child = std::process::Command::new(binary)
            .envs(env.iter().copied())
            .env("DATABASE_URL", &self.database_url)
            .env("JWT_SECRET", std::str::from_utf8(TEST_JWT_SECRET).unwrap())
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("HTTP_WORKERS", "2")
            .env("DATABASE_POOL_SIZE", "4")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("portal-node starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufReader::new(stdout).read_line(&mut line).map(|_| line)
        })
        .await
        .expect("join")
        .expect("portal-node prints its address");
        let address = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("portal-node said {line:?}"));
        ServerProcess { address: address.to_owned(), child }
    }

    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Keys that sign tokens this server accepts.
    pub fn token_keys(&self) -> TokenKeys {
        TokenKeys::new(TEST_JWT_SECRET)
    }

    /// Creates an MSP and its owner the way `msp-portal bootstrap` does.
    pub async fn bootstrap(&self, msp_name: &str, email: &str) -> api::bootstrap::Bootstrapped {
        let pool = self.pool.clone();
        let (msp_name, email) = (msp_name.to_owned(), email.to_owned());
        let at = self.now();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("connection");
            api::bootstrap::bootstrap(
                &mut conn,
                &msp_name,
                &email,
                Some(PASSWORD.to_owned()),
                &domain::msps::MspLimits::starter(),
                at,
            )
        })
        .await
        .expect("join")
        .expect("bootstrap")
    }

    /// Creates an MSP and signs its owner in.
    pub async fn tenant(&self, msp_name: &str) -> Tenant {
        let email = format!("owner@{}.example", msp_name.to_lowercase().replace(' ', "-"));
        let made = self.bootstrap(msp_name, &email).await;
        let tokens = self.login(&email, PASSWORD).await;
        Tenant {
            msp_id: made.msp.id,
            admin_id: made.owner.id,
            email,
            token: tokens["access_token"].as_str().expect("access token").to_owned(),
            refresh_token: tokens["refresh_token"].as_str().expect("refresh token").to_owned(),
        }
    }

    /// Signs in and returns the token response, asserting success.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let response = self.post("/api/v1/auth/login", None, &json!({ "email": email, "password": password })).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {email} failed");
        response.json().await.expect("json")
    }

    /// `GET path`, with a bearer token if given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.send(self.client.get(self.url(path)), token).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send(self.client.post(self.url(path)).json(body), token).await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send(self.client.patch(self.url(path)).json(body), token).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.send(self.client.delete(self.url(path)), token).await
    }

    async fn send(&self, request: reqwest::RequestBuilder, token: Option<&str>) -> Response {
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        request.send().await.expect("request reaches the server")
    }

    /// Creates a customer and returns its JSON, asserting a 201.
    pub async fn create_customer(&self, tenant: &Tenant, name: &str, domains: &[&str]) -> Value {
        self.create_customer_from(tenant, json!({ "name": name, "domains": domains, "country": "DE" })).await
    }

    /// Creates a customer from a whole request body (seats, tier…) and
    /// returns its JSON, asserting a 201.
    pub async fn create_customer_from(&self, tenant: &Tenant, body: Value) -> Value {
        let response = self.post("/api/v1/customers", Some(&tenant.token), &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "creating {body}");
        response.json().await.expect("json")
    }

    /// Invites a standard admin of `owner`'s MSP with `extras` (no mail);
    /// returns the created admin and the token of their set-password link.
    pub async fn invite_admin(&self, owner: &Tenant, email: &str, extras: &[&str]) -> (Value, String) {
        let body = json!({ "email": email, "role": "standard", "permissions": extras, "notify": false });
        let response = self.post("/api/v1/admins", Some(&owner.token), &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "inviting {email}");
        let created: Value = response.json().await.expect("json");
        let url = created["invitation"]["set_password_url"].as_str().expect("a set-password link").to_owned();
        let token = url.split_once("?token=").expect("?token= in the link").1.to_owned();
        (created["admin"].clone(), token)
    }

    /// A second admin of `owner`'s MSP: invited with `extras`, password set
    /// from the link to [`PASSWORD`], signed in; returns their access token.
    pub async fn second_admin(&self, owner: &Tenant, email: &str, extras: &[&str]) -> String {
        let (_, token) = self.invite_admin(owner, email, extras).await;
        let set = self.post("/api/v1/auth/set-password", None, &json!({ "token": token, "password": PASSWORD })).await;
        assert_eq!(set.status(), StatusCode::NO_CONTENT, "setting {email}'s password");
        self.login(email, PASSWORD).await["access_token"].as_str().expect("an access token").to_owned()
    }

    /// Creates a platform operator with [`PASSWORD`] the way `msp-portal
    /// bootstrap-operator` does, signs them in and returns their token.
    pub async fn operator_token(&self, email: &str) -> String {
        let (address, at) = (email.to_owned(), self.now());
        self.with_db(move |conn| {
            api::bootstrap::bootstrap_operator(conn, &address, Some(PASSWORD.to_owned()), at).unwrap()
        })
        .await;
        let login =
            self.post("/api/v1/platform/auth/login", None, &json!({ "email": email, "password": PASSWORD })).await;
        assert_eq!(login.status(), StatusCode::OK, "operator login");
        login.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }

    /// Sets the limits of `tenant`'s MSP straight in storage, as an operator
    /// would.
    pub async fn set_limits(&self, tenant: &Tenant, limits: domain::msps::MspLimits) {
        let (msp_id, at) = (tenant.msp_id.clone(), self.now());
        self.with_db(move |conn| persistence::msps::update_limits(conn, &msp_id, &limits, at).unwrap()).await;
    }

    /// Runs `work` on a connection to the server's database.
    pub async fn with_db<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut persistence::DbConnection) -> T + Send + 'static,
    ) -> T {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || work(&mut pool.get().expect("connection"))).await.expect("join")
    }
}

/// Asserts that `response` is a problem+json with `status` and `code`, and
/// carries a request id; returns the problem.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    assert!(response.headers().contains_key("x-request-id"), "X-Request-Id missing");
    let content_type =
        response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status.as_u16(), "problem status: {body}");
    assert_eq!(body["code"], code, "problem code: {body}");
    assert_eq!(body["type"], format!("urn:msp-portal:problem:{code}"));
    assert!(body["title"].is_string() && body["detail"].is_string(), "title and detail: {body}");
    body
}

/// Runs each scenario — a plain `async fn NAME(app: TestApp)` of the same
/// file, which rustfmt formats like any function — twice, as the tests
/// `NAME::sqlite` and `NAME::postgres`, each on a fresh database of its own.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::spawn_app($crate::Backend::Sqlite).await.expect("SQLite is always available");
                super::$name(app).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(app) = $crate::spawn_app($crate::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )+};
}

/// A real PNG of `width` × `height`; `noise` fills it with pixels that do not
/// compress, to make it big.
pub fn png_image(width: u32, height: u32, noise: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let mut state = 0x2545_f491_u32;
    let pixels: Vec<u8> = (0..width * height * 4)
        .map(|i| {
            if !noise {
                return (i % 251) as u8;
            }
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    bytes
}
