//! Pages for visitors: listings, the article page, search, static pages, feeds and crawl
//! files. Every route answers GET and HEAD.

pub mod article;
mod feeds;
mod listings;
mod pages;
mod search;

use actix_web::middleware::from_fn;
use actix_web::{guard, web};

use crate::clock;
use crate::content::articles::ArticleWithNames;

use super::AppState;
use super::error::AppError;
use super::rate_limit;
use super::render::views_label;

pub const PAGE_SIZE: i64 = 10;

use super::get_or_head as page;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The costly endpoints draw on per-client budgets (see `rate_limit`).
    cfg.route("/", page().to(listings::home))
        .route("/news/{slug}", page().to(article::show))
        .route("/category/{slug}", page().to(listings::category))
        .route(
            "/category/{slug}/feed.xml",
            page()
                .to(feeds::category_rss)
                .wrap(from_fn(rate_limit::feeds)),
        )
        .route(
            "/category/{slug}/atom.xml",
            page()
                .to(feeds::category_atom)
                .wrap(from_fn(rate_limit::feeds)),
        )
        .route("/tag/{slug}", page().to(listings::tag))
        .route("/archive", page().to(listings::archive_index))
        .route("/archive/{year}/{month}", page().to(listings::month))
        .route(
            "/search",
            page().to(search::results).wrap(from_fn(rate_limit::search)),
        )
        .route(
            "/feed.xml",
            page().to(feeds::site_rss).wrap(from_fn(rate_limit::feeds)),
        )
        .route(
            "/atom.xml",
            page().to(feeds::site_atom).wrap(from_fn(rate_limit::feeds)),
        )
        .route(
            "/sitemap.xml",
            page().to(feeds::sitemap).wrap(from_fn(rate_limit::feeds)),
        )
        .route(
            "/sitemap-{n}.xml",
            page()
                .to(feeds::sitemap_chunk)
                .wrap(from_fn(rate_limit::feeds)),
        )
        .route("/robots.txt", page().to(feeds::robots))
        .route("/preview/{token}", page().to(article::preview_by_token))
        .route(
            "/views/{id}",
            web::route()
                .guard(guard::Any(guard::Get()).or(guard::Post()))
                .to(super::views::beacon)
                .wrap(from_fn(rate_limit::beacon)),
        );
}

/// Static pages at `/{slug}`: registered after every other route so it never shadows one.
pub fn static_pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/{slug}", page().to(pages::show));
}

/// An article as listings show it.
pub struct Card {
    pub title: String,
    pub url: String,
    pub date: String,
    pub date_iso: String,
    pub summary: String,
    pub category: Option<String>,
    pub category_url: Option<String>,
    /// The featured image.
    pub image: Option<crate::media::library::Picture>,
    pub views: String,
}

impl Card {
    pub fn from(item: &ArticleWithNames, state: &AppState) -> Card {
        let a = &item.article;
        let published = a.published_at.unwrap_or(a.created_at);
        let tz = state.settings.timezone;
        Card {
            title: a.title.clone(),
            url: format!("/news/{}", a.slug),
            date: clock::long_date(published, tz),
            date_iso: clock::iso(published, tz),
            summary: a.summary.clone(),
            category: item.category_name.clone(),
            category_url: item
                .category_slug
                .as_ref()
                .map(|s| format!("/category/{s}")),
            image: None,
            views: views_label(
                a.view_count + i64::try_from(state.views.pending_of(a.id)).unwrap_or(0),
            ),
        }
    }
}

/// The featured images of the articles behind a list of cards, by media id.
pub type CardPictures = std::collections::HashMap<i32, crate::media::library::Picture>;

pub async fn card_pictures<'a>(
    state: &AppState,
    items: impl IntoIterator<Item = &'a ArticleWithNames>,
) -> Result<CardPictures, AppError> {
    let ids: Vec<i32> = items
        .into_iter()
        .filter_map(|i| i.article.featured_media_id)
        .collect();
    if ids.is_empty() {
        return Ok(CardPictures::new());
    }
    state
        .db(move |conn| Ok(crate::media::library::pictures(conn, &ids)?))
        .await
}

impl Card {
    /// The card with its article's featured image, if it has one.
    pub fn with_picture(mut self, item: &ArticleWithNames, pictures: &CardPictures) -> Card {
        self.image = item
            .article
            .featured_media_id
            .and_then(|id| pictures.get(&id).cloned());
        self
    }
}
