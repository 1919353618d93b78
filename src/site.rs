//! Values the site keeps in its own database (the `settings` table): things every instance
//! must agree on, such as the key that signs session cookies, and first-start markers.

use diesel::prelude::*;
use rand::RngCore;

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::settings;

pub const COOKIE_KEY: &str = "session_cookie_key";
pub const DEMO_CREATED: &str = "demo_content_created";

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()
}

/// Stores `value` under `key` unless a value is already there; returns the stored value.
/// Safe when several instances race: the loser reads the winner's value.
pub fn get_or_insert(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<String> {
    if let Some(existing) = get(conn, key)? {
        return Ok(existing);
    }
    let inserted = diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(value),
            settings::updated_at.eq(clock::now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(value.to_owned()),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => get(conn, key).map(|v| v.unwrap_or_else(|| value.to_owned())),
        Err(e) => Err(e),
    }
}

/// The 64-byte key for session cookies, made on first use and shared by every instance.
pub fn cookie_key(conn: &mut DbConn) -> QueryResult<Vec<u8>> {
    let mut fresh = [0u8; 64];
    rand::rng().fill_bytes(&mut fresh);
    let stored = get_or_insert(conn, COOKIE_KEY, &crate::accounts::sessions::hex(&fresh))?;
    let bytes: Vec<u8> = (0..stored.len() / 2)
        .filter_map(|i| u8::from_str_radix(stored.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    if bytes.len() >= 64 {
        Ok(bytes)
    } else {
        // A hand-edited or truncated value: use the fresh key for this run rather than a weak one.
        Ok(fresh.to_vec())
    }
}
