//! Cross-site request forgery protection: a random token kept in the session, rendered into
//! every form, and compared (in constant time) on every state-changing request, plus a check
//! that the request's `Origin` is this site when the browser sends one.
//!
//! Forms are read through [`CsrfForm`] (anonymous forms: sign-in) or
//! [`StaffForm`](super::auth::StaffForm) (signed-in staff): a handler that takes either cannot
//! run on a request with a missing or wrong token.

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
pub(crate) fn verify_and_parse<T: DeserializeOwned>(
    req: &HttpRequest,
    session: &Session,
    body: &[u8],
) -> Result<T, AppError> {
    let submitted = serde_urlencoded::from_bytes::<TokenOnly>(body)
        .ok()
        .and_then(|t| t.csrf_token);
    verify_token(req, session, submitted.as_deref())?;
    super::form_text::check_urlencoded(body)?;
    serde_urlencoded::from_bytes::<T>(body).map_err(|e| {
        AppError::bad_request(format!(
            "The form was incomplete or malformed ({e}), so nothing was changed."
        ))
    })
}

/// What an extractor that reads the whole body returns: a future owning the request.
pub(crate) type Extracting<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// An extractor's future from `then`, given the request and its body still to be read (so
/// that `then` may decide something before reading it).
pub(crate) fn with_body<T, Fut>(
    req: &HttpRequest,
    payload: &mut Payload,
    then: impl FnOnce(HttpRequest, <web::Bytes as FromRequest>::Future) -> Fut,
) -> Extracting<T>
where
    Fut: Future<Output = Result<T, actix_web::Error>> + 'static,
{
    let body = web::Bytes::from_request(req, payload);
    Box::pin(then(req.clone(), body))
}

/// A url-encoded form whose CSRF token was checked.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = Extracting<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        with_body(req, payload, |req, body| async move {
            let body = body.await?;
            let session = req.get_session();
            Ok(CsrfForm(verify_and_parse(&req, &session, &body)?))
        })
    }
}
