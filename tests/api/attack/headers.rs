//! Headers everywhere: the security headers on every answer (pages, errors, the session
//! store's 503, a 304, a HEAD), HSTS only on https sites, HEAD wherever GET works, and the
//! site's icon at `/favicon.ico`.

use std::time::Duration;

use awc::http::StatusCode;
use chronicle::accounts::Role;
use chronicle::content::articles::SaveAction;
use chronicle::web::admin::route_table;

use crate::common::{Client, Res, TestApp, TestFn, assert_contains};
use crate::media::{jpeg, uploaded};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    security_headers_are_on_pages_errors_and_conditional_answers,
    security_headers_are_on_the_503_of_an_unreachable_database,
    hsts_is_sent_only_for_an_https_base_url,
    head_answers_like_get_on_every_get_route,
    the_favicon_is_served_with_a_long_cache,
];

#[track_caller]
pub fn assert_secure(res: &Res, what: &str) {
    for (name, expected) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "SAMEORIGIN"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
        ("content-security-policy", "default-src 'self'"),
        ("permissions-policy", "camera=()"),
    ] {
        let value = res
            .header(name)
            .unwrap_or_else(|| panic!("{what}: no {name} ({:?})", res.status));
        // A page whose address holds a secret (a password-reset link) sends no referrer at
        // all: stricter than the default.
        if name == "referrer-policy" && value == "no-referrer" {
            continue;
        }
        assert_contains(&value, expected);
    }
}

async fn security_headers_are_on_pages_errors_and_conditional_answers(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let visitor = app.client();
    let home = visitor.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_secure(&home, "a public page");
    let admin = editor.get("/admin/articles").await;
    assert_eq!(admin.status, StatusCode::OK);
    assert_secure(&admin, "an admin page");
    let missing = visitor.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_secure(&missing, "a 404");
    let missing = visitor.get("/news/no-such-report").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_secure(&missing, "a handler's 404");

    let csrf = editor.csrf().await;
    let huge = "y".repeat(3 * 1024 * 1024);
    let res = editor
        .post_raw(
            "/admin/articles",
            format!("csrf_token={csrf}&title=Huge&action=draft&body={huge}"),
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_secure(&res, "a 413");
    let res = editor.post_raw("/admin/articles", "%zz=%".to_owned()).await;
    assert!(res.status.is_client_error(), "{:?}", res.status);
    assert_secure(&res, "a malformed form");
    let res = visitor.post_form("/admin/logout", &[]).await;
    assert!(res.status.is_client_error() || res.status.is_redirection());
    assert_secure(&res, "a refused form");

    let etag = home.header("etag").expect("an ETag");
    let not_modified = visitor.get_with("/", &[("If-None-Match", &etag)]).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert_secure(&not_modified, "a 304");
    let head = visitor.head("/").await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    assert_secure(&head, "a HEAD");
    assert_secure(&visitor.head("/no/such/page").await, "a HEAD 404");
    let page = visitor.get("/admin/login").await;
    assert_secure(&page, "the sign-in page");
}

async fn security_headers_are_on_the_503_of_an_unreachable_database(app: TestApp) {
    drop(app);
    let pool = chronicle::db::lazy_pool(
        "postgres://postgres@127.0.0.1:1/nothing",
        Duration::from_millis(300),
    )
    .expect("pool");
    let (addr, handle) = TestApp::spawn_on_pool(pool).await;
    let client = Client::new(&addr);
    // A session cookie as that server signs them (`spawn_on_pool`'s key): `/admin` then fails
    // in the session store, outside any handler; `/` fails in the handler.
    let key = actix_web::cookie::Key::derive_from(&[7u8; 64]);
    let mut jar = actix_web::cookie::CookieJar::new();
    jar.private_mut(&key).add(actix_web::cookie::Cookie::new(
        chronicle::web::SESSION_COOKIE,
        "a-session-key",
    ));
    let sealed = jar
        .get(chronicle::web::SESSION_COOKIE)
        .expect("sealed cookie")
        .value()
        .to_owned();
    client
        .cookies
        .borrow_mut()
        .insert(chronicle::web::SESSION_COOKIE.to_owned(), sealed);
    for path in ["/", "/admin"] {
        let res = client.get(path).await;
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_contains(&res.body, "temporarily unavailable");
        assert_secure(&res, path);
    }
    handle.stop(false).await;
}

async fn hsts_is_sent_only_for_an_https_base_url(app: TestApp) {
    let backend = app.backend;
    for path in ["/", "/no/such/page", "/admin/login"] {
        assert_eq!(
            app.client()
                .get(path)
                .await
                .header("strict-transport-security"),
            None,
            "http: {path}"
        );
    }
    drop(app);
    let https = TestApp::spawn_with(backend, |s| {
        s.base_url = "https://news.example.edu".to_owned();
    })
    .await;
    for path in ["/", "/no/such/page", "/admin/login", "/favicon.ico"] {
        assert_eq!(
            https
                .client()
                .get(path)
                .await
                .header("strict-transport-security")
                .as_deref(),
            Some("max-age=31536000"),
            "https: {path}"
        );
    }
    drop(https);
    let short = TestApp::spawn_with(backend, |s| {
        s.base_url = "https://news.example.edu".to_owned();
        s.hsts_max_age = 600;
    })
    .await;
    let res = short.client().get("/").await;
    assert_eq!(
        res.header("strict-transport-security").as_deref(),
        Some("max-age=600")
    );
    drop(short);
    let off = TestApp::spawn_with(backend, |s| {
        s.base_url = "https://news.example.edu".to_owned();
        s.hsts_max_age = 0;
    })
    .await;
    let res = off.client().get("/").await;
    assert_eq!(res.header("strict-transport-security"), None);
    assert_secure(&res, "https without HSTS");
}

/// Walks every public GET route and every admin GET route of [`route_table`], signed out and
/// signed in as an administrator: HEAD answers with the GET's status and type, and no body.
async fn head_answers_like_get_on_every_get_route(app: TestApp) {
    let (admin, author) = app.signed_in(Role::Admin).await;
    let article = app.article(&author, "Head report", SaveAction::Publish);
    let media = uploaded(&admin, "head.jpg", &jpeg(64, 48)).await;
    let language = app.settings.language.clone();
    let (page, category, tag, key) = app.with_conn(|c| {
        use chronicle::content::{categories, pages, tags};
        use chronicle::db::schema::media;
        use diesel::prelude::*;
        let page = pages::create(
            c,
            &language,
            &pages::check(&pages::PageInput {
                title: "About us".into(),
                published: true,
                ..Default::default()
            })
            .expect("checked"),
        )
        .expect("page");
        let category = categories::create(c, "Seminars", "", &language, 0).expect("category");
        tags::set_for_article(c, article.id, &language, &["Physics".to_owned()]).expect("tag");
        let tag = tags::of_article(c, article.id).expect("tags")[0].clone();
        let key: String = media::table
            .find(media)
            .select(media::storage_key)
            .first(c)
            .expect("key");
        (page, category, tag, key)
    });
    let home = app.client().get("/").await.body;
    let css = {
        let at = home.find("/assets/").expect("an asset link");
        let end = home[at..].find('"').expect("end of the link") + at;
        home[at..end].to_owned()
    };
    let month = chronicle::clock::now().format("%Y/%m").to_string();
    let mut paths: Vec<String> = vec![
        "/".into(),
        "/?page=2".into(),
        format!("/news/{}", article.slug),
        "/news/no-such-report".into(),
        format!("/category/{}", category.slug),
        format!("/category/{}/feed.xml", category.slug),
        format!("/category/{}/atom.xml", category.slug),
        format!("/tag/{}", tag.slug),
        "/archive".into(),
        format!("/archive/{month}"),
        "/search?q=report".into(),
        "/feed.xml".into(),
        "/atom.xml".into(),
        "/sitemap.xml".into(),
        "/sitemap-1.xml".into(),
        "/robots.txt".into(),
        "/preview/not-a-token".into(),
        format!("/{}", page.slug),
        css,
        "/assets/0000/css/site.css".into(),
        "/favicon.ico".into(),
        format!("/media/{key}"),
        "/no/such/page".into(),
    ];
    for route in route_table().into_iter().filter(|r| r.method == "GET") {
        let id = match route.path.split('/').nth(1) {
            Some("articles") => article.id,
            Some("pages") => page.id,
            Some("media") => media,
            Some("categories") => category.id,
            Some("users") => author.id,
            _ => 0,
        };
        paths.push(format!(
            "/admin{}",
            route.path.replace("{id}", &id.to_string())
        ));
    }
    let visitor = app.client();
    for client in [&visitor, &admin] {
        let who = if std::ptr::eq(client, &visitor) {
            "signed out"
        } else {
            "admin"
        };
        for path in &paths {
            let head = client.head(path).await;
            let get = client.get(path).await;
            assert_ne!(head.status, StatusCode::METHOD_NOT_ALLOWED, "{who} {path}");
            assert_eq!(head.status, get.status, "{who} HEAD {path}");
            assert!(head.body.is_empty(), "{who} HEAD {path} has a body");
            assert_eq!(
                head.header("content-type"),
                get.header("content-type"),
                "{who} {path}"
            );
            if get.status == StatusCode::OK {
                assert_eq!(
                    head.header("cache-control"),
                    get.header("cache-control"),
                    "{who} {path}"
                );
            }
            assert_secure(&head, path);
        }
    }
    // The admin pages were reached, not only their sign-in redirect.
    assert_eq!(admin.head("/admin/articles").await.status, StatusCode::OK);
    assert_eq!(admin.head("/admin").await.status, StatusCode::OK);
    assert_eq!(visitor.head("/admin/login").await.status, StatusCode::OK);
}

async fn the_favicon_is_served_with_a_long_cache(app: TestApp) {
    // Pages name it, so browsers need not guess.
    let home = app.client().get("/").await;
    assert_contains(&home.body, "<link rel=\"icon\" href=\"/favicon.ico\"");
    let res = app.client().get_bytes("/favicon.ico", &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    let content_type = res.header("content-type").expect("a type");
    assert!(content_type.starts_with("image/"), "{content_type}");
    assert!(res.body.starts_with(&[0, 0, 1, 0]), "an ICO file");
    let cache = res.header("cache-control").expect("cached");
    let max_age: u64 = cache
        .split("max-age=")
        .nth(1)
        .and_then(|v| v.split(',').next())
        .and_then(|v| v.trim().parse().ok())
        .expect("a max-age");
    assert!(max_age >= 7 * 24 * 3600, "{cache}");
    let etag = res.header("etag").expect("an ETag");
    let again = app
        .client()
        .get_with("/favicon.ico", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
}
