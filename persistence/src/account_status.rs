//! Status changes of accounts: a [`StatusBatch`] writes each account's row
//! and history as the change is made, and the counters and the monthly
//! roll-up once, at the end of the caller's transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::accounts::{AccountStatus, NewAccount};
use domain::maa::{Effect, Month};

use crate::accounts::{AccountRecord, Organization, StatusChangeRecord, add_active, new_record};
use crate::schema::{account_status_changes, accounts};
use crate::{DbConnection, StoreError};

/// Writes an account's new status and keeps the change in its history;
/// `effect` is what the change did to the roll-up (from
/// [`domain::maa::effect_of`]).
fn write_status(
    conn: &mut DbConnection,
    account: &AccountRecord,
    to: AccountStatus,
    effect: Effect,
    at: NaiveDateTime,
    changed_by: &str,
) -> Result<(), StoreError> {
    diesel::update(accounts::table.find(&account.id))
        .set((
            accounts::status.eq(to.as_str()),
            accounts::last_active_month.eq(effect.last_active_month.first_day()),
            accounts::status_changed_at.eq(at),
            accounts::updated_at.eq(at),
        ))
        .execute(conn)?;
    diesel::insert_into(account_status_changes::table)
        .values(StatusChangeRecord {
            id: crate::new_id(),
            account_id: account.id.clone(),
            msp_id: account.msp_id.clone(),
            status: to,
            changed_at: at,
            changed_by: changed_by.to_owned(),
        })
        .execute(conn)?;
    Ok(())
}

/// Status changes of one organisation within one transaction: each account's
/// row and history are written as the change is made; the counters and the
/// roll-up once, by [`StatusBatch::finish`]. The caller holds the locks of
/// [`lock_budget`] and has checked the budget for each activation.
#[derive(Debug)]
pub struct StatusBatch<'a> {
    msp_id: &'a str,
    organization: Organization<'a>,
    changed_by: &'a str,
    tallies: std::collections::BTreeMap<Month, domain::maa::MonthTally>,
    net_change: i64,
}

impl<'a> StatusBatch<'a> {
    /// A batch for the organisation's accounts, made by `changed_by`.
    pub fn new(msp_id: &'a str, organization: Organization<'a>, changed_by: &'a str) -> Self {
        Self { msp_id, organization, changed_by, tallies: Default::default(), net_change: 0 }
    }

    fn count(&mut self, effect: Option<Effect>) {
        if let Some(effect) = effect {
            *self.tallies.entry(effect.month).or_default() += effect.tally;
            self.net_change += effect.tally.net_change;
        }
    }

    /// The record of a new account with its first status, counted in the
    /// batch; write it with [`insert_all`].
    pub fn create(&mut self, new: &NewAccount, at: NaiveDateTime) -> AccountRecord {
        let effect = domain::maa::effect_of(None, new.status, None, at);
        self.count(effect);
        new_record(self.msp_id, self.organization, new, effect, at)
    }

    /// Moves `account` to `to`, at `at` or, should the clock of another
    /// server be behind, just after its last change, so that its history
    /// stays in order. Returns the account as changed; unchanged when it
    /// already had that status.
    pub fn change(
        &mut self,
        conn: &mut DbConnection,
        account: &AccountRecord,
        to: AccountStatus,
        at: NaiveDateTime,
    ) -> Result<AccountRecord, StoreError> {
        let at = at.max(account.status_changed_at);
        let Some(effect) = domain::maa::effect_of(Some(account.account_status()), to, account.last_active(), at) else {
            return Ok(account.clone());
        };
        write_status(conn, account, to, effect, at, self.changed_by)?;
        self.count(Some(effect));
        Ok(AccountRecord {
            status: to,
            last_active_month: Some(effect.last_active_month.first_day()),
            status_changed_at: at,
            updated_at: at,
            ..account.clone()
        })
    }

    /// Writes the counters and the roll-up of every change of the batch.
    pub fn finish(self, conn: &mut DbConnection) -> Result<(), StoreError> {
        let organization_id = self.organization.tally_id(self.msp_id).to_owned();
        crate::maa::add_tallies(conn, self.msp_id, &organization_id, &self.tallies)?;
        add_active(conn, self.msp_id, self.organization, self.net_change)
    }
}
