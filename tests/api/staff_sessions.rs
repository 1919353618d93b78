//! Staff accounts as newsrooms expect them: a sessions page (where and when one is signed in,
//! signing out one or all other sessions), an administrator ending every session of a user,
//! preview links that stop with the account that made them, and authors who do not see other
//! people's draft titles.

use awc::http::{Method, StatusCode};
use chronicle::accounts::{self, Role};
use chronicle::content::articles::SaveAction;
use chronicle::db::schema::sessions;
use diesel::prelude::*;

use crate::common::{Body, Client, PASSWORD, TestApp, TestFn, assert_contains, assert_lacks};
use crate::forms::SignInForm;
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    the_sessions_page_shows_each_browser_and_signs_out_one_or_all_others,
    nobody_ends_a_session_of_someone_else_by_its_label,
    an_administrator_signs_a_user_out_everywhere,
    preview_links_stop_when_their_maker_is_disabled,
    authors_do_not_see_other_peoples_drafts,
];

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                     (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

/// A new client of `app` signed in as `email` from a browser that says `agent`.
async fn sign_in_as(app: &TestApp, email: &str, agent: &str) -> Client {
    let client = app.client();
    let form = client
        .get_with("/admin/login", &[("User-Agent", agent)])
        .await;
    let csrf = form.csrf();
    let fields = SignInForm::new()
        .email(email)
        .password(PASSWORD)
        .csrf(&csrf)
        .next("/admin");
    let res = client
        .send(
            Method::POST,
            "/admin/login",
            &[("User-Agent", agent)],
            Body::Form(
                fields
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
        )
        .await
        .text();
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    client
}

/// The labels in the page's "Sign out" forms for other sessions.
fn other_labels(body: &str) -> Vec<String> {
    body.match_indices("/admin/account/sessions/")
        .filter_map(|(at, _)| {
            let rest = &body[at + "/admin/account/sessions/".len()..];
            let label = rest.split('/').next()?;
            (rest[label.len()..].starts_with("/end\"")).then(|| label.to_owned())
        })
        .collect()
}

fn live_sessions(app: &TestApp, user_id: i32) -> i64 {
    app.with_conn(|c| {
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .count()
            .get_result(c)
            .expect("count")
    })
}

async fn the_sessions_page_shows_each_browser_and_signs_out_one_or_all_others(app: TestApp) {
    let editor = app.user(Role::Editor);
    let desk = sign_in_as(&app, &editor.email, FIREFOX).await;
    let phone = sign_in_as(&app, &editor.email, PHONE).await;
    let laptop = sign_in_as(&app, &editor.email, FIREFOX).await;
    assert_eq!(live_sessions(&app, editor.id), 3);

    let page = desk.get("/admin/account/sessions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_contains(&page.body, "Firefox on Linux");
    assert_contains(&page.body, "Safari on iOS");
    assert_contains(&page.body, "127.0.0.1");
    assert_eq!(page.body.matches("This browser").count(), 1);
    let others = other_labels(&page.body);
    assert_eq!(others.len(), 2, "the two other sessions have buttons");

    // Sign out the phone: only its own label is gone, and it is signed out at once.
    let phone_page = phone.get("/admin/account/sessions").await;
    let desk_seen_from_phone = other_labels(&phone_page.body);
    let phone_label = others
        .iter()
        .find(|l| !desk_seen_from_phone.contains(l))
        .expect("the phone's label is the one the phone does not list as other")
        .clone();
    let csrf = page.csrf();
    let res = desk
        .post_form(
            &format!("/admin/account/sessions/{phone_label}/end"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(phone.get("/admin").await.status, StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/admin").await.status, StatusCode::OK);
    assert_eq!(live_sessions(&app, editor.id), 2);

    // The current session cannot be ended here (Sign out does that).
    let own = desk.get("/admin/account/sessions").await;
    assert_eq!(other_labels(&own.body).len(), 1);
    assert_contains(&own.body, "That session was signed out.");

    // Sign out everywhere else: the laptop goes, this browser stays.
    let csrf = own.csrf();
    let res = desk
        .post_form(
            "/admin/account/sessions/end-others",
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/admin").await.status, StatusCode::SEE_OTHER);
    let after = desk.get("/admin/account/sessions").await;
    assert_eq!(after.status, StatusCode::OK);
    assert_contains(&after.body, "1 other session was signed out.");
    assert!(other_labels(&after.body).is_empty());
    assert_eq!(live_sessions(&app, editor.id), 1);
    assert_eq!(
        app.audited("signed out their other sessions"),
        vec!["1".to_owned()]
    );
    // Without a CSRF token nothing ends.
    let forged = desk
        .post_form("/admin/account/sessions/end-others", &[])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

async fn nobody_ends_a_session_of_someone_else_by_its_label(app: TestApp) {
    let victim = app.user(Role::Editor);
    let victim_client = sign_in_as(&app, &victim.email, FIREFOX).await;
    let victim_other = sign_in_as(&app, &victim.email, PHONE).await;
    let labels = other_labels(&victim_client.get("/admin/account/sessions").await.body);
    assert_eq!(labels.len(), 1);
    let (attacker, _) = app.signed_in(Role::Admin).await;
    let csrf = attacker.csrf().await;
    let res = attacker
        .post_form(
            &format!("/admin/account/sessions/{}/end", labels[0]),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let flash = attacker.get("/admin/account/sessions").await;
    assert_contains(&flash.body, "That session had already ended.");
    assert_eq!(victim_other.get("/admin").await.status, StatusCode::OK);
    assert_eq!(live_sessions(&app, victim.id), 2);
}

async fn an_administrator_signs_a_user_out_everywhere(app: TestApp) {
    let author = app.user(Role::Author);
    let one = sign_in_as(&app, &author.email, FIREFOX).await;
    let two = sign_in_as(&app, &author.email, PHONE).await;
    // An author cannot do it to anyone.
    let csrf = one.csrf().await;
    let refused = one
        .post_form(
            &format!("/admin/users/{}/sessions/end", author.id),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let (admin, _) = app.signed_in(Role::Admin).await;
    let edit = admin.get(&format!("/admin/users/{}/edit", author.id)).await;
    assert_contains(&edit.body, "Sign out everywhere");
    let res = admin
        .post_form(
            &format!("/admin/users/{}/sessions/end", author.id),
            &[("csrf_token", &edit.csrf())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(one.get("/admin").await.status, StatusCode::SEE_OTHER);
    assert_eq!(two.get("/admin").await.status, StatusCode::SEE_OTHER);
    assert_eq!(live_sessions(&app, author.id), 0);
    assert_eq!(
        app.audited("ended all sessions of"),
        vec![format!("{} (2)", author.email)]
    );
    // The administrator is still signed in, and the account still works.
    assert_eq!(admin.get("/admin").await.status, StatusCode::OK);
    sign_in_as(&app, &author.email, FIREFOX).await;
}

async fn preview_links_stop_when_their_maker_is_disabled(app: TestApp) {
    let (editor, maker) = app.signed_in(Role::Editor).await;
    let draft = app.article(&maker, "Embargoed until Friday", SaveAction::Draft);
    let form = editor
        .get(&format!("/admin/articles/{}/edit", draft.id))
        .await;
    assert_contains(
        &form.body,
        "A link also stops working when the account that made it is disabled.",
    );
    let res = editor
        .post_form(
            &format!("/admin/articles/{}/preview-links", draft.id),
            &[("csrf_token", &form.csrf())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let form = editor
        .get(&format!("/admin/articles/{}/edit", draft.id))
        .await;
    let at = form
        .body
        .find("/preview/")
        .expect("a preview link is listed");
    let link: String = form.body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
        .collect();
    let visitor = app.client();
    let shown = visitor.get(&link).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_contains(&shown.body, "Embargoed until Friday");

    app.with_conn(|c| accounts::disable(c, &maker.email).expect("disabled"));
    let stopped = visitor.get(&link).await;
    assert_eq!(stopped.status, StatusCode::NOT_FOUND);
    assert_lacks(&stopped.body, "Embargoed until Friday");
    // An administrator sees no live link on the form either.
    let (admin, _) = app.signed_in(Role::Admin).await;
    let form = admin
        .get(&format!("/admin/articles/{}/edit", draft.id))
        .await;
    assert_lacks(&form.body, &link);
}

async fn authors_do_not_see_other_peoples_drafts(app: TestApp) {
    let editor = app.user(Role::Editor);
    app.article(&editor, "Secret merger plans", SaveAction::Draft);
    app.article(&editor, "Open day report", SaveAction::Publish);
    let (author, me) = app.signed_in(Role::Author).await;
    app.article(&me, "My own draft", SaveAction::Draft);
    for path in [
        "/admin/articles",
        "/admin/articles?status=draft",
        "/admin/articles?q=merger",
        "/admin",
    ] {
        let page = author.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_lacks(&page.body, "Secret merger plans");
    }
    let list = author.get("/admin/articles").await;
    assert_contains(&list.body, "My own draft");
    assert_contains(&list.body, "Open day report");
    // Editors still see every draft.
    let (other_editor, _) = app.signed_in(Role::Editor).await;
    let list = other_editor.get("/admin/articles?status=draft").await;
    assert_contains(&list.body, "Secret merger plans");
    assert_contains(&list.body, "My own draft");
}
