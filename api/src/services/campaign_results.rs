//! What admins do with a campaign's results: read its events, set an
//! event human or automated by hand, and enter a report a recipient made
//! another way (a phone call, a forwarded message). Both changes are
//! recounted like any tracking event and audited.

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use domain::campaigns::classify::{Classification, EventKind};
use persistence::DbConnection;
use persistence::campaign_events::{self as events, EventFilter, EventRecord};

use crate::auth::{AuditEvent, Caller};
use crate::resources::campaign_results::CampaignEvent;
use crate::services::campaigns::{CampaignError, campaign};
use crate::services::tracking::{self, Hit, TrackingError};

impl From<TrackingError> for CampaignError {
    fn from(error: TrackingError) -> Self {
        match error {
            TrackingError::UnknownRecipient => Self::NotFound,
            TrackingError::Store(error) => Self::Store(error),
        }
    }
}

/// Up to `limit` events of campaign `id` matching `filter`, after `after`.
pub fn list_events(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    id: &str,
    filter: &EventFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<EventRecord>, CampaignError> {
    campaign(conn, msp_id, customer_id, id)?;
    Ok(events::list(conn, msp_id, id, filter, after, limit)?)
}

#[allow(clippy::too_many_arguments)]
/// Sets event `event_id` of campaign `id` human or automated; audited.
pub fn reclassify_event(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    id: &str,
    event_id: &str,
    classification: Classification,
    at: DateTime<Utc>,
) -> Result<CampaignEvent, CampaignError> {
    campaign(tx, msp_id, customer_id, id)?;
    let event = events::find(tx, msp_id, id, event_id)?.ok_or(CampaignError::NotFound)?;
    let (before, after) =
        tracking::reclassify(tx, &event.recipient_id, event_id, classification, &caller.actor.label, at)?;
    let (before, after) = (CampaignEvent::from(before), CampaignEvent::from(after));
    caller.record(
        tx,
        AuditEvent::new(msp_id, AuditAction::CampaignEventReclassified, id, at).before(&before).after(&after),
    )?;
    Ok(after)
}

/// Records that recipient `recipient_id` of campaign `id` reported the
/// message, as an admin entered it; audited.
pub fn enter_report(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    id: &str,
    recipient_id: &str,
    at: DateTime<Utc>,
) -> Result<CampaignEvent, CampaignError> {
    campaign(tx, msp_id, customer_id, id)?;
    let target = events::target(tx, recipient_id)?.ok_or(CampaignError::NotFound)?;
    if target.campaign_id != id || target.msp_id != msp_id {
        return Err(CampaignError::NotFound);
    }
    let hit = Hit {
        kind: EventKind::Reported,
        head: false,
        user_agent: None,
        source: None,
        field_names: None,
        reported_via: Some("admin"),
    };
    let (_, event) = tracking::record(tx, recipient_id, &hit, at)?;
    let event = CampaignEvent::from(event);
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::CampaignReportEntered, id, at).after(&event))?;
    Ok(event)
}
