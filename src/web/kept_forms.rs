//! Kept forms: an article form sent after its session expired is kept (in `pending_forms`,
//! through [`crate::content::pending`]) and the sign-in page leads back to it, filled in. Part
//! of the sign-in flow: [`super::auth::StaffForm`] calls it when the session is gone.

use actix_web::{HttpRequest, web};

use super::AppState;
use super::error::AppError;

/// Where an article form sent to `path` is shown again: the new-article or the edit page.
fn article_form_page(path: &str) -> Option<String> {
    if path == "/admin/articles" {
        return Some("/admin/articles/new".to_owned());
    }
    let id = path.strip_prefix("/admin/articles/")?;
    (!id.is_empty() && id.len() <= 10 && id.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("/admin/articles/{id}/edit"))
}

/// Keeps the body of an article form whose session expired; the sign-in page then leads back
/// to the form, filled in. `None` when this is not an article form or it cannot be kept.
pub(crate) async fn keep_article_form(req: &HttpRequest, body: &[u8]) -> Option<AppError> {
    let path = req.path().to_owned();
    let page = article_form_page(&path)?;
    let text = String::from_utf8(body.to_vec()).ok()?;
    let state = req.app_data::<web::Data<AppState>>()?.clone();
    let token = state
        .db(move |conn| Ok(crate::content::pending::keep(conn, &path, &text)?))
        .await
        .ok()?;
    Some(AppError::SignInRequired {
        next: format!("{page}?restore={token}"),
    })
}
