//! Both backends describe the same schema.

use std::collections::BTreeSet;
use std::path::Path;

use e2e_tests::{Backend, spawn_app};

fn migration_names(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let postgres = migration_names("postgres");
    assert!(!postgres.is_empty());
    assert_eq!(postgres, migration_names("sqlite"));
}

#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let Some(postgres) = spawn_app(Backend::Postgres).await else { return };
    let sqlite = spawn_app(Backend::Sqlite).await.expect("SQLite");
    let pg_columns = postgres.with_db(|conn| persistence::migrations::describe_columns(conn).unwrap()).await;
    let sqlite_columns = sqlite.with_db(|conn| persistence::migrations::describe_columns(conn).unwrap()).await;
    assert!(pg_columns.contains(&("customers".to_owned(), "msp_id".to_owned())));
    assert_eq!(pg_columns, sqlite_columns);
}

/// The migration twins agree on more than names: each column's kind of
/// value and nullability, each unique index, each table's CHECKs.
#[tokio::test]
async fn both_backends_have_the_same_types_nullability_unique_indexes_and_checks() {
    let Some(postgres) = spawn_app(Backend::Postgres).await else { return };
    let sqlite = spawn_app(Backend::Sqlite).await.expect("SQLite");
    let pg = postgres.with_db(|conn| persistence::schema_facts::describe(conn).unwrap()).await;
    let lite = sqlite.with_db(|conn| persistence::schema_facts::describe(conn).unwrap()).await;
    assert!(pg.unique_indexes.iter().any(|(table, ..)| table == "customers"), "{:?}", pg.unique_indexes);
    let columns = (only(&pg.columns, &lite.columns), only(&lite.columns, &pg.columns));
    assert!(
        columns.0.is_empty() && columns.1.is_empty(),
        "columns only on PostgreSQL: {:#?}\nonly on SQLite: {:#?}",
        columns.0,
        columns.1
    );
    let indexes = (only(&pg.unique_indexes, &lite.unique_indexes), only(&lite.unique_indexes, &pg.unique_indexes));
    assert!(
        indexes.0.is_empty() && indexes.1.is_empty(),
        "unique indexes only on PostgreSQL: {:#?}\nonly on SQLite: {:#?}",
        indexes.0,
        indexes.1
    );
    assert_eq!(pg.checks, lite.checks, "CHECK constraints per table (PostgreSQL, SQLite)");
    let jobs_key = ("jobs".to_owned(), vec!["unique_key".to_owned()], true);
    assert!(lite.unique_indexes.contains(&jobs_key), "a failed job releases its key: {:?}", lite.unique_indexes);
}

fn only<T: Ord + Clone>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> Vec<T> {
    a.difference(b).cloned().collect()
}
