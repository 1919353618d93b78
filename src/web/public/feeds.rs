//! Feeds (RSS 2.0 and Atom, for the site and per category), the sitemap, and robots.txt.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;

use crate::content::articles::ArticleWithNames;
use crate::content::listing::{self, Listing};
use crate::content::{categories, pages, slug};
use crate::web::AppState;
use crate::web::error::AppError;

/// Items in a feed.
pub const FEED_SIZE: i64 = 20;

pub struct FeedItem {
    pub title: String,
    pub url: String,
    /// Stable across slug changes.
    pub guid: String,
    pub summary: String,
    pub body_html: String,
    pub author: String,
    pub category: Option<String>,
    pub published_rfc2822: String,
    pub published_rfc3339: String,
    pub updated_rfc3339: String,
}

#[derive(Template)]
#[template(path = "feeds/rss.xml")]
struct Rss {
    title: String,
    description: String,
    language: String,
    site_url: String,
    self_url: String,
    updated_rfc2822: String,
    items: Vec<FeedItem>,
}

#[derive(Template)]
#[template(path = "feeds/atom.xml")]
struct Atom {
    title: String,
    subtitle: String,
    language: String,
    site_url: String,
    self_url: String,
    updated_rfc3339: String,
    items: Vec<FeedItem>,
}

struct Feed {
    title: String,
    description: String,
    page_path: String,
    feed_path: String,
    listing: Listing,
}

fn rfc2822(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc2822()
}

fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn item(state: &AppState, i: &ArticleWithNames) -> FeedItem {
    let a = &i.article;
    let published = a.published_at.unwrap_or(a.created_at);
    FeedItem {
        title: a.title.clone(),
        url: state.settings.absolute(&format!("/news/{}", a.slug)),
        guid: format!("{}#article-{}", state.settings.absolute("/news"), a.id),
        summary: a.summary.clone(),
        body_html: a.body_html.clone(),
        author: i.author_name.clone(),
        category: i.category_name.clone(),
        published_rfc2822: rfc2822(published),
        published_rfc3339: rfc3339(published),
        updated_rfc3339: rfc3339(a.updated_at),
    }
}

async fn load(
    state: &AppState,
    listing: Listing,
) -> Result<(Vec<FeedItem>, NaiveDateTime), AppError> {
    let language = state.settings.language.clone();
    let items = state
        .db(move |conn| Ok(listing::page(conn, &language, listing, FEED_SIZE, 0)?))
        .await?;
    let updated = items
        .iter()
        .map(|i| i.article.updated_at)
        .max()
        .unwrap_or_else(|| chrono::DateTime::UNIX_EPOCH.naive_utc());
    Ok((items.iter().map(|i| item(state, i)).collect(), updated))
}

fn xml(mime: &str, body: String, last_modified: NaiveDateTime) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(mime)
        .insert_header((
            header::LAST_MODIFIED,
            last_modified
                .and_utc()
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string(),
        ))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body)
}

async fn rss(state: &AppState, feed: Feed) -> Result<HttpResponse, AppError> {
    let (items, updated) = load(state, feed.listing).await?;
    let body = Rss {
        title: feed.title,
        description: feed.description,
        language: state.settings.language.clone(),
        site_url: state.settings.absolute(&feed.page_path),
        self_url: state.settings.absolute(&feed.feed_path),
        updated_rfc2822: rfc2822(updated),
        items,
    }
    .render()?;
    Ok(xml("application/rss+xml; charset=utf-8", body, updated))
}

async fn atom(state: &AppState, feed: Feed) -> Result<HttpResponse, AppError> {
    let (items, updated) = load(state, feed.listing).await?;
    let body = Atom {
        title: feed.title,
        subtitle: feed.description,
        language: state.settings.language.clone(),
        site_url: state.settings.absolute(&feed.page_path),
        self_url: state.settings.absolute(&feed.feed_path),
        updated_rfc3339: rfc3339(updated),
        items,
    }
    .render()?;
    Ok(xml("application/atom+xml; charset=utf-8", body, updated))
}

fn site_feed(state: &AppState, path: &str) -> Feed {
    let site = state.site();
    Feed {
        title: site.settings.name.clone(),
        description: if site.settings.tagline.is_empty() {
            format!("News and event reports from {}", site.settings.name)
        } else {
            site.settings.tagline.clone()
        },
        page_path: "/".to_owned(),
        feed_path: path.to_owned(),
        listing: Listing::All,
    }
}

pub async fn site_rss(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let feed = site_feed(&state, "/feed.xml");
    rss(&state, feed).await
}

pub async fn site_atom(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let feed = site_feed(&state, "/atom.xml");
    atom(&state, feed).await
}

async fn category_feed(state: &AppState, wanted: String, file: &str) -> Result<Feed, AppError> {
    if !slug::is_valid(&wanted) {
        return Err(AppError::NotFound);
    }
    let language = state.settings.language.clone();
    let cat = state
        .db(move |conn| Ok(categories::find_by_slug(conn, &language, &wanted)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let site = state.site();
    Ok(Feed {
        title: format!("{}: {}", site.settings.name, cat.name),
        description: if cat.description.is_empty() {
            format!("Reports in {}", cat.name)
        } else {
            cat.description.clone()
        },
        page_path: format!("/category/{}", cat.slug),
        feed_path: format!("/category/{}/{file}", cat.slug),
        listing: Listing::Category(cat.id),
    })
}

pub async fn category_rss(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let feed = category_feed(&state, path.into_inner(), "feed.xml").await?;
    rss(&state, feed).await
}

pub async fn category_atom(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let feed = category_feed(&state, path.into_inner(), "atom.xml").await?;
    atom(&state, feed).await
}

pub struct SitemapUrl {
    pub loc: String,
    pub lastmod: Option<String>,
}

#[derive(Template)]
#[template(path = "feeds/sitemap.xml")]
struct Sitemap {
    urls: Vec<SitemapUrl>,
}

#[derive(Template)]
#[template(path = "feeds/sitemap_index.xml")]
struct SitemapIndex {
    sitemaps: Vec<SitemapUrl>,
}

/// Home, archive, categories and static pages.
async fn site_urls(state: &AppState) -> Result<Vec<SitemapUrl>, AppError> {
    let language = state.settings.language.clone();
    let (cats, all_pages) = state
        .db(move |conn| {
            Ok((
                categories::list(conn, &language)?,
                pages::all(conn, &language)?,
            ))
        })
        .await?;
    let mut urls = vec![
        SitemapUrl {
            loc: state.settings.absolute("/"),
            lastmod: None,
        },
        SitemapUrl {
            loc: state.settings.absolute("/archive"),
            lastmod: None,
        },
    ];
    urls.extend(cats.iter().map(|c| SitemapUrl {
        loc: state.settings.absolute(&format!("/category/{}", c.slug)),
        lastmod: None,
    }));
    urls.extend(
        all_pages
            .iter()
            .filter(|p| p.published)
            .map(|p| SitemapUrl {
                loc: state.settings.absolute(&format!("/{}", p.slug)),
                lastmod: Some(rfc3339(p.updated_at)),
            }),
    );
    Ok(urls)
}

async fn article_urls(
    state: &AppState,
    limit: i64,
    offset: i64,
) -> Result<Vec<SitemapUrl>, AppError> {
    let language = state.settings.language.clone();
    let rows = state
        .db(move |conn| Ok(listing::sitemap_articles(conn, &language, limit, offset)?))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(s, updated)| SitemapUrl {
            loc: state.settings.absolute(&format!("/news/{s}")),
            lastmod: Some(rfc3339(updated)),
        })
        .collect())
}

fn sitemap_response(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body)
}

/// `sitemap.xml`: every public URL, or, past [`Settings::sitemap_chunk`] URLs, an index of
/// `sitemap-1.xml` (site pages) and `sitemap-2.xml`… (articles, a chunk each).
///
/// [`Settings::sitemap_chunk`]: crate::config::Settings::sitemap_chunk
pub async fn sitemap(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let chunk = state.settings.sitemap_chunk.max(1) as i64;
    let language = state.settings.language.clone();
    let (count, last) = state
        .db(move |conn| {
            Ok((
                listing::count(conn, &language, Listing::All)?,
                listing::last_change(conn, &language)?,
            ))
        })
        .await?;
    let mut urls = site_urls(&state).await?;
    if count + urls.len() as i64 <= chunk {
        urls.extend(article_urls(&state, chunk, 0).await?);
        return Ok(sitemap_response(Sitemap { urls }.render()?));
    }
    let lastmod = last.map(rfc3339);
    let chunks = (count + chunk - 1) / chunk;
    let sitemaps = (1..=chunks + 1)
        .map(|n| SitemapUrl {
            loc: state.settings.absolute(&format!("/sitemap-{n}.xml")),
            lastmod: lastmod.clone(),
        })
        .collect();
    Ok(sitemap_response(SitemapIndex { sitemaps }.render()?))
}

pub async fn sitemap_chunk(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let n: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    let chunk = state.settings.sitemap_chunk.max(1) as i64;
    let urls = match n {
        1 => site_urls(&state).await?,
        n if n >= 2 => article_urls(&state, chunk, (n - 2).saturating_mul(chunk)).await?,
        _ => return Err(AppError::NotFound),
    };
    if urls.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(sitemap_response(Sitemap { urls }.render()?))
}

pub async fn robots(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(format!(
            "User-agent: *\nDisallow: /admin\nDisallow: /search\n\nSitemap: {}\n",
            state.settings.absolute("/sitemap.xml")
        ))
}
