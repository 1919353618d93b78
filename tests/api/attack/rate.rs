//! Cheap-to-send, costly-to-answer requests in bulk: search, feeds and sitemaps, and the view
//! beacon each have a per-client budget per minute. Past it the client gets `429` with
//! `Retry-After` (a page with the security headers), other clients and the rest of the site
//! are unaffected, and a trusted proxy's own requests are never limited while the clients it
//! forwards are.

use awc::http::StatusCode;
use chronicle::accounts::Role;
use chronicle::content::articles::SaveAction;

use super::headers::assert_secure;
use crate::common::{Res, TestApp, TestFn, assert_contains};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    searches_past_the_budget_get_429_with_retry_after,
    feeds_and_sitemaps_share_a_budget_and_the_beacon_has_its_own,
    behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget,
];

#[track_caller]
fn assert_limited(res: &Res, what: &str) {
    assert_eq!(
        res.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{what}: {}",
        res.body
    );
    let wait: u64 = res
        .header("retry-after")
        .unwrap_or_else(|| panic!("{what}: no Retry-After"))
        .parse()
        .unwrap_or_else(|_| panic!("{what}: Retry-After is not a number of seconds"));
    assert!((1..=60).contains(&wait), "{what}: Retry-After {wait}");
    assert_contains(&res.body, "Too many requests");
    assert_secure(res, what);
}

async fn searches_past_the_budget_get_429_with_retry_after(app: TestApp) {
    let limited = app.spawn_beside(|s| s.rate_search = 5).await;
    let editor = limited.user(Role::Editor);
    limited.article(&editor, "Seminar on seismology", SaveAction::Publish);
    let visitor = limited.client();
    for i in 0..5 {
        // Each a different query: the cache does not make them free for the budget either.
        let res = visitor.get(&format!("/search?q=seismology+{i}")).await;
        assert_eq!(res.status, StatusCode::OK, "search {i}");
    }
    let refused = visitor.get("/search?q=seismology").await;
    assert_limited(&refused, "the sixth search");
    // HEAD draws on the same budget.
    let head = visitor.head("/search?q=seismology").await;
    assert_eq!(head.status, StatusCode::TOO_MANY_REQUESTS);
    // The rest of the site still answers this client.
    let home = visitor.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let feed = visitor.get("/feed.xml").await;
    assert_eq!(feed.status, StatusCode::OK);
    // Without a limit (0), the default instance keeps answering far past 5.
    let unlimited = app.spawn_beside(|s| s.rate_search = 0).await;
    let other = unlimited.client();
    for i in 0..20 {
        let res = other.get(&format!("/search?q=word{i}")).await;
        assert_eq!(res.status, StatusCode::OK, "unlimited search {i}");
    }
}

async fn feeds_and_sitemaps_share_a_budget_and_the_beacon_has_its_own(app: TestApp) {
    let limited = app
        .spawn_beside(|s| {
            s.rate_feeds = 3;
            s.rate_beacon = 2;
            s.view_counting = chronicle::config::ViewCounting::Beacon;
        })
        .await;
    let editor = limited.user(Role::Editor);
    let a = limited.article(&editor, "Open day", SaveAction::Publish);
    let crawler = limited.client();
    for path in ["/feed.xml", "/atom.xml", "/sitemap.xml"] {
        let res = crawler.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
    }
    assert_limited(
        &crawler.get("/sitemap-1.xml").await,
        "a fourth feed request",
    );
    assert_limited(
        &crawler.get("/category/none/feed.xml").await,
        "a category feed past the budget",
    );
    // robots.txt is cheap and stays open.
    assert_eq!(crawler.get("/robots.txt").await.status, StatusCode::OK);
    let beacon = format!("/views/{}", a.id);
    for _ in 0..2 {
        let res = crawler.post_empty(&beacon, &[]).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT);
    }
    let refused = crawler.post_empty(&beacon, &[]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.header("retry-after").is_some());
}

async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(app: TestApp) {
    let proxied = app
        .spawn_beside(|s| {
            s.rate_search = 2;
            s.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
        })
        .await;
    let proxy = proxied.client();
    let as_client = |ip: &'static str| [("X-Forwarded-For", ip)];
    for _ in 0..2 {
        let res = proxy
            .get_with("/search?q=a+b", &as_client("203.0.113.7"))
            .await;
        assert_eq!(res.status, StatusCode::OK);
    }
    assert_limited(
        &proxy
            .get_with("/search?q=a+b", &as_client("203.0.113.7"))
            .await,
        "a forwarded client past its budget",
    );
    let other = proxy
        .get_with("/search?q=a+b", &as_client("198.51.100.4"))
        .await;
    assert_eq!(other.status, StatusCode::OK, "another forwarded client");
    // A spoofed X-Forwarded-For cannot make a client the proxy: the nearest untrusted hop
    // counts.
    assert_limited(
        &proxy
            .get_with(
                "/search?q=a+b",
                &[("X-Forwarded-For", "127.0.0.1, 203.0.113.7")],
            )
            .await,
        "a client that names the proxy first",
    );
    // The proxy's own requests (no forwarded client) are never limited.
    for i in 0..10 {
        let res = proxy.get(&format!("/search?q=own{i}")).await;
        assert_eq!(res.status, StatusCode::OK, "the proxy's own search {i}");
    }
}
