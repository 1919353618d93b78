//! Password-guess throttling: at most a few password checks per account, per client address
//! and per password-change form within a window; past that, attempts are refused for a while.
//! Requests for password-reset links are counted the same way, under keys of their own
//! (`accounts::resets`).
//! Counters live in the database, so several instances enforce one limit; a lock ends by
//! itself, so nobody is locked out for ever.
//!
//! An attempt is *reserved* before its password is checked, and the reservation and the
//! reading of the lock are one statement (a conditional upsert, below): attempts sent in
//! parallel cannot all pass one check before any of them is counted, a late request never
//! clears or shortens a lock, and two first attempts never race to insert the same row.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::dsl::case_when;
use diesel::prelude::*;

use crate::db::schema::sign_in_throttle;
use crate::db::{DbConn, write_tx};

/// Password checks for one account within [`WINDOW_MINUTES`]; the next attempt is refused
/// and locks the account for [`LOCK_MINUTES`].
pub const ACCOUNT_LIMIT: i32 = 5;
/// The same for one client address (it may be trying many accounts).
pub const CLIENT_LIMIT: i32 = 20;
pub const WINDOW_MINUTES: i64 = 15;
pub const LOCK_MINUTES: i64 = 15;

/// How many attempts a key allows within a window, and how long it is locked after.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub attempts: i32,
    pub window: TimeDelta,
    pub lock: TimeDelta,
}

impl Limit {
    /// `attempts` within the sign-in window, then the sign-in lock.
    pub const fn sign_in(attempts: i32) -> Limit {
        Limit {
            attempts,
            window: TimeDelta::minutes(WINDOW_MINUTES),
            lock: TimeDelta::minutes(LOCK_MINUTES),
        }
    }
}

pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

pub fn client_key(client: &str) -> String {
    format!("client:{client}")
}

/// The current-password check of the password-change form of one user (its own key: a
/// stolen session guessing there does not lock the owner out of signing in).
pub fn password_change_key(user_id: i32) -> String {
    format!("password-change:{user_id}")
}

/// The second-factor codes of one user: at sign-in, and on the forms that turn two-factor
/// sign-in on or off or make new recovery codes. Its own key, never cleared by a right
/// password, so that knowing the password does not buy more guesses at the code.
pub fn two_factor_key(user_id: i32) -> String {
    format!("two-factor:{user_id}")
}

/// What a reservation answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// One password check may run now; it has been counted already.
    Reserved,
    /// Refused: the key is locked for this many more minutes (at least 1).
    Locked(i64),
}

/// Reserves one attempt for `key`, allowing `limit` per window, in one statement.
pub fn reserve(
    conn: &mut DbConn,
    key: &str,
    limit: i32,
    now: NaiveDateTime,
) -> QueryResult<Attempt> {
    write_tx(conn, |conn| {
        reserve_in(conn, key, Limit::sign_in(limit), now)
    })
}

/// Reserves one sign-in attempt for the account and one for the client address (see
/// [`reserve_both`]).
pub fn reserve_sign_in(
    conn: &mut DbConn,
    account_key: &str,
    client_key: &str,
    now: NaiveDateTime,
) -> QueryResult<Attempt> {
    reserve_both(
        conn,
        (account_key, Limit::sign_in(ACCOUNT_LIMIT)),
        (client_key, Limit::sign_in(CLIENT_LIMIT)),
        now,
    )
}

/// Reserves one attempt for each of two keys (an account or address, then a client), in one
/// transaction: the first key first (every request takes the two rows in that order, so two
/// never wait on each other crosswise), then the second; when the second is refused, the
/// first key's attempt is given back, since nothing will be tried.
pub fn reserve_both(
    conn: &mut DbConn,
    (first, first_limit): (&str, Limit),
    (second, second_limit): (&str, Limit),
    now: NaiveDateTime,
) -> QueryResult<Attempt> {
    write_tx(conn, |conn| {
        let by_first = reserve_in(conn, first, first_limit, now)?;
        if by_first != Attempt::Reserved {
            return Ok(by_first);
        }
        let by_second = reserve_in(conn, second, second_limit, now)?;
        if by_second != Attempt::Reserved {
            diesel::update(sign_in_throttle::table.find(first))
                .filter(sign_in_throttle::attempts.gt(0))
                .set(sign_in_throttle::attempts.eq(sign_in_throttle::attempts - 1))
                .execute(conn)?;
        }
        Ok(by_second)
    })
}

/// The conditional upsert, the same on both backends:
///
/// ```sql
/// INSERT INTO sign_in_throttle (key, attempts, window_start, locked_until)
/// VALUES (:key, 1, :now, NULL)
/// ON CONFLICT (key) DO UPDATE SET
///   attempts     = CASE WHEN locked THEN attempts WHEN fresh THEN 1
///                       WHEN attempts >= :limit THEN attempts ELSE attempts + 1 END,
///   window_start = CASE WHEN locked THEN window_start WHEN fresh THEN :now
///                       ELSE window_start END,
///   locked_until = CASE WHEN locked THEN locked_until WHEN fresh THEN NULL
///                       WHEN attempts >= :limit THEN :now + lock ELSE NULL END
/// RETURNING locked_until
/// -- locked: locked_until > :now;
/// -- fresh:  locked_until IS NOT NULL (a lock that ended) OR window_start <= :now - window
/// ```
///
/// Every `SET` reads the row as it was before the statement, and the statement holds the
/// row (PostgreSQL's row lock, SQLite's write lock) from reading to writing: concurrent
/// reservations of one key take turns, each seeing the one before. A lock is only ever set
/// where there was none, so nothing shortens or clears it before it ends.
fn reserve_in(
    conn: &mut DbConn,
    key: &str,
    limit: Limit,
    now: NaiveDateTime,
) -> QueryResult<Attempt> {
    use sign_in_throttle::{attempts, locked_until, window_start};
    let window_ended = now - limit.window;
    let lock_end = now + limit.lock;
    let limit = limit.attempts;
    let locked = || locked_until.gt(now);
    let fresh = || locked_until.is_not_null().or(window_start.le(window_ended));
    let full = || attempts.ge(limit);
    let upsert = diesel::insert_into(sign_in_throttle::table)
        .values((
            sign_in_throttle::key.eq(key),
            attempts.eq(1),
            window_start.eq(now),
            locked_until.eq(None::<NaiveDateTime>),
        ))
        .on_conflict(sign_in_throttle::key)
        .do_update()
        .set((
            attempts.eq(case_when(locked(), attempts)
                .when(fresh(), 1)
                .when(full(), attempts)
                .otherwise(attempts + 1)),
            window_start.eq(case_when(locked(), window_start)
                .when(fresh(), now)
                .otherwise(window_start)),
            locked_until.eq(case_when(locked(), locked_until)
                .when(fresh(), None::<NaiveDateTime>)
                .when(full(), Some(lock_end))
                .otherwise(None::<NaiveDateTime>)),
        ))
        .returning(locked_until);
    // Diesel's shared connection type has no ON CONFLICT: the one statement runs on the
    // backend's own connection.
    let until: Option<NaiveDateTime> = match conn {
        DbConn::Sqlite(c) => upsert.get_result(c)?,
        DbConn::Pg(c) => upsert.get_result(c)?,
    };
    Ok(match until {
        Some(until) if until > now => {
            Attempt::Locked(((until - now).num_seconds() + 59).max(60) / 60)
        }
        _ => Attempt::Reserved,
    })
}

/// Forgets the attempts of a key (after a successful sign-in), unless it is locked: a lock
/// set meanwhile by parallel attempts stays until it ends.
pub fn clear(conn: &mut DbConn, key: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(
        sign_in_throttle::table.find(key).filter(
            sign_in_throttle::locked_until
                .is_null()
                .or(sign_in_throttle::locked_until.le(now)),
        ),
    )
    .execute(conn)?;
    Ok(())
}

/// Forgets a key's attempts and any lock on it: only after the owner of the account proved
/// they hold its mailbox (a password reset by e-mail), which guessing cannot do.
pub fn forget(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(sign_in_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
