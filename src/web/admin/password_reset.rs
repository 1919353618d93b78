//! Password reset by e-mail: asking for a link (`/admin/password-reset`) and using it
//! (`/admin/password-reset/{token}`). The rules are in [`accounts::resets`]; this module
//! shows the pages and sends the mail.
//!
//! Asking answers with one page whatever the address (an account, none, a disabled one), and
//! the mail leaves from a task of its own after the answer, so neither the words nor the time
//! tell whether an account exists. Before sign-in there is no session: the forms' tokens live
//! in a cookie of their own ([`csrf::PASSWORD_RESET`]), so these pages store no session row.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::{self, password, resets};
use crate::clock;
use crate::web::AppState;
use crate::web::csrf::{self, PASSWORD_RESET, ResetCsrfForm};
use crate::web::error::AppError;
use crate::web::render::{Layout, render_status};

/// What a link that cannot be used (any more) leads to.
pub const LINK_REFUSED: &str = "This link cannot be used: it has expired, it was used already, \
     or a newer link replaced it. Ask for a new one.";

#[derive(Template)]
#[template(path = "admin/password_reset.html")]
struct RequestPage {
    layout: Layout,
    /// Whether the site can send mail (else the page says to ask an administrator).
    can_send: bool,
    email: String,
    error: Option<String>,
    /// Set once asked: the form is not shown again.
    sent: bool,
}

#[derive(Template)]
#[template(path = "admin/password_reset_link.html")]
struct LinkPage {
    layout: Layout,
    /// `None` when the link cannot be used.
    action: Option<String>,
    error: Option<String>,
}

/// A page of these forms: its token from the reset cookie (set here when new), and no
/// `Referer` leaving with the link's token in it.
fn page(
    req: &HttpRequest,
    title: &str,
    shown: impl FnOnce(Layout) -> Result<HttpResponse, AppError>,
) -> Result<HttpResponse, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal("no app state".to_owned()))?;
    let (token, cookie) = csrf::anonymous_token(req, PASSWORD_RESET)?;
    let mut layout = Layout::public(state, title);
    layout.csrf = token;
    let mut res = csrf::with_login_cookie(shown(layout)?, cookie)?;
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

fn request_page(
    req: &HttpRequest,
    status: StatusCode,
    email: String,
    error: Option<String>,
    sent: bool,
) -> Result<HttpResponse, AppError> {
    let can_send = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.mailer.is_some());
    page(req, "Reset your password", |layout| {
        render_status(
            status,
            &RequestPage {
                layout,
                can_send,
                email,
                error,
                sent,
            },
        )
    })
}

pub async fn request_form(req: HttpRequest) -> Result<HttpResponse, AppError> {
    request_page(&req, StatusCode::OK, String::new(), None, false)
}

#[derive(Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    email: String,
}

pub async fn request_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    ResetCsrfForm(form): ResetCsrfForm<RequestForm>,
) -> Result<HttpResponse, AppError> {
    let Some(mailer) = state.mailer.clone() else {
        return request_page(&req, StatusCode::OK, form.email, None, false);
    };
    let Ok(email) = accounts::normalise_email(&form.email) else {
        let error = "Enter a valid email address.".to_owned();
        return request_page(
            &req,
            StatusCode::UNPROCESSABLE_ENTITY,
            form.email,
            Some(error),
            false,
        );
    };
    let client = state.client_of(&req);
    let requested = {
        let (email, client) = (email.clone(), client.clone());
        state
            .db(move |conn| Ok(resets::request(conn, &email, &client, clock::now())?))
            .await?
    };
    match requested {
        resets::Requested::Throttled(minutes) => {
            state
                .audit(
                    None,
                    &email,
                    "password reset refused (throttled)",
                    "",
                    &client,
                )
                .await;
            let error = format!(
                "Too many reset links were asked for. For safety, asking is paused for \
                 {minutes} more minute{}; try again then.",
                if minutes == 1 { "" } else { "s" }
            );
            return request_page(
                &req,
                StatusCode::TOO_MANY_REQUESTS,
                form.email,
                Some(error),
                false,
            );
        }
        resets::Requested::NoAccount => {
            state
                .audit(
                    None,
                    &email,
                    "password reset asked (no active account)",
                    "",
                    &client,
                )
                .await;
        }
        resets::Requested::Link { user, token } => {
            state
                .audit(Some(&user), "", "password reset link sent", "", &client)
                .await;
            let link = state
                .settings
                .absolute(&format!("{}/{token}", PASSWORD_RESET.path));
            send_link(mailer, user.email, state.site().settings.name.clone(), link);
        }
    }
    request_page(&req, StatusCode::OK, String::new(), None, true)
}

/// Sends the link from a task of its own, after the answer: a slow or failing relay is
/// logged and changes nothing the visitor sees.
fn send_link(mailer: std::sync::Arc<crate::mail::Mailer>, to: String, site: String, link: String) {
    let subject = format!("Reset your password for {site}");
    let body = format!(
        "Someone, probably you, asked to reset the password of your account on {site}.\n\
         \n\
         To choose a new password, open this link within {minutes} minutes:\n\
         \n\
         {link}\n\
         \n\
         The link works once. If you did not ask for it, ignore this message: your password \
         stays as it is.\n",
        minutes = resets::VALID_MINUTES
    );
    actix_web::rt::spawn(async move {
        let sent = web::block(move || mailer.send(&to, &subject, body)).await;
        match sent {
            Ok(Ok(())) => log::info!("password reset link sent"),
            Ok(Err(e)) => log::error!("password reset mail not sent: {e}"),
            Err(e) => log::error!("password reset mail not sent: {e}"),
        }
    });
}

fn link_page(
    req: &HttpRequest,
    token: &str,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let action = (status != StatusCode::GONE).then(|| format!("{}/{token}", PASSWORD_RESET.path));
    page(req, "Choose a new password", |layout| {
        render_status(
            status,
            &LinkPage {
                layout,
                action,
                error,
            },
        )
    })
}

pub async fn link_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let holder = {
        let token = token.clone();
        state
            .db(move |conn| Ok(resets::holder(conn, &token, clock::now())?))
            .await?
    };
    match holder {
        Some(_) => link_page(&req, &token, StatusCode::OK, None),
        None => link_page(
            &req,
            &token,
            StatusCode::GONE,
            Some(LINK_REFUSED.to_owned()),
        ),
    }
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

pub async fn set_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    ResetCsrfForm(form): ResetCsrfForm<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    // The password-change page's rules, in its words.
    let problem = if form.new != form.repeat {
        Some("The two new passwords differ.".to_owned())
    } else {
        password::check_policy(&form.new)
            .err()
            .map(|e| super::users::capitalised(&e.to_string()))
    };
    if let Some(problem) = problem {
        return link_page(
            &req,
            &token,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(problem),
        );
    }
    let used = {
        let token = token.clone();
        state
            .db(move |conn| {
                // A link that cannot be used costs no argon2 work.
                if resets::holder(conn, &token, clock::now())?.is_none() {
                    return Ok(None);
                }
                let hash = password::hash(&form.new)
                    .map_err(|e| AppError::Internal(format!("password not hashed: {e}")))?;
                Ok(resets::use_link(conn, &token, &hash, clock::now())?)
            })
            .await?
    };
    let Some(user) = used else {
        return link_page(
            &req,
            &token,
            StatusCode::GONE,
            Some(LINK_REFUSED.to_owned()),
        );
    };
    state
        .audit_by(&req, &user, "password reset by e-mail", "")
        .await;
    log::info!("{} reset their password by e-mail", user.email);
    let mut res = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/login?password_reset=1"))
        .finish();
    csrf::forget_cookie(&mut res, PASSWORD_RESET)?;
    Ok(res)
}
