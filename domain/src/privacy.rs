//! Personal data in results, and how it is taken out. Customers are mostly
//! in the EU: an end user can be erased (their address, name and external
//! id replaced or removed everywhere, while counts, rates and MAA stay as
//! they were), and campaign results can be pseudonymised after the MSP's
//! retention period. Both use the same stable pseudonym per account, so
//! that one person's results still line up across campaigns.

use chrono::{DateTime, TimeDelta, Utc};

/// The domain of pseudonymous addresses: `.invalid` never resolves.
pub const PSEUDONYM_DOMAIN: &str = "pseudonymised.invalid";

/// The stable pseudonymous address of account `account_id`.
pub fn pseudonymous_address(account_id: &str) -> String {
    let compact: String = account_id.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("person-{compact}@{PSEUDONYM_DOMAIN}")
}

/// When the results of a campaign completed at `completed_at` are due to
/// be pseudonymised under `retention_days` (`None`: never).
pub fn pseudonymise_at(completed_at: DateTime<Utc>, retention_days: Option<i64>) -> Option<DateTime<Utc>> {
    retention_days.map(|days| completed_at + TimeDelta::days(days))
}

/// An account that is still active: it is deactivated (or deleted) before
/// it is erased, so that no campaign targets an address that no longer
/// reaches anyone and its seat is given back the usual way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the account is active; deactivate or delete it before erasing it")]
pub struct StillActive;

/// Whether an account with `status` may be erased.
pub fn may_erase(status: crate::maa::AccountStatus) -> Result<(), StillActive> {
    match status {
        crate::maa::AccountStatus::Active => Err(StillActive),
        crate::maa::AccountStatus::Inactive => Ok(()),
    }
}

/// The JSON string literal of `value` (quoted and escaped), as it appears
/// in stored JSON: what is replaced when a value is erased from a document,
/// so that only whole values are, never parts of other text.
pub fn json_literal(value: &str) -> String {
    serde_json::Value::String(value.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_per_account_and_never_deliverable() {
        let id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(pseudonymous_address(id), "person-0193a1b2c3d47e5f8a9b0c1d2e3f4a5b@pseudonymised.invalid");
        assert_eq!(pseudonymous_address(id), pseudonymous_address(id));
        assert_ne!(pseudonymous_address(id), pseudonymous_address("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"));
    }

    #[test]
    fn retention_counts_from_completion_and_none_keeps() {
        let done = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert_eq!(pseudonymise_at(done, Some(30)), Some(done + TimeDelta::days(30)));
        assert_eq!(pseudonymise_at(done, None), None);
        assert_eq!(json_literal("Ann \"Lee\""), "\"Ann \\\"Lee\\\"\"");
    }

    #[test]
    fn only_inactive_accounts_are_erased() {
        assert_eq!(may_erase(crate::maa::AccountStatus::Active), Err(StillActive));
        assert_eq!(may_erase(crate::maa::AccountStatus::Inactive), Ok(()));
    }
}
