//! Views: which requests count ([`bots`], [`counter`]), writing the counts in batches, and the
//! daily series behind the dashboard charts. No HTTP types here.

pub mod bots;
pub mod chart;
pub mod counter;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Text};

use crate::db::{self, DbConn};

use self::counter::Batch;

const ADD_TO_ARTICLE_SQLITE: &str = "UPDATE articles SET view_count = view_count + ? WHERE id = ?";
const ADD_TO_ARTICLE_PG: &str = "UPDATE articles SET view_count = view_count + $1 WHERE id = $2";
// INSERT … SELECT so that a view of an article deleted meanwhile is dropped, not an error.
const ADD_TO_DAY_SQLITE: &str = "INSERT INTO article_views_daily (article_id, day, views)
    SELECT id, ?, ? FROM articles WHERE id = ?
    ON CONFLICT (article_id, day) DO UPDATE SET views = article_views_daily.views + excluded.views";
const ADD_TO_DAY_PG: &str = "INSERT INTO article_views_daily (article_id, day, views)
    SELECT id, $1, $2 FROM articles WHERE id = $3
    ON CONFLICT (article_id, day) DO UPDATE SET views = article_views_daily.views + excluded.views";

/// Writes a batch in one transaction: one statement per article for its total and one per
/// article and day for the daily series. Increments, never totals, so any number of
/// instances can write their own batches.
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
        match conn {
            DbConn::Sqlite(c) => {
                for (id, n) in &per_article {
                    diesel::sql_query(ADD_TO_ARTICLE_SQLITE)
                        .bind::<BigInt, _>(n)
                        .bind::<Integer, _>(id)
                        .execute(c)?;
                }
                for ((id, day), n) in &days {
                    diesel::sql_query(ADD_TO_DAY_SQLITE)
                        .bind::<Date, _>(day)
                        .bind::<BigInt, _>(i64::try_from(**n).unwrap_or(i64::MAX / 4))
                        .bind::<Integer, _>(id)
                        .execute(c)?;
                }
            }
            DbConn::Pg(c) => {
                for (id, n) in &per_article {
                    diesel::sql_query(ADD_TO_ARTICLE_PG)
                        .bind::<BigInt, _>(n)
                        .bind::<Integer, _>(id)
                        .execute(c)?;
                }
                for ((id, day), n) in &days {
                    diesel::sql_query(ADD_TO_DAY_PG)
                        .bind::<Date, _>(day)
                        .bind::<BigInt, _>(i64::try_from(**n).unwrap_or(i64::MAX / 4))
                        .bind::<Integer, _>(id)
                        .execute(c)?;
                }
            }
        }
        Ok(())
    })
}

#[derive(QueryableByName, Debug)]
struct DayRow {
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    views: i64,
}

/// Views per day from `from` to `to` (both included), every day present (zero when none),
/// for one article or (`None`) the whole site.
pub fn series(
    conn: &mut DbConn,
    article_id: Option<i32>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(NaiveDate, i64)>> {
    let id = article_id.unwrap_or(0);
    let sql = |pg: bool| {
        let (a, b, c) = if pg {
            ("$1", "$2", "$3")
        } else {
            ("?1", "?2", "?3")
        };
        format!(
            "SELECT day, CAST(SUM(views) AS BIGINT) AS views FROM article_views_daily
             WHERE day >= {a} AND day <= {b} AND ({c} = 0 OR article_id = {c})
             GROUP BY day ORDER BY day"
        )
    };
    let rows: Vec<DayRow> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql(false))
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .bind::<Integer, _>(id)
            .load(c)?,
        DbConn::Pg(c) => diesel::sql_query(sql(true))
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .bind::<Integer, _>(id)
            .load(c)?,
    };
    let found: std::collections::HashMap<NaiveDate, i64> =
        rows.into_iter().map(|r| (r.day, r.views)).collect();
    Ok(from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| (d, found.get(&d).copied().unwrap_or(0)))
        .collect())
}

/// An article among the most viewed of a period.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct TopArticle {
    #[diesel(sql_type = Integer)]
    pub id: i32,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = BigInt)]
    pub views: i64,
}

/// The `limit` most viewed articles from `from` on (by the daily series).
pub fn most_viewed_since(
    conn: &mut DbConn,
    from: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<TopArticle>> {
    let sql = |pg: bool| {
        let (a, b) = if pg { ("$1", "$2") } else { ("?1", "?2") };
        format!(
            "SELECT a.id AS id, a.title AS title, t.views AS views FROM (
                 SELECT article_id, CAST(SUM(views) AS BIGINT) AS views
                 FROM article_views_daily WHERE day >= {a}
                 GROUP BY article_id ORDER BY 2 DESC, article_id DESC LIMIT {b}
             ) t JOIN articles a ON a.id = t.article_id
             ORDER BY t.views DESC, a.id DESC"
        )
    };
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql(false))
            .bind::<Date, _>(from)
            .bind::<BigInt, _>(limit)
            .load(c),
        DbConn::Pg(c) => diesel::sql_query(sql(true))
            .bind::<Date, _>(from)
            .bind::<BigInt, _>(limit)
            .load(c),
    }
}
