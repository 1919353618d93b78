//! Static pages (About, Contact…) at `/{slug}`.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::content::sanitize::SafeHtml;
use crate::content::{pages, slug};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::render::{Layout, render};

#[derive(Template)]
#[template(path = "public/page.html")]
struct StaticPage {
    layout: Layout,
    title: String,
    body: SafeHtml,
}

pub async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let wanted = path.into_inner();
    if !slug::is_valid(&wanted) {
        return Err(AppError::NotFound);
    }
    let language = state.settings.language.clone();
    let page = state
        .db(move |conn| Ok(pages::find_published(conn, &language, &wanted)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let text = crate::content::sanitize::text_of(&page.body());
    let description: String = text.chars().take(160).collect();
    let layout = Layout::public(&state, &page.title)
        .with_description(&description)
        .with_canonical(state.settings.absolute(&format!("/{}", page.slug)))
        .with_site_preview(&state);
    render(&StaticPage {
        layout,
        title: page.title.clone(),
        body: page.body(),
    })
}
