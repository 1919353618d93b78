//! Server-side sessions for actix-session, kept in the `sessions` table so that every app
//! instance sees the same sessions and signing out, a password change or disabling a user
//! ends them at once. The cookie holds only a random key; the table holds its SHA-256.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::web;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::clock;
use crate::db::schema::sessions;
use crate::db::{DbConn, Pool};

/// The session-state key under which the signed-in user's id is kept.
pub const USER_ID_KEY: &str = "user_id";

type State = HashMap<String, String>;

#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
}

impl DbSessionStore {
    pub fn new(pool: Pool) -> Self {
        DbSessionStore { pool }
    }

    async fn run<T, F>(&self, f: F) -> Result<T, anyhow::Error>
    where
        F: FnOnce(&mut DbConn) -> Result<T, anyhow::Error> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }
}

fn new_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stored id of a cookie's session key.
pub fn key_id(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

fn expiry(ttl: &CookieDuration) -> NaiveDateTime {
    let secs = ttl.whole_seconds().clamp(0, 400 * 24 * 3600);
    clock::now() + TimeDelta::seconds(secs)
}

fn user_of(state: &State) -> Option<i32> {
    state
        .get(USER_ID_KEY)
        .and_then(|v| serde_json::from_str::<i32>(v).ok())
}

fn insert_new(conn: &mut DbConn, state: &State, ttl: &CookieDuration) -> anyhow::Result<String> {
    let key = new_key();
    let now = clock::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(key_id(&key)),
            sessions::user_id.eq(user_of(state)),
            sessions::data.eq(serde_json::to_string(state)?),
            sessions::expires_at.eq(expiry(ttl)),
            sessions::created_at.eq(now),
            sessions::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(key)
}

impl SessionStore for DbSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<State>, LoadError> {
        let id = key_id(session_key.as_ref());
        let data: Option<String> = self
            .run(move |conn| {
                Ok(sessions::table
                    .filter(sessions::id.eq(id))
                    .filter(sessions::expires_at.gt(clock::now()))
                    .select(sessions::data)
                    .first::<String>(conn)
                    .optional()?)
            })
            .await
            .map_err(LoadError::Other)?;
        match data {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| LoadError::Deserialization(e.into())),
        }
    }

    async fn save(&self, state: State, ttl: &CookieDuration) -> Result<SessionKey, SaveError> {
        let ttl = *ttl;
        let key = self
            .run(move |conn| insert_new(conn, &state, &ttl))
            .await
            .map_err(SaveError::Other)?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        mut state: State,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let ttl = *ttl;
        let key: String = session_key.into();
        let id = key_id(&key);
        let new_key = self
            .run(move |conn| {
                let updated = diesel::update(sessions::table.filter(sessions::id.eq(&id)))
                    .set((
                        sessions::user_id.eq(user_of(&state)),
                        sessions::data.eq(serde_json::to_string(&state)?),
                        sessions::expires_at.eq(expiry(&ttl)),
                        sessions::updated_at.eq(clock::now()),
                    ))
                    .execute(conn)?;
                if updated == 1 {
                    return Ok(None);
                }
                // The session ended meanwhile (signed out elsewhere, expired, or the user was
                // disabled): start a new one, but never carry a sign-in over.
                state.remove(USER_ID_KEY);
                insert_new(conn, &state, &ttl).map(Some)
            })
            .await
            .map_err(UpdateError::Other)?;
        SessionKey::try_from(new_key.unwrap_or(key)).map_err(|e| UpdateError::Other(e.into()))
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &CookieDuration,
    ) -> Result<(), anyhow::Error> {
        let id = key_id(session_key.as_ref());
        let ttl = *ttl;
        self.run(move |conn| {
            diesel::update(sessions::table.filter(sessions::id.eq(id)))
                .set(sessions::expires_at.eq(expiry(&ttl)))
                .execute(conn)?;
            Ok(())
        })
        .await
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let id = key_id(session_key.as_ref());
        self.run(move |conn| {
            diesel::delete(sessions::table.filter(sessions::id.eq(id))).execute(conn)?;
            Ok(())
        })
        .await
    }
}

/// Deletes expired sessions; run now and then by the server's housekeeping task.
pub fn purge_expired(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(clock::now()))).execute(conn)
}
