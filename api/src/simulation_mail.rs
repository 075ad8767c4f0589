//! A simulated phishing message as it goes out: sender on the simulation
//! domain, a `Message-ID` on that domain, the header the allowlisting kit
//! names (so that gateways recognise simulations), a plain-text and an HTML
//! part; and what the relay's answer to it means.

use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm, DkimSigningKey,
};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncTransport, Message};

use domain::campaigns::sending::RelayAnswer;

use crate::mail::Delivery;
use crate::services::allowlisting::SIMULATION_HEADER;

/// The header that marks a simulation, valued with the customer's id.
#[derive(Debug, Clone)]
struct SimulationMarker(String);

impl Header for SimulationMarker {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str(SIMULATION_HEADER)
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// The header that carries the message's tracking token, for the report
/// button of a mail add-in (`POST /t/report`).
pub const TRACKING_HEADER: &str = "X-MSP-Portal-Tracking";

#[derive(Debug, Clone)]
struct TrackingToken(String);

impl Header for TrackingToken {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str(TRACKING_HEADER)
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// The DKIM key simulations are signed with: a selector and an RSA private
/// key (PKCS#1 PEM), checked when read.
#[derive(Clone)]
pub struct DkimKey {
    selector: String,
    pem: String,
}

impl std::fmt::Debug for DkimKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DkimKey").field("selector", &self.selector).finish_non_exhaustive()
    }
}

impl DkimKey {
    /// The key in `pem`, published under `selector`.
    pub fn from_pem(selector: &str, pem: &str) -> Result<Self, String> {
        DkimSigningKey::new(pem, DkimSigningAlgorithm::Rsa)
            .map_err(|e| format!("not an RSA private key (PKCS#1 PEM): {e}"))?;
        let selector = selector.trim();
        if selector.is_empty() || !selector.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
            return Err(format!("DKIM_SELECTOR {selector:?} is not a DNS label"));
        }
        Ok(Self { selector: selector.to_owned(), pem: pem.to_owned() })
    }

    /// The signing configuration for `domain`: the sender, recipient,
    /// subject, date, message id and the simulation header are signed,
    /// relaxed canonicalisation (relays rewrap headers).
    pub fn config(&self, domain: &str) -> Result<DkimConfig, String> {
        let key = DkimSigningKey::new(&self.pem, DkimSigningAlgorithm::Rsa).map_err(|e| e.to_string())?;
        let headers = ["From", "To", "Subject", "Date", "Message-ID", SIMULATION_HEADER]
            .into_iter()
            .map(HeaderName::new_from_ascii_str)
            .collect();
        let canonicalization =
            DkimCanonicalization { header: DkimCanonicalizationType::Relaxed, body: DkimCanonicalizationType::Relaxed };
        Ok(DkimConfig::new(self.selector.clone(), domain.to_owned(), key, headers, canonicalization))
    }
}

/// One simulated message, rendered.
#[derive(Debug, Clone)]
pub struct Simulation<'a> {
    /// The sender's display name.
    pub from_name: &'a str,
    /// The sender's address (on the simulation domain).
    pub from_address: &'a str,
    /// The recipient's name.
    pub to_name: Option<&'a str>,
    /// The recipient's address.
    pub to_address: &'a str,
    /// Subject.
    pub subject: &'a str,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: String,
    /// The recipient's id: the `Message-ID`'s left side.
    pub recipient_id: &'a str,
    /// The simulation domain: the `Message-ID`'s right side.
    pub simulation_domain: &'a str,
    /// The customer: the simulation header's value.
    pub customer_id: &'a str,
    /// The recipient's tracking token.
    pub token: &'a str,
}

/// The message, signed with `dkim` when given, or why it cannot be
/// written (an address that is not one).
pub fn message(simulation: Simulation<'_>, dkim: Option<&DkimConfig>) -> Result<Message, String> {
    let from = Mailbox::new(
        Some(simulation.from_name.to_owned()),
        simulation.from_address.parse().map_err(|e| format!("sender address: {e}"))?,
    );
    let to = Mailbox::new(
        simulation.to_name.map(str::to_owned),
        simulation.to_address.parse().map_err(|e| format!("recipient address: {e}"))?,
    );
    let mut message = Message::builder()
        .from(from)
        .to(to)
        .subject(simulation.subject)
        .message_id(Some(format!("<{}@{}>", simulation.recipient_id, simulation.simulation_domain)))
        .header(SimulationMarker(simulation.customer_id.to_owned()))
        .header(TrackingToken(simulation.token.to_owned()))
        .multipart(MultiPart::alternative_plain_html(simulation.text, simulation.html))
        .map_err(|e| format!("message: {e}"))?;
    if let Some(dkim) = dkim {
        message.sign(dkim);
    }
    Ok(message)
}

impl Delivery {
    /// Sends `message` through the relay (the pooled connection) and says
    /// what its answer means. Without a relay, the message is logged and
    /// counts as accepted.
    pub async fn relay(&self, message: Message) -> RelayAnswer {
        match self {
            Self::Log => {
                log::info!("simulation (no SMTP_URL set, not sent): {}", String::from_utf8_lossy(&message.formatted()));
                RelayAnswer::Accepted(crate::mail::NOT_SENT.to_owned())
            }
            Self::Smtp { transport, .. } => match transport.send(message).await {
                Ok(response) => RelayAnswer::Accepted(format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                )),
                Err(error) => {
                    let text = error.to_string();
                    if error.is_transient() {
                        RelayAnswer::Transient(text)
                    } else if error.is_permanent() {
                        RelayAnswer::Permanent(text)
                    } else {
                        RelayAnswer::Unreachable(text)
                    }
                }
            },
        }
    }
}
