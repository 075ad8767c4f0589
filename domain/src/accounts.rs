//! Accounts: the end users of a customer (global users) or of the MSP's own
//! organisation (local users), and the limits on activating them. What an
//! account counts for is in [`crate::maa`].

use crate::customers::customer_text;
use crate::email::{EmailAddress, EmailError};
pub use crate::maa::AccountStatus;
use crate::maa::{Month, already_counted};
pub use crate::text::NameError;

/// An account's e-mail address: a valid address whose domain is one of its
/// organisation's domains, lower-cased. It identifies the account within
/// the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountEmail(EmailAddress);

/// Why an account's address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountEmailError {
    /// Not an e-mail address.
    #[error(transparent)]
    Invalid(#[from] EmailError),
    /// An address in a domain the organisation does not have: the usual
    /// mistake is importing the MSP's own directory into a customer.
    #[error("the domain {domain} is not one of the customer's domains ({allowed})")]
    ForeignDomain {
        /// The address's domain.
        domain: String,
        /// The organisation's domains, comma-separated.
        allowed: String,
    },
}

impl AccountEmail {
    /// Parses an address and checks that its domain is one of `domains`
    /// (exactly: a subdomain is another domain).
    pub fn parse<S: AsRef<str>>(raw: &str, domains: &[S]) -> Result<Self, AccountEmailError> {
        let address = EmailAddress::parse(raw)?;
        if domains.iter().any(|domain| domain.as_ref().eq_ignore_ascii_case(address.domain())) {
            Ok(Self(address))
        } else {
            Err(AccountEmailError::ForeignDomain {
                domain: address.domain().to_owned(),
                allowed: domains.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", "),
            })
        }
    }

    /// The address, lower-cased.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

customer_text!(
    /// How the account's person is called: 1–200 characters.
    DisplayName,
    200
);
customer_text!(
    /// The department of the account's person, e.g. "Finance": 1–100 characters.
    Department,
    100
);
customer_text!(
    /// The account's identifier in the customer's directory (an identity
    /// provider's object id, an HR number): 1–200 characters.
    ExternalId,
    200
);

/// The descriptive fields of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountProfile {
    /// How the person is called.
    pub display_name: Option<DisplayName>,
    /// Their department.
    pub department: Option<Department>,
    /// Their id in the customer's directory.
    pub external_id: Option<ExternalId>,
}

/// Changes to an account's descriptive fields: `None` leaves a field as it
/// is, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChanges {
    /// How the person is called.
    pub display_name: Option<Option<DisplayName>>,
    /// Their department.
    pub department: Option<Option<Department>>,
    /// Their id in the customer's directory.
    pub external_id: Option<Option<ExternalId>>,
}

impl ProfileChanges {
    /// The profile of a new account made with these values (a field left
    /// alone is empty).
    pub fn into_profile(self) -> AccountProfile {
        AccountProfile {
            display_name: self.display_name.flatten(),
            department: self.department.flatten(),
            external_id: self.external_id.flatten(),
        }
    }
}

/// A new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Its address.
    pub email: AccountEmail,
    /// Its descriptive fields.
    pub profile: AccountProfile,
    /// Its status from creation on.
    pub status: AccountStatus,
}

/// Which limit an MSP-wide active-user count is held against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKind {
    /// Accounts of customers, capped by the MSP's max global users.
    Global,
    /// Accounts of the MSP's own organisation, capped by max local users.
    Local,
}

/// Why an account may not be activated: each names the limit reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ActivationRefusal {
    /// The customer has as many active accounts as allocated seats.
    #[error("the customer has {seats} seats and as many active accounts; add seats or deactivate an account")]
    SeatLimit {
        /// The customer's seats.
        seats: i64,
    },
    /// The customer's MAA this month has reached its max MAU threshold, and
    /// the account does not count this month yet.
    #[error(
        "the customer's monthly active accounts have reached its max MAU threshold of {max_mau} this month; only accounts that were already active this month can be activated"
    )]
    MauThreshold {
        /// The threshold.
        max_mau: i64,
    },
    /// The MSP has as many active accounts across its customers as its max
    /// global users.
    #[error("the MSP has reached its max global users ({max}) across its customers")]
    GlobalUserLimit {
        /// The limit.
        max: i64,
    },
    /// The MSP's own organisation has as many active accounts as its max
    /// local users.
    #[error("the MSP has reached its max local users ({max}) in its own organisation")]
    LocalUserLimit {
        /// The limit.
        max: i64,
    },
}

/// The customer side of an activation budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerAllowance {
    /// Seats allocated to the customer.
    pub seats: i64,
    /// Its active accounts now.
    pub active_accounts: i64,
    /// Its max MAU threshold.
    pub max_mau: i64,
    /// Its MAA of the current month so far.
    pub maa_this_month: i64,
}

/// What an organisation may still activate, read under the locks that
/// serialise its activations, and spent one activation at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivationBudget {
    customer: Option<CustomerAllowance>,
    kind: UserKind,
    max_users: i64,
    active_users: i64,
}

impl ActivationBudget {
    /// The budget of a customer, within the MSP's max global users of which
    /// `global_active` are in use.
    pub fn for_customer(customer: CustomerAllowance, max_global_users: i64, global_active: i64) -> Self {
        Self {
            customer: Some(customer),
            kind: UserKind::Global,
            max_users: max_global_users,
            active_users: global_active,
        }
    }

    /// The budget of the MSP's own organisation: only max local users applies.
    pub fn for_own_organisation(max_local_users: i64, local_active: i64) -> Self {
        Self { customer: None, kind: UserKind::Local, max_users: max_local_users, active_users: local_active }
    }

    /// Takes an account from `from` (`None`: it is being created) to `to` in
    /// `month`: an activation spends a seat, a user and, unless the account
    /// already counted this month, one MAA; a deactivation gives the seat and
    /// the user back; anything else changes nothing.
    pub fn change(
        &mut self,
        from: Option<AccountStatus>,
        to: AccountStatus,
        last_active_month: Option<Month>,
        month: Month,
    ) -> Result<(), ActivationRefusal> {
        match (from, to) {
            (Some(before), after) if before == after => Ok(()),
            (None, AccountStatus::Active) => self.admit(false),
            (Some(before), AccountStatus::Active) => self.admit(already_counted(before, last_active_month, month)),
            (Some(_), AccountStatus::Inactive) => {
                self.release();
                Ok(())
            }
            (None, AccountStatus::Inactive) => Ok(()),
        }
    }

    /// Spends one activation; `already_counted` when the account was active
    /// at some moment of the current month (it then adds nothing to the
    /// month's MAA, and the MAU threshold does not stop it).
    fn admit(&mut self, already_counted: bool) -> Result<(), ActivationRefusal> {
        if let Some(customer) = &self.customer {
            if customer.active_accounts >= customer.seats {
                return Err(ActivationRefusal::SeatLimit { seats: customer.seats });
            }
            if !already_counted && customer.maa_this_month >= customer.max_mau {
                return Err(ActivationRefusal::MauThreshold { max_mau: customer.max_mau });
            }
        }
        if self.active_users >= self.max_users {
            return Err(match self.kind {
                UserKind::Global => ActivationRefusal::GlobalUserLimit { max: self.max_users },
                UserKind::Local => ActivationRefusal::LocalUserLimit { max: self.max_users },
            });
        }
        if let Some(customer) = &mut self.customer {
            customer.active_accounts += 1;
            customer.maa_this_month += i64::from(!already_counted);
        }
        self.active_users += 1;
        Ok(())
    }

    /// Gives back what a deactivation frees: a seat and a user, never MAA.
    fn release(&mut self) {
        if let Some(customer) = &mut self.customer {
            customer.active_accounts -= 1;
        }
        self.active_users -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_must_be_in_one_of_the_domains() {
        let domains = ["acme.example", "acme-corp.example"];
        assert_eq!(
            AccountEmail::parse(" Ann@ACME.example ", &domains).map(|e| e.as_str().to_owned()),
            Ok("ann@acme.example".to_owned())
        );
        assert!(matches!(
            AccountEmail::parse("ann@msp.example", &domains),
            Err(AccountEmailError::ForeignDomain { ref domain, .. }) if domain == "msp.example"
        ));
        assert!(matches!(
            AccountEmail::parse("ann@eu.acme.example", &domains),
            Err(AccountEmailError::ForeignDomain { .. })
        ));
        assert!(matches!(AccountEmail::parse("not an address", &domains), Err(AccountEmailError::Invalid(_))));
    }

    fn customer(seats: i64, active: i64, max_mau: i64, maa: i64) -> CustomerAllowance {
        CustomerAllowance { seats, active_accounts: active, max_mau, maa_this_month: maa }
    }

    #[test]
    fn seats_come_first_then_the_mau_threshold_then_the_msp_limit() {
        let mut full = ActivationBudget::for_customer(customer(2, 2, 10, 0), 100, 0);
        assert_eq!(full.admit(true), Err(ActivationRefusal::SeatLimit { seats: 2 }));

        let mut at_threshold = ActivationBudget::for_customer(customer(10, 3, 5, 5), 100, 0);
        assert_eq!(at_threshold.admit(false), Err(ActivationRefusal::MauThreshold { max_mau: 5 }));
        // An account that already counted this month changes nothing.
        assert_eq!(at_threshold.admit(true), Ok(()));

        let mut msp_full = ActivationBudget::for_customer(customer(10, 0, 10, 0), 1, 1);
        assert_eq!(msp_full.admit(false), Err(ActivationRefusal::GlobalUserLimit { max: 1 }));
        let mut own = ActivationBudget::for_own_organisation(1, 0);
        assert_eq!(own.admit(false), Ok(()));
        assert_eq!(own.admit(false), Err(ActivationRefusal::LocalUserLimit { max: 1 }));
    }

    #[test]
    fn only_real_changes_touch_the_budget() {
        let may = Month::new(2026, 5).unwrap_or_else(|| Month::of_day(chrono::NaiveDate::MIN));
        let (active, inactive) = (AccountStatus::Active, AccountStatus::Inactive);
        let mut budget = ActivationBudget::for_customer(customer(1, 1, 10, 1), 10, 1);
        assert_eq!(budget.change(Some(active), active, Some(may), may), Ok(()));
        assert_eq!(budget.change(None, inactive, None, may), Ok(()));
        assert_eq!(budget.change(None, active, None, may), Err(ActivationRefusal::SeatLimit { seats: 1 }));
        assert_eq!(budget.change(Some(active), inactive, Some(may), may), Ok(()));
        // Back the same month: the seat is free and the MAA already counted.
        let mut at_threshold = ActivationBudget::for_customer(customer(1, 0, 1, 1), 10, 0);
        assert_eq!(
            at_threshold.change(Some(inactive), active, Some(may.plus(-1)), may),
            Err(ActivationRefusal::MauThreshold { max_mau: 1 })
        );
        assert_eq!(at_threshold.change(Some(inactive), active, Some(may), may), Ok(()));
    }

    #[test]
    fn a_release_frees_a_seat_but_not_the_month() {
        let mut budget = ActivationBudget::for_customer(customer(1, 0, 1, 0), 10, 0);
        assert_eq!(budget.admit(false), Ok(()));
        budget.release();
        // The seat is back, but the month's MAA already reached the threshold.
        assert_eq!(budget.admit(false), Err(ActivationRefusal::MauThreshold { max_mau: 1 }));
        assert_eq!(budget.admit(true), Ok(()));
    }
}
