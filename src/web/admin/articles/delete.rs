//! Deleting a report: the page that asks, and `POST /admin/articles/{id}/delete`.

use actix_web::{HttpRequest, HttpResponse, web};

use super::editable;
use crate::content::articles;
use crate::web::AppState;
use crate::web::admin::common::{self, ConfirmDelete, Deleted};
use crate::web::auth::{Staff, StaffForm};
use crate::web::error::AppError;

pub async fn confirm_delete(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = common::parse_id(&path)?;
    let article = editable(&state, &staff, id).await?;
    ConfirmDelete::page(
        &state,
        &staff,
        "Delete report",
        format!("the report “{}” with all its tags", article.title),
        format!("/admin/articles/{id}/delete"),
        format!("/admin/articles/{id}/edit"),
    )
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, .. }: StaffForm<common::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = common::parse_id(&path)?;
    let article = editable(&state, &staff, id).await?;
    state
        .db(move |conn| Ok(articles::delete(conn, id)?))
        .await?;
    Deleted {
        audit: "deleted article",
        subject: format!("{} (/news/{})", article.title, article.slug),
        was_public: article.is_published(),
        message: format!("“{}” was deleted.", article.title),
        back_to: "/admin",
    }
    .finish(&state, &req, &staff)
    .await
}
