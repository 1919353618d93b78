//! `GET /admin/media`: the library grid, filtered by kind, uploader and name, a page at a
//! time; the tiles the article picker shows too.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::permissions::Action;
use crate::media::inspect::size_label;
use crate::media::library::{self, Filter, Kind, Listed, Media};
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::Staff;
use crate::web::error::AppError;
use crate::web::pager::Pager;
use crate::web::render::{Layout, render};

const PAGE_SIZE: i64 = 24;

/// A file in the grid.
pub(super) struct Tile {
    pub(super) id: i32,
    pub(super) name: String,
    pub(super) alt: String,
    pub(super) is_image: bool,
    pub(super) thumb_url: String,
    pub(super) thumb_width: i32,
    pub(super) thumb_height: i32,
    pub(super) details: String,
    pub(super) uploader: String,
}

pub(super) fn tile(item: &Listed) -> Tile {
    let m = &item.media;
    let (thumb_url, thumb_width, thumb_height) = match &item.thumbnail {
        Some(v) => (v.url(), v.width, v.height),
        None => (String::new(), 0, 0),
    };
    Tile {
        id: m.id,
        name: m.original_name.clone(),
        alt: m.alt.clone(),
        is_image: m.is_image(),
        thumb_url,
        thumb_width,
        thumb_height,
        details: details(m),
        uploader: item.uploader.clone(),
    }
}

/// "JPEG · 2400 × 1600 · 512 KB".
pub(super) fn details(m: &Media) -> String {
    let kind = match m.mime.as_str() {
        "image/jpeg" => "JPEG",
        "image/png" => "PNG",
        "application/pdf" => "PDF",
        other => other,
    };
    match (m.width, m.height) {
        (Some(w), Some(h)) => format!(
            "{kind} · {w} × {h} · {}",
            size_label(m.byte_size.max(0) as u64)
        ),
        _ => format!("{kind} · {}", size_label(m.byte_size.max(0) as u64)),
    }
}

#[derive(Template)]
#[template(path = "admin/media.html")]
struct LibraryPage {
    layout: Layout,
    tiles: Vec<Tile>,
    total: i64,
    text: String,
    kinds: Vec<(&'static str, &'static str, bool)>,
    uploaders: Vec<(i32, String, bool)>,
    pager: Option<Pager>,
    limits: String,
    /// Drag and drop onto the upload form.
    script_url: String,
}

#[derive(Deserialize)]
pub struct LibraryQuery {
    q: Option<String>,
    kind: Option<String>,
    uploader: Option<String>,
    page: Option<String>,
}

pub async fn library(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<LibraryQuery>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::UploadMedia)?;
    let filter = Filter {
        kind: query
            .kind
            .as_deref()
            .and_then(Kind::parse)
            .map(|k| k.as_str().to_owned())
            .unwrap_or_default(),
        uploaded_by: query
            .uploader
            .as_deref()
            .and_then(|u| u.parse().ok())
            .unwrap_or(0),
        text: query
            .q
            .clone()
            .unwrap_or_default()
            .trim()
            .chars()
            .take(200)
            .collect(),
    };
    let page = crate::web::pager::page_number(query.page.as_deref())?;
    let wanted = filter.clone();
    let ((items, total), people) = state
        .db(move |conn| {
            Ok((
                library::page(conn, &wanted, PAGE_SIZE, (page - 1) * PAGE_SIZE)?,
                library::uploaders(conn)?,
            ))
        })
        .await?;
    if items.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let filtered = !filter.kind.is_empty() || filter.uploaded_by != 0 || !filter.text.is_empty();
    let base = if filtered {
        format!(
            "/admin/media?kind={}&uploader={}&q={}",
            filter.kind,
            filter.uploaded_by,
            percent_encoding::utf8_percent_encode(&filter.text, percent_encoding::NON_ALPHANUMERIC)
        )
    } else {
        "/admin/media".to_owned()
    };
    let s = &state.settings;
    render(&LibraryPage {
        layout: common::layout(&state, &staff, "Media library")?,
        tiles: items.iter().map(tile).collect(),
        total,
        kinds: vec![
            ("image", "Images", filter.kind == "image"),
            ("document", "Documents (PDF)", filter.kind == "document"),
        ],
        uploaders: people
            .into_iter()
            .map(|(id, name)| (id, name, id == filter.uploaded_by))
            .collect(),
        pager: Pager::new(&base, page, total, PAGE_SIZE),
        text: filter.text,
        script_url: state.assets.url("js/media.js"),
        limits: format!(
            "JPEG, PNG, WebP or GIF images, or PDF documents; up to {} each (images up to {} \
             million pixels). Images are stored at most {} pixels wide or high, without their \
             camera data (such as GPS position).",
            size_label(s.max_upload_bytes),
            s.max_image_pixels / 1_000_000,
            s.image_max_edge
        ),
    })
}
