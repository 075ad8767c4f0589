//! Admins of an MSP: roles and the password policy.

use std::fmt;

use crate::access::ExtraPermissions;
use crate::email::EmailAddress;
use crate::spelling::spelled_enum;

spelled_enum! {
    /// What an admin may do. Owners manage other admins; standard admins do
    /// everything else.
    pub enum AdminRole {
        /// Full control of the MSP, including its admins.
        Owner => "owner",
        /// Every permission except managing admins.
        Standard => "standard",
    }
}

/// A password chosen by an admin that meets the policy: 12 to 256
/// characters, and not containing the local part of the admin's e-mail
/// address (the most common weak choice). Only its hash is ever stored.
pub struct NewPassword(String);

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`NewPassword::MIN_CHARS`] characters.
    #[error("must be at least {min} characters")]
    TooShort {
        /// The minimum.
        min: usize,
    },
    /// More than [`NewPassword::MAX_CHARS`] characters.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The maximum.
        max: usize,
    },
    /// Contains the e-mail's local part, in any case.
    #[error("must not contain the name part of the e-mail address")]
    ContainsEmail,
}

impl NewPassword {
    /// Fewest characters accepted.
    pub const MIN_CHARS: usize = 12;
    /// Most characters accepted: long enough for any passphrase, short enough
    /// that hashing it is no denial-of-service vector.
    pub const MAX_CHARS: usize = 256;

    /// Checks `raw` against the policy for the admin with `email`.
    pub fn parse(raw: &str, email: &EmailAddress) -> Result<Self, PasswordError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(PasswordError::TooShort { min: Self::MIN_CHARS });
        }
        if chars > Self::MAX_CHARS {
            return Err(PasswordError::TooLong { max: Self::MAX_CHARS });
        }
        if raw.to_lowercase().contains(email.local_part()) {
            return Err(PasswordError::ContainsEmail);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// How long an invitation link (set your first password) stays valid.
pub const INVITATION_TTL: chrono::TimeDelta = chrono::TimeDelta::hours(72);

/// How long a password-reset link stays valid: short, because whoever holds
/// the mailbox holds the account.
pub const PASSWORD_RESET_TTL: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Where an admin stands, as shown to other admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminStatus {
    /// Invited; no password set yet.
    Invited,
    /// Can sign in.
    Active,
    /// Disabled: can't sign in; their sessions and API keys stopped working.
    Disabled,
}

impl AdminStatus {
    /// The status of an admin who is or isn't `disabled` and has or hasn't
    /// set a password. Disabled wins: an invited admin can be disabled too.
    pub fn of(disabled: bool, has_password: bool) -> Self {
        match (disabled, has_password) {
            (true, _) => Self::Disabled,
            (false, true) => Self::Active,
            (false, false) => Self::Invited,
        }
    }
}

/// Extra permissions were asked for an owner, who holds every permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("owners hold every permission; leave this empty")]
pub struct OwnerExtrasError;

/// The extras an admin holds after a change to `role`: `requested` when
/// given, otherwise `current`. Owners hold every permission, so they keep no
/// extras: asking for some is refused, and becoming owner drops them.
pub fn extras_after(
    role: AdminRole,
    requested: Option<ExtraPermissions>,
    current: ExtraPermissions,
) -> Result<ExtraPermissions, OwnerExtrasError> {
    match (role, requested) {
        (AdminRole::Owner, Some(extras)) if !extras.is_empty() => Err(OwnerExtrasError),
        (AdminRole::Owner, _) => Ok(ExtraPermissions::none()),
        (AdminRole::Standard, Some(extras)) => Ok(extras),
        (AdminRole::Standard, None) => Ok(current),
    }
}

/// What the owner rule needs to know about one admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminStanding {
    /// Owner or standard.
    pub role: AdminRole,
    /// Not disabled.
    pub active: bool,
}

impl AdminStanding {
    fn is_active_owner(self) -> bool {
        self.active && self.role == AdminRole::Owner
    }
}

/// Changing or removing the admin would leave the MSP without an active owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this is the last active owner of the MSP; make another admin an owner first")]
pub struct LastOwnerError;

/// An MSP must always keep one active owner: the last one can't be demoted,
/// disabled or deleted. `after` is `None` for a deletion;
/// `other_active_owners` counts the MSP's active owners besides this admin,
/// read in the same transaction as the change.
pub fn check_keeps_an_owner(
    before: AdminStanding,
    after: Option<AdminStanding>,
    other_active_owners: u64,
) -> Result<(), LastOwnerError> {
    let loses_an_owner = before.is_active_owner() && !after.is_some_and(AdminStanding::is_active_owner);
    if loses_an_owner && other_active_owners == 0 { Err(LastOwnerError) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::ExtraPermission;

    fn email() -> EmailAddress {
        EmailAddress::parse("jane.doe@example.com").expect("valid")
    }

    #[test]
    fn roles_round_trip_through_their_spelling() {
        for role in [AdminRole::Owner, AdminRole::Standard] {
            assert_eq!(role.as_str().parse::<AdminRole>(), Ok(role));
        }
        assert!("admin".parse::<AdminRole>().is_err());
    }

    #[test]
    fn passwords_follow_the_policy() {
        assert!(NewPassword::parse("correct horse battery", &email()).is_ok());
        assert_eq!(NewPassword::parse("short", &email()).map(|_| ()), Err(PasswordError::TooShort { min: 12 }));
        assert_eq!(NewPassword::parse("my-JANE.DOE-password", &email()).map(|_| ()), Err(PasswordError::ContainsEmail));
        assert_eq!(
            NewPassword::parse(&"x".repeat(257), &email()).map(|_| ()),
            Err(PasswordError::TooLong { max: 256 })
        );
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = NewPassword::parse("correct horse battery", &email()).expect("valid");
        assert!(!format!("{password:?}").contains("horse"));
    }

    #[test]
    fn the_last_active_owner_stays() {
        let owner = AdminStanding { role: AdminRole::Owner, active: true };
        let demoted = AdminStanding { role: AdminRole::Standard, active: true };
        let disabled = AdminStanding { role: AdminRole::Owner, active: false };
        for after in [Some(demoted), Some(disabled), None] {
            assert_eq!(check_keeps_an_owner(owner, after, 0), Err(LastOwnerError));
            assert_eq!(check_keeps_an_owner(owner, after, 1), Ok(()));
        }
        assert_eq!(check_keeps_an_owner(owner, Some(owner), 0), Ok(()));
        // Standard or disabled admins come and go freely.
        assert_eq!(check_keeps_an_owner(demoted, None, 0), Ok(()));
        assert_eq!(check_keeps_an_owner(disabled, None, 0), Ok(()));
    }

    #[test]
    fn admins_are_invited_active_or_disabled() {
        assert_eq!(AdminStatus::of(false, false), AdminStatus::Invited);
        assert_eq!(AdminStatus::of(false, true), AdminStatus::Active);
        assert_eq!(AdminStatus::of(true, false), AdminStatus::Disabled);
        assert_eq!(AdminStatus::of(true, true), AdminStatus::Disabled);
    }

    #[test]
    fn owners_keep_no_extras() {
        let some: ExtraPermissions = [ExtraPermission::PurchaseLicenses].into_iter().collect();
        let current: ExtraPermissions = [ExtraPermission::CreateOrganizations].into_iter().collect();
        assert_eq!(extras_after(AdminRole::Owner, Some(some.clone()), ExtraPermissions::none()), Err(OwnerExtrasError));
        assert_eq!(extras_after(AdminRole::Owner, None, current.clone()), Ok(ExtraPermissions::none()));
        assert_eq!(
            extras_after(AdminRole::Owner, Some(ExtraPermissions::none()), current.clone()),
            Ok(ExtraPermissions::none())
        );
        assert_eq!(extras_after(AdminRole::Standard, Some(some.clone()), current.clone()), Ok(some));
        assert_eq!(extras_after(AdminRole::Standard, None, current.clone()), Ok(current));
    }
}
