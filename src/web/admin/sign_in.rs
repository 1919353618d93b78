//! Signing in and out.

use std::sync::atomic::Ordering;

use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::sessions::{BROWSER_KEY, CLIENT_KEY, LABEL_KEY, USER_ID_KEY};
use crate::accounts::throttle::{self, Attempt};
use crate::accounts::{self, SignIn};
use crate::web::AppState;
use crate::web::admin::two_factor;
use crate::web::csrf::{self, CsrfForm, SignInCsrfForm};
use crate::web::error::AppError;
use crate::web::render::{Layout, render_status};

/// The one message for an unknown email and a wrong password: it must not tell them apart.
pub const WRONG_CREDENTIALS: &str = "The email or password is not correct.";
pub const DISABLED: &str = "This account has been disabled. Ask an administrator to enable it.";

#[derive(Template)]
#[template(path = "admin/login.html")]
struct SignInPage {
    layout: Layout,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInQuery {
    next: Option<String>,
    signed_out: Option<String>,
    password_changed: Option<String>,
    password_reset: Option<String>,
    code_expired: Option<String>,
}

/// Only a plain path inside the admin area is followed after sign-in (no open redirect, and
/// nothing a `Location` header cannot carry as it is): `/admin` itself or below it, in visible
/// ASCII only (no control character, space or raw Unicode), with no `//`, backslash, or `.` or
/// `..` segment, percent-encoded or not. Anything else leads to `/admin`.
fn safe_next(next: Option<&str>) -> String {
    let plain = |n: &str| {
        let path = n.split(['?', '#']).next().unwrap_or_default();
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        let inside = decoded == "/admin" || decoded.starts_with("/admin/");
        inside
            && n.bytes().all(|b| b.is_ascii_graphic())
            && !decoded.contains("//")
            && !decoded.chars().any(|c| c == '\\' || c.is_control())
            && !decoded
                .split('/')
                .any(|segment| segment == "." || segment == "..")
    };
    match next {
        Some(n) if plain(n) => n.to_owned(),
        _ => "/admin".to_owned(),
    }
}

/// The sign-in page with `status`, its token from the login cookie (set here when new): an
/// anonymous visitor gets no session row.
fn page(
    req: &HttpRequest,
    status: StatusCode,
    mut shown: SignInPage,
) -> Result<HttpResponse, AppError> {
    let (token, cookie) = csrf::login_token(req)?;
    shown.layout.csrf = token;
    csrf::with_login_cookie(render_status(status, &shown)?, cookie)
}

pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<SignInQuery>,
) -> Result<HttpResponse, AppError> {
    if session.get::<i32>(USER_ID_KEY).ok().flatten().is_some() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, safe_next(query.next.as_deref())))
            .finish());
    }
    page(
        &req,
        StatusCode::OK,
        SignInPage {
            layout: Layout::public(&state, "Sign in"),
            email: String::new(),
            next: safe_next(query.next.as_deref()),
            error: None,
            notice: if query.password_changed.is_some() {
                Some("Your password was changed. Sign in with the new one.".to_owned())
            } else if query.password_reset.is_some() {
                Some("Your new password is set. Sign in with it.".to_owned())
            } else if query.code_expired.is_some() {
                Some(format!(
                    "The code was not typed within {} minutes. Sign in again.",
                    two_factor::second_step::PENDING_MINUTES
                ))
            } else {
                query
                    .signed_out
                    .is_some()
                    .then(|| "You have signed out.".to_owned())
            },
        },
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// What a throttled sign-in says.
pub fn locked_message(minutes: i64) -> String {
    format!(
        "Too many failed sign-ins. For safety, signing in is paused for {minutes} more minute{}; try again then.",
        if minutes == 1 { "" } else { "s" }
    )
}

enum Outcome {
    Checked(SignIn),
    Locked(i64),
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    SignInCsrfForm(form): SignInCsrfForm<SignInForm>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(form.next.as_deref());
    let email = form.email.clone();
    let password = form.password;
    let client = state.client_of(&req);
    let account_key = throttle::account_key(&email);
    let client_key = throttle::client_key(&client);
    let checks = state.password_checks.clone();
    let outcome = state
        .db(move |conn| {
            // The attempt is counted before the password is checked, and a refused one
            // costs no argon2 work.
            let reserved =
                throttle::reserve_sign_in(conn, &account_key, &client_key, crate::clock::now())?;
            if let Attempt::Locked(minutes) = reserved {
                return Ok(Outcome::Locked(minutes));
            }
            checks.fetch_add(1, Ordering::Relaxed);
            let checked = accounts::check_credentials(conn, &email, &password)?;
            if let SignIn::Success(_) = &checked {
                throttle::clear(conn, &account_key, crate::clock::now())?;
            }
            Ok(Outcome::Checked(checked))
        })
        .await?;
    let typed = form.email.trim().to_lowercase();
    let outcome = match outcome {
        Outcome::Locked(minutes) => {
            state
                .audit(None, &typed, "sign-in refused (throttled)", "", &client)
                .await;
            return page(
                &req,
                StatusCode::TOO_MANY_REQUESTS,
                SignInPage {
                    layout: Layout::public(&state, "Sign in"),
                    email: form.email,
                    next,
                    error: Some(locked_message(minutes)),
                    notice: None,
                },
            );
        }
        Outcome::Checked(outcome) => outcome,
    };
    let error = match outcome {
        SignIn::Success(user) if user.has_two_factor() => {
            // The password was right; the code decides (nothing is signed in yet).
            state
                .audit(
                    Some(&user),
                    "",
                    "password accepted, code asked",
                    "",
                    &client,
                )
                .await;
            let mut res = two_factor::second_step::begin(&session, &user, &next)?;
            csrf::forget_login_cookie(&mut res)?;
            return Ok(res);
        }
        SignIn::Success(user) => {
            state.audit(Some(&user), "", "signed in", "", &client).await;
            begin_session(&req, &session, user.id, &client)?;
            log::info!("{} signed in", user.email);
            let mut res = HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next))
                .finish();
            csrf::forget_login_cookie(&mut res)?;
            return Ok(res);
        }
        SignIn::WrongCredentials => {
            state
                .audit(None, &typed, "sign-in failed", "", &client)
                .await;
            WRONG_CREDENTIALS
        }
        SignIn::Disabled => {
            state
                .audit(
                    None,
                    &typed,
                    "sign-in refused (disabled account)",
                    "",
                    &client,
                )
                .await;
            DISABLED
        }
    };
    page(
        &req,
        StatusCode::OK,
        SignInPage {
            layout: Layout::public(&state, "Sign in"),
            email: form.email,
            next,
            error: Some(error.to_owned()),
            notice: None,
        },
    )
}

/// Signs `user_id` in on this session: a fresh session id (a key planted before cannot be
/// ridden), a new CSRF token, and what the sessions page shows of it (a random label, the
/// client address, the browser).
pub fn begin_session(
    req: &HttpRequest,
    session: &Session,
    user_id: i32,
    client: &str,
) -> Result<(), AppError> {
    session.renew();
    let browser: String = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    let store = |key: &str, value: String| {
        session
            .insert(key, value)
            .map_err(|e| AppError::Internal(format!("cannot store the session: {e}")))
    };
    session
        .insert(USER_ID_KEY, user_id)
        .map_err(|e| AppError::Internal(format!("cannot store the session: {e}")))?;
    store(LABEL_KEY, crate::ids::random_hex::<12>())?;
    store(CLIENT_KEY, client.to_owned())?;
    store(BROWSER_KEY, browser)?;
    csrf::rotate(session).map(|_| ())
}

#[derive(Deserialize)]
pub struct EmptyForm {}

pub async fn sign_out(
    session: Session,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    session.purge();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/login?signed_out=1"))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_plain_admin_paths_are_followed() {
        for kept in [
            "/admin",
            "/admin/",
            "/admin/articles/3/edit",
            "/admin/articles?status=draft&page=2",
            "/admin/media?q=caf%C3%A9",
        ] {
            assert_eq!(safe_next(Some(kept)), kept);
        }
        for refused in [
            "https://evil.example/admin",
            "//evil.example/admin",
            "/admin//evil.example",
            "/admin/%2f%2fevil.example",
            "/admin\\evil",
            "/admin/%5cevil",
            "/admin/../login",
            "/admin/%2e%2e/x",
            "/adminevil",
            "/admin\r\nSet-Cookie: x=1",
            "/admin\t",
            "/admin/\u{7f}",
            "/admin/%0d%0aSet-Cookie:x",
            "/admin/\u{202e}txt",
            "/admin/a b",
            "",
        ] {
            assert_eq!(safe_next(Some(refused)), "/admin", "{refused:?}");
        }
        assert_eq!(safe_next(None), "/admin");
    }
}
