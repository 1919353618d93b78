//! Categories and tags in the admin area (editors and administrators).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::permissions::Action;
use crate::content::FieldErrors;
use crate::content::categories::{self, Category, CategoryInput};
use crate::content::tags::{self, Tag};
use crate::web::AppState;
use crate::web::admin::common::{self, Deletable, Deleted};
use crate::web::auth::Staff;
use crate::web::auth::StaffForm;
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::{Layout, render, render_status};

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct CategoriesPage {
    layout: Layout,
    categories: Vec<Category>,
    /// The form (new, or the one being edited).
    form_title: String,
    action_url: String,
    input: CategoryInput,
    errors: FieldErrors,
    delete_url: Option<String>,
}

impl CategoriesPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

#[derive(Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    position: String,
}

impl CategoryForm {
    fn input(&self) -> CategoryInput {
        CategoryInput {
            name: self.name.clone(),
            slug: self.slug.clone(),
            description: self.description.clone(),
            position: self.position.trim().parse().unwrap_or(0),
        }
    }
}

async fn show(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    editing: Option<i32>,
    input: CategoryInput,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let language = state.settings.language.clone();
    let all = state
        .db(move |conn| Ok(categories::list(conn, &language)?))
        .await?;
    let (form_title, action_url, delete_url) = match editing {
        Some(id) => (
            "Edit category".to_owned(),
            format!("/admin/categories/{id}"),
            Some(format!("/admin/categories/{id}/delete")),
        ),
        None => (
            "New category".to_owned(),
            "/admin/categories".to_owned(),
            None,
        ),
    };
    render_status(
        status,
        &CategoriesPage {
            layout: common::layout(state, staff, "Categories")?,
            categories: all,
            form_title,
            action_url,
            input,
            errors,
            delete_url,
        },
    )
}

pub async fn list(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageTaxonomy)?;
    show(
        &state,
        &staff,
        StatusCode::OK,
        None,
        CategoryInput::default(),
        FieldErrors::default(),
    )
    .await
}

pub async fn edit_form(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageTaxonomy)?;
    let (id, c) = common::found_at(&state, &path, categories::find).await?;
    let input = CategoryInput {
        name: c.name,
        slug: c.slug,
        description: c.description,
        position: c.position,
    };
    show(
        &state,
        &staff,
        StatusCode::OK,
        Some(id),
        input,
        FieldErrors::default(),
    )
    .await
}

pub async fn create(
    state: web::Data<AppState>,
    StaffForm { staff, form }: StaffForm<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageTaxonomy)?;
    let input = form.input();
    let language = state.settings.language.clone();
    let to_save = input.clone();
    let result = state
        .db(move |conn| Ok(categories::create_from(conn, &language, &to_save)))
        .await?;
    common::finish_save(
        result,
        async |c: Category| {
            state.refresh_site().await?;
            flash::success(
                &staff.session,
                format!("Category “{}” made at /category/{}.", c.name, c.slug),
            );
            Ok(common::see_other("/admin/categories"))
        },
        async |status, errors, _| show(&state, &staff, status, None, input, errors).await,
    )
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageTaxonomy)?;
    let id = common::parse_id(&path)?;
    let input = form.input();
    let to_save = input.clone();
    let result = state
        .db(move |conn| Ok(categories::update(conn, id, &to_save)))
        .await?;
    common::finish_save(
        result,
        async |c: Category| {
            state.refresh_site().await?;
            flash::success(&staff.session, format!("Category “{}” saved.", c.name));
            Ok(common::see_other("/admin/categories"))
        },
        async |status, errors, _| show(&state, &staff, status, Some(id), input, errors).await,
    )
    .await
}

impl Deletable for Category {
    const TITLE: &'static str = "Delete category";
    const AUDIT: &'static str = "deleted category";
    const BACK_TO: &'static str = "/admin/categories";

    async fn load(state: &AppState, staff: &Staff, id: i32) -> Result<Self, AppError> {
        staff.require(Action::ManageTaxonomy)?;
        common::found(state, id, categories::find).await
    }

    fn what(&self) -> String {
        format!(
            "the category “{}” (its reports stay, without a category)",
            self.name
        )
    }

    fn back_url(id: i32) -> String {
        format!("/admin/categories/{id}/edit")
    }

    async fn delete(&self, state: &AppState, id: i32) -> Result<usize, AppError> {
        state
            .db(move |conn| Ok(categories::delete(conn, id)?))
            .await
    }

    fn subject(&self, _id: i32) -> String {
        format!("{} (/category/{})", self.name, self.slug)
    }

    fn gone(&self) -> String {
        "The category was deleted.".to_owned()
    }
}

#[derive(Template)]
#[template(path = "admin/tags.html")]
struct TagsPage {
    layout: Layout,
    tags: Vec<(Tag, i64)>,
    error: Option<String>,
}

pub async fn tags_list(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageTaxonomy)?;
    let language = state.settings.language.clone();
    let all = state
        .db(move |conn| Ok(tags::all_with_counts(conn, &language)?))
        .await?;
    render(&TagsPage {
        layout: common::layout(&state, &staff, "Tags")?,
        tags: all,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    name: String,
}

pub async fn rename_tag(
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<RenameForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageTaxonomy)?;
    let id = common::parse_id(&path)?;
    let result = state
        .db(move |conn| Ok(tags::rename(conn, id, &form.name)))
        .await?;
    common::finish_save(
        result,
        async |t: Tag| {
            flash::success(
                &staff.session,
                format!("Tag renamed to “{}” (/tag/{}).", t.name, t.slug),
            );
            Ok(common::see_other("/admin/tags"))
        },
        async |status, errors, _| {
            let language = state.settings.language.clone();
            let all = state
                .db(move |conn| Ok(tags::all_with_counts(conn, &language)?))
                .await?;
            render_status(
                status,
                &TagsPage {
                    layout: common::layout(&state, &staff, "Tags")?,
                    tags: all,
                    error: errors.get("name").map(str::to_owned),
                },
            )
        },
    )
    .await
}

pub async fn delete_tag(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, .. }: StaffForm<common::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ManageTaxonomy)?;
    let id = common::parse_id(&path)?;
    if state.db(move |conn| Ok(tags::delete(conn, id)?)).await? == 0 {
        return Err(AppError::NotFound);
    }
    Deleted {
        audit: "deleted tag",
        subject: format!("tag {id}"),
        was_public: false,
        message: "The tag was deleted.".to_owned(),
        back_to: "/admin/tags",
    }
    .finish(&state, &req, &staff)
    .await
}
