//! The public site as visitors, crawlers and link unfurlers meet it: listings, previews,
//! feeds, sitemap, search, HTTP semantics, static pages and settings.

use chronicle::accounts::Role;
use std::collections::BTreeSet;

use awc::http::StatusCode;
use chronicle::content::articles::{self, ArticleInput, SaveAction};
use chronicle::content::categories;
use chronicle::db::schema::articles as articles_table;
use chrono::NaiveDate;
use diesel::prelude::*;
use scraper::{Html, Selector};

use crate::common::{TestApp, TestFn, assert_contains, assert_lacks};
use crate::forms::PageForm;
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    listings_by_category_tag_and_month,
    article_pages_carry_link_previews_and_structured_data,
    article_pages_link_onwards,
    feeds_parse_and_list_published_reports,
    sitemap_lists_exactly_the_published_urls,
    sitemap_becomes_an_index_past_its_chunk_size,
    robots_txt_points_at_the_sitemap,
    search_ranks_highlights_and_survives_any_input,
    category_pages_are_kept_for_a_moment,
    unpublished_reports_appear_nowhere,
    head_and_conditional_requests,
    pages_are_compressed,
    static_pages_appear_in_the_menu,
    site_settings_are_for_administrators,
    not_found_page_offers_a_way_on,
];

fn at(y: i32, m: u32, d: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(9, 30, 0))
        .expect("date")
}

/// Two categories and five reports (one draft, one scheduled), with tags and dates.
fn world(app: &TestApp) {
    let editor = app.user(Role::Editor);
    let lang = app.settings.language.clone();
    let (events, research) = app.with_conn(|c| {
        (
            categories::create(c, "Events", "Ceremonies and meetings.", &lang, 1)
                .expect("cat")
                .id,
            categories::create(c, "Research", "", &lang, 2)
                .expect("cat")
                .id,
        )
    });
    let make = |title: &str,
                body: &str,
                category: i32,
                tags: &str,
                action: SaveAction,
                when: Option<chrono::NaiveDateTime>| {
        let article = app.with_conn(|c| {
            articles::create(
                c,
                editor.id,
                &lang,
                &articles::check(
                    &ArticleInput {
                        title: title.to_owned(),
                        slug: String::new(),
                        summary: format!("About {title}."),
                        body: body.to_owned(),
                        category_id: Some(category),
                        tags: tags.to_owned(),
                    },
                    action,
                )
                .expect("checked"),
            )
            .expect("article")
        });
        if let Some(when) = when {
            app.with_conn(|c| {
                diesel::update(articles_table::table.find(article.id))
                    .set(articles_table::published_at.eq(when))
                    .execute(c)
                    .expect("date")
            });
        }
        article
    };
    make(
        "Climate conference opens",
        "<p>Researchers discuss <b>drought</b> and water in the Caspian basin.</p>",
        events,
        "climate, conference",
        SaveAction::Publish,
        Some(at(2025, 2, 26)),
    );
    make(
        "Şəki seminarı keçirildi",
        "<p>Şəki şəhərində elmi seminar keçirildi.</p>",
        events,
        "seminar",
        SaveAction::Publish,
        Some(at(2025, 2, 3)),
    );
    make(
        "Научная конференция в Баку",
        "<p>Учёные обсудили климат и водные ресурсы.</p>",
        research,
        "conference",
        SaveAction::Publish,
        Some(at(2025, 1, 15)),
    );
    make(
        "SECRETDRAFT zebra report",
        "<p>zebra zebra</p>",
        events,
        "climate",
        SaveAction::Draft,
        None,
    );
    let scheduled = make(
        "SECRETSCHEDULED zebra plan",
        "<p>zebra</p>",
        research,
        "conference",
        SaveAction::Draft,
        None,
    );
    app.with_conn(|c| {
        diesel::update(articles_table::table.find(scheduled.id))
            .set((
                articles_table::status.eq("scheduled"),
                articles_table::published_at.eq(at(2030, 1, 1)),
            ))
            .execute(c)
            .expect("schedule")
    });
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).expect("selector");
    doc.select(&selector).collect()
}

fn meta(doc: &Html, attr: &str, name: &str) -> Option<String> {
    select(doc, &format!("meta[{attr}=\"{name}\"]"))
        .first()
        .and_then(|m| m.value().attr("content"))
        .map(str::to_owned)
}

fn card_titles(body: &str) -> Vec<String> {
    let doc = Html::parse_document(body);
    select(&doc, ".card-title a")
        .iter()
        .map(|a| a.text().collect::<String>())
        .collect()
}

async fn listings_by_category_tag_and_month(app: TestApp) {
    world(&app);
    let client = app.client();
    assert_eq!(
        card_titles(&client.get("/").await.body),
        [
            "Climate conference opens",
            "Şəki seminarı keçirildi",
            "Научная конференция в Баку"
        ]
    );
    let events = client.get("/category/events").await;
    assert_eq!(events.status, StatusCode::OK);
    assert_eq!(
        card_titles(&events.body),
        ["Climate conference opens", "Şəki seminarı keçirildi"]
    );
    assert_contains(&events.body, "Ceremonies and meetings.");
    assert_contains(&events.body, "/category/events/feed.xml");
    let tagged = client.get("/tag/conference").await;
    assert_eq!(
        card_titles(&tagged.body),
        ["Climate conference opens", "Научная конференция в Баку"]
    );
    let february = client.get("/archive/2025/02").await;
    assert_eq!(
        card_titles(&february.body),
        ["Climate conference opens", "Şəki seminarı keçirildi"]
    );
    assert_contains(&february.body, "February 2025");
    let index = client.get("/archive").await;
    assert_contains(
        &index.body,
        r#"<a href="/archive/2025/02">February</a> <span class="count">(2)</span>"#,
    );
    assert_contains(
        &index.body,
        r#"<a href="/archive/2025/01">January</a> <span class="count">(1)</span>"#,
    );
    assert_lacks(&index.body, "2030");
    for path in [
        "/category/nope",
        "/tag/nope",
        "/archive/2025/13",
        "/archive/abcd/01",
        "/archive/2025/1",
        "/category/events?page=2",
        "/category/Events",
    ] {
        assert_eq!(
            client.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        client.get("/tag/conference?page=x").await.status,
        StatusCode::BAD_REQUEST
    );
    // Category and tag labels on the cards link to their listings.
    assert_contains(
        &events.body,
        r#"<p class="kicker"><a href="/category/events">Events</a></p>"#,
    );
}

async fn article_pages_carry_link_previews_and_structured_data(app: TestApp) {
    world(&app);
    let url = format!("{}/news/climate-conference-opens", app.addr);
    for agent in [
        "Mozilla/5.0",
        "facebookexternalhit/1.1",
        "TelegramBot (like TwitterBot)",
        "WhatsApp/2.23",
        "Twitterbot/1.0",
        "LinkedInBot/1.0",
        "Slackbot-LinkExpanding 1.0",
    ] {
        let res = app
            .client()
            .get_with("/news/climate-conference-opens", &[("User-Agent", agent)])
            .await;
        assert_eq!(res.status, StatusCode::OK, "{agent}");
        let doc = Html::parse_document(&res.body);
        let og = |p: &str| meta(&doc, "property", p);
        assert_eq!(og("og:type").as_deref(), Some("article"), "{agent}");
        assert_eq!(og("og:title").as_deref(), Some("Climate conference opens"));
        assert_eq!(
            og("og:description").as_deref(),
            Some("About Climate conference opens.")
        );
        assert_eq!(og("og:url"), Some(url.clone()));
        assert_eq!(og("og:site_name").as_deref(), Some("Chronicle"));
        assert_eq!(og("og:locale").as_deref(), Some("en_US"));
        let image = og("og:image").expect("og:image");
        assert!(
            image.starts_with(&format!("{}/assets/", app.addr))
                && image.ends_with("/img/preview.png"),
            "{image}"
        );
        assert_eq!(og("og:image:width").as_deref(), Some("1200"));
        assert_eq!(og("og:image:height").as_deref(), Some("630"));
        assert_eq!(
            og("article:published_time").as_deref(),
            Some("2025-02-26T09:30:00+00:00")
        );
        assert_eq!(og("article:section").as_deref(), Some("Events"));
        assert_eq!(
            meta(&doc, "name", "twitter:card").as_deref(),
            Some("summary")
        );
        assert_eq!(
            meta(&doc, "name", "twitter:title").as_deref(),
            Some("Climate conference opens")
        );
        assert_eq!(
            meta(&doc, "name", "description").as_deref(),
            Some("About Climate conference opens.")
        );
        let canonical = select(&doc, "link[rel=canonical]")[0]
            .value()
            .attr("href")
            .map(str::to_owned);
        assert_eq!(canonical, Some(url.clone()));
        let feeds: Vec<String> = select(&doc, "link[rel=alternate]")
            .iter()
            .filter_map(|l| l.value().attr("href").map(str::to_owned))
            .collect();
        assert_eq!(
            feeds,
            [
                format!("{}/feed.xml", app.addr),
                format!("{}/atom.xml", app.addr)
            ]
        );
        let ld = select(&doc, "script[type=\"application/ld+json\"]");
        let json: serde_json::Value =
            serde_json::from_str(&ld[0].text().collect::<String>()).expect("JSON-LD parses");
        assert_eq!(json["@type"], "NewsArticle");
        assert_eq!(json["headline"], "Climate conference opens");
        assert_eq!(json["datePublished"], "2025-02-26T09:30:00+00:00");
        assert_eq!(json["mainEntityOfPage"]["@id"], url.as_str());
        assert_eq!(json["author"][0]["name"], "Test editor 1");
        assert_eq!(json["publisher"]["name"], "Chronicle");
    }
    // Listings carry a site preview too, with absolute URLs.
    let home = Html::parse_document(&app.client().get("/").await.body);
    assert_eq!(
        meta(&home, "property", "og:type").as_deref(),
        Some("website")
    );
    assert_eq!(
        meta(&home, "property", "og:url"),
        Some(format!("{}/", app.addr))
    );
}

async fn article_pages_link_onwards(app: TestApp) {
    world(&app);
    let res = app.client().get("/news/seki-seminari-kecirildi").await;
    assert_eq!(res.status, StatusCode::OK);
    let doc = Html::parse_document(&res.body);
    let crumbs: Vec<String> = select(&doc, ".breadcrumb a")
        .iter()
        .map(|a| a.text().collect())
        .collect();
    assert_eq!(crumbs, ["Home", "Events"]);
    assert_contains(&res.body, "Test editor 1");
    assert_contains(&res.body, "1 min read");
    assert_contains(
        &res.body,
        r#"<a class="tag" href="/tag/seminar" rel="tag">seminar</a>"#,
    );
    assert_contains(
        &res.body,
        r#"rel="next" href="/news/climate-conference-opens""#,
    );
    assert_contains(
        &res.body,
        r#"rel="prev" href="/news/nauchnaya-konferentsiya-v-baku""#,
    );
    let related: Vec<String> = select(&doc, ".related .card-title a")
        .iter()
        .map(|a| a.text().collect())
        .collect();
    assert_eq!(related, ["Climate conference opens"]);
    for network in [
        "facebook.com/sharer",
        "x.com/intent",
        "linkedin.com/sharing",
        "t.me/share",
        "wa.me/",
        "mailto:",
    ] {
        assert_contains(&res.body, network);
    }
    assert_lacks(&res.body, "SECRET");
}

async fn feeds_parse_and_list_published_reports(app: TestApp) {
    world(&app);
    let client = app.client();
    for (path, mime, expected) in [
        (
            "/feed.xml",
            "application/rss+xml",
            vec![
                "Climate conference opens",
                "Şəki seminarı keçirildi",
                "Научная конференция в Баку",
            ],
        ),
        (
            "/atom.xml",
            "application/atom+xml",
            vec![
                "Climate conference opens",
                "Şəki seminarı keçirildi",
                "Научная конференция в Баку",
            ],
        ),
        (
            "/category/events/feed.xml",
            "application/rss+xml",
            vec!["Climate conference opens", "Şəki seminarı keçirildi"],
        ),
        (
            "/category/research/atom.xml",
            "application/atom+xml",
            vec!["Научная конференция в Баку"],
        ),
    ] {
        let res = client.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert!(
            res.header("content-type")
                .unwrap_or_default()
                .starts_with(mime),
            "{path}"
        );
        let feed = feed_rs::parser::parse(res.body.as_bytes())
            .unwrap_or_else(|e| panic!("{path} parses: {e}"));
        let titles: Vec<String> = feed
            .entries
            .iter()
            .map(|e| {
                e.title
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(titles, expected, "{path}");
        for entry in &feed.entries {
            let link = &entry.links[0].href;
            assert!(
                link.starts_with(&format!("{}/news/", app.addr)),
                "{path}: {link}"
            );
            assert!(entry.published.is_some(), "{path}");
        }
        assert!(res.header("last-modified").is_some());
    }
    assert_eq!(
        client.get("/category/nope/feed.xml").await.status,
        StatusCode::NOT_FOUND
    );
    let rss = client.get("/feed.xml").await;
    assert_contains(&rss.body, "&#60;b&#62;drought&#60;/b&#62;");
}

fn locs(xml: &str) -> BTreeSet<String> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text().map(str::to_owned))
        .collect()
}

async fn sitemap_lists_exactly_the_published_urls(app: TestApp) {
    world(&app);
    let res = app.client().get("/sitemap.xml").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.header("content-type")
            .unwrap_or_default()
            .starts_with("application/xml")
    );
    let doc = roxmltree::Document::parse(&res.body).expect("well-formed");
    assert_eq!(doc.root_element().tag_name().name(), "urlset");
    let a = |p: &str| format!("{}{p}", app.addr);
    let expected: BTreeSet<String> = [
        a("/"),
        a("/archive"),
        a("/category/events"),
        a("/category/research"),
        a("/news/climate-conference-opens"),
        a("/news/seki-seminari-kecirildi"),
        a("/news/nauchnaya-konferentsiya-v-baku"),
    ]
    .into_iter()
    .collect();
    assert_eq!(locs(&res.body), expected);
    assert_contains(&res.body, "<lastmod>");
}

async fn sitemap_becomes_an_index_past_its_chunk_size(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app = TestApp::spawn_with(backend, |s| s.sitemap_chunk = 2).await;
    world(&app);
    let client = app.client();
    let index = client.get("/sitemap.xml").await;
    let doc = roxmltree::Document::parse(&index.body).expect("well-formed");
    assert_eq!(doc.root_element().tag_name().name(), "sitemapindex");
    let parts = locs(&index.body);
    assert_eq!(parts.len(), 3, "{parts:?}");
    let mut articles = BTreeSet::new();
    for part in &parts {
        let path = part.trim_start_matches(&app.addr);
        let res = client.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        articles.extend(locs(&res.body).into_iter().filter(|l| l.contains("/news/")));
    }
    assert_eq!(articles.len(), 3);
    assert_eq!(
        client.get("/sitemap-4.xml").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.get("/sitemap-0.xml").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.get("/sitemap-x.xml").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn robots_txt_points_at_the_sitemap(app: TestApp) {
    let res = app.client().get("/robots.txt").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_contains(&res.body, "Disallow: /admin");
    assert_contains(&res.body, &format!("Sitemap: {}/sitemap.xml", app.addr));
}

async fn search_ranks_highlights_and_survives_any_input(app: TestApp) {
    world(&app);
    let client = app.client();
    let res = client.get("/search?q=drought").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(card_titles(&res.body), ["Climate conference opens"]);
    assert_contains(&res.body, "<mark>drought</mark>");
    assert_contains(&res.body, "1 report found");
    let res = client.get("/search?q=confer").await;
    assert_eq!(
        card_titles(&res.body),
        ["Climate conference opens"],
        "prefix matching"
    );
    let res = client
        .get("/search?q=%D0%BA%D0%BE%D0%BD%D1%84%D0%B5%D1%80")
        .await; // конфер
    assert_eq!(
        card_titles(&res.body),
        ["Научная конференция в Баку"],
        "prefix matching in Cyrillic"
    );
    let res = client
        .get("/search?q=%D0%BA%D0%BB%D0%B8%D0%BC%D0%B0%D1%82")
        .await; // климат
    assert_eq!(card_titles(&res.body), ["Научная конференция в Баку"]);
    let res = client.get("/search?q=%C5%9E%C9%99ki").await; // Şəki
    assert_eq!(card_titles(&res.body), ["Şəki seminarı keçirildi"]);
    let hostile = [
        "\"",
        "'",
        "\"unclosed",
        "a AND OR NOT b",
        "NEAR(a b)",
        "title:zebra",
        "*",
        "-drought",
        "^drought",
        "'; DROP TABLE articles; --",
        "\\",
        "%",
        "_",
        "<script>alert(1)</script>",
        "a:b:c",
        "(((",
        "{}[]",
        "NOT",
        "drought & | ! :*",
        "\u{0}",
        "😀",
        "ə",
        "Ω≈ç√",
    ];
    for q in hostile {
        let encoded: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let res = client.get(&format!("/search?q={encoded}")).await;
        assert_eq!(res.status, StatusCode::OK, "q={q:?}: {}", res.body);
        assert_lacks(&res.body, "<script>alert(1)</script>");
    }
    let long: String =
        url::form_urlencoded::byte_serialize("climate drought ".repeat(700).as_bytes()).collect();
    assert_eq!(
        client.get(&format!("/search?q={long}")).await.status,
        StatusCode::OK
    );
    let nothing = client.get("/search?q=qwertyuiopasdf").await;
    assert_contains(&nothing.body, "Nothing found");
    let empty = client.get("/search?q=").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(
        client.get("/search?q=drought&page=0").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        client.get("/search?q=drought&page=5").await.status,
        StatusCode::NOT_FOUND
    );
    // The index follows edits.
    let id: i32 = app.with_conn(|c| {
        articles_table::table
            .filter(articles_table::slug.eq("climate-conference-opens"))
            .select(articles_table::id)
            .first(c)
            .expect("id")
    });
    // Saved with a new text, past the admin area (as another instance would).
    let save_glaciers = |action: SaveAction| {
        let current = app.reload(id);
        app.with_conn(|c| {
            articles::update(
                c,
                id,
                current.version,
                &articles::check(
                    &ArticleInput {
                        title: current.title.clone(),
                        slug: current.slug.clone(),
                        summary: String::new(),
                        body: "<p>Now about glaciers.</p>".into(),
                        category_id: current.category_id,
                        tags: String::new(),
                    },
                    action,
                )
                .expect("checked"),
                current.author_id,
            )
            .map(|_| ())
            .expect("update")
        })
    };
    save_glaciers(SaveAction::Publish);
    // Written past the admin area (as another instance would): kept search pages show it
    // once they are older than the caches' time to live.
    app.state.clock.advance(std::time::Duration::from_secs(
        chronicle::web::live::cache::TTL_SECS as u64 + 1,
    ));
    assert_contains(&client.get("/search?q=drought").await.body, "Nothing found");
    assert_eq!(
        card_titles(&client.get("/search?q=glaciers").await.body),
        ["Climate conference opens"]
    );
    // Taken back to draft, published again, deleted: the index holds published ones only.
    for (action, found) in [
        (Some(SaveAction::Draft), false),
        (Some(SaveAction::Publish), true),
        (None, false),
    ] {
        match action {
            Some(action) => save_glaciers(action),
            None => app.with_conn(|c| {
                articles::delete(c, id).expect("delete");
            }),
        }
        app.state.clock.advance(std::time::Duration::from_secs(
            chronicle::web::live::cache::TTL_SECS as u64 + 1,
        ));
        let titles = card_titles(&client.get("/search?q=glaciers").await.body);
        assert_eq!(titles.len(), usize::from(found), "{action:?}: {titles:?}");
    }
    // Words match the text, never the language; and the language is matched whole: a report
    // in en-GB is not in the results of an "en" site.
    assert_contains(&client.get("/search?q=lang").await.body, "Nothing found");
    let author = app.user(Role::Editor);
    let volcano = app.article(&author, "Volcano expedition returns", SaveAction::Publish);
    assert_eq!(
        card_titles(&client.get("/search?q=volcano").await.body),
        ["Volcano expedition returns"]
    );
    app.with_conn(|c| {
        diesel::update(articles_table::table.find(volcano.id))
            .set(articles_table::language.eq(format!("{}-GB", app.settings.language)))
            .execute(c)
            .expect("language")
    });
    app.state.clock.advance(std::time::Duration::from_secs(
        chronicle::web::live::cache::TTL_SECS as u64 + 1,
    ));
    assert_contains(&client.get("/search?q=volcano").await.body, "Nothing found");
}

async fn unpublished_reports_appear_nowhere(app: TestApp) {
    world(&app);
    let client = app.client();
    for path in [
        "/",
        "/category/events",
        "/category/research",
        "/tag/climate",
        "/tag/conference",
        "/archive",
        "/archive/2030/01",
        "/feed.xml",
        "/atom.xml",
        "/category/events/feed.xml",
        "/category/research/atom.xml",
        "/sitemap.xml",
        "/search?q=zebra",
        "/search?q=SECRETDRAFT",
        "/news/climate-conference-opens",
        "/no-such-page",
    ] {
        let res = client.get(path).await;
        // A search page repeats the query itself; what matters there is the results.
        let shown = if path.starts_with("/search") {
            card_titles(&res.body).join("\n")
        } else {
            res.body
        };
        assert_lacks(&shown, "SECRETDRAFT");
        assert_lacks(&shown, "SECRETSCHEDULED");
    }
    assert_eq!(
        client.get("/news/secretdraft-zebra-report").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.get("/news/secretscheduled-zebra-plan").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn head_and_conditional_requests(app: TestApp) {
    world(&app);
    let client = app.client();
    let id: i32 = app.with_conn(|c| {
        articles_table::table
            .filter(articles_table::slug.eq("climate-conference-opens"))
            .select(articles_table::id)
            .first(c)
            .expect("id")
    });
    for path in [
        "/",
        "/news/climate-conference-opens",
        "/feed.xml",
        "/sitemap.xml",
        "/robots.txt",
        "/archive",
    ] {
        let res = client.head(path).await;
        assert_eq!(res.status, StatusCode::OK, "HEAD {path}");
        assert!(res.body.is_empty(), "HEAD {path} has no body");
    }
    assert_eq!(
        client.head("/news/nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.reload(id).view_count, 0, "HEAD is not a view");

    let first = client.get("/").await;
    let etag = first.header("etag").expect("etag");
    let again = client.get_with("/", &[("If-None-Match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let other = client
        .get_with("/", &[("If-None-Match", "W/\"something-else\"")])
        .await;
    assert_eq!(other.status, StatusCode::OK);

    let feed = client.get("/feed.xml").await;
    let modified = feed.header("last-modified").expect("last-modified");
    assert_eq!(
        client
            .get_with("/feed.xml", &[("If-Modified-Since", &modified)])
            .await
            .status,
        StatusCode::NOT_MODIFIED
    );
    let feed_etag = feed.header("etag").expect("etag");
    assert_eq!(
        client
            .get_with("/feed.xml", &[("If-None-Match", &feed_etag)])
            .await
            .status,
        StatusCode::NOT_MODIFIED
    );
    // Staff pages are never cached.
    let (staff, _) = app.signed_in(Role::Editor).await;
    let admin = staff.get("/admin").await;
    assert!(admin.header("etag").is_none());
    assert_eq!(admin.header("cache-control").as_deref(), Some("no-store"));
}

async fn pages_are_compressed(app: TestApp) {
    world(&app);
    let client = app.client();
    for encoding in ["gzip", "br"] {
        let res = client
            .get_bytes("/", &[("Accept-Encoding", encoding)])
            .await;
        assert_eq!(res.header("content-encoding").as_deref(), Some(encoding));
    }
}

async fn static_pages_appear_in_the_menu(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let form = editor.get("/admin/pages/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let res = editor
        .post_form(
            "/admin/pages",
            &PageForm::new()
                .csrf(&csrf)
                .title("About the Institute")
                .body("We study <script>x()</script>the Caspian.")
                .position("1")
                .in_menu()
                .published(),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let home = app.client().get("/").await;
    assert_contains(
        &home.body,
        r#"<a href="/about-the-institute">About the Institute</a>"#,
    );
    let page = app.client().get("/about-the-institute").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_contains(&page.body, "<h1>About the Institute</h1>");
    assert_contains(&page.body, "the Caspian.");
    assert_lacks(&page.body, "x()");
    let res = editor
        .post_form(
            "/admin/pages",
            &PageForm::new()
                .csrf(&csrf)
                .title("Sneaky")
                .slug("admin")
                .body("")
                .position(""),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "used by the site itself");
    let res = editor
        .post_form(
            "/admin/pages",
            &PageForm::new().csrf(&csrf).title("Hidden").position("2"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.client().get("/hidden").await.status,
        StatusCode::NOT_FOUND
    );
    assert_lacks(&app.client().get("/").await.body, "/hidden");
    // Delete asks first, then removes it from the site and the menu.
    let list = editor.get("/admin/pages").await;
    let href = {
        let doc = Html::parse_document(&list.body);
        select(&doc, ".title-cell a")[0]
            .value()
            .attr("href")
            .expect("href")
            .to_owned()
    };
    let id = href
        .trim_start_matches("/admin/pages/")
        .trim_end_matches("/edit")
        .to_owned();
    let confirm = editor.get(&format!("/admin/pages/{id}/delete")).await;
    assert_contains(&confirm.body, "Do you really want to delete");
    let res = editor.confirm(&format!("/admin/pages/{id}/delete")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.client().get("/about-the-institute").await.status,
        StatusCode::NOT_FOUND
    );
    // Authors do not manage pages.
    let (author, _) = app.signed_in(Role::Author).await;
    assert_eq!(
        author.get("/admin/pages").await.status,
        StatusCode::FORBIDDEN
    );
    let res = author
        .post_form(
            "/admin/pages",
            &PageForm::new()
                .csrf(&author.csrf().await)
                .title("Author page")
                .without("slug")
                .without("body")
                .without("position"),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

async fn site_settings_are_for_administrators(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    assert_eq!(
        editor.get("/admin/settings").await.status,
        StatusCode::FORBIDDEN
    );
    let res = editor
        .post_form(
            "/admin/settings",
            &[("csrf_token", &editor.csrf().await), ("name", "Hijacked")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let (admin, _) = app.signed_in(Role::Admin).await;
    let form = admin.get("/admin/settings").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let res = admin
        .post_form(
            "/admin/settings",
            &[
                ("csrf_token", &csrf),
                ("name", ""),
                ("contact_email", "not an email"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "Enter the site&#39;s name.");
    let res = admin
        .post_form(
            "/admin/settings",
            &[
                ("csrf_token", &csrf),
                ("name", "Institute of Geography"),
                ("tagline", "Research news since 1945"),
                ("logo_text", "IG"),
                ("footer_text", "A research institute."),
                ("contact_email", "press@geo.example.edu"),
                ("contact_phone", "+994 12 000 00 00"),
                ("contact_address", "115 Science Avenue, Baku"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let home = app.client().get("/").await;
    assert_contains(
        &home.body,
        "<title>Latest reports · Institute of Geography</title>",
    );
    assert_contains(&home.body, "Research news since 1945");
    assert_contains(&home.body, ">IG</span>");
    assert_contains(&home.body, "mailto:press@geo.example.edu");
    assert_contains(&home.body, "115 Science Avenue, Baku");
    let doc = Html::parse_document(&home.body);
    assert_eq!(
        meta(&doc, "property", "og:site_name").as_deref(),
        Some("Institute of Geography")
    );
}

async fn not_found_page_offers_a_way_on(app: TestApp) {
    world(&app);
    // The latest reports come from the site view, which every instance refreshes every two
    // seconds: wait (a bounded number of times) for this one to pick them up.
    let mut res = app.client().get("/news/missing-report").await;
    for _ in 0..50 {
        if res.body.contains("Climate conference opens") {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
        res = app.client().get("/news/missing-report").await;
    }
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_contains(&res.body, r#"action="/search""#);
    assert_contains(
        &res.body,
        r#"<a href="/news/climate-conference-opens">Climate conference opens</a>"#,
    );
    assert_contains(
        &res.body,
        r#"<meta name="robots" content="noindex, nofollow">"#,
    );
}

/// A category page is kept (the category is looked up only when it is loaded): a rename
/// written past this instance's admin area shows once the kept page is older than the time
/// to live; a missing category is a 404 every time.
async fn category_pages_are_kept_for_a_moment(app: TestApp) {
    world(&app);
    let client = app.client();
    let first = client.get("/category/events").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_contains(&first.body, "Ceremonies and meetings.");
    app.with_conn(|c| {
        use chronicle::db::schema::categories as cats;
        diesel::update(cats::table.filter(cats::slug.eq("events")))
            .set(cats::description.eq("Gatherings of every kind."))
            .execute(c)
            .expect("rename")
    });
    let kept = client.get("/category/events").await;
    assert_contains(&kept.body, "Ceremonies and meetings.");
    app.state.clock.advance(std::time::Duration::from_secs(
        chronicle::web::live::cache::TTL_SECS as u64 + 1,
    ));
    let fresh = client.get("/category/events").await;
    assert_contains(&fresh.body, "Gatherings of every kind.");
    for _ in 0..2 {
        assert_eq!(
            client.get("/category/no-such-category").await.status,
            StatusCode::NOT_FOUND
        );
    }
}
