//! A small in-memory cache that knows nothing of what it keeps: entries by key, used for
//! [`TTL_SECS`] by the caller's clock, then once more by the requests that arrive while one of
//! them loads the new one; one load per missing key however many requests ask for it. An
//! entry loaded while the cache was emptied is not kept (it may hold what an edit has just
//! changed).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use tokio::sync::watch;

/// How long an entry may be used (seconds by the state's clock).
pub const TTL_SECS: i64 = 2;
/// Entries per cache unless said otherwise; a full cache starts over (simple, and bounded).
pub const MAX_ENTRIES: usize = 1_000;

/// What a lookup found.
pub enum Lookup<V> {
    /// Use it.
    Fresh(Arc<V>),
    /// Too old, but another request is loading the new one: use this meanwhile (a burst of
    /// requests costs one load, not one each).
    Stale(Arc<V>),
    /// Nothing yet, and another request is loading it: wait for that (the channel closes
    /// when the load ends, however it ends).
    Wait(watch::Receiver<()>),
    /// Load it, and [`Cache::put`] it with this ticket (or [`Cache::abandon`] it).
    Load(Ticket),
}

/// Permission to store what was loaded, unless the cache was emptied since the load began
/// (it may hold what an edit has just changed).
pub struct Ticket {
    key: String,
    generation: u64,
    /// Which load this is (a later one of the same key may have begun).
    load: u64,
}

struct Entries<V> {
    map: HashMap<String, (NaiveDateTime, Arc<V>)>,
    /// The loads under way, by key; waiters subscribe to the sender, which is dropped when
    /// the load ends.
    loading: HashMap<String, (u64, watch::Sender<()>)>,
    generation: u64,
    next_load: u64,
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
                loading: HashMap::new(),
                generation: 0,
                next_load: 0,
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
        let loading = inner.loading.get(key).map(|(_, sender)| sender.subscribe());
        match (found, loading) {
            (Some((true, value)), _) => Lookup::Fresh(value),
            (Some((false, value)), Some(_)) => Lookup::Stale(value),
            (None, Some(receiver)) => Lookup::Wait(receiver),
            (_, None) => {
                inner.next_load += 1;
                let load = inner.next_load;
                inner
                    .loading
                    .insert(key.to_owned(), (load, watch::channel(()).0));
                Lookup::Load(Ticket {
                    key: key.to_owned(),
                    generation: inner.generation,
                    load,
                })
            }
        }
    }

    /// Ends the load of `ticket` (waking its waiters) if it is still the one under way.
    fn end_load(inner: &mut Entries<V>, ticket: &Ticket) {
        if inner
            .loading
            .get(&ticket.key)
            .is_some_and(|(load, _)| *load == ticket.load)
        {
            inner.loading.remove(&ticket.key);
        }
    }

    pub fn put(&self, ticket: Ticket, now: NaiveDateTime, value: Arc<V>) {
        let mut inner = self.lock();
        Self::end_load(&mut inner, &ticket);
        if inner.generation != ticket.generation {
            return;
        }
        if inner.map.len() >= self.max_entries {
            inner.map.clear();
        }
        inner.map.insert(ticket.key, (now, value));
    }

    /// The load failed or was given up: the next request tries again.
    pub fn abandon(&self, ticket: Ticket) {
        Self::end_load(&mut self.lock(), &ticket);
    }

    /// How many entries are kept (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many times the cache has been emptied.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.map.clear();
        inner.loading.clear();
        inner.generation += 1;
    }
}

/// A load under way: given up when dropped before it was stored (a request whose client went
/// away is dropped in the middle), so that nobody waits for it.
struct Loading<'a, V> {
    cache: &'a Cache<V>,
    ticket: Option<Ticket>,
}

impl<V> Drop for Loading<'_, V> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            self.cache.abandon(ticket);
        }
    }
}

/// Longest wait for another request's load before loading without it.
const WAIT_AT_MOST: std::time::Duration = std::time::Duration::from_secs(10);

/// Loads through `cache`: a fresh entry, or a stale one while another request refreshes it,
/// or the entry another request is loading, or `load` (whose result is stored). A load that
/// fails is not stored; the requests that waited for it then load for themselves.
pub async fn through<V, E, F, Fut>(
    cache: &Cache<V>,
    key: &str,
    now: impl Fn() -> NaiveDateTime,
    load: F,
) -> Result<Arc<V>, E>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<V, E>>,
{
    let mut waited = false;
    let ticket = loop {
        // The time again after a wait: what is loaded then is stored as of then.
        match cache.lookup(key, now()) {
            Lookup::Fresh(value) | Lookup::Stale(value) => return Ok(value),
            Lookup::Load(ticket) => break Some(ticket),
            // Waited once already: the load we waited for failed (a missing page, say), so
            // load in parallel rather than one after another.
            Lookup::Wait(_) if waited => break None,
            Lookup::Wait(mut receiver) => {
                waited = true;
                // Returns when the sender is dropped: the load has ended.
                let _ = actix_web::rt::time::timeout(WAIT_AT_MOST, receiver.changed()).await;
            }
        }
    };
    let mut loading = Loading { cache, ticket };
    let value = Arc::new(load().await?);
    if let Some(ticket) = loading.ticket.take() {
        cache.put(ticket, now(), value.clone());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use actix_web::rt::time::{sleep, timeout};

    use super::*;

    /// What a failing load returns in these tests.
    #[derive(Debug)]
    struct Failed;

    fn noon() -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    }

    #[actix_web::test]
    async fn a_burst_of_misses_loads_once() {
        let cache = Arc::new(Cache::<u32>::default());
        let loads = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (cache, loads) = (cache.clone(), loads.clone());
                actix_web::rt::spawn(async move {
                    through(&cache, "home", noon, || async {
                        loads.fetch_add(1, Ordering::SeqCst);
                        sleep(Duration::from_millis(20)).await;
                        Ok::<_, Failed>(7)
                    })
                    .await
                    .map(|v| *v)
                })
            })
            .collect();
        for task in tasks {
            assert!(matches!(task.await, Ok(Ok(7))));
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[actix_web::test]
    async fn a_failed_or_dropped_load_leaves_nobody_waiting() {
        let cache = Cache::<u32>::default();
        // A request whose client goes away while it loads: its future is dropped.
        let gone = timeout(
            Duration::from_millis(20),
            through(&cache, "page", noon, || async {
                sleep(Duration::from_secs(3600)).await;
                Ok::<_, Failed>(1)
            }),
        )
        .await;
        assert!(gone.is_err());
        let next = timeout(
            Duration::from_secs(2),
            through(&cache, "page", noon, || async { Ok::<_, Failed>(2) }),
        )
        .await;
        assert!(matches!(next.map(|r| r.map(|v| *v)), Ok(Ok(2))));
        // The same once the entry is old: a dropped refresh does not leave the old copy in
        // use for ever.
        let later = noon() + chrono::Duration::seconds(TTL_SECS + 1);
        let gone = timeout(
            Duration::from_millis(20),
            through(
                &cache,
                "page",
                || later,
                || async {
                    sleep(Duration::from_secs(3600)).await;
                    Ok::<_, Failed>(1)
                },
            ),
        )
        .await;
        assert!(gone.is_err());
        let fresh = through(&cache, "page", || later, || async { Ok::<_, Failed>(4) }).await;
        assert!(matches!(fresh.as_deref(), Ok(4)));
        // A failed load is not kept: the next request loads again.
        let failed = through(&cache, "missing", noon, || async { Err::<u32, _>(Failed) }).await;
        assert!(failed.is_err());
        let again = through(&cache, "missing", noon, || async { Ok::<_, Failed>(3) }).await;
        assert!(matches!(again.as_deref(), Ok(3)));
    }
}
