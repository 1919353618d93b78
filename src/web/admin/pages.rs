//! Static pages in the admin area: list, create, edit, delete (editors and admins).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::permissions::Action;
use crate::content::pages::{self, Page, PageInput};
use crate::content::{ContentError, FieldErrors};
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::Staff;
use crate::web::auth::StaffForm;
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::{Layout, render, render_status};

#[derive(Template)]
#[template(path = "admin/pages.html")]
struct ListPage {
    layout: Layout,
    pages: Vec<Page>,
}

pub async fn index(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManagePages)?;
    let language = state.settings.language.clone();
    let all = state
        .db(move |conn| Ok(pages::all(conn, &language)?))
        .await?;
    render(&ListPage {
        layout: common::layout(&state, &staff, "Pages")?,
        pages: all,
    })
}

#[derive(Template)]
#[template(path = "admin/page_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action_url: String,
    input: PageInput,
    version: i32,
    errors: FieldErrors,
    problem: Option<String>,
    delete_url: Option<String>,
    editor: common::EditorAssets,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

#[derive(Deserialize)]
pub struct PageForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    position: String,
    in_menu: Option<String>,
    published: Option<String>,
    version: Option<String>,
}

fn parse(form: &PageForm) -> (PageInput, FieldErrors) {
    let mut errors = FieldErrors::default();
    let position = match form.position.trim() {
        "" => 0,
        raw => raw.parse::<i32>().unwrap_or_else(|_| {
            errors.add("position", "The order must be a whole number.");
            0
        }),
    };
    (
        PageInput {
            title: form.title.clone(),
            slug: form.slug.clone(),
            body: form.body.clone(),
            position,
            in_menu: form.in_menu.is_some(),
            published: form.published.is_some(),
        },
        errors,
    )
}

#[allow(clippy::too_many_arguments)]
fn show_form(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    heading: &str,
    action_url: String,
    input: PageInput,
    version: i32,
    errors: FieldErrors,
    problem: Option<String>,
    delete_url: Option<String>,
) -> Result<HttpResponse, AppError> {
    let editor = common::EditorAssets::new(state);
    let response = render_status(
        status,
        &FormPage {
            layout: common::layout(state, staff, heading)?,
            heading: heading.to_owned(),
            action_url,
            input,
            version,
            errors,
            problem,
            delete_url,
            editor: editor.clone(),
        },
    )?;
    Ok(editor.allow_style(response))
}

pub async fn new_form(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManagePages)?;
    let input = PageInput {
        in_menu: true,
        published: true,
        ..PageInput::default()
    };
    show_form(
        &state,
        &staff,
        StatusCode::OK,
        "New page",
        "/admin/pages".into(),
        input,
        0,
        FieldErrors::default(),
        None,
        None,
    )
}

pub async fn create(
    state: web::Data<AppState>,
    StaffForm { staff, form }: StaffForm<PageForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManagePages)?;
    let (input, errors) = parse(&form);
    if !errors.is_empty() {
        return show_form(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            "New page",
            "/admin/pages".into(),
            input,
            0,
            errors,
            None,
            None,
        );
    }
    let language = state.settings.language.clone();
    let to_save = input.clone();
    match state
        .db(move |conn| Ok(pages::create(conn, &language, &to_save)))
        .await?
    {
        Ok(page) => {
            state.refresh_site().await?;
            flash::success(&staff.session, format!("Page saved at /{}.", page.slug));
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/admin/pages"))
                .finish())
        }
        Err(ContentError::Invalid(errors)) => show_form(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            "New page",
            "/admin/pages".into(),
            input,
            0,
            errors,
            None,
            None,
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManagePages)?;
    let id = common::parse_id(&path)?;
    let page = state
        .db(move |conn| pages::find(conn, id)?.ok_or(AppError::NotFound))
        .await?;
    let input = PageInput {
        title: page.title.clone(),
        slug: page.slug.clone(),
        body: page.body_html.clone(),
        position: page.position,
        in_menu: page.in_menu,
        published: page.published,
    };
    show_form(
        &state,
        &staff,
        StatusCode::OK,
        "Edit page",
        format!("/admin/pages/{id}"),
        input,
        page.version,
        FieldErrors::default(),
        None,
        Some(format!("/admin/pages/{id}/delete")),
    )
}

pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<PageForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManagePages)?;
    let id = common::parse_id(&path)?;
    let version = form
        .version
        .as_deref()
        .and_then(|v| v.trim().parse::<i32>().ok())
        .ok_or_else(|| {
            AppError::bad_request(
                "The form lacks the page's version number. Reload the page and try again.",
            )
        })?;
    let (input, errors) = parse(&form);
    let action_url = format!("/admin/pages/{id}");
    let delete_url = Some(format!("/admin/pages/{id}/delete"));
    if !errors.is_empty() {
        return show_form(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Edit page",
            action_url,
            input,
            version,
            errors,
            None,
            delete_url,
        );
    }
    let to_save = input.clone();
    match state.db(move |conn| Ok(pages::update(conn, id, version, &to_save))).await? {
        Ok(page) => {
            state.refresh_site().await?;
            flash::success(&staff.session, format!("Page saved at /{}.", page.slug));
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/admin/pages")).finish())
        }
        Err(ContentError::Invalid(errors)) => {
            show_form(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, "Edit page", action_url, input, version, errors, None, delete_url)
        }
        Err(ContentError::Conflict { current }) => show_form(
            &state,
            &staff,
            StatusCode::CONFLICT,
            "Edit page",
            action_url,
            input,
            current,
            FieldErrors::default(),
            Some("Someone else saved this page while you were editing it, so your changes were not saved. Your text is kept below; saving again will replace their version.".into()),
            delete_url,
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn confirm_delete(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManagePages)?;
    let id = common::parse_id(&path)?;
    let page = state
        .db(move |conn| pages::find(conn, id)?.ok_or(AppError::NotFound))
        .await?;
    render(&common::ConfirmDelete {
        layout: common::layout(&state, &staff, "Delete page")?,
        what: format!("the page “{}” (/{})", page.title, page.slug),
        action_url: format!("/admin/pages/{id}/delete"),
        back_url: format!("/admin/pages/{id}/edit"),
    })
}

pub async fn delete(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, .. }: StaffForm<common::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManagePages)?;
    let id = common::parse_id(&path)?;
    let removed = state.db(move |conn| Ok(pages::delete(conn, id)?)).await?;
    if removed == 0 {
        return Err(AppError::NotFound);
    }
    state.refresh_site().await?;
    let client = state.client_of(&req);
    state
        .audit(
            Some(&staff.user),
            "",
            "deleted page",
            &format!("page {id}"),
            &client,
        )
        .await;
    flash::success(&staff.session, "The page was deleted.");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/pages"))
        .finish())
}
