//! The one error type of the request path, and the middleware that turns every error
//! response (ours, or actix's own: payload too large, malformed form, unknown route) into a
//! real HTML page with the right status.
//!
//! Rule: domain code returns its own errors or `QueryResult`; handlers return
//! `Result<_, AppError>`; nothing on a request path panics.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;

use crate::content::ContentError;

use super::AppState;
use super::render::Layout;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("CSRF check failed")]
    Csrf,
    /// An upload that is refused for what it is (its type, its content): 422.
    #[error("file not accepted: {0}")]
    NotAccepted(String),
    /// An upload larger than the site accepts: 413.
    #[error("too large: {0}")]
    TooLarge(String),
    /// Refused because something still depends on it (a file used in articles): 409.
    #[error("in use: {0}")]
    InUse(String),
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("the database is unavailable: {0}")]
    DatabaseUnavailable(String),
    #[error("database error: {0}")]
    Database(diesel::result::Error),
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        AppError::BadRequest(msg.into())
    }

    pub fn forbidden(msg: impl Into<String>) -> Self {
        AppError::Forbidden(msg.into())
    }

    /// Title and explanation shown on the error page.
    fn page_text(&self) -> (&'static str, String) {
        match self {
            AppError::NotFound => not_found_text(),
            AppError::BadRequest(msg) => ("This request could not be understood", msg.clone()),
            AppError::Forbidden(msg) => ("You are not allowed to do this", msg.clone()),
            AppError::Csrf => (
                "This form has expired",
                "The form was open too long or did not come from this site, so nothing was \
                 changed. Go back, reload the page and send it again."
                    .to_owned(),
            ),
            AppError::SignInRequired { .. } => {
                ("Please sign in", "Sign in to continue.".to_owned())
            }
            AppError::NotAccepted(msg) => ("This file was not accepted", msg.clone()),
            AppError::TooLarge(msg) => ("What you sent is too large", msg.clone()),
            AppError::InUse(msg) => ("This is still in use", msg.clone()),
            AppError::DatabaseUnavailable(_) => (
                "The site is temporarily unavailable",
                "The database is not answering. Nothing you saved earlier is lost; please try \
                 again in a minute."
                    .to_owned(),
            ),
            AppError::Database(_) | AppError::Template(_) | AppError::Internal(_) => (
                "Something went wrong",
                "An unexpected error happened on our side and has been logged. Please try \
                 again; if it keeps happening, tell the site's administrator."
                    .to_owned(),
            ),
        }
    }
}

fn not_found_text() -> (&'static str, String) {
    (
        "Page not found",
        "There is no page at this address. It may have been moved or unpublished, or the \
         link may be mistyped."
            .to_owned(),
    )
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                AppError::DatabaseUnavailable(info.message().to_owned())
            }
            Error::DatabaseError(_, ref info)
                if info.message().contains("database is locked")
                    || info.message().contains("terminating connection") =>
            {
                AppError::DatabaseUnavailable(info.message().to_owned())
            }
            other => AppError::Database(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::DatabaseUnavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<ContentError> for AppError {
    fn from(e: ContentError) -> Self {
        match e {
            ContentError::NotFound => AppError::NotFound,
            ContentError::Database(db) => db.into(),
            ContentError::Invalid(errors) => {
                AppError::BadRequest(errors.0.values().cloned().collect::<Vec<_>>().join(" "))
            }
            ContentError::Conflict { .. } => AppError::bad_request(
                "The article was changed by someone else while you edited it.",
            ),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            AppError::NotAccepted(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::InUse(_) => StatusCode::CONFLICT,
            AppError::DatabaseUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Template(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// A bare response: [`error_pages`] dresses it as a page (it can reach the settings,
    /// which this method cannot).
    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            log::error!("{self}");
        }
        match self {
            AppError::SignInRequired { next } => {
                let location = format!(
                    "/admin/login?next={}",
                    percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)
                );
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location))
                    .finish()
            }
            _ => {
                let mut res = HttpResponse::build(status)
                    .content_type("text/plain; charset=utf-8")
                    .body(self.page_text().1);
                if matches!(self, AppError::DatabaseUnavailable(_)) {
                    res.headers_mut()
                        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
                }
                res
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    heading: String,
    message: String,
    /// On a 404: the latest reports, as a way on.
    recent: Vec<super::site_view::Link>,
}

/// Text for an error response that did not come from [`AppError`] (actix's extractors,
/// routing).
fn text_for_status(status: StatusCode) -> (&'static str, String) {
    match status {
        StatusCode::NOT_FOUND => not_found_text(),
        StatusCode::METHOD_NOT_ALLOWED => (
            "This address does not accept that request",
            "Use the links and forms on the site to get here.".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "What you sent is too large",
            "The form or file is larger than this site accepts, so nothing was saved. Shorten \
             it and try again."
                .to_owned(),
        ),
        s if s.is_client_error() => (
            "This request could not be understood",
            "The form was incomplete or malformed, so nothing was changed. Go back, reload the \
             page and try again."
                .to_owned(),
        ),
        _ => (
            "Something went wrong",
            "An unexpected error happened on our side. Please try again.".to_owned(),
        ),
    }
}

/// An error page rendered in full, for errors that reach the middleware as `Err` (where
/// there is no request left to build a response around): actix renders it via this impl.
#[derive(Debug)]
struct RenderedPage {
    status: StatusCode,
    html: String,
}

impl std::fmt::Display for RenderedPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error page {}", self.status)
    }
}

impl ResponseError for RenderedPage {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = page_response(self.status, self.html.clone());
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
        }
        res
    }
}

fn page_response(status: StatusCode, html: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html)
}

/// The HTML of the error page for `err`, or `None` if it cannot be rendered (the bare
/// response then stands).
fn error_html(state: &AppState, status: StatusCode, err: &actix_web::Error) -> Option<String> {
    let (heading, message) = match err.as_error::<AppError>() {
        Some(app_err) => app_err.page_text(),
        None if is_session_store_error(err) => {
            log::error!("session store: {err}");
            AppError::DatabaseUnavailable(String::new()).page_text()
        }
        None => {
            if status.is_server_error() {
                log::error!("{err}");
            }
            text_for_status(status)
        }
    };
    let mut layout = Layout::public(state, heading);
    layout.noindex = true;
    let page = ErrorPage {
        layout,
        status: status.as_u16(),
        heading: heading.to_owned(),
        message,
        recent: if status == StatusCode::NOT_FOUND {
            state.site().recent.clone()
        } else {
            Vec::new()
        },
    };
    match page.render() {
        Ok(html) => Some(html),
        Err(e) => {
            log::error!("rendering the error page failed: {e}");
            None
        }
    }
}

/// The session store fails only when its database does (actix-session reports that as an
/// opaque 500): the visitor is told the site is temporarily unavailable.
fn is_session_store_error(err: &actix_web::Error) -> bool {
    use actix_session::storage::{LoadError, SaveError, UpdateError};
    use actix_web::error::InternalError;
    err.as_error::<InternalError<LoadError>>().is_some()
        || err.as_error::<InternalError<SaveError>>().is_some()
        || err.as_error::<InternalError<UpdateError>>().is_some()
        || err.as_error::<InternalError<anyhow::Error>>().is_some()
}

/// The status of the page for `err`: a failing session store is a 503, like a failing pool.
fn page_status(status: StatusCode, err: &actix_web::Error) -> StatusCode {
    if is_session_store_error(err) {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        status
    }
}

/// Middleware: every error response becomes an HTML page with the same status.
pub async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(err) => {
            let status = page_status(err.as_response_error().status_code(), &err);
            let html = state
                .as_deref()
                .filter(|_| status.as_u16() >= 400)
                .and_then(|state| error_html(state, status, &err));
            return match html {
                Some(html) => Err(RenderedPage { status, html }.into()),
                None => Err(err),
            };
        }
    };
    let status = res.status();
    if status.as_u16() < 400 {
        return Ok(res);
    }
    // No error attached: a handler's own page with an error status (a form shown again
    // with its messages).
    let (Some(err), Some(state)) = (res.response().error(), state.as_deref()) else {
        return Ok(res);
    };
    let Some(html) = error_html(state, status, err) else {
        return Ok(res);
    };
    let status = page_status(status, err);
    let mut response = page_response(status, html);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
    }
    for (name, value) in res.response().headers() {
        if name == header::RETRY_AFTER || name == header::ALLOW {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let (http_req, _) = res.into_parts();
    Ok(ServiceResponse::new(http_req, response))
}
