//! Reading articles: by id, published by slug, with their author's and category's names.

use diesel::prelude::*;

use super::{Article, ArticleWithNames, Status};
use crate::db::DbConn;
use crate::db::schema::{articles, categories, users};

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Article>> {
    articles::table
        .find(id)
        .select(Article::as_select())
        .first(conn)
        .optional()
}

type NamesRow = (Article, Option<String>, Option<String>, String);

/// Articles joined with their author and category, selecting what [`ArticleWithNames`] holds.
/// (A macro, because Diesel's joined query types cannot be named on the shared connection.)
macro_rules! with_names_query {
    () => {
        articles::table
            .inner_join(users::table)
            .left_join(categories::table)
            .select((
                Article::as_select(),
                categories::name.nullable(),
                categories::slug.nullable(),
                users::display_name,
            ))
    };
}

fn with_names(row: NamesRow) -> ArticleWithNames {
    let (article, category_name, category_slug, author_name) = row;
    ArticleWithNames {
        article,
        category_name,
        category_slug,
        author_name,
    }
}

/// A published article by its slug, with category and author names.
pub fn find_published(
    conn: &mut DbConn,
    language: &str,
    slug: &str,
) -> QueryResult<Option<ArticleWithNames>> {
    with_names_query!()
        .filter(articles::language.eq(language))
        .filter(articles::slug.eq(slug))
        .filter(articles::status.eq(Status::Published.as_str()))
        .first::<NamesRow>(conn)
        .optional()
        .map(|row| row.map(with_names))
}

/// Any article by id (whatever its status), with category and author names: for previews.
pub fn find_with_names(conn: &mut DbConn, id: i32) -> QueryResult<Option<ArticleWithNames>> {
    with_names_query!()
        .filter(articles::id.eq(id))
        .first::<NamesRow>(conn)
        .optional()
        .map(|row| row.map(with_names))
}

pub fn count_all(conn: &mut DbConn) -> QueryResult<i64> {
    articles::table.count().get_result(conn)
}

/// Whether the article with `id` is published (what a view beacon may count).
pub fn is_published(conn: &mut DbConn, id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        articles::table
            .filter(articles::id.eq(id))
            .filter(articles::status.eq(Status::Published.as_str())),
    ))
    .get_result(conn)
}
