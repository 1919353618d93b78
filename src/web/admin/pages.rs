//! Static pages in the admin area: list, create, edit, delete (editors and admins).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::permissions::Action;
use crate::content::pages::{self, Page, PageInput};
use crate::content::{ContentError, FieldErrors};
use crate::web::AppState;
use crate::web::admin::common::{self, Deletable};
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

/// The page form: a new page (`id` None) or page `id` as loaded at `version`, with `input`
/// in its fields, `errors` beside them and `problem` above them.
#[allow(clippy::too_many_arguments)]
fn show_form(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    id: Option<i32>,
    version: i32,
    input: PageInput,
    errors: FieldErrors,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (heading, action_url) = match id {
        Some(id) => ("Edit page", format!("/admin/pages/{id}")),
        None => ("New page", "/admin/pages".to_owned()),
    };
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
            delete_url: id.map(|id| format!("/admin/pages/{id}/delete")),
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
        None,
        0,
        input,
        FieldErrors::default(),
        None,
    )
}

/// After a save: the site shows the change, the list says where the page is.
/// Checks a page form and cleans its body on a blocking thread, before a connection is taken.
async fn checked(
    input: &pages::PageInput,
) -> Result<Result<pages::CheckedPage, ContentError>, AppError> {
    let input = input.clone();
    Ok(web::block(move || pages::check(&input)).await?)
}

async fn saved(state: &AppState, staff: &Staff, page: Page) -> Result<HttpResponse, AppError> {
    state.refresh_site().await?;
    flash::success(&staff.session, format!("Page saved at /{}.", page.slug));
    Ok(common::see_other("/admin/pages"))
}

pub async fn create(
    state: web::Data<AppState>,
    StaffForm { staff, form }: StaffForm<PageForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManagePages)?;
    let (input, errors) = parse(&form);
    let result = if errors.is_empty() {
        let language = state.settings.language.clone();
        match checked(&input).await? {
            Ok(to_save) => {
                state
                    .db(move |conn| Ok(pages::create(conn, &language, &to_save)))
                    .await?
            }
            Err(e) => Err(e),
        }
    } else {
        Err(ContentError::Invalid(errors))
    };
    common::finish_save(
        result,
        async |page| saved(&state, &staff, page).await,
        async |status, errors, _| show_form(&state, &staff, status, None, 0, input, errors, None),
    )
    .await
}

pub async fn edit_form(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManagePages)?;
    let (id, page) = common::found_at(&state, &path, pages::find).await?;
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
        Some(id),
        page.version,
        input,
        FieldErrors::default(),
        None,
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
    let result = if errors.is_empty() {
        match checked(&input).await? {
            Ok(to_save) => {
                state
                    .db(move |conn| Ok(pages::update(conn, id, version, &to_save)))
                    .await?
            }
            Err(e) => Err(e),
        }
    } else {
        Err(ContentError::Invalid(errors))
    };
    common::finish_save(
        result,
        async |page| saved(&state, &staff, page).await,
        async |status, errors, newer| {
            let problem = newer.map(|_| {
                "Someone else saved this page while you were editing it, so your changes were \
                 not saved. Your text is kept below; saving again will replace their version."
                    .to_owned()
            });
            let version = newer.unwrap_or(version);
            show_form(
                &state,
                &staff,
                status,
                Some(id),
                version,
                input,
                errors,
                problem,
            )
        },
    )
    .await
}

impl Deletable for Page {
    const TITLE: &'static str = "Delete page";
    const AUDIT: &'static str = "deleted page";
    const BACK_TO: &'static str = "/admin/pages";

    async fn load(state: &AppState, staff: &Staff, id: i32) -> Result<Self, AppError> {
        staff.require(Action::ManagePages)?;
        common::found(state, id, pages::find).await
    }

    fn what(&self) -> String {
        format!("the page “{}” (/{})", self.title, self.slug)
    }

    fn back_url(id: i32) -> String {
        format!("/admin/pages/{id}/edit")
    }

    async fn delete(&self, state: &AppState, id: i32) -> Result<usize, AppError> {
        state.db(move |conn| Ok(pages::delete(conn, id)?)).await
    }

    fn subject(&self, _id: i32) -> String {
        format!("{} (/{})", self.title, self.slug)
    }

    fn gone(&self) -> String {
        "The page was deleted.".to_owned()
    }
}
