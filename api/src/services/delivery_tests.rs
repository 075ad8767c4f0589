//! A delivery test: a real mail through the SMTP relay to an address of the
//! customer, with a link whose opening confirms that mail arrives.

use domain::accounts::AccountEmail;
use domain::audit::AuditAction;
use domain::onboarding::DeliveryTestStatus;
use persistence::customers::CustomerRecord;
use persistence::onboarding::{self as store, DeliveryTestRecord};
use serde_json::json;

use crate::auth::refresh_tokens::{random_token, storage_hash};
use crate::auth::{AuditEvent, Caller};
use crate::db;
use crate::error::ApiError;
use crate::resources::onboarding::DeliveryTest;
use crate::state::AppState;

/// Sends the test mail to `recipient` (an address of `customer`'s domains),
/// with a link to `confirm_url`, and records what the relay answered.
pub async fn run(
    state: &AppState,
    caller: &Caller,
    customer: &CustomerRecord,
    recipient: &AccountEmail,
    confirm_url: &str,
) -> Result<DeliveryTest, ApiError> {
    let token = random_token();
    let link = format!("{confirm_url}?token={token}");
    let subject = format!("Delivery test: phishing simulation mail for {}", customer.name);
    let text = format!(
        "This is a delivery test of security-awareness simulation mail for {}.\n\n\
         It proves that simulation mail reaches this mailbox past the filters. Open this link to confirm that it \
         arrived:\n\n{link}\n\nNo action beyond opening the link is needed.\n",
        customer.name
    );
    let sent = state.delivery.send(recipient.as_str(), &subject, &text).await;
    let (status, relay_response) = match sent {
        Ok(_) if !state.delivery.has_relay() => (DeliveryTestStatus::Failed, crate::mail::NOT_SENT.to_owned()),
        Ok(answer) => (DeliveryTestStatus::Sent, answer),
        Err(refusal) => (DeliveryTestStatus::Failed, refusal),
    };
    let at = state.now();
    let record = DeliveryTestRecord {
        id: persistence::new_id(),
        msp_id: customer.msp_id.clone(),
        customer_id: customer.id.clone(),
        recipient: recipient.as_str().to_owned(),
        token_hash: storage_hash(&token),
        status,
        relay_response: Some(relay_response),
        created_at: at.naive_utc(),
        created_by: caller.actor.label.clone(),
        confirmed_at: None,
    };
    let test = DeliveryTest::from(record.clone());
    let caller = caller.clone();
    db::write(&state.pool, move |tx| {
        store::insert_delivery_test(tx, &record)?;
        caller.record(
            tx,
            AuditEvent::new(&record.msp_id, AuditAction::OnboardingDeliveryTest, &record.customer_id, at)
                .after(&json!({ "recipient": record.recipient, "status": record.status.as_str() })),
        )?;
        Ok(())
    })
    .await?;
    Ok(test)
}
