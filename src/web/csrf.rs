//! Cross-site request forgery protection: a random token kept in the session, rendered into
//! every form, and compared (in constant time) on every state-changing request, plus a check
//! that the request's `Origin` is this site when the browser sends one.
//!
//! Forms are read through [`CsrfForm`] (anonymous forms: sign-in) or [`StaffForm`] (signed-in
//! staff): a handler that takes either cannot run on a request with a missing or wrong token.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::AppState;
use super::auth::Staff;
use super::error::AppError;

const KEY: &str = "csrf";
/// Name of the hidden form field.
pub const FIELD: &str = "csrf_token";

/// The session's token, made on first use.
pub fn token(session: &Session) -> Result<String, AppError> {
    if let Ok(Some(existing)) = session.get::<String>(KEY) {
        return Ok(existing);
    }
    rotate(session)
}

/// A new token (after sign-in, so a token seen before cannot be reused).
pub fn rotate(session: &Session) -> Result<String, AppError> {
    let fresh = crate::ids::random_hex::<32>();
    session
        .insert(KEY, &fresh)
        .map_err(|e| AppError::Internal(format!("cannot store the CSRF token: {e}")))?;
    Ok(fresh)
}

#[derive(Deserialize)]
struct TokenOnly {
    csrf_token: Option<String>,
}

fn check_origin(req: &HttpRequest) -> Result<(), AppError> {
    let headers = req.headers();
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
    {
        return Err(AppError::Csrf);
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let configured = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.settings.origin());
    let conn = req.connection_info();
    let same_host = url::Url::parse(origin)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            })
        })
        .is_some_and(|h| h.eq_ignore_ascii_case(conn.host()));
    if same_host || configured.as_deref() == Some(origin) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

/// Checks a token sent another way than in a url-encoded form (a multipart upload's field,
/// or a header from a script) against the session's, and the request's origin.
pub fn verify_token(
    req: &HttpRequest,
    session: &Session,
    submitted: Option<&str>,
) -> Result<(), AppError> {
    check_origin(req)?;
    let submitted = submitted.ok_or(AppError::Csrf)?;
    let expected = session
        .get::<String>(KEY)
        .ok()
        .flatten()
        .ok_or(AppError::Csrf)?;
    if bool::from(submitted.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

/// Checks the token in a url-encoded body against the session's, then parses the body.
fn verify_and_parse<T: DeserializeOwned>(
    req: &HttpRequest,
    session: &Session,
    body: &[u8],
) -> Result<T, AppError> {
    let submitted = serde_urlencoded::from_bytes::<TokenOnly>(body)
        .ok()
        .and_then(|t| t.csrf_token);
    verify_token(req, session, submitted.as_deref())?;
    serde_urlencoded::from_bytes::<T>(body).map_err(|e| {
        AppError::bad_request(format!(
            "The form was incomplete or malformed ({e}), so nothing was changed."
        ))
    })
}

/// A url-encoded form whose CSRF token was checked.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await?;
            let session = req.get_session();
            Ok(CsrfForm(verify_and_parse(&req, &session, &body)?))
        })
    }
}

/// A signed-in staff member and their CSRF-checked form, checked in that order: an expired
/// session leads to the sign-in page, not to a CSRF error.
pub struct StaffForm<T> {
    pub staff: Staff,
    pub form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for StaffForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let staff = match Staff::load(&req).await {
                Ok(staff) => staff,
                Err(AppError::SignInRequired { next }) => {
                    // An article form sent after the session expired: keep what was typed
                    // and bring it back after sign-in.
                    let body = body.await?;
                    return Err(keep_article_form(&req, &body)
                        .await
                        .unwrap_or(AppError::SignInRequired { next })
                        .into());
                }
                Err(e) => return Err(e.into()),
            };
            let body = body.await?;
            let form = verify_and_parse(&req, &staff.session, &body)?;
            Ok(StaffForm { staff, form })
        })
    }
}

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
async fn keep_article_form(req: &HttpRequest, body: &[u8]) -> Option<AppError> {
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
