//! Whom a campaign targets: every active account of the customer, or some
//! of its account groups and/or departments, minus excluded accounts and
//! groups. Only active accounts are ever targeted.

use serde::{Deserialize, Serialize};

/// Most ids or departments in one list of a target.
pub const MAX_ENTRIES: usize = 1000;

/// Targets as clients send them and storage keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetsSpec {
    /// Every active account (the default when nothing else is named).
    pub all_active: Option<bool>,
    /// Accounts in any of these account groups …
    pub account_group_ids: Option<Vec<String>>,
    /// … or in any of these departments.
    pub departments: Option<Vec<String>>,
    /// Never these accounts.
    pub exclude_account_ids: Option<Vec<String>>,
    /// Never the accounts of these groups.
    pub exclude_account_group_ids: Option<Vec<String>>,
}

/// Checked targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// Every active account; when false, those of `account_group_ids` or `departments`.
    pub all_active: bool,
    /// Groups whose members are targeted.
    pub account_group_ids: Vec<String>,
    /// Departments whose accounts are targeted (exact spelling).
    pub departments: Vec<String>,
    /// Accounts left out.
    pub exclude_account_ids: Vec<String>,
    /// Groups whose members are left out.
    pub exclude_account_group_ids: Vec<String>,
}

/// One problem of a target, at a pointer relative to the targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetsProblem {
    /// Where.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl Targets {
    /// Every active account, nobody excluded.
    pub fn everyone() -> Self {
        Self {
            all_active: true,
            account_group_ids: Vec::new(),
            departments: Vec::new(),
            exclude_account_ids: Vec::new(),
            exclude_account_group_ids: Vec::new(),
        }
    }

    /// Checks `spec`; every problem is reported.
    pub fn parse(spec: &TargetsSpec) -> Result<Self, Vec<TargetsProblem>> {
        let mut problems = Vec::new();
        let mut ids = |name: &str, raw: &Option<Vec<String>>| -> Vec<String> {
            let raw = raw.clone().unwrap_or_default();
            if raw.len() > MAX_ENTRIES {
                problems.push(TargetsProblem {
                    pointer: format!("/{name}"),
                    message: format!("must list at most {MAX_ENTRIES}"),
                });
            }
            for (i, id) in raw.iter().enumerate() {
                if uuid::Uuid::parse_str(id).is_err() {
                    problems.push(TargetsProblem {
                        pointer: format!("/{name}/{i}"),
                        message: "must be an id (UUID)".to_owned(),
                    });
                }
            }
            dedup(raw)
        };
        let account_group_ids = ids("account_group_ids", &spec.account_group_ids);
        let exclude_account_ids = ids("exclude_account_ids", &spec.exclude_account_ids);
        let exclude_account_group_ids = ids("exclude_account_group_ids", &spec.exclude_account_group_ids);
        let departments = spec.departments.clone().unwrap_or_default();
        if departments.len() > MAX_ENTRIES {
            problems.push(TargetsProblem {
                pointer: "/departments".to_owned(),
                message: format!("must list at most {MAX_ENTRIES}"),
            });
        }
        for (i, department) in departments.iter().enumerate() {
            if department.trim().is_empty()
                || department.chars().count() > 100
                || department.chars().any(char::is_control)
            {
                problems.push(TargetsProblem {
                    pointer: format!("/departments/{i}"),
                    message: "must be a department name of 1-100 characters".to_owned(),
                });
            }
        }
        let departments = dedup(departments);
        let narrowed = !account_group_ids.is_empty() || !departments.is_empty();
        let all_active = match spec.all_active {
            Some(true) if narrowed => {
                problems.push(TargetsProblem {
                    pointer: "/all_active".to_owned(),
                    message: "cannot be combined with account_group_ids or departments".to_owned(),
                });
                true
            }
            Some(false) if !narrowed => {
                problems.push(TargetsProblem {
                    pointer: "/all_active".to_owned(),
                    message: "is false, so name account_group_ids or departments to target".to_owned(),
                });
                false
            }
            Some(all) => all,
            None => !narrowed,
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self { all_active, account_group_ids, departments, exclude_account_ids, exclude_account_group_ids })
    }

    /// The canonical spec: every list present.
    pub fn to_spec(&self) -> TargetsSpec {
        TargetsSpec {
            all_active: Some(self.all_active),
            account_group_ids: Some(self.account_group_ids.clone()),
            departments: Some(self.departments.clone()),
            exclude_account_ids: Some(self.exclude_account_ids.clone()),
            exclude_account_group_ids: Some(self.exclude_account_group_ids.clone()),
        }
    }

    /// Every account group id named, targeted or excluded.
    pub fn group_ids(&self) -> impl Iterator<Item = &String> {
        self.account_group_ids.iter().chain(&self.exclude_account_group_ids)
    }
}

fn dedup(mut values: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    values.retain(|v| seen.insert(v.clone()));
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_named_means_everyone_and_narrowing_needs_no_flag() {
        assert_eq!(Targets::parse(&TargetsSpec::default()), Ok(Targets::everyone()));
        let finance = TargetsSpec {
            departments: Some(vec!["Finance".to_owned(), "Finance".to_owned()]),
            ..TargetsSpec::default()
        };
        let parsed = Targets::parse(&finance).unwrap_or_else(|_| Targets::everyone());
        assert!(!parsed.all_active);
        assert_eq!(parsed.departments, ["Finance"]);
        assert_eq!(Targets::parse(&parsed.to_spec()), Ok(parsed));
    }

    #[test]
    fn contradictions_and_bad_ids_are_refused_at_their_pointer() {
        let spec = TargetsSpec {
            all_active: Some(true),
            departments: Some(vec!["Sales".to_owned(), " ".to_owned()]),
            exclude_account_ids: Some(vec!["nope".to_owned()]),
            ..TargetsSpec::default()
        };
        let pointers: Vec<String> = Targets::parse(&spec).unwrap_err().into_iter().map(|p| p.pointer).collect();
        assert_eq!(pointers, ["/exclude_account_ids/0", "/departments/1", "/all_active"]);
        let empty = TargetsSpec { all_active: Some(false), ..TargetsSpec::default() };
        assert!(Targets::parse(&empty).is_err());
    }
}
