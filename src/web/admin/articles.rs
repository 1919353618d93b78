//! The article list and the article form (create, edit, save draft, publish).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::User;
use crate::accounts::permissions::{self, Action};
use crate::clock;
use crate::content::articles::{self, Article, ArticleInput, ArticleWithNames, SaveAction, Status};
use crate::content::categories::{self, Category};
use crate::content::staff_list::{self, Filter};
use crate::content::{ContentError, FieldErrors, presence, previews};
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::Staff;
use crate::web::auth::StaffForm;
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::{Layout, render, render_status, views_label};

const LIST_SIZE: i64 = 50;

pub struct Row {
    pub scheduled_for: Option<String>,
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
    /// (value, label, selected)
    statuses: Vec<(&'static str, &'static str, bool)>,
    categories: Vec<(i32, String, bool)>,
    authors: Vec<(i32, String, bool)>,
    text: String,
    pager: Option<crate::web::pager::Pager>,
}

fn may_edit(user: &User, article: &Article) -> bool {
    permissions::may_edit_article(
        user.role(),
        user.id,
        article.author_id,
        article.in_progress(),
    )
}

fn row(state: &AppState, user: &User, item: &ArticleWithNames) -> Row {
    let a = &item.article;
    let status = a.status();
    Row {
        title: a.title.clone(),
        edit_url: may_edit(user, a).then(|| format!("/admin/articles/{}/edit", a.id)),
        public_url: a.is_published().then(|| format!("/news/{}", a.slug)),
        status: status.label(),
        status_class: status.as_str(),
        category: item.category_name.clone().unwrap_or_default(),
        author: item.author_name.clone(),
        updated: clock::short_date_time(a.updated_at, state.settings.timezone),
        views: views_label(a.view_count),
        scheduled_for: (status == Status::Scheduled)
            .then_some(a.published_at)
            .flatten()
            .map(|t| clock::short_date_time(t, state.settings.timezone)),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    category: Option<String>,
    author: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

/// `GET /admin/articles`: every article, filtered by status, category, author and title.
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ViewAdmin)?;
    let number = |raw: &Option<String>| {
        raw.as_deref()
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(0)
    };
    let filter = Filter {
        status: query
            .status
            .as_deref()
            .and_then(Status::parse)
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        category_id: number(&query.category),
        author_id: number(&query.author),
        text: query
            .q
            .clone()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect(),
    };
    let page = crate::web::pager::page_number(query.page.as_deref())?;
    let offset = (page - 1) * LIST_SIZE;
    let language = state.settings.language.clone();
    let wanted = filter.clone();
    let ((items, total), cats, people) = state
        .db(move |conn| {
            Ok((
                staff_list::page(conn, &wanted, LIST_SIZE, offset)?,
                categories::list(conn, &language)?,
                crate::accounts::all_users(conn)?,
            ))
        })
        .await?;
    if items.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let rows = items.iter().map(|i| row(&state, &staff.user, i)).collect();
    let mut base = format!(
        "/admin/articles?status={}&category={}&author={}&q={}",
        filter.status,
        filter.category_id,
        filter.author_id,
        percent_encoding::utf8_percent_encode(&filter.text, percent_encoding::NON_ALPHANUMERIC)
    );
    if filter.status.is_empty()
        && filter.category_id == 0
        && filter.author_id == 0
        && filter.text.is_empty()
    {
        base = "/admin/articles".to_owned();
    }
    let layout = common::layout(&state, &staff, "Articles")?;
    render(&ListPage {
        layout,
        rows,
        total,
        statuses: [
            Status::Draft,
            Status::Review,
            Status::Scheduled,
            Status::Published,
            Status::Archived,
        ]
        .iter()
        .map(|s| (s.as_str(), s.label(), filter.status == s.as_str()))
        .collect(),
        categories: cats
            .into_iter()
            .map(|c| (c.id, c.name, c.id == filter.category_id))
            .collect(),
        authors: people
            .into_iter()
            .map(|u| (u.id, u.display_name, u.id == filter.author_id))
            .collect(),
        text: filter.text.clone(),
        pager: crate::web::pager::Pager::new(&base, page, total, LIST_SIZE),
    })
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    my_drafts: Vec<Row>,
    in_review: Vec<Row>,
    scheduled: Vec<Row>,
    recently_published: Vec<Row>,
    most_viewed: Vec<Row>,
    site_chart: crate::stats::chart::Chart,
    top_week: Vec<super::stats::TopRow>,
    top_month: Vec<super::stats::TopRow>,
}

/// `GET /admin`: what needs attention.
pub async fn dashboard(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Action::ViewAdmin)?;
    let user_id = staff.user.id;
    let language = state.settings.language.clone();
    let d = state
        .db(move |conn| Ok(staff_list::dashboard(conn, user_id, &language)?))
        .await?;
    let views = super::stats::overview(&state).await?;
    let rows = |items: &[ArticleWithNames]| {
        items
            .iter()
            .map(|i| row(&state, &staff.user, i))
            .collect::<Vec<_>>()
    };
    let page = DashboardPage {
        layout: common::layout(&state, &staff, "Dashboard")?,
        my_drafts: rows(&d.my_drafts),
        in_review: rows(&d.in_review),
        scheduled: rows(&d.scheduled),
        recently_published: rows(&d.recently_published),
        most_viewed: rows(&d.most_viewed),
        site_chart: views.site_chart,
        top_week: views.top_week,
        top_month: views.top_month,
    };
    render(&page)
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
    /// `YYYY-MM-DDTHH:MM` in the site's time zone (a `datetime-local` input).
    #[serde(default)]
    publish_at: String,
    version: Option<String>,
    #[serde(default)]
    action: String,
}

struct Parsed {
    input: ArticleInput,
    action: SaveAction,
    errors: FieldErrors,
    /// "Save mine as a new draft", from the conflict page: a new article, not this one.
    copy: bool,
}

/// A `datetime-local` value in the site's time zone, as UTC.
fn parse_local_time(raw: &str, tz: chrono_tz::Tz) -> Option<chrono::NaiveDateTime> {
    use chrono::TimeZone;
    let raw = raw.trim();
    let local = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M"))
        .ok()?;
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
}

fn parse(form: &ArticleForm, tz: chrono_tz::Tz) -> Result<Parsed, AppError> {
    let mut errors = FieldErrors::default();
    let action = match form.action.as_str() {
        "draft" | "copy" => SaveAction::Draft,
        "review" => SaveAction::Review,
        "publish" => SaveAction::Publish,
        "archive" => SaveAction::Archive,
        "schedule" => match parse_local_time(&form.publish_at, tz) {
            Some(at) => SaveAction::Schedule(at),
            None => {
                errors.add(
                    "publish_at",
                    "Enter the date and time of publication, for example 2026-12-01 09:00.",
                );
                SaveAction::Schedule(chrono::NaiveDateTime::MIN)
            }
        },
        _ => {
            return Err(AppError::bad_request(
                "Press one of the form's buttons (“Save draft”, “Publish”…) to send it.",
            ));
        }
    };
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
        copy: form.action == "copy",
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
    conflict: Option<ConflictView>,
    /// Notes about other people who have the article open.
    others: Vec<String>,
    heading: &'a str,
    action_url: String,
    version: i32,
    existing: Option<&'a Article>,
    problem: Option<String>,
    /// What the schedule field showed (empty: the article's own schedule, if any).
    publish_at: String,
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

#[derive(Deserialize)]
pub struct RestoreQuery {
    restore: Option<String>,
}

/// The form a session expiry interrupted, if `restore` names one sent to `post_path`.
async fn restored_form(
    state: &AppState,
    restore: Option<&str>,
    post_path: String,
) -> Result<Option<ArticleForm>, AppError> {
    let Some(token) = restore.filter(|t| t.len() == 48 && t.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return Ok(None);
    };
    let token = token.to_owned();
    let body = state
        .db(move |conn| Ok(crate::content::pending::take(conn, &token, &post_path)?))
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
    if let Some(form) =
        restored_form(&state, query.restore.as_deref(), "/admin/articles".into()).await?
    {
        let parsed = parse(&form, state.settings.timezone)?;
        let ctx = FormContext {
            conflict: None,
            heading: "New report",
            action_url: "/admin/articles".to_owned(),
            version: 0,
            existing: None,
            problem: Some(RESTORED.to_owned()),
            publish_at: form.publish_at.clone(),
            others: Vec::new(),
        };
        return show_form(
            &state,
            &staff,
            StatusCode::OK,
            &parsed.input,
            FieldErrors::default(),
            ctx,
        )
        .await;
    }
    let ctx = FormContext {
        conflict: None,
        others: Vec::new(),
        heading: "New report",
        action_url: "/admin/articles".to_owned(),
        version: 0,
        existing: None,
        problem: None,
        publish_at: String::new(),
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

fn saved_message(state: &AppState, article: &Article, action: SaveAction) -> String {
    match action {
        SaveAction::Draft => "Saved as a draft. It is not visible on the site.".to_owned(),
        SaveAction::Review => "Submitted for review. An editor will publish it.".to_owned(),
        SaveAction::Publish => format!("Published at /news/{}.", article.slug),
        SaveAction::Schedule(at) => format!(
            "Scheduled: it will be published on {} ({}).",
            clock::short_date_time(at, state.settings.timezone),
            state.settings.timezone
        ),
        SaveAction::Archive => "Archived. It is no longer visible on the site.".to_owned(),
    }
}

fn redirect_to_edit(id: i32) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/admin/articles/{id}/edit")))
        .finish()
}

pub async fn create(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    StaffForm { staff, form }: StaffForm<ArticleForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::CreateArticle)?;
    let mut parsed = parse(&form, state.settings.timezone)?;
    if parsed.copy {
        // The copy gets its own address; its title says what it is until someone renames it.
        parsed.input.slug.clear();
        let title: String = parsed.input.title.trim().chars().take(240).collect();
        parsed.input.title = format!("{title} (copy)");
    }
    if parsed.action.publishes() {
        staff.require(Action::Publish)?;
    }
    let ctx = FormContext {
        conflict: None,
        others: Vec::new(),
        heading: "New report",
        action_url: "/admin/articles".to_owned(),
        version: 0,
        existing: None,
        problem: None,
        publish_at: form.publish_at.clone(),
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
            audit_action(&state, &req, &staff, &article, action, false).await;
            let message = if parsed.copy {
                format!(
                    "Your version was saved as a new draft, “{}”. The report you were editing \
                     keeps the other person's version.",
                    article.title
                )
            } else {
                saved_message(&state, &article, action)
            };
            flash::success(&staff.session, message);
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

async fn editable(state: &AppState, staff: &Staff, id: i32) -> Result<Article, AppError> {
    let article = state
        .db(move |conn| articles::find(conn, id)?.ok_or(AppError::NotFound))
        .await?;
    if !may_edit(&staff.user, &article) {
        return Err(AppError::forbidden(if article.in_progress() {
            "You can only change your own articles. Nothing was changed."
        } else {
            "Only editors and administrators can change an article once it is published, scheduled or archived. Nothing was changed."
        }));
    }
    Ok(article)
}

/// Notes that this person has the article open now; what the edit page says about others.
async fn presence_notes(state: &AppState, id: i32, user_id: i32) -> Result<Vec<String>, AppError> {
    let now = clock::now();
    let seen = state
        .db(move |conn| {
            presence::touch(conn, id, user_id, now)?;
            Ok(presence::others(conn, id, user_id, now)?)
        })
        .await?;
    Ok(seen
        .into_iter()
        .map(|(name, seen)| match (now - seen).num_minutes() {
            0 => format!("{name} has this report open and may be editing it."),
            1 => format!("{name} opened this report a minute ago and may be editing it."),
            m => format!("{name} opened this report {m} minutes ago and may be editing it."),
        })
        .collect())
}

#[derive(Deserialize)]
pub struct PresenceForm {
    /// Sent when the page is closed: the note about this person goes at once.
    #[serde(default)]
    leave: String,
}

/// `POST /admin/articles/{id}/presence`: the edit page's heartbeat (every half minute while
/// it is open, with JavaScript) and its goodbye. Answers with the notes about others, as JSON.
pub async fn heartbeat(
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<PresenceForm>,
) -> Result<HttpResponse, AppError> {
    let id = common::parse_id(&path)?;
    editable(&state, &staff, id).await?;
    let user_id = staff.user.id;
    let others = if form.leave.is_empty() {
        presence_notes(&state, id, user_id).await?
    } else {
        state
            .db(move |conn| Ok(presence::leave(conn, id, user_id)?))
            .await?;
        Vec::new()
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "others": others })))
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
    if let Some(form) = restored_form(
        &state,
        query.restore.as_deref(),
        format!("/admin/articles/{id}"),
    )
    .await?
    {
        let parsed = parse(&form, state.settings.timezone)?;
        // The version they had loaded: a save still detects a newer one.
        let version = form
            .version
            .as_deref()
            .and_then(|v| v.trim().parse::<i32>().ok())
            .unwrap_or(article.version);
        let ctx = FormContext {
            conflict: None,
            heading: "Edit report",
            action_url: format!("/admin/articles/{id}"),
            version,
            existing: Some(&article),
            problem: Some(RESTORED.to_owned()),
            publish_at: form.publish_at.clone(),
            others,
        };
        return show_form(
            &state,
            &staff,
            StatusCode::OK,
            &parsed.input,
            FieldErrors::default(),
            ctx,
        )
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
    let ctx = FormContext {
        conflict: None,
        others,
        heading: "Edit report",
        action_url: format!("/admin/articles/{id}"),
        version: article.version,
        existing: Some(&article),
        problem: None,
        publish_at: String::new(),
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
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<ArticleForm>,
) -> Result<HttpResponse, AppError> {
    let id = common::parse_id(&path)?;
    let parsed = parse(&form, state.settings.timezone)?;
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
    if parsed.action.publishes() || (article.is_published() && parsed.action != SaveAction::Publish)
    {
        // Publishing, and taking a published article down, are editors' work.
        staff.require(Action::Publish)?;
    }
    let mut ctx = FormContext {
        conflict: None,
        others: Vec::new(),
        heading: "Edit report",
        action_url: format!("/admin/articles/{id}"),
        version,
        existing: Some(&article),
        problem: None,
        publish_at: form.publish_at.clone(),
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
    let editor_id = staff.user.id;
    let result = state
        .db(move |conn| {
            Ok(articles::update(
                conn, id, version, &input, action, editor_id,
            ))
        })
        .await?;
    match result {
        Ok(saved) => {
            audit_action(&state, &req, &staff, &saved, action, article.is_published()).await;
            flash::success(&staff.session, saved_message(&state, &saved, action));
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
            // Nothing was written. Keep what they typed, show what the other person saved,
            // and make the next save a deliberate overwrite of the newer version.
            ctx.version = current;
            ctx.conflict = Some(conflict_view(&state, id, &parsed.input).await?);
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

pub async fn confirm_delete(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = common::parse_id(&path)?;
    let article = editable(&state, &staff, id).await?;
    render(&common::ConfirmDelete {
        layout: common::layout(&state, &staff, "Delete report")?,
        what: format!("the report “{}” with all its tags", article.title),
        action_url: format!("/admin/articles/{id}/delete"),
        back_url: format!("/admin/articles/{id}/edit"),
    })
}

pub async fn delete(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, .. }: StaffForm<common::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = common::parse_id(&path)?;
    let article = editable(&state, &staff, id).await?;
    state
        .db(move |conn| Ok(articles::delete(conn, id)?))
        .await?;
    let client = state.client_of(&req);
    let subject = format!("{} (/news/{})", article.title, article.slug);
    state
        .audit(Some(&staff.user), "", "deleted article", &subject, &client)
        .await;
    if article.is_published() {
        state.refresh_site().await?;
    }
    flash::success(&staff.session, format!("“{}” was deleted.", article.title));
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin"))
        .finish())
}

/// `GET /admin/articles/{id}/preview`: the report exactly as it will look.
pub async fn preview(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = common::parse_id(&path)?;
    editable(&state, &staff, id).await?;
    crate::web::public::article::preview_for_staff(&state, id).await
}

/// Makes a secret preview link (editors), shown on the edit page.
pub async fn create_preview_link(
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, .. }: StaffForm<common::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::EditAny)?;
    let id = common::parse_id(&path)?;
    editable(&state, &staff, id).await?;
    let user_id = staff.user.id;
    let link = state
        .db(move |conn| Ok(previews::create(conn, id, user_id)?))
        .await?;
    flash::success(
        &staff.session,
        format!(
            "Preview link made: {} (works for {} days unless revoked).",
            state.settings.absolute(&format!("/preview/{}", link.token)),
            previews::LIFETIME_DAYS
        ),
    );
    Ok(redirect_to_edit(id))
}

/// Revokes every secret preview link of the article.
pub async fn revoke_preview_links(
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, .. }: StaffForm<common::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::EditAny)?;
    let id = common::parse_id(&path)?;
    editable(&state, &staff, id).await?;
    let n = state
        .db(move |conn| Ok(previews::revoke_all(conn, id)?))
        .await?;
    flash::success(
        &staff.session,
        format!("{n} preview link(s) revoked: they no longer work."),
    );
    Ok(redirect_to_edit(id))
}

/// What someone else saved over the version this person loaded.
async fn conflict_view(
    state: &AppState,
    id: i32,
    typed: &ArticleInput,
) -> Result<ConflictView, AppError> {
    let (article, latest) = state
        .db(move |conn| {
            Ok((
                articles::find(conn, id)?.ok_or(AppError::NotFound)?,
                crate::content::revisions::latest(conn, id)?,
            ))
        })
        .await?;
    let (who, when, tags) = match &latest {
        Some((rev, who)) => (
            who.clone().unwrap_or_else(|| "someone".to_owned()),
            clock::short_date_time(rev.created_at, state.settings.timezone),
            rev.tags.clone(),
        ),
        None => (
            "someone".to_owned(),
            clock::short_date_time(article.updated_at, state.settings.timezone),
            String::new(),
        ),
    };
    let typed_body = crate::content::sanitize::clean(&typed.body);
    let diff = crate::content::revisions::diff_texts(
        &crate::content::revisions::Texts {
            title: &article.title,
            summary: &article.summary,
            tags: &tags,
            body_html: &article.body_html,
        },
        &crate::content::revisions::Texts {
            title: typed.title.trim(),
            summary: typed.summary.trim(),
            tags: &crate::content::tags::parse_names(&typed.tags).join(", "),
            body_html: typed_body.as_str(),
        },
    );
    Ok(ConflictView {
        who,
        when,
        version: article.version,
        body: article.body(),
        title: article.title.clone(),
        summary: article.summary.clone(),
        diff,
    })
}

/// Records workflow changes (not plain draft saves) in the audit log.
async fn audit_action(
    state: &AppState,
    req: &actix_web::HttpRequest,
    staff: &Staff,
    article: &Article,
    action: SaveAction,
    was_published: bool,
) {
    let what = match action {
        SaveAction::Publish if was_published => return,
        SaveAction::Publish => "published",
        SaveAction::Schedule(_) => "scheduled",
        SaveAction::Archive => "archived",
        SaveAction::Review => "submitted for review",
        SaveAction::Draft if was_published => "unpublished",
        SaveAction::Draft => return,
    };
    let client = state.client_of(req);
    let subject = format!("{} (/news/{})", article.title, article.slug);
    state
        .audit(Some(&staff.user), "", what, &subject, &client)
        .await;
}
