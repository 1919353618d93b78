//! Where a staff member is signed in: their live sessions (browser, address, when signed in,
//! last seen), ending one or all the others; and an administrator ending every session of
//! another user. Sessions are rows (see [`crate::accounts::sessions`]), so an ended one is
//! gone on every instance at once.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::accounts::permissions::Action;
use crate::accounts::sessions::{self, LABEL_KEY, SignedIn};
use crate::accounts::{self};
use crate::clock;
use crate::web::AppState;
use crate::web::auth::{Staff, StaffForm};
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::{Layout, render};

use super::common::{self, EmptyForm, see_other};

/// One session as the page lists it.
pub struct Row {
    pub label: String,
    pub browser: String,
    /// The whole `User-Agent`, for the tooltip.
    pub agent: String,
    pub client: String,
    pub signed_in: String,
    pub last_seen: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "admin/sessions.html")]
struct SessionsPage {
    layout: Layout,
    rows: Vec<Row>,
}

/// "Firefox on Linux" from a `User-Agent`: the browser family and the system, or the
/// agent's first words when neither is known.
pub fn describe_browser(agent: &str) -> String {
    let has = |s: &str| agent.contains(s);
    let browser = if has("Edg/") {
        "Edge"
    } else if has("OPR/") || has("Opera") {
        "Opera"
    } else if has("YaBrowser/") {
        "Yandex Browser"
    } else if has("Firefox/") {
        "Firefox"
    } else if has("Chrome/") || has("Chromium/") || has("CriOS/") {
        "Chrome"
    } else if has("Safari/") {
        "Safari"
    } else {
        ""
    };
    let system = if has("Android") {
        "Android"
    } else if has("iPhone") || has("iPad") {
        "iOS"
    } else if has("Windows") {
        "Windows"
    } else if has("Mac OS X") || has("Macintosh") {
        "macOS"
    } else if has("CrOS") {
        "ChromeOS"
    } else if has("Linux") {
        "Linux"
    } else {
        ""
    };
    match (browser, system) {
        ("", "") if agent.trim().is_empty() => "Unknown browser".to_owned(),
        ("", "") => agent.chars().take(40).collect(),
        (b, "") => b.to_owned(),
        ("", s) => format!("A browser on {s}"),
        (b, s) => format!("{b} on {s}"),
    }
}

fn current_label(staff: &Staff) -> String {
    staff
        .session
        .get::<String>(LABEL_KEY)
        .ok()
        .flatten()
        .unwrap_or_default()
}

pub async fn list(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let user_id = staff.user.id;
    let found = state
        .db(move |conn| Ok(sessions::of_user(conn, user_id)?))
        .await?;
    let current = current_label(&staff);
    let tz = state.settings.timezone;
    let rows = found
        .into_iter()
        .map(|s: SignedIn| Row {
            current: !s.label.is_empty() && s.label == current,
            browser: describe_browser(&s.browser),
            agent: s.browser,
            client: s.client,
            signed_in: clock::short_date_time(s.signed_in_at, tz),
            last_seen: clock::short_date_time(s.last_seen_at, tz),
            label: s.label,
        })
        .collect();
    render(&SessionsPage {
        layout: common::layout(&state, &staff, "Where you are signed in")?,
        rows,
    })
}

const PAGE: &str = "/admin/account/sessions";

/// Signs out one of the user's other sessions (this one is left with "Sign out").
pub async fn end_one(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, .. }: StaffForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let label = path.into_inner();
    if label.is_empty() || label == current_label(&staff) {
        return Err(AppError::bad_request(
            "To end the session of this browser, use Sign out.",
        ));
    }
    let user_id = staff.user.id;
    let wanted = label.clone();
    let ended = state
        .db(move |conn| Ok(sessions::end_where(conn, user_id, |s| s.label == wanted)?))
        .await?;
    if ended == 0 {
        flash::error(&staff.session, "That session had already ended.");
    } else {
        state
            .audit_by(&req, &staff.user, "ended one of their sessions", "")
            .await;
        flash::success(&staff.session, "That session was signed out.");
    }
    Ok(see_other(PAGE))
}

/// Signs out every session of the user but this one.
pub async fn end_others(
    req: HttpRequest,
    state: web::Data<AppState>,
    StaffForm { staff, .. }: StaffForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let current = current_label(&staff);
    let user_id = staff.user.id;
    let ended = state
        .db(move |conn| {
            Ok(sessions::end_where(conn, user_id, |s| {
                current.is_empty() || s.label != current
            })?)
        })
        .await?;
    state
        .audit_by(
            &req,
            &staff.user,
            "signed out their other sessions",
            &ended.to_string(),
        )
        .await;
    flash::success(
        &staff.session,
        match ended {
            0 => "You were not signed in anywhere else.".to_owned(),
            1 => "1 other session was signed out.".to_owned(),
            n => format!("{n} other sessions were signed out."),
        },
    );
    Ok(see_other(PAGE))
}

/// An administrator ends every session of a user (their own: every other one).
pub async fn end_all_of_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, .. }: StaffForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageUsers)?;
    let id = common::parse_id(&path)?;
    let user = common::found(&state, id, accounts::find_by_id).await?;
    if user.id == staff.user.id {
        return end_others(
            req,
            state,
            StaffForm {
                staff,
                form: EmptyForm {},
            },
        )
        .await;
    }
    let ended = state
        .db(move |conn| Ok(accounts::end_sessions_of(conn, id)?))
        .await?;
    state
        .audit_by(
            &req,
            &staff.user,
            "ended all sessions of",
            &format!("{} ({ended})", user.email),
        )
        .await;
    flash::success(
        &staff.session,
        format!("{} is signed out everywhere.", user.display_name),
    );
    Ok(see_other(&format!("/admin/users/{id}/edit")))
}
