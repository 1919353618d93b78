//! View counting: who counts, once per window, batched writes that survive a graceful stop,
//! several instances on one database, the beacon, the daily series and its charts, and the
//! page caches that an edit empties.

use chronicle::accounts::Role;
use std::time::Duration;

use awc::http::StatusCode;
use chronicle::config::ViewCounting;
use chronicle::content::articles::SaveAction;

use crate::common::{Client, TestApp, TestFn, assert_contains, assert_lacks};
use crate::forms::ArticleForm;
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    bots_head_drafts_and_missing_pages_never_count,
    a_304_is_not_a_view,
    a_reader_counts_once_per_window,
    a_zero_window_counts_every_view,
    views_are_written_in_batches_and_shown_before,
    a_graceful_stop_writes_the_last_views,
    two_instances_on_one_database_add_up,
    beacon_mode_counts_by_the_beacon,
    the_daily_series_feeds_the_charts,
    an_edit_shows_at_once_here_and_soon_elsewhere,
    the_gzip_page_is_the_page_with_its_count,
    kept_listing_pages_show_each_new_view,
    views_of_a_deleted_article_are_dropped_and_days_add_up,
];

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// Writing happens when the test says so (the background task would race the assertions).
fn no_background_writes(s: &mut chronicle::config::Settings) {
    s.view_flush_every = Duration::from_secs(3600);
}

async fn get_as(client: &Client, path: &str, ua: &str) -> crate::common::Res {
    client.get_with(path, &[("User-Agent", ua)]).await
}

async fn stored_views(app: &TestApp, id: i32) -> i64 {
    app.state.flush_views().await.expect("views written");
    app.reload(id).view_count
}

async fn bots_head_drafts_and_missing_pages_never_count(app: TestApp) {
    let editor = app.user(Role::Editor);
    let a = app.article(&editor, "Seen by bots", SaveAction::Publish);
    let draft = app.article(&editor, "Unseen draft", SaveAction::Draft);
    let client = app.client();
    let path = format!("/news/{}", a.slug);
    for bot in [
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Twitterbot/1.0",
        "TelegramBot (like TwitterBot)",
        "WhatsApp/2.23.20.0 A",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; SomeCrawler/1.0)",
    ] {
        let res = get_as(&client, &path, bot).await;
        assert_eq!(res.status, StatusCode::OK, "{bot}");
        assert_contains(&res.body, "0 views<");
    }
    let head = client.head(&path).await;
    assert_eq!(head.status, StatusCode::OK);
    let res = get_as(&client, &format!("/news/{}", draft.slug), FIREFOX).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = get_as(&client, "/news/no-such-report", FIREFOX).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // A staff preview is not a view either.
    let (staff, _) = app.signed_in(Role::Editor).await;
    let preview = staff
        .get(&format!("/admin/articles/{}/preview", a.id))
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_eq!(stored_views(&app, a.id).await, 0);
    assert_eq!(stored_views(&app, draft.id).await, 0);
    // A reader does count.
    let res = get_as(&client, &path, FIREFOX).await;
    assert_contains(&res.body, "1 view<");
    assert_eq!(stored_views(&app, a.id).await, 1);
}

async fn a_304_is_not_a_view(app: TestApp) {
    let editor = app.user(Role::Editor);
    let a = app.article(&editor, "Cached by the browser", SaveAction::Publish);
    let client = app.client();
    let path = format!("/news/{}", a.slug);
    // `*` matches any version: the answer is 304 whatever the page holds.
    let res = client
        .get_with(&path, &[("User-Agent", FIREFOX), ("If-None-Match", "*")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_MODIFIED);
    assert_eq!(stored_views(&app, a.id).await, 0);
    // The same reader's first real view still counts: the 304 did not use up the window.
    let res = get_as(&client, &path, FIREFOX).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(stored_views(&app, a.id).await, 1);
    // Reloading with the page's own ETag within the window: 304, still one view.
    let etag = res.header("etag").expect("etag");
    let again = client
        .get_with(&path, &[("User-Agent", FIREFOX), ("If-None-Match", &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(stored_views(&app, a.id).await, 1);
    // Another reader's browser holding that ETag gets the page (its view changes the count).
    let other = client
        .get_with(
            &path,
            &[
                ("User-Agent", "Mozilla/5.0 Safari/605.1.15"),
                ("If-None-Match", &etag),
            ],
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);
    assert_contains(&other.body, "2 views<");
    assert_eq!(stored_views(&app, a.id).await, 2);
}

async fn a_reader_counts_once_per_window(app: TestApp) {
    assert_eq!(app.settings.view_dedup_secs, 1800, "the default window");
    let editor = app.user(Role::Editor);
    let a = app.article(&editor, "Reloaded often", SaveAction::Publish);
    let client = app.client();
    let path = format!("/news/{}", a.slug);
    for _ in 0..3 {
        let res = get_as(&client, &path, FIREFOX).await;
        assert_contains(&res.body, "1 view<");
    }
    assert_eq!(stored_views(&app, a.id).await, 1);
    // Another browser on the same address is another reader.
    get_as(&client, &path, "Mozilla/5.0 (Macintosh) Safari/605.1.15").await;
    assert_eq!(stored_views(&app, a.id).await, 2);
    // Within the window: still once. After it: again.
    app.state.clock.advance(Duration::from_secs(1700));
    get_as(&client, &path, FIREFOX).await;
    assert_eq!(stored_views(&app, a.id).await, 2);
    app.state.clock.advance(Duration::from_secs(101));
    let res = get_as(&client, &path, FIREFOX).await;
    assert_contains(&res.body, "3 views<");
    assert_eq!(stored_views(&app, a.id).await, 3);
}

async fn a_zero_window_counts_every_view(_app: TestApp) {
    let app = TestApp::spawn_with(_app.backend, |s| s.view_dedup_secs = 0).await;
    let editor = app.user(Role::Editor);
    let a = app.article(&editor, "Every view", SaveAction::Publish);
    let client = app.client();
    for n in 1..=5 {
        let res = get_as(&client, &format!("/news/{}", a.slug), FIREFOX).await;
        let label = if n == 1 {
            "1 view<".to_owned()
        } else {
            format!("{n} views<")
        };
        assert_contains(&res.body, &label);
    }
    assert_eq!(stored_views(&app, a.id).await, 5);
}

async fn views_are_written_in_batches_and_shown_before(_app: TestApp) {
    let app = TestApp::spawn_with(_app.backend, |s| {
        s.view_dedup_secs = 0;
        no_background_writes(s);
    })
    .await;
    let editor = app.user(Role::Editor);
    let a = app.article(&editor, "Batched", SaveAction::Publish);
    let client = app.client();
    for _ in 0..3 {
        get_as(&client, &format!("/news/{}", a.slug), FIREFOX).await;
    }
    assert_eq!(app.reload(a.id).view_count, 0, "nothing written yet");
    // Pages show what is stored plus what this instance has counted.
    assert_contains(&client.get("/").await.body, "3 views");
    assert_eq!(app.state.flush_views().await.expect("written"), 3);
    assert_eq!(app.reload(a.id).view_count, 3);
    assert_eq!(app.state.flush_views().await.expect("nothing to write"), 0);
    assert_contains(&client.get("/").await.body, "3 views");
}

async fn a_graceful_stop_writes_the_last_views(_app: TestApp) {
    let app = TestApp::spawn_with(_app.backend, |s| {
        s.view_dedup_secs = 0;
        no_background_writes(s);
    })
    .await;
    let editor = app.user(Role::Editor);
    let a = app.article(&editor, "Read just before a restart", SaveAction::Publish);
    let client = app.client();
    get_as(&client, &format!("/news/{}", a.slug), FIREFOX).await;
    get_as(&client, &format!("/news/{}", a.slug), FIREFOX).await;
    assert_eq!(app.reload(a.id).view_count, 0);
    app.stop().await;
    assert_eq!(app.reload(a.id).view_count, 2);
}

async fn two_instances_on_one_database_add_up(_app: TestApp) {
    let first = TestApp::spawn_with(_app.backend, |s| {
        s.view_dedup_secs = 0;
        no_background_writes(s);
    })
    .await;
    let second = first
        .spawn_beside(|s| {
            s.view_dedup_secs = 0;
            no_background_writes(s);
        })
        .await;
    let editor = first.user(Role::Editor);
    let a = first.article(&editor, "Behind a load balancer", SaveAction::Publish);
    let path = format!("/news/{}", a.slug);
    for _ in 0..3 {
        get_as(&first.client(), &path, FIREFOX).await;
    }
    for _ in 0..4 {
        get_as(&second.client(), &path, FIREFOX).await;
    }
    // Both write at once, as their timers would.
    let (s1, s2) = (first.state.clone(), second.state.clone());
    let w1 = actix_rt::spawn(async move { s1.flush_views().await });
    let w2 = actix_rt::spawn(async move { s2.flush_views().await });
    assert_eq!(w1.await.expect("task").expect("written"), 3);
    assert_eq!(w2.await.expect("task").expect("written"), 4);
    assert_eq!(first.reload(a.id).view_count, 7);
    // Once more each, and a graceful stop of one of them.
    get_as(&first.client(), &path, FIREFOX).await;
    get_as(&second.client(), &path, FIREFOX).await;
    second.stop().await;
    first.state.flush_views().await.expect("written");
    assert_eq!(first.reload(a.id).view_count, 9);
    let daily: i64 = first.with_conn(|c| {
        use chronicle::db::schema::article_views_daily as d;
        use diesel::prelude::*;
        d::table
            .filter(d::article_id.eq(a.id))
            .select(d::views)
            .load::<i64>(c)
            .expect("daily rows")
            .into_iter()
            .sum()
    });
    assert_eq!(daily, 9, "the daily series adds up to the total");
}

async fn beacon_mode_counts_by_the_beacon(_app: TestApp) {
    let app = TestApp::spawn_with(_app.backend, |s| {
        s.view_counting = ViewCounting::Beacon;
        no_background_writes(s);
    })
    .await;
    let editor = app.user(Role::Editor);
    let a = app.article(&editor, "Behind a caching proxy", SaveAction::Publish);
    let draft = app.article(&editor, "Not out yet", SaveAction::Draft);
    let client = app.client();
    let page = get_as(&client, &format!("/news/{}", a.slug), FIREFOX).await;
    let beacon = format!("/views/{}", a.id);
    assert_contains(&page.body, &format!("data-view-beacon=\"{beacon}\""));
    assert_contains(&page.body, &format!("<noscript><img src=\"{beacon}\""));
    assert_eq!(
        stored_views(&app, a.id).await,
        0,
        "the page itself does not count"
    );
    // sendBeacon posts; the <noscript> image gets.
    let res = client.post_empty(&beacon, &[("User-Agent", FIREFOX)]).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    assert!(res.set_cookies().is_empty(), "the beacon sets no cookie");
    let res = get_as(&client, &beacon, "Mozilla/5.0 (Macintosh) Safari/605.1.15").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-type").as_deref(), Some("image/gif"));
    // The same reader again (window), a bot, a draft, garbage.
    client.post_empty(&beacon, &[("User-Agent", FIREFOX)]).await;
    get_as(&client, &beacon, "Twitterbot/1.0").await;
    let res = get_as(&client, &format!("/views/{}", draft.id), FIREFOX).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = get_as(&client, "/views/abc", FIREFOX).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(stored_views(&app, a.id).await, 2);
    assert_eq!(stored_views(&app, draft.id).await, 0);
    // In server mode there is no beacon.
    let server_mode = app.spawn_beside(|_| {}).await;
    let page = get_as(&server_mode.client(), &format!("/news/{}", a.slug), FIREFOX).await;
    assert_lacks(&page.body, "data-view-beacon");
    let res = get_as(&server_mode.client(), &beacon, FIREFOX).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

async fn the_daily_series_feeds_the_charts(_app: TestApp) {
    let app = TestApp::spawn_with(_app.backend, |s| {
        s.view_dedup_secs = 0;
        no_background_writes(s);
    })
    .await;
    let editor = app.user(Role::Editor);
    let old = app.article(&editor, "Read last week", SaveAction::Publish);
    let new = app.article(&editor, "Read today", SaveAction::Publish);
    let client = app.client();
    let two_days_ago = chronicle::clock::local(app.state.clock.now(), app.settings.timezone)
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    for _ in 0..4 {
        get_as(&client, &format!("/news/{}", old.slug), FIREFOX).await;
    }
    app.state.flush_views().await.expect("written");
    app.state.clock.advance(Duration::from_secs(2 * 24 * 3600));
    for _ in 0..2 {
        get_as(&client, &format!("/news/{}", old.slug), FIREFOX).await;
    }
    for _ in 0..3 {
        get_as(&client, &format!("/news/{}", new.slug), FIREFOX).await;
    }
    app.state.flush_views().await.expect("written");
    let today = chronicle::clock::local(app.state.clock.now(), app.settings.timezone)
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();

    let (staff, _) = app.signed_in(Role::Editor).await;
    let dash = staff.get("/admin").await;
    assert_eq!(dash.status, StatusCode::OK);
    let body = &dash.body;
    assert_contains(
        body,
        "<svg role=\"img\" aria-labelledby=\"site-views-title\"",
    );
    assert_contains(
        body,
        "<title id=\"site-views-title\">Views of the site: 9 views in the last 30 days</title>",
    );
    assert_eq!(body.matches("<rect ").count(), 30, "one bar per day");
    assert_contains(body, &format!("data-day=\"{today}\""));
    assert_contains(
        body,
        &format!("<tr><td><time datetime=\"{today}\">{today}</time></td><td>5</td></tr>"),
    );
    assert_contains(
        body,
        &format!(
            "<tr><td><time datetime=\"{two_days_ago}\">{two_days_ago}</time></td><td>4</td></tr>"
        ),
    );
    // This week and this month: the old report leads with 6, the new one has 3.
    let week = &body[body.find("Most viewed this week").expect("week")..];
    let first = week.find("Read last week").expect("old report listed");
    let second = week.find("Read today").expect("new report listed");
    assert!(first < second, "most viewed first");
    assert_contains(week, "6 views");

    let stats = staff
        .get(&format!("/admin/articles/{}/stats", old.id))
        .await;
    assert_eq!(stats.status, StatusCode::OK);
    assert_contains(&stats.body, "Read last week: 6 views in the last 30 days");
    assert_contains(
        &stats.body,
        &format!("<tr><td><time datetime=\"{today}\">{today}</time></td><td>2</td></tr>"),
    );
    let edit = staff.get(&format!("/admin/articles/{}/edit", old.id)).await;
    assert_contains(
        &edit.body,
        &format!("href=\"/admin/articles/{}/stats\"", old.id),
    );
    let missing = staff.get("/admin/articles/999999/stats").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn an_edit_shows_at_once_here_and_soon_elsewhere(app: TestApp) {
    let other = app.spawn_beside(|_| {}).await;
    let (staff, _) = app.signed_in(Role::Editor).await;
    let editor_user = app.user(Role::Editor);
    let a = app.article(&editor_user, "Before the edit", SaveAction::Publish);
    let path = format!("/news/{}", a.slug);
    let visitor = app.client();
    let far = other.client();
    assert_contains(&visitor.get(&path).await.body, "<h1>Before the edit</h1>");
    assert_contains(&far.get(&path).await.body, "<h1>Before the edit</h1>");
    assert_contains(&visitor.get("/").await.body, "Before the edit");
    assert_contains(&far.get("/").await.body, "Before the edit");
    let res = staff
        .save_article(
            &format!("/admin/articles/{}", a.id),
            &ArticleForm::new()
                .title("After the edit")
                .slug(&a.slug)
                .body("<p>Changed.</p>")
                .tags("")
                .action("publish")
                .version(&a.version.to_string()),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // The new title gives a new address; the old one redirects. This instance: at once.
    let page = visitor.get(&path).await;
    assert_eq!(page.status, StatusCode::MOVED_PERMANENTLY);
    let new_path = page.location();
    assert_contains(
        &visitor.get(&new_path).await.body,
        "<h1>After the edit</h1>",
    );
    assert_contains(&visitor.get("/").await.body, "After the edit");
    // The other instance: once its cached copy is older than a couple of seconds.
    other.state.clock.advance(Duration::from_secs(3));
    assert_eq!(far.get(&path).await.status, StatusCode::MOVED_PERMANENTLY);
    assert_contains(&far.get(&new_path).await.body, "<h1>After the edit</h1>");
    assert_contains(&far.get("/").await.body, "After the edit");
}

/// The article page sent as gzip (compressed once, the count put in per request) reads
/// exactly as the plain page, count included; a client that refuses gzip gets it plain.
async fn the_gzip_page_is_the_page_with_its_count(app: TestApp) {
    let author = app.user(Role::Editor);
    let article = app.article(&author, "Compressed once", SaveAction::Publish);
    let url = format!("/news/{}", article.slug);
    // Each request from a new client, as a stranger's would be.
    let fetch = |encoding: &'static str, agent: &'static str| {
        let (client, url) = (app.client(), url.clone());
        async move {
            let res = client
                .get_bytes(
                    &url,
                    &[("Accept-Encoding", encoding), ("User-Agent", agent)],
                )
                .await;
            let encoding = res.header("content-encoding").unwrap_or_default();
            (res.status, encoding, res.body)
        }
    };
    const READER: &str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36";
    let (status, encoding, gz) = fetch("gzip, deflate", READER).await;
    assert_eq!((status, encoding.as_str()), (StatusCode::OK, "gzip"));
    let mut page = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut page)
        .expect("valid gzip");
    assert_contains(&page, "<h1");
    assert_contains(&page, "Compressed once");
    assert_contains(&page, ">1 view<");
    // A bot's view does not count, so the plain page shows the same count.
    let (_, encoding, plain) = fetch("gzip;q=0, identity", "Googlebot/2.1").await;
    assert_eq!(encoding, "");
    assert_eq!(String::from_utf8(plain).expect("utf-8"), page);
    assert!(
        gz.len() * 3 < page.len(),
        "{} compressed of {}",
        gz.len(),
        page.len()
    );
}

/// A listing page is kept rendered and compressed; each request puts in the cards' counts of
/// the moment, so a view shows on the home page at once, compressed or not, with a new ETag.
async fn kept_listing_pages_show_each_new_view(app: TestApp) {
    let author = app.user(Role::Editor);
    let seen = app.article(&author, "Seen report", SaveAction::Publish);
    app.article(&author, "Unseen report", SaveAction::Publish);
    const READER: &str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36";
    // Each request from a new client, as a stranger's would be.
    let fetch = |encoding: &'static str, etag: Option<String>| {
        let client = app.client();
        async move {
            let mut headers = vec![("Accept-Encoding", encoding), ("User-Agent", READER)];
            if let Some(etag) = &etag {
                headers.push(("If-None-Match", etag));
            }
            let res = client.get_bytes("/", &headers).await;
            let encoding = res.header("content-encoding").unwrap_or_default();
            let etag = res.header("etag").unwrap_or_default();
            let page = if encoding == "gzip" {
                let mut page = String::new();
                std::io::Read::read_to_string(
                    &mut flate2::read::GzDecoder::new(&res.body[..]),
                    &mut page,
                )
                .expect("valid gzip");
                page
            } else {
                String::from_utf8(res.body).expect("utf-8")
            };
            (res.status, encoding, etag, page)
        }
    };
    let (status, encoding, before_etag, before) = fetch("gzip", None).await;
    assert_eq!((status, encoding.as_str()), (StatusCode::OK, "gzip"));
    assert_eq!(before.matches(">0 views<").count(), 2, "{before}");
    assert_eq!(
        fetch("gzip", Some(before_etag.clone())).await.0,
        StatusCode::NOT_MODIFIED
    );
    // The 304 says what the 200 varies by, so that shared caches keep both encodings apart.
    let res = app
        .client()
        .get_with(
            "/",
            &[("Accept-Encoding", "gzip"), ("If-None-Match", &before_etag)],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_MODIFIED);
    assert_eq!(res.header("vary").as_deref(), Some("Accept-Encoding"));
    let client = app.client();
    let res = client
        .get_with(&format!("/news/{}", seen.slug), &[("User-Agent", READER)])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    // No edit, so the kept page is used again, with the new count in it.
    let (status, encoding, etag, after) = fetch("gzip", Some(before_etag.clone())).await;
    assert_eq!((status, encoding.as_str()), (StatusCode::OK, "gzip"));
    assert_ne!(etag, before_etag);
    assert_eq!(after.matches(">0 views<").count(), 1, "{after}");
    assert_eq!(after.matches(">1 view<").count(), 1, "{after}");
    let (_, encoding, _, plain) = fetch("identity", None).await;
    assert_eq!(encoding, "");
    assert_eq!(plain, after);
}

/// A batch may hold views of an article deleted since they were counted: those are dropped
/// and the rest is written; a second batch adds to the same day's row.
async fn views_of_a_deleted_article_are_dropped_and_days_add_up(app: TestApp) {
    use chronicle::db::schema::articles;
    use diesel::prelude::*;

    let editor = app.user(Role::Editor);
    let kept = app.article(&editor, "Kept", SaveAction::Publish);
    let gone = app.article(&editor, "Deleted meanwhile", SaveAction::Publish);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).expect("a date");
    let yesterday = today.pred_opt().expect("a date");
    app.with_conn(|c| {
        diesel::delete(articles::table.find(gone.id))
            .execute(c)
            .expect("deleted");
        let first = [
            ((kept.id, yesterday), 1),
            ((kept.id, today), 2),
            ((gone.id, today), 3),
        ];
        chronicle::stats::write_batch(c, &first.into_iter().collect()).expect("written");
        chronicle::stats::write_batch(c, &[((kept.id, today), 5)].into_iter().collect())
            .expect("written");
        assert_eq!(
            chronicle::stats::series(c, Some(kept.id), yesterday, today).expect("series"),
            vec![(yesterday, 1), (today, 7)]
        );
        assert_eq!(
            chronicle::stats::series(c, None, yesterday, today).expect("series"),
            vec![(yesterday, 1), (today, 7)]
        );
        assert_eq!(
            chronicle::stats::series(c, Some(gone.id), yesterday, today).expect("series"),
            vec![(yesterday, 0), (today, 0)]
        );
        let top = chronicle::stats::most_viewed_since(c, yesterday, 5).expect("top");
        assert_eq!(
            top.iter().map(|t| (t.id, t.views)).collect::<Vec<_>>(),
            vec![(kept.id, 8)]
        );
    });
    assert_eq!(app.reload(kept.id).view_count, 8);
}
