//! Seeing a report before it is public: `GET /admin/articles/{id}/preview` for staff, and
//! the secret preview links editors make and revoke for people without an account.

use actix_web::{HttpResponse, web};

use super::{editable, redirect_to_edit};
use crate::accounts::permissions::Action;
use crate::content::previews;
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::{Staff, StaffForm};
use crate::web::error::AppError;
use crate::web::flash;

/// `GET /admin/articles/{id}/preview`: the report exactly as it will look.
pub async fn preview(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = common::parse_id(&path)?;
    editable(&state, &staff, id).await?;
    crate::web::public::article::preview_for_staff(&state, id).await
}

/// The id of the article in the path, if this person may share it by secret link (editors).
async fn shareable(state: &AppState, staff: &Staff, path: &str) -> Result<i32, AppError> {
    staff.require(Action::EditAny)?;
    let id = common::parse_id(path)?;
    editable(state, staff, id).await?;
    Ok(id)
}

/// Makes a secret preview link (editors), shown on the edit page.
pub async fn create_preview_link(
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, .. }: StaffForm<common::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = shareable(&state, &staff, &path).await?;
    let user_id = staff.user.id;
    let link = state
        .db(move |conn| Ok(previews::create(conn, id, user_id)?))
        .await?;
    flash::success(
        &staff.session,
        format!(
            "Preview link made: {} (works for {} days unless revoked).",
            state.settings.absolute(&format!("/preview/{}", link.token)),
            previews::LIFETIME_DAYS
        ),
    );
    Ok(redirect_to_edit(id))
}

/// Revokes every secret preview link of the article.
pub async fn revoke_preview_links(
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, .. }: StaffForm<common::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = shareable(&state, &staff, &path).await?;
    let n = state
        .db(move |conn| Ok(previews::revoke_all(conn, id)?))
        .await?;
    flash::success(
        &staff.session,
        format!("{n} preview link(s) revoked: they no longer work."),
    );
    Ok(redirect_to_edit(id))
}
