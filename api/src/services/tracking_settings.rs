//! An MSP's tracking settings: read, and changed with an audit event.

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use domain::campaigns::lifecycle::CampaignStatus;
use domain::campaigns::tracking_settings::{TrackingSettings, TrackingSettingsChange};
use persistence::campaigns::CampaignFilter;
use persistence::{DbConnection, StoreError};

use crate::auth::{AuditEvent, Caller};
use crate::error::{ApiError, InvalidField};
use crate::resources::tracking_settings::TrackingSettingsResource;

/// The settings of `msp_id`.
pub fn settings(conn: &mut DbConnection, msp_id: &str) -> Result<TrackingSettings, StoreError> {
    persistence::msps::tracking_settings(conn, msp_id)?
        .ok_or_else(|| StoreError::Corrupt(format!("msp {msp_id} missing")))
}

/// Applies `change` to the settings of `msp_id`; audited.
pub fn change(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    change: &TrackingSettingsChange,
    at: DateTime<Utc>,
) -> Result<TrackingSettingsResource, ApiError> {
    let before = settings(tx, msp_id)?;
    let after = before.changed(change).map_err(|problems| {
        ApiError::Validation(
            problems.into_iter().map(|(pointer, message)| InvalidField::at(&pointer, message)).collect(),
        )
    })?;
    persistence::msps::set_tracking_settings(tx, msp_id, &after, at)?;
    if after.result_retention_days.is_some() && after.result_retention_days != before.result_retention_days {
        // Campaigns completed before the period was set are due under it too.
        let completed = CampaignFilter { statuses: vec![CampaignStatus::Completed], ..CampaignFilter::default() };
        for campaign in persistence::campaigns::list(tx, msp_id, &completed, None, i64::from(u16::MAX))? {
            if let Some(done) = campaign.completed_at {
                crate::services::erasure::schedule_pseudonymising(tx, msp_id, &campaign.id, done, at)?;
            }
        }
    }
    let (before, after) = (TrackingSettingsResource::from(&before), TrackingSettingsResource::from(&after));
    caller.record(
        tx,
        AuditEvent::new(msp_id, AuditAction::TrackingSettingsChanged, msp_id, at).before(&before).after(&after),
    )?;
    Ok(after)
}
