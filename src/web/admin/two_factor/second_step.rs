//! The second step of signing in, for a user with two-factor sign-in on. A right password
//! leaves the session half signed in: [`PENDING_KEY`] holds the user, when the password was
//! right and where to go next, and nothing else. `Staff` reads only `USER_ID_KEY`, so the
//! half state opens no admin page. A right code (or an unused recovery code) within
//! [`PENDING_MINUTES`] then signs in exactly as a password alone does for everyone else.

use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::accounts::throttle::{self, Attempt};
use crate::accounts::two_factor::{self, Verdict};
use crate::accounts::{self, User, sessions::USER_ID_KEY};
use crate::clock;
use crate::web::AppState;
use crate::web::csrf::{self, CsrfForm};
use crate::web::error::AppError;
use crate::web::render::{Layout, render_status};

/// The session key of a sign-in waiting for its second factor.
pub const PENDING_KEY: &str = "pending_two_factor";
/// How long a right password waits for its code.
pub const PENDING_MINUTES: i64 = 5;
const PATH: &str = "/admin/login/two-factor";

#[derive(Serialize, Deserialize)]
struct Pending {
    user_id: i32,
    /// Unix seconds (system clock) when the password was right.
    since: i64,
    next: String,
}

/// After a right password for `user`: a fresh session that holds only the half state, and
/// the way to the code page. The login cookie is forgotten by the caller.
pub fn begin(session: &Session, user: &User, next: &str) -> Result<HttpResponse, AppError> {
    session.renew();
    session
        .insert(
            PENDING_KEY,
            Pending {
                user_id: user.id,
                since: clock::now().and_utc().timestamp(),
                next: next.to_owned(),
            },
        )
        .map_err(|e| AppError::Internal(format!("cannot store the session: {e}")))?;
    csrf::rotate(session)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, PATH))
        .finish())
}

/// The half state of this session, if it has one that has not expired (an expired one is
/// removed).
fn pending(session: &Session) -> Option<Pending> {
    let found = session.get::<Pending>(PENDING_KEY).ok().flatten()?;
    let age = clock::now().and_utc().timestamp() - found.since;
    if (0..=PENDING_MINUTES * 60).contains(&age) {
        Some(found)
    } else {
        session.remove(PENDING_KEY);
        None
    }
}

#[derive(Template)]
#[template(path = "admin/login_two_factor.html")]
struct CodePage {
    layout: Layout,
    error: Option<String>,
}

fn page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let mut layout = Layout::public(state, "Two-factor sign-in");
    layout.csrf = csrf::token(session)?;
    render_status(status, &CodePage { layout, error })
}

/// Where someone without a waiting sign-in goes: the admin area when signed in, else the
/// sign-in page (a half state that ran out starts again there).
fn elsewhere(session: &Session) -> HttpResponse {
    let signed_in = session.get::<i32>(USER_ID_KEY).ok().flatten().is_some();
    let to = if signed_in {
        "/admin"
    } else {
        "/admin/login?code_expired=1"
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

pub async fn form(state: web::Data<AppState>, session: Session) -> Result<HttpResponse, AppError> {
    if pending(&session).is_none() {
        return Ok(elsewhere(&session));
    }
    page(&state, &session, StatusCode::OK, None)
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

enum Outcome {
    /// The user is gone, disabled, or no longer has two-factor sign-in (reset meanwhile).
    StartAgain,
    Locked(i64),
    Checked(Box<User>, Verdict),
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let Some(waiting) = pending(&session) else {
        return Ok(elsewhere(&session));
    };
    let client = state.client_of(&req);
    let client_key = throttle::client_key(&client);
    let (id, now) = (waiting.user_id, state.clock.now());
    let outcome = state
        .db(move |conn| {
            let user = accounts::find_by_id(conn, id)?;
            let Some(user) = user.filter(|u| !u.disabled && u.has_two_factor()) else {
                return Ok(Outcome::StartAgain);
            };
            // Counted before the code is checked, per user and per client address, as
            // passwords are.
            let key = throttle::two_factor_key(id);
            let reserved = throttle::reserve_sign_in(conn, &key, &client_key, clock::now())?;
            if let Attempt::Locked(minutes) = reserved {
                return Ok(Outcome::Locked(minutes));
            }
            let verdict = two_factor::verify(conn, &user, &form.code, now, true)?;
            if matches!(verdict, Verdict::Code | Verdict::RecoveryCode) {
                throttle::clear(conn, &key, clock::now())?;
            }
            Ok(Outcome::Checked(Box::new(user), verdict))
        })
        .await?;
    let (user, verdict) = match outcome {
        Outcome::StartAgain => {
            session.purge();
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/admin/login"))
                .finish());
        }
        Outcome::Locked(minutes) => {
            let actor = format!("user {id}");
            state
                .audit(
                    None,
                    &actor,
                    "two-factor code refused (throttled)",
                    "",
                    &client,
                )
                .await;
            return page(
                &state,
                &session,
                StatusCode::TOO_MANY_REQUESTS,
                Some(super::locked_message(minutes)),
            );
        }
        Outcome::Checked(user, verdict) => (user, verdict),
    };
    let error = match verdict {
        Verdict::Code | Verdict::RecoveryCode => {
            let what = if verdict == Verdict::Code {
                "signed in (two-factor)"
            } else {
                "signed in with a recovery code"
            };
            state.audit(Some(&user), "", what, "", &client).await;
            // As a password alone signs in: a fresh session id, the user, a new token, what
            // the sessions page shows of it.
            session.remove(PENDING_KEY);
            super::super::sign_in::begin_session(&req, &session, user.id, &client)?;
            log::info!("{} signed in (two-factor)", user.email);
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, waiting.next))
                .finish());
        }
        Verdict::Reused => super::REUSED_CODE,
        Verdict::Wrong => {
            state
                .audit(Some(&user), "", "two-factor code refused", "", &client)
                .await;
            "That code is not correct. Type the six digits your app shows now, or one of your \
             recovery codes."
        }
    };
    page(
        &state,
        &session,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(error.to_owned()),
    )
}
