//! Schema migrations, one folder per backend, embedded in the binary.

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::{DbConnection, StoreError};

const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

/// Key of the PostgreSQL advisory lock held while migrating, so that several
/// server processes starting at once migrate one after the other.
const MIGRATION_LOCK_KEY: i64 = 0x6d73_705f_6d69_6772;

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        DbConnection::Pg(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let applied = pg.run_pending_migrations(POSTGRES).map(versions);
            pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            applied
        }
        // SQLite serialises writers itself.
        DbConnection::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE).map(versions),
    };
    applied.map_err(|e| StoreError::Migration(e.to_string()))
}

/// True when the database lacks a migration this binary knows.
pub fn has_pending(conn: &mut DbConnection) -> Result<bool, StoreError> {
    let pending = match conn {
        DbConnection::Pg(pg) => pg.has_pending_migration(POSTGRES),
        DbConnection::Sqlite(sqlite) => sqlite.has_pending_migration(SQLITE),
    };
    pending.map_err(|e| StoreError::Migration(e.to_string()))
}

fn versions(applied: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    applied.into_iter().map(|v| v.to_string()).collect()
}

#[derive(diesel::QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

/// Every `(table, column)` of the application's schema, without the
/// migration bookkeeping table: what a test compares across the backends.
pub fn describe_columns(conn: &mut DbConnection) -> Result<std::collections::BTreeSet<(String, String)>, StoreError> {
    use diesel::RunQueryDsl;
    let rows: Vec<ColumnRow> = match conn {
        DbConnection::Pg(pg) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name
             FROM information_schema.columns WHERE table_schema = current_schema()",
        )
        .load(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name
             FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .load(sqlite)?,
    };
    Ok(rows
        .into_iter()
        .filter(|r| r.table_name != "__diesel_schema_migrations")
        .map(|r| (r.table_name, r.column_name))
        .collect())
}
