//! The article page: the report itself, with everything around it that a reader and a link
//! preview expect.

use actix_web::http::{Method, header};
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::clock;
use crate::config::ViewCounting;
use crate::content::articles::{self, ArticleWithNames};
use crate::content::sanitize::SafeHtml;
use crate::content::{listing, previews, slug, tags};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::live::spliced::{self, Spliced};
use crate::web::live::{self, Counts, Kept, KeptArticle};
use crate::web::render::Link;
use crate::web::render::{Layout, SocialMeta, default_preview_image, json_for_script, views_label};

use super::Card;

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
            network: "linkedin",
            label: "LinkedIn",
            href: format!("https://www.linkedin.com/sharing/share-offsite/?url={u}"),
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

/// "1 min read" at 200 words a minute, never less than one.
pub fn reading_time(text: &str) -> String {
    let words = text.split_whitespace().count();
    let minutes = words.div_ceil(200).max(1);
    format!("{minutes} min read")
}

#[derive(Template)]
#[template(path = "public/article.html")]
struct ArticlePage {
    layout: Layout,
    /// Shown above a preview.
    preview: Option<String>,
    title: String,
    summary: String,
    date: String,
    date_iso: String,
    views: String,
    author: String,
    reading_time: String,
    category: Option<Link>,
    tags: Vec<Link>,
    body: SafeHtml,
    url: String,
    share: Vec<ShareLink>,
    older: Option<Link>,
    newer: Option<Link>,
    related: Vec<Card>,
    /// Counting by beacon: the URL the page asks once it is shown.
    beacon: Option<String>,
    featured: Option<crate::media::library::Picture>,
    gallery: Vec<crate::media::library::Picture>,
    attachments: Vec<crate::media::library::Attachment>,
    /// The gallery's lightbox script.
    gallery_js: String,
}

/// What an article page shows from the database (kept in the cache for a moment).
struct Loaded {
    item: ArticleWithNames,
    tags: Vec<tags::Tag>,
    older: Option<(String, String)>,
    newer: Option<(String, String)>,
    related: Vec<ArticleWithNames>,
    media: crate::media::library::ArticleMedia,
    related_pictures: super::CardPictures,
}

/// The article's images and files, and the featured images of its related reports.
fn load_media(
    conn: &mut crate::db::DbConn,
    item: &ArticleWithNames,
    related: &[ArticleWithNames],
) -> Result<(crate::media::library::ArticleMedia, super::CardPictures), AppError> {
    let a = &item.article;
    let media = crate::media::library::for_article(conn, a.id, a.featured_media_id)?;
    let ids: Vec<i32> = related
        .iter()
        .filter_map(|r| r.article.featured_media_id)
        .collect();
    Ok((media, crate::media::library::pictures(conn, &ids)?))
}

/// A description for previews: the summary, or the start of the text.
fn description_of(item: &ArticleWithNames) -> String {
    let a = &item.article;
    if !a.summary.trim().is_empty() {
        return a.summary.trim().to_owned();
    }
    let mut out: String = a.body_text.chars().take(200).collect();
    if a.body_text.chars().count() > 200 {
        if let Some(cut) = out.rfind(' ') {
            out.truncate(cut);
        }
        out.push('…');
    }
    out
}

/// A published article's page, rendered with a mark for its view count, and the count kept
/// with it (`written_then`: this instance's written views just before the stored count was
/// read).
fn kept_page(state: &AppState, loaded: &Loaded, written_then: u64) -> Result<Kept, AppError> {
    let id = loaded.item.article.id;
    let beacon =
        (state.settings.view_counting == ViewCounting::Beacon).then(|| format!("/views/{id}"));
    let html = page_html(state, loaded, spliced::mark().to_owned(), None, beacon)?;
    Ok(Kept {
        page: Spliced::new(&html, 1)?,
        counts: Counts::one(id, loaded.item.article.view_count, written_then),
    })
}

/// The page of a published slug: from the cache, else loaded and rendered.
async fn published_page(state: &AppState, wanted: String) -> Result<Arc<KeptArticle>, AppError> {
    let key = wanted.clone();
    live::cache::through(
        &state.caches.articles,
        &key,
        || state.clock.now(),
        || async move {
            let language = state.settings.language.clone();
            let found = state
                .db(move |conn| {
                    let Some(item) = articles::find_published(conn, &language, &wanted)? else {
                        return match articles::redirect_for(conn, &language, &wanted)? {
                            Some(current) => Ok(Err(current)),
                            None => Err(AppError::NotFound),
                        };
                    };
                    Ok(Ok(item))
                })
                .await?;
            let item = match found {
                Ok(item) => item,
                Err(current) => return Ok(KeptArticle::Moved(current)),
            };
            // Before the stored count is read again below: see `AppState::views_shown`.
            let written_then = state.views.written_of(item.article.id);
            let loaded = state
                .db(move |conn| {
                    // The count again, now that `written_then` is known to be no newer than it.
                    let item = articles::find_with_names(conn, item.article.id)?
                        .ok_or(AppError::NotFound)?;
                    let tags = tags::of_article(conn, item.article.id)?;
                    let (older, newer) = listing::neighbours(conn, &item.article)?;
                    let tag_ids: Vec<i32> = tags.iter().map(|t| t.id).collect();
                    let related = listing::related(conn, &item.article, &tag_ids, 3)?;
                    let (media, related_pictures) = load_media(conn, &item, &related)?;
                    Ok(Loaded {
                        item,
                        tags,
                        older,
                        newer,
                        related,
                        media,
                        related_pictures,
                    })
                })
                .await?;
            Ok(KeptArticle::Page(kept_page(state, &loaded, written_then)?))
        },
    )
    .await
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug_param = path.into_inner();
    if !slug::is_valid(&slug_param) {
        return Err(AppError::NotFound);
    }
    let found = published_page(&state, slug_param).await?;
    let (kept, id) = match found.as_ref() {
        KeptArticle::Page(kept) => (kept, kept.counts.article()),
        // An earlier slug of a renamed article: links never break.
        KeptArticle::Moved(current) => {
            return Ok(HttpResponse::MovedPermanently()
                .insert_header((header::LOCATION, format!("/news/{current}")))
                .finish());
        }
    };
    // HEAD asks about the page without reading it: not a view. Nor is counting by beacon.
    let visit = (state.settings.view_counting == ViewCounting::Server
        && req.method() == Method::GET)
        .then(|| id.and_then(|id| state.visit_of(&req, id)))
        .flatten();
    Ok(live::answer(&req, &state, kept, visit))
}

/// The HTML of the article page for `loaded`, with `views` as its view count. `preview` is the
/// notice a preview shows above the report (and makes the page `noindex`).
fn page_html(
    state: &AppState,
    loaded: &Loaded,
    views: String,
    preview: Option<String>,
    beacon: Option<String>,
) -> Result<String, AppError> {
    let is_preview = preview.is_some();
    let item = &loaded.item;
    let a = &item.article;
    let tz = state.settings.timezone;
    let published = a.published_at.unwrap_or(a.created_at);
    let url = state.settings.absolute(&format!("/news/{}", a.slug));
    let description = description_of(item);
    let site = state.site();
    let image = match &loaded.media.featured {
        Some(p) => crate::web::render::PreviewImage {
            url: state.settings.absolute(&p.full_url),
            width: p.full_width as u32,
            height: p.full_height as u32,
            alt: p.alt.clone(),
        },
        None => default_preview_image(state, &site.settings.name),
    };
    let own_image = loaded.media.featured.is_some();
    let tag_names: Vec<String> = loaded.tags.iter().map(|t| t.name.clone()).collect();
    let json_ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "description": description,
        "datePublished": clock::iso(published, tz),
        "dateModified": clock::iso(a.updated_at, tz),
        "inLanguage": a.language,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "image": [image.url],
        "author": [{"@type": "Person", "name": item.author_name}],
        "publisher": {
            "@type": "Organization",
            "name": site.settings.name,
            "url": state.settings.absolute("/"),
        },
        "articleSection": item.category_name,
        "keywords": tag_names.join(", "),
    });
    let mut layout = Layout::public(state, &a.title)
        .with_description(&description)
        .with_canonical(url.clone());
    layout.noindex = is_preview;
    layout.social = Some(SocialMeta {
        og_type: "article",
        title: a.title.clone(),
        description: description.clone(),
        url: url.clone(),
        image,
        own_image,
        published_time: Some(clock::iso(published, tz)),
        modified_time: Some(clock::iso(a.updated_at, tz)),
        section: item.category_name.clone(),
        tags: tag_names,
        json_ld: Some(json_for_script(&json_ld)),
    });
    let link = |(label, slug): &(String, String)| Link {
        label: label.clone(),
        url: format!("/news/{slug}"),
    };
    let html = ArticlePage {
        layout,
        preview,
        title: a.title.clone(),
        summary: a.summary.clone(),
        date: clock::long_date(published, tz),
        date_iso: clock::iso(published, tz),
        views,
        beacon,
        author: item.author_name.clone(),
        reading_time: reading_time(&a.body_text),
        category: item
            .category_name
            .clone()
            .zip(item.category_slug.clone())
            .map(|(label, s)| Link {
                label,
                url: format!("/category/{s}"),
            }),
        tags: loaded
            .tags
            .iter()
            .map(|t| Link {
                label: t.name.clone(),
                url: format!("/tag/{}", t.slug),
            })
            .collect(),
        body: a.body(),
        share: share_links(&url, &a.title),
        url,
        older: loaded.older.as_ref().map(link),
        newer: loaded.newer.as_ref().map(link),
        related: loaded
            .related
            .iter()
            .map(|r| Card::from(r, state).with_picture(r, &loaded.related_pictures))
            .collect(),
        featured: loaded.media.featured.clone(),
        gallery: loaded.media.gallery.clone(),
        attachments: loaded.media.attachments.clone(),
        gallery_js: state.assets.url("js/gallery.js"),
    }
    .render()?;
    Ok(html)
}

/// A preview page: the article as it will look, never indexed, never stored.
fn render_preview(
    state: &AppState,
    loaded: &Loaded,
    notice: String,
) -> Result<HttpResponse, AppError> {
    let views = views_label(loaded.item.article.view_count);
    let html = page_html(state, loaded, views, Some(notice), None)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("x-robots-tag", "noindex, nofollow"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html))
}

/// Loads any article (whatever its status) for a preview.
async fn load_any(state: &AppState, id: i32) -> Result<Loaded, AppError> {
    state
        .db(move |conn| {
            let item = articles::find_with_names(conn, id)?.ok_or(AppError::NotFound)?;
            let tags = tags::of_article(conn, id)?;
            let (media, related_pictures) = load_media(conn, &item, &[])?;
            Ok(Loaded {
                item,
                tags,
                older: None,
                newer: None,
                related: Vec::new(),
                media,
                related_pictures,
            })
        })
        .await
}

fn preview_notice(state: &AppState, loaded: &Loaded) -> String {
    let a = &loaded.item.article;
    match (a.status(), a.published_at) {
        (articles::Status::Published, _) => {
            "Preview: this report is published; this is how it looks.".to_owned()
        }
        (articles::Status::Scheduled, Some(at)) => format!(
            "Preview: this report is scheduled for {} and not yet public.",
            clock::short_date_time(at, state.settings.timezone)
        ),
        (status, _) => format!(
            "Preview: this report is not published ({}).",
            status.label().to_lowercase()
        ),
    }
}

/// The article exactly as it will look, for signed-in staff who may edit it.
pub async fn preview_for_staff(state: &AppState, id: i32) -> Result<HttpResponse, AppError> {
    let loaded = load_any(state, id).await?;
    let notice = preview_notice(state, &loaded);
    render_preview(state, &loaded, notice)
}

/// `/preview/{token}`: the same, for anyone holding a live secret link.
pub async fn preview_by_token(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    if token.len() != 48 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let id = state
        .db(move |conn| Ok(previews::article_for(conn, &token)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let loaded = load_any(&state, id).await?;
    let notice = preview_notice(&state, &loaded);
    render_preview(&state, &loaded, notice)
}

#[cfg(test)]
mod tests {
    use super::reading_time;

    #[test]
    fn reading_time_rounds_up_to_whole_minutes() {
        assert_eq!(reading_time(""), "1 min read");
        assert_eq!(reading_time(&"word ".repeat(200)), "1 min read");
        assert_eq!(reading_time(&"word ".repeat(201)), "2 min read");
    }
}
