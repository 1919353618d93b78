//! Pages for visitors: the list of reports and the article page.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use crate::clock;
use crate::content::articles::{self, ArticleWithNames};
use crate::content::sanitize::SafeHtml;
use crate::content::slug;

use super::AppState;
use super::error::AppError;
use super::render::{Layout, render, views_label};

pub const PAGE_SIZE: i64 = 10;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/news/{slug}", web::get().to(article));
}

/// An article as a listing shows it.
pub struct Card {
    pub title: String,
    pub url: String,
    pub date: String,
    pub date_iso: String,
    pub summary: String,
    pub category: Option<String>,
    pub views: String,
}

impl Card {
    fn from(item: &ArticleWithNames, state: &AppState) -> Card {
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
            views: views_label(a.view_count),
        }
    }
}

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    layout: Layout,
    cards: Vec<Card>,
    page: i64,
    newer_url: Option<String>,
    older_url: Option<String>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

/// `?page=N`: absent means 1; anything but a positive whole number is a bad request.
fn page_number(raw: Option<&str>) -> Result<i64, AppError> {
    match raw {
        None | Some("") => Ok(1),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
            _ => Err(AppError::bad_request(
                "The page number must be a whole number from 1 up.",
            )),
        },
    }
}

fn page_url(page: i64) -> String {
    if page <= 1 {
        "/".to_owned()
    } else {
        format!("/?page={page}")
    }
}

pub async fn home(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = page_number(query.page.as_deref())?;
    let language = state.settings.language.clone();
    let offset = (page - 1) * PAGE_SIZE;
    let (items, total) = state
        .db(move |conn| {
            let items = articles::published_page(conn, &language, PAGE_SIZE, offset)?;
            let total = articles::count_published(conn, &language)?;
            Ok((items, total))
        })
        .await?;
    if items.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let title = if page > 1 {
        format!("Latest reports, page {page}")
    } else {
        "Latest reports".to_owned()
    };
    let description = format!("News and event reports from {}.", state.settings.site_name);
    let layout = Layout::public(&state, &title)
        .with_description(&description)
        .with_canonical(state.settings.absolute(&page_url(page)));
    render(&HomePage {
        layout,
        cards: items.iter().map(|i| Card::from(i, &state)).collect(),
        page,
        newer_url: (page > 1).then(|| page_url(page - 1)),
        older_url: (offset + PAGE_SIZE < total).then(|| page_url(page + 1)),
    })
}

/// A share link for one network.
pub struct ShareLink {
    pub network: &'static str,
    pub label: &'static str,
    pub href: String,
}

/// Everything but RFC 3986's unreserved characters is encoded in a query component.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn share_links(url: &str, title: &str) -> Vec<ShareLink> {
    let u = utf8_percent_encode(url, COMPONENT).to_string();
    let t = utf8_percent_encode(title, COMPONENT).to_string();
    vec![
        ShareLink {
            network: "facebook",
            label: "Facebook",
            href: format!("https://www.facebook.com/sharer/sharer.php?u={u}"),
        },
        ShareLink {
            network: "x",
            label: "X",
            href: format!("https://x.com/intent/post?url={u}&text={t}"),
        },
        ShareLink {
            network: "telegram",
            label: "Telegram",
            href: format!("https://t.me/share/url?url={u}&text={t}"),
        },
        ShareLink {
            network: "whatsapp",
            label: "WhatsApp",
            href: format!("https://wa.me/?text={t}%20{u}"),
        },
        ShareLink {
            network: "email",
            label: "Email",
            href: format!("mailto:?subject={t}&body={u}"),
        },
    ]
}

#[derive(Template)]
#[template(path = "public/article.html")]
struct ArticlePage {
    layout: Layout,
    title: String,
    summary: String,
    date: String,
    date_iso: String,
    views: String,
    author: String,
    category: Option<String>,
    body: SafeHtml,
    url: String,
    share: Vec<ShareLink>,
}

pub async fn article(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug_param = path.into_inner();
    if !slug::is_valid(&slug_param) {
        return Err(AppError::NotFound);
    }
    let language = state.settings.language.clone();
    let found = state
        .db(move |conn| {
            let Some(item) = articles::find_published(conn, &language, &slug_param)? else {
                return match articles::redirect_for(conn, &language, &slug_param)? {
                    Some(current) => Ok(Err(current)),
                    None => Err(AppError::NotFound),
                };
            };
            let views = articles::record_view(conn, item.article.id)?;
            Ok(Ok((item, views)))
        })
        .await?;
    let (item, views) = match found {
        Ok(found) => found,
        // An earlier slug of a renamed article: links never break.
        Err(current) => {
            return Ok(HttpResponse::MovedPermanently()
                .insert_header((header::LOCATION, format!("/news/{current}")))
                .finish());
        }
    };
    let a = &item.article;
    let tz = state.settings.timezone;
    let published = a.published_at.unwrap_or(a.created_at);
    let url = state.settings.absolute(&format!("/news/{}", a.slug));
    let layout = Layout::public(&state, &a.title)
        .with_description(&a.summary)
        .with_canonical(url.clone());
    render(&ArticlePage {
        layout,
        title: a.title.clone(),
        summary: a.summary.clone(),
        date: clock::long_date(published, tz),
        date_iso: clock::iso(published, tz),
        views: views_label(views),
        author: item.author_name.clone(),
        category: item.category_name.clone(),
        body: a.body(),
        share: share_links(&url, &a.title),
        url,
    })
}
