//! Groups of a customer's accounts, as the customer's identity provider
//! keeps them (SCIM `Groups`). Deleted accounts leave their groups.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::database::per_backend;
use crate::schema::{account_group_members, account_groups, accounts};
use crate::{DbConnection, StoreError};

/// A group as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = account_groups)]
pub struct GroupRecord {
    /// Primary key.
    pub id: String,
    /// The MSP.
    pub msp_id: String,
    /// The customer.
    pub customer_id: String,
    /// Its name.
    pub display_name: String,
    /// Its id in the customer's directory.
    pub external_id: Option<String>,
    /// When created (UTC).
    pub created_at: NaiveDateTime,
    /// When last changed (UTC).
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = account_group_members)]
struct MemberRow<'a> {
    group_id: &'a str,
    account_id: &'a str,
}

/// Stores a new group.
pub fn insert(conn: &mut DbConnection, group: &GroupRecord) -> Result<(), StoreError> {
    diesel::insert_into(account_groups::table).values(group).execute(conn)?;
    Ok(())
}

/// A group of the customer.
pub fn find(conn: &mut DbConnection, customer_id: &str, id: &str) -> Result<Option<GroupRecord>, StoreError> {
    account_groups::table
        .filter(account_groups::customer_id.eq(customer_id))
        .filter(account_groups::id.eq(id))
        .select(GroupRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// Every group of the customer, oldest first.
pub fn all(conn: &mut DbConnection, customer_id: &str) -> Result<Vec<GroupRecord>, StoreError> {
    account_groups::table
        .filter(account_groups::customer_id.eq(customer_id))
        .order(account_groups::id.asc())
        .select(GroupRecord::as_select())
        .load(conn)
        .map_err(StoreError::from)
}

/// The members of these groups that are not deleted, as (group id, account
/// id), by group, then by account in creation order.
pub fn members_of(conn: &mut DbConnection, group_ids: &[String]) -> Result<Vec<(String, String)>, StoreError> {
    let mut members = Vec::new();
    for batch in group_ids.chunks(500) {
        let rows: Vec<(String, String)> = account_group_members::table
            .inner_join(accounts::table)
            .filter(account_group_members::group_id.eq_any(batch))
            .filter(accounts::deleted_at.is_null())
            .order((account_group_members::group_id.asc(), account_group_members::account_id.asc()))
            .select((account_group_members::group_id, account_group_members::account_id))
            .load(conn)?;
        members.extend(rows);
    }
    Ok(members)
}

/// Writes a group's name, external id and time of change.
pub fn update(conn: &mut DbConnection, group: &GroupRecord) -> Result<(), StoreError> {
    diesel::update(account_groups::table.find(&group.id))
        .set((
            account_groups::display_name.eq(&group.display_name),
            account_groups::external_id.eq(&group.external_id),
            account_groups::updated_at.eq(group.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Makes `account_ids` the group's members, and only them.
pub fn set_members(conn: &mut DbConnection, group_id: &str, account_ids: &[String]) -> Result<(), StoreError> {
    diesel::delete(account_group_members::table.filter(account_group_members::group_id.eq(group_id))).execute(conn)?;
    let rows: Vec<MemberRow<'_>> = account_ids.iter().map(|account_id| MemberRow { group_id, account_id }).collect();
    for batch in rows.chunks(1_000) {
        per_backend!(conn, |backend| diesel::insert_into(account_group_members::table).values(batch).execute(backend))?;
    }
    Ok(())
}

/// Deletes a group (its memberships go with it).
pub fn delete(conn: &mut DbConnection, id: &str) -> Result<(), StoreError> {
    diesel::delete(account_groups::table.find(id)).execute(conn)?;
    Ok(())
}

/// Takes a deleted account out of every group.
pub fn forget_account(conn: &mut DbConnection, account_id: &str) -> Result<(), StoreError> {
    diesel::delete(account_group_members::table.filter(account_group_members::account_id.eq(account_id)))
        .execute(conn)?;
    Ok(())
}
