//! What every public page shows around its content (site settings, menu, categories, the
//! latest reports for the 404 page), kept in memory and refreshed from the database every
//! couple of seconds, and at once on this instance after an edit.

use std::time::Duration;

use diesel::QueryResult;

use crate::content::{categories, listing, pages};
use crate::db::DbConn;
use crate::site::SiteSettings;

use super::AppState;
use super::render::Link;

/// How often every instance reloads the site view, so an edit made on one instance shows on
/// the others within this time.
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Default)]
pub struct SiteView {
    pub settings: SiteSettings,
    /// Static pages in the menu.
    pub menu: Vec<Link>,
    pub categories: Vec<Link>,
    /// The latest published reports (for the 404 page).
    pub recent: Vec<Link>,
}

impl SiteView {
    pub fn load(
        conn: &mut DbConn,
        defaults: &SiteSettings,
        language: &str,
    ) -> QueryResult<SiteView> {
        let settings = SiteSettings::load(conn, defaults)?;
        let menu = pages::menu(conn, language)?
            .into_iter()
            .map(|(label, slug)| Link {
                label,
                url: format!("/{slug}"),
            })
            .collect();
        let categories = categories::list(conn, language)?
            .into_iter()
            .map(|c| Link {
                url: format!("/category/{}", c.slug),
                label: c.name,
            })
            .collect();
        let recent = listing::page(conn, language, listing::Listing::All, 5, 0)?
            .into_iter()
            .map(|item| Link {
                url: format!("/news/{}", item.article.slug),
                label: item.article.title,
            })
            .collect();
        Ok(SiteView {
            settings,
            menu,
            categories,
            recent,
        })
    }
}

/// Runs for the life of the server: reloads the site view every [`REFRESH_EVERY`].
pub async fn keep_fresh(state: actix_web::web::Data<AppState>) {
    let mut tick = actix_web::rt::time::interval(REFRESH_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = state.refresh_site().await {
            log::debug!("site view not refreshed: {e}");
        }
    }
}
