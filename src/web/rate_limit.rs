//! Per-client rate limits on the public endpoints that cost the most to answer: search,
//! feeds and sitemaps, and the view beacon. Each class has its own budget of requests per
//! minute per client address (a token bucket from `governor`: the whole minute's budget may
//! come at once, then one request per 60/n seconds). Past it the answer is `429 Too Many
//! Requests` with `Retry-After`. The limits are per instance (in memory): behind a load
//! balancer each instance keeps its own.
//!
//! The client is the address [`AppState::client_of`] gives (the peer, or the forwarded
//! address when the peer is a trusted proxy). A trusted proxy's own requests (a caching
//! proxy filling its cache, a health check) are never limited. IPv6 clients are counted by
//! their /64 network, since one machine can use any address in it.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AppState;
use super::error::AppError;

/// What a limited endpoint costs, and so which budget it draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `/search`.
    Search,
    /// The RSS and Atom feeds and the sitemaps.
    Feeds,
    /// The view beacon (`/views/{id}`).
    Beacon,
}

/// The limiters of one instance, one per class; `None` where the class is not limited.
pub struct RateLimits {
    search: Option<DefaultKeyedRateLimiter<String>>,
    feeds: Option<DefaultKeyedRateLimiter<String>>,
    beacon: Option<DefaultKeyedRateLimiter<String>>,
    trusted: Vec<IpAddr>,
}

/// How often the limiters forget clients whose budget is full again.
pub const TIDY_EVERY: Duration = Duration::from_secs(60);

fn limiter(per_minute: u32) -> Option<DefaultKeyedRateLimiter<String>> {
    NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
}

impl RateLimits {
    /// Limiters for these budgets (requests per minute per client; 0: no limit). Requests
    /// from `trusted` addresses are never limited.
    pub fn new(search: u32, feeds: u32, beacon: u32, trusted: Vec<IpAddr>) -> RateLimits {
        RateLimits {
            search: limiter(search),
            feeds: limiter(feeds),
            beacon: limiter(beacon),
            trusted,
        }
    }

    fn of(&self, class: Class) -> Option<&DefaultKeyedRateLimiter<String>> {
        match class {
            Class::Search => self.search.as_ref(),
            Class::Feeds => self.feeds.as_ref(),
            Class::Beacon => self.beacon.as_ref(),
        }
    }

    /// Counts one request of `class` from `client`. `Err` holds how long the client must
    /// wait before the next one is let through.
    pub fn check(&self, class: Class, client: &str) -> Result<(), Duration> {
        let Some(limiter) = self.of(class) else {
            return Ok(());
        };
        let key = match client.parse::<IpAddr>() {
            Ok(ip) if self.trusted.contains(&ip) => return Ok(()),
            Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
            _ => client.to_owned(),
        };
        limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }

    /// Forgets the clients whose budgets are full again, so the maps do not grow with every
    /// address ever seen.
    pub fn tidy(&self) {
        for limiter in [&self.search, &self.feeds, &self.beacon]
            .into_iter()
            .flatten()
        {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// Tidies the limiters every [`TIDY_EVERY`] for as long as the server runs.
pub async fn keep_tidy(state: web::Data<AppState>) {
    let mut every = actix_web::rt::time::interval(TIDY_EVERY);
    loop {
        every.tick().await;
        state.rate_limits.tidy();
    }
}

async fn limit(
    class: Class,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(state) = req.app_data::<web::Data<AppState>>() {
        let client = state.client_of(req.request());
        if let Err(wait) = state.rate_limits.check(class, &client) {
            tracing::debug!(?class, %client, "rate limited");
            // Whole seconds, rounded up: `Retry-After: 0` would invite an instant retry.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(AppError::TooManyRequests {
                retry_after_secs: secs.max(1),
            }
            .into());
        }
    }
    next.call(req).await
}

/// Middleware for the search route.
pub async fn search(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    limit(Class::Search, req, next).await
}

/// Middleware for the feed and sitemap routes.
pub async fn feeds(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    limit(Class::Feeds, req, next).await
}

/// Middleware for the view beacon.
pub async fn beacon(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    limit(Class::Beacon, req, next).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_has_its_own_budget_and_trusted_proxies_none() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let limits = RateLimits::new(2, 0, 1, vec![proxy]);
        assert!(limits.check(Class::Search, "192.0.2.1").is_ok());
        assert!(limits.check(Class::Search, "192.0.2.1").is_ok());
        let wait = limits.check(Class::Search, "192.0.2.1").unwrap_err();
        assert!(wait > Duration::from_secs(20) && wait <= Duration::from_secs(30));
        assert!(limits.check(Class::Search, "192.0.2.2").is_ok());
        // Another class draws on its own budget; an unlimited class has none.
        assert!(limits.check(Class::Beacon, "192.0.2.1").is_ok());
        assert!(limits.check(Class::Beacon, "192.0.2.1").is_err());
        for _ in 0..100 {
            assert!(limits.check(Class::Feeds, "192.0.2.1").is_ok());
            assert!(limits.check(Class::Search, "10.0.0.1").is_ok());
        }
    }

    #[test]
    fn ipv6_clients_count_by_their_network() {
        let limits = RateLimits::new(1, 0, 0, Vec::new());
        assert!(limits.check(Class::Search, "2001:db8:1:2::1").is_ok());
        assert!(limits.check(Class::Search, "2001:db8:1:2::ffff").is_err());
        assert!(limits.check(Class::Search, "2001:db8:1:3::1").is_ok());
    }
}
