//! Attacks on signing in: parallel password guesses (from many clients, on two instances of
//! one site) against one account and from one client address, a lock raced by late failures,
//! guesses at the password-change form's current password, and forged sign-in posts. Every
//! attack goes through the real server; the password checks that really ran are read from
//! the instances' counters and the audit log.

use std::future::Future;
use std::sync::atomic::Ordering;

use awc::http::StatusCode;
use chronicle::accounts::Role;
use chronicle::accounts::throttle::{self, ACCOUNT_LIMIT, CLIENT_LIMIT};
use chronicle::db::schema::{audit_log, sessions, sign_in_throttle};
use chronicle::web::csrf::LOGIN_COOKIE;
use diesel::prelude::*;

use crate::common::{Client, PASSWORD, Res, TestApp, TestFn, assert_contains};
use crate::forms::SignInForm;
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    parallel_guesses_at_one_account_check_at_most_its_limit,
    parallel_guesses_from_one_client_check_at_most_its_limit,
    a_lock_is_not_cleared_or_shortened_by_late_failures,
    guesses_at_the_current_password_are_throttled,
    the_sign_in_page_stores_no_session,
    a_sign_in_without_its_login_cookie_or_from_another_site_is_refused,
];

/// How many attackers guess at once.
const PARALLEL: usize = 40;

/// Runs all `attempts` at once on the test's runtime and waits for every answer.
async fn all_at_once<F: Future<Output = Res> + 'static>(attempts: Vec<F>) -> Vec<Res> {
    let running: Vec<_> = attempts.into_iter().map(actix_rt::spawn).collect();
    let mut answers = Vec::with_capacity(running.len());
    for attempt in running {
        answers.push(attempt.await.expect("the attempt ran"));
    }
    answers
}

/// A client of `app` that has opened the sign-in form: its token (its cookie is in the jar).
async fn with_form(app: &TestApp) -> (Client, String) {
    let client = app.client();
    let form = client.get("/admin/login").await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form.csrf();
    (client, token)
}

/// Posts the sign-in form as a browser that opened it does.
async fn post_sign_in(client: Client, token: String, email: String, password: &str) -> Res {
    let form = SignInForm::new()
        .email(&email)
        .password(password)
        .csrf(&token)
        .next("/admin");
    client.post_form("/admin/login", &form).await
}

/// Password checks run by these instances so far.
fn checks(apps: &[&TestApp]) -> u64 {
    apps.iter()
        .map(|a| a.state.password_checks.load(Ordering::SeqCst))
        .sum()
}

fn audited(app: &TestApp, action: &str) -> i64 {
    app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::action.eq(action))
            .count()
            .get_result(c)
            .expect("count audit lines")
    })
}

fn locked_until(app: &TestApp, key: &str) -> Option<chrono::NaiveDateTime> {
    app.with_conn(|c| {
        sign_in_throttle::table
            .find(key)
            .select(sign_in_throttle::locked_until)
            .first(c)
            .optional()
            .expect("throttle row")
            .flatten()
    })
}

fn session_rows(app: &TestApp) -> i64 {
    app.with_conn(|c| {
        sessions::table
            .count()
            .get_result(c)
            .expect("count sessions")
    })
}

#[track_caller]
fn assert_no_server_error(answers: &[Res]) {
    for res in answers {
        assert!(
            res.status == StatusCode::OK || res.status == StatusCode::TOO_MANY_REQUESTS,
            "a guess answered {}: {}",
            res.status,
            res.body
        );
    }
}

async fn parallel_guesses_at_one_account_check_at_most_its_limit(app: TestApp) {
    // Two instances of one site: the limit is the database's, not a process's.
    let beside = app.spawn_beside(|_| {}).await;
    let user = app.user(Role::Editor);
    let mut attempts = Vec::new();
    for i in 0..PARALLEL {
        let (client, token) = with_form(if i % 2 == 0 { &app } else { &beside }).await;
        attempts.push(post_sign_in(
            client,
            token,
            user.email.clone(),
            "a wrong guess!",
        ));
    }
    let answers = all_at_once(attempts).await;
    assert_no_server_error(&answers);
    let checked = checks(&[&app, &beside]);
    assert_eq!(
        checked, ACCOUNT_LIMIT as u64,
        "password checks for one account"
    );
    let refused = answers
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(refused, PARALLEL - ACCOUNT_LIMIT as usize);
    assert_eq!(audited(&app, "sign-in failed"), i64::from(ACCOUNT_LIMIT));
    assert_eq!(
        audited(&app, "sign-in refused (throttled)"),
        (PARALLEL - ACCOUNT_LIMIT as usize) as i64
    );
    // The right password waits too, on either instance, and costs no check.
    for instance in [&app, &beside] {
        let res = instance.client().sign_in(&user.email, PASSWORD).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
        assert_contains(&res.body, "Too many failed sign-ins");
        assert_contains(&res.body, "15 more minutes");
    }
    assert_eq!(checks(&[&app, &beside]), checked);
}

async fn parallel_guesses_from_one_client_check_at_most_its_limit(app: TestApp) {
    let beside = app.spawn_beside(|_| {}).await;
    let users: Vec<_> = (0..5).map(|_| app.user(Role::Author)).collect();
    let mut attempts = Vec::new();
    for i in 0..PARALLEL {
        // Many accounts, a few of them real, from one address: each account stays under its
        // own limit, the address does not.
        let email = match users.get(i % 8) {
            Some(user) => user.email.clone(),
            None => format!("guess{i}@example.org"),
        };
        let (client, token) = with_form(if i % 2 == 0 { &app } else { &beside }).await;
        attempts.push(post_sign_in(client, token, email, "password123"));
    }
    let answers = all_at_once(attempts).await;
    assert_no_server_error(&answers);
    let checked = checks(&[&app, &beside]);
    assert_eq!(
        checked, CLIENT_LIMIT as u64,
        "password checks from one client"
    );
    assert_eq!(audited(&app, "sign-in failed"), i64::from(CLIENT_LIMIT));
    // From that address, even a right password of an account never tried waits.
    let fresh = app.user(Role::Editor);
    let res = app.client().sign_in(&fresh.email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert_contains(&res.body, "Too many failed sign-ins");
    assert_eq!(checks(&[&app, &beside]), checked);
    // The refused attempt did not use up the account's own allowance.
    assert_eq!(
        locked_until(&app, &throttle::account_key(&fresh.email)),
        None
    );
}

async fn a_lock_is_not_cleared_or_shortened_by_late_failures(app: TestApp) {
    let user = app.user(Role::Editor);
    let key = throttle::account_key(&user.email);
    let client = app.client();
    for _ in 0..ACCOUNT_LIMIT {
        let res = client.sign_in(&user.email, "a wrong guess!").await;
        assert_eq!(res.status, StatusCode::OK);
    }
    assert_eq!(
        client.sign_in(&user.email, "a wrong guess!").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let locked = locked_until(&app, &key).expect("the account is locked");
    let checked = checks(&[&app]);
    // More guesses in parallel, the right password among them, while it is locked.
    let mut attempts = Vec::new();
    for i in 0..PARALLEL {
        let (client, token) = with_form(&app).await;
        let password = if i == PARALLEL / 2 {
            PASSWORD
        } else {
            "a wrong guess!"
        };
        attempts.push(post_sign_in(client, token, user.email.clone(), password));
    }
    let answers = all_at_once(attempts).await;
    assert!(
        answers
            .iter()
            .all(|r| r.status == StatusCode::TOO_MANY_REQUESTS),
        "every attempt waits while locked"
    );
    assert_eq!(checks(&[&app]), checked, "no password was checked");
    let still = locked_until(&app, &key).expect("still locked");
    assert!(still >= locked, "the lock was not shortened");
    assert!(still > chronicle::clock::now());
    assert_eq!(
        app.client().sign_in(&user.email, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn guesses_at_the_current_password_are_throttled(app: TestApp) {
    let (owner, user) = app.signed_in(Role::Author).await;
    let token = owner.get("/admin/account/password").await.csrf();
    let before = checks(&[&app]);
    let guess = |current: &'static str| {
        let (owner, token) = (owner.clone(), token.clone());
        async move {
            owner
                .post_form(
                    "/admin/account/password",
                    &[
                        ("csrf_token", token.as_str()),
                        ("current", current),
                        ("new", "brand new password"),
                        ("repeat", "brand new password"),
                    ],
                )
                .await
        }
    };
    let answers = all_at_once((0..20).map(|_| guess("a wrong guess!")).collect()).await;
    let wrong = answers
        .iter()
        .filter(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let paused = answers
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (wrong, paused),
        (ACCOUNT_LIMIT as usize, 20 - ACCOUNT_LIMIT as usize)
    );
    assert_eq!(checks(&[&app]) - before, ACCOUNT_LIMIT as u64);
    // Now the right current password waits as well, and says why.
    let res = guess(PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert_contains(&res.body, "Too many wrong current passwords");
    assert_eq!(checks(&[&app]) - before, ACCOUNT_LIMIT as u64);
    assert_eq!(
        audited(&app, "password change refused (throttled)"),
        (20 - ACCOUNT_LIMIT + 1) as i64
    );
    // The password is unchanged, and the owner still signs in (a stolen session guessing
    // here does not lock them out).
    let res = app.client().sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

async fn the_sign_in_page_stores_no_session(app: TestApp) {
    let user = app.user(Role::Editor);
    let before = session_rows(&app);
    for _ in 0..5 {
        let client = app.client();
        let page = client.get("/admin/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let set = page.set_cookies();
        assert!(set.iter().any(|c| c.starts_with(LOGIN_COOKIE)), "{set:?}");
        // A failed sign-in leaves nothing stored either.
        let res = client.sign_in("nobody@example.org", "a wrong guess!").await;
        assert_eq!(res.status, StatusCode::OK);
    }
    assert_eq!(
        session_rows(&app),
        before,
        "anonymous visits stored sessions"
    );
    // Through the real form, with the cookie's token, signing in works and makes one.
    let client = app.client();
    let res = client.sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(session_rows(&app), before + 1);
    assert!(!client.cookies.borrow().contains_key(LOGIN_COOKIE));
    assert_eq!(client.get("/admin").await.status, StatusCode::OK);
    // Signing out takes the session's own token.
    assert_eq!(
        client.confirm("/admin/logout").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(client.get("/admin").await.status, StatusCode::SEE_OTHER);
}

async fn a_sign_in_without_its_login_cookie_or_from_another_site_is_refused(app: TestApp) {
    let user = app.user(Role::Editor);
    let (opened, token) = with_form(&app).await;
    let form = SignInForm::new()
        .email(&user.email)
        .password(PASSWORD)
        .csrf(&token)
        .next("/admin");
    // The token without its cookie (a forged post from a page that saw one).
    let res = app.client().post_form("/admin/login", &form).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // A cookie whose value was changed: its signature no longer holds.
    let tampered = opened.copy_cookies();
    let original = tampered.cookies.borrow()[LOGIN_COOKIE].clone();
    let forged = format!(
        "{}{}",
        &original[..original.len() - 1],
        if original.ends_with('0') { '1' } else { '0' }
    );
    tampered
        .cookies
        .borrow_mut()
        .insert(LOGIN_COOKIE.to_owned(), forged);
    assert_eq!(
        tampered.post_form("/admin/login", &form).await.status,
        StatusCode::FORBIDDEN
    );
    // The cookie with another form's token.
    let (_, other_token) = with_form(&app).await;
    let mismatched = SignInForm::new()
        .email(&user.email)
        .password(PASSWORD)
        .csrf(&other_token)
        .next("/admin");
    assert_eq!(
        opened
            .copy_cookies()
            .post_form("/admin/login", &mismatched)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Cookie and token right, but sent from another site.
    for header in [
        ("Origin", "https://evil.example"),
        ("Sec-Fetch-Site", "cross-site"),
    ] {
        let res = opened
            .copy_cookies()
            .post_form_with("/admin/login", &form, &[header])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{header:?}");
    }
    // None of these reached a password check, nor the throttle.
    assert_eq!(checks(&[&app]), 0);
    assert_eq!(
        locked_until(&app, &throttle::account_key(&user.email)),
        None
    );
    // The genuine post still signs in.
    let res = opened.post_form("/admin/login", &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(checks(&[&app]), 1);
}
