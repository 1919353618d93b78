//! The media library in the admin area: the grid with its filters, uploads (streamed to a
//! temporary file, size-limited while streaming, CSRF-checked), a file's page with its texts,
//! renditions and uses, and deleting a file nothing uses.

use std::future::poll_fn;
use std::io::Write;
use std::path::PathBuf;
use std::pin::Pin;

use actix_multipart::{Field, Multipart};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_core::Stream;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::accounts::permissions::{self, Action};
use crate::clock;
use crate::media::inspect::{Refusal, size_label};
use crate::media::library::{self, Filter, Kind, Listed, Media, Use, Variant};
use crate::media::process::{self, Limits};
use crate::media::{self as media_store, Accepted, MediaError, Upload};
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::Staff;
use crate::web::auth::StaffForm;
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::pager::Pager;
use crate::web::render::{Layout, render};

const PAGE_SIZE: i64 = 24;
/// Files in one upload request.
const MAX_FILES: usize = 20;
/// Written to the temporary file in pieces of this size.
const WRITE_CHUNK: usize = 1024 * 1024;
/// The header a script may send the CSRF token in (a form sends the field).
const CSRF_HEADER: &str = "x-csrf-token";

fn media_error(e: MediaError) -> AppError {
    match e {
        MediaError::Refused(r) => AppError::NotAccepted(r.to_string()),
        MediaError::Database(db) => db.into(),
        MediaError::Storage(io) => AppError::Internal(format!("media storage: {io}")),
    }
}

/// A file in the grid.
struct Tile {
    id: i32,
    name: String,
    alt: String,
    is_image: bool,
    thumb_url: String,
    thumb_width: i32,
    thumb_height: i32,
    details: String,
    uploader: String,
}

fn tile(item: &Listed) -> Tile {
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
fn details(m: &Media) -> String {
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

/// An upload's temporary file, removed when dropped (whatever happened to the upload).
struct TempFile {
    path: PathBuf,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            log::warn!("could not remove the upload {}: {e}", self.path.display());
        }
    }
}

/// One file of an upload request, on disk.
struct Received {
    temp: TempFile,
    name: String,
    hash: String,
    size: u64,
    /// Larger than the limit: not kept (its temporary file is empty).
    too_large: bool,
}

async fn next_field(multipart: &mut Multipart) -> Option<Result<Field, AppError>> {
    poll_fn(|cx| Pin::new(&mut *multipart).poll_next(cx))
        .await
        .map(|r| {
            r.map_err(|e| {
                AppError::bad_request(format!(
                    "The upload was interrupted ({e}). Please try again."
                ))
            })
        })
}

async fn next_chunk(field: &mut Field) -> Option<Result<web::Bytes, AppError>> {
    poll_fn(|cx| Pin::new(&mut *field).poll_next(cx))
        .await
        .map(|r| {
            r.map_err(|e| {
                AppError::bad_request(format!(
                    "The upload was interrupted ({e}). Please try again."
                ))
            })
        })
}

/// Reads a small text field (at most `limit` bytes kept).
async fn read_text(field: &mut Field, limit: usize) -> Result<String, AppError> {
    let mut out = Vec::new();
    while let Some(chunk) = next_chunk(field).await {
        let chunk = chunk?;
        if out.len() < limit {
            out.extend_from_slice(&chunk[..chunk.len().min(limit - out.len())]);
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Streams a file field to a temporary file under the media folder, hashing it on the way;
/// past `limit` bytes it stops writing and only reads on (so that the browser gets an answer).
async fn receive_file(
    field: &mut Field,
    dir: PathBuf,
    name: String,
    limit: u64,
) -> Result<Received, AppError> {
    let (temp, file) = web::block(move || {
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!(
            "{}.upload",
            crate::ids::hex(&rand::random::<[u8; 16]>())
        ));
        let file = std::fs::File::create_new(&path)?;
        Ok::<_, std::io::Error>((TempFile { path }, file))
    })
    .await?
    .map_err(|e| AppError::Internal(format!("cannot create an upload file: {e}")))?;
    let mut file = Some(file);
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut buffer: Vec<u8> = Vec::with_capacity(WRITE_CHUNK);
    // Someone sending far more than the limit is not waited for.
    let give_up = limit.saturating_mul(4).max(64 << 20);
    let flush = |file: std::fs::File, buffer: Vec<u8>| async move {
        web::block(move || {
            let mut file = file;
            file.write_all(&buffer)?;
            let mut buffer = buffer;
            buffer.clear();
            Ok::<_, std::io::Error>((file, buffer))
        })
        .await?
        .map_err(|e| AppError::Internal(format!("cannot write an upload file: {e}")))
    };
    while let Some(chunk) = next_chunk(field).await {
        let chunk = chunk?;
        size += chunk.len() as u64;
        if size > give_up {
            return Err(AppError::TooLarge(Refusal::TooLarge { limit }.to_string()));
        }
        if size > limit {
            file = None;
            buffer = Vec::new();
            continue;
        }
        hasher.update(&chunk);
        buffer.extend_from_slice(&chunk);
        if buffer.len() >= WRITE_CHUNK
            && let Some(f) = file.take()
        {
            let (f, b) = flush(f, std::mem::take(&mut buffer)).await?;
            file = Some(f);
            buffer = b;
        }
    }
    if let Some(f) = file.take()
        && !buffer.is_empty()
    {
        flush(f, buffer).await?;
    }
    Ok(Received {
        temp,
        name,
        hash: crate::ids::hex(&hasher.finalize()),
        size,
        too_large: size > limit,
    })
}

/// Checks, processes and stores one received file.
async fn accept(
    state: &AppState,
    uploaded_by: i32,
    received: &Received,
) -> Result<Accepted, AppError> {
    if received.too_large {
        return Err(AppError::TooLarge(
            Refusal::TooLarge {
                limit: state.settings.max_upload_bytes,
            }
            .to_string(),
        ));
    }
    if received.size == 0 {
        return Err(AppError::NotAccepted(Refusal::Empty.to_string()));
    }
    let hash = received.hash.clone();
    if let Some(media) = state
        .db(move |conn| Ok(library::find_by_hash(conn, &hash)?))
        .await?
    {
        return Ok(Accepted {
            media,
            existing: true,
        });
    }
    let limits = Limits {
        max_pixels: state.settings.max_image_pixels,
        max_edge: state.settings.image_max_edge,
    };
    let path = received.temp.path.clone();
    let prepared = web::block(move || process::prepare(&path, limits))
        .await?
        .map_err(|r| AppError::NotAccepted(r.to_string()))?;
    let upload = Upload {
        hash: received.hash.clone(),
        size: received.size,
        original_name: received.name.clone(),
    };
    let storage = state.media.clone();
    let path = received.temp.path.clone();
    state
        .db(move |conn| {
            media_store::store(conn, &*storage, &upload, &path, prepared, uploaded_by)
                .map_err(media_error)
        })
        .await
}

/// `POST /admin/media`: one or more files (field `file`) and the CSRF token (field
/// `csrf_token`, or the `X-CSRF-Token` header).
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    mut multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::UploadMedia)?;
    let limit = state.settings.max_upload_bytes;
    let dir = state.settings.media_dir.join("tmp");
    let mut token = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut files: Vec<Received> = Vec::new();
    while let Some(field) = next_field(&mut multipart).await {
        let mut field = field?;
        match field.name() {
            Some(csrf::FIELD) => token = Some(read_text(&mut field, 200).await?),
            Some("file") => {
                let name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or("")
                    .to_owned();
                if files.len() >= MAX_FILES {
                    return Err(AppError::NotAccepted(format!(
                        "At most {MAX_FILES} files can be uploaded at once. Nothing was kept; \
                         please upload them in smaller groups."
                    )));
                }
                let received = receive_file(&mut field, dir.clone(), name, limit).await?;
                // A form sent without a chosen file has an empty, nameless part.
                if received.size > 0 || !received.name.is_empty() {
                    files.push(received);
                }
            }
            _ => {
                read_text(&mut field, 0).await?;
            }
        }
    }
    csrf::verify_token(&req, &staff.session, token.as_deref())?;
    if files.is_empty() {
        return Err(AppError::NotAccepted(Refusal::NoFile.to_string()));
    }
    let mut accepted: Vec<Accepted> = Vec::new();
    let mut refused: Vec<(String, AppError)> = Vec::new();
    for received in &files {
        match accept(&state, staff.user.id, received).await {
            Ok(a) => accepted.push(a),
            Err(e @ (AppError::NotAccepted(_) | AppError::TooLarge(_))) => {
                refused.push((received.name.clone(), e))
            }
            Err(e) => return Err(e),
        }
    }
    drop(files);
    let client = state.client_of(&req);
    for a in accepted.iter().filter(|a| !a.existing) {
        state
            .audit(
                Some(&staff.user),
                "",
                "uploaded media",
                &format!("media {} ({})", a.media.id, a.media.original_name),
                &client,
            )
            .await;
    }
    if !refused.is_empty() {
        let only_too_large = refused
            .iter()
            .all(|(_, e)| matches!(e, AppError::TooLarge(_)));
        let mut message = refused
            .iter()
            .map(|(name, e)| {
                let reason = match e {
                    AppError::NotAccepted(m) | AppError::TooLarge(m) => m.clone(),
                    other => other.to_string(),
                };
                if name.is_empty() {
                    reason
                } else {
                    format!("“{name}”: {reason}")
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        if !accepted.is_empty() {
            message.push_str(&format!(
                " The other {} file(s) were uploaded to the library.",
                accepted.len()
            ));
        } else {
            message.push_str(" Nothing was stored.");
        }
        if wants_json(&req) {
            let status = if only_too_large {
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
            } else {
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
            };
            return Ok(HttpResponse::build(status).json(serde_json::json!({ "error": message })));
        }
        return Err(if only_too_large {
            AppError::TooLarge(message)
        } else {
            AppError::NotAccepted(message)
        });
    }
    if wants_json(&req) {
        return inserted_json(&state, &accepted).await;
    }
    match accepted.as_slice() {
        [one] => {
            flash::success(
                &staff.session,
                if one.existing {
                    format!(
                        "This file was already in the library as “{}”; it was not stored twice.",
                        one.media.original_name
                    )
                } else {
                    format!(
                        "Uploaded “{}”. Describe it for people who cannot see it.",
                        one.media.original_name
                    )
                },
            );
            Ok(common::see_other(&format!("/admin/media/{}", one.media.id)))
        }
        many => {
            flash::success(&staff.session, format!("Uploaded {} files.", many.len()));
            Ok(common::see_other("/admin/media"))
        }
    }
}

/// Whether the upload came from a script (the rich editor) that wants JSON back.
fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// What the rich editor needs to show an uploaded file in the text: for an image, the
/// rendition at most 960 pixels wide (as the "insert" snippet uses) and its size; for a
/// document, its address. One entry per file.
async fn inserted_json(state: &AppState, accepted: &[Accepted]) -> Result<HttpResponse, AppError> {
    let mut files = Vec::with_capacity(accepted.len());
    for a in accepted {
        let media = a.media.clone();
        let id = media.id;
        let variants = state
            .db(move |conn| Ok(media_store::library::variants(conn, id)?))
            .await?;
        let shown = variants
            .iter()
            .filter(|v| v.format != "webp" && v.width <= 960)
            .max_by_key(|v| v.width);
        files.push(match (media.is_image(), shown) {
            (true, Some(v)) => serde_json::json!({
                "id": media.id,
                "url": v.url(),
                "href": v.url(),
                "width": v.width,
                "height": v.height,
                "alt": media.alt,
                "name": media.original_name,
            }),
            _ => serde_json::json!({
                "id": media.id,
                "url": media.url(),
                "href": media.url(),
                "name": media.original_name,
            }),
        });
    }
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "files": files })))
}

#[derive(Template)]
#[template(path = "admin/media_edit.html")]
struct EditPage {
    layout: Layout,
    media: Media,
    details: String,
    uploader: String,
    uploaded: String,
    preview: Option<Variant>,
    variants: Vec<Variant>,
    uses: Vec<Use>,
    errors: Vec<String>,
    /// HTML to paste into a report's text.
    snippet: String,
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTML that puts a file into a report's text: an image (at most 960 pixels wide) with
/// its caption and credit, or a link to a document.
fn snippet(media: &Media, variants: &[Variant]) -> String {
    if !media.is_image() {
        return format!(
            "<p><a href=\"{}\">{}</a></p>",
            media.url(),
            escape_html(&media.original_name)
        );
    }
    let Some(v) = variants
        .iter()
        .filter(|v| v.format != "webp" && v.width <= 960)
        .max_by_key(|v| v.width)
    else {
        return String::new();
    };
    let caption = [media.caption.trim(), media.credit.trim()]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let figcaption = if caption.is_empty() {
        String::new()
    } else {
        format!("<figcaption>{}</figcaption>", escape_html(&caption))
    };
    format!(
        "<figure><img src=\"{}\" alt=\"{}\" width=\"{}\" height=\"{}\">{figcaption}</figure>",
        v.url(),
        escape_html(&media.alt),
        v.width,
        v.height
    )
}

async fn load(
    state: &AppState,
    id: i32,
) -> Result<(Media, String, Vec<Variant>, Vec<Use>), AppError> {
    state
        .db(move |conn| {
            let media = library::find(conn, id)?.ok_or(AppError::NotFound)?;
            let uploader = crate::accounts::find_by_id(conn, media.uploaded_by)?
                .map(|u| u.display_name)
                .unwrap_or_default();
            let variants = library::variants(conn, id)?;
            let uses = library::uses(conn, id)?;
            Ok((media, uploader, variants, uses))
        })
        .await
}

fn require_manage(staff: &Staff, media: &Media) -> Result<(), AppError> {
    if permissions::may_manage_media(staff.user.role(), staff.user.id, media.uploaded_by) {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "Your role ({}) may change only the files you uploaded yourself. Nothing was changed.",
            staff.user.role().label()
        )))
    }
}

async fn edit_page(
    state: &AppState,
    staff: &Staff,
    id: i32,
    status: actix_web::http::StatusCode,
    errors: Vec<String>,
    typed: Option<(String, String, String)>,
) -> Result<HttpResponse, AppError> {
    let (mut media, uploader, variants, uses) = load(state, id).await?;
    require_manage(staff, &media)?;
    if let Some((alt, caption, credit)) = typed {
        media.alt = alt;
        media.caption = caption;
        media.credit = credit;
    }
    let preview = variants
        .iter()
        .filter(|v| v.format != "webp" && v.width <= 960)
        .max_by_key(|v| v.width)
        .or_else(|| {
            variants
                .iter()
                .filter(|v| v.format != "webp")
                .min_by_key(|v| v.width)
        })
        .cloned();
    let page = EditPage {
        layout: common::layout(state, staff, &media.original_name)?,
        snippet: snippet(&media, &variants),
        details: details(&media),
        uploader,
        uploaded: clock::short_date_time(media.created_at, state.settings.timezone),
        preview,
        variants,
        uses,
        errors,
        media,
    };
    crate::web::render::render_status(status, &page)
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::UploadMedia)?;
    let id = common::parse_id(&path)?;
    edit_page(
        &state,
        &staff,
        id,
        actix_web::http::StatusCode::OK,
        Vec::new(),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    alt: String,
    #[serde(default)]
    caption: String,
    #[serde(default)]
    credit: String,
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<DetailsForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::UploadMedia)?;
    let id = common::parse_id(&path)?;
    let existing = state
        .db(move |conn| library::find(conn, id)?.ok_or(AppError::NotFound))
        .await?;
    require_manage(&staff, &existing)?;
    let (alt, caption, credit) = (
        form.alt.trim().to_owned(),
        form.caption.trim().to_owned(),
        form.credit.trim().to_owned(),
    );
    let mut errors = Vec::new();
    for (label, value, max) in [
        ("The alternative text", &alt, 300),
        ("The caption", &caption, 1000),
        ("The credit", &credit, 200),
    ] {
        if value.chars().count() > max {
            errors.push(format!("{label} may be at most {max} characters long."));
        }
    }
    if !errors.is_empty() {
        return edit_page(
            &state,
            &staff,
            id,
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            Some((alt, caption, credit)),
        )
        .await;
    }
    state
        .db(move |conn| Ok(library::update_details(conn, id, &alt, &caption, &credit)?))
        .await?;
    let client = state.client_of(&req);
    state
        .audit(
            Some(&staff.user),
            "",
            "described media",
            &format!("media {id}"),
            &client,
        )
        .await;
    flash::success(&staff.session, "Saved.");
    Ok(common::see_other(&format!("/admin/media/{id}")))
}

fn in_use_message(media: &Media, uses: &[Use]) -> String {
    format!(
        "“{}” is used in {}. Remove it there first; nothing was deleted.",
        media.original_name,
        uses.iter()
            .map(Use::describe)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

pub async fn confirm_delete(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::UploadMedia)?;
    let id = common::parse_id(&path)?;
    let (media, _, _, uses) = load(&state, id).await?;
    require_manage(&staff, &media)?;
    if !uses.is_empty() {
        return Err(AppError::InUse(in_use_message(&media, &uses)));
    }
    render(&common::ConfirmDelete {
        layout: common::layout(&state, &staff, "Delete file")?,
        what: format!("the file “{}”", media.original_name),
        action_url: format!("/admin/media/{id}/delete"),
        back_url: format!("/admin/media/{id}"),
    })
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, .. }: StaffForm<common::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::UploadMedia)?;
    let id = common::parse_id(&path)?;
    let media = state
        .db(move |conn| library::find(conn, id)?.ok_or(AppError::NotFound))
        .await?;
    require_manage(&staff, &media)?;
    let storage = state.media.clone();
    let outcome = state
        .db(move |conn| media_store::delete(conn, &*storage, id).map_err(media_error))
        .await?;
    if let Err(uses) = outcome {
        return Err(AppError::InUse(in_use_message(&media, &uses)));
    }
    let client = state.client_of(&req);
    state
        .audit(
            Some(&staff.user),
            "",
            "deleted media",
            &format!("media {id} ({})", media.original_name),
            &client,
        )
        .await;
    flash::success(
        &staff.session,
        format!("“{}” was deleted.", media.original_name),
    );
    Ok(common::see_other("/admin/media"))
}

/// A library file offered on an article's "Images and files" page.
struct Choice {
    id: i32,
    name: String,
    thumb_url: String,
    thumb_width: i32,
    thumb_height: i32,
    featured: bool,
    in_gallery: bool,
    order: String,
    attached: bool,
}

#[derive(Template)]
#[template(path = "admin/media_article.html")]
struct ArticleMediaPage {
    layout: Layout,
    article_id: i32,
    title: String,
    images: Vec<Choice>,
    documents: Vec<Choice>,
    no_featured: bool,
    error: Option<String>,
}

/// How many library files the article page offers of each kind (newest first).
const CHOICES: i64 = 200;

async fn editable_article(
    state: &AppState,
    staff: &Staff,
    id: i32,
) -> Result<crate::content::articles::Article, AppError> {
    let article = state
        .db(move |conn| crate::content::articles::find(conn, id)?.ok_or(AppError::NotFound))
        .await?;
    if permissions::may_edit_article(
        staff.user.role(),
        staff.user.id,
        article.author_id,
        article.in_progress(),
    ) {
        Ok(article)
    } else {
        Err(AppError::forbidden(format!(
            "Your role ({}) does not allow changing this report. Nothing was changed.",
            staff.user.role().label()
        )))
    }
}

async fn article_media_page(
    state: &AppState,
    staff: &Staff,
    article: crate::content::articles::Article,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (id, featured) = (article.id, article.featured_media_id);
    let (images, documents, gallery, attached) = state
        .db(move |conn| {
            Ok((
                library::choices(conn, Kind::Image, CHOICES)?,
                library::choices(conn, Kind::Document, CHOICES)?,
                library::ids_in_role(conn, id, "gallery")?,
                library::ids_in_role(conn, id, "attachment")?,
            ))
        })
        .await?;
    let choice = |item: &Listed| {
        let t = tile(item);
        let position = gallery.iter().position(|g| *g == t.id);
        Choice {
            id: t.id,
            name: t.name,
            thumb_url: t.thumb_url,
            thumb_width: t.thumb_width,
            thumb_height: t.thumb_height,
            featured: featured == Some(t.id),
            in_gallery: position.is_some(),
            order: position.map(|p| (p + 1).to_string()).unwrap_or_default(),
            attached: attached.contains(&t.id),
        }
    };
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    crate::web::render::render_status(
        status,
        &ArticleMediaPage {
            layout: common::layout(state, staff, "Images and files")?,
            article_id: id,
            title: article.title,
            images: images.iter().map(choice).collect(),
            documents: documents.iter().map(choice).collect(),
            no_featured: featured.is_none(),
            error,
        },
    )
}

/// `GET /admin/articles/{id}/media`: choose the featured image, the gallery and attachments.
pub async fn article_media(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::UploadMedia)?;
    let id = common::parse_id(&path)?;
    let article = editable_article(&state, &staff, id).await?;
    article_media_page(&state, &staff, article, None).await
}

/// Ids in keys `{prefix}{id}` of a form, each once.
fn ids_with_prefix(form: &std::collections::HashMap<String, String>, prefix: &str) -> Vec<i32> {
    let mut ids: Vec<i32> = form
        .keys()
        .filter_map(|k| k.strip_prefix(prefix)?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

pub async fn save_article_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::UploadMedia)?;
    let id = common::parse_id(&path)?;
    let article = editable_article(&state, &staff, id).await?;
    let featured = match form.get("featured").map(|v| v.trim()) {
        None | Some("") => None,
        Some(v) => Some(v.parse::<i32>().map_err(|_| {
            AppError::bad_request("The featured image was not one of the library's files.")
        })?),
    };
    // The gallery in the order typed (then in the library's order).
    let mut gallery: Vec<(i64, i32)> = ids_with_prefix(&form, "gallery_")
        .into_iter()
        .map(|g| {
            let order = form
                .get(&format!("order_{g}"))
                .and_then(|o| o.trim().parse::<i64>().ok())
                .unwrap_or(i64::MAX);
            (order, g)
        })
        .collect();
    gallery.sort();
    let gallery: Vec<i32> = gallery.into_iter().map(|(_, g)| g).collect();
    let attachments = ids_with_prefix(&form, "attach_");
    let outcome = state
        .db(move |conn| {
            Ok(crate::db::write_tx(conn, |conn| {
                library::set_for_article(conn, id, featured, &gallery, &attachments)
            })?)
        })
        .await?;
    if let Err(wrong) = outcome {
        return article_media_page(&state, &staff, article, Some(wrong.0)).await;
    }
    let client = state.client_of(&req);
    state
        .audit(
            Some(&staff.user),
            "",
            "chose article media",
            &format!("article {id}"),
            &client,
        )
        .await;
    flash::success(
        &staff.session,
        "The images and files of the report were saved.",
    );
    Ok(common::see_other(&format!("/admin/articles/{id}/media")))
}
