//! `POST /admin/media`: one or more files, checked, processed into renditions and stored;
//! answered with a redirect for a form, or JSON for the editor's script.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};

use super::media_error;
use super::receive::{CSRF_HEADER, MAX_FILES, Received, next_field, read_text, receive_file};
use crate::accounts::permissions::Action;
use crate::media::inspect::Refusal;
use crate::media::library::{self};
use crate::media::process::{self, Limits};
use crate::media::{self as media_store, Accepted, Upload};
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::Staff;
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::flash;

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
    let prepared = state
        .images
        .run(move || process::prepare(&path, limits))
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
    // Where the request comes from and its token are checked before any file is read: the
    // token is the header (a script) or the form's field, which the form sends before its
    // files. A file that comes before a valid token is refused unread.
    csrf::check_origin(&req)?;
    let header_token = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut checked = false;
    if header_token.is_some() {
        csrf::verify_token(&req, &staff.session, header_token.as_deref())?;
        checked = true;
    }
    let mut files: Vec<Received> = Vec::new();
    while let Some(field) = next_field(&mut multipart).await {
        let mut field = field?;
        match field.name() {
            Some(csrf::FIELD) if !checked => {
                let token = read_text(&mut field, 200).await?;
                csrf::verify_token(&req, &staff.session, Some(&token))?;
                checked = true;
            }
            Some("file") => {
                if !checked {
                    return Err(AppError::Csrf);
                }
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
    if !checked {
        return Err(AppError::Csrf);
    }
    actix_web::HttpMessage::extensions_mut(&req).insert(crate::web::auth::CheckedForm);
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
    for a in accepted.iter().filter(|a| !a.existing) {
        let subject = format!("media {} ({})", a.media.id, a.media.original_name);
        state
            .audit_by(&req, &staff.user, "uploaded media", &subject)
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
