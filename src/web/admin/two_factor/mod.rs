//! Two-factor sign-in for staff: one's own page (`/admin/account/two-factor`: set up with a
//! QR code and a first code, new recovery codes, turn off), the second step of signing in
//! ([`second_step`]) and an administrator's reset of someone else's ([`reset`]). The rules
//! (codes, steps, recovery codes) are `accounts::two_factor`.
//!
//! A secret being set up lives in the session until its first code is typed; only then is it
//! written to the user. Every form here that checks a code reserves an attempt on the user's
//! two-factor throttle key first, as signing in does.

pub mod reset;
pub mod second_step;

use std::sync::atomic::Ordering;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::throttle::{self, Attempt};
use crate::accounts::two_factor::{self, QrSvg, Verdict};
use crate::accounts::{Role, User, password};
use crate::clock;
use crate::web::AppState;
use crate::web::admin::common::{self, EmptyForm};
use crate::web::auth::{Staff, StaffForm};
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::{Layout, render_status};

/// The session key of a secret being set up (not yet confirmed by a code).
const PENDING_SECRET_KEY: &str = "two_factor_pending_secret";
const PAGE: &str = "/admin/account/two-factor";

/// What a refused code says.
pub const WRONG_CODE: &str = "That code is not correct. Type the six digits your app shows now \
     (check that your phone's clock is right).";
pub const REUSED_CODE: &str =
    "That code was used already. Wait for the next code in your app and type that one.";

/// What a throttled code form says.
pub fn locked_message(minutes: i64) -> String {
    format!(
        "Too many wrong codes. For safety, two-factor codes are refused for {minutes} more minute{}; try again then.",
        if minutes == 1 { "" } else { "s" }
    )
}

/// The set-up step: the QR code and the same secret as text, for typing in.
pub struct Enrolment {
    pub qr: QrSvg,
    /// The secret in groups of four letters.
    pub secret: String,
}

#[derive(Template)]
#[template(path = "admin/two_factor.html")]
struct AccountPage {
    layout: Layout,
    enabled_since: Option<String>,
    unused_codes: i64,
    /// The site requires it of this user's role and it is not on yet.
    required: bool,
    enrolment: Option<Enrolment>,
    /// New recovery codes, shown this once.
    new_codes: Vec<String>,
    error: Option<String>,
}

/// Whether the site requires two-factor sign-in of `user`'s role.
fn required_of(state: &AppState, user: &User) -> bool {
    state.site().settings.require_two_factor && matches!(user.role(), Role::Admin | Role::Editor)
}

fn enrolment(state: &AppState, user: &User, secret: &str) -> Result<Enrolment, AppError> {
    let issuer = state.site().settings.name.clone();
    let url = two_factor::otpauth_url(secret, &user.email, &issuer)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let qr = two_factor::qr_svg(&url).map_err(|e| AppError::Internal(e.to_string()))?;
    let grouped = secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Enrolment {
        qr,
        secret: grouped,
    })
}

/// The page as `staff` (re-read after a change) sees it now, with `new_codes` and `error`.
async fn page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    new_codes: Vec<String>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let id = staff.user.id;
    let (user, unused_codes) = state
        .db(move |conn| {
            let user = crate::accounts::find_by_id(conn, id)?;
            Ok((user, two_factor::unused_recovery_codes(conn, id)?))
        })
        .await?;
    let user = user.ok_or(AppError::NotFound)?;
    let pending = if user.has_two_factor() {
        None
    } else {
        staff
            .session
            .get::<String>(PENDING_SECRET_KEY)
            .ok()
            .flatten()
    };
    let enrolment = match pending {
        Some(secret) => Some(enrolment(state, &user, &secret)?),
        None => None,
    };
    let tz = state.settings.timezone;
    render_status(
        status,
        &AccountPage {
            layout: common::layout(state, staff, "Two-factor sign-in")?,
            enabled_since: user
                .totp_enabled_at
                .filter(|_| user.has_two_factor())
                .map(|t| clock::short_date_time(t, tz)),
            unused_codes,
            required: required_of(state, &user) && !user.has_two_factor(),
            enrolment,
            new_codes,
            error,
        },
    )
}

pub async fn show(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    page(&state, &staff, StatusCode::OK, Vec::new(), None).await
}

/// "Set up": a new secret kept in the session until a code from it is typed.
pub async fn start(
    StaffForm { staff, .. }: StaffForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    if staff.user.has_two_factor() {
        flash::success(&staff.session, "Two-factor sign-in is already on.");
        return Ok(common::see_other(PAGE));
    }
    staff
        .session
        .insert(PENDING_SECRET_KEY, two_factor::new_secret())
        .map_err(|e| AppError::Internal(format!("cannot store the session: {e}")))?;
    Ok(common::see_other(PAGE))
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

/// Why a form that asks for a code did nothing.
enum Refused {
    Wrong(String),
    Throttled(i64),
}

impl Refused {
    fn of(verdict: Verdict) -> Refused {
        Refused::Wrong(if verdict == Verdict::Reused {
            REUSED_CODE.to_owned()
        } else {
            WRONG_CODE.to_owned()
        })
    }
}

/// The page again after a refusal: 422 with the reason, or 429 when throttled (audited).
async fn refused(
    req: &HttpRequest,
    state: &AppState,
    staff: &Staff,
    why: Refused,
) -> Result<HttpResponse, AppError> {
    let (status, message) = match why {
        Refused::Wrong(message) => (StatusCode::UNPROCESSABLE_ENTITY, message),
        Refused::Throttled(minutes) => {
            state
                .audit_by(req, &staff.user, "two-factor code refused (throttled)", "")
                .await;
            (StatusCode::TOO_MANY_REQUESTS, locked_message(minutes))
        }
    };
    page(state, staff, status, Vec::new(), Some(message)).await
}

/// Reserves one code attempt of `user_id` (refused when its key is locked).
fn reserve(conn: &mut crate::db::DbConn, user_id: i32) -> Result<Option<i64>, AppError> {
    let key = throttle::two_factor_key(user_id);
    match throttle::reserve(conn, &key, throttle::ACCOUNT_LIMIT, clock::now())? {
        Attempt::Locked(minutes) => Ok(Some(minutes)),
        Attempt::Reserved => Ok(None),
    }
}

fn forget_attempts(conn: &mut crate::db::DbConn, user_id: i32) -> Result<(), AppError> {
    throttle::clear(conn, &throttle::two_factor_key(user_id), clock::now())?;
    Ok(())
}

/// The first code from the app: two-factor sign-in goes on, and the recovery codes are shown.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    StaffForm { staff, form }: StaffForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let pending = staff
        .session
        .get::<String>(PENDING_SECRET_KEY)
        .ok()
        .flatten();
    let Some(secret) = pending.filter(|_| !staff.user.has_two_factor()) else {
        let message = "Start the set-up first: press \u{201c}Set up\u{201d}, then type a code.";
        return refused(&req, &state, &staff, Refused::Wrong(message.to_owned())).await;
    };
    let (id, now) = (staff.user.id, state.clock.now());
    let stored = secret.clone();
    let result = state
        .db(move |conn| {
            if let Some(minutes) = reserve(conn, id)? {
                return Ok(Err(Refused::Throttled(minutes)));
            }
            let step = two_factor::step_of(&stored, &form.code, now)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let Some(step) = step else {
                return Ok(Err(Refused::of(Verdict::Wrong)));
            };
            let codes = two_factor::enable(conn, id, &stored, step, now)?;
            forget_attempts(conn, id)?;
            Ok(Ok(codes))
        })
        .await?;
    match result {
        Ok(codes) => {
            staff.session.remove(PENDING_SECRET_KEY);
            state
                .audit_by(&req, &staff.user, "turned on two-factor sign-in", "")
                .await;
            page(&state, &staff, StatusCode::OK, codes, None).await
        }
        Err(why) => refused(&req, &state, &staff, why).await,
    }
}

/// New recovery codes (the old ones stop working), for a current code from the app.
pub async fn new_recovery_codes(
    req: HttpRequest,
    state: web::Data<AppState>,
    StaffForm { staff, form }: StaffForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    if !staff.user.has_two_factor() {
        let message = "Two-factor sign-in is off: there are no recovery codes to replace.";
        return refused(&req, &state, &staff, Refused::Wrong(message.to_owned())).await;
    }
    let (user, now) = (staff.user.clone(), state.clock.now());
    let result = state
        .db(move |conn| {
            if let Some(minutes) = reserve(conn, user.id)? {
                return Ok(Err(Refused::Throttled(minutes)));
            }
            let verdict = two_factor::verify(conn, &user, &form.code, now, false)?;
            if verdict != Verdict::Code {
                return Ok(Err(Refused::of(verdict)));
            }
            forget_attempts(conn, user.id)?;
            Ok(Ok(two_factor::regenerate_recovery_codes(
                conn, user.id, now,
            )?))
        })
        .await?;
    match result {
        Ok(codes) => {
            state
                .audit_by(&req, &staff.user, "made new recovery codes", "")
                .await;
            page(&state, &staff, StatusCode::OK, codes, None).await
        }
        Err(why) => refused(&req, &state, &staff, why).await,
    }
}

/// Turning two-factor sign-in off: the current password and a code (or a recovery code).
pub async fn turn_off(
    req: HttpRequest,
    state: web::Data<AppState>,
    StaffForm { staff, form }: StaffForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    if !staff.user.has_two_factor() {
        flash::success(&staff.session, "Two-factor sign-in is already off.");
        return Ok(common::see_other(PAGE));
    }
    let (user, now) = (staff.user.clone(), state.clock.now());
    let checks = state.password_checks.clone();
    let result = state
        .db(move |conn| {
            if let Some(minutes) = reserve(conn, user.id)? {
                return Ok(Err(Refused::Throttled(minutes)));
            }
            checks.fetch_add(1, Ordering::Relaxed);
            if !password::verify(&form.password, &user.password_hash) {
                return Ok(Err(Refused::Wrong(
                    "The current password is not correct.".to_owned(),
                )));
            }
            let verdict = two_factor::verify(conn, &user, &form.code, now, true)?;
            if !matches!(verdict, Verdict::Code | Verdict::RecoveryCode) {
                return Ok(Err(Refused::of(verdict)));
            }
            forget_attempts(conn, user.id)?;
            two_factor::disable(conn, user.id, now)?;
            Ok(Ok(()))
        })
        .await?;
    match result {
        Ok(()) => {
            state
                .audit_by(&req, &staff.user, "turned off two-factor sign-in", "")
                .await;
            flash::success(
                &staff.session,
                "Two-factor sign-in is off. Signing in asks for your password only.",
            );
            Ok(common::see_other(PAGE))
        }
        Err(why) => refused(&req, &state, &staff, why).await,
    }
}
