//! The actix-session store over [`crate::accounts::sessions`]: every load and save is a query
//! like any other, through [`Db`] (a pool permit, a deadline, the blocking thread pool).

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::{NaiveDateTime, TimeDelta};

use crate::accounts::sessions::{self, State};
use crate::clock;

use super::Db;
use super::error::AppError;

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db }
    }

    async fn run<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        F: FnOnce(&mut crate::db::DbConn) -> anyhow::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        // The outer error is the path's (no connection in time), the inner the query's.
        self.db
            .run(move |conn| Ok(f(conn)))
            .await
            .map_err(|e: AppError| anyhow::anyhow!(e))?
    }
}

fn expiry(ttl: &CookieDuration) -> NaiveDateTime {
    let secs = ttl.whole_seconds().clamp(0, 400 * 24 * 3600);
    clock::now() + TimeDelta::seconds(secs)
}

impl SessionStore for DbSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<State>, LoadError> {
        let key = session_key.as_ref().to_owned();
        self.run(move |conn| sessions::load(conn, &key))
            .await
            .map_err(LoadError::Other)
    }

    async fn save(&self, state: State, ttl: &CookieDuration) -> Result<SessionKey, SaveError> {
        let expires_at = expiry(ttl);
        let key = self
            .run(move |conn| sessions::insert(conn, &state, expires_at))
            .await
            .map_err(SaveError::Other)?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: State,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let expires_at = expiry(ttl);
        let key: String = session_key.into();
        let key = self
            .run(move |conn| sessions::update(conn, key, state, expires_at))
            .await
            .map_err(UpdateError::Other)?;
        SessionKey::try_from(key).map_err(|e| UpdateError::Other(e.into()))
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &CookieDuration,
    ) -> Result<(), anyhow::Error> {
        let key = session_key.as_ref().to_owned();
        let expires_at = expiry(ttl);
        self.run(move |conn| Ok(sessions::extend(conn, &key, expires_at)?))
            .await
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let key = session_key.as_ref().to_owned();
        self.run(move |conn| Ok(sessions::delete(conn, &key)?))
            .await
    }
}
