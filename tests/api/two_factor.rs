//! Two-factor sign-in end to end: setting it up from the page (the secret read off the page,
//! codes computed here as an authenticator app does), signing in with a code or a recovery
//! code, replays, throttling, the site's requirement for administrators and editors, turning
//! it off, and an administrator's reset.

use std::future::Future;
use std::time::Duration;

use awc::http::StatusCode;
use chronicle::accounts::two_factor::recovery_hash;
use chronicle::accounts::{self, Role, User};
use chronicle::db::schema::{audit_log, recovery_codes, sessions, users};
use diesel::prelude::*;
use totp_rs::{Builder, Secret};

use crate::common::{Client, PASSWORD, Res, TestApp, TestFn, assert_contains, assert_lacks};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    enrolling_shows_ten_recovery_codes_once_and_stores_them_hashed,
    signing_in_needs_the_code_after_the_password,
    a_code_is_accepted_only_once,
    a_recovery_code_signs_in_once_only,
    wrong_codes_are_throttled_and_a_right_one_waits_out_the_lock,
    the_requirement_sends_editors_to_set_up_but_not_authors,
    turning_off_needs_the_password_and_a_code,
    new_recovery_codes_replace_the_old_ones,
    an_admin_reset_clears_it_ends_sessions_and_is_audited,
    an_author_cannot_reset_anyone,
    the_command_line_reset_turns_it_off_and_is_audited,
];

const PAGE: &str = "/admin/account/two-factor";
const STEP: &str = "/admin/login/two-factor";

/// The code an authenticator app shows for `secret`, `steps` steps from the server's now.
fn code(app: &TestApp, secret: &str, steps: i64) -> String {
    let now = app.state.clock.now().and_utc().timestamp() + steps * 30;
    code_of_step(secret, now / 30)
}

/// The code of one time step.
fn code_of_step(secret: &str, step: i64) -> String {
    let bytes = Secret::try_from_base32(secret).expect("base32 secret");
    let totp = Builder::new().with_secret(bytes).build().expect("totp");
    totp.generate(u64::try_from(step * 30).expect("after 1970"))
        .to_string()
}

/// A six-digit code that is none of the codes accepted now.
fn wrong_code(app: &TestApp, secret: &str) -> String {
    let accepted = [
        code(app, secret, -1),
        code(app, secret, 0),
        code(app, secret, 1),
    ];
    (0..)
        .map(|n: u32| format!("{:06}", n * 111_111 % 1_000_000))
        .find(|c| !accepted.contains(c))
        .expect("a wrong code")
}

/// The next time step: the code of the step just used cannot sign in again.
fn next_step(app: &TestApp) {
    app.state.clock.advance(Duration::from_secs(30));
}

/// Sets up two-factor sign-in through the page as `client`: (the secret, the recovery codes).
async fn enrol(app: &TestApp, client: &Client) -> (String, Vec<String>) {
    let page = client.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_contains(&page.body, "Two-factor sign-in is <strong>off</strong>");
    let started = client
        .post_form(&format!("{PAGE}/setup"), &[("csrf_token", &page.csrf())])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let page = client.get(PAGE).await;
    assert_contains(&page.body, "<svg ");
    let secret = secret_on(&page);
    let wrong = wrong_code(app, &secret);
    let refused = client
        .post_form(
            &format!("{PAGE}/confirm"),
            &[("csrf_token", &page.csrf()), ("code", &wrong)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&refused.body, "That code is not correct");
    let right = code(app, &secret, 0);
    let done = client
        .post_form(
            &format!("{PAGE}/confirm"),
            &[("csrf_token", &page.csrf()), ("code", &right)],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_contains(&done.body, "shown only this once");
    (secret, listed_codes(&done))
}

/// The secret shown for typing in, without its spaces.
fn secret_on(page: &Res) -> String {
    let marker = r#"id="secret">"#;
    let start = page.body.find(marker).expect("the secret is shown") + marker.len();
    let end = page.body[start..].find('<').expect("end of the secret") + start;
    page.body[start..end].replace(' ', "")
}

fn listed_codes(page: &Res) -> Vec<String> {
    page.body
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap_or_default().to_owned())
        .collect()
}

/// The password step: a client half signed in, with the code page's token.
async fn half_signed_in(app: &TestApp, user: &User) -> (Client, String) {
    let client = app.client();
    let res = client.sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), STEP);
    let page = client.get(STEP).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = page.csrf();
    (client, token)
}

async fn send_code(client: &Client, token: &str, code: &str) -> Res {
    client
        .post_form(STEP, &[("csrf_token", token), ("code", code)])
        .await
}

fn reload(app: &TestApp, user: &User) -> User {
    app.with_conn(|c| {
        accounts::find_by_id(c, user.id)
            .expect("query")
            .expect("user")
    })
}

fn stored_hashes(app: &TestApp, user: &User) -> Vec<(String, Option<chrono::NaiveDateTime>)> {
    app.with_conn(|c| {
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user.id))
            .select((recovery_codes::code_hash, recovery_codes::used_at))
            .load(c)
            .expect("recovery codes")
    })
}

async fn enrolling_shows_ten_recovery_codes_once_and_stores_them_hashed(app: TestApp) {
    let (client, user) = app.signed_in(Role::Author).await;
    let (secret, codes) = enrol(&app, &client).await;
    assert_eq!(codes.len(), 10, "{codes:?}");
    let stored = reload(&app, &user);
    assert!(stored.totp_enabled_at.is_some());
    assert_eq!(stored.totp_secret.as_deref(), Some(secret.as_str()));
    let hashes = stored_hashes(&app, &user);
    assert_eq!(hashes.len(), 10);
    for code in &codes {
        assert!(
            hashes.iter().all(|(h, _)| h != code),
            "{code} stored as it is"
        );
        assert!(
            hashes
                .iter()
                .any(|(h, used)| *h == recovery_hash(code) && used.is_none())
        );
    }
    // Shown once: the page afterwards has the status, not the codes.
    let page = client.get(PAGE).await;
    assert_contains(&page.body, "Two-factor sign-in is <strong>on</strong>");
    assert_contains(&page.body, "Unused recovery codes: <strong>10</strong>");
    for code in &codes {
        assert_lacks(&page.body, code);
    }
    assert_eq!(app.audited("turned on two-factor sign-in").len(), 1);
}

async fn signing_in_needs_the_code_after_the_password(app: TestApp) {
    let (client, user) = app.signed_in(Role::Editor).await;
    let (secret, _) = enrol(&app, &client).await;
    next_step(&app);
    let (half, token) = half_signed_in(&app, &user).await;
    // The password alone opens nothing in the staff area.
    for path in ["/admin", "/admin/articles", PAGE, "/admin/account/password"] {
        let res = half.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert!(res.location().starts_with("/admin/login"), "{path}");
    }
    let wrong = send_code(&half, &token, &wrong_code(&app, &secret)).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&wrong.body, "That code is not correct");
    assert_eq!(half.get("/admin").await.status, StatusCode::SEE_OTHER);
    let right = send_code(&half, &token, &code(&app, &secret, 0)).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
    assert_eq!(right.location(), "/admin");
    assert_eq!(half.get("/admin").await.status, StatusCode::OK);
    assert_eq!(app.audited("signed in (two-factor)").len(), 1);
    assert_eq!(app.audited("two-factor code refused").len(), 1);
    // Signed in, the session row names the user (so ending their sessions ends this one).
    let rows: i64 = app.with_conn(|c| {
        sessions::table
            .filter(sessions::user_id.eq(user.id))
            .count()
            .get_result(c)
            .expect("sessions")
    });
    assert_eq!(rows, 2);
}

async fn a_code_is_accepted_only_once(app: TestApp) {
    let (client, user) = app.signed_in(Role::Author).await;
    let (secret, _) = enrol(&app, &client).await;
    // The code that turned it on is used already.
    let first = reload(&app, &user)
        .totp_last_step
        .expect("the step of the first code");
    let (half, token) = half_signed_in(&app, &user).await;
    let used = send_code(&half, &token, &code_of_step(&secret, first)).await;
    assert_eq!(used.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&used.body, "used already");
    next_step(&app);
    let fresh = code(&app, &secret, 0);
    assert_eq!(
        send_code(&half, &token, &fresh).await.status,
        StatusCode::SEE_OTHER
    );
    // The same code again, from another browser: refused (and so is the previous step's).
    let (other, token) = half_signed_in(&app, &user).await;
    let replay = send_code(&other, &token, &fresh).await;
    assert_eq!(replay.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&replay.body, "used already");
    let older = send_code(&other, &token, &code_of_step(&secret, first)).await;
    assert_eq!(older.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.get("/admin").await.status, StatusCode::SEE_OTHER);
}

async fn a_recovery_code_signs_in_once_only(app: TestApp) {
    let (client, user) = app.signed_in(Role::Author).await;
    let (_, codes) = enrol(&app, &client).await;
    let (half, token) = half_signed_in(&app, &user).await;
    // Typed as people do: upper case, with spaces.
    let typed = codes[3].to_uppercase().replace('-', " ");
    let res = send_code(&half, &token, &typed).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(half.get("/admin").await.status, StatusCode::OK);
    assert_eq!(app.audited("signed in with a recovery code").len(), 1);
    let used: Vec<_> = stored_hashes(&app, &user)
        .into_iter()
        .filter(|(_, used)| used.is_some())
        .collect();
    assert_eq!(used.len(), 1);
    assert_eq!(used[0].0, recovery_hash(&codes[3]));
    let (again, token) = half_signed_in(&app, &user).await;
    let res = send_code(&again, &token, &codes[3]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.get("/admin").await.status, StatusCode::SEE_OTHER);
    let page = half.get(PAGE).await;
    assert_contains(&page.body, "Unused recovery codes: <strong>9</strong>");
}

/// Runs all `attempts` at once on the test's runtime and waits for every answer.
async fn all_at_once<F: Future<Output = Res> + 'static>(attempts: Vec<F>) -> Vec<Res> {
    let running: Vec<_> = attempts.into_iter().map(actix_rt::spawn).collect();
    let mut answers = Vec::with_capacity(running.len());
    for attempt in running {
        answers.push(attempt.await.expect("the attempt ran"));
    }
    answers
}

async fn wrong_codes_are_throttled_and_a_right_one_waits_out_the_lock(app: TestApp) {
    let (client, user) = app.signed_in(Role::Editor).await;
    let (secret, codes) = enrol(&app, &client).await;
    next_step(&app);
    let wrong = wrong_code(&app, &secret);
    // Two wrong codes, then a right password again: the count of codes goes on.
    let (half, token) = half_signed_in(&app, &user).await;
    for _ in 0..2 {
        let res = send_code(&half, &token, &wrong).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut attempts = Vec::new();
    for _ in 0..8 {
        let (half, token) = half_signed_in(&app, &user).await;
        let wrong = wrong.clone();
        attempts.push(async move { send_code(&half, &token, &wrong).await });
    }
    let answers = all_at_once(attempts).await;
    let refused = answers
        .iter()
        .filter(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let locked = answers
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(refused, 3, "only the limit (5) of codes is checked");
    assert_eq!(locked, 5);
    let (half, token) = half_signed_in(&app, &user).await;
    for right in [code(&app, &secret, 0), codes[0].clone()] {
        let res = send_code(&half, &token, &right).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
        assert_contains(&res.body, "Too many wrong codes");
    }
    assert_eq!(half.get("/admin").await.status, StatusCode::SEE_OTHER);
    assert!(
        !app.audited("two-factor code refused (throttled)")
            .is_empty()
    );
}

async fn the_requirement_sends_editors_to_set_up_but_not_authors(app: TestApp) {
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (editor, _) = app.signed_in(Role::Editor).await;
    let (author, _) = app.signed_in(Role::Author).await;
    let settings = admin.get("/admin/settings").await;
    assert_contains(&settings.body, r#"name="require_two_factor""#);
    let saved = admin
        .post_form(
            "/admin/settings",
            &[
                ("csrf_token", &settings.csrf()),
                ("name", "Institute of Tests"),
                ("require_two_factor", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        app.audited("required two-factor sign-in for administrators and editors")
            .len(),
        1
    );
    for path in ["/admin", "/admin/articles/new", "/admin/settings"] {
        let res = editor.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(res.location(), "/admin/account/two-factor?required=1");
    }
    // The administrator who set it is held to it too.
    assert_eq!(admin.get("/admin").await.status, StatusCode::SEE_OTHER);
    let page = editor.get("/admin/account/two-factor?required=1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_contains(
        &page.body,
        "requires two-factor sign-in for administrators and editors",
    );
    assert_eq!(
        editor.get("/admin/account/password").await.status,
        StatusCode::OK
    );
    assert_eq!(author.get("/admin").await.status, StatusCode::OK);
    assert_eq!(
        author.get("/admin/articles/new").await.status,
        StatusCode::OK
    );
    enrol(&app, &editor).await;
    assert_eq!(editor.get("/admin").await.status, StatusCode::OK);
}

async fn turning_off_needs_the_password_and_a_code(app: TestApp) {
    let (client, user) = app.signed_in(Role::Author).await;
    let (secret, _) = enrol(&app, &client).await;
    next_step(&app);
    let token = client.csrf().await;
    let off = format!("{PAGE}/off");
    let right = code(&app, &secret, 0);
    let res = client
        .post_form(
            &off,
            &[
                ("csrf_token", &token),
                ("password", "not it at all"),
                ("code", &right),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "The current password is not correct");
    let wrong = wrong_code(&app, &secret);
    let res = client
        .post_form(
            &off,
            &[
                ("csrf_token", &token),
                ("password", PASSWORD),
                ("code", &wrong),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reload(&app, &user).has_two_factor());
    let res = client
        .post_form(
            &off,
            &[
                ("csrf_token", &token),
                ("password", PASSWORD),
                ("code", &right),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let stored = reload(&app, &user);
    assert!(stored.totp_secret.is_none() && stored.totp_enabled_at.is_none());
    assert!(stored_hashes(&app, &user).is_empty());
    assert_eq!(app.audited("turned off two-factor sign-in").len(), 1);
    let res = app.client().sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.location(), "/admin");
}

async fn new_recovery_codes_replace_the_old_ones(app: TestApp) {
    let (client, user) = app.signed_in(Role::Author).await;
    let (secret, old) = enrol(&app, &client).await;
    next_step(&app);
    let token = client.csrf().await;
    let path = format!("{PAGE}/recovery-codes");
    // A recovery code does not make new ones: only the app's code does.
    let res = client
        .post_form(&path, &[("csrf_token", &token), ("code", &old[0])])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = client
        .post_form(
            &path,
            &[("csrf_token", &token), ("code", &code(&app, &secret, 0))],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let new = listed_codes(&res);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)));
    let (half, token) = half_signed_in(&app, &user).await;
    let res = send_code(&half, &token, &old[1]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = send_code(&half, &token, &new[1]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

async fn an_admin_reset_clears_it_ends_sessions_and_is_audited(app: TestApp) {
    let (editor, user) = app.signed_in(Role::Editor).await;
    enrol(&app, &editor).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let edit = admin.get(&format!("/admin/users/{}/edit", user.id)).await;
    assert_contains(&edit.body, "Reset two-factor sign-in");
    let path = format!("/admin/users/{}/two-factor/reset", user.id);
    let unconfirmed = admin
        .post_form(&path, &[("csrf_token", &edit.csrf())])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    assert!(reload(&app, &user).has_two_factor());
    assert_eq!(editor.get("/admin").await.status, StatusCode::OK);
    let res = admin
        .post_form(&path, &[("csrf_token", &edit.csrf()), ("confirm", "1")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let stored = reload(&app, &user);
    assert!(stored.totp_secret.is_none() && !stored.has_two_factor());
    assert!(stored_hashes(&app, &user).is_empty());
    assert_eq!(
        app.audited("reset two-factor sign-in"),
        vec![user.email.clone()]
    );
    // Their session ended; the password alone signs them in now.
    let res = editor.get("/admin").await;
    assert!(
        res.location().starts_with("/admin/login"),
        "{}",
        res.location()
    );
    let res = app.client().sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.location(), "/admin");
    let count: i64 = app.with_conn(|c| {
        users::table
            .filter(users::totp_secret.is_not_null())
            .count()
            .get_result(c)
            .expect("count")
    });
    assert_eq!(count, 0);
}

async fn an_author_cannot_reset_anyone(app: TestApp) {
    let (editor, user) = app.signed_in(Role::Editor).await;
    enrol(&app, &editor).await;
    let (author, _) = app.signed_in(Role::Author).await;
    let token = author.csrf().await;
    let res = author
        .post_form(
            &format!("/admin/users/{}/two-factor/reset", user.id),
            &[("csrf_token", &token), ("confirm", "1")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(reload(&app, &user).has_two_factor());
    assert!(app.audited("reset two-factor sign-in").is_empty());
    assert_eq!(editor.get("/admin").await.status, StatusCode::OK);
}

async fn the_command_line_reset_turns_it_off_and_is_audited(app: TestApp) {
    use crate::cli::{chronicle, text};
    use chronicle::accounts::two_factor;
    let user = app.user(Role::Admin);
    let now = chronicle::clock::now();
    app.with_conn(|c| two_factor::enable(c, user.id, &two_factor::new_secret(), 1, now))
        .expect("two-factor on");
    let db = app.settings.database_url.clone();
    let out = chronicle(
        &[
            "user",
            "reset-2fa",
            "--database",
            &db,
            "--email",
            &user.email,
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_contains(&text(&out.stdout), "Two-factor sign-in of");
    let after = app
        .with_conn(|c| accounts::find_by_id(c, user.id))
        .expect("query")
        .expect("user");
    assert!(!after.has_two_factor() && after.totp_secret.is_none());
    let (codes, audited): (i64, i64) = app.with_conn(|c| {
        (
            recovery_codes::table.count().get_result(c).expect("count"),
            audit_log::table
                .filter(audit_log::action.eq("reset two-factor sign-in"))
                .filter(audit_log::subject.eq(&user.email))
                .count()
                .get_result(c)
                .expect("count"),
        )
    });
    assert_eq!((codes, audited), (0, 1));
    let missing = chronicle(
        &[
            "user",
            "reset-2fa",
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
