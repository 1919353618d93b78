//! Sign-in throttling: after repeated failures for one account or from one client address,
//! further attempts are refused for a while. Counters live in the database, so several
//! instances enforce one limit; a lock ends by itself, so nobody is locked out for ever.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::sign_in_throttle;
use crate::db::{DbConn, write_tx};

/// Failures within [`WINDOW_MINUTES`] after which an account is locked for [`LOCK_MINUTES`].
pub const ACCOUNT_LIMIT: i32 = 5;
/// The same for one client address (it may be trying many accounts).
pub const CLIENT_LIMIT: i32 = 20;
pub const WINDOW_MINUTES: i64 = 15;
pub const LOCK_MINUTES: i64 = 15;

pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

pub fn client_key(client: &str) -> String {
    format!("client:{client}")
}

/// When the key is locked now, the minutes left (at least 1).
pub fn locked(conn: &mut DbConn, key: &str, now: NaiveDateTime) -> QueryResult<Option<i64>> {
    let until: Option<Option<NaiveDateTime>> = sign_in_throttle::table
        .find(key)
        .select(sign_in_throttle::locked_until)
        .first(conn)
        .optional()?;
    Ok(until
        .flatten()
        .filter(|u| *u > now)
        .map(|u| ((u - now).num_seconds() + 59) / 60))
}

/// Counts a failure; locks the key when it reaches `limit` within the window.
pub fn fail(conn: &mut DbConn, key: &str, limit: i32, now: NaiveDateTime) -> QueryResult<()> {
    write_tx(conn, |conn| {
        let row: Option<(i32, NaiveDateTime)> = sign_in_throttle::table
            .find(key)
            .select((sign_in_throttle::failures, sign_in_throttle::window_start))
            .first(conn)
            .optional()?;
        let (failures, start) = match row {
            Some((n, start)) if now - start < TimeDelta::minutes(WINDOW_MINUTES) => (n + 1, start),
            _ => (1, now),
        };
        let locked_until = (failures >= limit).then(|| now + TimeDelta::minutes(LOCK_MINUTES));
        let updated = diesel::update(sign_in_throttle::table.find(key))
            .set((
                sign_in_throttle::failures.eq(if locked_until.is_some() { 0 } else { failures }),
                sign_in_throttle::window_start.eq(start),
                sign_in_throttle::locked_until.eq(locked_until),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(sign_in_throttle::table)
                .values((
                    sign_in_throttle::key.eq(key),
                    sign_in_throttle::failures.eq(failures),
                    sign_in_throttle::window_start.eq(start),
                    sign_in_throttle::locked_until.eq(locked_until),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Forgets the failures of a key (after a successful sign-in).
pub fn clear(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(sign_in_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
