//! Read queries of the public site: listings (home, category, tag, month), neighbours and
//! related reports, the archive index, search, and what feeds and the sitemap list. Only
//! published articles ever come out of here.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use crate::db::DbConn;
use crate::db::schema::{article_tags, articles, categories, users};

use super::articles::{Article, ArticleWithNames, Status};

/// Which published articles a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    All,
    Category(i32),
    Tag(i32),
    /// Published in `[from, to)` (UTC).
    Period(NaiveDateTime, NaiveDateTime),
}

const PUBLISHED: &str = "published";

/// Narrows a boxed query over `articles` to the published articles of `$language` that
/// `$listing` shows. (A macro, because a page of ids and its count are boxed queries of
/// different types.)
macro_rules! published_in {
    ($query:expr, $language:expr, $listing:expr) => {{
        let query = $query
            .filter(articles::language.eq($language))
            .filter(articles::status.eq(PUBLISHED));
        match $listing {
            Listing::All => query,
            Listing::Category(id) => query.filter(articles::category_id.eq(id)),
            Listing::Tag(id) => query.filter(
                articles::id.eq_any(
                    article_tags::table
                        .filter(article_tags::tag_id.eq(id))
                        .select(article_tags::article_id),
                ),
            ),
            Listing::Period(from, to) => query
                .filter(articles::published_at.ge(from))
                .filter(articles::published_at.lt(to)),
        }
    }};
}

/// Ids of one page of a listing, newest first. Selecting ids alone lets the database walk
/// its index without touching rows, which keeps deep pages fast; [`cards`] then loads the
/// few rows shown.
pub fn page_ids(
    conn: &mut DbConn,
    language: &str,
    listing: Listing,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<i32>> {
    published_in!(
        articles::table.select(articles::id).into_boxed(),
        language,
        listing
    )
    .order((articles::published_at.desc(), articles::id.desc()))
    .limit(limit)
    .offset(offset)
    .load(conn)
}

pub fn count(conn: &mut DbConn, language: &str, listing: Listing) -> QueryResult<i64> {
    published_in!(articles::table.count().into_boxed(), language, listing).get_result(conn)
}

type NamesRow = (Article, Option<String>, Option<String>, String);

/// The published articles with these ids, in the order of `ids`.
pub fn cards(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<ArticleWithNames>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<NamesRow> = articles::table
        .inner_join(users::table)
        .left_join(categories::table)
        .filter(articles::id.eq_any(ids))
        .filter(articles::status.eq(PUBLISHED))
        .select((
            Article::as_select(),
            categories::name.nullable(),
            categories::slug.nullable(),
            users::display_name,
        ))
        .load(conn)?;
    let mut items: Vec<ArticleWithNames> = rows
        .into_iter()
        .map(
            |(article, category_name, category_slug, author_name)| ArticleWithNames {
                article,
                category_name,
                category_slug,
                author_name,
            },
        )
        .collect();
    items.sort_by_key(|i| ids.iter().position(|id| *id == i.article.id));
    Ok(items)
}

/// One page of a listing, loaded.
pub fn page(
    conn: &mut DbConn,
    language: &str,
    listing: Listing,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<ArticleWithNames>> {
    let ids = page_ids(conn, language, listing, limit, offset)?;
    cards(conn, &ids)
}

/// A report named by (title, slug).
pub type TitleSlug = (String, String);

/// The published reports just before and just after `article`: (older, newer).
pub fn neighbours(
    conn: &mut DbConn,
    article: &Article,
) -> QueryResult<(Option<TitleSlug>, Option<TitleSlug>)> {
    let Some(at) = article.published_at else {
        return Ok((None, None));
    };
    let older = articles::table
        .filter(articles::language.eq(&article.language))
        .filter(articles::status.eq(PUBLISHED))
        .filter(
            articles::published_at.lt(at).or(articles::published_at
                .eq(at)
                .and(articles::id.lt(article.id))),
        )
        .order((articles::published_at.desc(), articles::id.desc()))
        .select((articles::title, articles::slug))
        .first(conn)
        .optional()?;
    let newer = articles::table
        .filter(articles::language.eq(&article.language))
        .filter(articles::status.eq(PUBLISHED))
        .filter(
            articles::published_at.gt(at).or(articles::published_at
                .eq(at)
                .and(articles::id.gt(article.id))),
        )
        .order((articles::published_at.asc(), articles::id.asc()))
        .select((articles::title, articles::slug))
        .first(conn)
        .optional()?;
    Ok((older, newer))
}

/// Up to `n` published reports that share the category or a tag with `article`, newest first.
pub fn related(
    conn: &mut DbConn,
    article: &Article,
    tag_ids: &[i32],
    n: i64,
) -> QueryResult<Vec<ArticleWithNames>> {
    let same_tags = article_tags::table
        .filter(article_tags::tag_id.eq_any(tag_ids.to_vec()))
        .select(article_tags::article_id);
    let category = article.category_id.unwrap_or(0);
    let ids: Vec<i32> = articles::table
        .filter(articles::language.eq(&article.language))
        .filter(articles::status.eq(PUBLISHED))
        .filter(articles::id.ne(article.id))
        .filter(
            articles::category_id
                .eq(category)
                .or(articles::id.eq_any(same_tags)),
        )
        .order((articles::published_at.desc(), articles::id.desc()))
        .select(articles::id)
        .limit(n)
        .load(conn)?;
    cards(conn, &ids)
}

#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct MonthCount {
    #[diesel(sql_type = Text)]
    pub month: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Months with published reports ("2025-02"), newest first, counted in the site's time zone
/// (given as its UTC offset in seconds).
pub fn months(
    conn: &mut DbConn,
    language: &str,
    utc_offset_secs: i32,
) -> QueryResult<Vec<MonthCount>> {
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT strftime('%Y-%m', published_at, ? || ' seconds') AS month, COUNT(*) AS n
             FROM articles WHERE status = 'published' AND language = ? AND published_at IS NOT NULL
             GROUP BY month ORDER BY month DESC",
        )
        .bind::<Text, _>(format!("{utc_offset_secs:+}"))
        .bind::<Text, _>(language)
        .load(c),
        DbConn::Pg(c) => diesel::sql_query(
            "SELECT to_char(published_at + make_interval(secs => $1), 'YYYY-MM') AS month, COUNT(*) AS n
             FROM articles WHERE status = 'published' AND language = $2 AND published_at IS NOT NULL
             GROUP BY month ORDER BY month DESC",
        )
        .bind::<Integer, _>(utc_offset_secs)
        .bind::<Text, _>(language)
        .load(c),
    }
}

/// What the sitemap lists of articles: (slug, last change), oldest first so chunks are stable.
pub fn sitemap_articles(
    conn: &mut DbConn,
    language: &str,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    articles::table
        .filter(articles::language.eq(language))
        .filter(articles::status.eq(Status::Published.as_str()))
        .order(articles::id.asc())
        .select((articles::slug, articles::updated_at))
        .limit(limit)
        .offset(offset)
        .load(conn)
}

/// The newest change among published articles (for `Last-Modified` of feeds and sitemaps).
pub fn last_change(conn: &mut DbConn, language: &str) -> QueryResult<Option<NaiveDateTime>> {
    articles::table
        .filter(articles::language.eq(language))
        .filter(articles::status.eq(PUBLISHED))
        .select(diesel::dsl::max(articles::updated_at))
        .first(conn)
}

/// The newest change of a published article in each category: (category id, time).
pub fn category_changes(
    conn: &mut DbConn,
    language: &str,
) -> QueryResult<Vec<(Option<i32>, Option<NaiveDateTime>)>> {
    articles::table
        .filter(articles::language.eq(language))
        .filter(articles::status.eq(PUBLISHED))
        .group_by(articles::category_id)
        .select((
            articles::category_id,
            diesel::dsl::max(articles::updated_at),
        ))
        .load(conn)
}
