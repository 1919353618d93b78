//! The article form: `GET /admin/articles/new` and `GET /admin/articles/{id}/edit`, the
//! same form again after a save that did not go through, and a form kept over a session
//! expiry. [`FormContext`] says which of these it is; [`FormContext::show`] draws it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::fields::{self, ArticleForm};
use super::{editable, may_edit, presence::presence_notes};
use crate::accounts::permissions::{self, Action};
use crate::clock;
use crate::content::articles::{Article, ArticleInput, Status};
use crate::content::categories::{self, Category};
use crate::content::{FieldErrors, previews};
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::Staff;
use crate::web::error::AppError;
use crate::web::render::{Layout, render_status};

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
    /// `draft`, `review`, `scheduled`, `published` or `archived` (`draft` for a new one).
    status_code: &'static str,
    status: &'static str,
    /// When a scheduled article goes live, in the site's time zone.
    scheduled_for: Option<String>,
    /// The `datetime-local` value of the schedule field.
    publish_at: String,
    timezone: String,
    public_url: Option<String>,
    delete_url: Option<String>,
    revisions_url: Option<String>,
    stats_url: Option<String>,
    preview_url: Option<String>,
    /// Live secret preview links (absolute), for editors.
    preview_links: Vec<String>,
    /// Whether this person may make secret preview links.
    can_share_preview: bool,
    /// After a conflict: the version someone else saved, beside what this person typed.
    conflict: Option<ConflictView>,
    /// Others who have this article open.
    others: Vec<String>,
    /// Where the page asks every so often who else has the article open (an existing one).
    presence_url: Option<String>,
    editor: common::EditorAssets,
}

/// The other person's save, shown when two people edited at once.
pub struct ConflictView {
    pub who: String,
    pub when: String,
    pub version: i32,
    /// Their text, sanitised: safe to show as HTML.
    pub body: crate::content::sanitize::SafeHtml,
    pub title: String,
    pub summary: String,
    /// From their version to what this person typed.
    pub diff: crate::content::revisions::Diff,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
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

/// What the form shows besides the typed values: which form it is (new or an existing
/// article), and what happened to the last attempt to save it.
pub(super) struct FormContext<'a> {
    pub(super) conflict: Option<ConflictView>,
    /// Notes about other people who have the article open.
    others: Vec<String>,
    heading: &'static str,
    action_url: String,
    pub(super) version: i32,
    existing: Option<&'a Article>,
    pub(super) problem: Option<String>,
    /// What the schedule field showed (empty: the article's own schedule, if any).
    publish_at: String,
}

impl<'a> FormContext<'a> {
    /// The form for a new report.
    pub(super) fn new_article() -> Self {
        FormContext {
            conflict: None,
            others: Vec::new(),
            heading: "New report",
            action_url: "/admin/articles".to_owned(),
            version: 0,
            existing: None,
            problem: None,
            publish_at: String::new(),
        }
    }

    /// The form for `article`, as loaded at `version`.
    pub(super) fn editing(article: &'a Article, version: i32) -> Self {
        FormContext {
            heading: "Edit report",
            action_url: format!("/admin/articles/{}", article.id),
            version,
            existing: Some(article),
            ..FormContext::new_article()
        }
    }

    /// The schedule field as it was sent.
    pub(super) fn publish_at(mut self, raw: &str) -> Self {
        raw.clone_into(&mut self.publish_at);
        self
    }

    /// Notes about others who have the article open.
    pub(super) fn others(mut self, others: Vec<String>) -> Self {
        self.others = others;
        self
    }

    /// A message above the form.
    pub(super) fn problem(mut self, problem: impl Into<String>) -> Self {
        self.problem = Some(problem.into());
        self
    }

    /// The form with `input` in its fields, as loaded (200, no messages).
    pub(super) async fn fresh(
        self,
        state: &AppState,
        staff: &Staff,
        input: &ArticleInput,
    ) -> Result<HttpResponse, AppError> {
        self.show(state, staff, StatusCode::OK, input, FieldErrors::default())
            .await
    }

    /// The form with `input` in its fields and `errors` beside them, answered with `status`.
    pub(super) async fn show(
        self,
        state: &AppState,
        staff: &Staff,
        status: StatusCode,
        input: &ArticleInput,
        errors: FieldErrors,
    ) -> Result<HttpResponse, AppError> {
        let ctx = self;
        let all = load_categories(state).await?;
        let links = match ctx.existing.map(|a| a.id) {
            Some(id) => {
                state
                    .db(move |conn| Ok(previews::of_article(conn, id)?))
                    .await?
            }
            None => Vec::new(),
        };
        let layout = common::layout(state, staff, ctx.heading)?;
        let existing_status = ctx.existing.map(|a| a.status()).unwrap_or(Status::Draft);
        let tz = state.settings.timezone;
        let scheduled_at = ctx
            .existing
            .filter(|a| a.status() == Status::Scheduled)
            .and_then(|a| a.published_at);
        let publish_at = if ctx.publish_at.is_empty() {
            scheduled_at
                .map(|t| clock::local(t, tz).format("%Y-%m-%dT%H:%M").to_string())
                .unwrap_or_default()
        } else {
            ctx.publish_at.clone()
        };
        let editor = common::EditorAssets::new(state);
        let response = render_status(
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
                status_code: existing_status.as_str(),
                status: existing_status.label(),
                scheduled_for: scheduled_at.map(|t| clock::short_date_time(t, tz)),
                publish_at,
                timezone: tz.to_string(),
                public_url: ctx
                    .existing
                    .filter(|a| a.is_published())
                    .map(|a| format!("/news/{}", a.slug)),
                revisions_url: ctx
                    .existing
                    .map(|a| format!("/admin/articles/{}/revisions", a.id)),
                stats_url: ctx
                    .existing
                    .map(|a| format!("/admin/articles/{}/stats", a.id)),
                preview_url: ctx
                    .existing
                    .map(|a| format!("/admin/articles/{}/preview", a.id)),
                preview_links: links
                    .iter()
                    .map(|l| state.settings.absolute(&format!("/preview/{}", l.token)))
                    .collect(),
                can_share_preview: ctx.existing.is_some()
                    && permissions::allows(staff.user.role(), Action::EditAny),
                conflict: ctx.conflict,
                others: ctx.others,
                delete_url: ctx
                    .existing
                    .filter(|a| may_edit(&staff.user, a))
                    .map(|a| format!("/admin/articles/{}/delete", a.id)),
                presence_url: ctx
                    .existing
                    .map(|a| format!("/admin/articles/{}/presence", a.id)),
                editor: editor.clone(),
            },
        )?;
        Ok(editor.allow_style(response))
    }
}

#[derive(Deserialize)]
pub struct RestoreQuery {
    restore: Option<String>,
}

/// The form a session expiry interrupted, if `restore` names one sent to `post_path`.
async fn restored_form(
    state: &AppState,
    staff: &Staff,
    restore: Option<&str>,
    post_path: String,
) -> Result<Option<ArticleForm>, AppError> {
    let Some(token) = restore.filter(|t| t.len() == 48 && t.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return Ok(None);
    };
    let token = token.to_owned();
    let user_id = staff.user.id;
    let body = state
        .db(move |conn| {
            Ok(crate::content::pending::take(
                conn, user_id, &token, &post_path,
            )?)
        })
        .await?;
    Ok(body.and_then(|b| serde_urlencoded::from_str::<ArticleForm>(&b).ok()))
}

const RESTORED: &str = "Your session had expired, so this was not saved yet. Here is what you typed: check it and press a button to save it.";

pub async fn new_form(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<RestoreQuery>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::CreateArticle)?;
    let kept = restored_form(
        &state,
        &staff,
        query.restore.as_deref(),
        "/admin/articles".into(),
    )
    .await?;
    let Some(form) = kept else {
        return FormContext::new_article()
            .fresh(&state, &staff, &ArticleInput::default())
            .await;
    };
    let parsed = fields::parse(&form, state.settings.timezone)?;
    FormContext::new_article()
        .problem(RESTORED)
        .publish_at(&form.publish_at)
        .fresh(&state, &staff, &parsed.input)
        .await
}

pub async fn edit_form(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    query: web::Query<RestoreQuery>,
) -> Result<HttpResponse, AppError> {
    let id = common::parse_id(&path)?;
    let article = editable(&state, &staff, id).await?;
    let others = presence_notes(&state, id, staff.user.id).await?;
    let kept = restored_form(
        &state,
        &staff,
        query.restore.as_deref(),
        format!("/admin/articles/{id}"),
    )
    .await?;
    if let Some(form) = kept {
        let parsed = fields::parse(&form, state.settings.timezone)?;
        // The version they had loaded: a save still detects a newer one.
        let version = form.version().unwrap_or(article.version);
        return FormContext::editing(&article, version)
            .problem(RESTORED)
            .publish_at(&form.publish_at)
            .others(others)
            .fresh(&state, &staff, &parsed.input)
            .await;
    }
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
    FormContext::editing(&article, article.version)
        .others(others)
        .fresh(&state, &staff, &input)
        .await
}
