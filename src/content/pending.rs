//! Forms sent after their author's session had expired: kept, under a random token, until they
//! sign in again and the form comes back filled, so nothing typed is lost.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::pending_forms;
use crate::ids::random_hex;

/// How long a kept form waits for its author.
pub const KEEP_HOURS: i64 = 48;

/// Keeps a url-encoded form body sent to `path`; returns its token.
pub fn keep(conn: &mut DbConn, path: &str, body: &str) -> QueryResult<String> {
    let token = random_hex::<24>();
    let now = clock::now();
    diesel::delete(pending_forms::table.filter(pending_forms::expires_at.le(now))).execute(conn)?;
    diesel::insert_into(pending_forms::table)
        .values((
            pending_forms::token.eq(&token),
            pending_forms::path.eq(path),
            pending_forms::body.eq(body),
            pending_forms::created_at.eq(now),
            pending_forms::expires_at.eq(now + TimeDelta::hours(KEEP_HOURS)),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The kept body for `token` if it was sent to `path` and has not expired; it is handed out
/// once.
pub fn take(conn: &mut DbConn, token: &str, path: &str) -> QueryResult<Option<String>> {
    let found: Option<(String, NaiveDateTime)> = pending_forms::table
        .filter(pending_forms::token.eq(token))
        .filter(pending_forms::path.eq(path))
        .select((pending_forms::body, pending_forms::expires_at))
        .first(conn)
        .optional()?;
    diesel::delete(pending_forms::table.filter(pending_forms::token.eq(token))).execute(conn)?;
    Ok(found
        .filter(|(_, expires)| *expires > clock::now())
        .map(|(body, _)| body))
}
