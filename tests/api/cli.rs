//! The `chronicle` command itself: user management, migrate, help, and how `serve` stops on a
//! database it cannot use.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use awc::http::StatusCode;
use chronicle::accounts::{self, SignIn};
use libtest_mimic::Trial;

use crate::common::{TestApp, TestFn, assert_contains, run_async};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    user_commands_manage_accounts,
    migrate_is_idempotent,
    seed_fills_the_site_with_searchable_reports,
];

pub(crate) fn chronicle(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run chronicle");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("chronicle finished")
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn check(app: &TestApp, email: &str, password: &str) -> &'static str {
    app.with_conn(
        |c| match accounts::check_credentials(c, email, password).expect("query") {
            SignIn::Success(_) => "ok",
            SignIn::WrongCredentials => "wrong",
            SignIn::Disabled => "disabled",
        },
    )
}

async fn user_commands_manage_accounts(app: TestApp) {
    let db = app.settings.database_url.clone();
    let out = chronicle(
        &[
            "user",
            "add",
            "--database",
            &db,
            "--email",
            "Press@Example.edu",
            "--name",
            "Press Office",
            "--role",
            "editor",
            "--password-stdin",
        ],
        Some("first password 1\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_contains(&text(&out.stdout), "press@example.edu");
    assert_eq!(check(&app, "press@example.edu", "first password 1"), "ok");

    let dup = chronicle(
        &[
            "user",
            "add",
            "--database",
            &db,
            "--email",
            "press@example.edu",
            "--name",
            "Again",
            "--role",
            "editor",
            "--password-stdin",
        ],
        Some("another password\n"),
    );
    assert!(!dup.status.success());
    assert_contains(&text(&dup.stderr), "already exists");

    let bad_role = chronicle(
        &[
            "user",
            "add",
            "--database",
            &db,
            "--email",
            "x@example.edu",
            "--name",
            "X",
            "--role",
            "king",
            "--password-stdin",
        ],
        Some("some password\n"),
    );
    assert!(!bad_role.status.success());
    assert_contains(&text(&bad_role.stderr), "unknown role");

    let short = chronicle(
        &[
            "user",
            "add",
            "--database",
            &db,
            "--email",
            "y@example.edu",
            "--name",
            "Y",
            "--role",
            "author",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(!short.status.success());
    assert_contains(&text(&short.stderr), "at least 8 characters");

    // Without --password-stdin and without a terminal, it says what to do.
    let no_tty = chronicle(
        &[
            "user",
            "set-password",
            "--database",
            &db,
            "--email",
            "press@example.edu",
        ],
        None,
    );
    assert!(!no_tty.status.success());
    assert_contains(&text(&no_tty.stderr), "--password-stdin");

    // Changing the password ends sessions and the old password stops working.
    let client = app.client();
    assert_eq!(
        client
            .sign_in("press@example.edu", "first password 1")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let out = chronicle(
        &[
            "user",
            "set-password",
            "--database",
            &db,
            "--email",
            "press@example.edu",
            "--password-stdin",
        ],
        Some("second password 2\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        check(&app, "press@example.edu", "first password 1"),
        "wrong"
    );
    assert_eq!(check(&app, "press@example.edu", "second password 2"), "ok");
    assert_eq!(client.get("/admin").await.status, StatusCode::SEE_OTHER);

    let out = chronicle(
        &[
            "user",
            "disable",
            "--database",
            &db,
            "--email",
            "press@example.edu",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        check(&app, "press@example.edu", "second password 2"),
        "disabled"
    );

    let missing = chronicle(
        &[
            "user",
            "disable",
            "--database",
            &db,
            "--email",
            "ghost@example.edu",
        ],
        None,
    );
    assert!(!missing.status.success());
    assert_contains(
        &text(&missing.stderr),
        "no user with the email ghost@example.edu",
    );
}

async fn migrate_is_idempotent(app: TestApp) {
    let db = app.settings.database_url.clone();
    let out = chronicle(&["migrate", "--database", &db], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_contains(&text(&out.stdout), "up to date");
}

async fn seed_fills_the_site_with_searchable_reports(app: TestApp) {
    let db = app.settings.database_url.clone();
    for _ in 0..2 {
        let out = chronicle(&["seed", "--database", &db, "--articles", "1500"], None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_contains(&text(&out.stdout), "Added 1500 articles");
    }
    assert_eq!(app.article_count(), 3000);
    let (slugs, empty_text, tagged) = app.with_conn(|c| {
        use chronicle::db::schema::{article_tags, articles};
        use diesel::prelude::*;
        let slugs: std::collections::HashSet<String> = articles::table
            .select(articles::slug)
            .load(c)
            .expect("slugs")
            .into_iter()
            .collect();
        let empty_text: i64 = articles::table
            .filter(articles::body_text.eq(""))
            .count()
            .get_result(c)
            .expect("text");
        let tagged: i64 = article_tags::table.count().get_result(c).expect("tags");
        (slugs.len(), empty_text, tagged)
    });
    assert_eq!(slugs, 3000, "every slug is unique, also across runs");
    assert_eq!(empty_text, 0, "body_text is written with the body");
    assert!(tagged > 1000, "{tagged}");
    let client = app.client();
    let home = client.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.matches("<article").count() >= 10, "{}", home.body);
    // A deep page of the listing, a category, and the search index.
    assert_eq!(client.get("/?page=250").await.status, StatusCode::OK);
    assert_eq!(
        client.get("/category/research").await.status,
        StatusCode::OK
    );
    let found = client.get("/search?q=expedition").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(!found.body.contains("Nothing found"), "{}", found.body);
    assert_contains(&found.body, "href=\"/news/");
    // Every title has "on": a word of all 3,000. The 200 most recently written of the
    // published ones (the seed leaves a few drafts) are ranked and paged through; the page
    // says there are more.
    let newest: std::collections::HashMap<String, i32> = app.with_conn(|c| {
        use chronicle::db::schema::articles;
        use diesel::prelude::*;
        articles::table
            .filter(articles::status.eq("published"))
            .order(articles::id.desc())
            .limit(chronicle::content::search::RANKED)
            .select((articles::slug, articles::id))
            .load(c)
            .expect("newest")
            .into_iter()
            .collect()
    });
    for page in [1, 10, 20] {
        let res = client.get(&format!("/search?q=on&page={page}")).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_contains(&res.body, "More than 200 reports found");
        let slugs: Vec<&str> = res
            .body
            .split("class=\"card-title\"><a href=\"/news/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert_eq!(slugs.len(), 10, "page {page}");
        for slug in slugs {
            assert!(newest.contains_key(slug), "{slug} is not among the newest");
        }
    }
    assert_eq!(
        client.get("/search?q=on&page=21").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Starts `chronicle` with no arguments (configured by environment only) and waits until it
/// says it is serving; returns the child and everything it printed until then.
fn start_default_serve(db_url: &str, port: u16) -> (std::process::Child, String) {
    start_serve_with(db_url, port, &[])
}

/// The same, with more environment variables (`RUST_LOG` among them overrides `warn`).
fn start_serve_with(
    db_url: &str,
    port: u16,
    env: &[(&str, &str)],
) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .env("DATABASE_URL", db_url)
        .env("CHRONICLE_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chronicle");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            seen.push_str(&line);
            seen.push('\n');
            if line.contains("is serving") {
                let _ = tx.send(seen.clone());
            }
        }
    });
    let printed = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("server started");
    (child, printed)
}

fn http_get(port: u16, path: &str) -> String {
    http_get_as(port, path, "")
}

/// A GET with this `User-Agent` (none when empty).
fn http_get_as(port: u16, path: &str, user_agent: &str) -> String {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let ua = if user_agent.is_empty() {
        String::new()
    } else {
        format!("User-Agent: {user_agent}\r\n")
    };
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{ua}Connection: close\r\n\r\n"
    )
    .expect("send");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("read");
    out
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn stop(child: &mut std::process::Child) -> std::process::ExitStatus {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    child.wait().expect("exit")
}

/// Tests that need no per-test database.
pub fn standalone() -> Vec<Trial> {
    vec![
        Trial::test("cli::sigterm_writes_the_views_counted_last", || {
            let dir = tempfile::tempdir().expect("dir");
            let db_url = format!("sqlite://{}", dir.path().join("site.db").display());
            let port = free_port();
            // Writing would wait an hour: only the stop can write these views.
            let (mut child, _) = start_serve_with(
                &db_url,
                port,
                &[
                    ("CHRONICLE_VIEW_DEDUP_SECS", "0"),
                    ("CHRONICLE_VIEW_FLUSH_SECS", "3600"),
                ],
            );
            let home = http_get(port, "/");
            let at = home
                .find("href=\"/news/")
                .expect("a report on the home page")
                + 12;
            let slug: String = home[at..].chars().take_while(|c| *c != '"').collect();
            let path = format!("/news/{slug}");
            let views = |db: &str| -> i64 {
                let pool = chronicle::db::connect(db, 1, Duration::from_secs(5)).expect("db");
                let mut conn = pool.get().expect("conn");
                chronicle::content::articles::find_published(&mut conn, "en", &slug)
                    .expect("query")
                    .expect("article")
                    .article
                    .view_count
            };
            let before = views(&db_url);
            for _ in 0..3 {
                let page =
                    http_get_as(port, &path, "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0");
                assert!(page.starts_with("HTTP/1.1 200"), "{page}");
            }
            // A client without a user agent is a script: not a view.
            http_get(port, &path);
            assert_eq!(views(&db_url), before, "nothing written before the stop");
            assert!(stop(&mut child).success());
            assert_eq!(views(&db_url), before + 3);
            Ok(())
        }),
        Trial::test("cli::every_request_is_logged_with_its_own_id", || {
            use std::io::Read;
            let dir = tempfile::tempdir().expect("dir");
            let db_url = format!("sqlite://{}", dir.path().join("site.db").display());
            let port = free_port();
            let (mut child, _) = start_serve_with(&db_url, port, &[("RUST_LOG", "info")]);
            let mut stderr = child.stderr.take().expect("stderr");
            assert!(http_get(port, "/").starts_with("HTTP/1.1 200"));
            assert!(http_get(port, "/no-such-page").starts_with("HTTP/1.1 404"));
            assert!(stop(&mut child).success());
            let mut log = String::new();
            stderr.read_to_string(&mut log).expect("read the log");
            let id_of = |needle: &str| -> String {
                let line = log
                    .lines()
                    .find(|l| l.contains("request_log") && l.contains(needle))
                    .unwrap_or_else(|| panic!("no log line for {needle}:\n{log}"));
                let at = line.find("request_id=").expect("a request id") + "request_id=".len();
                let id: String = line[at..].chars().take_while(|c| *c != ' ').collect();
                assert_eq!(id.len(), 36, "a UUID: {line}");
                id
            };
            let home = id_of("\"GET / HTTP/1.1\"}: chronicle::web::request_log: 200 ");
            let missing =
                id_of("\"GET /no-such-page HTTP/1.1\"}: chronicle::web::request_log: 404 ");
            assert_ne!(home, missing, "each request has its own id");
            Ok(())
        }),
        Trial::test(
            "cli::no_arguments_serves_and_the_first_start_happens_once",
            || {
                let dir = tempfile::tempdir().expect("dir");
                let db_url = format!(
                    "sqlite://{}",
                    dir.path().join("nested/folder/site.db").display()
                );
                let port = free_port();
                let (mut child, printed) = start_default_serve(&db_url, port);
                assert!(
                    printed.contains("An administrator account was created"),
                    "{printed}"
                );
                assert!(
                    printed.contains(&format!("http://127.0.0.1:{port}/admin/login")),
                    "{printed}"
                );
                assert!(printed.contains("Created 4 demo reports"), "{printed}");
                let home = http_get(port, "/");
                assert!(home.starts_with("HTTP/1.1 200"), "{home}");
                assert!(
                    home.contains("A commemorative event was held at the Institute"),
                    "{home}"
                );
                assert!(stop(&mut child).success(), "a clean exit on SIGTERM");

                let (mut child, printed) = start_default_serve(&db_url, port);
                assert!(!printed.contains("administrator account"), "{printed}");
                assert!(!printed.contains("demo reports"), "{printed}");
                let home = http_get(port, "/");
                assert_eq!(
                    home.matches("class=\"card\"").count(),
                    4,
                    "no new demo reports"
                );
                assert!(stop(&mut child).success());
                Ok(())
            },
        ),
        Trial::test("cli::flags_override_environment_variables", || {
            let dir = tempfile::tempdir().expect("dir");
            let good = format!("sqlite://{}", dir.path().join("flag.db").display());
            let out = Command::new(env!("CARGO_BIN_EXE_chronicle"))
                .args(["migrate", "--database", &good])
                .env("DATABASE_URL", "mysql://ignored")
                .output()
                .expect("run");
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert!(dir.path().join("flag.db").exists());
            let out = Command::new(env!("CARGO_BIN_EXE_chronicle"))
                .args(["migrate"])
                .env("DATABASE_URL", "mysql://from-env")
                .output()
                .expect("run");
            assert!(!out.status.success());
            assert!(text(&out.stderr).contains("mysql://from-env"));
            Ok(())
        }),
        Trial::test("cli::help_documents_every_command", || {
            let out = chronicle(&["--help"], None);
            let help = text(&out.stdout);
            for word in [
                "serve",
                "migrate",
                "user",
                "DATABASE_URL",
                "CHRONICLE_BIND",
                "--bind",
            ] {
                assert!(help.contains(word), "--help lacks {word}:\n{help}");
            }
            let out = chronicle(&["user", "add", "--help"], None);
            let help = text(&out.stdout);
            for word in ["--email", "--name", "--role", "--password-stdin"] {
                assert!(help.contains(word), "user add --help lacks {word}:\n{help}");
            }
            Ok(())
        }),
        Trial::test(
            "cli::serve_stops_with_one_line_on_an_unknown_scheme",
            || {
                let out = chronicle(
                    &[
                        "serve",
                        "--database",
                        "mysql://root@localhost/cms",
                        "--bind",
                        "127.0.0.1:0",
                    ],
                    None,
                );
                assert!(!out.status.success());
                let err = text(&out.stderr);
                assert_eq!(err.trim().lines().count(), 1, "{err}");
                assert!(
                    err.contains("sqlite://") && err.contains("postgres://"),
                    "{err}"
                );
                Ok(())
            },
        ),
        Trial::test(
            "cli::serve_stops_with_one_line_when_the_database_is_unreachable",
            || {
                let out = chronicle(
                    &[
                        "serve",
                        "--database",
                        "postgres://postgres@127.0.0.1:1/nothing",
                        "--bind",
                        "127.0.0.1:0",
                    ],
                    None,
                );
                assert!(!out.status.success());
                let err = text(&out.stderr);
                assert_eq!(err.trim().lines().count(), 1, "{err}");
                assert!(err.contains("cannot connect to the database"), "{err}");
                Ok(())
            },
        ),
        Trial::test("cli::a_database_that_goes_down_gives_a_503_page", || {
            run_async(async {
                let pool = chronicle::db::lazy_pool(
                    "postgres://postgres@127.0.0.1:1/nothing",
                    Duration::from_millis(500),
                )
                .expect("pool");
                let (addr, handle) = TestApp::spawn_on_pool(pool).await;
                let client = crate::common::Client::new(&addr);
                for path in ["/", "/news/some-report"] {
                    let res = client.get(path).await;
                    assert_eq!(
                        res.status,
                        StatusCode::SERVICE_UNAVAILABLE,
                        "{path}: {}",
                        res.body
                    );
                    assert_contains(&res.body, "temporarily unavailable");
                    assert_eq!(res.header("retry-after").as_deref(), Some("30"));
                }
                // The sign-in form needs no database (its token is in a cookie); signing in does.
                let res = client.sign_in("someone@example.org", "a password").await;
                assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
                assert_contains(&res.body, "temporarily unavailable");
                handle.stop(false).await;
            })
        }),
    ]
}
