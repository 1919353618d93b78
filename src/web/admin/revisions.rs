//! An article's revisions: the list, a comparison of two, and restoring one.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::permissions::{self, Action};
use crate::clock;
use crate::content::ContentError;
use crate::content::articles::{self, Article, ArticleInput, SaveAction};
use crate::content::revisions::{self, Diff};
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::Staff;
use crate::web::auth::StaffForm;
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::render::{Layout, render};

async fn article_for(state: &AppState, staff: &Staff, raw_id: &str) -> Result<Article, AppError> {
    let (_, article) = common::found_at(state, raw_id, articles::find).await?;
    let role = staff.user.role();
    if !permissions::may_edit_article(
        role,
        staff.user.id,
        article.author_id,
        article.in_progress(),
    ) {
        return Err(AppError::forbidden(
            "You cannot see or restore this article's revisions.",
        ));
    }
    Ok(article)
}

pub struct Row {
    pub version: i32,
    pub when: String,
    pub who: String,
    pub title: String,
    pub note: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "admin/revisions.html")]
struct ListPage {
    layout: Layout,
    article_id: i32,
    title: String,
    rows: Vec<Row>,
}

pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let article = article_for(&state, &staff, &path).await?;
    let id = article.id;
    let all = state.db(move |conn| Ok(revisions::list(conn, id)?)).await?;
    let tz = state.settings.timezone;
    let rows = all
        .into_iter()
        .map(|(r, who)| Row {
            current: r.version == article.version,
            version: r.version,
            when: clock::short_date_time(r.created_at, tz),
            who: who.unwrap_or_else(|| "(deleted user)".to_owned()),
            title: r.title,
            note: r.note,
        })
        .collect();
    render(&ListPage {
        layout: common::layout(&state, &staff, "Revisions")?,
        article_id: id,
        title: article.title.clone(),
        rows,
    })
}

#[derive(Deserialize)]
pub struct CompareQuery {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/compare.html")]
struct ComparePage {
    layout: Layout,
    article_id: i32,
    from: i32,
    to: i32,
    diff: Diff,
}

pub async fn compare(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    query: web::Query<CompareQuery>,
) -> Result<HttpResponse, AppError> {
    let article = article_for(&state, &staff, &path).await?;
    let number = |raw: &Option<String>| -> Result<i32, AppError> {
        raw.as_deref()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| AppError::bad_request("Choose two revisions to compare."))
    };
    let (mut from, mut to) = (number(&query.from)?, number(&query.to)?);
    if from > to {
        std::mem::swap(&mut from, &mut to);
    }
    let id = article.id;
    let (old, new) = state
        .db(move |conn| {
            Ok((
                revisions::find(conn, id, from)?.ok_or(AppError::NotFound)?,
                revisions::find(conn, id, to)?.ok_or(AppError::NotFound)?,
            ))
        })
        .await?;
    // Within a budget, but still long enough to keep off the async workers.
    let diff = web::block(move || revisions::diff(&old, &new)).await?;
    render(&ComparePage {
        layout: common::layout(&state, &staff, "Compare revisions")?,
        article_id: id,
        from,
        to,
        diff,
    })
}

#[derive(Deserialize)]
pub struct RestoreForm {
    version: Option<String>,
}

pub async fn restore(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    StaffForm { staff, form }: StaffForm<RestoreForm>,
) -> Result<HttpResponse, AppError> {
    let (raw_id, raw_rev) = path.into_inner();
    let article = article_for(&state, &staff, &raw_id).await?;
    if article.is_published() {
        staff.require(Action::Publish)?;
    }
    let wanted: i32 = raw_rev.parse().map_err(|_| AppError::NotFound)?;
    // The version the list was showing: restoring over a newer save would lose it.
    let expected = form
        .version
        .as_deref()
        .and_then(|v| v.parse::<i32>().ok())
        .ok_or_else(|| AppError::bad_request("Reload the list of revisions and try again."))?;
    let id = article.id;
    let user_id = staff.user.id;
    let action = SaveAction::keeping(&article);
    let rev = state
        .db(move |conn| revisions::find(conn, id, wanted)?.ok_or(AppError::NotFound))
        .await?;
    let input = ArticleInput {
        title: rev.title,
        slug: rev.slug,
        summary: rev.summary,
        body: rev.body_html,
        category_id: rev.category_id,
        tags: rev.tags,
    };
    let result = match common::check_article(input, action).await? {
        Ok(checked) => {
            let note = format!("Restored version {wanted}");
            state
                .db(move |conn| {
                    Ok(articles::update_noted(
                        conn, id, expected, &checked, user_id, &note,
                    ))
                })
                .await?
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(saved) => {
            flash::success(
                &staff.session,
                format!(
                    "Version {wanted} was restored as version {}.",
                    saved.version
                ),
            );
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/admin/articles/{id}/revisions")))
                .finish())
        }
        Err(ContentError::Conflict { .. }) => Err(AppError::Conflict(
            "The article was saved again meanwhile, so nothing was restored. Reload the list of revisions and try again.".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}
