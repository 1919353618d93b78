//! In-memory caches of public pages: an article page (rendered, but for its view count) and a
//! listing page's cards. An entry lives at most [`TTL_SECS`] by the state's clock, so an edit
//! made on another instance shows here within that time; every write through the admin area
//! of this instance, a batch of views written and scheduled publishing empty the caches at
//! once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use chrono::NaiveDateTime;

use crate::content::articles::ArticleWithNames;

use super::AppState;
use super::public::article::Rendered;

/// How long an entry may be used (seconds by the state's clock).
pub const TTL_SECS: i64 = 2;
/// Entries per cache; a full cache starts over (simple, and bounded).
const MAX_ENTRIES: usize = 2_000;

pub struct Cache<V> {
    map: Mutex<HashMap<String, (NaiveDateTime, Arc<V>)>>,
}

impl<V> Default for Cache<V> {
    fn default() -> Self {
        Cache {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<V> Cache<V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (NaiveDateTime, Arc<V>)>> {
        match self.map.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub fn get(&self, key: &str, now: NaiveDateTime) -> Option<Arc<V>> {
        let map = self.lock();
        let (at, value) = map.get(key)?;
        let age = (now - *at).num_seconds();
        (0..TTL_SECS).contains(&age).then(|| value.clone())
    }

    pub fn put(&self, key: String, now: NaiveDateTime, value: Arc<V>) {
        let mut map = self.lock();
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, (now, value));
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

/// A listing page: its cards and the total for the pager.
pub type ListingPage = (Vec<ArticleWithNames>, i64);

#[derive(Default)]
pub struct Caches {
    /// Rendered article pages by slug (published articles only).
    pub articles: Cache<Rendered>,
    /// Listing pages by listing and page number.
    pub listings: Cache<ListingPage>,
}

impl Caches {
    pub fn clear(&self) {
        self.articles.clear();
        self.listings.clear();
    }
}

/// Middleware of the admin area: whatever a write changed, the caches forget everything.
pub async fn forget_after_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await;
    if writes && let Some(state) = state {
        state.caches.clear();
    }
    res
}
