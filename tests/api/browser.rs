//! Browser tests in headless Chromium through Debian's chromedriver. They run when
//! `CHRONICLE_TEST_BROWSER=1` (and, optionally, `CHRONICLE_CHROMEDRIVER=/path`); otherwise they
//! are listed as ignored with the reason.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chronicle::setup;
use fantoccini::{Client, ClientBuilder};
use libtest_mimic::{Completion, Trial};

use crate::common::{Backend, TestApp, run_async};

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

pub fn standalone() -> Vec<Trial> {
    vec![Trial::ignorable_test(
        "browser::pages_fit_phone_and_desktop_screens",
        || {
            if !enabled() {
                return Ok(Completion::ignored_with(format!(
                    "{ENV} is not set, so this browser test was skipped"
                )));
            }
            run_async(pages_fit_phone_and_desktop_screens())?;
            Ok(Completion::Completed)
        },
    )]
}
