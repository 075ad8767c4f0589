//! The SMTP sink tests read the product's mail from.

use std::time::Duration;

/// A real SMTP server on loopback (Python's aiosmtpd, installed by `make
/// test` into `target/pydeps`, run by `support/smtp_sink.py`) that stores
/// every message it receives in a Maildir, for tests that read what the
/// product e-mailed. Recipients named `tempfail…` are refused with 451 the
/// first time, `reject…` always with 550.
pub struct SmtpSink {
    child: std::process::Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts a sink on a free port and waits until it accepts connections.
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        Self::start_on(port).await
    }

    /// Starts a sink on `port` (a relay that comes back where it was).
    pub async fn start_on(port: u16) -> Self {
        let pydeps = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/pydeps");
        assert!(
            pydeps.join("aiosmtpd").exists(),
            "aiosmtpd is missing from {}: run `make test` (or `make pydeps`) once to install it",
            pydeps.display()
        );
        let maildir = tempfile::tempdir().expect("maildir");
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("support/smtp_sink.py");
        let child = std::process::Command::new("python3")
            .env("PYTHONPATH", &pydeps)
            .arg(script)
            .arg(format!("127.0.0.1:{port}"))
            .arg(maildir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd starts");
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(std::time::Instant::now() < deadline, "the SMTP sink did not start on port {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self { child, port, maildir }
    }

    /// The `SMTP_URL` that points the server at this sink.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// How many messages arrived so far.
    pub fn count(&self) -> usize {
        std::fs::read_dir(self.maildir.path().join("mail/new")).map(|d| d.flatten().count()).unwrap_or(0)
    }

    /// Every message received so far, exactly as it arrived.
    pub fn raw_messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail/new");
        let mut files: Vec<_> =
            std::fs::read_dir(&new).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        files.sort();
        files.iter().filter_map(|path| std::fs::read_to_string(path).ok()).collect()
    }

    /// Waits (polling, up to `timeout`) until at least `count` messages
    /// arrived, and returns them as they arrived.
    pub async fn wait_for_count(&self, count: usize, timeout: Duration) -> Vec<String> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let messages = self.raw_messages();
            if messages.len() >= count || std::time::Instant::now() >= deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every message received so far, as raw text (headers and body, with
    /// quoted-printable soft line breaks and `=3D` undone).
    pub fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail/new");
        let mut files: Vec<_> =
            std::fs::read_dir(&new).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .map(|raw| raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "="))
            .collect()
    }

    /// Waits (polling, up to 20 s) for a message to `recipient` and returns it.
    pub async fn wait_for(&self, recipient: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let wanted = format!("To: {recipient}");
            if let Some(message) =
                self.messages().into_iter().find(|m| m.lines().any(|l| l.eq_ignore_ascii_case(&wanted)))
            {
                return message;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no e-mail to {recipient} arrived; got {:?}",
                self.messages()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The token of the set-password link in an e-mail.
pub fn link_token(message: &str) -> String {
    let start =
        message.find("/set-password?token=").expect("a set-password link in the e-mail") + "/set-password?token=".len();
    message[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}
