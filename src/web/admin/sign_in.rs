//! Signing in and out.

use actix_session::Session;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::{self, SignIn, sessions::USER_ID_KEY};
use crate::web::AppState;
use crate::web::csrf::{self, CsrfForm};
use crate::web::error::AppError;
use crate::web::render::{Layout, render};

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
}

/// Only a path inside the admin area is followed after sign-in (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/admin") && !n.contains("//") && !n.contains('\\') => {
            n.to_owned()
        }
        _ => "/admin".to_owned(),
    }
}

pub async fn form(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<SignInQuery>,
) -> Result<HttpResponse, AppError> {
    if session.get::<i32>(USER_ID_KEY).ok().flatten().is_some() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, safe_next(query.next.as_deref())))
            .finish());
    }
    let mut layout = Layout::public(&state, "Sign in");
    layout.csrf = csrf::token(&session)?;
    render(&SignInPage {
        layout,
        email: String::new(),
        next: safe_next(query.next.as_deref()),
        error: None,
        notice: query
            .signed_out
            .is_some()
            .then(|| "You have signed out.".to_owned()),
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit(
    state: web::Data<AppState>,
    session: Session,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(form.next.as_deref());
    let email = form.email.clone();
    let password = form.password;
    let outcome = state
        .db(move |conn| Ok(accounts::check_credentials(conn, &email, &password)?))
        .await?;
    let error = match outcome {
        SignIn::Success(user) => {
            // A fresh session id at sign-in: a key planted before cannot be ridden.
            session.renew();
            session
                .insert(USER_ID_KEY, user.id)
                .map_err(|e| AppError::Internal(format!("cannot store the session: {e}")))?;
            csrf::rotate(&session)?;
            log::info!("{} signed in", user.email);
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next))
                .finish());
        }
        SignIn::WrongCredentials => WRONG_CREDENTIALS,
        SignIn::Disabled => DISABLED,
    };
    let mut layout = Layout::public(&state, "Sign in");
    layout.csrf = csrf::token(&session)?;
    render(&SignInPage {
        layout,
        email: form.email,
        next,
        error: Some(error.to_owned()),
        notice: None,
    })
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
