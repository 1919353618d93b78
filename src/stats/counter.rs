//! The view counter of one instance: which visits count, and the counts not yet written.
//!
//! A visit is keyed by a hash of the client address, the user agent and the article, salted
//! with a random value that is replaced every day (UTC) and never leaves memory: nothing can
//! be traced back to a visitor, and yesterday's keys mean nothing today. Keys are kept only as
//! long as the dedup window; expired ones are pruned at every flush, and the table has a hard
//! size limit.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Past this many remembered visitors, new ones are still counted but not remembered (a
/// flood cannot grow the memory without bound).
pub const MAX_REMEMBERED: usize = 200_000;

/// One reader's request for one article, as the counter sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit {
    pub article_id: i32,
    key: [u8; 16],
}

/// Counts waiting to be written: per article and site day.
pub type Batch = HashMap<(i32, NaiveDate), u64>;

struct Inner {
    salt: [u8; 32],
    salt_day: Option<NaiveDate>,
    /// Visitor key → until when a repeat does not count (unix seconds of the clock).
    seen: HashMap<[u8; 16], i64>,
    pending: Batch,
    /// Taken by a flush that has not committed yet: still shown on pages.
    in_flight: Batch,
    /// Views this instance has written since it started, per article: what a cached copy of
    /// a stored count, taken earlier, lacks (see [`ViewCounter::written_of`]).
    written: HashMap<i32, u64>,
}

pub struct ViewCounter {
    window_secs: i64,
    timezone: Tz,
    inner: Mutex<Inner>,
    /// One flush at a time, so the counts in flight are one batch.
    flushing: Mutex<()>,
}

fn fresh_salt() -> [u8; 32] {
    let mut salt = [0u8; 32];
    rand::rng().fill_bytes(&mut salt);
    salt
}

fn sum_for(batch: &Batch, article_id: i32) -> u64 {
    batch
        .iter()
        .filter(|((id, _), _)| *id == article_id)
        .map(|(_, n)| *n)
        .sum()
}

impl ViewCounter {
    /// `window_secs`: how long a repeat visit does not count (0: every visit counts).
    /// `timezone`: the site's, for the day a view belongs to.
    pub fn new(window_secs: u64, timezone: Tz) -> Self {
        ViewCounter {
            window_secs: i64::try_from(window_secs).unwrap_or(i64::MAX / 4),
            timezone,
            inner: Mutex::new(Inner {
                salt: fresh_salt(),
                salt_day: None,
                seen: HashMap::new(),
                pending: Batch::new(),
                in_flight: Batch::new(),
                written: HashMap::new(),
            }),
            flushing: Mutex::new(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The visit of `client` (address) with `user_agent` to an article, at `now`.
    pub fn visit(
        &self,
        article_id: i32,
        client: &str,
        user_agent: &str,
        now: NaiveDateTime,
    ) -> Visit {
        let mut inner = self.lock();
        let today = now.date();
        if inner.salt_day != Some(today) {
            // A new day: a new salt, and the old keys cannot match anything any more.
            inner.salt = fresh_salt();
            inner.salt_day = Some(today);
            inner.seen.clear();
        }
        let mut hash = Sha256::new();
        hash.update(inner.salt);
        hash.update(client.as_bytes());
        hash.update([0u8]);
        hash.update(user_agent.as_bytes());
        hash.update([0u8]);
        hash.update(article_id.to_le_bytes());
        let digest = hash.finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        Visit { article_id, key }
    }

    /// Whether `visit` would count now (it is not a repeat within the window).
    pub fn would_count(&self, visit: &Visit, now: NaiveDateTime) -> bool {
        if self.window_secs == 0 {
            return true;
        }
        let now = now.and_utc().timestamp();
        self.lock()
            .seen
            .get(&visit.key)
            .is_none_or(|until| *until <= now)
    }

    /// Counts `visit` unless it is a repeat within the window; returns whether it counted.
    pub fn record(&self, visit: &Visit, now: NaiveDateTime) -> bool {
        let secs = now.and_utc().timestamp();
        let day = crate::clock::local(now, self.timezone).date_naive();
        let mut inner = self.lock();
        if self.window_secs > 0 {
            if inner
                .seen
                .get(&visit.key)
                .is_some_and(|until| *until > secs)
            {
                return false;
            }
            if inner.seen.len() < MAX_REMEMBERED || inner.seen.contains_key(&visit.key) {
                inner.seen.insert(visit.key, secs + self.window_secs);
            }
        }
        *inner.pending.entry((visit.article_id, day)).or_insert(0) += 1;
        true
    }

    /// Views of an article counted here and not yet in the database.
    pub fn pending_of(&self, article_id: i32) -> u64 {
        let inner = self.lock();
        if inner.pending.is_empty() && inner.in_flight.is_empty() {
            return 0;
        }
        sum_for(&inner.pending, article_id) + sum_for(&inner.in_flight, article_id)
    }

    /// Takes the pending counts for writing (they stay visible until [`Self::committed`] or
    /// [`Self::not_written`]) and forgets visitors whose window has passed.
    pub fn take(&self, now: NaiveDateTime) -> Batch {
        let secs = now.and_utc().timestamp();
        let mut inner = self.lock();
        inner.seen.retain(|_, until| *until > secs);
        let batch = std::mem::take(&mut inner.pending);
        for (k, n) in &batch {
            *inner.in_flight.entry(*k).or_insert(0) += n;
        }
        batch
    }

    /// The batch taken last is in the database.
    pub fn committed(&self) {
        let mut inner = self.lock();
        let done = std::mem::take(&mut inner.in_flight);
        for ((id, _), n) in done {
            *inner.written.entry(id).or_insert(0) += n;
        }
    }

    /// Views of an article this instance has written since it started. A stored count read at
    /// one moment plus what this grew by since then is the stored count now (as far as this
    /// instance's own views go).
    pub fn written_of(&self, article_id: i32) -> u64 {
        self.lock().written.get(&article_id).copied().unwrap_or(0)
    }

    /// The batch taken last could not be written: it goes back to pending.
    pub fn not_written(&self) {
        let mut inner = self.lock();
        let back = std::mem::take(&mut inner.in_flight);
        for (k, n) in back {
            *inner.pending.entry(k).or_insert(0) += n;
        }
    }

    /// Takes the pending counts and hands them to `write`; returns how many views were
    /// written. If `write` fails, the counts stay pending. Blocks while another flush runs.
    pub fn flush<E>(
        &self,
        now: NaiveDateTime,
        write: impl FnOnce(&Batch) -> Result<(), E>,
    ) -> Result<u64, E> {
        let _one_at_a_time = match self.flushing.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let batch = self.take(now);
        if batch.is_empty() {
            return Ok(0);
        }
        match write(&batch) {
            Ok(()) => {
                self.committed();
                Ok(batch.values().sum())
            }
            Err(e) => {
                self.not_written();
                Err(e)
            }
        }
    }

    /// Whether there is nothing to write; forgets visitors whose window has passed meanwhile,
    /// so that an idle instance need not take a database connection to tidy up.
    pub fn is_idle(&self, now: NaiveDateTime) -> bool {
        let secs = now.and_utc().timestamp();
        let mut inner = self.lock();
        inner.seen.retain(|_, until| *until > secs);
        inner.pending.is_empty()
    }

    /// How many visitors are remembered (for tests and logs).
    pub fn remembered(&self) -> usize {
        self.lock().seen.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn repeats_count_once_per_window_and_keys_expire() {
        let now = crate::clock::now();
        let c = ViewCounter::new(60, Tz::UTC);
        let v = c.visit(1, "203.0.113.9", "Firefox", now);
        assert!(c.record(&v, now));
        assert!(!c.would_count(&v, now));
        assert!(!c.record(&v, now + TimeDelta::seconds(59)));
        let other = c.visit(1, "203.0.113.10", "Firefox", now);
        assert!(c.record(&other, now));
        assert_eq!(c.pending_of(1), 2);
        let later = now + TimeDelta::seconds(61);
        let batch = c.take(later);
        assert_eq!(batch.values().sum::<u64>(), 2);
        assert_eq!(c.remembered(), 0, "expired keys are pruned");
        assert_eq!(c.pending_of(1), 2, "in flight still shows");
        c.not_written();
        assert_eq!(c.take(later).values().sum::<u64>(), 2);
        c.committed();
        assert_eq!(c.pending_of(1), 0);
        assert_eq!(c.written_of(1), 2);
    }

    #[test]
    fn an_idle_counter_has_nothing_to_write_and_forgets_old_visitors() {
        let now = crate::clock::now();
        let c = ViewCounter::new(60, Tz::UTC);
        assert!(c.is_idle(now));
        let v = c.visit(1, "203.0.113.9", "Firefox", now);
        assert!(c.record(&v, now));
        assert!(!c.is_idle(now), "a view waits to be written");
        c.take(now);
        c.committed();
        assert!(c.is_idle(now));
        assert_eq!(c.remembered(), 1, "still within its window");
        assert!(c.is_idle(now + TimeDelta::seconds(61)));
        assert_eq!(c.remembered(), 0, "forgotten once the window passed");
    }

    #[test]
    fn a_zero_window_counts_every_visit() {
        let now = crate::clock::now();
        let c = ViewCounter::new(0, Tz::UTC);
        let v = c.visit(7, "a", "b", now);
        for _ in 0..5 {
            assert!(c.record(&v, now));
        }
        assert_eq!(c.pending_of(7), 5);
        assert_eq!(c.remembered(), 0);
    }
}
