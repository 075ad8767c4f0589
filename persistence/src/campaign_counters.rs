//! A campaign's results kept as counters: one row for the whole campaign,
//! one per department and one per scenario, each changed by the difference
//! an event or a delivery made (see `domain::campaigns::results`), so that
//! reading a summary costs the same at 100,000 recipients as at 10.

use diesel::prelude::*;
use domain::campaigns::results::{Breakdown, Counters, Tally};

use crate::database::per_backend;
use crate::schema::campaign_counters;
use crate::{DbConnection, StoreError};

/// Rows at a time in one `INSERT`.
const INSERT_CHUNK: usize = 500;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = campaign_counters)]
struct CounterRow {
    msp_id: String,
    campaign_id: String,
    dimension: String,
    key: String,
    recipients: i64,
    sent: i64,
    failed: i64,
    opened: i64,
    opened_any: i64,
    clicked: i64,
    clicked_any: i64,
    submitted: i64,
    submitted_any: i64,
    reported: i64,
    phish_prone: i64,
    events_human: i64,
    events_automated: i64,
}

impl CounterRow {
    fn counters(&self) -> Counters {
        Counters {
            recipients: self.recipients,
            sent: self.sent,
            failed: self.failed,
            tally: Tally {
                opened: self.opened,
                opened_any: self.opened_any,
                clicked: self.clicked,
                clicked_any: self.clicked_any,
                submitted: self.submitted,
                submitted_any: self.submitted_any,
                reported: self.reported,
                phish_prone: self.phish_prone,
                events_human: self.events_human,
                events_automated: self.events_automated,
            },
        }
    }
}

/// Creates the counters of a campaign just planned: `rows` are
/// (breakdown, key, recipients).
pub fn create(
    conn: &mut DbConnection,
    msp_id: &str,
    campaign_id: &str,
    rows: &[(Breakdown, String, i64)],
) -> Result<(), StoreError> {
    let records: Vec<CounterRow> = rows
        .iter()
        .map(|(dimension, key, recipients)| CounterRow {
            msp_id: msp_id.to_owned(),
            campaign_id: campaign_id.to_owned(),
            dimension: dimension.as_str().to_owned(),
            key: key.clone(),
            recipients: *recipients,
            sent: 0,
            failed: 0,
            opened: 0,
            opened_any: 0,
            clicked: 0,
            clicked_any: 0,
            submitted: 0,
            submitted_any: 0,
            reported: 0,
            phish_prone: 0,
            events_human: 0,
            events_automated: 0,
        })
        .collect();
    for chunk in records.chunks(INSERT_CHUNK) {
        per_backend!(conn, |backend| diesel::insert_into(campaign_counters::table)
            .values(chunk.to_vec())
            .execute(backend))?;
    }
    Ok(())
}

/// Forgets a campaign's counters (before it is planned again).
pub fn delete(conn: &mut DbConnection, msp_id: &str, campaign_id: &str) -> Result<(), StoreError> {
    diesel::delete(
        campaign_counters::table
            .filter(campaign_counters::msp_id.eq(msp_id))
            .filter(campaign_counters::campaign_id.eq(campaign_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// A change to the counters of one recipient's rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CounterChange {
    /// Messages accepted.
    pub sent: i64,
    /// Messages refused for good.
    pub failed: i64,
    /// Milestones and events.
    pub tally: Tally,
}

/// Adds `change` to the campaign's row, then the department's, then the
/// scenario's. One statement per row, always in that order: an `UPDATE`
/// that matched the three rows at once would lock them in the order it
/// finds them, which changes as rows get new versions, and two hits of one
/// campaign locking two rows in opposite orders deadlock.
pub fn add(
    conn: &mut DbConnection,
    campaign_id: &str,
    department: Option<&str>,
    scenario_id: &str,
    change: &CounterChange,
) -> Result<(), StoreError> {
    use campaign_counters::dsl as c;
    if *change == CounterChange::default() {
        return Ok(());
    }
    let t = &change.tally;
    let rows =
        [(Breakdown::All, ""), (Breakdown::Department, department.unwrap_or("")), (Breakdown::Scenario, scenario_id)];
    for (dimension, key) in rows {
        diesel::update(
            campaign_counters::table
                .filter(c::campaign_id.eq(campaign_id))
                .filter(c::dimension.eq(dimension.as_str()))
                .filter(c::key.eq(key)),
        )
        .set((
            c::sent.eq(c::sent + change.sent),
            c::failed.eq(c::failed + change.failed),
            c::opened.eq(c::opened + t.opened),
            c::opened_any.eq(c::opened_any + t.opened_any),
            c::clicked.eq(c::clicked + t.clicked),
            c::clicked_any.eq(c::clicked_any + t.clicked_any),
            c::submitted.eq(c::submitted + t.submitted),
            c::submitted_any.eq(c::submitted_any + t.submitted_any),
            c::reported.eq(c::reported + t.reported),
            c::phish_prone.eq(c::phish_prone + t.phish_prone),
            c::events_human.eq(c::events_human + t.events_human),
            c::events_automated.eq(c::events_automated + t.events_automated),
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// Every counter row of a campaign of `msp_id`: (breakdown, key, counters),
/// the whole campaign first, then departments and scenarios by key.
pub fn read(
    conn: &mut DbConnection,
    msp_id: &str,
    campaign_id: &str,
) -> Result<Vec<(Breakdown, String, Counters)>, StoreError> {
    let rows: Vec<CounterRow> = campaign_counters::table
        .filter(campaign_counters::msp_id.eq(msp_id))
        .filter(campaign_counters::campaign_id.eq(campaign_id))
        .order((campaign_counters::dimension.asc(), campaign_counters::key.asc()))
        .select(CounterRow::as_select())
        .load(conn)?;
    rows.iter()
        .map(|row| {
            let dimension = row
                .dimension
                .parse::<Breakdown>()
                .map_err(|_| StoreError::Corrupt(format!("campaign {campaign_id}: counter {:?}", row.dimension)))?;
            Ok((dimension, row.key.clone(), row.counters()))
        })
        .collect()
}
