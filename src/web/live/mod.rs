//! The live public page: how an article, listing or search page is answered at tens of
//! thousands of requests a second on two cores.
//!
//! Why it exists. The benchmark profile of 2026-11-25 (`perf record -g`, `bench/README.md`)
//! put about 40 % of the server's CPU into compressing each ~10 KB page for every request,
//! and the rest largely into rendering it again; the article page then managed 7 % of the
//! static ceiling, and the target is at least half of it (p99 under 5 ms at 64 clients). So a
//! public page is rendered and compressed once per cache fill, and a request only splices the
//! figures of the moment (view counts) into the kept parts.
//!
//! How one request goes, through [`answer`] (the one entry point every live page uses):
//! 1. The handler finds its [`Kept`] page through [`cache::through`] in [`Caches`]: fresh for
//!    [`cache::TTL_SECS`], else loaded once however many requests ask (the others wait or
//!    use the old copy). Every write in the admin area of this instance
//!    ([`forget_after_writes`]) and scheduled publishing empty the caches.
//! 2. The page was rendered with [`spliced::mark`] where each view count goes and split into
//!    parts, each compressed on its own ([`gzip::Parts`]): a count goes between two parts as a
//!    stored DEFLATE block, and the CRC-32 is combined, so no byte of the page is compressed
//!    again.
//! 3. [`Counts`] turns the stored counts kept with the page into the counts of now: plus what
//!    this instance wrote since and has not written yet ([`AppState::views_shown`]), plus one
//!    for this request if it is a view that will count.
//! 4. The counts make the `ETag` with the page's hash; a client that has that very version
//!    (`If-None-Match`, actix's typed header) gets `304` and counts nothing.
//! 5. Otherwise the request's [`Visit`] (a reader's GET of an article, decided by the handler)
//!    is left in the request's extensions, and the `count_views` middleware
//!    ([`crate::web::views::count_views`], wrapped outside the conditional middleware) counts
//!    it once the final status is known to be `200`. The body goes out gzip-compressed when
//!    `Accept-Encoding` (typed) takes gzip; the compression middleware leaves an encoded body
//!    alone.

pub mod cache;
pub mod gzip;
pub mod spliced;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};

use crate::content::articles::ArticleWithNames;
use crate::stats::counter::Visit;

use self::cache::Cache;
use self::spliced::Spliced;
use super::AppState;

/// The view counts of a kept page: each article's stored count when the page was loaded and
/// this instance's written views of it just before (see [`AppState::views_shown`]).
pub struct Counts(Vec<(i32, i64, u64)>);

impl Counts {
    /// No figures (a search page).
    pub fn none() -> Counts {
        Counts(Vec::new())
    }

    /// Call after the articles' stored counts were read: a batch written in between then
    /// shows a moment late, never twice (see [`AppState::views_shown`]).
    pub fn of(state: &AppState, items: &[ArticleWithNames]) -> Counts {
        Counts(
            items
                .iter()
                .map(|i| {
                    (
                        i.article.id,
                        i.article.view_count,
                        state.views.written_of(i.article.id),
                    )
                })
                .collect(),
        )
    }

    /// The count of one article, whose stored count was read after `written_then`.
    pub fn one(article_id: i32, stored: i64, written_then: u64) -> Counts {
        Counts(vec![(article_id, stored, written_then)])
    }

    /// The article of a page kept with one count (an article page).
    pub fn article(&self) -> Option<i32> {
        match self.0.as_slice() {
            [(id, _, _)] => Some(*id),
            _ => None,
        }
    }

    /// "948 views" for each, as of now; `visit` adds one to its article if it will count.
    fn labels(&self, state: &AppState, visit: Option<&Visit>) -> Vec<String> {
        let counted = visit
            .filter(|v| state.views.would_count(v, state.clock.now()))
            .map(|v| v.article_id);
        self.0
            .iter()
            .map(|&(id, stored, written_then)| {
                let shown = state.views_shown(id, stored, written_then);
                let shown = if counted == Some(id) {
                    shown + 1
                } else {
                    shown
                };
                crate::web::render::views_label(shown)
            })
            .collect()
    }
}

/// A page rendered once with a mark per count, and the counts that go there.
pub struct Kept {
    pub page: Spliced,
    pub counts: Counts,
}

/// What a published slug leads to.
pub enum KeptArticle {
    Page(Kept),
    /// An earlier slug of a renamed article: the current one.
    Moved(String),
}

/// The caches of live pages.
pub struct Caches {
    /// Article pages by slug (published articles only).
    pub articles: Cache<KeptArticle>,
    /// Listing pages by listing and page number.
    pub listings: Cache<Kept>,
    /// Search result pages by query and page number.
    pub searches: Cache<Kept>,
}

impl Default for Caches {
    fn default() -> Self {
        // A kept page is about 15–30 KB, its compressed copy included.
        Caches {
            articles: Cache::bounded(cache::MAX_ENTRIES),
            listings: Cache::bounded(500),
            searches: Cache::bounded(200),
        }
    }
}

impl Caches {
    /// How many times the caches have been emptied (they are emptied together).
    pub fn generation(&self) -> u64 {
        self.articles.generation()
    }

    pub fn clear(&self) {
        self.articles.clear();
        self.listings.clear();
        self.searches.clear();
    }
}

/// The answer to `req` from `kept`, with the counts of now: `304` if the client has this very
/// version, else the page (compressed where the client takes it). `visit` is this request's
/// view, if it is one; it is counted only when the answer is the page.
pub fn answer(
    req: &HttpRequest,
    state: &AppState,
    kept: &Kept,
    visit: Option<Visit>,
) -> HttpResponse {
    let figures = kept.counts.labels(state, visit.as_ref());
    let etag = kept.page.etag(&figures);
    // The `conditional` middleware leaves responses that carry their own ETag alone.
    if spliced::fresh(req, &etag) {
        return spliced::not_modified(etag);
    }
    if let Some(visit) = visit {
        req.extensions_mut().insert(visit);
    }
    kept.page.respond(req, &figures, etag)
}

/// Middleware of the admin area: whatever a write changed, the caches forget everything.
pub async fn forget_after_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // The edit page's presence heartbeat writes nothing a visitor sees.
    let writes =
        !matches!(*req.method(), Method::GET | Method::HEAD) && !req.path().ends_with("/presence");
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await?;
    // Only a staff member's CSRF-checked form that went through empties them: an anonymous
    // POST, a refused one or one to an unknown address costs the site no cache.
    let wrote = writes
        && res.status().as_u16() < 400
        && res
            .request()
            .extensions()
            .contains::<crate::web::auth::CheckedForm>();
    if wrote && let Some(state) = state {
        state.caches.clear();
    }
    Ok(res)
}
