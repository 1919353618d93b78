//! Password reset by e-mail, through the real app and a real SMTP conversation: the app sends
//! to [`SmtpSink`] (a listener on 127.0.0.1 started by each test), and the tests follow the
//! link in the message it received. `.ci/run` checks that these ran (`mail::`).

use awc::http::StatusCode;
use chronicle::accounts::{self, Role, User, throttle};
use chronicle::db::schema::{audit_log, password_resets, sessions, users};
use chronicle::web::admin::sign_in::WRONG_CREDENTIALS;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::common::{Client, PASSWORD, Res, TestApp, TestFn, assert_contains, assert_lacks};
use crate::smtp_sink::{Mail, SmtpSink};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    a_link_by_mail_sets_a_new_password_once,
    every_address_gets_the_same_answer_and_only_active_accounts_a_link,
    the_link_is_stored_hashed_and_expires,
    asking_is_throttled_per_address_and_per_client,
    one_link_used_twice_at_once_sets_one_password,
    without_smtp_the_page_says_to_ask_an_administrator,
    a_relay_that_is_down_changes_nothing_the_visitor_sees,
];

const NEW_PASSWORD: &str = "a brand new password";
const SENT: &str = "If an account with that address exists, we have sent a link to it.";

/// An instance of the app beside `app` (same database) that sends mail to a new sink.
async fn with_mail(app: &TestApp) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let mailing = app
        .spawn_beside(|s| {
            s.smtp_url = Some(url);
            s.mail_from = "Newsroom <newsroom@example.org>".to_owned();
        })
        .await;
    (mailing, sink)
}

/// Asks for a link through the real form.
async fn ask_for_link(client: &Client, email: &str) -> Res {
    let form = client.get("/admin/password-reset").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = form.csrf();
    client
        .post_form(
            "/admin/password-reset",
            &[("csrf_token", &csrf), ("email", email)],
        )
        .await
}

/// The path of the reset link in `mail`, which must be an absolute URL on `base`.
fn link_in(mail: &Mail, base: &str) -> String {
    let start = format!("{base}/admin/password-reset/");
    let at = mail
        .body
        .find(&start)
        .unwrap_or_else(|| panic!("no link on {base} in {:?}", mail.body));
    let token: String = mail.body[at + start.len()..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(token.len(), 64, "{:?}", mail.body);
    format!("/admin/password-reset/{token}")
}

/// Opens the link's page and sends the new password twice (as `new` and `repeat`).
async fn choose(client: &Client, link: &str, new: &str, repeat: &str) -> Res {
    let page = client.get(link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    client
        .post_form(
            link,
            &[("csrf_token", &csrf), ("new", new), ("repeat", repeat)],
        )
        .await
}

/// Sends a new password to `link` with a token from the request form (for a link whose own
/// page has no form any more).
async fn post_to_link(client: &Client, link: &str, new: &str) -> Res {
    let csrf = client.get("/admin/password-reset").await.csrf();
    client
        .post_form(
            link,
            &[("csrf_token", &csrf), ("new", new), ("repeat", new)],
        )
        .await
}

fn resets_of(app: &TestApp, user: &User) -> Vec<(String, Option<chrono::NaiveDateTime>)> {
    app.with_conn(|c| {
        password_resets::table
            .filter(password_resets::user_id.eq(user.id))
            .select((password_resets::token_hash, password_resets::used_at))
            .load(c)
            .expect("resets")
    })
}

fn hash_of(user: &User, app: &TestApp) -> String {
    app.with_conn(|c| {
        users::table
            .find(user.id)
            .select(users::password_hash)
            .first(c)
            .expect("user")
    })
}

async fn a_link_by_mail_sets_a_new_password_once(app: TestApp) {
    let (app, sink) = with_mail(&app).await;
    let (staff, user) = app.signed_in(Role::Editor).await;
    let visitor = app.client();
    // Locked out by guesses first: the reset lifts that lock.
    for _ in 0..throttle::ACCOUNT_LIMIT {
        visitor.sign_in(&user.email, "a wrong guess here").await;
    }
    let locked = visitor.sign_in(&user.email, "a wrong guess here").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);

    let login = visitor.get("/admin/login").await;
    assert_contains(
        &login.body,
        r#"<a href="/admin/password-reset">Forgot your password?</a>"#,
    );
    let asked = ask_for_link(&visitor, &user.email.to_uppercase()).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_contains(&asked.body, SENT);

    let mails = sink.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail.to, vec![user.email.clone()]);
    assert_eq!(mail.from, "newsroom@example.org");
    assert_contains(
        mail.header("From").unwrap_or_default(),
        "newsroom@example.org",
    );
    assert_contains(
        mail.header("Subject").unwrap_or_default(),
        "Reset your password",
    );
    let link = link_in(mail, &app.addr);

    let page = visitor.get(&link).await;
    assert_eq!(
        page.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
    let differ = choose(&visitor, &link, NEW_PASSWORD, "something else").await;
    assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&differ.body, "The two new passwords differ.");
    let short = choose(&visitor, &link, "short", "short").await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&short.body, "at least 8 characters");

    let set = choose(&visitor, &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    assert_eq!(set.location(), "/admin/login?password_reset=1");
    let notice = visitor.get(&set.location()).await;
    assert_contains(&notice.body, "Your new password is set.");

    // Every session of the account ended.
    let after = staff.get("/admin/articles").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location().starts_with("/admin/login"));
    let left: i64 = app.with_conn(|c| {
        sessions::table
            .filter(sessions::user_id.eq(user.id))
            .count()
            .get_result(c)
            .expect("count")
    });
    assert_eq!(left, 0);

    let old = app.client().sign_in(&user.email, PASSWORD).await;
    assert_eq!(old.status, StatusCode::OK);
    assert_contains(&old.body, WRONG_CREDENTIALS);
    let new = app.client().sign_in(&user.email, NEW_PASSWORD).await;
    assert_eq!(new.status, StatusCode::SEE_OTHER, "{}", new.body);

    // Once only.
    let again = visitor.get(&link).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_contains(&again.body, "This link cannot be used");
    let reused = post_to_link(&visitor, &link, "yet another password").await;
    assert_eq!(reused.status, StatusCode::GONE);
    let still = app.client().sign_in(&user.email, NEW_PASSWORD).await;
    assert_eq!(still.status, StatusCode::SEE_OTHER);

    let audited: Vec<String> = app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::user_id.eq(user.id))
            .select(audit_log::action)
            .load(c)
            .expect("audit")
    });
    assert!(
        audited.iter().any(|a| a == "password reset link sent"),
        "{audited:?}"
    );
    assert!(
        audited.iter().any(|a| a == "password reset by e-mail"),
        "{audited:?}"
    );
}

async fn every_address_gets_the_same_answer_and_only_active_accounts_a_link(app: TestApp) {
    let (app, sink) = with_mail(&app).await;
    let active = app.user(Role::Author);
    let disabled = app.user(Role::Author);
    let going = app.user(Role::Author);
    app.with_conn(|c| accounts::disable(c, &disabled.email).expect("disable"));
    let visitor = app.client();

    let known = ask_for_link(&visitor, &active.email).await;
    let unknown = ask_for_link(&visitor, "nobody@example.org").await;
    let off = ask_for_link(&visitor, &disabled.email).await;
    for answer in [&known, &unknown, &off] {
        assert_eq!(answer.status, StatusCode::OK);
        assert_contains(&answer.body, SENT);
    }
    // Word for word the same page (one client, so one form token).
    assert_eq!(known.body, unknown.body);
    assert_eq!(known.body, off.body);
    // An anonymous visitor of these pages leaves no session row.
    let stored: i64 = app.with_conn(|c| sessions::table.count().get_result(c).expect("count"));
    assert_eq!(stored, 0);

    let mails = sink.wait_for(1).await;
    actix_rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let mails = if sink.messages().len() > mails.len() {
        sink.messages()
    } else {
        mails
    };
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, vec![active.email.clone()]);
    assert!(resets_of(&app, &disabled).is_empty());

    // A link sent while the account was active is refused once it is disabled.
    ask_for_link(&visitor, &going.email).await;
    let mails = sink.wait_for(2).await;
    let mail = mails
        .iter()
        .find(|m| m.to == vec![going.email.clone()])
        .expect("mail to the account");
    let link = link_in(mail, &app.addr);
    assert_eq!(visitor.get(&link).await.status, StatusCode::OK);
    let before = hash_of(&going, &app);
    app.with_conn(|c| accounts::disable(c, &going.email).expect("disable"));
    assert_eq!(visitor.get(&link).await.status, StatusCode::GONE);
    let refused = post_to_link(&visitor, &link, NEW_PASSWORD).await;
    assert_eq!(refused.status, StatusCode::GONE);
    assert_eq!(hash_of(&going, &app), before);
}

async fn the_link_is_stored_hashed_and_expires(app: TestApp) {
    let (app, sink) = with_mail(&app).await;
    let user = app.user(Role::Editor);
    let visitor = app.client();
    ask_for_link(&visitor, &user.email).await;
    let link = link_in(&sink.wait_for(1).await[0], &app.addr);
    let token = link.rsplit('/').next().unwrap_or_default().to_owned();

    let stored = resets_of(&app, &user);
    assert_eq!(stored.len(), 1);
    let expected = Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    assert_eq!(stored[0].0, expected);
    let anywhere: i64 = app.with_conn(|c| {
        password_resets::table
            .filter(password_resets::token_hash.eq(&token))
            .count()
            .get_result(c)
            .expect("count")
    });
    assert_eq!(anywhere, 0, "the token itself is not in the database");

    // An hour later (the row moved back in time) the link is refused.
    assert_eq!(visitor.get(&link).await.status, StatusCode::OK);
    let past = chronicle::clock::now() - chrono::TimeDelta::seconds(1);
    app.with_conn(|c| {
        diesel::update(password_resets::table.filter(password_resets::user_id.eq(user.id)))
            .set(password_resets::expires_at.eq(past))
            .execute(c)
            .expect("expire")
    });
    let before = hash_of(&user, &app);
    let page = visitor.get(&link).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert_lacks(&page.body, r#"name="new""#);
    let refused = post_to_link(&visitor, &link, NEW_PASSWORD).await;
    assert_eq!(refused.status, StatusCode::GONE);
    assert_eq!(hash_of(&user, &app), before);
    // A made-up token of any shape gets the same page.
    for odd in [
        "nothing-like-a-token",
        &"f".repeat(64),
        &token.to_uppercase(),
    ] {
        let res = visitor.get(&format!("/admin/password-reset/{odd}")).await;
        assert_eq!(res.status, StatusCode::GONE, "{odd}");
    }
}

async fn asking_is_throttled_per_address_and_per_client(app: TestApp) {
    let (app, sink) = with_mail(&app).await;
    let user = app.user(Role::Author);
    let visitor = app.client();
    for _ in 0..3 {
        assert_eq!(
            ask_for_link(&visitor, &user.email).await.status,
            StatusCode::OK
        );
    }
    let refused = ask_for_link(&visitor, &user.email).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_contains(&refused.body, "Too many reset links were asked for");
    // An address without an account is throttled alike: the refusal tells nothing.
    for _ in 0..3 {
        let asked = ask_for_link(&visitor, "nobody@example.org").await;
        assert_eq!(asked.status, StatusCode::OK);
    }
    let unknown = ask_for_link(&visitor, "nobody@example.org").await;
    assert_eq!(unknown.status, StatusCode::TOO_MANY_REQUESTS);

    // Three links went out; each new one replaced the one before, so only the last works.
    let mails = sink.wait_for(3).await;
    let mut working = 0;
    for mail in &mails {
        let link = link_in(mail, &app.addr);
        if visitor.get(&link).await.status == StatusCode::OK {
            working += 1;
        }
    }
    assert_eq!(working, 1);
    assert_eq!(resets_of(&app, &user).len(), 1);

    // Per client: six counted so far, four more addresses pass, the next is refused.
    for n in 0..4 {
        let asked = ask_for_link(&visitor, &format!("someone{n}@example.org")).await;
        assert_eq!(asked.status, StatusCode::OK, "address {n}");
    }
    let by_client = ask_for_link(&visitor, "someone-else@example.org").await;
    assert_eq!(by_client.status, StatusCode::TOO_MANY_REQUESTS);
    let malformed = ask_for_link(&visitor, "not an address").await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&malformed.body, "Enter a valid email address.");
}

async fn one_link_used_twice_at_once_sets_one_password(app: TestApp) {
    let (app, sink) = with_mail(&app).await;
    let user = app.user(Role::Author);
    ask_for_link(&app.client(), &user.email).await;
    let link = link_in(&sink.wait_for(1).await[0], &app.addr);
    let (first, second) = (app.client(), app.client());
    let csrf_first = first.get(&link).await.csrf();
    let csrf_second = second.get(&link).await.csrf();
    let form_first = [
        ("csrf_token", csrf_first.as_str()),
        ("new", "the first new password"),
        ("repeat", "the first new password"),
    ];
    let form_second = [
        ("csrf_token", csrf_second.as_str()),
        ("new", "the second new password"),
        ("repeat", "the second new password"),
    ];
    let (a, b) = futures_util::join!(
        first.post_form(&link, &form_first),
        second.post_form(&link, &form_second),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::SEE_OTHER, StatusCode::GONE],
        "{a:?} {b:?}"
    );
    let winner = if a.status == StatusCode::SEE_OTHER {
        "the first new password"
    } else {
        "the second new password"
    };
    let loser = if winner.contains("first") {
        "the second new password"
    } else {
        "the first new password"
    };
    assert_eq!(
        app.client().sign_in(&user.email, winner).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.client().sign_in(&user.email, loser).await.status,
        StatusCode::OK
    );
}

async fn without_smtp_the_page_says_to_ask_an_administrator(app: TestApp) {
    let user = app.user(Role::Editor);
    let visitor = app.client();
    let login = visitor.get("/admin/login").await;
    assert_contains(&login.body, "Forgot your password?");
    let page = visitor.get("/admin/password-reset").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_contains(
        &page.body,
        "Ask an administrator to set a new password for you.",
    );
    assert_lacks(&page.body, r#"name="email""#);
    // Even a form sent anyway (here with a signed-in user's session token) makes no link.
    let (staff, _) = app.signed_in(Role::Author).await;
    let csrf = staff.csrf().await;
    let sent = staff
        .post_form(
            "/admin/password-reset",
            &[("csrf_token", &csrf), ("email", &user.email)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    assert_contains(&sent.body, "Ask an administrator");
    assert!(resets_of(&app, &user).is_empty());
}

async fn a_relay_that_is_down_changes_nothing_the_visitor_sees(app: TestApp) {
    // A port that nothing listens on any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let down = app
        .spawn_beside(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{closed}")))
        .await;
    let user = down.user(Role::Author);
    let visitor = down.client();
    let known = ask_for_link(&visitor, &user.email).await;
    let unknown = ask_for_link(&visitor, "nobody@example.org").await;
    assert_eq!(known.status, StatusCode::OK);
    assert_contains(&known.body, SENT);
    assert_eq!(known.body, unknown.body);
    // The link was made (and would work); only its mail could not leave.
    assert_eq!(resets_of(&down, &user).len(), 1);
}
