//! The audit log, for administrators.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::audit::{self, Entry};
use crate::accounts::permissions::Action;
use crate::clock;
use crate::web::AppState;
use crate::web::auth::Staff;
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::flash;
use crate::web::pager::{Pager, page_number};
use crate::web::render::{Layout, render};

const PAGE_SIZE: i64 = 100;

pub struct Line {
    pub when: String,
    pub entry: Entry,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    layout: Layout,
    lines: Vec<Line>,
    pager: Option<Pager>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::ViewAudit)?;
    let page = page_number(query.page.as_deref())?;
    let offset = (page - 1) * PAGE_SIZE;
    let (entries, total) = state
        .db(move |conn| Ok(audit::page(conn, PAGE_SIZE, offset)?))
        .await?;
    if entries.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let tz = state.settings.timezone;
    let token = csrf::token(&staff.session)?;
    let layout = Layout::staff(
        &state,
        "Audit log",
        &staff.user,
        token,
        flash::take(&staff.session),
    );
    render(&AuditPage {
        layout,
        lines: entries
            .into_iter()
            .map(|entry| Line {
                when: clock::short_date_time(entry.at, tz),
                entry,
            })
            .collect(),
        pager: Pager::new("/admin/audit", page, total, PAGE_SIZE),
    })
}
