//! Telling mail scanners from people. Every tracking event is `human` or
//! `automated`, with the reasons that decided it. Security gateways
//! (Microsoft Safe Links, Proofpoint, Mimecast, Gmail's image proxy) open
//! and click every message seconds after delivery; counting those as people
//! makes a campaign look far worse than it is. The rules, in order:
//!
//! - `honeypot`: every message carries a link no person can see; whoever
//!   follows it is a machine, and so is everything the same source did for
//!   that recipient within a minute either side of it;
//! - `head_request`: a `HEAD` request (link checkers; browsers send `GET`);
//! - `scanner_user_agent`: a user agent of a known scanner, proxy, headless
//!   browser or HTTP library ([`SCANNER_AGENTS`]);
//! - `too_soon_after_delivery`: a click or submission within the MSP's
//!   click delay (default [`DEFAULT_CLICK_DELAY_SECONDS`] s) of delivery;
//! - `burst`: one source acting for [`BURST_RECIPIENTS`] or more recipients
//!   of the campaign within [`BURST_WINDOW_SECONDS`] s (a gateway that
//!   checks a whole delivery at once);
//! - `denied_source`: a source in the MSP's deny list.
//!
//! A source in the MSP's allow list (say, the customer's office) is exempt
//! from the timing rules (`too_soon_after_delivery`, `burst`), never from
//! the evidence in the request itself.

use std::net::IpAddr;

use chrono::{DateTime, TimeDelta, Utc};
use ipnet::IpNet;

use crate::spelling::spelled_enum;

spelled_enum! {
    /// What a recipient (or something acting for them) did.
    pub enum EventKind {
        /// The open pixel was loaded.
        Opened => "opened",
        /// A link of the message was followed.
        Clicked => "clicked",
        /// The landing page's form was submitted (field names only are kept).
        Submitted => "submitted",
        /// The message was reported as phishing.
        Reported => "reported",
        /// The hidden honeypot link was followed.
        Honeypot => "honeypot",
    }
}

spelled_enum! {
    /// Whether a person or a machine did it.
    pub enum Classification {
        /// A person: counts in the rates.
        Human => "human",
        /// A scanner, proxy or other machine: shown, never counted in rates.
        Automated => "automated",
    }
}

spelled_enum! {
    /// Why an event was classified as it was.
    pub enum Reason {
        /// The honeypot link was followed (by this event, or by its source for this recipient within a minute).
        Honeypot => "honeypot",
        /// A `HEAD` request.
        HeadRequest => "head_request",
        /// A known scanner, proxy, headless browser or HTTP library.
        ScannerUserAgent => "scanner_user_agent",
        /// Sooner after delivery than the MSP's click delay.
        TooSoonAfterDelivery => "too_soon_after_delivery",
        /// One source acting for several recipients within seconds.
        Burst => "burst",
        /// A source in the MSP's deny list.
        DeniedSource => "denied_source",
        /// An admin set the classification by hand.
        Reclassified => "reclassified",
    }
}

/// The click delay an MSP starts with, in seconds.
pub const DEFAULT_CLICK_DELAY_SECONDS: i64 = 15;

/// The longest click delay an MSP may set, in seconds.
pub const MAX_CLICK_DELAY_SECONDS: i64 = 3600;

/// How far either side of a honeypot hit the same source's events count as the machine's.
pub const HONEYPOT_WINDOW: TimeDelta = TimeDelta::seconds(60);

/// The seconds within which one source acting for several recipients is a burst.
pub const BURST_WINDOW_SECONDS: i64 = 10;

/// Distinct recipients (this one included) one source must act for within
/// [`BURST_WINDOW_SECONDS`] to be a burst.
pub const BURST_RECIPIENTS: i64 = 3;

/// Lower-case fragments of user agents that are machines: gateways and
/// link scanners, image proxies, headless browsers, HTTP libraries and
/// command-line clients.
pub const SCANNER_AGENTS: &[&str] = &[
    "googleimageproxy",
    "ggpht.com",
    "yahoomailproxy",
    "headlesschrome",
    "phantomjs",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "httpx",
    "curl/",
    "wget/",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww-perl",
    "apache-httpclient",
    "node-fetch",
    "axios/",
    "bot",
    "spider",
    "crawler",
    "scanner",
    "safelinks",
    "proofpoint",
    "mimecast",
    "barracuda",
    "microsoft office existence discovery",
    "microsoft-webdav-miniredir",
    "skypeuripreview",
    "slackbot",
    "preview",
];

/// The MSP's tracking settings that classification reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassificationPolicy {
    /// Clicks and submissions sooner than this after delivery are automated.
    pub click_delay: TimeDelta,
    /// Sources exempt from the timing rules.
    pub allowed_sources: Vec<IpNet>,
    /// Sources whose events are always automated.
    pub denied_sources: Vec<IpNet>,
}

impl Default for ClassificationPolicy {
    fn default() -> Self {
        Self {
            click_delay: TimeDelta::seconds(DEFAULT_CLICK_DELAY_SECONDS),
            allowed_sources: Vec::new(),
            denied_sources: Vec::new(),
        }
    }
}

/// What is known about one tracking request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation<'a> {
    /// What it was.
    pub kind: EventKind,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// When the message was delivered (`None` if it never was: a stray hit).
    pub delivered_at: Option<DateTime<Utc>>,
    /// Whether the request was a `HEAD`.
    pub head: bool,
    /// Its user agent.
    pub user_agent: Option<&'a str>,
    /// Its source address.
    pub source: Option<IpAddr>,
    /// Whether the same source followed this recipient's honeypot link within [`HONEYPOT_WINDOW`].
    pub honeypot_nearby: bool,
    /// Distinct other recipients of the campaign the same source acted for within [`BURST_WINDOW_SECONDS`].
    pub other_recipients_from_source: i64,
}

/// A classification and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Human or automated.
    pub classification: Classification,
    /// The rules that fired (empty for a human).
    pub reasons: Vec<Reason>,
}

/// Whether `user_agent` names a machine (see [`SCANNER_AGENTS`]); an
/// empty or missing one is a machine too, browsers always send one.
pub fn is_scanner_agent(user_agent: Option<&str>) -> bool {
    match user_agent.map(str::trim) {
        None | Some("") => true,
        Some(agent) => {
            let agent = agent.to_ascii_lowercase();
            SCANNER_AGENTS.iter().any(|fragment| agent.contains(fragment))
        }
    }
}

fn listed(source: Option<IpAddr>, list: &[IpNet]) -> bool {
    source.is_some_and(|ip| list.iter().any(|net| net.contains(&ip)))
}

/// Classifies one event under `policy`. A report is a person's act by
/// construction (a button in the mail client, or an admin), so it is human
/// unless its source is denied.
pub fn classify(observation: &Observation<'_>, policy: &ClassificationPolicy) -> Verdict {
    let mut reasons = Vec::new();
    let denied = listed(observation.source, &policy.denied_sources);
    if observation.kind == EventKind::Reported {
        if denied {
            reasons.push(Reason::DeniedSource);
        }
        return verdict(reasons);
    }
    if observation.kind == EventKind::Honeypot || observation.honeypot_nearby {
        reasons.push(Reason::Honeypot);
    }
    if observation.head {
        reasons.push(Reason::HeadRequest);
    }
    if is_scanner_agent(observation.user_agent) {
        reasons.push(Reason::ScannerUserAgent);
    }
    let allowed = listed(observation.source, &policy.allowed_sources);
    let acts = matches!(observation.kind, EventKind::Clicked | EventKind::Submitted);
    if !allowed && acts && observation.delivered_at.is_some_and(|at| observation.at - at < policy.click_delay) {
        reasons.push(Reason::TooSoonAfterDelivery);
    }
    if !allowed && observation.other_recipients_from_source + 1 >= BURST_RECIPIENTS {
        reasons.push(Reason::Burst);
    }
    if denied {
        reasons.push(Reason::DeniedSource);
    }
    verdict(reasons)
}

fn verdict(reasons: Vec<Reason>) -> Verdict {
    let classification = if reasons.is_empty() { Classification::Human } else { Classification::Automated };
    Verdict { classification, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default()
    }

    const BROWSER: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

    fn click(seconds_after_delivery: i64) -> Observation<'static> {
        Observation {
            kind: EventKind::Clicked,
            at: at(seconds_after_delivery),
            delivered_at: Some(at(0)),
            head: false,
            user_agent: Some(BROWSER),
            source: "198.51.100.7".parse().ok(),
            honeypot_nearby: false,
            other_recipients_from_source: 0,
        }
    }

    #[test]
    fn a_person_clicking_a_minute_after_delivery_is_human() {
        let verdict = classify(&click(60), &ClassificationPolicy::default());
        assert_eq!(verdict, Verdict { classification: Classification::Human, reasons: vec![] });
    }

    #[test]
    fn a_gateway_clicking_at_once_with_its_own_agent_is_automated_for_both_reasons() {
        let observation = Observation { user_agent: Some("python-requests/2.32"), ..click(2) };
        let verdict = classify(&observation, &ClassificationPolicy::default());
        assert_eq!(verdict.classification, Classification::Automated);
        assert_eq!(verdict.reasons, vec![Reason::ScannerUserAgent, Reason::TooSoonAfterDelivery]);
    }

    #[test]
    fn the_click_delay_is_the_msps() {
        let policy = ClassificationPolicy { click_delay: TimeDelta::seconds(120), ..ClassificationPolicy::default() };
        assert_eq!(classify(&click(60), &policy).reasons, vec![Reason::TooSoonAfterDelivery]);
        assert_eq!(classify(&click(120), &policy).classification, Classification::Human);
    }

    #[test]
    fn opens_are_never_too_soon_but_image_proxies_are_machines() {
        let open = Observation { kind: EventKind::Opened, ..click(1) };
        assert_eq!(classify(&open, &ClassificationPolicy::default()).classification, Classification::Human);
        let proxy = Observation { user_agent: Some("Mozilla/5.0 (via ggpht.com GoogleImageProxy)"), ..open };
        assert_eq!(classify(&proxy, &ClassificationPolicy::default()).reasons, vec![Reason::ScannerUserAgent]);
    }

    #[test]
    fn honeypots_heads_missing_agents_and_headless_browsers_are_machines() {
        let policy = ClassificationPolicy::default();
        let honeypot = Observation { kind: EventKind::Honeypot, ..click(300) };
        assert_eq!(classify(&honeypot, &policy).reasons, vec![Reason::Honeypot]);
        let near = Observation { honeypot_nearby: true, ..click(300) };
        assert_eq!(classify(&near, &policy).reasons, vec![Reason::Honeypot]);
        let head = Observation { head: true, ..click(300) };
        assert_eq!(classify(&head, &policy).reasons, vec![Reason::HeadRequest]);
        let none = Observation { user_agent: None, ..click(300) };
        assert_eq!(classify(&none, &policy).reasons, vec![Reason::ScannerUserAgent]);
        let headless = Observation { user_agent: Some("Mozilla/5.0 HeadlessChrome/131.0"), ..click(300) };
        assert_eq!(classify(&headless, &policy).reasons, vec![Reason::ScannerUserAgent]);
    }

    #[test]
    fn a_burst_is_three_recipients_from_one_source_unless_the_source_is_allowed() {
        let policy = ClassificationPolicy::default();
        assert_eq!(classify(&Observation { other_recipients_from_source: 1, ..click(300) }, &policy).reasons, vec![]);
        let burst = Observation { other_recipients_from_source: 2, ..click(300) };
        assert_eq!(classify(&burst, &policy).reasons, vec![Reason::Burst]);
        let office = ClassificationPolicy {
            allowed_sources: vec!["198.51.100.0/24".parse().unwrap_or_else(|_| unreachable!())],
            ..ClassificationPolicy::default()
        };
        assert_eq!(classify(&burst, &office).classification, Classification::Human);
        let soon = Observation { other_recipients_from_source: 2, ..click(1) };
        assert_eq!(classify(&soon, &office).classification, Classification::Human);
    }

    #[test]
    fn denied_sources_are_machines_even_when_they_report() {
        let policy = ClassificationPolicy {
            denied_sources: vec!["198.51.100.7/32".parse().unwrap_or_else(|_| unreachable!())],
            ..ClassificationPolicy::default()
        };
        assert_eq!(classify(&click(300), &policy).reasons, vec![Reason::DeniedSource]);
        let report = Observation { kind: EventKind::Reported, user_agent: None, ..click(1) };
        assert_eq!(classify(&report, &policy).reasons, vec![Reason::DeniedSource]);
        assert_eq!(classify(&report, &ClassificationPolicy::default()).classification, Classification::Human);
    }
}
