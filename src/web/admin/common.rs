//! What every admin page shares: its layout, the confirmation page before a deletion, the
//! empty form of a button, ids from the path, and the redirect after a POST.

use actix_web::HttpResponse;
use actix_web::http::header;
use askama::Template;
use serde::Deserialize;

use crate::web::AppState;
use crate::web::auth::Staff;
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::Layout;

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
