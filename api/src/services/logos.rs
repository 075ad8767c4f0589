//! Storing a customer's logo (already decoded and checked by
//! `domain::branding`), which also marks the branding step as touched.

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use domain::branding::Logo;
use domain::onboarding::Step;
use persistence::DbConnection;
use persistence::onboarding::{self as store, LogoRecord};
use serde_json::json;

use crate::auth::refresh_tokens::sha256_hex;
use crate::auth::{AuditEvent, Caller};
use crate::error::ApiError;
use crate::resources::onboarding::{LogoUploaded, onboarding_path};
use crate::services::onboarding::find_customer;

/// Replaces customer `id`'s logo with `logo` and audits it (without the
/// content, with its hash).
pub fn store(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    logo: &Logo,
    at: DateTime<Utc>,
) -> Result<LogoUploaded, ApiError> {
    find_customer(tx, msp_id, id)?;
    let record = LogoRecord {
        customer_id: id.to_owned(),
        msp_id: msp_id.to_owned(),
        content_type: logo.format().content_type().to_owned(),
        width: i64::from(logo.width()),
        height: i64::from(logo.height()),
        sha256: sha256_hex(logo.bytes()),
        content: logo.bytes().to_vec(),
        uploaded_at: at.naive_utc(),
        uploaded_by: caller.actor.label.clone(),
    };
    store::put_logo(tx, &record)?;
    store::touch_step(tx, msp_id, id, Step::Branding, &caller.actor.label, at.naive_utc())?;
    let after = json!({ "content_type": record.content_type, "width": record.width, "height": record.height,
        "sha256": record.sha256 });
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::CustomerLogoUploaded, id, at).after(&after))?;
    Ok(LogoUploaded {
        size_bytes: i64::try_from(record.content.len()).unwrap_or(i64::MAX),
        content_type: record.content_type,
        width: record.width,
        height: record.height,
        uploaded_at: at,
        url: format!("{}/branding/logo", onboarding_path(id)),
    })
}
