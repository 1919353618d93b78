//! The article list and the article form (create, edit, save draft, publish).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::User;
use crate::accounts::permissions::{self, Action};
use crate::clock;
use crate::content::articles::{self, Article, ArticleInput, SaveAction, Status};
use crate::content::categories::{self, Category};
use crate::content::{ContentError, FieldErrors};
use crate::web::AppState;
use crate::web::auth::Staff;
use crate::web::csrf::{self, StaffForm};
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::{Layout, render, render_status, views_label};

const LIST_SIZE: i64 = 200;

pub struct Row {
    pub title: String,
    pub edit_url: Option<String>,
    pub public_url: Option<String>,
    pub status: &'static str,
    pub status_class: &'static str,
    pub category: String,
    pub author: String,
    pub updated: String,
    pub views: String,
}

#[derive(Template)]
#[template(path = "admin/articles.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    total: i64,
}

fn staff_layout(state: &AppState, staff: &Staff, title: &str) -> Result<Layout, AppError> {
    let csrf = csrf::token(&staff.session)?;
    let flash = flash::take(&staff.session);
    Ok(Layout::staff(state, title, &staff.user, csrf, flash))
}

fn may_edit(user: &User, article: &Article) -> bool {
    permissions::may_edit_article(
        user.role(),
        user.id,
        article.author_id,
        article.is_published(),
    )
}

pub async fn index(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Action::ViewAdmin)?;
    let (items, total) = state
        .db(|conn| {
            Ok((
                articles::all_for_staff(conn, LIST_SIZE, 0)?,
                articles::count_all(conn)?,
            ))
        })
        .await?;
    let tz = state.settings.timezone;
    let rows = items
        .into_iter()
        .map(|item| {
            let a = &item.article;
            let status = a.status();
            Row {
                title: a.title.clone(),
                edit_url: may_edit(&staff.user, a)
                    .then(|| format!("/admin/articles/{}/edit", a.id)),
                public_url: a.is_published().then(|| format!("/news/{}", a.slug)),
                status: status.label(),
                status_class: status.as_str(),
                category: item.category_name.clone().unwrap_or_default(),
                author: item.author_name.clone(),
                updated: clock::short_date_time(a.updated_at, tz),
                views: views_label(a.view_count),
            }
        })
        .collect();
    let layout = staff_layout(&state, &staff, "Articles")?;
    render(&ListPage {
        layout,
        rows,
        total,
    })
}

pub struct CategoryOption {
    pub id: i32,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "admin/article_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action_url: String,
    title: String,
    slug: String,
    summary: String,
    body: String,
    tags: String,
    categories: Vec<CategoryOption>,
    version: i32,
    errors: FieldErrors,
    problem: Option<String>,
    can_publish: bool,
    is_published: bool,
    status: &'static str,
    public_url: Option<String>,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// What the article form sends. Every field is text here, so a malformed value gets a
/// message on the form rather than a bare 400.
#[derive(Debug, Deserialize)]
pub struct ArticleForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    tags: String,
    version: Option<String>,
    #[serde(default)]
    action: String,
}

struct Parsed {
    input: ArticleInput,
    action: SaveAction,
    errors: FieldErrors,
}

fn parse(form: &ArticleForm) -> Result<Parsed, AppError> {
    let action = match form.action.as_str() {
        "draft" => SaveAction::Draft,
        "publish" => SaveAction::Publish,
        _ => {
            return Err(AppError::bad_request(
                "Press “Save draft” or “Publish” to send the form.",
            ));
        }
    };
    let mut errors = FieldErrors::default();
    let category_id = match form.category.trim() {
        "" => None,
        raw => match raw.parse::<i32>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("category", "Choose a category from the list.");
                None
            }
        },
    };
    Ok(Parsed {
        input: ArticleInput {
            title: form.title.clone(),
            slug: form.slug.clone(),
            summary: form.summary.clone(),
            body: form.body.clone(),
            category_id,
            tags: form.tags.clone(),
        },
        action,
        errors,
    })
}

fn category_options(all: Vec<Category>, selected: Option<i32>) -> Vec<CategoryOption> {
    all.into_iter()
        .map(|c| CategoryOption {
            selected: Some(c.id) == selected,
            id: c.id,
            name: c.name,
        })
        .collect()
}

async fn load_categories(state: &AppState) -> Result<Vec<Category>, AppError> {
    let language = state.settings.language.clone();
    state
        .db(move |conn| Ok(categories::list(conn, &language)?))
        .await
}

/// What the form shows besides the typed values.
struct FormContext<'a> {
    heading: &'a str,
    action_url: String,
    version: i32,
    existing: Option<&'a Article>,
    problem: Option<String>,
}

async fn show_form(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    input: &ArticleInput,
    errors: FieldErrors,
    ctx: FormContext<'_>,
) -> Result<HttpResponse, AppError> {
    let all = load_categories(state).await?;
    let layout = staff_layout(state, staff, ctx.heading)?;
    let existing_status = ctx.existing.map(|a| a.status()).unwrap_or(Status::Draft);
    render_status(
        status,
        &FormPage {
            layout,
            heading: ctx.heading.to_owned(),
            action_url: ctx.action_url,
            title: input.title.clone(),
            slug: input.slug.clone(),
            summary: input.summary.clone(),
            body: input.body.clone(),
            tags: input.tags.clone(),
            categories: category_options(all, input.category_id),
            version: ctx.version,
            errors,
            problem: ctx.problem,
            can_publish: permissions::allows(staff.user.role(), Action::Publish),
            is_published: existing_status == Status::Published,
            status: existing_status.label(),
            public_url: ctx
                .existing
                .filter(|a| a.is_published())
                .map(|a| format!("/news/{}", a.slug)),
        },
    )
}

pub async fn new_form(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Action::CreateArticle)?;
    let ctx = FormContext {
        heading: "New report",
        action_url: "/admin/articles".to_owned(),
        version: 0,
        existing: None,
        problem: None,
    };
    show_form(
        &state,
        &staff,
        StatusCode::OK,
        &ArticleInput::default(),
        FieldErrors::default(),
        ctx,
    )
    .await
}

fn saved_message(article: &Article, action: SaveAction) -> String {
    match action {
        SaveAction::Draft => "Saved as a draft. It is not visible on the site.".to_owned(),
        SaveAction::Publish => format!("Published at /news/{}.", article.slug),
    }
}

fn redirect_to_edit(id: i32) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/admin/articles/{id}/edit")))
        .finish()
}

pub async fn create(
    state: web::Data<AppState>,
    StaffForm { staff, form }: StaffForm<ArticleForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::CreateArticle)?;
    let parsed = parse(&form)?;
    if parsed.action == SaveAction::Publish {
        staff.require(Action::Publish)?;
    }
    let ctx = FormContext {
        heading: "New report",
        action_url: "/admin/articles".to_owned(),
        version: 0,
        existing: None,
        problem: None,
    };
    if !parsed.errors.is_empty() {
        return show_form(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            &parsed.input,
            parsed.errors,
            ctx,
        )
        .await;
    }
    let author_id = staff.user.id;
    let language = state.settings.language.clone();
    let input = parsed.input.clone();
    let action = parsed.action;
    let result = state
        .db(move |conn| Ok(articles::create(conn, author_id, &language, &input, action)))
        .await?;
    match result {
        Ok(article) => {
            flash::success(&staff.session, saved_message(&article, action));
            Ok(redirect_to_edit(article.id))
        }
        Err(ContentError::Invalid(errors)) => {
            show_form(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                &parsed.input,
                errors,
                ctx,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn parse_id(raw: &str) -> Result<i32, AppError> {
    raw.parse::<i32>().map_err(|_| AppError::NotFound)
}

async fn editable(state: &AppState, staff: &Staff, id: i32) -> Result<Article, AppError> {
    let article = state
        .db(move |conn| articles::find(conn, id)?.ok_or(AppError::NotFound))
        .await?;
    if !may_edit(&staff.user, &article) {
        return Err(AppError::forbidden(if article.is_published() {
            "Only editors and administrators can change a published article."
        } else {
            "You can only edit your own articles."
        }));
    }
    Ok(article)
}

pub async fn edit_form(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let article = editable(&state, &staff, id).await?;
    let tag_names = state
        .db(move |conn| Ok(crate::content::tags::of_article(conn, id)?))
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect::<Vec<_>>()
        .join(", ");
    let input = ArticleInput {
        title: article.title.clone(),
        slug: article.slug.clone(),
        summary: article.summary.clone(),
        body: article.body_html.clone(),
        category_id: article.category_id,
        tags: tag_names,
    };
    let ctx = FormContext {
        heading: "Edit report",
        action_url: format!("/admin/articles/{id}"),
        version: article.version,
        existing: Some(&article),
        problem: None,
    };
    show_form(
        &state,
        &staff,
        StatusCode::OK,
        &input,
        FieldErrors::default(),
        ctx,
    )
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<ArticleForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let parsed = parse(&form)?;
    let version = form
        .version
        .as_deref()
        .and_then(|v| v.trim().parse::<i32>().ok())
        .ok_or_else(|| {
            AppError::bad_request(
                "The form lacks the article's version number. Reload the page and try again.",
            )
        })?;
    let article = editable(&state, &staff, id).await?;
    if parsed.action == SaveAction::Publish {
        staff.require(Action::Publish)?;
    }
    let mut ctx = FormContext {
        heading: "Edit report",
        action_url: format!("/admin/articles/{id}"),
        version,
        existing: Some(&article),
        problem: None,
    };
    if !parsed.errors.is_empty() {
        return show_form(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            &parsed.input,
            parsed.errors,
            ctx,
        )
        .await;
    }
    let input = parsed.input.clone();
    let action = parsed.action;
    let result = state
        .db(move |conn| Ok(articles::update(conn, id, version, &input, action)))
        .await?;
    match result {
        Ok(saved) => {
            flash::success(&staff.session, saved_message(&saved, action));
            Ok(redirect_to_edit(saved.id))
        }
        Err(ContentError::Invalid(errors)) => {
            show_form(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                &parsed.input,
                errors,
                ctx,
            )
            .await
        }
        Err(ContentError::Conflict { current }) => {
            // Nothing was written. Keep what they typed; the next save is a deliberate
            // overwrite of the newer version.
            ctx.version = current;
            ctx.problem = Some(format!(
                "Someone else saved this report while you were editing it, so your changes \
                 were not saved. Your text is kept below. Open the report in a new tab to see \
                 their version (version {current}); saving this form again will replace it \
                 with yours."
            ));
            show_form(
                &state,
                &staff,
                StatusCode::CONFLICT,
                &parsed.input,
                FieldErrors::default(),
                ctx,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
