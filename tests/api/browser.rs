//! Browser tests in headless Chromium through Debian's chromedriver. They run when
//! `CHRONICLE_TEST_BROWSER=1` (and, optionally, `CHRONICLE_CHROMEDRIVER=/path`); otherwise they
//! are listed as ignored with the reason.

use chronicle::accounts::Role;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chronicle::setup;
use fantoccini::{Client, ClientBuilder, Locator};
use libtest_mimic::{Completion, Trial};

use crate::common::{Backend, PASSWORD, TestApp, run_async};

pub const ENV: &str = "CHRONICLE_TEST_BROWSER";

fn enabled() -> bool {
    std::env::var(ENV).is_ok_and(|v| !v.is_empty() && v != "0")
}

struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let binary =
        std::env::var("CHRONICLE_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let child = Command::new(&binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("CHRONICLE_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--hide-scrollbars"]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session")
}

fn screenshot_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

async fn pages_fit_phone_and_desktop_screens() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut settings = app.settings.clone();
    settings.demo_content = true;
    app.with_conn(|c| setup::first_start(c, &settings).expect("demo content"));
    let driver = start_driver();
    let client = browser(&driver).await;
    let pages = [
        ("home", "/".to_owned()),
        (
            "article",
            "/news/a-commemorative-event-was-held-at-the-institute".to_owned(),
        ),
        ("category", "/category/events".to_owned()),
        ("search", "/search?q=institute".to_owned()),
        ("not-found", "/news/no-such-report".to_owned()),
    ];
    for (width, height) in [(390u32, 844u32), (1366, 768)] {
        client
            .set_window_size(width, height)
            .await
            .expect("window size");
        for (name, path) in &pages {
            client
                .goto(&format!("{}{path}", app.addr))
                .await
                .expect("page loads");
            let sizes = client
                .execute("return [document.documentElement.scrollWidth, window.innerWidth, document.title];", vec![])
                .await
                .expect("script runs");
            let scroll = sizes[0].as_u64().expect("scrollWidth");
            let inner = sizes[1].as_u64().expect("innerWidth");
            assert!(
                scroll <= inner,
                "{name} at {width}px overflows: content {scroll}px wide in a {inner}px window"
            );
            assert!(
                sizes[2].as_str().is_some_and(|t| !t.is_empty()),
                "{name} has a title"
            );
            let png = client.screenshot().await.expect("screenshot");
            assert!(
                png.starts_with(b"\x89PNG") && png.len() > 5_000,
                "{name} screenshot"
            );
            std::fs::write(
                screenshot_dir().join(format!("{name}-{width}x{height}.png")),
                &png,
            )
            .expect("save");
        }
    }
    // Copy link works by keyboard without leaving the page when JavaScript runs.
    client
        .goto(&format!(
            "{}/news/a-commemorative-event-was-held-at-the-institute",
            app.addr
        ))
        .await
        .expect("article");
    let copy = client
        .find(fantoccini::Locator::Css("a.share-copy"))
        .await
        .expect("copy link");
    assert_eq!(
        copy.attr("aria-live").await.expect("attr").as_deref(),
        Some("polite")
    );
    client.close().await.expect("close");
}

async fn js(client: &Client, script: &str) -> serde_json::Value {
    client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("script {script}: {e}"))
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// An editor signs in, writes a report with a heading, a bold word and a link in the rich
/// editor, publishes it, and finds it formatted on the public page.
async fn a_report_written_in_the_rich_editor_is_published_formatted() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let editor = app.user(Role::Editor);
    let driver = start_driver();
    let client = browser(&driver).await;
    client
        .set_window_size(1366, 900)
        .await
        .expect("window size");
    sign_in_as(&client, &app.addr, &editor.email).await;
    open_new_report(&client, &app.addr).await;
    let state = js(
        &client,
        "const t = document.getElementById('body');
         const dialog = document.querySelector('trix-toolbar [data-trix-dialog=href]');
         const style = document.querySelector('style[data-tag-name=trix-editor]');
         return [t.offsetParent === null, t.name, document.getElementById('body-input').name,
                 getComputedStyle(dialog).display, !!style && style.nonce.length > 0,
                 document.querySelector('.trix-button-group--file-tools').offsetParent === null];",
    )
    .await;
    assert_eq!(
        state,
        serde_json::json!([true, "", "body", "none", true, false]),
        "textarea out of sight and unnamed, the editor's input named body, Trix's own style applied \
         under the CSP nonce (dialogs hidden), the attach button shown"
    );
    type_into(&client, "#title", "Written in the editor").await;
    click(&client, "trix-editor").await;
    click(&client, "trix-toolbar .trix-button--icon-heading-1").await;
    type_into(&client, "trix-editor", "Programme\u{E007}The ").await;
    click(&client, "trix-toolbar .trix-button--icon-bold").await;
    type_into(&client, "trix-editor", "opening").await;
    click(&client, "trix-toolbar .trix-button--icon-bold").await;
    type_into(
        &client,
        "trix-editor",
        " was held. Read more on the website",
    )
    .await;
    // Select "the website" and make it a link through the toolbar's dialog.
    js(
        &client,
        "const e = document.querySelector('trix-editor').editor;
         const end = e.getDocument().toString().trimEnd().length;
         e.setSelectedRange([end - 'the website'.length, end]); return end;",
    )
    .await;
    click(&client, "trix-toolbar .trix-button--icon-link").await;
    type_into(
        &client,
        "trix-toolbar [data-trix-dialog=href] input[name=href]",
        "https://example.edu/programme",
    )
    .await;
    click(
        &client,
        "trix-toolbar [data-trix-dialog=href] input[data-trix-method=setAttribute]",
    )
    .await;
    js(
        &client,
        "document.getElementById('body-label').scrollIntoView();",
    )
    .await;
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_dir().join("editor-1366x900.png"), &png).expect("save");
    client.set_window_size(390, 844).await.expect("phone size");
    js(
        &client,
        "document.getElementById('body-label').scrollIntoView();",
    )
    .await;
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_dir().join("editor-390x844.png"), &png).expect("save");
    let sizes = js(
        &client,
        "return [document.documentElement.scrollWidth, window.innerWidth];",
    )
    .await;
    assert_fits(&sizes, "the editor page at phone size");
    // A photo dropped into the text goes to the media library and is shown from there.
    client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const c = document.createElement('canvas'); c.width = 640; c.height = 480;
             const g = c.getContext('2d'); g.fillStyle = '#2a6f4e'; g.fillRect(0, 0, 640, 480);
             g.fillStyle = '#f4d35e'; g.fillRect(120, 90, 300, 200);
             c.toBlob(b => {
               const editor = document.querySelector('trix-editor').editor;
               editor.setSelectedRange(editor.getDocument().toString().length - 1);
               editor.insertFile(new File([b], 'hall.png', { type: 'image/png' }));
               done(true);
             }, 'image/png');",
            vec![],
        )
        .await
        .expect("insert a photo");
    let mut uploaded = serde_json::Value::Null;
    for _ in 0..100 {
        uploaded = js(
            &client,
            "const a = document.querySelector('trix-editor').editor.getDocument().getAttachments();
             return a.map(x => x.getURL() || '');",
        )
        .await;
        if uploaded[0]
            .as_str()
            .is_some_and(|u| u.starts_with("/media/"))
        {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        uploaded[0]
            .as_str()
            .is_some_and(|u| u.starts_with("/media/")),
        "the photo was uploaded: {uploaded}"
    );
    // The HTML source is one click away, and back.
    click(&client, ".body-toggle").await;
    let source = js(
        &client,
        "const t = document.getElementById('body'); return [t.offsetParent !== null, t.name, t.value];",
    )
    .await;
    assert_eq!(source[0], true, "the source is shown");
    assert_eq!(source[1], "body");
    assert!(
        source[2]
            .as_str()
            .is_some_and(|v| v.contains("<strong>opening</strong>") && v.contains("<h2>")),
        "{source}"
    );
    click(&client, ".body-toggle").await;
    assert_eq!(
        js(
            &client,
            "return document.getElementById('body-input').name;"
        )
        .await,
        "body"
    );
    click(&client, "button[name=action][value=publish]").await;
    client
        .wait()
        .for_element(Locator::Css(".flash-success"))
        .await
        .expect("saved");

    let res = app.client().get("/news/written-in-the-editor").await;
    assert_eq!(res.status, awc::http::StatusCode::OK);
    let doc = scraper::Html::parse_document(&res.body);
    let one = |css: &str| {
        let sel = scraper::Selector::parse(css).expect("selector");
        doc.select(&sel)
            .next()
            .map(|e| e.text().collect::<String>())
            .unwrap_or_else(|| panic!("no {css} in the published body:\n{}", res.body))
    };
    assert_eq!(one("article .prose h2"), "Programme");
    assert_eq!(one("article .prose strong"), "opening");
    assert_eq!(
        one(r#"article .prose a[href="https://example.edu/programme"]"#),
        "the website"
    );
    assert!(one("article .prose").contains("was held. Read more on"));
    let img = scraper::Selector::parse("article .prose figure img").expect("selector");
    let photo = doc
        .select(&img)
        .next()
        .unwrap_or_else(|| panic!("the photo is in the published text:\n{}", res.body));
    assert_eq!(photo.value().attr("src"), uploaded[0].as_str());
    assert_eq!(photo.value().attr("width"), Some("640"));
    let stored: i64 = app.with_conn(|c| {
        use diesel::prelude::*;
        chronicle::db::schema::media::table
            .count()
            .get_result(c)
            .expect("count")
    });
    assert_eq!(stored, 1, "the photo is in the media library");
    client
        .goto(&format!("{}/news/written-in-the-editor", app.addr))
        .await
        .expect("public page");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_dir().join("editor-result-390x844.png"), &png).expect("save");
    // Static pages get the same editor.
    client
        .goto(&format!("{}/admin/pages/new", app.addr))
        .await
        .expect("new page");
    client
        .wait()
        .for_element(Locator::Css("trix-editor#body-editor"))
        .await
        .expect("the page form has the rich editor too");
    client.close().await.expect("close");
}

async fn sign_in_as(client: &Client, addr: &str, email: &str) {
    client
        .goto(&format!("{addr}/admin/login"))
        .await
        .expect("sign-in page");
    type_into(client, "#email", email).await;
    type_into(client, "#password", PASSWORD).await;
    click(client, "main form button[type=submit]").await;
    client
        .wait()
        .for_element(Locator::Css(r#"form[action="/admin/logout"]"#))
        .await
        .unwrap_or_else(|e| panic!("{email} is not signed in: {e}"));
}

/// The new-report form, once the rich editor has replaced the textarea.
async fn open_new_report(client: &Client, addr: &str) {
    client
        .goto(&format!("{addr}/admin/articles/new"))
        .await
        .expect("new report");
    client
        .wait()
        .for_element(Locator::Css("trix-toolbar .trix-button--icon-bold"))
        .await
        .expect("the rich editor replaces the textarea");
}

async fn sign_out(client: &Client) {
    click(client, r#"form[action="/admin/logout"] button"#).await;
    client
        .wait()
        .for_element(Locator::Css("#email"))
        .await
        .expect("signed out");
}

/// Each role does its job in the browser: an author writes and submits for review, an editor
/// finds it on the dashboard and publishes it, an admin adds a colleague.
async fn author_editor_and_admin_each_do_their_job() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let author = app.user(Role::Author);
    let editor = app.user(Role::Editor);
    let admin = app.user(Role::Admin);
    let driver = start_driver();
    let client = browser(&driver).await;
    client
        .set_window_size(1024, 768)
        .await
        .expect("tablet size");

    sign_in_as(&client, &app.addr, &author.email).await;
    open_new_report(&client, &app.addr).await;
    assert!(
        client
            .find(Locator::Css("button[name=action][value=publish]"))
            .await
            .is_err(),
        "an author has no Publish button"
    );
    type_into(&client, "#title", "From the author").await;
    type_into(
        &client,
        "trix-editor",
        "A seminar on coastal erosion took place.",
    )
    .await;
    click(&client, "button[name=action][value=review]").await;
    client
        .wait()
        .for_element(Locator::Css(".flash-success"))
        .await
        .expect("submitted");
    assert_eq!(
        app.client().get("/news/from-the-author").await.status,
        awc::http::StatusCode::NOT_FOUND,
        "not public while in review"
    );
    sign_out(&client).await;

    sign_in_as(&client, &app.addr, &editor.email).await;
    client
        .goto(&format!("{}/admin", app.addr))
        .await
        .expect("dashboard");
    client
        .find(Locator::LinkText("From the author"))
        .await
        .expect("awaiting review on the dashboard")
        .click()
        .await
        .expect("open it");
    client
        .wait()
        .for_element(Locator::Css("trix-editor#body-editor"))
        .await
        .expect("editor");
    click(&client, "button[name=action][value=publish]").await;
    client
        .wait()
        .for_element(Locator::Css(".flash-success"))
        .await
        .expect("published");
    let page = app.client().get("/news/from-the-author").await;
    assert_eq!(page.status, awc::http::StatusCode::OK);
    assert!(
        page.body
            .contains("A seminar on coastal erosion took place.")
    );
    sign_out(&client).await;

    sign_in_as(&client, &app.addr, &admin.email).await;
    client
        .goto(&format!("{}/admin/users/new", app.addr))
        .await
        .expect("new user");
    type_into(&client, "#email", "new.colleague@example.org").await;
    type_into(&client, "#name", "New Colleague").await;
    client
        .find(Locator::Css("#role"))
        .await
        .expect("role")
        .select_by_value("editor")
        .await
        .expect("choose editor");
    type_into(&client, "#password", "a fresh long password").await;
    click(&client, "main form button[type=submit]").await;
    client
        .wait()
        .for_element(Locator::LinkText("New Colleague"))
        .await
        .expect("the new user is listed");
    let created = app.with_conn(|c| {
        chronicle::accounts::find_by_email(c, "new.colleague@example.org").expect("query")
    });
    assert_eq!(created.map(|u| u.role), Some("editor".to_owned()));
    client.close().await.expect("close");
}

/// A visitor opens the photo gallery's lightbox by keyboard, steps with the arrow keys and
/// closes it with Escape, landing back on the photo they opened.
async fn the_gallery_lightbox_works_by_keyboard() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (editor, me) = app.signed_in(Role::Editor).await;
    let first = crate::media::uploaded(&editor, "first.jpg", &crate::media::jpeg(1200, 800)).await;
    let second = crate::media::uploaded(&editor, "second.jpg", &crate::media::jpeg(800, 800)).await;
    let article = app.article(
        &me,
        "Gallery report",
        chronicle::content::articles::SaveAction::Publish,
    );
    let token = crate::media::token(&editor).await;
    let (g1, g2) = (format!("gallery_{first}"), format!("gallery_{second}"));
    let (o1, o2) = (format!("order_{first}"), format!("order_{second}"));
    let res = editor
        .post_form(
            &format!("/admin/articles/{}/media", article.id),
            &[
                ("csrf_token", &token),
                ("featured", &first.to_string()),
                (&g1, "on"),
                (&o1, "1"),
                (&g2, "on"),
                (&o2, "2"),
            ],
        )
        .await;
    assert_eq!(res.status, awc::http::StatusCode::SEE_OTHER, "{}", res.body);

    let driver = start_driver();
    let client = browser(&driver).await;
    client.set_window_size(390, 844).await.expect("phone size");
    client
        .goto(&format!("{}/news/{}", app.addr, article.slug))
        .await
        .expect("article");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_dir().join("featured-390x844.png"), &png).expect("save");
    js(
        &client,
        "document.querySelector('a[data-lightbox]').focus();",
    )
    .await;
    let keys = |k: &'static str| {
        let client = client.clone();
        async move {
            client
                .active_element()
                .await
                .expect("focus")
                .send_keys(k)
                .await
                .expect("keys");
        }
    };
    keys("\u{E007}").await; // Enter on the first photo
    let state = "const d = document.querySelector('dialog.lightbox');
                 return [d && d.open, d ? d.querySelector('.lightbox-count').textContent : '',
                         d ? d.querySelector('img').getAttribute('src') : ''];";
    let open = js(&client, state).await;
    assert_eq!(open[0], true, "Enter opens the lightbox: {open}");
    assert_eq!(open[1], "1 of 2");
    assert!(
        open[2].as_str().is_some_and(|s| s.contains("/media/")),
        "{open}"
    );
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_dir().join("lightbox-390x844.png"), &png).expect("save");
    keys("\u{E014}").await; // →
    assert_eq!(js(&client, state).await[1], "2 of 2");
    keys("\u{E012}").await; // ←
    assert_eq!(js(&client, state).await[1], "1 of 2");
    keys("\u{E00C}").await; // Escape
    let closed = js(
        &client,
        "return [document.querySelector('dialog.lightbox').open,
                 document.activeElement === document.querySelector('a[data-lightbox]')];",
    )
    .await;
    assert_eq!(
        closed,
        serde_json::json!([false, true]),
        "closed, focus back"
    );
    let sizes = js(
        &client,
        "return [document.documentElement.scrollWidth, window.innerWidth];",
    )
    .await;
    assert_fits(&sizes, "the gallery page after the lightbox closed");
    client.close().await.expect("close");
}

fn browser_trial(
    name: &'static str,
    test: fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>,
) -> Trial {
    Trial::ignorable_test(format!("browser::{name}"), move || {
        if !enabled() {
            return Ok(Completion::ignored_with(format!(
                "{ENV} is not set, so this browser test was skipped"
            )));
        }
        run_async(test())?;
        Ok(Completion::Completed)
    })
}

pub fn standalone() -> Vec<Trial> {
    vec![
        browser_trial("pages_fit_phone_and_desktop_screens", || {
            Box::pin(pages_fit_phone_and_desktop_screens())
        }),
        browser_trial(
            "a_report_written_in_the_rich_editor_is_published_formatted",
            || Box::pin(a_report_written_in_the_rich_editor_is_published_formatted()),
        ),
        browser_trial("author_editor_and_admin_each_do_their_job", || {
            Box::pin(author_editor_and_admin_each_do_their_job())
        }),
        browser_trial("the_gallery_lightbox_works_by_keyboard", || {
            Box::pin(the_gallery_lightbox_works_by_keyboard())
        }),
    ]
}

/// `sizes` is `[scrollWidth, innerWidth]` read in the page: both must be numbers (a missing one
/// fails, so this cannot pass on nothing) and the content must not be wider than the window.
fn assert_fits(sizes: &serde_json::Value, what: &str) {
    let (Some(scroll), Some(inner)) = (sizes[0].as_u64(), sizes[1].as_u64()) else {
        panic!("{what}: the page did not report its widths: {sizes}");
    };
    assert!(
        scroll <= inner,
        "{what} overflows: content {scroll}px wide in a {inner}px window"
    );
}
