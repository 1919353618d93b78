//! Requests that cost the server far more than they cost the client: a deeply nested body,
//! a diff of two long and different versions. Each is refused or bounded, and the rest of the
//! site keeps answering meanwhile.

use awc::http::StatusCode;
use chronicle::accounts::Role;
use chronicle::content::articles::SaveAction;

use crate::common::{TestApp, TestFn, assert_contains};
use crate::forms::{ArticleForm, PageForm};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    a_deeply_nested_body_is_refused_before_it_is_parsed,
    a_diff_of_long_different_versions_stays_within_its_budget,
    uploaded_images_are_processed_a_few_at_a_time,
];

async fn a_deeply_nested_body_is_refused_before_it_is_parsed(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Admin).await;
    let (other, _) = app.signed_in(Role::Editor).await;
    // 600 KB of unclosed formatting elements: minutes of parsing, were it parsed.
    let nested = "<b><i>".repeat(100_000);
    let form = ArticleForm::new()
        .title("Nested")
        .body(&nested)
        .action("publish");
    let ordinary = ArticleForm::new().title("Ordinary").action("publish");
    let (refused, saved) = futures_util::join!(
        editor.save_article("/admin/articles", &form),
        other.save_article("/admin/articles", &ordinary),
    );
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_contains(&refused.body, "The text is nested too deeply");
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(app.article_count(), 1, "only the ordinary report was saved");
    // Too many elements, even flat ones.
    let flat = "<br>".repeat(60_000);
    let res = editor
        .save_article(
            "/admin/articles",
            &ArticleForm::new().title("Flat").body(&flat),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "The text has too many elements");
    // Pages are checked the same way.
    let token = editor.csrf().await;
    let res = editor
        .post_form(
            "/admin/pages",
            &PageForm::new()
                .title("Nested page")
                .body(&nested)
                .csrf(&token),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_contains(&res.body, "The text is nested too deeply");
    // A report nested as deep as real ones are goes in.
    let deep_enough = "<blockquote>".repeat(20) + "quoted" + &"</blockquote>".repeat(20);
    let res = editor
        .save_article(
            "/admin/articles",
            &ArticleForm::new().title("Quoted").body(&deep_enough),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

/// A long body of `paragraphs` lines whose words all differ with `seed`.
fn long_body(paragraphs: usize, seed: usize) -> String {
    (0..paragraphs)
        .map(|i| {
            let words: Vec<String> = (0..8).map(|w| format!("w{}x{}", seed, i * 8 + w)).collect();
            format!("<p>{}</p>", words.join(" "))
        })
        .collect()
}

async fn a_diff_of_long_different_versions_stays_within_its_budget(app: TestApp) {
    let (editor, user) = app.signed_in(Role::Editor).await;
    let article = app.article(&user, "Long report", SaveAction::Draft);
    let path = format!("/admin/articles/{}", article.id);
    // Two versions of about 250 KB of text each with no word in common.
    for (version, seed) in [(1, 1), (2, 2)] {
        let body = long_body(3_000, seed);
        let res = editor
            .save_article(
                &path,
                &ArticleForm::new()
                    .title("Long report")
                    .body(&body)
                    .version(&version.to_string()),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let visitor = app.client();
    let compare = format!("{path}/revisions/compare?from=2&to=3");
    let (page, home) = futures_util::join!(editor.get(&compare), visitor.get("/"));
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        page.body.contains("so the text is compared line by line")
            || page
                .body
                .contains("These versions are too different to compare"),
        "the page says how coarsely it compared"
    );
    // Two short versions are still compared word by word.
    let res = editor
        .save_article(
            &path,
            &ArticleForm::new()
                .title("Long report")
                .body("<p>A short text.</p>")
                .version("3"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = editor
        .save_article(
            &path,
            &ArticleForm::new()
                .title("Long report")
                .body("<p>A shorter text.</p>")
                .version("4"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = editor
        .get(&format!("{path}/revisions/compare?from=4&to=5"))
        .await;
    assert_contains(&page.body, "<del>short</del><ins>shorter</ins>");
    assert!(!page.body.contains("compared line by line"));
}

async fn uploaded_images_are_processed_a_few_at_a_time(app: TestApp) {
    // One image worker: parallel uploads take turns, and all of them go in.
    let app = app.spawn_beside(|s| s.image_workers = 1).await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(app.signed_in(Role::Editor).await.0);
    }
    let mut uploads = Vec::new();
    for (i, client) in clients.iter().enumerate() {
        let token = crate::media::token(client).await;
        // Different sizes, so that no upload is a copy of another.
        let bytes = crate::media::jpeg(1_200 + i as u32, 900);
        let (content_type, body) = crate::media::multipart(Some(&token), &[("photo.jpg", &bytes)]);
        uploads.push(async move {
            client
                .post_body("/admin/media", &content_type, &[], body)
                .await
        });
    }
    let answers = futures_util::future::join_all(uploads).await;
    for res in &answers {
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    assert_eq!(
        app.state.images.peak(),
        1,
        "never more than one image at once"
    );
    let stored = app.with_conn(|c| {
        use diesel::prelude::*;
        chronicle::db::schema::media::table
            .count()
            .get_result::<i64>(c)
            .expect("count")
    });
    assert_eq!(stored, 4);
}
