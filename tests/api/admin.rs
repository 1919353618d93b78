//! The staff side: writing, saving, publishing, permissions, CSRF, bad input.

use awc::http::StatusCode;
use chronicle::accounts::Role;
use chronicle::content::articles::SaveAction;
use chronicle::db::schema::articles;
use diesel::prelude::*;

use crate::common::{TestApp, TestFn, assert_contains, assert_lacks};
use crate::forms::{ArticleForm, SignInForm};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    editor_saves_a_draft_then_publishes_it,
    form_with_errors_keeps_what_was_typed,
    slugs_are_transliterated_and_unique,
    hostile_html_is_removed_before_it_is_stored,
    author_cannot_publish_or_touch_others_work,
    saving_over_a_newer_version_does_not_overwrite_it,
    missing_or_wrong_csrf_token_is_refused,
    oversized_form_gets_a_413_page_and_saves_nothing,
    malformed_forms_get_a_400_page,
    unknown_article_ids_answer_404,
    renamed_articles_keep_their_old_addresses,
    the_edit_page_says_who_else_has_it_open,
    text_typed_into_an_expired_session_comes_back_after_sign_in,
];

async fn editor_saves_a_draft_then_publishes_it(app: TestApp) {
    let (client, _) = app.signed_in(Role::Editor).await;
    let form = client.get("/admin/articles/new").await;
    assert_eq!(form.status, StatusCode::OK);
    for label in [
        ">Title</label>",
        ">Summary</label>",
        ">Body</label>",
        ">Category</label>",
        ">Save draft</button>",
        ">Publish</button>",
    ] {
        assert_contains(&form.body, label);
    }
    let res = client
        .save_article(
            "/admin/articles",
            &ArticleForm::new()
                .title("Nauka və təhsil: a joint seminar")
                .summary("Two institutes met.")
                .body("First paragraph.\n\nSecond paragraph."),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let edit_url = res.location();
    assert!(
        edit_url.starts_with("/admin/articles/") && edit_url.ends_with("/edit"),
        "{edit_url}"
    );

    let edit = client.get(&edit_url).await;
    assert_contains(&edit.body, "Saved as a draft");
    assert_contains(&edit.body, "value=\"Nauka və təhsil: a joint seminar\"");
    let slug = "nauka-ve-tehsil-a-joint-seminar";
    let visitor = app.client();
    assert_eq!(
        visitor.get(&format!("/news/{slug}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_lacks(&visitor.get("/").await.body, "joint seminar");

    let list = client.get("/admin/articles").await;
    assert_contains(&list.body, "Nauka və təhsil: a joint seminar");
    assert_contains(&list.body, "Draft");
    let dashboard = client.get("/admin").await;
    assert_contains(&dashboard.body, "<h2>My drafts</h2>");
    assert_contains(&dashboard.body, "Nauka və təhsil: a joint seminar");

    let id = edit_url
        .trim_start_matches("/admin/articles/")
        .trim_end_matches("/edit");
    let version = edit.input_value("version");
    let res = client
        .save_article(
            &format!("/admin/articles/{id}"),
            &ArticleForm::new()
                .title("Nauka və təhsil: a joint seminar")
                .summary("Two institutes met.")
                .body("First paragraph.\n\nSecond paragraph.")
                .version(&version)
                .action("publish"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_contains(&client.get(&res.location()).await.body, "Published");

    let home = visitor.get("/").await;
    assert_contains(&home.body, &format!("href=\"/news/{slug}\""));
    let page = visitor.get(&format!("/news/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_contains(&page.body, "<h1>Nauka və təhsil: a joint seminar</h1>");
    assert_contains(&page.body, "<p>First paragraph.</p>");
    assert_contains(&page.body, "1 view<");
    let another_reader = [("User-Agent", "Mozilla/5.0 (another reader) Safari/605.1.15")];
    assert_contains(
        &visitor
            .get_with(&format!("/news/{slug}"), &another_reader)
            .await
            .body,
        "2 views<",
    );
}

async fn form_with_errors_keeps_what_was_typed(app: TestApp) {
    let (client, _) = app.signed_in(Role::Editor).await;
    let long_title = "x".repeat(300);
    for (title, message) in [
        ("   ", "Enter a title."),
        (long_title.as_str(), "The title is too long"),
    ] {
        let res = client
            .save_article(
                "/admin/articles",
                &ArticleForm::new()
                    .title(title)
                    .summary("A summary I typed")
                    .body("A body with <b>markup</b> I typed")
                    .action("publish"),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_contains(&res.body, message);
        assert_contains(&res.body, "A summary I typed</textarea>");
        assert_contains(
            &res.body,
            "A body with &#60;b&#62;markup&#60;/b&#62; I typed</textarea>",
        );
    }
    let res = client
        .save_article(
            "/admin/articles",
            &ArticleForm::new()
                .title("Fine title")
                .body("")
                .category("9999"),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "Choose a category from the list.");
    assert_contains(&res.body, "value=\"Fine title\"");
    assert_eq!(app.article_count(), 0);
}

async fn slugs_are_transliterated_and_unique(app: TestApp) {
    let (client, _) = app.signed_in(Role::Editor).await;
    let mut slugs = Vec::new();
    for title in [
        "Şəki konfransı",
        "Şəki konfransı",
        "Научная конференция в Баку",
    ] {
        let res = client
            .save_article(
                "/admin/articles",
                &ArticleForm::new().title(title).action("publish"),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let id: i32 = res
            .location()
            .trim_start_matches("/admin/articles/")
            .trim_end_matches("/edit")
            .parse()
            .expect("id");
        slugs.push(app.reload(id).slug);
    }
    assert_eq!(
        slugs,
        [
            "seki-konfransi",
            "seki-konfransi-2",
            "nauchnaya-konferentsiya-v-baku"
        ]
    );
    for slug in &slugs {
        assert_eq!(
            app.client().get(&format!("/news/{slug}")).await.status,
            StatusCode::OK
        );
    }
}

async fn hostile_html_is_removed_before_it_is_stored(app: TestApp) {
    let (client, _) = app.signed_in(Role::Editor).await;
    let body = r#"<p onmouseover="steal()">Report <script>alert('x')</script>text</p>
<a href="javascript:alert(1)">click</a> <img src="/x.jpg" onerror="alert(2)">
<iframe src="https://evil.example/"></iframe><div style="position:fixed;inset:0">overlay</div>
<h2>Kept heading</h2>"#;
    let res = client
        .save_article(
            "/admin/articles",
            &ArticleForm::new()
                .title("Hostile body")
                .summary("<script>s()</script>")
                .body(body)
                .action("publish"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let stored: String = app.with_conn(|c| {
        articles::table
            .filter(articles::slug.eq("hostile-body"))
            .select(articles::body_html)
            .first(c)
            .expect("stored")
    });
    for bad in [
        "<script",
        "onmouseover",
        "javascript:",
        "onerror",
        "<iframe",
        "style=",
    ] {
        assert_lacks(&stored, bad);
    }
    assert_contains(&stored, "<h2>Kept heading</h2>");
    let page = app.client().get("/news/hostile-body").await;
    assert_lacks(&page.body, "alert(");
    assert_lacks(&page.body, "<script>s()");
    assert_contains(&page.body, "&#60;script&#62;s()&#60;/script&#62;");
}

async fn author_cannot_publish_or_touch_others_work(app: TestApp) {
    let (author, me) = app.signed_in(Role::Author).await;
    let form = author.get("/admin/articles/new").await;
    assert_lacks(&form.body, ">Publish</button>");

    let res = author
        .save_article(
            "/admin/articles",
            &ArticleForm::new()
                .title("Author wants to publish")
                .action("publish"),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_contains(&res.body, "Nothing was changed");
    assert_eq!(app.article_count(), 0);

    let res = author
        .save_article(
            "/admin/articles",
            &ArticleForm::new().title("Author's own draft"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    let editor = app.user(Role::Editor);
    let others = app.article(&editor, "Editor's draft", SaveAction::Draft);
    let own_published = app.article(&me, "Author's published piece", SaveAction::Publish);
    for article in [&others, &own_published] {
        let edit = author
            .get(&format!("/admin/articles/{}/edit", article.id))
            .await;
        assert_eq!(edit.status, StatusCode::FORBIDDEN, "{}", article.title);
        let res = author
            .save_article(
                &format!("/admin/articles/{}", article.id),
                &ArticleForm::new().title("Hijacked").version("1"),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(app.reload(article.id).title, article.title);
    }
}

async fn saving_over_a_newer_version_does_not_overwrite_it(app: TestApp) {
    let editor = app.user(Role::Editor);
    let article = app.article(&editor, "Shared report", SaveAction::Draft);
    let (alice, _) = app.signed_in(Role::Editor).await;
    let (bob, _) = app.signed_in(Role::Editor).await;
    let path = format!("/admin/articles/{}", article.id);
    let alice_form = alice.get(&format!("{path}/edit")).await;
    let bob_form = bob.get(&format!("{path}/edit")).await;
    let version = alice_form.input_value("version");
    assert_eq!(version, bob_form.input_value("version"));

    let res = alice
        .save_article(
            &path,
            &ArticleForm::new()
                .title("Alice's title")
                .body("Alice's text")
                .version(&version),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    let res = bob
        .save_article(
            &path,
            &ArticleForm::new()
                .title("Bob's title")
                .body("Bob's careful paragraph")
                .version(&version),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_contains(&res.body, "Someone else saved this report");
    // Both versions are on the page: theirs in full and as a comparison with Bob's.
    assert_contains(&res.body, "saved version 2 at");
    assert_contains(&res.body, "<del>Alice&#39;s</del><ins>Bob&#39;s</ins>");
    assert_contains(&res.body, "<summary>Their version in full</summary>");
    assert_contains(&res.body, "<p>Alice's text</p>");
    assert_contains(&res.body, "Bob&#39;s careful paragraph</textarea>");
    let stored = app.reload(article.id);
    assert_eq!(stored.title, "Alice's title");
    assert_eq!(stored.version, 2);
    // The form now carries the newer version: saving again is a deliberate overwrite.
    assert_eq!(res.input_value("version"), "2");
    // Or Bob keeps both: his text becomes a new draft and Alice's report stays as she saved it.
    assert_contains(
        &res.body,
        r#"<button type="submit" name="action" value="copy" formaction="/admin/articles""#,
    );
    let before = app.article_count();
    let res = bob
        .save_article(
            "/admin/articles",
            &ArticleForm::new()
                .title("Bob's title")
                .slug(&stored.slug)
                .body("Bob's careful paragraph")
                .version("2")
                .action("copy"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(app.article_count(), before + 1);
    let copy_id: i32 = res
        .location()
        .trim_start_matches("/admin/articles/")
        .trim_end_matches("/edit")
        .parse()
        .expect("the copy's edit page");
    let copy = app.reload(copy_id);
    assert_eq!(copy.title, "Bob's title (copy)");
    assert_eq!(copy.status(), chronicle::content::articles::Status::Draft);
    assert_ne!(copy.slug, stored.slug);
    assert_contains(&copy.body_html, "Bob's careful paragraph");
    let page = bob.get(&res.location()).await;
    assert_contains(&page.body, "Your version was saved as a new draft");
    let original = app.reload(article.id);
    assert_eq!(
        (original.title.as_str(), original.version),
        ("Alice's title", 2)
    );
}

async fn missing_or_wrong_csrf_token_is_refused(app: TestApp) {
    let (client, _) = app.signed_in(Role::Editor).await;
    let good = client.csrf().await;
    let fields = || ArticleForm::new().title("Forged").action("publish");
    let res = client.post_form("/admin/articles", &fields()).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_contains(&res.body, "This form has expired");
    let res = client
        .post_form("/admin/articles", &fields().csrf("0123456789abcdef"))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // The right token from another site's page is refused too.
    let forged = fields().csrf(&good);
    let res = client
        .post_form_with(
            "/admin/articles",
            &forged,
            &[
                ("Origin", "https://evil.example"),
                ("Sec-Fetch-Site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.article_count(), 0, "nothing was created");

    // Signing out needs the token too, and a refused sign-out leaves the session alone.
    assert_eq!(
        client.post_form("/admin/logout", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(client.get("/admin").await.status, StatusCode::OK);

    // The same token, sent properly, works.
    let res = client.post_form("/admin/articles", &forged).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // Sign-in itself is protected against login CSRF.
    let visitor = app.client();
    let res = visitor
        .post_form(
            "/admin/login",
            &SignInForm::new().email("editor1@example.org").password("x"),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

async fn oversized_form_gets_a_413_page_and_saves_nothing(app: TestApp) {
    let (client, _) = app.signed_in(Role::Editor).await;
    let csrf = client.csrf().await;
    let huge = "y".repeat(3 * 1024 * 1024);
    let body = format!("csrf_token={csrf}&title=Huge&summary=&category=&action=draft&body={huge}");
    let res = client.post_raw("/admin/articles", body).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_contains(&res.body, "too large");
    assert_eq!(app.article_count(), 0);

    // Just under the form limit but over the body limit: a message on the form.
    let big = "z".repeat(1_100_000);
    let res = client
        .save_article(
            "/admin/articles",
            &ArticleForm::new().title("Big").body(&big),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "The text is too long");
    assert_eq!(app.article_count(), 0);
}

async fn malformed_forms_get_a_400_page(app: TestApp) {
    let (client, _) = app.signed_in(Role::Editor).await;
    let res = client
        .save_article(
            "/admin/articles",
            &ArticleForm::new().title("T").body("").action("explode"),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_contains(&res.body, "Save draft");
    let editor = app.user(Role::Editor);
    let article = app.article(&editor, "Versioned", SaveAction::Draft);
    let res = client
        .save_article(
            &format!("/admin/articles/{}", article.id),
            &ArticleForm::new().title("T").body("").version("abc"),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_contains(&res.body, "version");
    let csrf = client.csrf().await;
    let res = client
        .post_raw("/admin/articles", format!("csrf_token={csrf}&title=%ZZ%"))
        .await;
    assert!(res.status.is_client_error(), "{}", res.status);
    assert_contains(&res.body, "<h1>");
    assert_eq!(app.reload(article.id).title, "Versioned");
}

async fn unknown_article_ids_answer_404(app: TestApp) {
    let (client, _) = app.signed_in(Role::Editor).await;
    for path in [
        "/admin/articles/999/edit",
        "/admin/articles/abc/edit",
        "/admin/articles/-1/edit",
    ] {
        let res = client.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert_contains(&res.body, "Page not found");
    }
    let res = client
        .save_article(
            "/admin/articles/999",
            &ArticleForm::new().title("T").body("").version("1"),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

async fn renamed_articles_keep_their_old_addresses(app: TestApp) {
    let (client, _) = app.signed_in(Role::Editor).await;
    let editor = app.user(Role::Editor);
    let article = app.article(&editor, "Original title", SaveAction::Publish);
    let path = format!("/admin/articles/{}", article.id);
    let save = |title: &'static str, slug: &'static str| {
        let client = client.clone();
        let path = path.clone();
        async move {
            let form = client.get(&format!("{path}/edit")).await;
            let version = form.input_value("version");
            let res = client
                .save_article(
                    &path,
                    &ArticleForm::new()
                        .title(title)
                        .slug(slug)
                        .version(&version)
                        .action("publish"),
                )
                .await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        }
    };
    let visitor = app.client();
    // The title changes; the slug field still shows the old slug: the slug follows the title.
    save("Better title", "original-title").await;
    assert_eq!(app.reload(article.id).slug, "better-title");
    let res = visitor.get("/news/original-title").await;
    assert_eq!(res.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(res.location(), "/news/better-title");
    // The editor types a slug of their own.
    save("Better title", "Custom Address!").await;
    assert_eq!(app.reload(article.id).slug, "custom-address");
    for old in ["original-title", "better-title"] {
        let res = visitor.get(&format!("/news/{old}")).await;
        assert_eq!(res.status, StatusCode::MOVED_PERMANENTLY, "{old}");
        assert_eq!(res.location(), "/news/custom-address");
    }
    assert_eq!(
        visitor.get("/news/custom-address").await.status,
        StatusCode::OK
    );
    // Back to the first slug: it is current again, and the others redirect to it.
    save("Better title", "original-title").await;
    assert_eq!(
        visitor.get("/news/original-title").await.status,
        StatusCode::OK
    );
    let res = visitor.get("/news/custom-address").await;
    assert_eq!(res.location(), "/news/original-title");
    // An old slug stays reserved for the article that had it.
    let other = app.article(&editor, "Better title", SaveAction::Publish);
    assert_eq!(other.slug, "better-title-2");
    // Unpublished, its old addresses answer 404 like the current one.
    let form = client.get(&format!("{path}/edit")).await;
    let version = form.input_value("version");
    client
        .save_article(
            &path,
            &ArticleForm::new()
                .title("Better title")
                .slug("original-title")
                .version(&version),
        )
        .await;
    assert_eq!(
        visitor.get("/news/better-title").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        visitor.get("/news/original-title").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn the_edit_page_says_who_else_has_it_open(app: TestApp) {
    let editor = app.user(Role::Editor);
    let article = app.article(&editor, "Shared draft", SaveAction::Draft);
    let path = format!("/admin/articles/{}/edit", article.id);
    let (alice, alice_user) = app.signed_in(Role::Editor).await;
    let (bob, _) = app.signed_in(Role::Editor).await;
    let first = alice.get(&path).await;
    assert_lacks(&first.body, "may be editing it");
    let second = bob.get(&path).await;
    assert_contains(
        &second.body,
        &format!(
            "{} has this report open and may be editing it.",
            alice_user.display_name
        ),
    );
    // The note expires by itself.
    let old = chronicle::clock::now()
        - chrono::TimeDelta::minutes(chronicle::content::presence::WINDOW_MINUTES + 1);
    app.with_conn(|c| {
        diesel::update(chronicle::db::schema::article_presence::table)
            .set(chronicle::db::schema::article_presence::seen_at.eq(old))
            .execute(c)
            .expect("age the notes")
    });
    assert_lacks(&bob.get(&path).await.body, "may be editing it");

    // With JavaScript the page beats every half minute and learns who else is there; closing
    // it removes the note at once.
    let beat = format!("/admin/articles/{}/presence", article.id);
    assert_contains(
        &alice.get(&path).await.body,
        &format!(r#"data-presence-url="{beat}""#),
    );
    let res = bob.confirm(&beat).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    let json: serde_json::Value = serde_json::from_str(&res.body).expect("JSON");
    assert_eq!(
        json["others"][0],
        format!(
            "{} has this report open and may be editing it.",
            alice_user.display_name
        )
    );
    let alice_token = alice.csrf().await;
    let res = alice
        .post_form(&beat, &[("csrf_token", &alice_token), ("leave", "1")])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let res = bob.confirm(&beat).await;
    let json: serde_json::Value = serde_json::from_str(&res.body).expect("JSON");
    assert_eq!(json["others"], serde_json::json!([]));
    // Without the token nothing is noted; someone who may not edit the report learns nothing.
    let res = bob.post_form(&beat, &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let (author, _) = app.signed_in(Role::Author).await;
    let res = author.confirm(&beat).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_lacks(&res.body, &alice_user.display_name);
}

async fn text_typed_into_an_expired_session_comes_back_after_sign_in(app: TestApp) {
    use chronicle::db::schema::sessions;
    let (client, user) = app.signed_in(Role::Editor).await;
    let article = app.article(&user, "Long report", SaveAction::Draft);
    let edit = client
        .get(&format!("/admin/articles/{}/edit", article.id))
        .await;
    let token = edit.csrf();
    // The session ends while the editor is still typing.
    let past = chronicle::clock::now() - chrono::TimeDelta::minutes(1);
    app.with_conn(|c| {
        diesel::update(sessions::table)
            .set(sessions::expires_at.eq(past))
            .execute(c)
            .expect("expire")
    });
    let res = client
        .post_form(
            &format!("/admin/articles/{}", article.id),
            &ArticleForm::new()
                .csrf(&token)
                .title("Long report")
                .body("Three hours of careful writing.")
                .version("1"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let login_url = res.location();
    assert!(login_url.starts_with("/admin/login?next="), "{login_url}");
    assert_eq!(
        app.reload(article.id).body_html,
        "<p>Body of Long report</p>",
        "nothing saved yet"
    );
    // Sign in again through the page the redirect names; the form comes back filled.
    let form = client.get(&login_url).await;
    let next = form.input_value("next");
    assert!(next.contains("restore="), "{next}");
    let res = client
        .post_form(
            "/admin/login",
            &SignInForm::new()
                .email(&user.email)
                .csrf(&form.csrf())
                .next(&next),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = client.get(&res.location()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_contains(&page.body, "Your session had expired");
    assert_contains(&page.body, "Three hours of careful writing.</textarea>");
    assert_eq!(page.input_value("version"), "1");
    // The kept form is handed out once.
    assert_lacks(
        &client.get(&res.location()).await.body,
        "Three hours of careful writing.",
    );
    // A new report sent after expiry comes back too (from a page shown since signing in
    // again, so with that session's token: a kept form must carry its own session's).
    let token = client.csrf().await;
    app.with_conn(|c| {
        diesel::update(sessions::table)
            .set(sessions::expires_at.eq(past))
            .execute(c)
            .expect("expire")
    });
    let res = client
        .post_form(
            "/admin/articles",
            &ArticleForm::new()
                .csrf(&token)
                .title("Unsaved new report")
                .body("Fresh text."),
        )
        .await;
    let form = client.get(&res.location()).await;
    let next = form.input_value("next");
    assert!(next.starts_with("/admin/articles/new?restore="), "{next}");
    let res = client
        .post_form(
            "/admin/login",
            &SignInForm::new()
                .email(&user.email)
                .csrf(&form.csrf())
                .next(&next),
        )
        .await;
    let page = client.get(&res.location()).await;
    assert_contains(&page.body, r#"value="Unsaved new report""#);
    assert_eq!(app.article_count(), 1);
}
