//! Both migration sets must describe the same tables and columns (names, nullability).

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use libtest_mimic::{Completion, Trial};

use crate::common::{Backend, FreshDb, postgres_url, skipped_reason};

#[derive(QueryableByName, Debug)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Integer)]
    nullable: i32,
}

type Shape = BTreeMap<String, BTreeMap<String, bool>>;

fn shape(rows: Vec<Column>) -> Shape {
    let mut out = Shape::new();
    for c in rows {
        // articles_fts*: SQLite's full-text index; articles.search_doc: PostgreSQL's (a
        // stored document vector).
        if c.table_name.starts_with("__diesel")
            || c.table_name.starts_with("sqlite_")
            || c.table_name.starts_with("articles_fts")
            || (c.table_name == "articles" && c.column_name == "search_doc")
        {
            continue;
        }
        out.entry(c.table_name)
            .or_default()
            .insert(c.column_name, c.nullable != 0);
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

fn sqlite_shape() -> Shape {
    let (_db, mut conn) = migrated(Backend::Sqlite);
    let rows = diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name,
                CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 0 ELSE 1 END AS nullable
         FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table'",
    )
    .load::<Column>(&mut conn)
    .expect("sqlite columns");
    shape(rows)
}

fn postgres_shape() -> Shape {
    let (_db, mut conn) = migrated(Backend::Postgres);
    let rows = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name,
                CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .load::<Column>(&mut conn)
    .expect("postgres columns");
    shape(rows)
}

pub fn standalone() -> Vec<Trial> {
    vec![Trial::ignorable_test(
        "postgres::schema::both_backends_have_the_same_tables_and_columns",
        || {
            if postgres_url().is_none() {
                return Ok(Completion::ignored_with(skipped_reason()));
            }
            let sqlite = sqlite_shape();
            let postgres = postgres_shape();
            assert!(
                sqlite.contains_key("articles") && sqlite.contains_key("sessions"),
                "{sqlite:?}"
            );
            assert_eq!(sqlite, postgres, "the SQLite and PostgreSQL schemas differ");
            Ok(Completion::Completed)
        },
    )]
}
