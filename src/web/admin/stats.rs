//! View statistics for staff: the site's last 30 days and most viewed reports (on the
//! dashboard), and one report's last 30 days.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, TimeDelta};

use crate::accounts::permissions::Action;
use crate::clock;
use crate::content::articles;
use crate::stats::{self, chart::Chart};
use crate::web::AppState;
use crate::web::auth::Staff;
use crate::web::error::AppError;
use crate::web::render::{Layout, render, views_label};

use super::common::{self, parse_id};

/// Days a chart shows.
pub const DAYS: i64 = 30;

/// A report among the most viewed of a period.
pub struct TopRow {
    pub title: String,
    pub stats_url: String,
    pub views: String,
}

/// What the dashboard shows about views.
pub struct Overview {
    pub site_chart: Chart,
    pub top_week: Vec<TopRow>,
    pub top_month: Vec<TopRow>,
}

/// Today in the site's time zone, by the state's clock.
fn today(state: &AppState) -> NaiveDate {
    clock::local(state.clock.now(), state.settings.timezone).date_naive()
}

fn top_rows(top: Vec<stats::TopArticle>) -> Vec<TopRow> {
    top.into_iter()
        .map(|t| TopRow {
            title: t.title,
            stats_url: format!("/admin/articles/{}/stats", t.id),
            views: views_label(t.views),
        })
        .collect()
}

pub async fn overview(state: &AppState) -> Result<Overview, AppError> {
    let to = today(state);
    let from = to - TimeDelta::days(DAYS - 1);
    let week = to - TimeDelta::days(6);
    let (series, top_week, top_month) = state
        .db(move |conn| {
            Ok((
                stats::series(conn, None, from, to)?,
                stats::most_viewed_since(conn, week, 5)?,
                stats::most_viewed_since(conn, from, 5)?,
            ))
        })
        .await?;
    Ok(Overview {
        site_chart: Chart::new("site-views", "Views of the site", &series),
        top_week: top_rows(top_week),
        top_month: top_rows(top_month),
    })
}

#[derive(Template)]
#[template(path = "admin/article_stats.html")]
struct StatsPage {
    layout: Layout,
    title: String,
    total: String,
    public_url: Option<String>,
    edit_url: Option<String>,
    chart: Chart,
}

/// `GET /admin/articles/{id}/stats`: one report's views, day by day.
pub async fn article(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ViewAdmin)?;
    let id = parse_id(&path)?;
    let to = today(&state);
    let from = to - TimeDelta::days(DAYS - 1);
    let (article, series) = state
        .db(move |conn| {
            let article = articles::find(conn, id)?.ok_or(AppError::NotFound)?;
            Ok((article, stats::series(conn, Some(id), from, to)?))
        })
        .await?;
    let may_edit = crate::accounts::permissions::may_edit_article(
        staff.user.role(),
        staff.user.id,
        article.author_id,
        article.in_progress(),
    );
    // Published reports' figures are for all staff; an unpublished one is its editors' business.
    if !may_edit && !article.is_published() {
        return Err(AppError::forbidden("This report is not yours to see."));
    }
    let views = article.view_count + i64::try_from(state.views.pending_of(id)).unwrap_or(0);
    render(&StatsPage {
        layout: common::layout(&state, &staff, &format!("Views of {}", article.title))?,
        chart: Chart::new("article-views", &article.title, &series),
        total: views_label(views),
        public_url: article
            .is_published()
            .then(|| format!("/news/{}", article.slug)),
        edit_url: may_edit.then(|| format!("/admin/articles/{id}/edit")),
        title: article.title,
    })
}
