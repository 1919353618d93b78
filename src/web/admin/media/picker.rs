//! `GET`/`POST /admin/articles/{id}/media`: choosing an article's featured image and gallery
//! from the library.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::library::tile;
use crate::accounts::permissions::{self, Action};
use crate::media::library::{self, Kind, Listed};
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::Staff;
use crate::web::auth::StaffForm;
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::Layout;

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
    let article = common::found(state, id, crate::content::articles::find).await?;
    let may = permissions::may_edit_article(
        staff.user.role(),
        staff.user.id,
        article.author_id,
        article.in_progress(),
    );
    staff.allowed_if(may, "does not allow changing this report")?;
    Ok(article)
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
    state
        .audit_by(
            &req,
            &staff.user,
            "chose article media",
            &format!("article {id}"),
        )
        .await;
    flash::success(
        &staff.session,
        "The images and files of the report were saved.",
    );
    Ok(common::see_other(&format!("/admin/articles/{id}/media")))
}
