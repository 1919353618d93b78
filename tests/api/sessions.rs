//! Signing in and out, cookies, and server-side sessions.

use awc::http::StatusCode;
use chronicle::accounts;
use chronicle::accounts::Role;
use chronicle::db::schema::sessions;
use chronicle::web::SESSION_COOKIE;
use chronicle::web::csrf::LOGIN_COOKIE;
use diesel::prelude::*;

use crate::common::{PASSWORD, TestApp, TestFn, assert_contains, assert_lacks};
use crate::forms::{ArticleForm, SignInForm, UserForm};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    signed_out_visitors_are_sent_to_the_sign_in_form,
    wrong_email_and_wrong_password_get_the_same_message,
    disabled_users_cannot_sign_in,
    sign_in_issues_a_fresh_http_only_lax_cookie,
    cookie_is_secure_when_the_site_is_https,
    signing_out_ends_the_session_on_the_server,
    an_expired_session_leads_back_to_sign_in,
    disabling_a_user_or_changing_a_password_ends_their_sessions,
    sign_in_only_redirects_inside_the_admin_area,
    repeated_failures_pause_sign_in_for_a_while,
    many_failures_from_one_client_pause_it,
    forwarded_addresses_count_only_behind_trusted_proxies,
    administrators_manage_accounts,
    everyone_changes_their_own_password,
];

async fn signed_out_visitors_are_sent_to_the_sign_in_form(app: TestApp) {
    let client = app.client();
    for (path, next) in [
        ("/admin", "%2Fadmin"),
        ("/admin/articles/new", "%2Fadmin%2Farticles%2Fnew"),
    ] {
        let res = client.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(res.location(), format!("/admin/login?next={next}"));
    }
    let form = client.get("/admin/login").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_contains(&form.body, r#"<label for="email">Email</label>"#);
    assert_contains(&form.body, r#"<label for="password">Password</label>"#);
    assert_contains(
        &form.body,
        r#"<button type="submit" class="button">Sign in</button>"#,
    );
    assert_eq!(form.header("cache-control").as_deref(), Some("no-store"));
}

fn message_of(body: &str) -> String {
    let start = body.find("flash-error").expect("error message shown");
    let end = body[start..].find("</p>").expect("end") + start;
    body[start..end].to_owned()
}

async fn wrong_email_and_wrong_password_get_the_same_message(app: TestApp) {
    let user = app.user(Role::Editor);
    let wrong_password = app.client().sign_in(&user.email, "not the password").await;
    let wrong_email = app.client().sign_in("nobody@example.org", PASSWORD).await;
    for res in [&wrong_password, &wrong_email] {
        assert_eq!(res.status, StatusCode::OK);
        assert_contains(&res.body, "The email or password is not correct.");
    }
    assert_eq!(
        message_of(&wrong_password.body),
        message_of(&wrong_email.body)
    );
    let empty = app.client().sign_in("", "").await;
    assert_contains(&empty.body, "The email or password is not correct.");
    // What was typed into the email field comes back; the password never does.
    assert_contains(&wrong_password.body, &format!("value=\"{}\"", user.email));
    assert_lacks(&wrong_password.body, "not the password");
}

async fn disabled_users_cannot_sign_in(app: TestApp) {
    let user = app.user(Role::Editor);
    app.with_conn(|c| accounts::disable(c, &user.email).expect("disable"));
    let client = app.client();
    let res = client.sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_contains(&res.body, "This account has been disabled");
    assert_eq!(client.get("/admin").await.status, StatusCode::SEE_OTHER);
    // A wrong password on a disabled account reveals nothing more.
    let res = app.client().sign_in(&user.email, "wrong password!").await;
    assert_contains(&res.body, "The email or password is not correct.");
}

async fn sign_in_issues_a_fresh_http_only_lax_cookie(app: TestApp) {
    let user = app.user(Role::Editor);
    let client = app.client();
    // The sign-in form needs no session (its token is in a cookie of its own, see
    // attack::sign_in): the session begins at sign-in.
    client.get("/admin/login").await;
    assert!(!client.cookies.borrow().contains_key(SESSION_COOKIE));
    assert!(client.cookies.borrow().contains_key(LOGIN_COOKIE));
    let res = client.sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/admin");
    let set = res
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(SESSION_COOKIE))
        .expect("session cookie set at sign-in");
    assert_contains(&set, "HttpOnly");
    assert_contains(&set, "SameSite=Lax");
    assert_contains(&set, "Path=/");
    assert_lacks(&set, "Secure");
    assert!(
        !client.cookies.borrow().contains_key(LOGIN_COOKIE),
        "the login cookie is removed at sign-in"
    );
    // The cookie holds an opaque key; the server stores only its hash.
    let stored: Vec<String> = app.with_conn(|c| {
        sessions::table
            .select(sessions::data)
            .load(c)
            .expect("sessions")
    });
    assert!(stored.iter().any(|d| d.contains(&user.id.to_string())));
    let page = client.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_contains(&page.body, &user.display_name);
}

async fn cookie_is_secure_when_the_site_is_https(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app = TestApp::spawn_with(backend, |s| {
        s.base_url = "https://news.example.edu".to_owned();
        s.cookie_secure = true;
    })
    .await;
    let user = app.user(Role::Editor);
    let client = app.client();
    let res = client.get("/admin/login").await;
    let set = res
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(LOGIN_COOKIE))
        .expect("login cookie");
    assert_contains(&set, "Secure");
    assert_contains(&set, "HttpOnly");
    assert_contains(&set, "SameSite=Strict");
    assert_contains(&set, "Path=/admin/login");
    let res = client.sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let set = res
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(SESSION_COOKIE))
        .expect("session cookie");
    assert_contains(&set, "Secure");
    assert_contains(&set, "HttpOnly");
}

async fn signing_out_ends_the_session_on_the_server(app: TestApp) {
    let (client, _) = app.signed_in(Role::Editor).await;
    let stolen = client.copy_cookies();
    assert_eq!(
        stolen.get("/admin").await.status,
        StatusCode::OK,
        "the copy works while signed in"
    );
    let res = client.confirm("/admin/logout").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/admin/login?signed_out=1");
    assert_contains(
        &client.get(&res.location()).await.body,
        "You have signed out.",
    );
    assert_eq!(client.get("/admin").await.status, StatusCode::SEE_OTHER);
    let res = stolen.get("/admin").await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "a copied cookie stops working"
    );
    let signed_in_rows: i64 = app.with_conn(|c| {
        sessions::table
            .filter(sessions::user_id.is_not_null())
            .count()
            .get_result(c)
            .expect("count")
    });
    assert_eq!(signed_in_rows, 0);
}

async fn an_expired_session_leads_back_to_sign_in(app: TestApp) {
    let (client, _) = app.signed_in(Role::Editor).await;
    assert_eq!(client.get("/admin").await.status, StatusCode::OK);
    let past = chronicle::clock::now() - chrono::TimeDelta::minutes(1);
    app.with_conn(|c| {
        diesel::update(sessions::table)
            .set(sessions::expires_at.eq(past))
            .execute(c)
            .expect("expire")
    });
    let res = client.get("/admin/articles/new").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        res.location(),
        "/admin/login?next=%2Fadmin%2Farticles%2Fnew"
    );
    // A form sent with an expired session goes to sign-in too (not to a CSRF error).
    let res = client
        .post_form(
            "/admin/articles",
            &ArticleForm::new().csrf("whatever").title("t").body(""),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/admin/login"));
    // An expired staff session is kept a while as the proof of whose form it sends (see
    // attack::writes), then removed.
    let purge = || app.with_conn(|c| accounts::sessions::purge_expired(c).expect("purge"));
    let staff_sessions = || {
        app.with_conn(|c| {
            sessions::table
                .filter(sessions::user_id.is_not_null())
                .count()
                .get_result::<i64>(c)
                .expect("count")
        })
    };
    purge();
    assert_eq!(staff_sessions(), 1);
    let long_ago = chronicle::clock::now()
        - chrono::TimeDelta::hours(accounts::sessions::EXPIRED_KEPT_HOURS + 1);
    app.with_conn(|c| {
        diesel::update(sessions::table)
            .set(sessions::expires_at.eq(long_ago))
            .execute(c)
            .expect("expire long ago")
    });
    assert!(purge() >= 1);
    assert_eq!(staff_sessions(), 0);
}

async fn disabling_a_user_or_changing_a_password_ends_their_sessions(app: TestApp) {
    let (client, user) = app.signed_in(Role::Editor).await;
    app.with_conn(|c| accounts::set_password(c, &user.email, "a brand new password").expect("set"));
    assert_eq!(client.get("/admin").await.status, StatusCode::SEE_OTHER);
    let res = client.sign_in(&user.email, "a brand new password").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(client.get("/admin").await.status, StatusCode::OK);
    app.with_conn(|c| accounts::disable(c, &user.email).expect("disable"));
    assert_eq!(client.get("/admin").await.status, StatusCode::SEE_OTHER);
}

async fn sign_in_only_redirects_inside_the_admin_area(app: TestApp) {
    let user = app.user(Role::Editor);
    for (next, expected) in [
        ("https://evil.example/", "/admin"),
        ("//evil.example/admin", "/admin"),
        ("/admin/articles/new", "/admin/articles/new"),
        ("/news/x", "/admin"),
    ] {
        let client = app.client();
        let csrf = client.get("/admin/login").await.csrf();
        let res = client
            .post_form(
                "/admin/login",
                &SignInForm::new().email(&user.email).csrf(&csrf).next(next),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), expected, "next={next}");
    }
}

async fn repeated_failures_pause_sign_in_for_a_while(app: TestApp) {
    use chronicle::accounts::throttle;
    let user = app.user(Role::Editor);
    let client = app.client();
    for _ in 0..throttle::ACCOUNT_LIMIT {
        let res = client.sign_in(&user.email, "wrong password!").await;
        assert_contains(&res.body, "The email or password is not correct.");
    }
    // Now even the right password waits, with a message that says so.
    let res = client.sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert_contains(&res.body, "Too many failed sign-ins");
    assert_eq!(client.get("/admin").await.status, StatusCode::SEE_OTHER);
    // Another account from the same place is not affected.
    let other = app.user(Role::Author);
    assert_eq!(
        app.client().sign_in(&other.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    // The pause ends by itself.
    let past = chronicle::clock::now() - chrono::TimeDelta::seconds(1);
    app.with_conn(|c| {
        diesel::update(chronicle::db::schema::sign_in_throttle::table)
            .set(chronicle::db::schema::sign_in_throttle::locked_until.eq(Some(past)))
            .execute(c)
            .expect("expire the lock")
    });
    assert_eq!(
        client.sign_in(&user.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

async fn many_failures_from_one_client_pause_it(app: TestApp) {
    use chronicle::accounts::throttle;
    let user = app.user(Role::Editor);
    let client = app.client();
    for i in 0..throttle::CLIENT_LIMIT {
        client
            .sign_in(&format!("guess{i}@example.org"), "password123")
            .await;
    }
    let res = client.sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn forwarded_addresses_count_only_behind_trusted_proxies(app: TestApp) {
    use chronicle::accounts::throttle;
    let backend = app.backend;
    drop(app);
    // Untrusted: X-Forwarded-For is ignored, so varying it does not escape the limit.
    let app = TestApp::spawn(backend).await;
    let user = app.user(Role::Editor);
    for i in 0..throttle::CLIENT_LIMIT {
        let client = app.client();
        let form = client.get("/admin/login").await;
        let fake = format!("198.51.100.{i}");
        client
            .post_form_with(
                "/admin/login",
                &SignInForm::new()
                    .email(&format!("g{i}@example.org"))
                    .password("nope-nope")
                    .csrf(&form.csrf())
                    .next("/admin"),
                &[("X-Forwarded-For", &fake)],
            )
            .await;
    }
    let client = app.client();
    let form = client.get("/admin/login").await;
    let res = client
        .post_form_with(
            "/admin/login",
            &SignInForm::new()
                .email(&user.email)
                .csrf(&form.csrf())
                .next("/admin"),
            &[("X-Forwarded-For", "198.51.100.250")],
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    drop(app);
    // Behind a trusted proxy, each forwarded client has its own count.
    let app = TestApp::spawn_with(backend, |s| {
        s.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")]
    })
    .await;
    let user = app.user(Role::Editor);
    for i in 0..throttle::CLIENT_LIMIT {
        let client = app.client();
        let form = client.get("/admin/login").await;
        client
            .post_form_with(
                "/admin/login",
                &SignInForm::new()
                    .email(&format!("g{i}@example.org"))
                    .password("nope-nope")
                    .csrf(&form.csrf())
                    .next("/admin"),
                &[("X-Forwarded-For", "198.51.100.7")],
            )
            .await;
    }
    let client = app.client();
    let form = client.get("/admin/login").await;
    let res = client
        .post_form_with(
            "/admin/login",
            &SignInForm::new()
                .email(&user.email)
                .csrf(&form.csrf())
                .next("/admin"),
            &[("X-Forwarded-For", "203.0.113.5")],
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "a different client behind the proxy signs in"
    );
}

async fn administrators_manage_accounts(app: TestApp) {
    let (admin, me) = app.signed_in(Role::Admin).await;
    let form = admin.get("/admin/users/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form.csrf();
    for (email, password, message) in [
        (
            "not-an-email",
            "long enough pw",
            "Enter a valid email address",
        ),
        ("new@example.org", "short", "at least 8 characters"),
        (me.email.as_str(), "long enough pw", "already exists"),
    ] {
        let res = admin
            .post_form(
                "/admin/users",
                &UserForm::new().csrf(&token).email(email).password(password),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{email}");
        assert_contains(&res.body, message);
    }
    let res = admin
        .post_form(
            "/admin/users",
            &UserForm::new()
                .csrf(&token)
                .email("Reporter@Example.org")
                .name("New Reporter")
                .role(Role::Editor)
                .password("first password"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let reporter = app.client();
    assert_eq!(
        reporter
            .sign_in("reporter@example.org", "first password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_contains(
        &admin.get("/admin/users").await.body,
        "reporter@example.org",
    );
    let id = app.with_conn(|c| {
        accounts::find_by_email(c, "reporter@example.org")
            .expect("q")
            .expect("user")
            .id
    });
    // A role change ends their sessions; so does disabling.
    let res = admin
        .post_form(
            &format!("/admin/users/{id}"),
            &UserForm::new().csrf(&token).name("New Reporter"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(reporter.get("/admin").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        reporter
            .sign_in("reporter@example.org", "first password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let res = admin
        .post_form(
            &format!("/admin/users/{id}"),
            &UserForm::new().csrf(&token).name("New Reporter").disabled(),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(reporter.get("/admin").await.status, StatusCode::SEE_OTHER);
    assert_contains(
        &app.client()
            .sign_in("reporter@example.org", "first password")
            .await
            .body,
        "disabled",
    );
    // The last administrator cannot demote or disable themselves.
    let res = admin
        .post_form(
            &format!("/admin/users/{}", me.id),
            &UserForm::new().csrf(&token).name("Me").role(Role::Editor),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "without an administrator");
    // Editors do not manage accounts.
    let (editor, _) = app.signed_in(Role::Editor).await;
    assert_eq!(
        editor.get("/admin/users").await.status,
        StatusCode::FORBIDDEN
    );
    let res = editor
        .post_form(
            "/admin/users",
            &UserForm::new()
                .csrf(&editor.csrf().await)
                .email("x@example.org")
                .name("X")
                .role(Role::Admin)
                .password("long enough pw"),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(
        app.with_conn(|c| accounts::find_by_email(c, "x@example.org").expect("q"))
            .is_none()
    );
    let audit = admin.get("/admin/audit").await;
    assert_contains(&audit.body, "created user");
    assert_contains(&audit.body, "changed role");
    assert_contains(&audit.body, "disabled user");
}

async fn everyone_changes_their_own_password(app: TestApp) {
    let (author, me) = app.signed_in(Role::Author).await;
    let stolen = author.copy_cookies();
    let form = author.get("/admin/account/password").await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form.csrf();
    for (current, new, repeat, message) in [
        (
            "wrong current",
            "brand new password",
            "brand new password",
            "current password is not correct",
        ),
        (
            PASSWORD,
            "brand new password",
            "different one here",
            "differ",
        ),
        (PASSWORD, "short", "short", "at least 8 characters"),
    ] {
        let res = author
            .post_form(
                "/admin/account/password",
                &[
                    ("csrf_token", &token),
                    ("current", current),
                    ("new", new),
                    ("repeat", repeat),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_contains(&res.body, message);
    }
    let res = author
        .post_form(
            "/admin/account/password",
            &[
                ("csrf_token", &token),
                ("current", PASSWORD),
                ("new", "brand new password"),
                ("repeat", "brand new password"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_contains(
        &author.get(&res.location()).await.body,
        "Your password was changed",
    );
    assert_eq!(
        stolen.get("/admin").await.status,
        StatusCode::SEE_OTHER,
        "every session ended"
    );
    assert_contains(
        &app.client().sign_in(&me.email, PASSWORD).await.body,
        "not correct",
    );
    assert_eq!(
        app.client()
            .sign_in(&me.email, "brand new password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}
