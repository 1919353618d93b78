//! Lists of reports: the home page, a category, a tag, a month, and the archive index.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, Offset, TimeZone};
use serde::Deserialize;

use crate::content::articles::ArticleWithNames;
use crate::content::listing::{self, Listing};
use crate::content::{categories, slug, tags};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::live::spliced::{self, Spliced};
use crate::web::live::{self, Counts, Kept};
use crate::web::render::{FeedLink, Layout, render};

use super::{Card, PAGE_SIZE};
use crate::web::pager::{Pager, page_number};

#[derive(Template)]
#[template(path = "public/listing.html")]
struct ListingPage {
    layout: Layout,
    heading: String,
    intro: String,
    /// Page 2 and later say so under the heading.
    page: i64,
    cards: Vec<Card>,
    pager: Option<Pager>,
    empty_message: String,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

/// What differs between listings.
struct ListingSpec {
    listing: Listing,
    path: String,
    heading: String,
    intro: String,
    description: String,
    feeds: Vec<FeedLink>,
    empty_message: String,
}

/// A page of the listing that `spec` loads (a category or tag is looked up only when the page
/// is not kept), kept under `path` and the page number.
async fn show<F, Fut>(
    req: &HttpRequest,
    state: &AppState,
    path: &str,
    raw_page: Option<&str>,
    spec: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<ListingSpec, AppError>>,
{
    let page = page_number(raw_page)?;
    let language = state.settings.language.clone();
    let offset = (page - 1) * PAGE_SIZE;
    let key = format!("{path}?page={page}");
    let kept = live::cache::through(
        &state.caches.listings,
        &key,
        || state.clock.now(),
        || async move {
            let spec = spec().await?;
            let listing = spec.listing;
            let (items, total) = state
                .db(move |conn| {
                    let items = listing::page(conn, &language, listing, PAGE_SIZE, offset)?;
                    let total = listing::count(conn, &language, listing)?;
                    Ok((items, total))
                })
                .await?;
            if items.is_empty() && page > 1 {
                return Err(AppError::NotFound);
            }
            let pictures = super::card_pictures(state, &items).await?;
            let counts = Counts::of(state, &items);
            let html = page_html(state, spec, page, &items, total, &pictures)?;
            Ok(Kept {
                page: Spliced::new(&html, items.len())?,
                counts,
            })
        },
    )
    .await?;
    Ok(live::answer(req, state, &kept, None))
}

/// The HTML of a listing page, with a mark for each card's view count.
fn page_html(
    state: &AppState,
    spec: ListingSpec,
    page: i64,
    items: &[ArticleWithNames],
    total: i64,
    pictures: &super::CardPictures,
) -> Result<String, AppError> {
    let title = if page > 1 {
        format!("{}, page {page}", spec.heading)
    } else {
        spec.heading.clone()
    };
    let canonical = if page > 1 {
        format!("{}?page={page}", spec.path)
    } else {
        spec.path.clone()
    };
    let mut layout = Layout::public(state, &title)
        .with_description(&spec.description)
        .with_canonical(state.settings.absolute(&canonical))
        .with_site_preview(state);
    layout.feeds.extend(spec.feeds);
    Ok(ListingPage {
        layout,
        heading: spec.heading,
        intro: spec.intro,
        page,
        cards: items
            .iter()
            .map(|i| {
                let mut card = Card::from(i, state).with_picture(i, pictures);
                card.views = spliced::mark().to_owned();
                card
            })
            .collect(),
        pager: Pager::new(&spec.path, page, total, PAGE_SIZE),
        empty_message: spec.empty_message,
    }
    .render()?)
}

pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let site = state.site();
    let name = &site.settings.name;
    let spec = ListingSpec {
        listing: Listing::All,
        path: "/".to_owned(),
        heading: "Latest reports".to_owned(),
        intro: String::new(),
        description: if site.settings.tagline.is_empty() {
            format!("News and event reports from {name}.")
        } else {
            site.settings.tagline.clone()
        },
        feeds: Vec::new(),
        empty_message: "No reports have been published yet.".to_owned(),
    };
    show(&req, &state, "/", query.page.as_deref(), || async {
        Ok(spec)
    })
    .await
}

pub async fn category(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let wanted = path.into_inner();
    if !slug::is_valid(&wanted) {
        return Err(AppError::NotFound);
    }
    let path = format!("/category/{wanted}");
    let state = &state;
    show(&req, state, &path, query.page.as_deref(), || async move {
        let language = state.settings.language.clone();
        let cat = state
            .db(move |conn| Ok(categories::find_by_slug(conn, &language, &wanted)?))
            .await?
            .ok_or(AppError::NotFound)?;
        let base = format!("/category/{}", cat.slug);
        Ok(ListingSpec {
            listing: Listing::Category(cat.id),
            heading: cat.name.clone(),
            intro: cat.description.clone(),
            description: if cat.description.is_empty() {
                format!("Reports in {}.", cat.name)
            } else {
                cat.description.clone()
            },
            feeds: vec![
                FeedLink {
                    title: format!("{} (RSS)", cat.name),
                    url: state.settings.absolute(&format!("{base}/feed.xml")),
                    mime: "application/rss+xml",
                },
                FeedLink {
                    title: format!("{} (Atom)", cat.name),
                    url: state.settings.absolute(&format!("{base}/atom.xml")),
                    mime: "application/atom+xml",
                },
            ],
            empty_message: "Nothing has been published in this category yet.".to_owned(),
            path: base,
        })
    })
    .await
}

pub async fn tag(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let wanted = path.into_inner();
    if !slug::is_valid(&wanted) {
        return Err(AppError::NotFound);
    }
    let path = format!("/tag/{wanted}");
    let state = &state;
    show(&req, state, &path, query.page.as_deref(), || async move {
        let language = state.settings.language.clone();
        let found = state
            .db(move |conn| Ok(tags::find_by_slug(conn, &language, &wanted)?))
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(ListingSpec {
            listing: Listing::Tag(found.id),
            path: format!("/tag/{}", found.slug),
            heading: format!("Tagged “{}”", found.name),
            intro: String::new(),
            description: format!("Reports tagged {}.", found.name),
            feeds: Vec::new(),
            empty_message: "Nothing published carries this tag yet.".to_owned(),
        })
    })
    .await
}

/// The UTC bounds of a month in the site's time zone.
fn month_bounds(
    tz: chrono_tz::Tz,
    year: i32,
    month: u32,
) -> Option<(chrono::NaiveDateTime, chrono::NaiveDateTime)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let start = tz
        .from_local_datetime(&first.and_hms_opt(0, 0, 0)?)
        .earliest()?;
    let end = tz
        .from_local_datetime(&next.and_hms_opt(0, 0, 0)?)
        .earliest()?;
    Some((start.naive_utc(), end.naive_utc()))
}

pub fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("")
}

pub async fn month(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (y, m) = path.into_inner();
    let year: i32 = y.parse().map_err(|_| AppError::NotFound)?;
    let month: u32 = m.parse().map_err(|_| AppError::NotFound)?;
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || m.len() != 2 {
        return Err(AppError::NotFound);
    }
    let (from, to) =
        month_bounds(state.settings.timezone, year, month).ok_or(AppError::NotFound)?;
    let heading = format!("{} {year}", month_name(month));
    let spec = ListingSpec {
        listing: Listing::Period(from, to),
        path: format!("/archive/{year}/{m}"),
        description: format!("Reports published in {heading}."),
        heading,
        intro: String::new(),
        feeds: Vec::new(),
        empty_message: "Nothing was published in this month.".to_owned(),
    };
    let path = spec.path.clone();
    show(&req, &state, &path, query.page.as_deref(), || async {
        Ok(spec)
    })
    .await
}

pub struct YearGroup {
    pub year: String,
    /// (label, url, count)
    pub months: Vec<(String, String, i64)>,
}

#[derive(Template)]
#[template(path = "public/archive.html")]
struct ArchivePage {
    layout: Layout,
    years: Vec<YearGroup>,
}

pub async fn archive_index(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let language = state.settings.language.clone();
    let offset = chrono::Utc::now()
        .with_timezone(&state.settings.timezone)
        .offset()
        .fix()
        .local_minus_utc();
    let months = state
        .db(move |conn| Ok(listing::months(conn, &language, offset)?))
        .await?;
    let mut years: Vec<YearGroup> = Vec::new();
    for m in months {
        let Some((year, num)) = m.month.split_once('-') else {
            continue;
        };
        let label = month_name(num.parse().unwrap_or(0)).to_owned();
        let entry = (label, format!("/archive/{year}/{num}"), m.n);
        match years.last_mut() {
            Some(group) if group.year == year => group.months.push(entry),
            _ => years.push(YearGroup {
                year: year.to_owned(),
                months: vec![entry],
            }),
        }
    }
    let layout = Layout::public(&state, "Archive")
        .with_description("Every published report, month by month.")
        .with_canonical(state.settings.absolute("/archive"))
        .with_site_preview(&state);
    render(&ArchivePage { layout, years })
}
