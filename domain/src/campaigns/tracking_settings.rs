//! An MSP's tracking settings: how soon after delivery a click is taken for
//! a scanner's, which source addresses are always people's offices or
//! always machines, and how long results keep names and addresses before
//! they are pseudonymised.

use ipnet::IpNet;

use super::classify::{DEFAULT_CLICK_DELAY_SECONDS, MAX_CLICK_DELAY_SECONDS};
use crate::client_address::parse_ranges;

/// Fewest days results may keep personal data.
pub const MIN_RETENTION_DAYS: i64 = 30;
/// Most days results may keep personal data (ten years).
pub const MAX_RETENTION_DAYS: i64 = 3650;
/// Most entries in a source list.
pub const MAX_SOURCES: usize = 100;

/// Tracking settings, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingSettings {
    /// Clicks and submissions sooner than this many seconds after delivery are automated.
    pub click_delay_seconds: i64,
    /// Sources exempt from the timing rules.
    pub allowed_sources: Vec<IpNet>,
    /// Sources whose events are always automated.
    pub denied_sources: Vec<IpNet>,
    /// Days after a campaign completes when its results are pseudonymised; `None` keeps them.
    pub result_retention_days: Option<i64>,
}

impl Default for TrackingSettings {
    fn default() -> Self {
        Self {
            click_delay_seconds: DEFAULT_CLICK_DELAY_SECONDS,
            allowed_sources: Vec::new(),
            denied_sources: Vec::new(),
            result_retention_days: None,
        }
    }
}

/// A change as sent: each field optional (`result_retention_days` may be
/// set to `null`, hence the double option).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackingSettingsChange {
    /// New click delay.
    pub click_delay_seconds: Option<i64>,
    /// New allow list.
    pub allowed_sources: Option<Vec<String>>,
    /// New deny list.
    pub denied_sources: Option<Vec<String>>,
    /// New retention (`Some(None)`: keep results).
    pub result_retention_days: Option<Option<i64>>,
}

/// What is wrong with a change, at its JSON pointer.
pub type Problems = Vec<(String, String)>;

fn sources(pointer: &str, list: &[String], problems: &mut Problems) -> Vec<IpNet> {
    if list.len() > MAX_SOURCES {
        problems.push((pointer.to_owned(), format!("at most {MAX_SOURCES} entries")));
        return Vec::new();
    }
    let mut parsed = Vec::with_capacity(list.len());
    for (n, entry) in list.iter().enumerate() {
        match parse_ranges(entry) {
            Ok(nets) if nets.len() == 1 => parsed.extend(nets),
            _ => {
                problems.push((format!("{pointer}/{n}"), "must be an IP address or a range such as 10.0.0.0/8".into()))
            }
        }
    }
    parsed
}

impl TrackingSettings {
    /// These settings with `change` applied, or every problem of it.
    pub fn changed(&self, change: &TrackingSettingsChange) -> Result<Self, Problems> {
        let mut problems = Problems::new();
        let mut next = self.clone();
        if let Some(delay) = change.click_delay_seconds {
            if (0..=MAX_CLICK_DELAY_SECONDS).contains(&delay) {
                next.click_delay_seconds = delay;
            } else {
                problems.push(("/click_delay_seconds".into(), format!("must be 0-{MAX_CLICK_DELAY_SECONDS} seconds")));
            }
        }
        if let Some(list) = &change.allowed_sources {
            next.allowed_sources = sources("/allowed_sources", list, &mut problems);
        }
        if let Some(list) = &change.denied_sources {
            next.denied_sources = sources("/denied_sources", list, &mut problems);
        }
        if let Some(retention) = change.result_retention_days {
            match retention {
                Some(days) if !(MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&days) => problems.push((
                    "/result_retention_days".into(),
                    format!("must be {MIN_RETENTION_DAYS}-{MAX_RETENTION_DAYS} days, or null to keep results"),
                )),
                other => next.result_retention_days = other,
            }
        }
        if problems.is_empty() { Ok(next) } else { Err(problems) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_applies_what_it_names_and_reports_every_problem() {
        let change = TrackingSettingsChange {
            click_delay_seconds: Some(30),
            allowed_sources: Some(vec!["198.51.100.0/24".into(), "2001:db8::1".into()]),
            ..TrackingSettingsChange::default()
        };
        let next = TrackingSettings::default().changed(&change).unwrap_or_default();
        assert_eq!(next.click_delay_seconds, 30);
        assert_eq!(next.allowed_sources.len(), 2);
        assert_eq!(next.result_retention_days, None);
        let bad = TrackingSettingsChange {
            click_delay_seconds: Some(-1),
            denied_sources: Some(vec!["10.0.0.0/8".into(), "not an address".into(), "1.2.3.4, 5.6.7.8".into()]),
            result_retention_days: Some(Some(5)),
            ..TrackingSettingsChange::default()
        };
        let problems = TrackingSettings::default().changed(&bad).err().unwrap_or_default();
        let pointers: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            pointers,
            ["/click_delay_seconds", "/denied_sources/1", "/denied_sources/2", "/result_retention_days"]
        );
        let kept = TrackingSettingsChange { result_retention_days: Some(None), ..TrackingSettingsChange::default() };
        let with_retention = TrackingSettings { result_retention_days: Some(90), ..TrackingSettings::default() };
        assert_eq!(with_retention.changed(&kept).map(|s| s.result_retention_days), Ok(None));
    }
}
