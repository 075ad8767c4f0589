//! What the two backends' migrations built, in terms both can be compared
//! in: each column's kind of value and nullability, each unique index's
//! columns and whether it is partial (`WHERE …`), and each table's number of CHECK constraints. The migrations are
//! written twice (one folder per dialect); a test compares these facts so
//! that the twins cannot drift apart unseen.

use std::collections::{BTreeMap, BTreeSet};

use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

use crate::{DbConnection, StoreError};

/// One column, as both backends can describe it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnFacts {
    /// Its table.
    pub table: String,
    /// Its name.
    pub column: String,
    /// Its kind of value: `text`, `int4`, `int8`, `bool`, `timestamp`,
    /// `date`, `float`, `bytes` (or the backend's own spelling when unknown).
    pub kind: String,
    /// Whether it may hold NULL.
    pub nullable: bool,
}

/// The schema facts of one database.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SchemaFacts {
    /// Every column of the application's tables.
    pub columns: BTreeSet<ColumnFacts>,
    /// Every unique index (primary keys included): its table, its columns
    /// in order (`(expression)` standing for an expression), and whether it
    /// is partial.
    pub unique_indexes: BTreeSet<(String, Vec<String>, bool)>,
    /// The number of CHECK constraints of each table that has any.
    pub checks: BTreeMap<String, usize>,
}

#[derive(diesel::QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

#[derive(diesel::QueryableByName)]
struct IndexColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = BigInt)]
    position: i64,
    #[diesel(sql_type = Nullable<Text>)]
    column_name: Option<String>,
    #[diesel(sql_type = Bool)]
    partial: bool,
}

#[derive(diesel::QueryableByName)]
struct CheckRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = BigInt)]
    checks: i64,
}

#[derive(diesel::QueryableByName)]
struct TableSql {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    sql: String,
}

const BOOKKEEPING: &str = "__diesel_schema_migrations";

/// Reads the schema facts of the database behind `conn`.
pub fn describe(conn: &mut DbConnection) -> Result<SchemaFacts, StoreError> {
    let (columns, index_columns, checks) = match conn {
        DbConnection::Pg(pg) => {
            let columns: Vec<ColumnRow> = diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type,
                        is_nullable = 'YES' AS nullable
                 FROM information_schema.columns WHERE table_schema = current_schema()",
            )
            .load(pg)?;
            let index_columns: Vec<IndexColumnRow> = diesel::sql_query(
                "SELECT t.relname::text AS table_name, i.relname::text AS index_name, k.position::bigint AS position,
                        a.attname::text AS column_name, x.indpred IS NOT NULL AS partial
                 FROM pg_index x
                 JOIN pg_class t ON t.oid = x.indrelid
                 JOIN pg_class i ON i.oid = x.indexrelid
                 JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
                 CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
                 LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
                 WHERE x.indisunique",
            )
            .load(pg)?;
            let checks: Vec<CheckRow> = diesel::sql_query(
                "SELECT t.relname::text AS table_name, count(*)::bigint AS checks
                 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                 JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
                 WHERE c.contype = 'c' GROUP BY t.relname",
            )
            .load(pg)?;
            (columns, index_columns, checks)
        }
        DbConnection::Sqlite(sqlite) => {
            // A primary-key column is NOT NULL in effect (every id is set by
            // the application), whatever SQLite's lax rule for it says.
            let columns: Vec<ColumnRow> = diesel::sql_query(
                "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type,
                        (p.\"notnull\" = 0 AND p.pk = 0) AS nullable
                 FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            )
            .load(sqlite)?;
            let index_columns: Vec<IndexColumnRow> = diesel::sql_query(
                "SELECT m.name AS table_name, l.name AS index_name, c.seqno AS position, c.name AS column_name,
                        l.partial = 1 AS partial
                 FROM sqlite_master AS m
                 JOIN pragma_index_list(m.name) AS l
                 JOIN pragma_index_info(l.name) AS c
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND l.\"unique\" = 1",
            )
            .load(sqlite)?;
            let tables: Vec<TableSql> = diesel::sql_query(
                "SELECT name AS table_name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .load(sqlite)?;
            let checks = tables
                .into_iter()
                .map(|t| CheckRow { checks: count_checks(&t.sql), table_name: t.table_name })
                .filter(|row| row.checks > 0)
                .collect();
            (columns, index_columns, checks)
        }
    };
    let columns = columns
        .into_iter()
        .filter(|c| c.table_name != BOOKKEEPING)
        .map(|c| ColumnFacts {
            kind: kind_of(&c.data_type),
            table: c.table_name,
            column: c.column_name,
            nullable: c.nullable,
        })
        .collect();
    let mut indexes: BTreeMap<(String, String, bool), Vec<(i64, String)>> = BTreeMap::new();
    for row in index_columns.into_iter().filter(|r| r.table_name != BOOKKEEPING) {
        let column = row.column_name.unwrap_or_else(|| "(expression)".to_owned());
        indexes.entry((row.table_name, row.index_name, row.partial)).or_default().push((row.position, column));
    }
    let unique_indexes = indexes
        .into_iter()
        .map(|((table, _, partial), mut columns)| {
            columns.sort();
            (table, columns.into_iter().map(|(_, c)| c).collect(), partial)
        })
        .collect();
    let checks = checks
        .into_iter()
        .filter(|c| c.table_name != BOOKKEEPING)
        .map(|c| (c.table_name, usize::try_from(c.checks).unwrap_or(0)))
        .collect();
    Ok(SchemaFacts { columns, unique_indexes, checks })
}

/// The kind of value of a column type, as either backend spells it.
fn kind_of(declared: &str) -> String {
    let declared = declared.trim().to_ascii_lowercase();
    let base = declared.split('(').next().unwrap_or_default().trim();
    match base {
        "text" | "character varying" | "varchar" | "character" | "char" => "text",
        "bigint" | "int8" | "bigserial" => "int8",
        "integer" | "int" | "int4" | "serial" => "int4",
        "smallint" | "int2" => "int2",
        "boolean" | "bool" => "bool",
        "timestamp" | "timestamp without time zone" | "datetime" => "timestamp",
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "date" => "date",
        "double precision" | "double" | "real" | "float" | "float8" => "float",
        "bytea" | "blob" | "binary" => "bytes",
        other => other,
    }
    .to_owned()
}

/// CHECK constraints in a SQLite `CREATE TABLE` statement.
fn count_checks(sql: &str) -> i64 {
    let upper = sql.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let found = upper
        .match_indices("CHECK")
        .filter(|(at, _)| {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(at + 5).copied();
            let boundary = |b: Option<u8>| b.is_none_or(|b| !(b.is_ascii_alphanumeric() || b == b'_'));
            boundary(before) && boundary(after)
        })
        .count();
    i64::try_from(found).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_of_a_type_are_one_kind() {
        for (pg, sqlite) in [
            ("bigint", "BIGINT"),
            ("integer", "INTEGER"),
            ("text", "TEXT"),
            ("character varying", "VARCHAR(200)"),
            ("boolean", "BOOLEAN"),
            ("timestamp without time zone", "TIMESTAMP"),
            ("bytea", "BLOB"),
        ] {
            assert_eq!(kind_of(pg), kind_of(sqlite), "{pg} ~ {sqlite}");
        }
        assert_ne!(kind_of("bigint"), kind_of("INTEGER"));
    }

    #[test]
    fn checks_are_counted_as_words() {
        assert_eq!(count_checks("CREATE TABLE t (a TEXT CHECK (a <> ''), b INT, CONSTRAINT x check(b > 0))"), 2);
        assert_eq!(count_checks("CREATE TABLE checks (rechecked TEXT)"), 0);
    }
}
