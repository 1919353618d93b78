//! The one error type of the request path: what went wrong, the status it answers with and
//! the words a person reads about it. The page around those words is drawn by
//! [`super::error_pages`], which knows the layout; this module knows neither.
//!
//! Rule: domain code returns its own errors or `QueryResult`; handlers return
//! `Result<_, AppError>`; nothing on a request path panics.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};

use crate::content::ContentError;

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
    /// Someone else saved the same thing first (the version a form carried is stale): 409.
    #[error("version conflict: {0}")]
    Conflict(String),
    /// A client that sent more requests of a costly kind than its budget: 429 with
    /// `Retry-After`.
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("sign-in required")]
    SignInRequired { next: String },
    /// The site requires two-factor sign-in of this role, and this user has not set it up:
    /// a 303 to the page that does.
    #[error("two-factor sign-in must be set up first")]
    TwoFactorSetupRequired,
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
    pub fn page_text(&self) -> (&'static str, String) {
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
            AppError::TooManyRequests { retry_after_secs } => (
                "Too many requests",
                format!(
                    "This address sent more of these requests than the site answers in a \
                     minute. Please wait {retry_after_secs} second{} and try again.",
                    if *retry_after_secs == 1 { "" } else { "s" }
                ),
            ),
            AppError::TwoFactorSetupRequired => (
                "Set up two-factor sign-in",
                "This site requires two-factor sign-in for your role: set it up to continue."
                    .to_owned(),
            ),
            AppError::NotAccepted(msg) => ("This file was not accepted", msg.clone()),
            AppError::TooLarge(msg) => ("What you sent is too large", msg.clone()),
            AppError::InUse(msg) => ("This is still in use", msg.clone()),
            AppError::Conflict(msg) => ("Someone else saved first", msg.clone()),
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

/// Where a staff member whose role must use two-factor sign-in, and who has not set it up, is
/// sent (the page says why when it sees `required`).
pub const TWO_FACTOR_SETUP_REQUIRED: &str = "/admin/account/two-factor?required=1";

pub(crate) fn not_found_text() -> (&'static str, String) {
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
            // Diesel has no kind for SQLITE_BUSY or PostgreSQL's admin_shutdown (57P01), nor a
            // way to read the code: the driver's own words are all there is to match.
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
            ContentError::Conflict { .. } => AppError::Conflict(
                "The article was changed by someone else while you edited it.".to_owned(),
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
            AppError::SignInRequired { .. } | AppError::TwoFactorSetupRequired => {
                StatusCode::SEE_OTHER
            }
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotAccepted(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::InUse(_) | AppError::Conflict(_) => StatusCode::CONFLICT,
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
            AppError::TwoFactorSetupRequired => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, TWO_FACTOR_SETUP_REQUIRED))
                .finish(),
            _ => {
                let mut res = HttpResponse::build(status)
                    .content_type("text/plain; charset=utf-8")
                    .body(self.page_text().1);
                match self {
                    AppError::DatabaseUnavailable(_) => {
                        res.headers_mut()
                            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
                    }
                    AppError::TooManyRequests { retry_after_secs } => {
                        res.headers_mut().insert(
                            header::RETRY_AFTER,
                            header::HeaderValue::from(*retry_after_secs),
                        );
                    }
                    _ => {}
                }
                res
            }
        }
    }
}
