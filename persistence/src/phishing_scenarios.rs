//! The phishing scenarios MSPs write themselves (the built-in catalogue
//! ships in the binary, not in storage).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::campaigns::content::LandingPage;

use crate::schema::{campaigns, phishing_scenarios};
use crate::{DbConnection, StoreError};

/// A scenario as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = phishing_scenarios)]
pub struct ScenarioRecord {
    /// Primary key.
    pub id: String,
    /// The MSP that wrote it.
    pub msp_id: String,
    /// Its name.
    pub name: String,
    /// Its category.
    pub category: String,
    /// 1 (easy to spot) to 5 (hard).
    pub difficulty: i64,
    /// The sender's display name.
    pub sender_name: String,
    /// The part of the sender's address before the simulation domain.
    pub sender_local_part: String,
    /// What its link leads to.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub landing_page: LandingPage,
    /// The languages it exists in, as `,en,de,`.
    pub languages: String,
    /// Its content per language (JSON).
    pub content: String,
    /// Bumped by every change.
    pub version: i64,
    /// When written (UTC).
    pub created_at: NaiveDateTime,
    /// When last changed (UTC).
    pub updated_at: NaiveDateTime,
}

/// Which scenarios a list shows.
#[derive(Debug, Clone, Default)]
pub struct ScenarioFilter {
    /// Only those in this language.
    pub language: Option<String>,
    /// Only this difficulty.
    pub difficulty: Option<i64>,
    /// Only this category.
    pub category: Option<String>,
}

/// The stored form of a list of languages.
pub fn languages_key<S: AsRef<str>>(languages: &[S]) -> String {
    let joined: Vec<&str> = languages.iter().map(AsRef::as_ref).collect();
    format!(",{},", joined.join(","))
}

/// Inserts a scenario.
pub fn insert(conn: &mut DbConnection, record: &ScenarioRecord) -> Result<(), StoreError> {
    diesel::insert_into(phishing_scenarios::table).values(record.clone()).execute(conn)?;
    Ok(())
}

/// A scenario of `msp_id`.
pub fn find(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<Option<ScenarioRecord>, StoreError> {
    phishing_scenarios::table
        .filter(phishing_scenarios::msp_id.eq(msp_id))
        .filter(phishing_scenarios::id.eq(id))
        .select(ScenarioRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// The scenarios of `msp_id` among `ids`.
pub fn find_many(conn: &mut DbConnection, msp_id: &str, ids: &[String]) -> Result<Vec<ScenarioRecord>, StoreError> {
    phishing_scenarios::table
        .filter(phishing_scenarios::msp_id.eq(msp_id))
        .filter(phishing_scenarios::id.eq_any(ids))
        .select(ScenarioRecord::as_select())
        .load(conn)
        .map_err(StoreError::from)
}

/// Up to `limit` scenarios of `msp_id` after id `after`, oldest first.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    filter: &ScenarioFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ScenarioRecord>, StoreError> {
    let mut query = phishing_scenarios::table
        .filter(phishing_scenarios::msp_id.eq(msp_id.to_owned()))
        .select(ScenarioRecord::as_select())
        .order(phishing_scenarios::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(phishing_scenarios::id.gt(after.to_owned()));
    }
    if let Some(language) = &filter.language {
        query = query.filter(phishing_scenarios::languages.like(format!("%,{language},%")));
    }
    if let Some(difficulty) = filter.difficulty {
        query = query.filter(phishing_scenarios::difficulty.eq(difficulty));
    }
    if let Some(category) = &filter.category {
        query = query.filter(phishing_scenarios::category.eq(category.clone()));
    }
    query.load(conn).map_err(StoreError::from)
}

/// Replaces a scenario of `record.msp_id` if its version is one of
/// `expected` (any when `None`); the stored scenario afterwards, or `None`
/// when the version did not match or it is gone (the caller tells which).
pub fn update(
    conn: &mut DbConnection,
    record: &ScenarioRecord,
    expected: Option<&[i64]>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut target = diesel::update(phishing_scenarios::table)
        .filter(phishing_scenarios::msp_id.eq(record.msp_id.clone()))
        .filter(phishing_scenarios::id.eq(record.id.clone()))
        .into_boxed();
    if let Some(versions) = expected {
        target = target.filter(phishing_scenarios::version.eq_any(versions.to_vec()));
    }
    let updated = target
        .set((
            phishing_scenarios::name.eq(&record.name),
            phishing_scenarios::category.eq(&record.category),
            phishing_scenarios::difficulty.eq(record.difficulty),
            phishing_scenarios::sender_name.eq(&record.sender_name),
            phishing_scenarios::sender_local_part.eq(&record.sender_local_part),
            phishing_scenarios::landing_page.eq(record.landing_page.as_str()),
            phishing_scenarios::languages.eq(&record.languages),
            phishing_scenarios::content.eq(&record.content),
            phishing_scenarios::version.eq(phishing_scenarios::version + 1),
            phishing_scenarios::updated_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes a scenario of `msp_id` at one of the `expected` versions (any
/// when `None`); false when there is no such scenario at such a version.
pub fn delete(conn: &mut DbConnection, msp_id: &str, id: &str, expected: Option<&[i64]>) -> Result<bool, StoreError> {
    let mut target = diesel::delete(phishing_scenarios::table)
        .filter(phishing_scenarios::msp_id.eq(msp_id.to_owned()))
        .filter(phishing_scenarios::id.eq(id.to_owned()))
        .into_boxed();
    if let Some(versions) = expected {
        target = target.filter(phishing_scenarios::version.eq_any(versions.to_vec()));
    }
    Ok(target.execute(conn)? == 1)
}

/// Campaigns of `msp_id` not yet ended that use scenario `id` (their ids).
pub fn used_by(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<Vec<String>, StoreError> {
    campaigns::table
        .filter(campaigns::msp_id.eq(msp_id))
        .filter(campaigns::scenario_ids.like(format!("%\"{id}\"%")))
        .filter(campaigns::status.ne_all(["completed", "cancelled"]))
        .select(campaigns::id)
        .load(conn)
        .map_err(StoreError::from)
}
