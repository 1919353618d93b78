//! What every admin page shares: its layout, the confirmation page before a deletion and what
//! follows one, how a save ends, the empty form of a button, ids from the path, and the
//! redirect after a POST.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use diesel::QueryResult;

use crate::content::{ContentError, FieldErrors};
use crate::db::DbConn;
use crate::web::AppState;
use crate::web::auth::{Staff, StaffForm};
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::{Layout, render};

/// Checks an article form and cleans its body on a blocking thread, before any database
/// connection is taken (see [`crate::content::articles::Checked`]).
pub async fn check_article(
    input: crate::content::articles::ArticleInput,
    action: crate::content::articles::SaveAction,
) -> Result<Result<crate::content::articles::Checked, ContentError>, AppError> {
    Ok(web::block(move || crate::content::articles::check(&input, action)).await?)
}

/// The staff layout, with the CSRF token and any pending flash message.
pub fn layout(state: &AppState, staff: &Staff, title: &str) -> Result<Layout, AppError> {
    let token = csrf::token(&staff.session)?;
    Ok(Layout::staff(
        state,
        title,
        &staff.user,
        token,
        flash::take(&staff.session),
    ))
}

/// `303 See Other` to `to`: where a successful POST leads.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish()
}

/// An id from the path; anything else is a page that does not exist.
pub fn parse_id(raw: &str) -> Result<i32, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// How a domain module finds a row by id.
pub type Find<T> = fn(&mut DbConn, i32) -> QueryResult<Option<T>>;

/// The row `find` gives for `id`; a missing one is a page that does not exist.
pub async fn found<T: Send + 'static>(
    state: &AppState,
    id: i32,
    find: Find<T>,
) -> Result<T, AppError> {
    state
        .db(move |conn| find(conn, id)?.ok_or(AppError::NotFound))
        .await
}

/// The id in the path and the row `find` gives for it (404 for either missing).
pub async fn found_at<T: Send + 'static>(
    state: &AppState,
    raw_id: &str,
    find: Find<T>,
) -> Result<(i32, T), AppError> {
    let id = parse_id(raw_id)?;
    Ok((id, found(state, id, find).await?))
}

/// The page that asks before deleting.
#[derive(Template)]
#[template(path = "admin/confirm_delete.html")]
pub struct ConfirmDelete {
    pub layout: Layout,
    /// "the report “…”": what will be deleted.
    pub what: String,
    pub action_url: String,
    pub back_url: String,
}

impl ConfirmDelete {
    /// The page, titled `title`, asking before deleting `what` by a POST to `action_url`.
    pub fn page(
        state: &AppState,
        staff: &Staff,
        title: &str,
        what: String,
        action_url: String,
        back_url: String,
    ) -> Result<HttpResponse, AppError> {
        render(&ConfirmDelete {
            layout: layout(state, staff, title)?,
            what,
            action_url,
            back_url,
        })
    }
}

/// Something staff delete after a confirmation page (`GET …/{id}/delete`, then a `POST` to the
/// same address): [`confirm_delete`] and [`delete`] are the two handlers for every such thing,
/// and this says what differs: who may, what it is called, how it goes.
// Actix runs handlers on one thread, so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Deletable: Sized + 'static {
    /// The confirmation page's title, e.g. "Delete page".
    const TITLE: &'static str;
    /// The audit log's verb, e.g. "deleted page".
    const AUDIT: &'static str;
    /// Where the browser goes once it is deleted.
    const BACK_TO: &'static str;
    /// The thing with id `id`, if this person may delete it; the error to show otherwise.
    async fn load(state: &AppState, staff: &Staff, id: i32) -> Result<Self, AppError>;
    /// Why it cannot go now, if it cannot (asked before the confirmation page).
    async fn refusal(&self, _state: &AppState, _id: i32) -> Result<(), AppError> {
        Ok(())
    }
    /// What the confirmation page says will go, e.g. "the page “Contact” (/contact)".
    fn what(&self) -> String;
    /// Where "Cancel" leads from the confirmation page.
    fn back_url(id: i32) -> String;
    /// Deletes it, returning how many rows went (0: it was gone already), or says why not if
    /// that changed since the confirmation.
    async fn delete(&self, state: &AppState, id: i32) -> Result<usize, AppError>;
    /// What it was, for the audit log.
    fn subject(&self, id: i32) -> String;
    /// Whether the public site showed it (its caches are rebuilt).
    fn was_public(&self) -> bool {
        true
    }
    /// The message after the deletion.
    fn gone(&self) -> String;
}

/// `GET …/{id}/delete`: the page that asks before deleting a [`Deletable`].
pub async fn confirm_delete<D: Deletable>(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let thing = D::load(&state, &staff, id).await?;
    thing.refusal(&state, id).await?;
    ConfirmDelete::page(
        &state,
        &staff,
        D::TITLE,
        thing.what(),
        req.path().to_owned(),
        D::back_url(id),
    )
}

/// `POST …/{id}/delete`: deletes a [`Deletable`], then [`Deleted::finish`].
pub async fn delete<D: Deletable>(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, .. }: StaffForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let thing = D::load(&state, &staff, id).await?;
    if thing.delete(&state, id).await? == 0 {
        return Err(AppError::NotFound);
    }
    Deleted {
        audit: D::AUDIT,
        subject: thing.subject(id),
        was_public: thing.was_public(),
        message: thing.gone(),
        back_to: D::BACK_TO,
    }
    .finish(&state, &req, &staff)
    .await
}

/// What a deletion that went through leaves behind: the audit entry, a fresh public site if
/// the thing was on it, the message, and where the browser goes next.
pub struct Deleted<'a> {
    /// The audit log's verb, e.g. "deleted page".
    pub audit: &'a str,
    /// The audit log's subject: what it was, so the entry still reads once it is gone.
    pub subject: String,
    /// Whether the public site showed it (its caches are rebuilt).
    pub was_public: bool,
    pub message: String,
    pub back_to: &'a str,
}

impl Deleted<'_> {
    /// Audits first (the record survives a failed refresh), then refreshes and redirects.
    pub async fn finish(
        self,
        state: &AppState,
        req: &HttpRequest,
        staff: &Staff,
    ) -> Result<HttpResponse, AppError> {
        state
            .audit_by(req, &staff.user, self.audit, &self.subject)
            .await;
        if self.was_public {
            state.refresh_site().await?;
        }
        flash::success(&staff.session, self.message);
        Ok(see_other(self.back_to))
    }
}

/// How every admin save ends. Saved: `saved` (a message and a redirect, usually). Refused by
/// the checks: the form `again` with 422 and the messages. Someone else saved first: the form
/// `again` with 409, no messages and their version number, so that what was typed is kept and
/// the next save deliberately replaces theirs. Anything else: the error page.
///
/// Checks a handler makes before it writes come in as `Err(ContentError::Invalid(..))`, so the
/// form is shown from one place.
pub async fn finish_save<T>(
    result: Result<T, ContentError>,
    saved: impl AsyncFnOnce(T) -> Result<HttpResponse, AppError>,
    again: impl AsyncFnOnce(StatusCode, FieldErrors, Option<i32>) -> Result<HttpResponse, AppError>,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(value) => saved(value).await,
        Err(ContentError::Invalid(errors)) => {
            again(StatusCode::UNPROCESSABLE_ENTITY, errors, None).await
        }
        Err(ContentError::Conflict { current }) => {
            again(StatusCode::CONFLICT, FieldErrors::default(), Some(current)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The form of a button that sends nothing but its CSRF token.
#[derive(Deserialize)]
pub struct EmptyForm {}

/// The rich editor's files (`assets/vendor/trix`, `assets/js/editor.js`), and the nonce that
/// lets Trix insert its one `<style>` element. A form page with a `textarea#body` includes
/// `admin/editor_head.html` and answers through [`EditorAssets::allow_style`].
#[derive(Clone)]
pub struct EditorAssets {
    pub trix_js: String,
    pub trix_css: String,
    pub editor_js: String,
    pub style_nonce: String,
}

impl EditorAssets {
    pub fn new(state: &AppState) -> Self {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        EditorAssets {
            trix_js: state.assets.url("vendor/trix/trix.umd.min.js"),
            trix_css: state.assets.url("vendor/trix/trix.css"),
            editor_js: state.assets.url("js/editor.js"),
            style_nonce: crate::ids::hex(&bytes),
        }
    }

    /// The page's Content-Security-Policy, with this nonce for styles.
    pub fn allow_style(&self, mut response: HttpResponse) -> HttpResponse {
        let csp = crate::web::content_security_policy(Some(&self.style_nonce));
        if let Ok(value) = header::HeaderValue::from_str(&csp) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
        response
    }
}
