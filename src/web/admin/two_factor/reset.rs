//! An administrator's way out for someone who lost their phone and their recovery codes:
//! two-factor sign-in off for that user, their sessions ended, the reset audited. On the
//! user's edit page; one's own is turned off on one's own page (with a code).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::accounts::permissions::Action;
use crate::accounts::{self, two_factor};
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::StaffForm;
use crate::web::error::AppError;
use crate::web::flash;

#[derive(Deserialize)]
pub struct ResetForm {
    /// The "yes, reset" box: the button alone does nothing.
    confirm: Option<String>,
}

pub async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<ResetForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageUsers)?;
    let (_, user) = common::found_at(&state, &path, accounts::find_by_id).await?;
    if user.id == staff.user.id {
        return Err(AppError::bad_request(
            "Turn your own two-factor sign-in off on your account page (Two-factor sign-in), \
             with a code. Nothing was changed.",
        ));
    }
    if form.confirm.is_none() {
        return Err(AppError::bad_request(
            "Tick \u{201c}Yes, reset\u{201d} to confirm the reset. Nothing was changed.",
        ));
    }
    let back = format!("/admin/users/{}/edit", user.id);
    if !user.has_two_factor() {
        flash::success(
            &staff.session,
            format!("{} has no two-factor sign-in to reset.", user.display_name),
        );
        return Ok(common::see_other(&back));
    }
    let (id, now) = (user.id, state.clock.now());
    state
        .db(move |conn| Ok(two_factor::reset(conn, id, now)?))
        .await?;
    state
        .audit_by(&req, &staff.user, "reset two-factor sign-in", &user.email)
        .await;
    flash::success(
        &staff.session,
        format!(
            "Two-factor sign-in of {} was reset and their sessions ended: they sign in with \
             their password and can set it up again.",
            user.display_name
        ),
    );
    Ok(common::see_other(&back))
}
