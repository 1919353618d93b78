//! Site settings in the admin area (administrators only).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::normalise_email;
use crate::accounts::permissions::Action;
use crate::content::FieldErrors;
use crate::site::SiteSettings;
use crate::web::AppState;
use crate::web::auth::Staff;
use crate::web::auth::StaffForm;
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::{Layout, render_status};

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    layout: Layout,
    s: SiteSettings,
    errors: FieldErrors,
}

impl SettingsPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

fn show(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    s: SiteSettings,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let token = csrf::token(&staff.session)?;
    let layout = Layout::staff(
        state,
        "Site settings",
        &staff.user,
        token,
        flash::take(&staff.session),
    );
    render_status(status, &SettingsPage { layout, s, errors })
}

pub async fn form(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageSettings)?;
    let current = state.site().settings.clone();
    show(
        &state,
        &staff,
        StatusCode::OK,
        current,
        FieldErrors::default(),
    )
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    tagline: String,
    #[serde(default)]
    logo_text: String,
    #[serde(default)]
    footer_text: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    contact_address: String,
    require_two_factor: Option<String>,
}

fn limit(errors: &mut FieldErrors, field: &'static str, value: &str, max: usize, label: &str) {
    if value.chars().count() > max {
        errors.add(
            field,
            format!("{label} is too long: at most {max} characters."),
        );
    }
}

pub async fn save(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    StaffForm { staff, form }: StaffForm<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageSettings)?;
    let t = |s: &str| s.trim().to_owned();
    let new = SiteSettings {
        name: t(&form.name),
        tagline: t(&form.tagline),
        logo_text: t(&form.logo_text),
        footer_text: t(&form.footer_text),
        contact_email: t(&form.contact_email),
        contact_phone: t(&form.contact_phone),
        contact_address: t(&form.contact_address),
        require_two_factor: form.require_two_factor.is_some(),
    };
    let mut errors = FieldErrors::default();
    if new.name.is_empty() {
        errors.add("name", "Enter the site's name.");
    }
    limit(&mut errors, "name", &new.name, 120, "The name");
    limit(&mut errors, "tagline", &new.tagline, 200, "The tagline");
    limit(&mut errors, "logo_text", &new.logo_text, 6, "The logo text");
    limit(
        &mut errors,
        "footer_text",
        &new.footer_text,
        1000,
        "The footer text",
    );
    limit(
        &mut errors,
        "contact_phone",
        &new.contact_phone,
        60,
        "The phone number",
    );
    limit(
        &mut errors,
        "contact_address",
        &new.contact_address,
        300,
        "The address",
    );
    if !new.contact_email.is_empty() && normalise_email(&new.contact_email).is_err() {
        errors.add(
            "contact_email",
            "Enter a valid email address, or leave it empty.",
        );
    }
    if !errors.is_empty() {
        return show(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            new,
            errors,
        );
    }
    let required_before = state.site().settings.require_two_factor;
    let to_save = new.clone();
    state.db(move |conn| Ok(to_save.save(conn)?)).await?;
    state.refresh_site().await?;
    state
        .audit_by(&req, &staff.user, "changed site settings", &new.name)
        .await;
    if new.require_two_factor != required_before {
        let what = if new.require_two_factor {
            "required two-factor sign-in for administrators and editors"
        } else {
            "stopped requiring two-factor sign-in"
        };
        state.audit_by(&req, &staff.user, what, "").await;
    }
    flash::success(&staff.session, "Settings saved.");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/settings"))
        .finish())
}
