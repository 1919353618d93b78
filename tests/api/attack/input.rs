//! Input that looks odd: traversal in image URLs, slugs at their maximum length, NUL bytes in
//! forms, control characters in `next`, bidirectional overrides in file names, and a response
//! too large to buffer.

use awc::http::StatusCode;
use chronicle::accounts::Role;
use chronicle::content::articles::SaveAction;
use chronicle::content::slug;

use crate::common::{TestApp, TestFn, assert_contains, assert_lacks};
use crate::forms::{ArticleForm, MediaForm, PageForm, SignInForm, UserForm};
use crate::media::{jpeg, uploaded};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    percent_encoded_traversal_in_image_urls_is_stripped_from_saved_bodies,
    a_slug_at_the_maximum_length_gets_a_working_unique_address,
    nul_bytes_in_any_admin_form_get_a_message_and_save_nothing,
    nul_bytes_in_an_admin_query_string_get_a_400_page,
    next_with_control_characters_leads_to_the_dashboard,
    bidirectional_overrides_are_removed_from_uploaded_names,
    a_response_larger_than_the_buffer_is_streamed_intact,
];

fn id_of(res: &crate::common::Res) -> i32 {
    res.location()
        .trim_start_matches("/admin/articles/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap_or_else(|_| panic!("article id in the redirect: {res:?}"))
}

async fn percent_encoded_traversal_in_image_urls_is_stripped_from_saved_bodies(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let hostile = [
        "/media/%2e%2e/x",
        "/media/../admin",
        "/media/a/%2E%2E/%2e%2e/b",
        "/media/%252e%252e/x",
        "/media/a\\..\\admin",
        "/media/%5c..%5cadmin",
        "/media//evil.example/x.png",
        "//evil.example/media/x.png",
    ];
    let mut body: String = hostile
        .iter()
        .map(|src| format!(r#"<p>[<img src="{src}" alt="bad">]</p>"#))
        .collect();
    body.push_str(r#"<p><img src="/media/2026/12/photo.jpg" alt="good"></p>"#);
    let res = editor
        .save_article(
            "/admin/articles",
            &ArticleForm::new().title("Images").body(&body),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let saved = app.reload(id_of(&res)).body_html;
    for src in hostile {
        assert_lacks(&saved, src);
    }
    assert_lacks(&saved, "alt=\"bad\"");
    assert_eq!(saved.matches("[]").count(), hostile.len(), "{saved}");
    assert_contains(&saved, r#"src="/media/2026/12/photo.jpg""#);
}

async fn a_slug_at_the_maximum_length_gets_a_working_unique_address(app: TestApp) {
    let author = app.user(Role::Editor);
    let title = "a".repeat(slug::MAX_LEN);
    let first = app.article(&author, &title, SaveAction::Publish);
    let second = app.article(&author, &title, SaveAction::Publish);
    let third = app.article(&author, &format!("{title} more words"), SaveAction::Publish);
    assert_eq!(first.slug.len(), slug::MAX_LEN);
    let client = app.client();
    let mut seen = Vec::new();
    for article in [&first, &second, &third] {
        assert!(slug::is_valid(&article.slug), "{}", article.slug);
        assert!(!seen.contains(&article.slug), "{}", article.slug);
        seen.push(article.slug.clone());
        let res = client.get(&format!("/news/{}", article.slug)).await;
        assert_eq!(res.status, StatusCode::OK, "/news/{}", article.slug);
        assert_contains(&res.body, &format!("Body of {}", article.title));
    }
    // The listing links to the same working addresses.
    let home = client.get("/").await.body;
    for slug in &seen {
        assert_contains(&home, &format!("/news/{slug}\""));
    }

    // Through the form: an editor's own 80-character slug that is taken.
    let (editor, _) = app.signed_in(Role::Editor).await;
    let res = editor
        .save_article(
            "/admin/articles",
            &ArticleForm::new()
                .title("Typed slug")
                .slug(&first.slug)
                .action("publish"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let typed = app.reload(id_of(&res)).slug;
    assert!(
        typed.len() <= slug::MAX_LEN && !seen.contains(&typed),
        "{typed}"
    );
    assert_eq!(
        client.get(&format!("/news/{typed}")).await.status,
        StatusCode::OK
    );

    // Pages and categories share the rule.
    let page = |title: &str| {
        let language = app.settings.language.clone();
        let title = title.to_owned();
        app.with_conn(move |c| {
            chronicle::content::pages::create(
                c,
                &language,
                &chronicle::content::pages::check(&chronicle::content::pages::PageInput {
                    title,
                    published: true,
                    ..Default::default()
                })
                .expect("checked"),
            )
            .expect("page")
        })
    };
    let (p1, p2) = (page(&title), page(&title));
    assert_ne!(p1.slug, p2.slug);
    for p in [&p1, &p2] {
        assert!(slug::is_valid(&p.slug), "{}", p.slug);
        assert_eq!(
            client.get(&format!("/{}", p.slug)).await.status,
            StatusCode::OK
        );
    }
    let language = app.settings.language.clone();
    let (c1, c2) = app.with_conn(|c| {
        let make = |c: &mut chronicle::db::DbConn| {
            chronicle::content::categories::create(c, &title, "", &language, 0).expect("category")
        };
        (make(c), make(c))
    });
    assert_ne!(c1.slug, c2.slug);
    for c in [&c1, &c2] {
        assert!(slug::is_valid(&c.slug), "{}", c.slug);
        assert_eq!(
            client.get(&format!("/category/{}", c.slug)).await.status,
            StatusCode::OK
        );
    }
}

/// Every admin form, with a NUL byte in each of its text fields in turn: a 400 page naming
/// the field, and nothing written.
async fn nul_bytes_in_any_admin_form_get_a_message_and_save_nothing(app: TestApp) {
    let (admin, admin_user) = app.signed_in(Role::Admin).await;
    let article = app.article(&admin_user, "Kept", SaveAction::Draft);
    let csrf = admin.csrf().await;
    let fields = |form: &[(&str, &str)]| -> Vec<(String, String)> {
        form.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let version = article.version.to_string();
    let forms: Vec<(String, Vec<(String, String)>)> = vec![
        (
            "/admin/articles".into(),
            fields(&ArticleForm::new().summary("s").tags("t")),
        ),
        (
            format!("/admin/articles/{}", article.id),
            fields(&ArticleForm::new().version(&version).summary("s")),
        ),
        ("/admin/pages".into(), fields(&PageForm::new())),
        (
            "/admin/categories".into(),
            fields(&[("name", "Seminars"), ("description", "d")]),
        ),
        (
            "/admin/users".into(),
            fields(
                &UserForm::new()
                    .email("new@example.org")
                    .password("a long new password"),
            ),
        ),
        (
            "/admin/settings".into(),
            fields(&[("name", "Site"), ("tagline", "t"), ("footer_text", "f")]),
        ),
    ];
    let before = (app.article_count(), app.reload(article.id).version);
    for (path, form) in forms {
        for i in 0..form.len() {
            let mut sent = form.clone();
            sent[i].1.push_str("a\0b");
            let name = sent[i].0.clone();
            sent.insert(0, ("csrf_token".into(), csrf.clone()));
            let pairs: Vec<(&str, &str)> =
                sent.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let res = admin.post_form(&path, &pairs).await;
            assert_eq!(
                res.status,
                StatusCode::BAD_REQUEST,
                "{path} {name}: {}",
                res.body
            );
            assert_contains(&res.body, &format!("“{name}”"));
            assert_contains(&res.body, "NUL");
            assert_eq!(
                (app.article_count(), app.reload(article.id).version),
                before,
                "{path} {name}"
            );
        }
    }
    // Nothing else was created either.
    let listed = admin.get("/admin/categories").await.body;
    assert_lacks(&listed, "Seminars");
    assert_lacks(&admin.get("/admin/users").await.body, "new@example.org");
    // A media file's details, and the sign-in form (anonymous).
    let id = uploaded(&admin, "photo.jpg", &jpeg(40, 30)).await;
    let csrf = admin.csrf().await;
    let res = admin
        .post_form(
            &format!("/admin/media/{id}"),
            &MediaForm::new().alt("x\0y").csrf(&csrf),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    let visitor = app.client();
    let login = visitor.get("/admin/login").await.csrf();
    let res = visitor
        .post_form(
            "/admin/login",
            &SignInForm::new().email("a\0@example.org").csrf(&login),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_contains(&res.body, "“email”");
}

async fn nul_bytes_in_an_admin_query_string_get_a_400_page(app: TestApp) {
    let (admin, _) = app.signed_in(Role::Admin).await;
    let client = app.client();
    for path in [
        "/admin/articles?q=a%00b",
        "/admin/media?q=%00",
        "/admin/audit?x=%00",
    ] {
        let res = admin.get(path).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {}", res.body);
    }
    assert_eq!(
        client.get("/search?q=ordinary").await.status,
        StatusCode::OK
    );
}

async fn next_with_control_characters_leads_to_the_dashboard(app: TestApp) {
    let user = app.user(Role::Editor);
    for next in [
        "/admin\r\nSet-Cookie: stolen=1",
        "/admin/articles\t",
        "/admin/\u{7f}",
        "/admin/%0d%0aLocation:%20https://evil.example",
        "/admin/\u{202e}x",
        "/admin/../login",
        "/admin//evil.example",
    ] {
        let client = app.client();
        let csrf = client.get("/admin/login").await.csrf();
        let form = SignInForm::new().email(&user.email).csrf(&csrf).next(next);
        let res = client.post_form("/admin/login", &form).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{next:?}: {}", res.body);
        assert_eq!(res.location(), "/admin", "{next:?}");
        assert!(!res.set_cookies().iter().any(|c| c.contains("stolen")));
        // Signed in, the form sends one on at once: the same rule.
        let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let res = client.get(&format!("/admin/login?next={encoded}")).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(res.location(), "/admin", "{next:?}");
    }
}

async fn bidirectional_overrides_are_removed_from_uploaded_names(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    // Browsers send the name as raw UTF-8 in `filename="…"`.
    let name = "re\u{202E}port\u{2066}\u{200F}\u{61C}\u{200B}\u{FEFF}\u{202A}\u{200E} Şəki.jpg";
    let id = uploaded(&editor, name, &jpeg(32, 24)).await;
    let stored: String = app.with_conn(|c| {
        use chronicle::db::schema::media;
        use diesel::prelude::*;
        media::table
            .find(id)
            .select(media::original_name)
            .first(c)
            .expect("row")
    });
    let page = editor.get(&format!("/admin/media/{id}")).await.body;
    for c in [
        '\u{202E}', '\u{2066}', '\u{200F}', '\u{61C}', '\u{200B}', '\u{FEFF}',
    ] {
        assert!(!stored.contains(c), "{c:?} in {stored:?}");
        assert!(!page.contains(c), "{c:?} on the page");
    }
    assert_eq!(stored, "report Şəki.jpg");
    assert_contains(&page, "report Şəki.jpg");
}

async fn a_response_larger_than_the_buffer_is_streamed_intact(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app = TestApp::spawn_with(backend, |s| s.max_buffered_body = 2048).await;
    let author = app.user(Role::Editor);
    for n in 0..40 {
        app.article(&author, &format!("Report number {n}"), SaveAction::Publish);
    }
    let client = app.client();
    for (path, end) in [("/sitemap.xml", "</urlset>"), ("/feed.xml", "</rss>")] {
        let res = client.get_bytes(path, &[]).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert!(res.body.len() > 2048, "{path}: {} bytes", res.body.len());
        assert!(res.header("etag").is_none(), "{path}: not hashed");
        let text = String::from_utf8(res.body).expect("utf-8");
        assert!(text.trim_end().ends_with(end), "{path}: cut short");
        let head = client.head(path).await;
        assert_eq!(head.status, StatusCode::OK, "HEAD {path}");
        assert!(head.body.is_empty());
    }
    let feed = client.get("/sitemap.xml").await.body;
    roxmltree::Document::parse(&feed).expect("a whole XML document");
    for n in 0..40 {
        assert_contains(&feed, &format!("/news/report-number-{n}<"));
    }
    // Compressed on the way, still whole.
    let gz = client
        .get_bytes("/sitemap.xml", &[("Accept-Encoding", "gzip")])
        .await;
    assert_eq!(gz.status, StatusCode::OK);
    let mut decoded = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&gz.body[..]),
        &mut decoded,
    )
    .expect("gzip");
    assert_eq!(decoded, feed);
}
