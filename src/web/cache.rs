//! In-memory caches of public pages (article, listing and search pages), each rendered once
//! with marks for its view counts (see [`super::spliced`]). An entry is used for [`TTL_SECS`] by the state's clock, then once
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
/// Entries per cache unless said otherwise; a full cache starts over (simple, and bounded).
const MAX_ENTRIES: usize = 1_000;

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
    max_entries: usize,
}

impl<V> Default for Cache<V> {
    fn default() -> Self {
        Cache::bounded(MAX_ENTRIES)
    }
}

impl<V> Cache<V> {
    /// A cache of at most `max_entries` entries.
    pub fn bounded(max_entries: usize) -> Self {
        Cache {
            inner: Mutex::new(Entries {
                map: HashMap::new(),
                loading: Default::default(),
                generation: 0,
            }),
            max_entries,
        }
    }

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
        if inner.map.len() >= self.max_entries {
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

/// The view counts of a kept page's cards: each article's stored count when the page was
/// loaded and this instance's written views of it just before (see [`AppState::views_shown`]).
pub struct CardCounts(Vec<(i32, i64, u64)>);

impl CardCounts {
    /// Call after the cards' stored counts were read: a batch written in between then shows
    /// a moment late, never twice (see [`AppState::views_shown`]).
    pub fn of(state: &AppState, items: &[ArticleWithNames]) -> CardCounts {
        CardCounts(
            items
                .iter()
                .map(|i| {
                    (
                        i.article.id,
                        i.article.view_count,
                        state.views.written_of(i.article.id),
                    )
                })
                .collect(),
        )
    }

    /// "948 views" for each card, as of now.
    pub fn labels(&self, state: &AppState) -> Vec<String> {
        self.0
            .iter()
            .map(|&(id, stored, written_then)| {
                crate::web::render::views_label(state.views_shown(id, stored, written_then))
            })
            .collect()
    }
}

/// A listing page, rendered with a mark for each card's view count.
pub struct ListingPage {
    pub page: super::spliced::Spliced,
    pub counts: CardCounts,
}

pub struct Caches {
    /// Rendered article pages by slug (published articles only).
    pub articles: Cache<Published>,
    /// Listing pages by listing and page number.
    pub listings: Cache<ListingPage>,
    /// Search result pages by query and page number.
    pub searches: Cache<super::spliced::Spliced>,
}

impl Default for Caches {
    fn default() -> Self {
        // A kept page is about 15–30 KB, its compressed copy included.
        Caches {
            articles: Cache::bounded(MAX_ENTRIES),
            listings: Cache::bounded(500),
            searches: Cache::bounded(200),
        }
    }
}

impl Caches {
    pub fn clear(&self) {
        self.articles.clear();
        self.listings.clear();
        self.searches.clear();
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
