//! What visitors see: the list of reports, the article page, 404s, assets.

use awc::http::StatusCode;
use chronicle::accounts::Role;
use chronicle::content::articles::SaveAction;
use chronicle::db::schema::articles;
use chronicle::setup;
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::common::{TestApp, TestFn, assert_contains, assert_lacks};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    home_lists_published_reports_newest_first,
    article_page_shows_title_date_views_and_share_links,
    each_visit_counts_a_view,
    drafts_and_unknown_slugs_answer_404_with_a_real_page,
    page_numbers_are_checked,
    assets_are_served_with_a_content_hash_and_long_cache,
    first_start_creates_the_admin_and_demo_reports_once,
];

fn set_published_at(app: &TestApp, id: i32, y: i32, m: u32, d: u32) {
    let at = NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("date");
    app.with_conn(|c| {
        diesel::update(articles::table.find(id))
            .set(articles::published_at.eq(at))
            .execute(c)
            .expect("update");
    });
}

async fn home_lists_published_reports_newest_first(app: TestApp) {
    let editor = app.user(Role::Editor);
    let older = app.article(&editor, "Older conference report", SaveAction::Publish);
    let newer = app.article(&editor, "Newer award ceremony", SaveAction::Publish);
    app.article(&editor, "Unfinished draft", SaveAction::Draft);
    set_published_at(&app, older.id, 2025, 1, 10);
    set_published_at(&app, newer.id, 2025, 2, 26);

    let res = app.client().get("/").await;
    assert_eq!(res.status, StatusCode::OK);
    let newer_at = res.body.find("Newer award ceremony").expect("newer listed");
    let older_at = res
        .body
        .find("Older conference report")
        .expect("older listed");
    assert!(newer_at < older_at, "newest first");
    assert_lacks(&res.body, "Unfinished draft");
    assert_contains(
        &res.body,
        r#"<a href="/news/newer-award-ceremony">Newer award ceremony</a>"#,
    );
    assert_contains(&res.body, "26 February, 2025");
    assert_contains(&res.body, "Summary of Newer award ceremony");
    assert_contains(&res.body, "0 views");
}

async fn article_page_shows_title_date_views_and_share_links(app: TestApp) {
    let editor = app.user(Role::Editor);
    let a = app.article(
        &editor,
        "A commemorative event was held at the Institute",
        SaveAction::Publish,
    );
    set_published_at(&app, a.id, 2025, 2, 26);
    let res = app.client().get(&format!("/news/{}", a.slug)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_contains(
        &res.body,
        "<h1>A commemorative event was held at the Institute</h1>",
    );
    assert_contains(&res.body, "26 February, 2025");
    assert_contains(&res.body, "1 view<");
    assert_contains(
        &res.body,
        "<p>Body of A commemorative event was held at the Institute</p>",
    );
    let absolute = format!(
        "{}/news/a-commemorative-event-was-held-at-the-institute",
        app.addr
    );
    let encoded = absolute.replace(':', "%3A").replace('/', "%2F");
    for prefix in [
        "https://www.facebook.com/sharer/sharer.php?u=",
        "https://x.com/intent/post?url=",
        "https://t.me/share/url?url=",
    ] {
        assert_contains(&res.body, &format!("{prefix}{encoded}"));
    }
    assert_contains(&res.body, "https://wa.me/?text=");
    assert_contains(&res.body, &format!("%20{encoded}\""));
    assert_contains(&res.body, "mailto:?subject=");
    assert_contains(&res.body, &format!("data-copy=\"{absolute}\""));
    assert_contains(
        &res.body,
        &format!("<link rel=\"canonical\" href=\"{absolute}\">"),
    );
}

async fn each_visit_counts_a_view(app: TestApp) {
    let editor = app.user(Role::Editor);
    let a = app.article(&editor, "Counted report", SaveAction::Publish);
    let client = app.client();
    // Three readers (a reader's own reloads count once per window: see tests/api/views.rs).
    let reader = |n: u32| format!("Mozilla/5.0 (reader {n}) Firefox/128.0");
    let first = client
        .get_with("/news/counted-report", &[("User-Agent", &reader(1))])
        .await;
    assert_contains(&first.body, "1 view<");
    let second = client
        .get_with("/news/counted-report", &[("User-Agent", &reader(2))])
        .await;
    assert_contains(&second.body, "2 views<");
    client
        .get_with("/news/counted-report", &[("User-Agent", &reader(3))])
        .await;
    app.state.flush_views().await.expect("views written");
    assert_eq!(app.reload(a.id).view_count, 3);
    let home = client.get("/").await;
    assert_contains(&home.body, "3 views");
}

async fn drafts_and_unknown_slugs_answer_404_with_a_real_page(app: TestApp) {
    let editor = app.user(Role::Editor);
    let draft = app.article(&editor, "Secret draft", SaveAction::Draft);
    let client = app.client();
    for path in [
        format!("/news/{}", draft.slug),
        "/news/no-such-report".to_owned(),
        "/news/%3Cscript%3E".to_owned(),
        "/news/UPPER".to_owned(),
        "/no/such/page".to_owned(),
    ] {
        let res = client.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert_contains(&res.body, "<h1>Page not found</h1>");
        assert_contains(&res.body, "<a class=\"button\" href=\"/\">");
        assert_lacks(&res.body, "<script>");
    }
    assert_eq!(
        app.reload(draft.id).view_count,
        0,
        "a draft is never counted"
    );
}

async fn page_numbers_are_checked(app: TestApp) {
    let editor = app.user(Role::Editor);
    for i in 1..=12 {
        app.article(&editor, &format!("Report number {i}"), SaveAction::Publish);
    }
    let client = app.client();
    let first = client.get("/").await;
    assert_contains(
        &first.body,
        r#"<a class="pager-step" rel="next" href="/?page=2">"#,
    );
    assert_contains(&first.body, r#"<span aria-current="page">1</span>"#);
    let second = client.get("/?page=2").await;
    assert_eq!(second.status, StatusCode::OK);
    assert_contains(
        &second.body,
        r#"<a class="pager-step" rel="prev" href="/">"#,
    );
    assert_eq!(second.body.matches("class=\"card\"").count(), 2);
    assert_eq!(client.get("/?page=3").await.status, StatusCode::NOT_FOUND);
    for bad in ["abc", "0", "-1", "1.5", "99999999999999999999"] {
        let res = client.get(&format!("/?page={bad}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "page={bad}");
        assert_contains(&res.body, "page number");
    }
}

async fn assets_are_served_with_a_content_hash_and_long_cache(app: TestApp) {
    let client = app.client();
    let home = client.get("/").await;
    let start = home
        .body
        .find("/assets/")
        .and_then(|_| home.body.find("<link rel=\"stylesheet\" href=\""))
        .expect("stylesheet link")
        + 29;
    let end = home.body[start..].find('"').expect("quote") + start;
    let css_url = home.body[start..end].to_owned();
    assert!(css_url.ends_with("/css/site.css"), "{css_url}");
    let css = client.get(&css_url).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(
        css.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert!(
        css.header("content-type")
            .unwrap_or_default()
            .starts_with("text/css")
    );
    let etag = css.header("etag").expect("etag");
    let again = client.get_with(&css_url, &[("If-None-Match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let stale = client.get("/assets/0000/css/site.css").await;
    assert_eq!(stale.status, StatusCode::OK);
    assert_eq!(
        stale.header("cache-control").as_deref(),
        Some("public, max-age=300")
    );
    assert_eq!(
        client.get("/assets/0000/nope.css").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.get("/assets/0000/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn first_start_creates_the_admin_and_demo_reports_once(app: TestApp) {
    let mut settings = app.settings.clone();
    settings.demo_content = true;
    let made = app.with_conn(|c| setup::first_start(c, &settings).expect("first start"));
    let (email, password) = made.admin.expect("admin created");
    assert_eq!(email, "admin@example.org");
    assert!(password.len() >= 16);
    assert_eq!(made.demo_reports, 4);

    let again = app.with_conn(|c| setup::first_start(c, &settings).expect("second start"));
    assert!(again.admin.is_none());
    assert_eq!(again.demo_reports, 0);
    assert_eq!(app.article_count(), 4);

    // Deleting the demo reports does not bring them back on the next start.
    app.with_conn(|c| diesel::delete(articles::table).execute(c).expect("delete"));
    let third = app.with_conn(|c| setup::first_start(c, &settings).expect("third start"));
    assert_eq!(third.demo_reports, 0);
    assert_eq!(app.article_count(), 0);

    // The printed credentials work.
    let client = app.client();
    let res = client.sign_in(&email, &password).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(client.get("/admin").await.status, StatusCode::OK);
}
