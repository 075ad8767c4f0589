//! Use cases of customer groups: creating, changing and deleting one, and
//! adding and removing its members, each audited in the caller's
//! transaction.

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use domain::customer_groups::{GroupDescription, GroupKind, GroupName};
use persistence::customer_groups::{self, GroupWriteError, Membership};
use persistence::{DbConnection, StoreError};

use crate::auth::{AuditEvent, Caller};
use crate::error::ApiError;
use crate::problems::ProblemCode;
use crate::resources::customer_groups::CustomerGroup;

/// Why a customer group use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    /// No such group (or, for members, customer or membership) in the MSP.
    #[error("no such customer group")]
    NotFound,
    /// Another group of the MSP has the name, without regard to case.
    #[error("the group name is taken")]
    NameTaken,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<GroupWriteError> for GroupError {
    fn from(error: GroupWriteError) -> Self {
        match error {
            GroupWriteError::NameTaken => Self::NameTaken,
            GroupWriteError::Store(store) => Self::Store(store),
        }
    }
}

impl From<GroupError> for ApiError {
    fn from(error: GroupError) -> Self {
        match error {
            GroupError::NotFound => Self::NotFound,
            GroupError::NameTaken => Self::Conflict {
                code: ProblemCode::GroupNameTaken,
                detail: "Another customer group of your MSP has this name.".to_owned(),
            },
            GroupError::Store(store) => store.into(),
        }
    }
}

/// A new group, parsed.
#[derive(Debug, Clone)]
pub struct NewGroup {
    /// Its name.
    pub name: GroupName,
    /// Its description (may be empty).
    pub description: GroupDescription,
    /// What it gathers customers by.
    pub kind: GroupKind,
}

/// Changes to a group; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct GroupChanges {
    /// A new name.
    pub name: Option<GroupName>,
    /// A new description.
    pub description: Option<GroupDescription>,
    /// A new kind.
    pub kind: Option<GroupKind>,
}

/// Creates a group of `msp_id` and audits it.
pub fn create(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    new: &NewGroup,
    at: DateTime<Utc>,
) -> Result<CustomerGroup, GroupError> {
    let created = CustomerGroup::from(customer_groups::insert(tx, msp_id, &new.name, &new.description, new.kind, at)?);
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::CustomerGroupCreated, &created.id, at).after(&created))?;
    Ok(created)
}

/// Changes group `id` and audits the change.
pub fn change(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    changes: &GroupChanges,
    at: DateTime<Utc>,
) -> Result<CustomerGroup, GroupError> {
    let before = customer_groups::find(tx, msp_id, id)?.map(CustomerGroup::from).ok_or(GroupError::NotFound)?;
    let GroupChanges { name, description, kind } = changes;
    let after = customer_groups::update(tx, msp_id, id, name.as_ref(), description.as_ref(), *kind, at)?
        .map(CustomerGroup::from)
        .ok_or(GroupError::NotFound)?;
    caller
        .record(tx, AuditEvent::new(msp_id, AuditAction::CustomerGroupUpdated, id, at).before(&before).after(&after))?;
    Ok(after)
}

/// Deletes group `id` (its customers stay) and audits it.
pub fn delete(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    at: DateTime<Utc>,
) -> Result<(), GroupError> {
    let before = customer_groups::find(tx, msp_id, id)?.map(CustomerGroup::from).ok_or(GroupError::NotFound)?;
    customer_groups::delete(tx, msp_id, id)?;
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::CustomerGroupDeleted, id, at).before(&before))?;
    Ok(())
}

/// Adds customer `customer_id` to group `id`; adding a member twice
/// changes (and audits) nothing.
pub fn add_member(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    customer_id: &str,
    at: DateTime<Utc>,
) -> Result<(), GroupError> {
    match customer_groups::add_member(tx, msp_id, id, customer_id, at)? {
        Membership::NotFound => Err(GroupError::NotFound),
        Membership::AlreadyMember => Ok(()),
        Membership::Added => {
            let member = serde_json::json!({ "customer_id": customer_id });
            caller.record(tx, AuditEvent::new(msp_id, AuditAction::CustomerGroupMemberAdded, id, at).after(&member))?;
            Ok(())
        }
    }
}

/// Removes customer `customer_id` from group `id` and audits it.
pub fn remove_member(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    customer_id: &str,
    at: DateTime<Utc>,
) -> Result<(), GroupError> {
    if !customer_groups::remove_member(tx, msp_id, id, customer_id)? {
        return Err(GroupError::NotFound);
    }
    let member = serde_json::json!({ "customer_id": customer_id });
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::CustomerGroupMemberRemoved, id, at).before(&member))?;
    Ok(())
}
