//! MSP rows.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::msps::MspName;

use crate::schema::msps;
use crate::{DbConnection, StoreError};

/// An MSP as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = msps)]
pub struct MspRecord {
    /// Primary key.
    pub id: String,
    /// Display name, unique without regard to case.
    pub name: String,
    /// When it was created (UTC).
    pub created_at: NaiveDateTime,
}

/// Inserts an MSP. A name already taken (in any case) gives
/// [`StoreError::UniqueViolation`].
pub fn insert(conn: &mut DbConnection, name: &MspName, now: DateTime<Utc>) -> Result<MspRecord, StoreError> {
    let record = MspRecord { id: crate::new_id(), name: name.as_str().to_owned(), created_at: now.naive_utc() };
    diesel::insert_into(msps::table).values(&record).execute(conn)?;
    Ok(record)
}

/// Finds an MSP by id.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<MspRecord>, StoreError> {
    msps::table.find(id).select(MspRecord::as_select()).first(conn).optional().map_err(StoreError::from)
}

/// True when an MSP with this name (in any case) exists.
pub fn name_taken(conn: &mut DbConnection, name: &MspName) -> Result<bool, StoreError> {
    diesel::select(diesel::dsl::exists(msps::table.filter(lower(msps::name).eq(name.as_str().to_lowercase()))))
        .get_result(conn)
        .map_err(StoreError::from)
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
