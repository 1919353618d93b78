//! The staff's views of articles: the filtered, paginated list and the dashboard's sections.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use crate::db::DbConn;
use crate::db::schema::articles;

use super::articles::{ArticleWithNames, Status};
use super::listing;

/// What the article list is narrowed to; empty or zero means "any".
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: String,
    pub category_id: i32,
    pub author_id: i32,
    /// Words that must appear in the title.
    pub text: String,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Integer)]
    id: i32,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn like_pattern(text: &str) -> String {
    let escaped: String = text
        .trim()
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    if escaped.is_empty() {
        String::new()
    } else {
        format!("%{escaped}%")
    }
}

/// The WHERE clause, with `{n}` where the n-th parameter goes.
const WHERE: &str = "WHERE ({1} = '' OR status = {1}) AND ({2} = 0 OR category_id = {2})
    AND ({3} = 0 OR author_id = {3}) AND ({4} = '' OR lower(title) LIKE {4} ESCAPE '\\')";

fn numbered(sql: &str, pg: bool) -> String {
    let mut out = sql.to_owned();
    for n in 1..=6 {
        let mark = if pg { format!("${n}") } else { format!("?{n}") };
        out = out.replace(&format!("{{{n}}}"), &mark);
    }
    out
}

/// One page of the filtered list, most recently changed first, and the total.
pub fn page(
    conn: &mut DbConn,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<ArticleWithNames>, i64)> {
    let pattern = like_pattern(&filter.text);
    let list_sql = format!(
        "SELECT id FROM articles {WHERE} ORDER BY updated_at DESC, id DESC LIMIT {{5}} OFFSET {{6}}"
    );
    let count_sql = format!("SELECT COUNT(*) AS n FROM articles {WHERE}");
    macro_rules! run {
        ($c:expr, $pg:expr) => {{
            let ids: Vec<Id> = diesel::sql_query(numbered(&list_sql, $pg))
                .bind::<Text, _>(&filter.status)
                .bind::<Integer, _>(filter.category_id)
                .bind::<Integer, _>(filter.author_id)
                .bind::<Text, _>(&pattern)
                .bind::<BigInt, _>(limit)
                .bind::<BigInt, _>(offset)
                .load($c)?;
            let total = diesel::sql_query(numbered(&count_sql, $pg))
                .bind::<Text, _>(&filter.status)
                .bind::<Integer, _>(filter.category_id)
                .bind::<Integer, _>(filter.author_id)
                .bind::<Text, _>(&pattern)
                .get_result::<Count>($c)?
                .n;
            (ids, total)
        }};
    }
    let (ids, total) = match conn {
        DbConn::Sqlite(c) => run!(c, false),
        DbConn::Pg(c) => run!(c, true),
    };
    let ids: Vec<i32> = ids.into_iter().map(|i| i.id).collect();
    Ok((any_cards(conn, &ids)?, total))
}

/// Articles with these ids (any status), in the order of `ids`.
fn any_cards(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<ArticleWithNames>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(item) = super::articles::find_with_names(conn, *id)? {
            out.push(item);
        }
    }
    Ok(out)
}

fn ids_where(
    conn: &mut DbConn,
    status: Status,
    author: Option<i32>,
    n: i64,
    oldest_first: bool,
) -> QueryResult<Vec<i32>> {
    let base = articles::table
        .filter(articles::status.eq(status.as_str()))
        .select(articles::id)
        .limit(n);
    match (author, oldest_first) {
        (Some(a), _) => base
            .filter(articles::author_id.eq(a))
            .order(articles::updated_at.desc())
            .load(conn),
        (None, true) => base.order(articles::published_at.asc()).load(conn),
        (None, false) => base.order(articles::updated_at.desc()).load(conn),
    }
}

/// The dashboard's sections.
pub struct Dashboard {
    pub my_drafts: Vec<ArticleWithNames>,
    pub in_review: Vec<ArticleWithNames>,
    pub scheduled: Vec<ArticleWithNames>,
    pub recently_published: Vec<ArticleWithNames>,
    pub most_viewed: Vec<ArticleWithNames>,
}

pub fn dashboard(conn: &mut DbConn, user_id: i32, language: &str) -> QueryResult<Dashboard> {
    let my_drafts = ids_where(conn, Status::Draft, Some(user_id), 8, false)?;
    let in_review = ids_where(conn, Status::Review, None, 8, false)?;
    let scheduled = ids_where(conn, Status::Scheduled, None, 8, true)?;
    let most_viewed: Vec<i32> = articles::table
        .filter(articles::language.eq(language))
        .filter(articles::status.eq(Status::Published.as_str()))
        .order((articles::view_count.desc(), articles::id.desc()))
        .select(articles::id)
        .limit(5)
        .load(conn)?;
    Ok(Dashboard {
        my_drafts: any_cards(conn, &my_drafts)?,
        in_review: any_cards(conn, &in_review)?,
        scheduled: any_cards(conn, &scheduled)?,
        recently_published: listing::page(conn, language, listing::Listing::All, 5, 0)?,
        most_viewed: listing::cards(conn, &most_viewed)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(
            like_pattern(" Ab%c_ "),
            "%ab\\\\%c\\\\_%".replace("\\\\", "\\")
        );
        assert_eq!(like_pattern("  "), "");
        assert_eq!(numbered("a {1} {2} {1}", true), "a $1 $2 $1");
        assert_eq!(numbered("a {1} {2}", false), "a ?1 ?2");
    }
}
