//! `/search?q=…`: full-text search with ranked, highlighted, paginated results.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use crate::content::search;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::live::spliced::Spliced;
use crate::web::live::{self, Counts, Kept};
use crate::web::render::Layout;

use super::{Card, PAGE_SIZE};
use crate::web::pager::{Pager, page_number};

pub struct Result_ {
    pub card: Card,
    pub excerpt_html: String,
}

#[derive(Template)]
#[template(path = "public/search.html")]
struct SearchPage {
    layout: Layout,
    query: String,
    searched: bool,
    total: i64,
    /// More matches than are ranked ([`search::RANKED`]): "more than 1,000".
    more: bool,
    ranked: String,
    results: Vec<Result_>,
    pager: Option<Pager>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    page: Option<String>,
}

/// Longest query kept (in characters); the rest of a pasted essay is ignored.
const MAX_QUERY_CHARS: usize = 200;

pub async fn results(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let q: String = query
        .q
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_QUERY_CHARS)
        .collect::<String>()
        .trim()
        .to_owned();
    let page = page_number(query.page.as_deref())?;
    // A popular search is answered from the cache like a listing page; a new one is kept too
    // (the cache is bounded).
    let key = format!("{page}/{q}");
    let state = &state;
    let kept = live::cache::through(
        &state.caches.searches,
        &key,
        || state.clock.now(),
        || async move {
            let searched = !q.is_empty();
            let (hits, total) = if searched {
                let language = state.settings.language.clone();
                let text = q.clone();
                let offset = (page - 1) * PAGE_SIZE;
                state
                    .db(move |conn| Ok(search::search(conn, &language, &text, PAGE_SIZE, offset)?))
                    .await?
            } else {
                (Vec::new(), 0)
            };
            if searched && hits.is_empty() && page > 1 {
                return Err(AppError::NotFound);
            }
            let items: Vec<_> = hits.iter().map(|h| &h.item).collect();
            let title = if searched {
                format!("Search: {q}")
            } else {
                "Search".to_owned()
            };
            let mut layout = Layout::public(state, &title).with_description("Search the reports.");
            layout.noindex = true;
            layout.query = q.clone();
            let base = format!("/search?q={}", utf8_percent_encode(&q, NON_ALPHANUMERIC));
            layout.canonical = Some(state.settings.absolute(&base));
            let pictures = super::card_pictures(state, items).await?;
            let html = SearchPage {
                layout,
                searched,
                total,
                more: total > search::RANKED,
                ranked: crate::web::render::grouped(search::RANKED),
                results: hits
                    .into_iter()
                    .map(|h| Result_ {
                        card: Card::from(&h.item, state).with_picture(&h.item, &pictures),
                        excerpt_html: h.excerpt_html,
                    })
                    .collect(),
                pager: Pager::new(&base, page, total.min(search::RANKED), PAGE_SIZE),
                query: q,
            }
            .render()?;
            // Results show no view counts: nothing changes per request.
            Ok(Kept {
                page: Spliced::new(&html, 0)?,
                counts: Counts::none(),
            })
        },
    )
    .await?;
    Ok(live::answer(&req, state, &kept, None))
}
