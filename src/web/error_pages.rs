//! The middleware that turns every error response (ours, or actix's own: payload too large,
//! malformed form, unknown route, a failing session store) into a real HTML page with the
//! same status. Only a middleware can reach the settings and the site view the layout needs,
//! which is why the page is drawn here and not by [`AppError`] itself.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;

use super::AppState;
use super::error::{AppError, not_found_text};
use super::render::{Layout, Link};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    heading: String,
    message: String,
    /// On a 404: the latest reports, as a way on.
    recent: Vec<Link>,
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
    /// The `Retry-After` of a 503 or a 429.
    retry_after: Option<header::HeaderValue>,
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
        if let Some(wait) = &self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, wait.clone());
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

/// How long a client is asked to wait before it tries again, for the statuses that ask.
fn retry_after(status: StatusCode, err: &actix_web::Error) -> Option<header::HeaderValue> {
    match err.as_error::<AppError>() {
        Some(AppError::TooManyRequests { retry_after_secs }) => {
            Some(header::HeaderValue::from(*retry_after_secs))
        }
        _ if status == StatusCode::SERVICE_UNAVAILABLE => {
            Some(header::HeaderValue::from_static("30"))
        }
        _ => None,
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
                Some(html) => Err(RenderedPage {
                    status,
                    html,
                    retry_after: retry_after(status, &err),
                }
                .into()),
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
