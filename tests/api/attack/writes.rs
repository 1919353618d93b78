//! Writes without a signed-in staff member: an anonymous or cross-site POST stores nothing
//! and costs the site nothing (no public cache is emptied, no form is kept).

use awc::http::StatusCode;
use chronicle::accounts::Role;
use chronicle::db::schema::{pending_forms, sessions};
use diesel::prelude::*;

use crate::common::{Client, PASSWORD, TestApp, TestFn, assert_contains, assert_lacks};
use crate::forms::{ArticleForm, SignInForm};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    only_staff_writes_empty_the_public_caches,
    only_a_staff_members_own_expired_session_keeps_a_form,
    kept_forms_are_limited_per_staff_member,
    the_origin_check_trusts_the_base_url_not_the_host_header,
    an_upload_is_refused_before_its_files_without_a_token_first,
];

fn kept(app: &TestApp) -> Vec<(i32, String)> {
    app.with_conn(|c| {
        pending_forms::table
            .order(pending_forms::created_at)
            .select((pending_forms::user_id, pending_forms::body))
            .load(c)
            .expect("kept forms")
    })
}

fn expire_sessions(app: &TestApp) {
    let past = chronicle::clock::now() - chrono::TimeDelta::minutes(1);
    app.with_conn(|c| {
        diesel::update(sessions::table)
            .set(sessions::expires_at.eq(past))
            .execute(c)
            .expect("expire")
    });
}

async fn only_staff_writes_empty_the_public_caches(app: TestApp) {
    let (editor, user) = app.signed_in(Role::Editor).await;
    let token = editor.csrf().await;
    let generation = || app.state.caches.generation();
    let before = generation();
    let anonymous = app.client();
    let form = ArticleForm::new().title("Spam").body("spam");
    let tries = [
        // Nobody signed in, to a real address and to an unknown one.
        anonymous.post_form("/admin/articles", &form).await,
        anonymous.post_form("/admin/no-such-page", &form).await,
        anonymous.post_empty("/admin/articles/1/delete", &[]).await,
        // Signed in, but the token is wrong, or the address is unknown.
        editor
            .post_form("/admin/articles", &form.clone().csrf("forged"))
            .await,
        editor
            .post_form("/admin/no-such-page", &form.clone().csrf(&token))
            .await,
    ];
    for res in &tries {
        assert_ne!(res.status, StatusCode::OK, "{}", res.body);
    }
    assert_eq!(generation(), before, "no refused POST empties the caches");
    assert_eq!(app.article_count(), 0);
    // A form that is refused on its content (no title) saves nothing either.
    let refused = editor
        .save_article(
            "/admin/articles",
            &ArticleForm::new().title("").action("publish"),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(generation(), before);
    let saved = editor
        .save_article(
            "/admin/articles",
            &ArticleForm::new().title("Open day").action("publish"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(generation() > before, "a staff member's save empties them");
    assert_eq!(app.article_count(), 1, "{}", user.email);
}

/// Signs in again through the page the redirect after expiry named, and opens `next`.
async fn sign_in_again(client: &Client, email: &str, login_url: &str) -> String {
    let form = client.get(login_url).await;
    let next = form.input_value("next");
    let res = client
        .post_form(
            "/admin/login",
            &SignInForm::new()
                .email(email)
                .password(PASSWORD)
                .csrf(&form.csrf())
                .next(&next),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location()
}

const TEXT: &str = "Three hours of careful writing.";

fn report(token: &str) -> ArticleForm<'_> {
    ArticleForm::new().title("Report").body(TEXT).csrf(token)
}

async fn only_a_staff_members_own_expired_session_keeps_a_form(app: TestApp) {
    let text = TEXT;
    let form = report;
    // Nobody signed in (with the sign-in page's token): nothing is kept, the answer is the
    // sign-in page.
    let anonymous = app.client();
    let token = anonymous.get("/admin/login").await.csrf();
    let res = anonymous.post_form("/admin/articles", &form(&token)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/admin/login?next=%2Fadmin");
    assert!(kept(&app).is_empty(), "an anonymous POST keeps nothing");

    let (editor, user) = app.signed_in(Role::Editor).await;
    let token = editor.csrf().await;
    expire_sessions(&app);
    // The editor's expired session, but sent from another site, or without its token.
    let cross_site = editor
        .post_form_with(
            "/admin/articles",
            &form(&token),
            &[
                ("Origin", "https://evil.example"),
                ("Sec-Fetch-Site", "cross-site"),
            ],
        )
        .await;
    let forged = editor.post_form("/admin/articles", &form("forged")).await;
    for res in [&cross_site, &forged] {
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(!res.location().contains("restore"), "{}", res.location());
    }
    assert!(
        kept(&app).is_empty(),
        "nothing kept without the session's own token"
    );

    // The editor's own form from this site is kept, for the editor.
    let res = editor.post_form("/admin/articles", &form(&token)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let login_url = res.location();
    assert!(login_url.contains("restore"), "{login_url}");
    let forms = kept(&app);
    assert_eq!(forms.len(), 1);
    assert_eq!(forms[0].0, user.id);
    let restore = login_url
        .split("restore%3D")
        .nth(1)
        .expect("restore token in the address")
        .to_owned();

    // Someone else signed in opens the restore link: nothing shown, nothing taken.
    let (other, _) = app.signed_in(Role::Admin).await;
    let theirs = other
        .get(&format!("/admin/articles/new?restore={restore}"))
        .await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert_lacks(&theirs.body, text);
    assert_eq!(
        kept(&app).len(),
        1,
        "the form is still waiting for its author"
    );

    let back = sign_in_again(&editor, &user.email, &login_url).await;
    let page = editor.get(&back).await;
    assert_contains(&page.body, "Your session had expired");
    assert_contains(&page.body, &format!("{text}</textarea>"));
    assert!(kept(&app).is_empty(), "handed out once");
}

async fn kept_forms_are_limited_per_staff_member(app: TestApp) {
    let (editor, user) = app.signed_in(Role::Editor).await;
    let token = editor.csrf().await;
    expire_sessions(&app);
    let limit = chronicle::content::pending::MAX_PER_USER;
    for i in 0..limit + 3 {
        let body = format!("Draft number {i}.");
        let res = editor
            .post_form(
                "/admin/articles",
                &ArticleForm::new().title("Draft").body(&body).csrf(&token),
            )
            .await;
        assert!(res.location().contains("restore"), "{}", res.location());
    }
    let forms = kept(&app);
    assert_eq!(
        forms.len(),
        limit,
        "at most {limit} kept forms per staff member"
    );
    assert!(forms.iter().all(|(owner, _)| *owner == user.id));
    // The oldest went first; the newest is kept.
    assert!(forms[0].1.contains("Draft+number+3."), "{}", forms[0].1);
    assert!(
        forms[limit - 1]
            .1
            .contains(&format!("Draft+number+{}.", limit + 2))
    );
}

async fn the_origin_check_trusts_the_base_url_not_the_host_header(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let token = editor.csrf().await;
    let form = ArticleForm::new().title("Hijacked").csrf(&token);
    // A page on evil.example that makes the browser send its own Host along cannot pass.
    let spoofed = editor
        .post_form_with(
            "/admin/articles",
            &form,
            &[("Origin", "http://evil.example"), ("Host", "evil.example")],
        )
        .await;
    assert_eq!(spoofed.status, StatusCode::FORBIDDEN, "{}", spoofed.body);
    let other_port = app.addr.replace("127.0.0.1:", "127.0.0.1:1");
    let res = editor
        .post_form_with("/admin/articles", &form, &[("Origin", &other_port)])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.article_count(), 0);
    let own = editor
        .post_form_with("/admin/articles", &form, &[("Origin", &app.addr)])
        .await;
    assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.body);
    assert_eq!(app.article_count(), 1);
}

async fn an_upload_is_refused_before_its_files_without_a_token_first(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let token = crate::media::token(&editor).await;
    let bytes = crate::media::jpeg(40, 30);
    // The file first, its token after it: refused without reading the file.
    let (content_type, file_first) = crate::media::multipart(None, &[("a.jpg", &bytes)]);
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("boundary")
        .to_owned();
    let closing = format!("--{boundary}--\r\n");
    let mut body = file_first[..file_first.len() - closing.len()].to_vec();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n{closing}"
        )
        .as_bytes(),
    );
    let res = editor
        .post_body("/admin/media", &content_type, &[], body)
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let media = || {
        app.with_conn(|c| {
            chronicle::db::schema::media::table
                .count()
                .get_result::<i64>(c)
                .expect("count")
        })
    };
    assert_eq!(media(), 0);
    // The same file after its token goes in.
    let (content_type, body) = crate::media::multipart(Some(&token), &[("a.jpg", &bytes)]);
    let res = editor
        .post_body("/admin/media", &content_type, &[], body)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(media(), 1);
}
