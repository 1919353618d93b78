//! Forms sent after their author's session had expired: kept, under a random token, until they
//! sign in again and the form comes back filled, so nothing typed is lost. A kept form belongs
//! to one staff member (the one whose expired session sent it) and is handed to nobody else;
//! each keeps at most [`MAX_PER_USER`] forms and [`MAX_BYTES_PER_USER`] bytes, the oldest going
//! first.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::pending_forms;
use crate::ids::random_hex;

/// How long a kept form waits for its author: as long as the expired session that proves
/// whose it is.
pub const KEEP_HOURS: i64 = crate::accounts::sessions::EXPIRED_KEPT_HOURS;
/// How many forms one staff member may have kept at a time.
pub const MAX_PER_USER: usize = 10;
/// How many bytes of kept forms one staff member may have at a time.
pub const MAX_BYTES_PER_USER: usize = 8 * 1024 * 1024;

/// Keeps a url-encoded form body that `user_id` sent to `path`; returns its token. Older
/// forms of the same user beyond the quota are dropped; a body over the whole quota is not
/// kept (`None`).
pub fn keep(
    conn: &mut DbConn,
    user_id: i32,
    path: &str,
    body: &str,
) -> QueryResult<Option<String>> {
    if body.len() > MAX_BYTES_PER_USER {
        return Ok(None);
    }
    let token = random_hex::<24>();
    let now = clock::now();
    crate::db::write_tx(conn, |conn| {
        diesel::delete(pending_forms::table.filter(pending_forms::expires_at.le(now)))
            .execute(conn)?;
        diesel::insert_into(pending_forms::table)
            .values((
                pending_forms::token.eq(&token),
                pending_forms::user_id.eq(user_id),
                pending_forms::path.eq(path),
                pending_forms::body.eq(body),
                pending_forms::created_at.eq(now),
                pending_forms::expires_at.eq(now + TimeDelta::hours(KEEP_HOURS)),
            ))
            .execute(conn)?;
        // Newest first: the ones past the quota are the oldest.
        let kept: Vec<(String, i64)> = pending_forms::table
            .filter(pending_forms::user_id.eq(user_id))
            .order((
                pending_forms::created_at.desc(),
                pending_forms::token.desc(),
            ))
            .select((
                pending_forms::token,
                diesel::dsl::sql::<diesel::sql_types::BigInt>("CAST(OCTET_LENGTH(body) AS BIGINT)"),
            ))
            .load(conn)?;
        let mut bytes = 0usize;
        let mut over = Vec::new();
        for (i, (kept_token, len)) in kept.into_iter().enumerate() {
            bytes += usize::try_from(len).unwrap_or(usize::MAX);
            // The form just kept always stays: it is the one its author is about to lose.
            if kept_token != token && (i >= MAX_PER_USER || bytes > MAX_BYTES_PER_USER) {
                over.push(kept_token);
            }
        }
        if !over.is_empty() {
            diesel::delete(pending_forms::table.filter(pending_forms::token.eq_any(over)))
                .execute(conn)?;
        }
        Ok(Some(token))
    })
}

/// The kept body for `token` if `user_id` sent it to `path` and it has not expired; it is
/// handed out once. Anyone else's token shows nothing and leaves the form where it is.
pub fn take(
    conn: &mut DbConn,
    user_id: i32,
    token: &str,
    path: &str,
) -> QueryResult<Option<String>> {
    let mine = pending_forms::table
        .filter(pending_forms::token.eq(token))
        .filter(pending_forms::user_id.eq(user_id))
        .filter(pending_forms::path.eq(path));
    let found: Option<(String, NaiveDateTime)> = mine
        .select((pending_forms::body, pending_forms::expires_at))
        .first(conn)
        .optional()?;
    diesel::delete(mine).execute(conn)?;
    Ok(found
        .filter(|(_, expires)| *expires > clock::now())
        .map(|(body, _)| body))
}
