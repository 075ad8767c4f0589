//! Outgoing e-mail: the messages the product writes, and the job handler
//! that delivers the outbox, one message per job (SMTP through lettre when
//! `SMTP_URL` is set, the log otherwise).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use persistence::outbox::OutboxRecord;

use domain::email_delivery::{SendStep, send_step};
use domain::jobs::{RUN_LIMIT, is_last_attempt};

use crate::jobs::{Handler, JobContext};

/// The link that lets an admin set a password with `token`.
pub fn set_password_link(public_url: &str, token: &str) -> String {
    format!("{}/set-password?token={token}", public_url.trim_end_matches('/'))
}

/// Subject and body of the welcome e-mail of a new admin.
pub fn invitation(msp_name: &str, link: &str, expires_at: DateTime<Utc>) -> (String, String) {
    let subject = format!("You have been invited to the {msp_name} MSP portal");
    let body = format!(
        "Hello,\n\nyou have been added as an admin of {msp_name} in the MSP portal.\n\n\
         Set your password here (the link works once, until {} UTC):\n\n{link}\n\n\
         Then sign in with this e-mail address.\n\nIf you did not expect this, ignore this message.\n",
        expires_at.format("%Y-%m-%d %H:%M")
    );
    (subject, body)
}

/// Subject and body of a password reset e-mail.
pub fn password_reset(link: &str, expires_at: DateTime<Utc>) -> (String, String) {
    let subject = "Reset your MSP portal password".to_owned();
    let body = format!(
        "Hello,\n\nsomeone asked to reset the password of this e-mail address in the MSP portal.\n\n\
         Set a new password here (the link works once, until {} UTC):\n\n{link}\n\n\
         If it was not you, ignore this message: your password stays as it is.\n",
        expires_at.format("%Y-%m-%d %H:%M")
    );
    (subject, body)
}

/// The answer of [`Delivery::send`] without a relay.
pub const NOT_SENT: &str = "not sent: no SMTP relay is configured (SMTP_URL), the message was written to the log";

/// Where the sender delivers.
#[derive(Clone)]
pub enum Delivery {
    /// An SMTP relay.
    Smtp {
        /// The transport, from `SMTP_URL`.
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The `From` of every message.
        from: Mailbox,
    },
    /// No relay configured: messages are written to the log.
    Log,
}

impl Delivery {
    /// From `SMTP_URL` (`smtp://host:port`, `smtps://…`, `smtp://…?tls=required`)
    /// and `MAIL_FROM`, or [`Delivery::Log`] without a URL.
    pub fn from_settings(smtp_url: Option<&str>, mail_from: &str) -> Result<Self, String> {
        let Some(url) = smtp_url else { return Ok(Self::Log) };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = mail_from.parse::<Mailbox>().map_err(|e| format!("MAIL_FROM: {e}"))?;
        Ok(Self::Smtp { transport, from })
    }

    async fn deliver(&self, message: &OutboxRecord) -> Result<(), String> {
        self.send(&message.recipient, &message.subject, &message.body).await.map(|_| ())
    }

    /// Sends one message now. `Ok` carries the relay's answer (`250 …`);
    /// `Err` what went wrong, the relay's refusal included. Without a relay
    /// the message is written to the log and the answer says so.
    pub async fn send(&self, recipient: &str, subject: &str, body: &str) -> Result<String, String> {
        match self {
            Self::Log => {
                log::info!("e-mail (no SMTP_URL set, not sent) to {recipient}: {subject}\n{body}");
                Ok(NOT_SENT.to_owned())
            }
            Self::Smtp { transport, from } => {
                let to = recipient.parse::<Mailbox>().map_err(|e| format!("recipient: {e}"))?;
                let email = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .body(body.to_owned())
                    .map_err(|e| format!("message: {e}"))?;
                let response = transport.send(email).await.map_err(|e| e.to_string())?;
                Ok(format!("{} {}", response.code(), response.message().collect::<Vec<_>>().join(" ")))
            }
        }
    }

    /// Whether mail really leaves the server.
    pub fn has_relay(&self) -> bool {
        matches!(self, Self::Smtp { .. })
    }
}

/// The handler of `domain::email_delivery::SEND_EMAIL_JOB`: sends the
/// queued message its job names through `delivery` and records the outcome
/// on the message. A failed delivery fails the attempt, so the runner tries
/// again with back-off; after the last attempt the message is failed.
pub fn send_queued(delivery: Delivery) -> Handler {
    Arc::new(move |context: JobContext| {
        let delivery = delivery.clone();
        Box::pin(async move { send_one(&delivery, &context).await })
    })
}

async fn send_one(delivery: &Delivery, context: &JobContext) -> Result<(), String> {
    let id = persistence::outbox::message_of_send_job(&context.job.payload)
        .ok_or_else(|| format!("the payload names no message: {}", context.job.payload))?;
    let now = context.clock.now();
    // Held for as long as this attempt may run, so that no sender of an
    // older version (which claims messages itself) sends it meanwhile.
    let claimed = {
        let id = id.clone();
        crate::jobs::blocking(&context.pool, move |conn| {
            let taken = persistence::outbox::claim_for_sending(conn, &id, now, now + RUN_LIMIT)?;
            Ok((taken, persistence::outbox::find(conn, &id)?))
        })
        .await
    };
    let (taken, message) = claimed.map_err(|e| format!("claiming message {id}: {e}"))?;
    // Gone: nothing to send.
    let Some(message) = message else { return Ok(()) };
    if !taken {
        let at_utc = |t: Option<chrono::NaiveDateTime>| t.map(|t| t.and_utc());
        return match send_step(at_utc(message.sent_at), at_utc(message.failed_at), at_utc(message.locked_until), now) {
            SendStep::Done => Ok(()),
            SendStep::HeldUntil(until) => Err(format!("another sender holds message {id} until {until}")),
            SendStep::Send => Err(format!("message {id} was held when claimed; it is tried again")),
        };
    }
    let outcome = delivery.deliver(&message).await;
    let (done_at, given_up) = (context.clock.now(), is_last_attempt(context.job.attempts, context.job.max_attempts));
    let error = outcome.as_ref().err().cloned();
    let recorded = crate::jobs::blocking(&context.pool, move |conn| match &error {
        None => persistence::outbox::mark_sent(conn, &id, done_at),
        Some(error) => persistence::outbox::mark_failed(conn, &id, error, done_at, given_up),
    })
    .await;
    if let Err(error) = recorded {
        log::error!("outbox: the delivery of {} could not be recorded: {error}", message.id);
    }
    outcome.map_err(|error| format!("delivery to {} failed: {error}", message.recipient))
}
