//! Who may do what: the one place that maps every action of the API to the
//! permission it needs, and every kind of caller to the permissions it holds.
//! Handlers ask [`authorize`]; they never re-implement these rules.
//!
//! - An **owner** holds every MSP permission.
//! - A **standard admin** holds every MSP permission except managing admins,
//!   plus the extras an owner granted: `create_organizations`,
//!   `purchase_licenses`.
//! - An **API key** holds what its scopes give (`read`: reading; `write`:
//!   reading and changing data), never more than the admin who created it
//!   holds at the time of the request. Managing admins, API keys and starting
//!   customer sessions need a person, never a key.
//! - A **customer session** ("log in as") reads and changes one customer and
//!   nothing else: another customer is as unknown to it as one of another MSP.
//! - A **platform operator** manages MSPs and their limits, and nothing inside
//!   an MSP.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::admins::AdminRole;

/// A permission an MSP caller may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// Read the MSP's data: customers, admins, API keys, the audit log.
    Read,
    /// Change customers and their data.
    ManageCustomers,
    /// Create customer organisations (an extra for standard admins).
    CreateOrganizations,
    /// Buy licenses and allowances (an extra for standard admins).
    PurchaseLicenses,
    /// Create, change, disable and delete admins (owners only).
    ManageAdmins,
    /// Create and revoke API keys (people only).
    ManageApiKeys,
    /// Act inside one customer ("log in as"; people only).
    StartCustomerSessions,
}

impl Permission {
    /// Every MSP permission.
    pub const ALL: [Self; 7] = [
        Self::Read,
        Self::ManageCustomers,
        Self::CreateOrganizations,
        Self::PurchaseLicenses,
        Self::ManageAdmins,
        Self::ManageApiKeys,
        Self::StartCustomerSessions,
    ];

    /// The spelling in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::ManageCustomers => "manage_customers",
            Self::CreateOrganizations => "create_organizations",
            Self::PurchaseLicenses => "purchase_licenses",
            Self::ManageAdmins => "manage_admins",
            Self::ManageApiKeys => "manage_api_keys",
            Self::StartCustomerSessions => "start_customer_sessions",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A permission an owner may grant a standard admin on top of the standard set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExtraPermission {
    /// Create customer organisations.
    CreateOrganizations,
    /// Buy licenses and allowances.
    PurchaseLicenses,
}

impl ExtraPermission {
    /// Every extra, in API order.
    pub const ALL: [Self; 2] = [Self::CreateOrganizations, Self::PurchaseLicenses];

    /// The spelling in the API and in storage.
    pub fn as_str(self) -> &'static str {
        self.permission().as_str()
    }

    /// The permission it grants.
    pub fn permission(self) -> Permission {
        match self {
            Self::CreateOrganizations => Permission::CreateOrganizations,
            Self::PurchaseLicenses => Permission::PurchaseLicenses,
        }
    }
}

/// A spelling that names no extra permission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission '{0}'; allowed: create_organizations, purchase_licenses")]
pub struct UnknownPermission(pub String);

impl FromStr for ExtraPermission {
    type Err = UnknownPermission;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| UnknownPermission(s.to_owned()))
    }
}

/// The extras of one admin, without repeats, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraPermissions(BTreeSet<ExtraPermission>);

impl ExtraPermissions {
    /// No extras.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses spellings as sent by a client; repeats are kept once.
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, UnknownPermission> {
        raw.iter().map(|s| s.as_ref().parse()).collect::<Result<BTreeSet<_>, _>>().map(Self)
    }

    /// Reads the stored form: comma-separated spellings.
    pub fn from_stored(stored: &str) -> Result<Self, UnknownPermission> {
        let parts: Vec<&str> = stored.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        Self::parse(&parts)
    }

    /// The stored form: comma-separated spellings.
    pub fn to_stored(&self) -> String {
        self.names().join(",")
    }

    /// The spellings, in a stable order.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|p| p.as_str()).collect()
    }

    /// Whether `extra` is granted.
    pub fn contains(&self, extra: ExtraPermission) -> bool {
        self.0.contains(&extra)
    }

    /// The extras, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = ExtraPermission> + '_ {
        self.0.iter().copied()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<ExtraPermission> for ExtraPermissions {
    fn from_iter<I: IntoIterator<Item = ExtraPermission>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// What an API key was created for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Read the MSP's data.
    Read,
    /// Read and change the MSP's data (customers, licenses).
    Write,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Self; 2] = [Self::Read, Self::Write];

    /// The spelling in the API and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    /// Permissions this scope can give a key (before the creator's own limit).
    fn permissions(self) -> &'static [Permission] {
        match self {
            Self::Read => &[Permission::Read],
            Self::Write => &[
                Permission::Read,
                Permission::ManageCustomers,
                Permission::CreateOrganizations,
                Permission::PurchaseLicenses,
            ],
        }
    }
}

/// A spelling that names no scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope '{0}'; allowed: read, write")]
pub struct UnknownScope(pub String);

impl FromStr for Scope {
    type Err = UnknownScope;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| UnknownScope(s.to_owned()))
    }
}

/// The scopes of one API key: at least one, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(BTreeSet<Scope>);

/// Why a list of scopes was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopesError {
    /// No scope at all.
    #[error("must name at least one scope")]
    Empty,
    /// A spelling that is not a scope.
    #[error(transparent)]
    Unknown(#[from] UnknownScope),
}

impl Scopes {
    /// Parses spellings as sent by a client; repeats are kept once.
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, ScopesError> {
        let set = raw.iter().map(|s| s.as_ref().parse()).collect::<Result<BTreeSet<Scope>, _>>()?;
        if set.is_empty() { Err(ScopesError::Empty) } else { Ok(Self(set)) }
    }

    /// Reads the stored form: comma-separated spellings.
    pub fn from_stored(stored: &str) -> Result<Self, ScopesError> {
        let parts: Vec<&str> = stored.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        Self::parse(&parts)
    }

    /// The stored form.
    pub fn to_stored(&self) -> String {
        self.names().join(",")
    }

    /// The spellings, in a stable order.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|s| s.as_str()).collect()
    }

    /// The scopes, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

impl Scopes {
    /// The scopes given, without repeats; refused when there are none.
    pub fn of(scopes: impl IntoIterator<Item = Scope>) -> Result<Self, ScopesError> {
        let set: BTreeSet<Scope> = scopes.into_iter().collect();
        if set.is_empty() { Err(ScopesError::Empty) } else { Ok(Self(set)) }
    }
}

/// A set of permissions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions(BTreeSet<Permission>);

impl Permissions {
    /// What an admin with `role` and `extras` holds.
    pub fn of_admin(role: AdminRole, extras: &ExtraPermissions) -> Self {
        let set = Permission::ALL
            .into_iter()
            .filter(|p| match (role, p) {
                (AdminRole::Owner, _) => true,
                (AdminRole::Standard, Permission::ManageAdmins) => false,
                (AdminRole::Standard, Permission::CreateOrganizations) => {
                    extras.contains(ExtraPermission::CreateOrganizations)
                }
                (AdminRole::Standard, Permission::PurchaseLicenses) => {
                    extras.contains(ExtraPermission::PurchaseLicenses)
                }
                (AdminRole::Standard, _) => true,
            })
            .collect();
        Self(set)
    }

    /// What an API key with `scopes`, created by an admin who now holds
    /// `creator`, holds: what the scopes give, within what the creator holds.
    pub fn of_api_key(scopes: &Scopes, creator: &Self) -> Self {
        let set = scopes.0.iter().flat_map(|s| s.permissions()).filter(|p| creator.contains(**p)).copied().collect();
        Self(set)
    }

    /// Whether `permission` is held.
    pub fn contains(&self, permission: Permission) -> bool {
        self.0.contains(&permission)
    }

    /// The spellings, in a stable order.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|p| p.as_str()).collect()
    }
}

/// Who is calling, as far as authorization cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An admin of an MSP, signed in.
    Admin(Permissions),
    /// An API key of an MSP.
    ApiKey(Permissions),
    /// An admin acting inside one customer of their MSP.
    CustomerSession {
        /// The only customer reachable.
        customer_id: String,
    },
    /// A person of the platform vendor.
    Operator,
}

/// Everything a caller can ask to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// See who is signed in.
    ViewOwnProfile,
    /// End one's own session.
    SignOut,
    /// List the MSP's customers.
    ListCustomers,
    /// Read one customer.
    ReadCustomer(&'a str),
    /// Create a customer.
    CreateCustomer,
    /// Change one customer.
    UpdateCustomer(&'a str),
    /// Delete one customer.
    DeleteCustomer(&'a str),
    /// Start a customer session for one customer.
    StartCustomerSession(&'a str),
    /// List or read admins.
    ReadAdmins,
    /// Create, change, disable or delete admins.
    ManageAdmins,
    /// List or read API keys.
    ReadApiKeys,
    /// Create or revoke API keys.
    ManageApiKeys,
    /// Read the audit log.
    ReadAuditLog,
    /// Read the product catalogue (tiers and their features).
    ReadCatalogue,
    /// Read the seat pool, seat allocations, expiring licenses and pool
    /// expansion requests.
    ReadLicenses,
    /// Change the pool's warning threshold; ask for more seats.
    ManageLicenses,
    /// List or read customer groups and their members.
    ReadCustomerGroups,
    /// Create, change and delete customer groups; add and remove members.
    ManageCustomerGroups,
    /// List or read one customer's accounts and their status history.
    ReadAccounts(&'a str),
    /// Create, change, activate, deactivate, delete and import one
    /// customer's accounts.
    ManageAccounts(&'a str),
    /// Read MAA, allowance, allowance orders and user counts.
    ReadUsage,
    /// Order MAA allowance.
    OrderAllowance,
    /// Read the phishing scenario catalogue (built-in and the MSP's own).
    ReadScenarios,
    /// Write, change and delete the MSP's own scenarios.
    ManageScenarios,
    /// List campaigns across all the MSP's customers, and their counts.
    ListCampaigns,
    /// Read one customer's campaigns, recipients, counts and allowlisting kit.
    ReadCampaigns(&'a str),
    /// Create, change, launch, pause, resume, cancel, complete and delete
    /// one customer's campaigns.
    ManageCampaigns(&'a str),
    /// Read the MSP's tracking settings (click delay, source lists, retention).
    ReadTrackingSettings,
    /// Change the MSP's tracking settings.
    ManageTrackingSettings,
    /// Create MSPs and change their limits, list them; decide pool
    /// expansion requests.
    OperatePlatform,
}

impl Action<'_> {
    /// The permission an MSP caller needs; `None` for platform actions.
    pub fn required_permission(self) -> Option<Permission> {
        match self {
            Self::ViewOwnProfile
            | Self::SignOut
            | Self::ListCustomers
            | Self::ReadCustomer(_)
            | Self::ReadAdmins
            | Self::ReadApiKeys
            | Self::ReadAuditLog
            | Self::ReadCatalogue
            | Self::ReadLicenses
            | Self::ReadCustomerGroups
            | Self::ReadAccounts(_)
            | Self::ReadUsage
            | Self::ReadScenarios
            | Self::ListCampaigns
            | Self::ReadTrackingSettings
            | Self::ReadCampaigns(_) => Some(Permission::Read),
            Self::ManageScenarios | Self::ManageCampaigns(_) | Self::ManageTrackingSettings => {
                Some(Permission::ManageCustomers)
            }
            Self::ManageAccounts(_) => Some(Permission::ManageCustomers),
            Self::OrderAllowance => Some(Permission::PurchaseLicenses),
            Self::ManageCustomerGroups => Some(Permission::ManageCustomers),
            Self::ManageLicenses => Some(Permission::PurchaseLicenses),
            Self::CreateCustomer => Some(Permission::CreateOrganizations),
            Self::UpdateCustomer(_) | Self::DeleteCustomer(_) => Some(Permission::ManageCustomers),
            Self::StartCustomerSession(_) => Some(Permission::StartCustomerSessions),
            Self::ManageAdmins => Some(Permission::ManageAdmins),
            Self::ManageApiKeys => Some(Permission::ManageApiKeys),
            Self::OperatePlatform => None,
        }
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    /// The caller is known but lacks the permission (403).
    #[error("missing permission {0}")]
    Forbidden(&'static str),
    /// The target is outside what the caller can see; answer as if it did not
    /// exist (404), so that its existence is not confirmed.
    #[error("not visible to this caller")]
    Hidden,
}

/// Decides whether `principal` may perform `action`.
pub fn authorize(principal: &Principal, action: Action<'_>) -> Result<(), Denial> {
    let required = action.required_permission();
    match (principal, required) {
        (Principal::Operator, None) => Ok(()),
        (Principal::Operator, Some(_)) => Err(Denial::Forbidden("msp_admin")),
        (_, None) => Err(Denial::Forbidden("platform_operator")),
        (Principal::ApiKey(_), Some(_)) if matches!(action, Action::ViewOwnProfile | Action::SignOut) => {
            Err(Denial::Forbidden("signed_in_person"))
        }
        (Principal::Admin(held) | Principal::ApiKey(held), Some(needed)) => {
            if held.contains(needed) {
                Ok(())
            } else {
                Err(Denial::Forbidden(needed.as_str()))
            }
        }
        (Principal::CustomerSession { customer_id }, Some(needed)) => match action {
            Action::ViewOwnProfile | Action::SignOut => Ok(()),
            Action::ReadCustomer(id)
            | Action::UpdateCustomer(id)
            | Action::ReadAccounts(id)
            | Action::ManageAccounts(id)
            | Action::ReadCampaigns(id)
            | Action::ManageCampaigns(id)
                if id == customer_id =>
            {
                Ok(())
            }
            Action::ReadCustomer(_)
            | Action::UpdateCustomer(_)
            | Action::ReadAccounts(_)
            | Action::ManageAccounts(_)
            | Action::ReadCampaigns(_)
            | Action::ManageCampaigns(_) => Err(Denial::Hidden),
            _ => Err(Denial::Forbidden(needed.as_str())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(role: AdminRole, extras: &[&str]) -> Principal {
        Principal::Admin(Permissions::of_admin(role, &ExtraPermissions::parse(extras).unwrap_or_default()))
    }

    fn customer_actions(id: &str) -> [Action<'_>; 4] {
        [
            Action::ReadCustomer(id),
            Action::UpdateCustomer(id),
            Action::DeleteCustomer(id),
            Action::StartCustomerSession(id),
        ]
    }

    #[test]
    fn owners_may_do_everything_in_their_msp_and_nothing_on_the_platform() {
        let owner = admin(AdminRole::Owner, &[]);
        for action in [
            Action::ListCustomers,
            Action::CreateCustomer,
            Action::ManageAdmins,
            Action::ManageApiKeys,
            Action::ReadAuditLog,
        ] {
            assert_eq!(authorize(&owner, action), Ok(()), "{action:?}");
        }
        for action in customer_actions("c1") {
            assert_eq!(authorize(&owner, action), Ok(()));
        }
        assert_eq!(authorize(&owner, Action::OperatePlatform), Err(Denial::Forbidden("platform_operator")));
    }

    #[test]
    fn standard_admins_lack_admin_management_and_the_ungranted_extras() {
        let plain = admin(AdminRole::Standard, &[]);
        assert_eq!(authorize(&plain, Action::ManageAdmins), Err(Denial::Forbidden("manage_admins")));
        assert_eq!(authorize(&plain, Action::CreateCustomer), Err(Denial::Forbidden("create_organizations")));
        assert_eq!(authorize(&plain, Action::UpdateCustomer("c1")), Ok(()));
        assert_eq!(authorize(&plain, Action::ManageApiKeys), Ok(()));
        assert_eq!(authorize(&plain, Action::ReadAdmins), Ok(()));
        let creator = admin(AdminRole::Standard, &["create_organizations"]);
        assert_eq!(authorize(&creator, Action::CreateCustomer), Ok(()));
        assert_eq!(authorize(&creator, Action::ManageAdmins), Err(Denial::Forbidden("manage_admins")));
    }

    #[test]
    fn api_keys_hold_their_scopes_within_their_creators_permissions() {
        let owner = Permissions::of_admin(AdminRole::Owner, &ExtraPermissions::none());
        let plain = Permissions::of_admin(AdminRole::Standard, &ExtraPermissions::none());
        let read = Scopes::parse(&["read"]).unwrap_or_else(|_| Scopes(BTreeSet::new()));
        let write = Scopes::parse(&["write"]).unwrap_or_else(|_| Scopes(BTreeSet::new()));

        let read_key = Principal::ApiKey(Permissions::of_api_key(&read, &owner));
        assert_eq!(authorize(&read_key, Action::ListCustomers), Ok(()));
        assert_eq!(authorize(&read_key, Action::UpdateCustomer("c1")), Err(Denial::Forbidden("manage_customers")));

        let owners_write_key = Principal::ApiKey(Permissions::of_api_key(&write, &owner));
        assert_eq!(authorize(&owners_write_key, Action::CreateCustomer), Ok(()));
        // People-only actions, whatever the scope and the creator.
        for action in [Action::ManageAdmins, Action::ManageApiKeys, Action::StartCustomerSession("c1")] {
            assert!(matches!(authorize(&owners_write_key, action), Err(Denial::Forbidden(_))), "{action:?}");
        }
        assert_eq!(authorize(&owners_write_key, Action::ViewOwnProfile), Err(Denial::Forbidden("signed_in_person")));
        // Never more than the creator holds.
        let plain_write_key = Principal::ApiKey(Permissions::of_api_key(&write, &plain));
        assert_eq!(authorize(&plain_write_key, Action::CreateCustomer), Err(Denial::Forbidden("create_organizations")));
        assert_eq!(authorize(&plain_write_key, Action::UpdateCustomer("c1")), Ok(()));
    }

    #[test]
    fn a_customer_session_reaches_its_customer_only() {
        let session = Principal::CustomerSession { customer_id: "c1".to_owned() };
        assert_eq!(authorize(&session, Action::ReadCustomer("c1")), Ok(()));
        assert_eq!(authorize(&session, Action::UpdateCustomer("c1")), Ok(()));
        assert_eq!(authorize(&session, Action::ReadCustomer("c2")), Err(Denial::Hidden));
        assert_eq!(authorize(&session, Action::UpdateCustomer("c2")), Err(Denial::Hidden));
        assert_eq!(authorize(&session, Action::ManageAccounts("c1")), Ok(()));
        assert_eq!(authorize(&session, Action::ReadAccounts("c2")), Err(Denial::Hidden));
        assert!(matches!(authorize(&session, Action::ReadUsage), Err(Denial::Forbidden(_))));
        assert!(matches!(authorize(&session, Action::DeleteCustomer("c1")), Err(Denial::Forbidden(_))));
        assert!(matches!(authorize(&session, Action::StartCustomerSession("c1")), Err(Denial::Forbidden(_))));
        for action in [Action::ListCustomers, Action::CreateCustomer, Action::ReadAdmins, Action::ReadAuditLog] {
            assert!(matches!(authorize(&session, action), Err(Denial::Forbidden(_))), "{action:?}");
        }
        assert_eq!(authorize(&session, Action::OperatePlatform), Err(Denial::Forbidden("platform_operator")));
    }

    #[test]
    fn ordering_allowance_is_an_extra_and_accounts_follow_customer_management() {
        let plain = admin(AdminRole::Standard, &[]);
        assert_eq!(authorize(&plain, Action::ReadUsage), Ok(()));
        assert_eq!(authorize(&plain, Action::ManageAccounts("c1")), Ok(()));
        assert_eq!(authorize(&plain, Action::OrderAllowance), Err(Denial::Forbidden("purchase_licenses")));
        let buyer = admin(AdminRole::Standard, &["purchase_licenses"]);
        assert_eq!(authorize(&buyer, Action::OrderAllowance), Ok(()));
    }

    #[test]
    fn license_management_is_an_extra_and_groups_need_customer_management() {
        let plain = admin(AdminRole::Standard, &[]);
        assert_eq!(authorize(&plain, Action::ReadLicenses), Ok(()));
        assert_eq!(authorize(&plain, Action::ManageLicenses), Err(Denial::Forbidden("purchase_licenses")));
        assert_eq!(authorize(&plain, Action::ManageCustomerGroups), Ok(()));
        let buyer = admin(AdminRole::Standard, &["purchase_licenses"]);
        assert_eq!(authorize(&buyer, Action::ManageLicenses), Ok(()));
        let owner = Permissions::of_admin(AdminRole::Owner, &ExtraPermissions::none());
        let read = Scopes::parse(&["read"]).unwrap_or_else(|_| Scopes(BTreeSet::new()));
        let read_key = Principal::ApiKey(Permissions::of_api_key(&read, &owner));
        for action in [Action::ReadCatalogue, Action::ReadLicenses, Action::ReadCustomerGroups] {
            assert_eq!(authorize(&read_key, action), Ok(()), "{action:?}");
        }
        for action in [Action::ManageLicenses, Action::ManageCustomerGroups] {
            assert!(matches!(authorize(&read_key, action), Err(Denial::Forbidden(_))), "{action:?}");
        }
        let session = Principal::CustomerSession { customer_id: "c1".to_owned() };
        assert!(matches!(authorize(&session, Action::ReadLicenses), Err(Denial::Forbidden(_))));
    }

    #[test]
    fn operators_operate_the_platform_and_reach_nothing_inside_an_msp() {
        assert_eq!(authorize(&Principal::Operator, Action::OperatePlatform), Ok(()));
        assert_eq!(authorize(&Principal::Operator, Action::ListCustomers), Err(Denial::Forbidden("msp_admin")));
        assert_eq!(authorize(&Principal::Operator, Action::ReadCustomer("c1")), Err(Denial::Forbidden("msp_admin")));
    }

    #[test]
    fn extras_and_scopes_round_trip_through_storage() {
        let extras = ExtraPermissions::parse(&["purchase_licenses", "create_organizations", "purchase_licenses"]);
        let extras = extras.unwrap_or_default();
        assert_eq!(extras.to_stored(), "create_organizations,purchase_licenses");
        assert_eq!(ExtraPermissions::from_stored(&extras.to_stored()), Ok(extras));
        assert_eq!(ExtraPermissions::from_stored(""), Ok(ExtraPermissions::none()));
        assert!(ExtraPermissions::parse(&["manage_admins"]).is_err());
        assert_eq!(Scopes::parse::<&str>(&[]), Err(ScopesError::Empty));
        assert!(Scopes::parse(&["admin"]).is_err());
        assert_eq!(Scopes::from_stored("write,read").map(|s| s.names()), Ok(vec!["read", "write"]));
    }
}
