//! Creating and dropping whole PostgreSQL databases: used by the test
//! harness (one database per test) and by operators preparing a server.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::{Connection, ConnectionResult, RunQueryDsl};

use crate::StoreError;

/// Replaces the database name of a PostgreSQL URL.
pub fn with_database(server_url: &str, database: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{root}/{database}?{query}"),
        None => format!("{root}/{database}"),
    }
}

/// Checks that a PostgreSQL server answers at `url`.
pub fn postgres_answers(url: &str) -> ConnectionResult<()> {
    PgConnection::establish(url).map(|_| ())
}

/// Creates database `name` (letters, digits and underscores only) on the
/// server at `server_url`.
pub fn create_postgres_database(server_url: &str, name: &str) -> Result<(), StoreError> {
    check_identifier(name)?;
    let mut conn = PgConnection::establish(server_url)
        .map_err(|e| StoreError::Config(format!("cannot connect to PostgreSQL: {e}")))?;
    conn.batch_execute(&format!("CREATE DATABASE \"{name}\"")).map_err(StoreError::from)
}

/// Creates database `name` as a copy of database `template` (which nobody
/// may be connected to), e.g. one with every migration applied.
pub fn create_postgres_database_from(server_url: &str, name: &str, template: &str) -> Result<(), StoreError> {
    check_identifier(name)?;
    check_identifier(template)?;
    let mut conn = PgConnection::establish(server_url)
        .map_err(|e| StoreError::Config(format!("cannot connect to PostgreSQL: {e}")))?;
    conn.batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"")).map_err(StoreError::from)
}

/// Renames database `from` to `to` (nobody may be connected to it).
pub fn rename_postgres_database(server_url: &str, from: &str, to: &str) -> Result<(), StoreError> {
    check_identifier(from)?;
    check_identifier(to)?;
    let mut conn = PgConnection::establish(server_url)
        .map_err(|e| StoreError::Config(format!("cannot connect to PostgreSQL: {e}")))?;
    conn.batch_execute(&format!("ALTER DATABASE \"{from}\" RENAME TO \"{to}\"")).map_err(StoreError::from)
}

/// Whether database `name` exists on the server at `server_url`.
pub fn postgres_database_exists(server_url: &str, name: &str) -> Result<bool, StoreError> {
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let mut conn = PgConnection::establish(server_url)
        .map_err(|e| StoreError::Config(format!("cannot connect to PostgreSQL: {e}")))?;
    let found: Found = diesel::sql_query("SELECT count(*) AS count FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(&mut conn)?;
    Ok(found.count > 0)
}

/// Drops database `name`, disconnecting whoever is still connected.
pub fn drop_postgres_database(server_url: &str, name: &str) -> Result<(), StoreError> {
    check_identifier(name)?;
    let mut conn = PgConnection::establish(server_url)
        .map_err(|e| StoreError::Config(format!("cannot connect to PostgreSQL: {e}")))?;
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).map_err(StoreError::from)
}

fn check_identifier(name: &str) -> Result<(), StoreError> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(StoreError::Config(format!("unsafe database name '{name}'")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(with_database("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
        assert_eq!(with_database("postgres://u@h/db?sslmode=disable", "t1"), "postgres://u@h/t1?sslmode=disable");
    }
}
