//! An article's address: a unique slug per language, and the earlier slugs of a published
//! article, kept so that old links redirect to the current one.

use diesel::prelude::*;

use super::{Article, ArticleInput, Status};
use crate::clock;
use crate::content::slug;
use crate::db::DbConn;
use crate::db::schema::{article_slugs, articles};

fn slug_taken(
    conn: &mut DbConn,
    language: &str,
    candidate: &str,
    except: Option<i32>,
) -> QueryResult<bool> {
    // `except` 0 matches no row: ids start at 1.
    let except = except.unwrap_or(0);
    let current = diesel::select(diesel::dsl::exists(
        articles::table
            .filter(articles::language.eq(language))
            .filter(articles::slug.eq(candidate))
            .filter(articles::id.ne(except)),
    ))
    .get_result(conn)?;
    // A slug another article had before still redirects to it, so it is taken too.
    let earlier = diesel::select(diesel::dsl::exists(
        article_slugs::table
            .filter(article_slugs::language.eq(language))
            .filter(article_slugs::slug.eq(candidate))
            .filter(article_slugs::article_id.ne(except)),
    ))
    .get_result(conn)?;
    Ok(current || earlier)
}

/// A free slug made from `text` (a title, or a slug the editor typed).
pub(super) fn unique_slug(
    conn: &mut DbConn,
    language: &str,
    text: &str,
    except: Option<i32>,
) -> QueryResult<String> {
    let base = slug::slugify(text);
    slug::unique(&base, |candidate| {
        slug_taken(conn, language, candidate, except)
    })
}

/// What the slug should become when `input` is saved over `current`: the editor's own slug
/// if they changed it, else one made from the title if the title changed, else unchanged.
pub(super) fn next_slug(
    conn: &mut DbConn,
    current: &Article,
    input: &ArticleInput,
) -> QueryResult<String> {
    let typed = input.slug.trim();
    if !typed.is_empty() && slug::slugify(typed) != current.slug {
        return unique_slug(conn, &current.language, typed, Some(current.id));
    }
    if input.title.trim() != current.title {
        return unique_slug(
            conn,
            &current.language,
            input.title.trim(),
            Some(current.id),
        );
    }
    Ok(current.slug.clone())
}

/// Keeps `old` as an earlier slug of `article_id`, so links to it answer 301.
pub(super) fn remember_slug(
    conn: &mut DbConn,
    article_id: i32,
    language: &str,
    old: &str,
    new: &str,
) -> QueryResult<()> {
    // Renamed back to an earlier slug: that one is current again.
    diesel::delete(
        article_slugs::table
            .filter(article_slugs::language.eq(language))
            .filter(article_slugs::slug.eq(new)),
    )
    .execute(conn)?;
    let known = diesel::select(diesel::dsl::exists(
        article_slugs::table
            .filter(article_slugs::language.eq(language))
            .filter(article_slugs::slug.eq(old)),
    ))
    .get_result::<bool>(conn)?;
    if !known {
        diesel::insert_into(article_slugs::table)
            .values((
                article_slugs::article_id.eq(article_id),
                article_slugs::language.eq(language),
                article_slugs::slug.eq(old),
                article_slugs::created_at.eq(clock::now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The current slug of the published article that once had `old_slug`.
pub fn redirect_for(
    conn: &mut DbConn,
    language: &str,
    old_slug: &str,
) -> QueryResult<Option<String>> {
    article_slugs::table
        .inner_join(articles::table)
        .filter(article_slugs::language.eq(language))
        .filter(article_slugs::slug.eq(old_slug))
        .filter(articles::status.eq(Status::Published.as_str()))
        .select(articles::slug)
        .first(conn)
        .optional()
}
