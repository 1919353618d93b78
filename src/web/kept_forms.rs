//! Kept forms: an article form sent after its session expired is kept (in `pending_forms`,
//! through [`crate::content::pending`]) and the sign-in page leads back to it, filled in. Part
//! of the sign-in flow: [`super::auth::StaffForm`] calls it when the session is gone.
//!
//! Only a form that a staff member's own expired session sent is kept, for that staff member:
//! the request must come from this site (`Origin` / `Sec-Fetch-Site`), carry the expired
//! session's cookie (which still names its user, see
//! [`EXPIRED_USER_KEY`](crate::accounts::sessions::EXPIRED_USER_KEY)) and that session's CSRF
//! token. An anonymous or cross-site POST keeps nothing.

use actix_session::SessionExt;
use actix_web::{HttpRequest, web};
use serde::Deserialize;

use super::AppState;
use super::csrf;
use super::error::AppError;
use crate::accounts::{self, sessions::EXPIRED_USER_KEY};

/// Where an article form sent to `path` is shown again: the new-article or the edit page.
fn article_form_page(path: &str) -> Option<String> {
    if path == "/admin/articles" {
        return Some("/admin/articles/new".to_owned());
    }
    let id = path.strip_prefix("/admin/articles/")?;
    (!id.is_empty() && id.len() <= 10 && id.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("/admin/articles/{id}/edit"))
}

#[derive(Deserialize)]
struct TokenOnly {
    csrf_token: Option<String>,
}

/// Keeps the body of an article form whose session expired; the sign-in page then leads back
/// to the form, filled in. `None` when this is not an article form, it is not its staff
/// member's own, or it cannot be kept.
pub(crate) async fn keep_article_form(req: &HttpRequest, body: &[u8]) -> Option<AppError> {
    let path = req.path().to_owned();
    let page = article_form_page(&path)?;
    let session = req.get_session();
    let user_id = session.get::<i32>(EXPIRED_USER_KEY).ok().flatten()?;
    let submitted = serde_urlencoded::from_bytes::<TokenOnly>(body)
        .ok()
        .and_then(|t| t.csrf_token);
    csrf::verify_token(req, &session, submitted.as_deref()).ok()?;
    let text = String::from_utf8(body.to_vec()).ok()?;
    let state = req.app_data::<web::Data<AppState>>()?.clone();
    let token = state
        .db(move |conn| {
            let enabled = accounts::find_by_id(conn, user_id)?.is_some_and(|u| !u.disabled);
            if !enabled {
                return Ok(None);
            }
            Ok(crate::content::pending::keep(conn, user_id, &path, &text)?)
        })
        .await
        .ok()??;
    Some(AppError::SignInRequired {
        next: format!("{page}?restore={token}"),
    })
}
