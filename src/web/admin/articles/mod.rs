//! The staff's reports, one file per page or verb: the list and the dashboard (`list`), the
//! form (`form`, fed by `fields`), saving it (`save`, with `conflict` when two people edited
//! at once), who else has it open (`presence`), previews (`previews`) and deletion
//! (`delete`). What they share is here: who may edit what, and what a save leaves in the
//! audit log.

mod conflict;
mod delete;
mod fields;
mod form;
mod list;
mod presence;
mod previews;
mod save;

use actix_web::HttpResponse;
use actix_web::http::header;

pub use form::{edit_form, new_form};
pub use list::{dashboard, list};
pub use presence::heartbeat;
pub use previews::{create_preview_link, preview, revoke_preview_links};
pub use save::{create, update};

use crate::accounts::User;
use crate::accounts::permissions;
use crate::content::articles::{self, Article, SaveAction};
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::Staff;
use crate::web::error::AppError;

pub(super) fn may_edit(user: &User, article: &Article) -> bool {
    permissions::may_edit_article(
        user.role(),
        user.id,
        article.author_id,
        article.in_progress(),
    )
}

pub(super) fn redirect_to_edit(id: i32) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/admin/articles/{id}/edit")))
        .finish()
}

pub(super) async fn editable(
    state: &AppState,
    staff: &Staff,
    id: i32,
) -> Result<Article, AppError> {
    let article = common::found(state, id, articles::find).await?;
    if !may_edit(&staff.user, &article) {
        return Err(AppError::forbidden(if article.in_progress() {
            "You can only change your own articles. Nothing was changed."
        } else {
            "Only editors and administrators can change an article once it is published, scheduled or archived. Nothing was changed."
        }));
    }
    Ok(article)
}

/// Records workflow changes (not plain draft saves) in the audit log.
pub(super) async fn audit_action(
    state: &AppState,
    req: &actix_web::HttpRequest,
    staff: &Staff,
    article: &Article,
    action: SaveAction,
    was_published: bool,
) {
    let what = match action {
        SaveAction::Publish if was_published => return,
        SaveAction::Publish => "published",
        SaveAction::Schedule(_) => "scheduled",
        SaveAction::Archive => "archived",
        SaveAction::Review => "submitted for review",
        SaveAction::Draft if was_published => "unpublished",
        SaveAction::Draft => return,
    };
    let subject = format!("{} (/news/{})", article.title, article.slug);
    state.audit_by(req, &staff.user, what, &subject).await;
}
