//! The staff's views of articles: the filtered, paginated list and the dashboard's sections.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::articles;
use crate::db::text::{like_pattern, lower};

use super::articles::{ArticleWithNames, NamesRow, Status, with_names, with_names_query};
use super::listing;

/// What the article list is narrowed to; empty or zero means "any".
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: String,
    pub category_id: i32,
    pub author_id: i32,
    /// Words that must appear in the title.
    pub text: String,
    /// For a viewer who may not edit others' work (an author): their id, so that other
    /// people's drafts (and their titles) stay out of the list.
    pub drafts_only_of: Option<i32>,
}

/// Narrows a boxed query over `articles` (alone or joined) to what `$filter` asks for, with
/// `$pattern` its [`like_pattern`]. (A macro, because the list and its count are boxed
/// queries of different types.)
macro_rules! narrowed {
    ($query:expr, $filter:expr, $pattern:expr) => {{
        let filter: &Filter = $filter;
        let pattern: &str = $pattern;
        let mut query = $query;
        if !filter.status.is_empty() {
            query = query.filter(articles::status.eq(filter.status.as_str()));
        }
        if filter.category_id != 0 {
            query = query.filter(articles::category_id.eq(filter.category_id));
        }
        if filter.author_id != 0 {
            query = query.filter(articles::author_id.eq(filter.author_id));
        }
        if !pattern.is_empty() {
            query = query.filter(lower(articles::title).like(pattern).escape('\\'));
        }
        if let Some(viewer) = filter.drafts_only_of {
            query = query.filter(
                articles::status
                    .ne(Status::Draft.as_str())
                    .or(articles::author_id.eq(viewer)),
            );
        }
        query
    }};
}

/// One page of the filtered list, most recently changed first, and the total.
pub fn page(
    conn: &mut DbConn,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<ArticleWithNames>, i64)> {
    let pattern = like_pattern(&filter.text);
    let rows: Vec<NamesRow> = narrowed!(with_names_query!().into_boxed(), filter, &pattern)
        .order((articles::updated_at.desc(), articles::id.desc()))
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    let total: i64 =
        narrowed!(articles::table.count().into_boxed(), filter, &pattern).get_result(conn)?;
    Ok((rows.into_iter().map(with_names).collect(), total))
}

/// Up to `n` articles (any author, or `author`'s) in `status`, with their names.
fn section(
    conn: &mut DbConn,
    status: Status,
    author: Option<i32>,
    n: i64,
    oldest_first: bool,
) -> QueryResult<Vec<ArticleWithNames>> {
    let query = with_names_query!()
        .filter(articles::status.eq(status.as_str()))
        .limit(n)
        .into_boxed();
    let query = match (author, oldest_first) {
        (Some(a), _) => query
            .filter(articles::author_id.eq(a))
            .order(articles::updated_at.desc()),
        (None, true) => query.order(articles::published_at.asc()),
        (None, false) => query.order(articles::updated_at.desc()),
    };
    let rows: Vec<NamesRow> = query.load(conn)?;
    Ok(rows.into_iter().map(with_names).collect())
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
    let my_drafts = section(conn, Status::Draft, Some(user_id), 8, false)?;
    let in_review = section(conn, Status::Review, None, 8, false)?;
    let scheduled = section(conn, Status::Scheduled, None, 8, true)?;
    let most_viewed: Vec<i32> = articles::table
        .filter(articles::language.eq(language))
        .filter(articles::status.eq(Status::Published.as_str()))
        .order((articles::view_count.desc(), articles::id.desc()))
        .select(articles::id)
        .limit(5)
        .load(conn)?;
    Ok(Dashboard {
        my_drafts,
        in_review,
        scheduled,
        recently_published: listing::page(conn, language, listing::Listing::All, 5, 0)?,
        most_viewed: listing::cards(conn, &most_viewed)?,
    })
}
