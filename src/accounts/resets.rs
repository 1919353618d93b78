//! Password reset links: a random token that is sent by e-mail and kept here only as its
//! SHA-256, good for one use within an hour. Asking for a link is throttled per address and
//! per client, and answers the same whether or not the address has an account (the web layer
//! shows one page for both); using one is a single conditional `UPDATE`, so two requests with
//! the same link cannot both set a password. No HTTP and no mail here.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::throttle::{self, Attempt, Limit};
use super::{User, end_sessions_of, find_by_email, find_by_id};
use crate::db::schema::{password_resets, users};
use crate::db::{DbConn, write_tx};
use crate::ids;

/// How long a link works.
pub const VALID_MINUTES: i64 = 60;
/// Links asked for one address within an hour; past that, that address gets none for an hour.
pub const ADDRESS_LIMIT: Limit = Limit {
    attempts: 3,
    window: TimeDelta::hours(1),
    lock: TimeDelta::hours(1),
};
/// Links asked for by one client address (for any e-mail addresses) within an hour.
pub const CLIENT_LIMIT: Limit = Limit {
    attempts: 10,
    window: TimeDelta::hours(1),
    lock: TimeDelta::hours(1),
};

pub fn address_key(email: &str) -> String {
    format!("reset-address:{}", email.trim().to_lowercase())
}

pub fn client_key(client: &str) -> String {
    format!("reset-client:{client}")
}

/// What a token looks like: 64 lower-case hex digits (32 random bytes).
pub fn is_well_formed(token: &str) -> bool {
    token.len() == 64
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn hash_of(token: &str) -> String {
    ids::hex(&Sha256::digest(token.as_bytes()))
}

/// What asking for a link came to. The page says the same for `Sent` and `NoAccount`.
#[derive(Debug)]
pub enum Requested {
    /// A link for this active account: `token` goes into the mail and nowhere else.
    Link { user: Box<User>, token: String },
    /// No active account has this address: nothing is sent.
    NoAccount,
    /// Too many requests for this address or from this client: paused this many minutes.
    Throttled(i64),
}

/// Asks for a reset link for `email` (already normalised) from `client`. A new link
/// replaces the account's earlier unused ones.
pub fn request(
    conn: &mut DbConn,
    email: &str,
    client: &str,
    now: NaiveDateTime,
) -> QueryResult<Requested> {
    let reserved = throttle::reserve_both(
        conn,
        (&address_key(email), ADDRESS_LIMIT),
        (&client_key(client), CLIENT_LIMIT),
        now,
    )?;
    if let Attempt::Locked(minutes) = reserved {
        return Ok(Requested::Throttled(minutes));
    }
    let Some(user) = find_by_email(conn, email)?.filter(|u| !u.disabled) else {
        return Ok(Requested::NoAccount);
    };
    let token = ids::random_hex::<32>();
    write_tx(conn, |conn| {
        forget_unused(conn, user.id)?;
        diesel::insert_into(password_resets::table)
            .values((
                password_resets::user_id.eq(user.id),
                password_resets::token_hash.eq(hash_of(&token)),
                password_resets::expires_at.eq(now + TimeDelta::minutes(VALID_MINUTES)),
                password_resets::created_at.eq(now),
            ))
            .execute(conn)
    })?;
    Ok(Requested::Link {
        user: Box::new(user),
        token,
    })
}

fn forget_unused(conn: &mut DbConn, user_id: i32) -> QueryResult<usize> {
    diesel::delete(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .execute(conn)
}

/// The active account a link is good for now, if it is.
pub fn holder(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> QueryResult<Option<User>> {
    if !is_well_formed(token) {
        return Ok(None);
    }
    let user_id: Option<i32> = password_resets::table
        .filter(password_resets::token_hash.eq(hash_of(token)))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .select(password_resets::user_id)
        .first(conn)
        .optional()?;
    Ok(match user_id {
        Some(id) => find_by_id(conn, id)?.filter(|u| !u.disabled),
        None => None,
    })
}

/// Uses a link: marks it used (only if it was unused and unexpired: one statement, so of
/// two requests with one link exactly one gets here), sets the account's password to
/// `password_hash` (argon2, made by the caller), ends its sessions, drops its other unused
/// links and clears its sign-in throttle. `None` when the link was not good (any more) or
/// the account is disabled; then nothing changed.
pub fn use_link(
    conn: &mut DbConn,
    token: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<User>> {
    if !is_well_formed(token) {
        return Ok(None);
    }
    write_tx(conn, |conn| {
        let claimed: Option<i32> = diesel::update(
            password_resets::table
                .filter(password_resets::token_hash.eq(hash_of(token)))
                .filter(password_resets::used_at.is_null())
                .filter(password_resets::expires_at.gt(now)),
        )
        .set(password_resets::used_at.eq(now))
        .returning(password_resets::user_id)
        .get_result(conn)
        .optional()?;
        let Some(user) = claimed
            .map(|id| find_by_id(conn, id))
            .transpose()?
            .flatten()
            .filter(|u| !u.disabled)
        else {
            // Rolled back: an unknown, used or expired link changes nothing.
            return Err(diesel::result::Error::RollbackTransaction);
        };
        diesel::update(users::table.find(user.id))
            .set((
                users::password_hash.eq(password_hash),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        end_sessions_of(conn, user.id)?;
        forget_unused(conn, user.id)?;
        throttle::forget(conn, &throttle::account_key(&user.email))?;
        Ok(Some(user))
    })
    .or_else(|e| match e {
        diesel::result::Error::RollbackTransaction => Ok(None),
        other => Err(other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_hex_of_32_bytes_and_kept_hashed() {
        let token = ids::random_hex::<32>();
        assert!(is_well_formed(&token));
        assert!(!is_well_formed(&token[1..]));
        assert!(!is_well_formed(&token.to_uppercase()));
        assert_ne!(hash_of(&token), token);
        assert_eq!(hash_of(&token).len(), 64);
    }
}
