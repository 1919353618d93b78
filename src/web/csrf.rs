//! Cross-site request forgery protection: a random token kept in the session, rendered into
//! every form, and compared (in constant time) on every state-changing request, plus a check
//! that the request's `Origin` is this site (the configured base URL's origin) when the browser
//! sends one.
//!
//! Forms are read through [`CsrfForm`] (sign-out), [`SignInCsrfForm`] (the sign-in form),
//! [`ResetCsrfForm`] (the password-reset forms) or [`StaffForm`](super::auth::StaffForm) (signed-in staff): a handler that takes any of them
//! cannot run on a request with a missing or wrong token.
//!
//! Before sign-in there is no session to keep the token in, and making one for every
//! anonymous visitor of the sign-in page would write a row each time: the sign-in form's
//! token lives in a signed cookie of its own ([`LOGIN_COOKIE`], signed with the session
//! cookie's key) until sign-in, when the session gets its own ([`rotate`]). The password-reset
//! forms, also used before sign-in, do the same with a cookie of their own ([`PASSWORD_RESET`]).

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
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

/// Refuses a request that a browser says comes from another site (`Sec-Fetch-Site`), or
/// whose `Origin` is not this site's.
pub(crate) fn check_origin(req: &HttpRequest) -> Result<(), AppError> {
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
    // Compared with the configured base URL only: the `Host` a request names is the
    // client's to choose, so it proves nothing.
    let configured = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.settings.origin());
    match configured {
        Some(site) if site.eq_ignore_ascii_case(origin.trim_end_matches('/')) => Ok(()),
        _ => Err(AppError::Csrf),
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
    parse_form(body)
}

fn parse_form<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
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

/// A form shown before sign-in (signing in, asking for a password reset, choosing the new
/// password): its token lives in a signed cookie of its own, sent only to its pages.
#[derive(Clone, Copy, Debug)]
pub struct AnonymousForm {
    pub cookie: &'static str,
    pub path: &'static str,
}

/// The cookie that holds the sign-in form's token (its path is the sign-in page only).
pub const LOGIN_COOKIE: &str = "chronicle_login_csrf";
pub const SIGN_IN: AnonymousForm = AnonymousForm {
    cookie: LOGIN_COOKIE,
    path: "/admin/login",
};
/// The password-reset pages' (`/admin/password-reset` and the link's page below it).
pub const PASSWORD_RESET: AnonymousForm = AnonymousForm {
    cookie: "chronicle_reset_csrf",
    path: "/admin/password-reset",
};

/// The key that signs cookies (the session middleware's), in the app data.
#[derive(Clone)]
pub struct CookieKey(pub Key);

/// The token of the request's cookie for `form`, when the cookie is there and its
/// signature holds.
fn cookie_token(req: &HttpRequest, form: AnonymousForm) -> Option<String> {
    let key = &req.app_data::<CookieKey>()?.0;
    let mut jar = CookieJar::new();
    jar.add_original(req.cookie(form.cookie)?);
    jar.signed(key)
        .get(form.cookie)
        .map(|c| c.value().to_owned())
}

/// The sign-in form's token for this request (see [`anonymous_token`]).
pub fn login_token(req: &HttpRequest) -> Result<(String, Option<Cookie<'static>>), AppError> {
    anonymous_token(req, SIGN_IN)
}

/// The token of `form` for this request: its cookie's, or a new one with the signed cookie
/// that carries it (for [`with_login_cookie`]).
pub fn anonymous_token(
    req: &HttpRequest,
    form: AnonymousForm,
) -> Result<(String, Option<Cookie<'static>>), AppError> {
    if let Some(token) = cookie_token(req, form) {
        return Ok((token, None));
    }
    let key = &req
        .app_data::<CookieKey>()
        .ok_or_else(|| AppError::Internal("no cookie key in the app data".to_owned()))?
        .0;
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.cookie_secure);
    let fresh = crate::ids::random_hex::<32>();
    let mut jar = CookieJar::new();
    jar.signed_mut(key).add(
        Cookie::build(form.cookie, fresh.clone())
            .path(form.path)
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .finish(),
    );
    let signed = jar
        .get(form.cookie)
        .cloned()
        .ok_or_else(|| AppError::Internal("the form cookie was not signed".to_owned()))?;
    Ok((fresh, Some(signed)))
}

/// Sets the cookie made by [`anonymous_token`], if one was made.
pub fn with_login_cookie(
    mut res: HttpResponse,
    cookie: Option<Cookie<'static>>,
) -> Result<HttpResponse, AppError> {
    if let Some(cookie) = cookie {
        res.add_cookie(&cookie)
            .map_err(|e| AppError::Internal(format!("cannot set the form cookie: {e}")))?;
    }
    Ok(res)
}

/// Removes the login cookie (after sign-in, when the session holds the token).
pub fn forget_login_cookie(res: &mut HttpResponse) -> Result<(), AppError> {
    forget_cookie(res, SIGN_IN)
}

/// Removes the cookie of `form` (when it has served its purpose).
pub fn forget_cookie(res: &mut HttpResponse, form: AnonymousForm) -> Result<(), AppError> {
    res.add_removal_cookie(&Cookie::build(form.cookie, "").path(form.path).finish())
        .map_err(|e| AppError::Internal(format!("cannot remove the form cookie: {e}")))
}

/// Checks the token of a form shown before sign-in (in constant time) against its cookie's
/// and its origin as every form's is, then parses the body. Someone signed in (sent on from
/// the sign-in page, so without a login cookie) may send the session's token instead, as on
/// every other form.
fn verify_anonymous<T: DeserializeOwned>(
    req: &HttpRequest,
    body: &[u8],
    form: AnonymousForm,
) -> Result<T, AppError> {
    check_origin(req)?;
    let submitted = serde_urlencoded::from_bytes::<TokenOnly>(body)
        .ok()
        .and_then(|t| t.csrf_token)
        .ok_or(AppError::Csrf)?;
    let matches = |expected: Option<String>| {
        expected.is_some_and(|e| bool::from(submitted.as_bytes().ct_eq(e.as_bytes())))
    };
    let session = req.get_session();
    if !matches(cookie_token(req, form)) && !matches(session.get::<String>(KEY).ok().flatten()) {
        return Err(AppError::Csrf);
    }
    parse_form(body)
}

/// The sign-in form, checked by [`verify_anonymous`] against the login cookie.
pub struct SignInCsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for SignInCsrfForm<T> {
    type Error = actix_web::Error;
    type Future = Extracting<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        with_body(req, payload, |req, body| async move {
            let body = body.await?;
            Ok(SignInCsrfForm(verify_anonymous(&req, &body, SIGN_IN)?))
        })
    }
}

/// A password-reset form, checked by [`verify_anonymous`] against the reset cookie.
pub struct ResetCsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ResetCsrfForm<T> {
    type Error = actix_web::Error;
    type Future = Extracting<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        with_body(req, payload, |req, body| async move {
            let body = body.await?;
            Ok(ResetCsrfForm(verify_anonymous(
                &req,
                &body,
                PASSWORD_RESET,
            )?))
        })
    }
}
