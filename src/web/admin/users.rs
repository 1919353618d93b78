//! Accounts: administrators create, edit, disable and enable users and set roles; everyone
//! changes their own password.

use std::sync::atomic::Ordering;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::permissions::Action;
use crate::accounts::throttle::{self, Attempt};
use crate::accounts::{self, AccountError, NewUser, Role, User, password};
use crate::clock;
use crate::content::FieldErrors;
use crate::web::AppState;
use crate::web::admin::common::{self, Deleted};
use crate::web::auth::Staff;
use crate::web::auth::StaffForm;
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::{Layout, render, render_status};

pub struct UserRow {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub disabled: bool,
    pub last_sign_in: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListPage {
    layout: Layout,
    users: Vec<UserRow>,
}

pub async fn list(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageUsers)?;
    let all = state.db(|conn| Ok(accounts::all_users(conn)?)).await?;
    let tz = state.settings.timezone;
    let users = all
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            role: u.role().label(),
            disabled: u.disabled,
            last_sign_in: u
                .last_sign_in_at
                .map(|t| clock::short_date_time(t, tz))
                .unwrap_or_else(|| "never".to_owned()),
            name: u.display_name,
            email: u.email,
        })
        .collect();
    render(&ListPage {
        layout: common::layout(&state, &staff, "Users")?,
        users,
    })
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action_url: String,
    is_new: bool,
    email: String,
    name: String,
    role: String,
    disabled: bool,
    roles: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
    /// The edited user has two-factor sign-in on (an administrator may reset it).
    two_factor: bool,
    /// The page is the administrator's own account.
    is_self: bool,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

fn roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect()
}

pub async fn new_form(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageUsers)?;
    render(&FormPage {
        layout: common::layout(&state, &staff, "New user")?,
        heading: "New user".into(),
        action_url: "/admin/users".into(),
        is_new: true,
        email: String::new(),
        name: String::new(),
        role: Role::Author.as_str().into(),
        disabled: false,
        roles: roles(),
        errors: FieldErrors::default(),
        two_factor: false,
        is_self: false,
    })
}

#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    disabled: Option<String>,
}

fn field_of(e: &AccountError) -> &'static str {
    match e {
        AccountError::InvalidEmail | AccountError::EmailTaken(_) => "email",
        AccountError::EmptyName => "name",
        AccountError::UnknownRole(_) | AccountError::LastAdmin => "role",
        AccountError::PasswordTooShort | AccountError::PasswordTooLong => "password",
        _ => "form",
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    StaffForm { staff, form }: StaffForm<UserForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageUsers)?;
    let new = NewUser {
        email: form.email.clone(),
        display_name: form.name.clone(),
        role: form.role.clone(),
        password: form.password.clone(),
    };
    match state
        .db(move |conn| Ok(accounts::create_user(conn, &new)))
        .await?
    {
        Ok(user) => {
            state
                .audit_by(
                    &req,
                    &staff.user,
                    "created user",
                    &format!("{} ({})", user.email, user.role),
                )
                .await;
            flash::success(
                &staff.session,
                format!("{} can now sign in as {}.", user.display_name, user.email),
            );
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/admin/users"))
                .finish())
        }
        Err(AccountError::Database(e)) => Err(e.into()),
        Err(AccountError::Hashing(e)) => Err(AppError::Internal(e)),
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add(field_of(&e), capitalised(&e.to_string()));
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage {
                    layout: common::layout(&state, &staff, "New user")?,
                    heading: "New user".into(),
                    action_url: "/admin/users".into(),
                    is_new: true,
                    email: form.email,
                    name: form.name,
                    role: form.role,
                    disabled: false,
                    roles: roles(),
                    errors,
                    two_factor: false,
                    is_self: false,
                },
            )
        }
    }
}

pub(super) fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

async fn load(state: &AppState, raw: &str) -> Result<User, AppError> {
    let (_, user) = common::found_at(state, raw, accounts::find_by_id).await?;
    Ok(user)
}

pub async fn edit_form(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageUsers)?;
    let user = load(&state, &path).await?;
    render(&FormPage {
        layout: common::layout(&state, &staff, "Edit user")?,
        heading: format!("Edit {}", user.display_name),
        action_url: format!("/admin/users/{}", user.id),
        is_new: false,
        email: user.email.clone(),
        name: user.display_name.clone(),
        role: user.role().as_str().into(),
        disabled: user.disabled,
        roles: roles(),
        errors: FieldErrors::default(),
        two_factor: user.has_two_factor(),
        is_self: user.id == staff.user.id,
    })
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<UserForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageUsers)?;
    let user = load(&state, &path).await?;
    let role = Role::parse(&form.role)
        .ok_or_else(|| AppError::bad_request("Choose a role from the list."))?;
    let disabled = form.disabled.is_some();
    let (id, name) = (user.id, form.name.clone());
    match state
        .db(move |conn| Ok(accounts::update_user(conn, id, &name, role, disabled)))
        .await?
    {
        Ok(saved) => {
            if saved.role != user.role {
                let change = format!("{}: {} → {}", saved.email, user.role, saved.role);
                state
                    .audit_by(&req, &staff.user, "changed role", &change)
                    .await;
            }
            if saved.disabled != user.disabled {
                let what = if saved.disabled {
                    "disabled user"
                } else {
                    "enabled user"
                };
                state.audit_by(&req, &staff.user, what, &saved.email).await;
            }
            flash::success(&staff.session, format!("{} saved.", saved.display_name));
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/admin/users"))
                .finish())
        }
        Err(AccountError::Database(e)) => Err(e.into()),
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add(field_of(&e), capitalised(&e.to_string()));
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage {
                    layout: common::layout(&state, &staff, "Edit user")?,
                    heading: format!("Edit {}", user.display_name),
                    action_url: format!("/admin/users/{}", user.id),
                    is_new: false,
                    email: user.email.clone(),
                    name: form.name,
                    role: form.role,
                    disabled,
                    roles: roles(),
                    errors,
                    two_factor: user.has_two_factor(),
                    is_self: user.id == staff.user.id,
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "admin/password.html")]
struct PasswordPage {
    layout: Layout,
    error: Option<String>,
}

pub async fn password_form(
    state: web::Data<AppState>,
    staff: Staff,
) -> Result<HttpResponse, AppError> {
    render(&PasswordPage {
        layout: common::layout(&state, &staff, "Change password")?,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    StaffForm { staff, form }: StaffForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let problem = if form.new != form.repeat {
        Some("The two new passwords differ.".to_owned())
    } else {
        password::check_policy(&form.new)
            .err()
            .map(|e| capitalised(&e.to_string()))
    };
    let result = match problem {
        Some(p) => Err(Refused::Invalid(p)),
        None => {
            let (id, email, hash, current, new) = (
                staff.user.id,
                staff.user.email.clone(),
                staff.user.password_hash.clone(),
                form.current,
                form.new,
            );
            let checks = state.password_checks.clone();
            state
                .db(move |conn| {
                    // Guessing the current password is throttled like signing in: the
                    // attempt is counted first, and a refused one checks nothing.
                    let key = throttle::password_change_key(id);
                    let reserved =
                        throttle::reserve(conn, &key, throttle::ACCOUNT_LIMIT, clock::now())?;
                    if let Attempt::Locked(minutes) = reserved {
                        return Ok(Err(Refused::Throttled(minutes)));
                    }
                    checks.fetch_add(1, Ordering::Relaxed);
                    if !password::verify(&current, &hash) {
                        return Ok(Err(Refused::Invalid(capitalised(
                            &AccountError::WrongCurrentPassword.to_string(),
                        ))));
                    }
                    throttle::clear(conn, &key, clock::now())?;
                    match accounts::set_password(conn, &email, &new) {
                        Ok(()) => Ok(Ok(())),
                        Err(AccountError::Database(e)) => Err(e.into()),
                        Err(e) => Ok(Err(Refused::Invalid(capitalised(&e.to_string())))),
                    }
                })
                .await?
        }
    };
    let (status, message) = match result {
        Ok(()) => {
            state
                .audit_by(&req, &staff.user, "changed own password", "")
                .await;
            // Every session of this user has ended, this one too: sign in with the new password.
            staff.session.purge();
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/admin/login?password_changed=1"))
                .finish());
        }
        Err(Refused::Invalid(message)) => (StatusCode::UNPROCESSABLE_ENTITY, message),
        Err(Refused::Throttled(minutes)) => {
            state
                .audit_by(&req, &staff.user, "password change refused (throttled)", "")
                .await;
            (
                StatusCode::TOO_MANY_REQUESTS,
                password_locked_message(minutes),
            )
        }
    };
    render_status(
        status,
        &PasswordPage {
            layout: common::layout(&state, &staff, "Change password")?,
            error: Some(message),
        },
    )
}

/// Why a password change was not made.
enum Refused {
    /// The form's fault: a wrong current password, a new one against the policy (422).
    Invalid(String),
    /// Too many wrong current passwords: paused for this many more minutes (429).
    Throttled(i64),
}

/// What a throttled password change says.
pub fn password_locked_message(minutes: i64) -> String {
    format!(
        "Too many wrong current passwords. For safety, changing the password is paused for {minutes} more minute{}; try again then.",
        if minutes == 1 { "" } else { "s" }
    )
}

/// The page that asks before deleting a user, and who takes over their reports.
#[derive(Template)]
#[template(path = "admin/user_delete.html")]
struct DeletePage {
    layout: Layout,
    user: User,
    /// How many reports they wrote.
    written: i64,
    /// How many files they uploaded to the media library.
    uploaded: i64,
    /// Who may take those reports over: other active users, (id, "Name (email)").
    heirs: Vec<(i32, String)>,
    error: Option<String>,
}

async fn delete_page(
    state: &AppState,
    staff: &Staff,
    user: User,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let id = user.id;
    let ((written, uploaded), all) = state
        .db(move |conn| {
            Ok((
                accounts::owned_counts(conn, id)?,
                accounts::all_users(conn)?,
            ))
        })
        .await?;
    let heirs = all
        .into_iter()
        .filter(|u| u.id != id && !u.disabled)
        .map(|u| (u.id, format!("{} ({})", u.display_name, u.email)))
        .collect();
    render_status(
        status,
        &DeletePage {
            layout: common::layout(state, staff, "Delete user")?,
            user,
            written,
            uploaded,
            heirs,
            error,
        },
    )
}

pub async fn confirm_delete(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageUsers)?;
    let user = load(&state, &path).await?;
    delete_page(&state, &staff, user, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    heir: String,
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageUsers)?;
    let user = load(&state, &path).await?;
    let heir = form.heir.trim().parse::<i32>().ok();
    let (id, by) = (user.id, staff.user.id);
    match state
        .db(move |conn| Ok(accounts::delete_user(conn, id, by, heir)))
        .await?
    {
        Ok(gone) => {
            Deleted {
                audit: "deleted user",
                subject: match heir {
                    Some(h) => format!("{} (reports given to user {h})", gone.email),
                    None => gone.email.clone(),
                },
                was_public: false,
                message: format!("{} was deleted.", gone.display_name),
                back_to: "/admin/users",
            }
            .finish(&state, &req, &staff)
            .await
        }
        Err(AccountError::Database(e)) => Err(e.into()),
        Err(e) => {
            let message = format!("{} Nothing was deleted.", capitalised(&e.to_string()));
            delete_page(
                &state,
                &staff,
                user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await
        }
    }
}
