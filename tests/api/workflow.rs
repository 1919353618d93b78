//! The editorial workflow: review, publishing, scheduling, unpublishing, archiving, deleting
//! (the permission matrix of every admin route is in `permissions`).

use std::time::Duration;

use awc::http::StatusCode;
use chronicle::accounts::Role;
use chronicle::content::articles::{SaveAction, Status};
use chronicle::db::schema::articles as articles_table;
use diesel::prelude::*;

use crate::common::{Client, TestApp, TestFn, assert_contains, assert_lacks};
use crate::forms::ArticleForm;
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    author_submits_for_review_and_an_editor_publishes,
    scheduled_reports_go_live_by_themselves,
    the_scheduler_runs_inside_the_server,
    schedule_times_are_entered_in_the_site_time_zone,
    a_schedule_in_the_past_is_refused,
    editors_unpublish_archive_and_restore,
    deleting_asks_first_and_follows_the_rules,
    every_save_keeps_a_revision_that_can_be_compared_and_restored,
    drafts_can_be_previewed_and_shared_by_secret_link,
    the_article_list_filters_and_pages,
    the_audit_log_records_who_did_what,
    editors_manage_categories_and_tags,
    admins_delete_users_and_hand_their_reports_over,
];

fn id_of(res: &crate::common::Res) -> i32 {
    res.location()
        .trim_start_matches("/admin/articles/")
        .trim_end_matches("/edit")
        .parse()
        .expect("article id in the redirect")
}

async fn save(
    client: &Client,
    path: &str,
    title: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> crate::common::Res {
    let mut form = ArticleForm::new()
        .title(title)
        .summary("A summary")
        .body("Some text.")
        .action(action);
    let version;
    if path != "/admin/articles" {
        version = client
            .get(&format!("{path}/edit"))
            .await
            .input_value("version");
        form = form.version(&version);
    }
    for (k, v) in extra {
        form = form.field(k, v);
    }
    client.save_article(path, &form).await
}

async fn author_submits_for_review_and_an_editor_publishes(app: TestApp) {
    let (author, _) = app.signed_in(Role::Author).await;
    let res = save(
        &author,
        "/admin/articles",
        "Field trip to Qobustan",
        "draft",
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let id = id_of(&res);
    let path = format!("/admin/articles/{id}");
    let form = author.get(&format!("{path}/edit")).await;
    assert_contains(&form.body, ">Submit for review</button>");
    assert_lacks(&form.body, ">Publish</button>");
    let res = save(&author, &path, "Field trip to Qobustan", "review", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_contains(
        &author.get(&res.location()).await.body,
        "Submitted for review",
    );
    assert_eq!(app.reload(id).status(), Status::Review);
    assert_eq!(
        app.client()
            .get("/news/field-trip-to-qobustan")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Still the author's to change while in review.
    let res = save(
        &author,
        &path,
        "Field trip to Qobustan rocks",
        "review",
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    let (editor, _) = app.signed_in(Role::Editor).await;
    let list = editor.get("/admin/articles?status=review").await;
    assert_contains(&list.body, "In review");
    assert_contains(&list.body, "Field trip to Qobustan rocks");
    let dashboard = editor.get("/admin").await;
    assert_contains(&dashboard.body, "<h2>Awaiting review</h2>");
    assert_contains(&dashboard.body, "Field trip to Qobustan rocks");
    let res = save(
        &editor,
        &path,
        "Field trip to Qobustan rocks",
        "publish",
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.client()
            .get("/news/field-trip-to-qobustan-rocks")
            .await
            .status,
        StatusCode::OK
    );
    // Published: no longer the author's to change.
    assert_eq!(
        author.get(&format!("{path}/edit")).await.status,
        StatusCode::FORBIDDEN
    );
    let version = app.reload(id).version.to_string();
    let res = author
        .save_article(
            &path,
            &ArticleForm::new()
                .title("Changed by the author")
                .version(&version)
                .action("review")
                .body(""),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.reload(id).status(), Status::Published);
}

fn an_hour_from_now_local(app: &TestApp, hours: i64) -> String {
    let t = chronicle::clock::now() + chrono::TimeDelta::hours(hours);
    chronicle::clock::local(t, app.settings.timezone)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

async fn scheduled_reports_go_live_by_themselves(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let when = an_hour_from_now_local(&app, 1);
    let res = save(
        &editor,
        "/admin/articles",
        "Open day at the observatory",
        "schedule",
        &[("publish_at", &when)],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id = id_of(&res);
    assert_contains(
        &editor.get(&res.location()).await.body,
        "Scheduled: it will be published on",
    );
    assert_eq!(app.reload(id).status(), Status::Scheduled);
    let visitor = app.client();
    let hidden = |body: &str| {
        !body.contains("Open day at the observatory")
            && !body.contains("open-day-at-the-observatory")
    };
    for path in [
        "/",
        "/feed.xml",
        "/atom.xml",
        "/sitemap.xml",
        "/search?q=observatory",
        "/archive",
    ] {
        assert!(
            hidden(&visitor.get(path).await.body),
            "{path} before the time"
        );
    }
    assert_eq!(
        visitor
            .get("/news/open-day-at-the-observatory")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Nothing is due yet.
    assert_eq!(app.state.publish_due().await.expect("scheduler"), 0);
    // Two hours later (by the server's clock), the scheduled run publishes it.
    app.state.clock.advance(Duration::from_secs(2 * 3600));
    assert_eq!(app.state.publish_due().await.expect("scheduler"), 1);
    assert_eq!(
        app.state.publish_due().await.expect("scheduler"),
        0,
        "idempotent"
    );
    assert_eq!(app.reload(id).status(), Status::Published);
    assert_eq!(
        visitor
            .get("/news/open-day-at-the-observatory")
            .await
            .status,
        StatusCode::OK
    );
    for path in [
        "/",
        "/feed.xml",
        "/atom.xml",
        "/sitemap.xml",
        "/search?q=observatory",
    ] {
        assert!(
            !hidden(&visitor.get(path).await.body),
            "{path} after the time"
        );
    }
}

async fn the_scheduler_runs_inside_the_server(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app =
        TestApp::spawn_with(backend, |s| s.scheduler_every = Duration::from_millis(100)).await;
    let editor = app.user(Role::Editor);
    let article = app.article(&editor, "Due a second ago", SaveAction::Draft);
    let due = chronicle::clock::now() - chrono::TimeDelta::seconds(1);
    app.with_conn(|c| {
        diesel::update(articles_table::table.find(article.id))
            .set((
                articles_table::status.eq("scheduled"),
                articles_table::published_at.eq(due),
            ))
            .execute(c)
            .expect("schedule")
    });
    // No one calls the scheduler here: the server's own task must (bounded wait).
    let mut status = app.reload(article.id).status();
    for _ in 0..100 {
        if status == Status::Published {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
        status = app.reload(article.id).status();
    }
    assert_eq!(status, Status::Published);
}

async fn schedule_times_are_entered_in_the_site_time_zone(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app = TestApp::spawn_with(backend, |s| s.timezone = chrono_tz::Tz::Asia__Baku).await;
    let (editor, _) = app.signed_in(Role::Editor).await;
    let res = save(
        &editor,
        "/admin/articles",
        "New year lecture",
        "schedule",
        &[("publish_at", "2031-01-01T09:00")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let stored = app.reload(id_of(&res)).published_at.expect("time");
    assert_eq!(
        stored.to_string(),
        "2031-01-01 05:00:00",
        "09:00 in Baku is 05:00 UTC"
    );
    let form = editor.get(&res.location()).await;
    assert_contains(&form.body, r#"value="2031-01-01T09:00""#);
    assert_contains(&form.body, "Asia/Baku");
}

async fn a_schedule_in_the_past_is_refused(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let past = an_hour_from_now_local(&app, -1);
    for (value, message) in [
        (past.as_str(), "in the past"),
        ("next tuesday", "Enter the date and time"),
        ("", "Enter the date and time"),
    ] {
        let res = save(
            &editor,
            "/admin/articles",
            "Too late",
            "schedule",
            &[("publish_at", value)],
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{value}");
        assert_contains(&res.body, message);
        assert_contains(&res.body, r#"value="Too late""#);
    }
    assert_eq!(app.article_count(), 0);
}

async fn editors_unpublish_archive_and_restore(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let res = save(&editor, "/admin/articles", "Annual report", "publish", &[]).await;
    let id = id_of(&res);
    let path = format!("/admin/articles/{id}");
    let visitor = app.client();
    assert_eq!(
        visitor.get("/news/annual-report").await.status,
        StatusCode::OK
    );
    let form = editor.get(&format!("{path}/edit")).await;
    for b in [
        ">Update</button>",
        ">Unpublish</button>",
        ">Archive</button>",
    ] {
        assert_contains(&form.body, b);
    }
    save(&editor, &path, "Annual report", "draft", &[]).await;
    assert_eq!(
        visitor.get("/news/annual-report").await.status,
        StatusCode::NOT_FOUND
    );
    save(&editor, &path, "Annual report", "publish", &[]).await;
    save(&editor, &path, "Annual report", "archive", &[]).await;
    assert_eq!(app.reload(id).status(), Status::Archived);
    assert_eq!(
        visitor.get("/news/annual-report").await.status,
        StatusCode::NOT_FOUND
    );
    assert_contains(
        &editor.get("/admin/articles?status=archived").await.body,
        "Archived",
    );
    let form = editor.get(&format!("{path}/edit")).await;
    assert_contains(&form.body, ">Restore as draft</button>");
    save(&editor, &path, "Annual report", "draft", &[]).await;
    assert_eq!(app.reload(id).status(), Status::Draft);
    // An author cannot take down a published report of theirs either.
    let (author, me) = app.signed_in(Role::Author).await;
    let mine = app.article(&me, "Author's published note", SaveAction::Publish);
    let res = author
        .save_article(
            &format!("/admin/articles/{}", mine.id),
            &ArticleForm::new().title("x").version("1").body(""),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.reload(mine.id).status(), Status::Published);
}

async fn deleting_asks_first_and_follows_the_rules(app: TestApp) {
    let (author, me) = app.signed_in(Role::Author).await;
    let own = app.article(&me, "My draft to delete", SaveAction::Draft);
    let editor_user = app.user(Role::Editor);
    let theirs = app.article(&editor_user, "Editor's draft", SaveAction::Draft);
    let confirm = author
        .get(&format!("/admin/articles/{}/delete", own.id))
        .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert_contains(&confirm.body, "Do you really want to delete");
    let res = author
        .confirm(&format!("/admin/articles/{}/delete", own.id))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(app.article_count(), 1);
    let res = author
        .confirm(&format!("/admin/articles/{}/delete", theirs.id))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.article_count(), 1);
    let (editor, _) = app.signed_in(Role::Editor).await;
    let res = editor
        .confirm(&format!("/admin/articles/{}/delete", theirs.id))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(app.article_count(), 0);
    assert_eq!(
        editor.confirm("/admin/articles/999/delete").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn every_save_keeps_a_revision_that_can_be_compared_and_restored(app: TestApp) {
    let (editor, me) = app.signed_in(Role::Editor).await;
    let res = editor
        .save_article(
            "/admin/articles",
            &ArticleForm::new()
                .title("First title")
                .summary("One")
                .body("Alpha paragraph.\n\nBeta paragraph.")
                .tags("a, b"),
        )
        .await;
    let id = id_of(&res);
    let path = format!("/admin/articles/{id}");
    let res = editor
        .save_article(
            &path,
            &ArticleForm::new()
                .title("Second title")
                .summary("One")
                .body("Alpha paragraph.\n\nGamma paragraph.")
                .tags("a, c")
                .version("1"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let list = editor.get(&format!("{path}/revisions")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_contains(&list.body, &me.display_name);
    assert_contains(&list.body, "Saved as draft");
    assert_eq!(list.body.matches("name=\"from\"").count(), 2);
    let diff = editor
        .get(&format!("{path}/revisions/compare?from=1&to=2"))
        .await;
    assert_eq!(diff.status, StatusCode::OK);
    assert_contains(&diff.body, "<del>First</del><ins>Second</ins>");
    assert_contains(&diff.body, "<del>Beta</del><ins>Gamma</ins>");
    assert_contains(&diff.body, "<del>b</del><ins>c</ins>");
    assert_eq!(
        editor
            .get(&format!("{path}/revisions/compare?from=1&to=9"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        editor
            .get(&format!("{path}/revisions/compare?from=x"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    // Restoring is itself a new revision.
    let token = list.csrf();
    let res = editor
        .post_form(
            &format!("{path}/revisions/1/restore"),
            &[("csrf_token", &token), ("version", "2")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let restored = app.reload(id);
    assert_eq!(
        (restored.title.as_str(), restored.version),
        ("First title", 3)
    );
    assert_contains(&restored.body_html, "Beta paragraph.");
    let list = editor.get(&format!("{path}/revisions")).await;
    assert_contains(&list.body, "Restored version 1");
    assert_contains(
        &editor.get(&format!("{path}/edit")).await.body,
        r#"value="a, b""#,
    );
    // A restore from a stale list changes nothing.
    let res = editor
        .post_form(
            &format!("{path}/revisions/2/restore"),
            &[("csrf_token", &token), ("version", "2")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_contains(&res.body, "saved again meanwhile");
    assert_eq!(app.reload(id).version, 3);
    // Someone who may not edit the article may not see its history either.
    let (author, _) = app.signed_in(Role::Author).await;
    assert_eq!(
        author.get(&format!("{path}/revisions")).await.status,
        StatusCode::FORBIDDEN
    );
    let res = author
        .post_form(
            &format!("{path}/revisions/1/restore"),
            &[("csrf_token", &author.csrf().await), ("version", "3")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.reload(id).version, 3);
}

async fn drafts_can_be_previewed_and_shared_by_secret_link(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let res = editor
        .save_article(
            "/admin/articles",
            &ArticleForm::new()
                .title("Embargoed findings")
                .summary("Not yet")
                .body("Secret <b>results</b>."),
        )
        .await;
    let id = id_of(&res);
    let path = format!("/admin/articles/{id}");
    let preview = editor.get(&format!("{path}/preview")).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_contains(&preview.body, "<h1>Embargoed findings</h1>");
    assert_contains(&preview.body, "Secret <b>results</b>.");
    assert_contains(&preview.body, "this report is not published (draft)");
    assert_eq!(
        preview.header("x-robots-tag").as_deref(),
        Some("noindex, nofollow")
    );
    assert_eq!(
        app.client().get(&format!("{path}/preview")).await.status,
        StatusCode::SEE_OTHER
    );
    let (author, _) = app.signed_in(Role::Author).await;
    assert_eq!(
        author.get(&format!("{path}/preview")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        author
            .confirm(&format!("{path}/preview-links"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let res = editor.confirm(&format!("{path}/preview-links")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let edit = editor.get(&res.location()).await;
    let marker = format!("{}/preview/", app.addr);
    let start = edit.body.find(&marker).expect("preview link shown") + marker.len();
    let secret: String = edit.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(secret.len(), 48);
    let colleague = app.client();
    let shared = colleague.get(&format!("/preview/{secret}")).await;
    assert_eq!(shared.status, StatusCode::OK);
    assert_contains(&shared.body, "<h1>Embargoed findings</h1>");
    assert_eq!(
        shared.header("x-robots-tag").as_deref(),
        Some("noindex, nofollow")
    );
    assert_contains(
        &shared.body,
        r#"<meta name="robots" content="noindex, nofollow">"#,
    );
    assert_eq!(app.reload(id).view_count, 0, "previews are not views");
    assert_eq!(
        colleague.get("/news/embargoed-findings").await.status,
        StatusCode::NOT_FOUND
    );
    for bad in ["nothex", "00", &"0".repeat(48)] {
        assert_eq!(
            colleague.get(&format!("/preview/{bad}")).await.status,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
    let res = editor
        .confirm(&format!("{path}/preview-links/revoke"))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        colleague.get(&format!("/preview/{secret}")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn the_article_list_filters_and_pages(app: TestApp) {
    let (editor, me) = app.signed_in(Role::Editor).await;
    let other = app.user(Role::Author);
    for i in 1..=55 {
        app.article(&me, &format!("Bulk report {i:02}"), SaveAction::Draft);
    }
    app.article(&other, "Author's 100% special_note", SaveAction::Draft);
    app.article(&me, "Published piece", SaveAction::Publish);
    let all = editor.get("/admin/articles").await;
    assert_contains(&all.body, "Articles <small>(57)</small>");
    assert_contains(&all.body, r#"href="/admin/articles?page=2""#);
    let second = editor.get("/admin/articles?page=2").await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(
        editor.get("/admin/articles?page=3").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        editor.get("/admin/articles?page=zero").await.status,
        StatusCode::BAD_REQUEST
    );
    let published = editor.get("/admin/articles?status=published").await;
    assert_contains(&published.body, "Articles <small>(1)</small>");
    assert_contains(&published.body, "Published piece");
    let by_author = editor
        .get(&format!("/admin/articles?author={}", other.id))
        .await;
    assert_contains(&by_author.body, "Articles <small>(1)</small>");
    let text = editor.get("/admin/articles?q=100%25%20special_").await;
    assert_contains(&text.body, "Articles <small>(1)</small>");
    assert_contains(&text.body, "special_note");
    let none = editor.get("/admin/articles?q=%25").await;
    assert_contains(&none.body, "Articles <small>(1)</small>");
    let junk = editor
        .get("/admin/articles?status=bogus&category=x&author=-5&q=%27%3B%20DROP")
        .await;
    assert_eq!(junk.status, StatusCode::OK);
    assert_contains(&junk.body, "Articles <small>(0)</small>");
}

async fn the_audit_log_records_who_did_what(app: TestApp) {
    let (editor, editor_user) = app.signed_in(Role::Editor).await;
    app.client()
        .sign_in("intruder@example.org", "letmein-please")
        .await;
    let res = save(&editor, "/admin/articles", "Audited report", "publish", &[]).await;
    let id = id_of(&res);
    editor
        .confirm(&format!("/admin/articles/{id}/delete"))
        .await;
    assert_eq!(
        editor.get("/admin/audit").await.status,
        StatusCode::FORBIDDEN
    );
    let (admin, _) = app.signed_in(Role::Admin).await;
    let log = admin.get("/admin/audit").await;
    assert_eq!(log.status, StatusCode::OK);
    for expected in [
        "signed in",
        "sign-in failed",
        "intruder@example.org",
        "published",
        "deleted article",
        "Audited report (/news/audited-report)",
        "127.0.0.1",
    ] {
        assert_contains(&log.body, expected);
    }
    assert_contains(&log.body, &editor_user.email);
}

async fn editors_manage_categories_and_tags(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let token = editor.csrf().await;
    let res = editor
        .post_form(
            "/admin/categories",
            &[
                ("csrf_token", &token),
                ("name", "Seminars"),
                ("description", "Weekly talks."),
                ("position", "3"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = editor
        .post_form(
            "/admin/categories",
            &[("csrf_token", &token), ("name", "  ")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "Enter a name.");
    let cat_id =
        app.with_conn(|c| chronicle::content::categories::list(c, "en").expect("list")[0].id);
    let visitor = app.client();
    assert_contains(
        &visitor.get("/").await.body,
        r#"<a href="/category/seminars">Seminars</a>"#,
    );
    let res = editor
        .save_article(
            "/admin/articles",
            &ArticleForm::new()
                .title("Talk on glaciers")
                .category(&cat_id.to_string())
                .tags("glaciers, climate")
                .action("publish")
                .body(""),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = editor
        .post_form(
            &format!("/admin/categories/{cat_id}"),
            &[("csrf_token", &token), ("name", "Lectures"), ("slug", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_contains(
        &visitor.get("/").await.body,
        r#"<a href="/category/lectures">Lectures</a>"#,
    );
    assert_eq!(
        visitor.get("/category/lectures").await.status,
        StatusCode::OK
    );
    // Tags: list with counts, rename, refuse a clash, delete.
    let tags = editor.get("/admin/tags").await;
    assert_contains(&tags.body, "glaciers");
    let glaciers = app.with_conn(|c| {
        chronicle::content::tags::find_by_slug(c, "en", "glaciers")
            .expect("q")
            .expect("tag")
            .id
    });
    let res = editor
        .post_form(
            &format!("/admin/tags/{glaciers}"),
            &[("csrf_token", &token), ("name", "Climate")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "Another tag already has this name.");
    let res = editor
        .post_form(
            &format!("/admin/tags/{glaciers}"),
            &[("csrf_token", &token), ("name", "Ice sheets")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(visitor.get("/tag/ice-sheets").await.status, StatusCode::OK);
    let res = editor
        .confirm(&format!("/admin/tags/{glaciers}/delete"))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        visitor.get("/tag/ice-sheets").await.status,
        StatusCode::NOT_FOUND
    );
    // Deleting a category keeps its reports.
    let confirm = editor
        .get(&format!("/admin/categories/{cat_id}/delete"))
        .await;
    assert_contains(&confirm.body, "its reports stay");
    let res = editor
        .confirm(&format!("/admin/categories/{cat_id}/delete"))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        visitor.get("/news/talk-on-glaciers").await.status,
        StatusCode::OK
    );
    assert_eq!(
        visitor.get("/category/lectures").await.status,
        StatusCode::NOT_FOUND
    );
    // Authors do not.
    let (author, _) = app.signed_in(Role::Author).await;
    assert_eq!(
        author.get("/admin/categories").await.status,
        StatusCode::FORBIDDEN
    );
    let res = author.confirm("/admin/tags/1/delete").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

async fn admins_delete_users_and_hand_their_reports_over(app: TestApp) {
    let (admin, me) = app.signed_in(Role::Admin).await;
    let (author, leaving) = app.signed_in(Role::Author).await;
    let heir = app.user(Role::Editor);
    let written = app.article(&leaving, "Written by the leaver", SaveAction::Draft);
    let photo = app.with_conn(|c| {
        chronicle::media::library::insert(
            c,
            &chronicle::media::library::NewMedia {
                hash: "cd".repeat(32),
                kind: chronicle::media::library::Kind::Image,
                mime: "image/jpeg".into(),
                storage_key: format!("cd/{}-800.jpg", "cd".repeat(32)),
                original_name: "leaver.jpg".into(),
                byte_size: 1000,
                width: Some(800),
                height: Some(600),
                uploaded_by: leaving.id,
            },
            &[],
        )
        .expect("media")
        .id
    });
    let delete = format!("/admin/users/{}/delete", leaving.id);

    let page = admin.get(&delete).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_contains(
        &page.body,
        "They wrote 1 report and uploaded 1 file. Who takes them over?",
    );
    assert_contains(
        &page.body,
        &format!(r#"<option value="{}">{}"#, heir.id, heir.display_name),
    );
    assert_lacks(&page.body, &format!(r#"<option value="{}">"#, leaving.id));

    // With reports and nobody to take them, nothing happens.
    let token = admin.csrf().await;
    let res = admin.confirm(&delete).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(
        &res.body,
        "choose who takes them over. Nothing was deleted.",
    );
    let res = admin
        .post_form(
            &delete,
            &[("csrf_token", &token), ("heir", &leaving.id.to_string())],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.reload(written.id).author_id, leaving.id);
    assert_eq!(
        author.get("/admin").await.status,
        StatusCode::OK,
        "still signed in"
    );

    // Nobody deletes themselves.
    let res = admin
        .confirm(&format!("/admin/users/{}/delete", me.id))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "You cannot delete your own account");

    let res = admin
        .post_form(
            &delete,
            &[("csrf_token", &token), ("heir", &heir.id.to_string())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/admin/users");
    let after = app.reload(written.id);
    assert_eq!(after.author_id, heir.id);
    let uploader: i32 = app.with_conn(|c| {
        chronicle::db::schema::media::table
            .find(photo)
            .select(chronicle::db::schema::media::uploaded_by)
            .first(c)
            .expect("the file stays")
    });
    assert_eq!(uploader, heir.id);
    assert_eq!(after.title, "Written by the leaver");
    let gone = app.with_conn(|c| chronicle::accounts::find_by_id(c, leaving.id).expect("query"));
    assert!(gone.is_none());
    // Their session ended with them; their revision stays, without a name.
    let res = author.get("/admin").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/admin/login"));
    let revisions = admin
        .get(&format!("/admin/articles/{}/revisions", written.id))
        .await;
    assert_contains(&revisions.body, "(deleted user)");
    let log = admin.get("/admin/audit").await;
    assert_contains(&log.body, "deleted user");
    assert_contains(&log.body, &leaving.email);
    // Someone without reports goes after a plain confirmation.
    let idle = app.user(Role::Author);
    let page = admin.get(&format!("/admin/users/{}/delete", idle.id)).await;
    assert_lacks(&page.body, "Who takes");
    let res = admin
        .confirm(&format!("/admin/users/{}/delete", idle.id))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        admin
            .get(&format!("/admin/users/{}/delete", idle.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
