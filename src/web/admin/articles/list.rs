//! `GET /admin/articles`, the filtered list of every report, and `GET /admin`, the dashboard
//! of what needs attention. Both show [`Row`]s.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::may_edit;
use crate::accounts::User;
use crate::accounts::permissions::Action;
use crate::clock;
use crate::content::articles::{ArticleWithNames, Status};
use crate::content::categories;
use crate::content::staff_list::{self, Filter};
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::Staff;
use crate::web::error::AppError;
use crate::web::render::{Layout, render, views_label};

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
        drafts_only_of: (!crate::accounts::permissions::allows(staff.user.role(), Action::EditAny))
            .then_some(staff.user.id),
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
    top_week: Vec<crate::web::admin::stats::TopRow>,
    top_month: Vec<crate::web::admin::stats::TopRow>,
}

/// `GET /admin`: what needs attention.
pub async fn dashboard(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Action::ViewAdmin)?;
    let user_id = staff.user.id;
    let language = state.settings.language.clone();
    let d = state
        .db(move |conn| Ok(staff_list::dashboard(conn, user_id, &language)?))
        .await?;
    let views = crate::web::admin::stats::overview(&state).await?;
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
