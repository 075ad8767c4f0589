//! Campaigns: phishing simulations per customer — their definition, the
//! state machine (launch, pause, resume, cancel, complete, with the launch
//! gates), their recipients and planned send times, and the counts and
//! lists across all customers.

pub mod definitions;
pub mod export;
pub mod portfolio;
pub mod recipients;
pub mod results;
pub mod transitions;

use chrono::{DateTime, Utc};
use domain::campaigns::CampaignKind;
use domain::campaigns::lifecycle::CampaignStatus;

use crate::error::{ApiError, InvalidField};

/// The collection of a customer's campaigns.
fn customer_path(customer_id: &str) -> String {
    format!("/api/v1/customers/{customer_id}/campaigns")
}

fn ids_of(ids: &[uuid::Uuid]) -> Vec<String> {
    ids.iter().map(ToString::to_string).collect()
}

/// `?status=a,b`.
fn statuses_param(raw: Option<&str>) -> Result<Vec<CampaignStatus>, ApiError> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    raw.split(',')
        .map(|s| s.trim().parse::<CampaignStatus>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::InvalidParameters(vec![InvalidField::parameter("status", e)]))
}

/// `?kind=`.
fn kind_param(raw: Option<&str>) -> Result<Option<CampaignKind>, ApiError> {
    raw.map(|k| k.trim().parse::<CampaignKind>())
        .transpose()
        .map_err(|e| ApiError::InvalidParameters(vec![InvalidField::parameter("kind", e)]))
}

/// A date-time query parameter (RFC 3339).
fn instant_param(name: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.map(|t| DateTime::parse_from_rfc3339(t.trim()).map(|t| t.with_timezone(&Utc))).transpose().map_err(|_| {
        ApiError::InvalidParameters(vec![InvalidField::parameter(
            name,
            "must be an RFC 3339 date-time, like 2027-01-15T00:00:00Z",
        )])
    })
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(portfolio::__path_list_campaigns, portfolio::list_campaigns);
    ops.add(portfolio::__path_count_campaigns, portfolio::count_campaigns);
    ops.add(portfolio::__path_count_customer_campaigns, portfolio::count_customer_campaigns);
    ops.add(definitions::__path_list_customer_campaigns, definitions::list_customer_campaigns);
    ops.add(definitions::__path_create_campaign, definitions::create_campaign);
    ops.add(definitions::__path_get_campaign, definitions::get_campaign);
    ops.add(definitions::__path_update_campaign, definitions::update_campaign);
    ops.add(definitions::__path_delete_campaign, definitions::delete_campaign);
    ops.add(transitions::__path_check_campaign_launch, transitions::check_campaign_launch);
    ops.add(transitions::__path_launch_campaign, transitions::launch_campaign);
    ops.add(transitions::__path_pause_campaign, transitions::pause_campaign);
    ops.add(transitions::__path_resume_campaign, transitions::resume_campaign);
    ops.add(transitions::__path_cancel_campaign, transitions::cancel_campaign);
    ops.add(transitions::__path_complete_campaign, transitions::complete_campaign);
    ops.add(export::__path_export_campaign_recipients, export::export_campaign_recipients);
    ops.add(recipients::__path_list_campaign_recipients, recipients::list_campaign_recipients);
    ops.add(results::__path_enter_recipient_report, results::enter_recipient_report);
    ops.add(results::__path_get_campaign_results, results::get_campaign_results);
    ops.add(results::__path_get_campaign_report, results::get_campaign_report);
    ops.add(results::__path_list_campaign_events, results::list_campaign_events);
    ops.add(results::__path_reclassify_campaign_event, results::reclassify_campaign_event);
}
