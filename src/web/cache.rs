//! In-memory caches of public pages: an article page (rendered, but for its view count) and a
//! listing page's cards. An entry is used for [`TTL_SECS`] by the state's clock, then once
//! more by the requests that arrive while one of them loads the new one: an edit made on
//! another instance shows here within about that time. Every write through the admin area of
//! this instance and scheduled publishing empty the caches at once. View counts are not
//! cached: a page adds to its cached stored count what this instance wrote and counted since.

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
use super::public::article::Published;

/// How long an entry may be used (seconds by the state's clock).
pub const TTL_SECS: i64 = 2;
/// Entries per cache; a full cache starts over (simple, and bounded).
const MAX_ENTRIES: usize = 2_000;

/// What a lookup found.
pub enum Lookup<V> {
    /// Use it.
    Fresh(Arc<V>),
    /// Too old, but another request is loading the new one: use this meanwhile (a burst of
    /// requests costs one load, not one each).
    Stale(Arc<V>),
    /// Load it, and [`Cache::put`] it with this ticket (or [`Cache::abandon`] it).
    Load(Ticket),
}

/// Permission to store what was loaded, unless the cache was emptied since the load began
/// (it may hold what an edit has just changed).
pub struct Ticket {
    key: String,
    generation: u64,
}

struct Entries<V> {
    map: HashMap<String, (NaiveDateTime, Arc<V>)>,
    loading: std::collections::HashSet<String>,
    generation: u64,
}

pub struct Cache<V> {
    inner: Mutex<Entries<V>>,
}

impl<V> Default for Cache<V> {
    fn default() -> Self {
        Cache {
            inner: Mutex::new(Entries {
                map: HashMap::new(),
                loading: Default::default(),
                generation: 0,
            }),
        }
    }
}

impl<V> Cache<V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<V>> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub fn lookup(&self, key: &str, now: NaiveDateTime) -> Lookup<V> {
        let mut inner = self.lock();
        let found = inner.map.get(key).map(|(at, value)| {
            let age = (now - *at).num_seconds();
            ((0..TTL_SECS).contains(&age), value.clone())
        });
        match found {
            Some((true, value)) => Lookup::Fresh(value),
            Some((false, value)) if inner.loading.contains(key) => Lookup::Stale(value),
            _ => {
                inner.loading.insert(key.to_owned());
                Lookup::Load(Ticket {
                    key: key.to_owned(),
                    generation: inner.generation,
                })
            }
        }
    }

    pub fn put(&self, ticket: Ticket, now: NaiveDateTime, value: Arc<V>) {
        let mut inner = self.lock();
        inner.loading.remove(&ticket.key);
        if inner.generation != ticket.generation {
            return;
        }
        if inner.map.len() >= MAX_ENTRIES {
            inner.map.clear();
        }
        inner.map.insert(ticket.key, (now, value));
    }

    /// The load failed: the next request tries again.
    pub fn abandon(&self, ticket: Ticket) {
        self.lock().loading.remove(&ticket.key);
    }

    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.map.clear();
        inner.loading.clear();
        inner.generation += 1;
    }
}

/// Loads through `cache`: a fresh entry, or a stale one while another request refreshes it,
/// or `load` (whose result is stored).
pub async fn through<V, F, Fut>(
    cache: &Cache<V>,
    key: &str,
    now: NaiveDateTime,
    load: F,
) -> Result<Arc<V>, super::error::AppError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<V, super::error::AppError>>,
{
    match cache.lookup(key, now) {
        Lookup::Fresh(value) | Lookup::Stale(value) => Ok(value),
        Lookup::Load(ticket) => match load().await {
            Ok(value) => {
                let value = Arc::new(value);
                cache.put(ticket, now, value.clone());
                Ok(value)
            }
            Err(e) => {
                cache.abandon(ticket);
                Err(e)
            }
        },
    }
}

/// A listing page: its cards, the total for the pager, and this instance's written views of
/// each card's article when they were loaded (see [`AppState::views_shown`]).
pub struct ListingPage {
    pub items: Vec<ArticleWithNames>,
    pub total: i64,
    pub written_then: Vec<u64>,
    /// The cards' featured images, by media id.
    pub pictures: crate::web::public::CardPictures,
}

#[derive(Default)]
pub struct Caches {
    /// Rendered article pages by slug (published articles only).
    pub articles: Cache<Published>,
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
    // The edit page's presence heartbeat writes nothing a visitor sees.
    let writes =
        !matches!(*req.method(), Method::GET | Method::HEAD) && !req.path().ends_with("/presence");
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await;
    if writes && let Some(state) = state {
        state.caches.clear();
    }
    res
}
