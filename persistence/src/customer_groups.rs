//! Customer groups and their members.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::customer_groups::{GroupDescription, GroupKind, GroupName};

use crate::error::Retryable;
use crate::schema::{customer_group_members, customer_groups, customers};
use crate::{DbConnection, StoreError};

/// A group as stored, with its member count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// Primary key.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// `sector`, `location` or `custom`.
    pub kind: GroupKind,
    /// Customers in the group.
    pub member_count: i64,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_groups)]
struct GroupRow {
    id: String,
    msp_id: String,
    name: String,
    sort_name: String,
    description: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    kind: GroupKind,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl GroupRow {
    fn into_record(self, member_count: i64) -> GroupRecord {
        GroupRecord {
            id: self.id,
            name: self.name,
            description: self.description,
            kind: self.kind,
            member_count,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

/// Why a group could not be written.
#[derive(Debug, thiserror::Error)]
pub enum GroupWriteError {
    /// Another group of the MSP has this name (in any case).
    #[error("group name taken")]
    NameTaken,
    /// Any other storage failure.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for GroupWriteError {
    fn from(error: StoreError) -> Self {
        match error {
            // The only unique key group writes can hit is (msp_id, sort_name).
            StoreError::UniqueViolation(_) => Self::NameTaken,
            other => Self::Store(other),
        }
    }
}

impl From<diesel::result::Error> for GroupWriteError {
    fn from(error: diesel::result::Error) -> Self {
        StoreError::from(error).into()
    }
}

impl Retryable for GroupWriteError {
    fn is_retryable(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_retryable())
    }
}

/// Inserts a group.
pub fn insert(
    conn: &mut DbConnection,
    msp_id: &str,
    name: &GroupName,
    description: &GroupDescription,
    kind: GroupKind,
    now: DateTime<Utc>,
) -> Result<GroupRecord, GroupWriteError> {
    let row = GroupRow {
        id: crate::new_id(),
        msp_id: msp_id.to_owned(),
        name: name.as_str().to_owned(),
        sort_name: name.sort_key(),
        description: description.as_str().to_owned(),
        kind,
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    };
    diesel::insert_into(customer_groups::table).values(row.clone()).execute(conn)?;
    Ok(row.into_record(0))
}

/// Finds a group of `msp_id`.
pub fn find(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<Option<GroupRecord>, StoreError> {
    let row: Option<GroupRow> = customer_groups::table
        .filter(customer_groups::msp_id.eq(msp_id))
        .filter(customer_groups::id.eq(id))
        .select(GroupRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let count = member_counts(conn, msp_id, std::slice::from_ref(&row.id))?.first().map_or(0, |(_, n)| *n);
    Ok(Some(row.into_record(count)))
}

/// Up to `limit` groups of `msp_id` after id `after`, oldest first; only
/// those with `customer_id` as a member when given.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<GroupRecord>, StoreError> {
    let mut query = customer_groups::table
        .filter(customer_groups::msp_id.eq(msp_id))
        .select(GroupRow::as_select())
        .order(customer_groups::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(customer_groups::id.gt(after.to_owned()));
    }
    if let Some(customer_id) = customer_id {
        query = query.filter(
            customer_groups::id.eq_any(
                customer_group_members::table
                    .filter(customer_group_members::msp_id.eq(msp_id.to_owned()))
                    .filter(customer_group_members::customer_id.eq(customer_id.to_owned()))
                    .select(customer_group_members::group_id),
            ),
        );
    }
    let rows: Vec<GroupRow> = query.load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let counts: std::collections::HashMap<String, i64> = member_counts(conn, msp_id, &ids)?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let count = counts.get(&row.id).copied().unwrap_or(0);
            row.into_record(count)
        })
        .collect())
}

fn member_counts(conn: &mut DbConnection, msp_id: &str, ids: &[String]) -> Result<Vec<(String, i64)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    customer_group_members::table
        .filter(customer_group_members::msp_id.eq(msp_id))
        .filter(customer_group_members::group_id.eq_any(ids))
        .group_by(customer_group_members::group_id)
        .select((customer_group_members::group_id, diesel::dsl::count_star()))
        .load(conn)
        .map_err(StoreError::from)
}

/// Changes a group; `None` fields stay. `None` when there is no such group.
pub fn update(
    conn: &mut DbConnection,
    msp_id: &str,
    id: &str,
    name: Option<&GroupName>,
    description: Option<&GroupDescription>,
    kind: Option<GroupKind>,
    now: DateTime<Utc>,
) -> Result<Option<GroupRecord>, GroupWriteError> {
    let updated = diesel::update(
        customer_groups::table.filter(customer_groups::msp_id.eq(msp_id)).filter(customer_groups::id.eq(id)),
    )
    .set((
        name.map(|n| customer_groups::name.eq(n.as_str().to_owned())),
        name.map(|n| customer_groups::sort_name.eq(n.sort_key())),
        description.map(|d| customer_groups::description.eq(d.as_str().to_owned())),
        kind.map(|k| customer_groups::kind.eq(k.as_str().to_owned())),
        customer_groups::updated_at.eq(now.naive_utc()),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Ok(None);
    }
    Ok(find(conn, msp_id, id)?)
}

/// Deletes a group and its memberships — never its customers. False when
/// there is no such group.
pub fn delete(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<bool, StoreError> {
    diesel::delete(
        customer_group_members::table
            .filter(customer_group_members::msp_id.eq(msp_id))
            .filter(customer_group_members::group_id.eq(id)),
    )
    .execute(conn)?;
    let deleted = diesel::delete(
        customer_groups::table.filter(customer_groups::msp_id.eq(msp_id)).filter(customer_groups::id.eq(id)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// What adding a member did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// The customer joined the group.
    Added,
    /// The customer was in the group already.
    AlreadyMember,
    /// The group or the customer is not the MSP's.
    NotFound,
}

/// Adds a customer of `msp_id` to a group of `msp_id`. Idempotent.
pub fn add_member(
    conn: &mut DbConnection,
    msp_id: &str,
    group_id: &str,
    customer_id: &str,
    now: DateTime<Utc>,
) -> Result<Membership, StoreError> {
    let group_exists: bool = diesel::select(diesel::dsl::exists(
        customer_groups::table.filter(customer_groups::msp_id.eq(msp_id)).filter(customer_groups::id.eq(group_id)),
    ))
    .get_result(conn)?;
    let customer_exists: bool = diesel::select(diesel::dsl::exists(
        customers::table.filter(customers::msp_id.eq(msp_id)).filter(customers::id.eq(customer_id)),
    ))
    .get_result(conn)?;
    if !group_exists || !customer_exists {
        return Ok(Membership::NotFound);
    }
    let already: bool = diesel::select(diesel::dsl::exists(
        customer_group_members::table
            .filter(customer_group_members::group_id.eq(group_id))
            .filter(customer_group_members::customer_id.eq(customer_id)),
    ))
    .get_result(conn)?;
    if already {
        return Ok(Membership::AlreadyMember);
    }
    diesel::insert_into(customer_group_members::table)
        .values((
            customer_group_members::msp_id.eq(msp_id),
            customer_group_members::group_id.eq(group_id),
            customer_group_members::customer_id.eq(customer_id),
            customer_group_members::added_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(Membership::Added)
}

/// Removes a customer from a group; false when it was not a member.
pub fn remove_member(
    conn: &mut DbConnection,
    msp_id: &str,
    group_id: &str,
    customer_id: &str,
) -> Result<bool, StoreError> {
    let removed = diesel::delete(
        customer_group_members::table
            .filter(customer_group_members::msp_id.eq(msp_id))
            .filter(customer_group_members::group_id.eq(group_id))
            .filter(customer_group_members::customer_id.eq(customer_id)),
    )
    .execute(conn)?;
    Ok(removed == 1)
}
