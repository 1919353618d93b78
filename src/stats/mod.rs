//! Views: which requests count ([`bots`], [`counter`]), writing the counts in batches, and the
//! daily series behind the dashboard charts. No HTTP types here.

pub mod bots;
pub mod chart;
pub mod counter;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::upsert::excluded;

use crate::db::schema::{article_views_daily, articles};
use crate::db::{self, DbConn};

use self::counter::Batch;

/// Writes a batch in one transaction: one statement per article for its total and one per
/// article and day for the daily series. Increments, never totals, so any number of
/// instances can write their own batches. Views of an article deleted meanwhile are
/// dropped, not an error: its day rows are written only when its total was.
pub fn write_batch(conn: &mut DbConn, batch: &Batch) -> QueryResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut per_article: std::collections::BTreeMap<i32, i64> = Default::default();
    for ((id, _), n) in batch {
        *per_article.entry(*id).or_insert(0) += i64::try_from(*n).unwrap_or(i64::MAX / 4);
    }
    let mut days: Vec<(&(i32, NaiveDate), &u64)> = batch.iter().collect();
    // One order on every instance: two batches never wait on each other's rows crosswise.
    days.sort();
    db::write_tx(conn, |conn| {
        let mut counted = BTreeSet::new();
        for (id, n) in &per_article {
            let touched = diesel::update(articles::table.find(id))
                .set(articles::view_count.eq(articles::view_count + n))
                .execute(conn)?;
            if touched > 0 {
                counted.insert(*id);
            }
        }
        for ((id, day), n) in days {
            if !counted.contains(id) {
                continue;
            }
            let n = i64::try_from(*n).unwrap_or(i64::MAX / 4);
            let upsert = diesel::insert_into(article_views_daily::table)
                .values((
                    article_views_daily::article_id.eq(id),
                    article_views_daily::day.eq(day),
                    article_views_daily::views.eq(n),
                ))
                .on_conflict((article_views_daily::article_id, article_views_daily::day))
                .do_update()
                .set(
                    article_views_daily::views
                        .eq(article_views_daily::views + excluded(article_views_daily::views)),
                );
            // One statement for both: Diesel's shared connection type has no ON CONFLICT,
            // so it runs on the backend's own connection.
            match conn {
                DbConn::Sqlite(c) => upsert.execute(c)?,
                DbConn::Pg(c) => upsert.execute(c)?,
            };
        }
        Ok(())
    })
}

/// `SUM(views)` as a BIGINT. Diesel types the sum of a BIGINT as NUMERIC (PostgreSQL's
/// `sum(int8)` is one), which would need a decimal type to load, and its `cast` is not
/// available on the shared connection; the same literal is valid SQL on both backends.
fn total_views() -> SqlLiteral<BigInt> {
    sql::<BigInt>("CAST(SUM(article_views_daily.views) AS BIGINT)")
}

/// Views per day from `from` to `to` (both included), every day present (zero when none),
/// for one article or (`None`) the whole site.
pub fn series(
    conn: &mut DbConn,
    article_id: Option<i32>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(NaiveDate, i64)>> {
    let mut query = article_views_daily::table
        .filter(article_views_daily::day.ge(from))
        .filter(article_views_daily::day.le(to))
        .group_by(article_views_daily::day)
        .select((article_views_daily::day, total_views()))
        .order(article_views_daily::day)
        .into_boxed();
    if let Some(id) = article_id {
        query = query.filter(article_views_daily::article_id.eq(id));
    }
    let rows: Vec<(NaiveDate, i64)> = query.load(conn)?;
    let found: std::collections::HashMap<NaiveDate, i64> = rows.into_iter().collect();
    Ok(from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| (d, found.get(&d).copied().unwrap_or(0)))
        .collect())
}

/// An article among the most viewed of a period.
#[derive(Queryable, Debug, Clone, PartialEq, Eq)]
pub struct TopArticle {
    pub id: i32,
    pub title: String,
    pub views: i64,
}

/// The `limit` most viewed articles from `from` on (by the daily series).
pub fn most_viewed_since(
    conn: &mut DbConn,
    from: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<TopArticle>> {
    // Grouped by the article's primary key, so its title may be selected on PostgreSQL too.
    article_views_daily::table
        .inner_join(articles::table)
        .filter(article_views_daily::day.ge(from))
        .group_by(articles::id)
        .select((articles::id, articles::title, total_views()))
        .order((total_views().desc(), articles::id.desc()))
        .limit(limit)
        .load(conn)
}
