//! "Someone else has this report open": a note kept in the database (so every instance sees
//! it) that expires by itself.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::{article_presence, users};
use crate::db::{DbConn, write_tx};

/// How long after opening or saving an article someone counts as still having it open.
pub const WINDOW_MINUTES: i64 = 15;

/// Notes that `user_id` has `article_id` open now.
pub fn touch(
    conn: &mut DbConn,
    article_id: i32,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(conn, |conn| {
        let updated = diesel::update(
            article_presence::table
                .filter(article_presence::article_id.eq(article_id))
                .filter(article_presence::user_id.eq(user_id)),
        )
        .set(article_presence::seen_at.eq(now))
        .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(article_presence::table)
                .values((
                    article_presence::article_id.eq(article_id),
                    article_presence::user_id.eq(user_id),
                    article_presence::seen_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Forgets that `user_id` has the article open (they closed the page).
pub fn leave(conn: &mut DbConn, article_id: i32, user_id: i32) -> QueryResult<()> {
    diesel::delete(
        article_presence::table
            .filter(article_presence::article_id.eq(article_id))
            .filter(article_presence::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// Others who opened the article within the window: (name, when), most recent first.
pub fn others(
    conn: &mut DbConn,
    article_id: i32,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    article_presence::table
        .inner_join(users::table)
        .filter(article_presence::article_id.eq(article_id))
        .filter(article_presence::user_id.ne(user_id))
        .filter(article_presence::seen_at.gt(now - TimeDelta::minutes(WINDOW_MINUTES)))
        .order(article_presence::seen_at.desc())
        .select((users::display_name, article_presence::seen_at))
        .load(conn)
}
