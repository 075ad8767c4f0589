//! Write transactions that behave the same on both backends.

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

use crate::DbConnection;
use crate::error::Retryable;

/// How often a transaction that lost a serialization conflict is re-run.
const MAX_ATTEMPTS: usize = 3;

/// Runs `work` in one write transaction and commits it if `work` returns
/// `Ok`, rolls back otherwise.
///
/// On SQLite the transaction starts with `BEGIN IMMEDIATE`, taking the write
/// lock up front: a deferred transaction that reads and then writes fails with
/// "database is locked" when another writer got in between, whatever the busy
/// timeout. On PostgreSQL a serialization failure (SQLSTATE 40001, common on
/// distributed engines) re-runs `work` a few times, so `work` must not have
/// effects outside the transaction.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, mut work: F) -> Result<T, E>
where
    F: FnMut(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error> + Retryable,
{
    let mut attempt = 1;
    loop {
        let result = match conn {
            DbConnection::Sqlite(_) => sqlite_immediate(conn, &mut work),
            DbConnection::Pg(_) => conn.transaction(&mut work),
        };
        match result {
            Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => attempt += 1,
            other => return other,
        }
    }
}

fn sqlite_immediate<T, E, F>(conn: &mut DbConnection, work: &mut F) -> Result<T, E>
where
    F: FnMut(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let DbConnection::Sqlite(inner) = conn else {
        return conn.transaction(work);
    };
    let depth = AnsiTransactionManager::transaction_manager_status_mut(inner).transaction_depth().map_err(E::from)?;
    if depth.is_some() {
        // Already inside a transaction, which holds the lock: a savepoint suffices.
        return conn.transaction(work);
    }
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    let result = work(conn);
    let DbConnection::Sqlite(inner) = conn else {
        return result;
    };
    match result {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(inner)?;
            Ok(value)
        }
        Err(error) => {
            AnsiTransactionManager::rollback_transaction(inner)?;
            Err(error)
        }
    }
}
