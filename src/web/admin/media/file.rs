//! A file's page (`GET`/`POST /admin/media/{id}`): its texts, renditions, the HTML to paste
//! and where it is used; and deleting a file that nothing uses.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::library::details;
use super::media_error;
use crate::accounts::permissions::{self, Action};
use crate::clock;
use crate::media::library::{self, Media, Use, Variant};
use crate::media::{self as media_store};
use crate::web::AppState;
use crate::web::admin::common::{self, Deletable};
use crate::web::auth::Staff;
use crate::web::auth::StaffForm;
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::Layout;

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
pub(super) fn snippet(media: &Media, variants: &[Variant]) -> String {
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
    staff.allowed_if(
        permissions::may_manage_media(staff.user.role(), staff.user.id, media.uploaded_by),
        "may change only the files you uploaded yourself",
    )
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
    let (id, existing) = common::found_at(&state, &path, library::find).await?;
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
    state
        .audit_by(&req, &staff.user, "described media", &format!("media {id}"))
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

impl Deletable for Media {
    const TITLE: &'static str = "Delete file";
    const AUDIT: &'static str = "deleted media";
    const BACK_TO: &'static str = "/admin/media";

    async fn load(state: &AppState, staff: &Staff, id: i32) -> Result<Self, AppError> {
        staff.require(Action::UploadMedia)?;
        let media = common::found(state, id, library::find).await?;
        require_manage(staff, &media)?;
        Ok(media)
    }

    async fn refusal(&self, state: &AppState, id: i32) -> Result<(), AppError> {
        let uses = state.db(move |conn| Ok(library::uses(conn, id)?)).await?;
        if uses.is_empty() {
            Ok(())
        } else {
            Err(AppError::InUse(in_use_message(self, &uses)))
        }
    }

    fn what(&self) -> String {
        format!("the file “{}”", self.original_name)
    }

    fn back_url(id: i32) -> String {
        format!("/admin/media/{id}")
    }

    async fn delete(&self, state: &AppState, id: i32) -> Result<usize, AppError> {
        let storage = state.media.clone();
        let outcome = state
            .db(move |conn| media_store::delete(conn, &*storage, id).map_err(media_error))
            .await?;
        match outcome {
            Ok(_) => Ok(1),
            Err(uses) => Err(AppError::InUse(in_use_message(self, &uses))),
        }
    }

    fn subject(&self, id: i32) -> String {
        format!("media {id} ({})", self.original_name)
    }

    fn was_public(&self) -> bool {
        false
    }

    fn gone(&self) -> String {
        format!("“{}” was deleted.", self.original_name)
    }
}
