//! Sessions as rows of the `sessions` table, so that every app instance sees the same sessions
//! and signing out, a password change or disabling a user ends them at once. The cookie holds
//! only a random key; the table holds its SHA-256. The HTTP side (the actix-session store) is
//! [`crate::web::sessions`]; this module knows no HTTP type.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::sessions;
use crate::ids;

/// The session-state key under which the signed-in user's id is kept.
pub const USER_ID_KEY: &str = "user_id";
/// The key under which a session that expired holds its user's id instead: such a session
/// signs nobody in, but it proves whose form it sent (see `web::kept_forms`).
pub const EXPIRED_USER_KEY: &str = "expired_user";
/// How long an expired staff session is kept as that proof: as long as a kept form waits.
pub const EXPIRED_KEPT_HOURS: i64 = 48;

/// Keys set at sign-in that describe the session on its owner's sessions page: a random
/// label that names it in forms (never the cookie key or its hash), the client address and
/// the browser's `User-Agent`.
pub const LABEL_KEY: &str = "label";
pub const CLIENT_KEY: &str = "client";
pub const BROWSER_KEY: &str = "browser";

/// What a session holds: actix-session's map of JSON values.
pub type State = HashMap<String, String>;

/// The stored id of a cookie's session key.
pub fn key_id(key: &str) -> String {
    ids::hex(&Sha256::digest(key.as_bytes()))
}

fn user_of(state: &State) -> Option<i32> {
    state
        .get(USER_ID_KEY)
        .and_then(|v| serde_json::from_str::<i32>(v).ok())
}

/// The state of the session with this cookie key, if there is one. A staff session that
/// has expired comes back signed out: its user's id moves to [`EXPIRED_USER_KEY`].
pub fn load(conn: &mut DbConn, key: &str) -> anyhow::Result<Option<State>> {
    let row = sessions::table
        .filter(sessions::id.eq(key_id(key)))
        .select((sessions::data, sessions::expires_at))
        .first::<(String, NaiveDateTime)>(conn)
        .optional()?;
    let Some((json, expires_at)) = row else {
        return Ok(None);
    };
    let mut state: State = serde_json::from_str(&json)?;
    if expires_at > clock::now() {
        return Ok(Some(state));
    }
    Ok(state.remove(USER_ID_KEY).map(|user| {
        state.insert(EXPIRED_USER_KEY.to_owned(), user);
        state
    }))
}

/// A signed-in session no longer needs the proof of an expired one.
fn tidy(state: &mut State) {
    if state.contains_key(USER_ID_KEY) {
        state.remove(EXPIRED_USER_KEY);
    }
}

/// Stores a new session; returns its cookie key.
pub fn insert(
    conn: &mut DbConn,
    state: &State,
    expires_at: NaiveDateTime,
) -> anyhow::Result<String> {
    let mut state = state.clone();
    tidy(&mut state);
    let state = &state;
    let key = ids::random_hex::<32>();
    let now = clock::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(key_id(&key)),
            sessions::user_id.eq(user_of(state)),
            sessions::data.eq(serde_json::to_string(state)?),
            sessions::expires_at.eq(expires_at),
            sessions::created_at.eq(now),
            sessions::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(key)
}

/// Writes the state of the session with this key; returns the key to use from now on: the same,
/// or, if the session ended meanwhile (signed out elsewhere, expired, or the user was
/// disabled), a new session's, which never carries a sign-in over.
pub fn update(
    conn: &mut DbConn,
    key: String,
    mut state: State,
    expires_at: NaiveDateTime,
) -> anyhow::Result<String> {
    tidy(&mut state);
    let updated = diesel::update(sessions::table.filter(sessions::id.eq(key_id(&key))))
        .set((
            sessions::user_id.eq(user_of(&state)),
            sessions::data.eq(serde_json::to_string(&state)?),
            sessions::expires_at.eq(expires_at),
            sessions::updated_at.eq(clock::now()),
        ))
        .execute(conn)?;
    if updated == 1 {
        return Ok(key);
    }
    state.remove(USER_ID_KEY);
    insert(conn, &state, expires_at)
}

/// Moves the expiry of the live session with this key (an expired one stays expired); its
/// `updated_at` is then when it was last seen.
pub fn extend(conn: &mut DbConn, key: &str, expires_at: NaiveDateTime) -> QueryResult<()> {
    let now = clock::now();
    let live = sessions::id
        .eq(key_id(key))
        .and(sessions::expires_at.gt(now));
    diesel::update(sessions::table.filter(live))
        .set((
            sessions::expires_at.eq(expires_at),
            sessions::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// One live signed-in session of a user, as their sessions page shows it.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The random label set at sign-in (empty for a session from before labels).
    pub label: String,
    pub client: String,
    pub browser: String,
    pub signed_in_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    /// The stored id, to end it by; never shown.
    id: String,
}

fn text_of(state: &State, key: &str) -> String {
    state
        .get(key)
        .and_then(|v| serde_json::from_str::<String>(v).ok())
        .unwrap_or_default()
}

/// The live sessions of `user_id`, the most recently seen first.
pub fn of_user(conn: &mut DbConn, user_id: i32) -> QueryResult<Vec<SignedIn>> {
    let rows = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(clock::now()))
        .order(sessions::updated_at.desc())
        .select((
            sessions::id,
            sessions::data,
            sessions::created_at,
            sessions::updated_at,
        ))
        .load::<(String, String, NaiveDateTime, NaiveDateTime)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, data, created_at, updated_at)| {
            let state: State = serde_json::from_str(&data).unwrap_or_default();
            SignedIn {
                label: text_of(&state, LABEL_KEY),
                client: text_of(&state, CLIENT_KEY),
                browser: text_of(&state, BROWSER_KEY),
                signed_in_at: created_at,
                last_seen_at: updated_at,
                id,
            }
        })
        .collect())
}

/// Ends the sessions of `user_id` that `end` picks; returns how many ended.
pub fn end_where(
    conn: &mut DbConn,
    user_id: i32,
    end: impl Fn(&SignedIn) -> bool,
) -> QueryResult<usize> {
    let ids: Vec<String> = of_user(conn, user_id)?
        .into_iter()
        .filter(|s| end(s))
        .map(|s| s.id)
        .collect();
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id.eq_any(ids)),
    )
    .execute(conn)
}

/// Ends the session with this key.
pub fn delete(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::id.eq(key_id(key)))).execute(conn)?;
    Ok(())
}

/// Deletes expired sessions; run now and then by the server's housekeeping task. A staff
/// member's stays [`EXPIRED_KEPT_HOURS`] longer, as the proof that a form it sends is theirs.
pub fn purge_expired(conn: &mut DbConn) -> QueryResult<usize> {
    let now = clock::now();
    let staff_until = now - chrono::TimeDelta::hours(EXPIRED_KEPT_HOURS);
    let gone = sessions::expires_at.le(now).and(
        sessions::user_id
            .is_null()
            .or(sessions::expires_at.le(staff_until)),
    );
    diesel::delete(sessions::table.filter(gone)).execute(conn)
}
