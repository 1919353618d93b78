//! Who is signed in: the [`Staff`] extractor loads the session's user from the database on
//! every admin request, so a disabled account or an ended session stops working at once.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::accounts::permissions::{self, Action};
use crate::accounts::{self, Role, User, sessions::USER_ID_KEY};

use super::AppState;
use super::error::AppError;
use super::{csrf, kept_forms};

/// A signed-in, enabled staff member.
pub struct Staff {
    pub user: User,
    pub session: Session,
}

impl Staff {
    pub async fn load(req: &HttpRequest) -> Result<Staff, AppError> {
        let session = req.get_session();
        let next = match req.uri().path_and_query() {
            Some(pq) if req.method() == actix_web::http::Method::GET => pq.as_str().to_owned(),
            _ => "/admin".to_owned(),
        };
        let sign_in = || AppError::SignInRequired { next: next.clone() };
        let user_id = session
            .get::<i32>(USER_ID_KEY)
            .ok()
            .flatten()
            .ok_or_else(sign_in)?;
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| AppError::Internal("application state missing".into()))?;
        let user = state
            .db(move |conn| Ok(accounts::find_by_id(conn, user_id)?))
            .await?;
        match user {
            Some(user) if !user.disabled => {
                if must_set_up_two_factor(&state, &user, req.path()) {
                    return Err(AppError::TwoFactorSetupRequired);
                }
                Ok(Staff { user, session })
            }
            _ => {
                session.purge();
                Err(sign_in())
            }
        }
    }

    /// Refuses with a 403 page unless the role allows `action`.
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        self.allowed_if(
            permissions::allows(self.user.role(), action),
            "does not allow this",
        )
    }

    /// Refuses with a 403 page unless `allowed`, saying "Your role (…) `refusal`".
    pub fn allowed_if(&self, allowed: bool, refusal: &str) -> Result<(), AppError> {
        if allowed {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "Your role ({}) {refusal}. Nothing was changed.",
                self.user.role().label()
            )))
        }
    }
}

/// Whether `user` must set up two-factor sign-in before using `path`: the site requires it,
/// their role is one it is required of (administrators and editors), they have not, and the
/// page is not one of those they need meanwhile (the set-up page, their password, sign-out).
fn must_set_up_two_factor(state: &AppState, user: &accounts::User, path: &str) -> bool {
    let exempt = path == "/admin/logout"
        || path == "/admin/account/password"
        || path == "/admin/account/two-factor"
        || path.starts_with("/admin/account/two-factor/");
    !exempt
        && matches!(user.role(), Role::Admin | Role::Editor)
        && !user.has_two_factor()
        && state.site().settings.require_two_factor
}

impl FromRequest for Staff {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(Staff::load(&req).await?) })
    }
}

/// Left in a request whose form a signed-in staff member sent with a valid CSRF token: what
/// lets a write empty the public caches (see `live::forget_after_writes`).
pub struct CheckedForm;

/// A signed-in staff member and their CSRF-checked form, checked in that order: an expired
/// session leads to the sign-in page, not to a CSRF error.
pub struct StaffForm<T> {
    pub staff: Staff,
    pub form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for StaffForm<T> {
    type Error = actix_web::Error;
    type Future = csrf::Extracting<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        csrf::with_body(req, payload, |req, body| async move {
            let staff = match Staff::load(&req).await {
                Ok(staff) => staff,
                Err(AppError::SignInRequired { next }) => {
                    // An article form sent after the session expired: keep what was typed
                    // and bring it back after sign-in.
                    let body = body.await?;
                    return Err(kept_forms::keep_article_form(&req, &body)
                        .await
                        .unwrap_or(AppError::SignInRequired { next })
                        .into());
                }
                Err(e) => return Err(e.into()),
            };
            let body = body.await?;
            let form = csrf::verify_and_parse(&req, &staff.session, &body)?;
            actix_web::HttpMessage::extensions_mut(&req).insert(CheckedForm);
            Ok(StaffForm { staff, form })
        })
    }
}
