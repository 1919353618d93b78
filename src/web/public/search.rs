//! `/search?q=…`: full-text search with ranked, highlighted, paginated results.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use crate::content::search;
use crate::db::budget::BudgetError;
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
    /// Words past the first `max_terms` were ignored.
    cut: bool,
    max_terms: usize,
    /// One-letter words were left out.
    short_dropped: bool,
    /// The search ran past its time budget: no results, a message.
    too_slow: bool,
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
    let typed: String = query
        .q
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_QUERY_CHARS)
        .collect();
    let page = page_number(query.page.as_deref())?;
    // The words searched decide the page, not what was typed: words the search ignores make
    // no new cache entry, and junk shares one.
    let parsed = search::Query::parse(&typed);
    let q = parsed.text();
    // A popular search is answered from the cache like a listing page; a new one is kept too
    // (the cache is bounded).
    let key = format!("{page}/{}", parsed.key());
    let state = &state;
    let kept = live::cache::through(
        &state.caches.searches,
        &key,
        || state.clock.now(),
        || async move {
            let searched = !parsed.terms.is_empty();
            let language = state.settings.language.clone();
            let budget = state.settings.search_budget;
            let offset = (page - 1) * PAGE_SIZE;
            let words = parsed.clone();
            let found = if searched {
                state
                    .db(move |conn| {
                        match search::search(conn, &language, &words, PAGE_SIZE, offset, budget) {
                            Ok(found) => Ok(Some(found)),
                            Err(BudgetError::OverBudget) => {
                                log::warn!("search over its time budget: {:?}", words.text());
                                Ok(None)
                            }
                            Err(BudgetError::Database(e)) => Err(e.into()),
                        }
                    })
                    .await?
            } else {
                Some((Vec::new(), 0))
            };
            // Over budget: a normal page (200) that says so, kept like any result, so that
            // repeating a costly query costs nothing for a moment. Not 503: the site is
            // working, and the same query later would take as long again.
            let too_slow = found.is_none();
            let (hits, total) = found.unwrap_or_default();
            if searched && !too_slow && hits.is_empty() && page > 1 {
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
                cut: parsed.cut,
                max_terms: search::MAX_TERMS,
                short_dropped: parsed.short_dropped,
                too_slow,
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
