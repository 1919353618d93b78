//! Both migration sets must describe the same schema: the same tables and columns (names,
//! nullability), the same column types and defaults once each backend's spelling is
//! normalised, and the same keys and indexes (names, columns, order, uniqueness). What
//! differs on purpose is listed below with its reason.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text};
use libtest_mimic::{Completion, Trial};

use crate::common::{Backend, FreshDb, postgres_url, skipped_reason};

/// Indexes only PostgreSQL has, with the reason. SQLite's counterparts are tables of their
/// own (left out of the comparison), not indexes.
const POSTGRES_ONLY_INDEXES: &[(&str, &str)] = &[(
    "articles_search",
    "PostgreSQL's full-text index (GIN over articles.search_doc); SQLite's is the articles_fts \
     FTS5 table",
)];

#[derive(QueryableByName, Debug)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    column_type: String,
    #[diesel(sql_type = Integer)]
    nullable: i32,
    #[diesel(sql_type = Nullable<Text>)]
    default_value: Option<String>,
}

/// One key column of one index.
#[derive(QueryableByName, Debug)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Integer)]
    is_unique: i32,
    /// `pk` (the primary key), `u` (a UNIQUE constraint) or `c` (CREATE INDEX).
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Integer)]
    partial: i32,
    #[diesel(sql_type = Integer)]
    seqno: i32,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Integer)]
    descending: i32,
}

/// A column as both backends should agree on it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    /// One name per type: `integer`, `bigint`, `text`, `boolean`, `timestamp`, `date`.
    ty: String,
    nullable: bool,
    /// The default as written, without PostgreSQL's `::type` and with booleans spelled
    /// `true` and `false`.
    default: Option<String>,
}

/// An index made by CREATE INDEX, which both backends name alike.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Index {
    table: String,
    unique: bool,
    partial: bool,
    /// Key columns in order, `DESC` appended where descending.
    columns: Vec<String>,
}

/// The parts of a migrated schema that are compared.
#[derive(Debug, Default)]
struct Catalog {
    /// By `table.column`.
    columns: BTreeMap<String, Column>,
    /// Primary key columns by table.
    primary_keys: BTreeMap<String, Vec<String>>,
    /// UNIQUE constraints by table: the backends name these differently, so only their
    /// columns count.
    unique_constraints: BTreeMap<String, BTreeSet<Vec<String>>>,
    /// By name.
    indexes: BTreeMap<String, Index>,
}

/// Tables made by the backend or for one backend's full-text search, and PostgreSQL's
/// stored search document: SQLite keeps its search in the `articles_fts` tables instead.
fn left_out(table: &str, column: Option<&str>) -> bool {
    table.starts_with("__diesel")
        || table.starts_with("sqlite_")
        || table.starts_with("articles_fts")
        || (table == "articles" && column == Some("search_doc"))
}

fn normal_type(declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "int" | "int4" => "integer",
        "bigint" | "int8" => "bigint",
        "text" | "varchar" | "character varying" => "text",
        "boolean" | "bool" => "boolean",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "date" => "date",
        other => return format!("unknown type {other}"),
    }
    .to_owned()
}

fn normal_default(ty: &str, default: Option<String>) -> Option<String> {
    let default = default?;
    // PostgreSQL writes a literal's type after it: `''::text`, `'draft'::text`.
    let value = match default.rsplit_once("::") {
        Some((value, cast)) if !cast.contains('\'') => value.to_owned(),
        _ => default,
    };
    Some(match (ty, value.to_ascii_lowercase().as_str()) {
        ("boolean", "0" | "false") => "false".to_owned(),
        ("boolean", "1" | "true") => "true".to_owned(),
        _ => value,
    })
}

/// One backend's catalog rows in the compared form; `pk_columns` are (table, position in
/// the key, column).
fn catalog(
    columns: Vec<ColumnRow>,
    mut pk_columns: Vec<(String, i32, String)>,
    mut indexes: Vec<IndexRow>,
) -> Catalog {
    let mut out = Catalog::default();
    for c in columns {
        if left_out(&c.table_name, Some(&c.column_name)) {
            continue;
        }
        let ty = normal_type(&c.column_type);
        let default = normal_default(&ty, c.default_value);
        out.columns.insert(
            format!("{}.{}", c.table_name, c.column_name),
            Column {
                ty,
                nullable: c.nullable != 0,
                default,
            },
        );
    }
    pk_columns.sort();
    for (table, _, column) in pk_columns {
        if !left_out(&table, None) {
            out.primary_keys.entry(table).or_default().push(column);
        }
    }
    let mut keyed: BTreeMap<(String, String), (String, Index)> = BTreeMap::new();
    indexes.sort_by_key(|i| (i.index_name.clone(), i.seqno));
    for i in indexes {
        if left_out(&i.table_name, None) {
            continue;
        }
        let column = if i.descending != 0 {
            format!("{} DESC", i.column_name)
        } else {
            i.column_name
        };
        keyed
            .entry((i.table_name.clone(), i.index_name))
            .or_insert_with(|| {
                (
                    i.kind,
                    Index {
                        table: i.table_name,
                        unique: i.is_unique != 0,
                        partial: i.partial != 0,
                        columns: Vec::new(),
                    },
                )
            })
            .1
            .columns
            .push(column);
    }
    for ((_, name), (kind, index)) in keyed {
        match kind.as_str() {
            // Primary keys are read apart: SQLite's INTEGER PRIMARY KEY has no index.
            "pk" => {}
            "u" => {
                out.unique_constraints
                    .entry(index.table)
                    .or_default()
                    .insert(index.columns);
            }
            _ => {
                out.indexes.insert(name, index);
            }
        }
    }
    out
}

fn migrated(backend: Backend) -> (FreshDb, chronicle::db::PooledConn) {
    let db = FreshDb::create(backend);
    let pool =
        chronicle::db::connect(db.url(), 1, std::time::Duration::from_secs(10)).expect("connect");
    let mut conn = pool.get().expect("conn");
    chronicle::db::run_migrations(&mut conn).expect("migrate");
    (db, conn)
}

#[derive(QueryableByName, Debug)]
struct PkRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Integer)]
    position: i32,
    #[diesel(sql_type = Text)]
    column_name: String,
}

fn sqlite_catalog() -> Catalog {
    let (_db, mut conn) = migrated(Backend::Sqlite);
    let columns = diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name, p.type AS column_type,
                CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 0 ELSE 1 END AS nullable,
                p.dflt_value AS default_value
         FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table'",
    )
    .load::<ColumnRow>(&mut conn)
    .expect("sqlite columns");
    let keys = diesel::sql_query(
        "SELECT m.name AS table_name, p.pk AS position, p.name AS column_name
         FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND p.pk > 0",
    )
    .load::<PkRow>(&mut conn)
    .expect("sqlite primary keys");
    let indexes = diesel::sql_query(
        "SELECT m.name AS table_name, l.name AS index_name, l.\"unique\" AS is_unique,
                l.origin AS kind, l.partial AS partial, x.seqno AS seqno,
                COALESCE(x.name, '(expression)') AS column_name, x.\"desc\" AS descending
         FROM sqlite_master m JOIN pragma_index_list(m.name) l JOIN pragma_index_xinfo(l.name) x
         WHERE m.type = 'table' AND x.key = 1",
    )
    .load::<IndexRow>(&mut conn)
    .expect("sqlite indexes");
    let keys = keys
        .into_iter()
        .map(|k| (k.table_name, k.position, k.column_name))
        .collect();
    catalog(columns, keys, indexes)
}

fn postgres_catalog() -> Catalog {
    let (_db, mut conn) = migrated(Backend::Postgres);
    let columns = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name,
                udt_name::text AS column_type,
                CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable,
                column_default::text AS default_value
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .load::<ColumnRow>(&mut conn)
    .expect("postgres columns");
    let indexes = diesel::sql_query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name,
                CASE WHEN ix.indisunique THEN 1 ELSE 0 END AS is_unique,
                CASE WHEN ix.indisprimary THEN 'pk'
                     WHEN EXISTS (SELECT 1 FROM pg_constraint c
                                  WHERE c.conindid = ix.indexrelid AND c.conrelid = ix.indrelid
                                    AND c.contype = 'u') THEN 'u'
                     ELSE 'c' END AS kind,
                CASE WHEN ix.indpred IS NULL THEN 0 ELSE 1 END AS partial,
                n - 1 AS seqno, pg_get_indexdef(ix.indexrelid, n, true) AS column_name,
                (ix.indoption[n - 1] & 1)::int4 AS descending
         FROM pg_index ix
         JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace ns ON ns.oid = t.relnamespace
         CROSS JOIN generate_series(1, ix.indnkeyatts::int4) n
         WHERE ns.nspname = 'public'",
    )
    .load::<IndexRow>(&mut conn)
    .expect("postgres indexes");
    let keys = indexes
        .iter()
        .filter(|i| i.kind == "pk")
        .map(|i| (i.table_name.clone(), i.seqno, i.column_name.clone()))
        .collect();
    catalog(columns, keys, indexes)
}

/// Every entry that differs, each on a line naming `what` it is.
fn differences<V: PartialEq + Debug>(
    what: &str,
    sqlite: &BTreeMap<String, V>,
    postgres: &BTreeMap<String, V>,
) -> Vec<String> {
    let names: BTreeSet<&String> = sqlite.keys().chain(postgres.keys()).collect();
    names
        .into_iter()
        .filter(|n| sqlite.get(*n) != postgres.get(*n))
        .map(|n| {
            format!(
                "  {what} {n}: SQLite {:?}, PostgreSQL {:?}",
                sqlite.get(n),
                postgres.get(n)
            )
        })
        .collect()
}

/// Fails listing every difference, not just the first.
fn assert_none(differences: Vec<String>) {
    assert!(
        differences.is_empty(),
        "the SQLite and PostgreSQL schemas differ:\n{}",
        differences.join("\n")
    );
}

fn both_catalogs() -> (Catalog, Catalog) {
    let sqlite = sqlite_catalog();
    let postgres = postgres_catalog();
    assert!(
        sqlite.columns.contains_key("articles.id") && sqlite.columns.contains_key("sessions.id"),
        "{sqlite:?}"
    );
    (sqlite, postgres)
}

fn same_tables_and_columns() {
    let (sqlite, postgres) = both_catalogs();
    let names_and_nulls = |c: &Catalog| -> BTreeMap<String, bool> {
        c.columns
            .iter()
            .map(|(name, column)| (name.clone(), column.nullable))
            .collect()
    };
    assert_none(differences(
        "column (nullable?)",
        &names_and_nulls(&sqlite),
        &names_and_nulls(&postgres),
    ));
}

fn same_column_types_and_defaults() {
    let (sqlite, postgres) = both_catalogs();
    assert_none(differences("column", &sqlite.columns, &postgres.columns));
}

fn same_keys_and_indexes() {
    let (sqlite, mut postgres) = both_catalogs();
    for (name, why) in POSTGRES_ONLY_INDEXES {
        assert!(
            postgres.indexes.remove(*name).is_some() && !sqlite.indexes.contains_key(*name),
            "{name} is listed as an index only PostgreSQL has ({why}), but it is not"
        );
    }
    let mut found = differences(
        "primary key of",
        &sqlite.primary_keys,
        &postgres.primary_keys,
    );
    found.extend(differences(
        "UNIQUE constraints of",
        &sqlite.unique_constraints,
        &postgres.unique_constraints,
    ));
    found.extend(differences("index", &sqlite.indexes, &postgres.indexes));
    assert_none(found);
}

pub fn standalone() -> Vec<Trial> {
    let checks: [(&str, fn()); 3] = [
        (
            "both_backends_have_the_same_tables_and_columns",
            same_tables_and_columns,
        ),
        (
            "both_backends_have_the_same_column_types_and_defaults",
            same_column_types_and_defaults,
        ),
        (
            "both_backends_have_the_same_keys_and_indexes",
            same_keys_and_indexes,
        ),
    ];
    checks
        .into_iter()
        .map(|(name, check)| {
            Trial::ignorable_test(format!("postgres::schema::{name}"), move || {
                if postgres_url().is_none() {
                    return Ok(Completion::ignored_with(skipped_reason()));
                }
                check();
                Ok(Completion::Completed)
            })
        })
        .collect()
}
