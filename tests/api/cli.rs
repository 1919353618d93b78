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

pub const TESTS: &[(&str, TestFn)] = tests![user_commands_manage_accounts, migrate_is_idempotent];

fn chronicle(args: &[&str], stdin: Option<&str>) -> Output {
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

fn text(bytes: &[u8]) -> String {
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

/// Tests that need no per-test database.
pub fn standalone() -> Vec<Trial> {
    vec![
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
                for path in ["/", "/news/some-report", "/admin/login"] {
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
                handle.stop(false).await;
            })
        }),
    ]
}
