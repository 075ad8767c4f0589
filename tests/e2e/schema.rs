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
