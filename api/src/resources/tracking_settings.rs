//! An MSP's tracking settings as the API shows them.

use domain::campaigns::tracking_settings::TrackingSettings;
use serde::Serialize;
use utoipa::ToSchema;

/// How tracking tells scanners from people, and how long results keep personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrackingSettingsResource {
    /// Clicks and form submissions sooner than this many seconds after delivery are `automated`
    /// (mail gateways check links at once). 0-3600; default 15.
    #[schema(example = 15)]
    pub click_delay_seconds: i64,
    /// Addresses or ranges that are people (say, a customer's office behind one address): exempt
    /// from the timing and burst rules, never from the evidence in the request itself.
    #[schema(example = json!(["198.51.100.0/24"]))]
    pub allowed_sources: Vec<String>,
    /// Addresses or ranges whose events are always `automated` (a known gateway).
    #[schema(example = json!(["203.0.113.9/32"]))]
    pub denied_sources: Vec<String>,
    /// Days after a campaign completes when its results are pseudonymised (names and addresses
    /// replaced by stable pseudonyms; counts and rates kept); `null` keeps them.
    #[schema(example = 365)]
    pub result_retention_days: Option<i64>,
}

impl From<&TrackingSettings> for TrackingSettingsResource {
    fn from(s: &TrackingSettings) -> Self {
        Self {
            click_delay_seconds: s.click_delay_seconds,
            allowed_sources: s.allowed_sources.iter().map(ToString::to_string).collect(),
            denied_sources: s.denied_sources.iter().map(ToString::to_string).collect(),
            result_retention_days: s.result_retention_days,
        }
    }
}
