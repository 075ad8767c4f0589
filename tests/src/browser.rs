//! A real browser for the tests of what browsers do: Debian's Chromium,
//! headless, driven over WebDriver (`chromedriver`, from Debian's
//! `chromium-driver`, which `.ci/run` installs) with `fantoccini`; and a
//! static page server on a second loopback origin, for pages that call the
//! API from elsewhere.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

/// Where Debian installs the browser and its driver.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
}

async fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "{what} did not start on port {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `chromedriver` in a process group of its own, killed with the Chromium
/// it started when dropped — also when a test fails before its session
/// opens — so that no browser outlives the test process.
struct DriverProcess(Child);

impl Drop for DriverProcess {
    fn drop(&mut self) {
        // The group id is the driver's pid (`process_group(0)`).
        let group = format!("-{}", self.0.id());
        let killed_group = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !killed_group {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// A headless Chromium session; the driver is killed when dropped.
pub struct Browser {
    /// The WebDriver session (dropped before its driver).
    pub client: Client,
    _driver: DriverProcess,
}

impl Browser {
    /// Starts `chromedriver` and opens a headless session.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Like [`Browser::start`], with more Chromium arguments (such as
    /// `--user-agent=…`: headless Chromium names itself `HeadlessChrome`,
    /// which tracking rightly takes for a machine).
    pub async fn start_with(extra_args: &[&str]) -> Self {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "{CHROMIUM} and {CHROMEDRIVER} are missing: install Debian's chromium and chromium-driver (.ci/run does)"
        );
        let port = free_port();
        let driver = DriverProcess(
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .process_group(0)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts"),
        );
        wait_for_port(port, "chromedriver").await;
        let args: Vec<&str> = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
            .into_iter()
            .chain(extra_args.iter().copied())
            .collect();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": args,
            },
        });
        let Value::Object(capabilities) = capabilities else { unreachable!("an object") };
        // The driver is on loopback: plain HTTP, no TLS stack.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Self { _driver: driver, client }
    }

    /// Opens `url` and runs `script` in it as an async script: its last
    /// argument is the callback it must call with its result.
    pub async fn run(&self, url: &str, script: &str, args: Vec<Value>) -> Value {
        self.client.goto(url).await.expect("the page opens");
        self.client.execute_async(script, args).await.expect("the script runs")
    }
}

/// A static site on its own loopback origin (`python3 -m http.server`),
/// serving `index.html`.
pub struct PageServer {
    child: Child,
    port: u16,
    _root: tempfile::TempDir,
}

impl PageServer {
    /// Serves `html` as `/index.html` on a free port.
    pub async fn start(html: &str) -> Self {
        let root = tempfile::tempdir().expect("site folder");
        std::fs::write(root.path().join("index.html"), html).expect("page written");
        let port = free_port();
        let child = Command::new("python3")
            .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server starts");
        wait_for_port(port, "the page server").await;
        Self { child, port, _root: root }
    }

    /// The site's origin, as a browser sends it.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The page's URL.
    pub fn page(&self) -> String {
        format!("{}/index.html", self.origin())
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
