//! Secret preview links: an unguessable URL that shows an unpublished article to someone
//! without an account, until it expires or is revoked.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::{preview_links, users};
use crate::ids::random_hex;

/// How long a preview link works unless revoked earlier.
pub const LIFETIME_DAYS: i64 = 14;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = preview_links)]
pub struct PreviewLink {
    pub id: i32,
    pub article_id: i32,
    pub token: String,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn create(conn: &mut DbConn, article_id: i32, created_by: i32) -> QueryResult<PreviewLink> {
    let now = clock::now();
    diesel::insert_into(preview_links::table)
        .values((
            preview_links::article_id.eq(article_id),
            preview_links::token.eq(random_hex::<24>()),
            preview_links::created_by.eq(Some(created_by)),
            preview_links::created_at.eq(now),
            preview_links::expires_at.eq(now + TimeDelta::days(LIFETIME_DAYS)),
        ))
        .get_result(conn)
}

/// The live links of an article: not expired, and made by an account that still exists
/// and is not disabled (disabling an account stops the links it handed out).
pub fn of_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<PreviewLink>> {
    preview_links::table
        .inner_join(users::table.on(preview_links::created_by.eq(users::id.nullable())))
        .filter(preview_links::article_id.eq(article_id))
        .filter(preview_links::expires_at.gt(clock::now()))
        .filter(users::disabled.eq(false))
        .order(preview_links::created_at.desc())
        .select(PreviewLink::as_select())
        .load(conn)
}

/// The article a live token opens (see [`of_article`] for what is live).
pub fn article_for(conn: &mut DbConn, token: &str) -> QueryResult<Option<i32>> {
    preview_links::table
        .inner_join(users::table.on(preview_links::created_by.eq(users::id.nullable())))
        .filter(preview_links::token.eq(token))
        .filter(preview_links::expires_at.gt(clock::now()))
        .filter(users::disabled.eq(false))
        .select(preview_links::article_id)
        .first(conn)
        .optional()
}

/// Revokes every link of an article; returns how many.
pub fn revoke_all(conn: &mut DbConn, article_id: i32) -> QueryResult<usize> {
    diesel::delete(preview_links::table.filter(preview_links::article_id.eq(article_id)))
        .execute(conn)
}
