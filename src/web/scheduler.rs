//! Scheduled publishing, inside the server: no cron, works after a restart (the first run is
//! at start), and with several instances (each runs the same idempotent UPDATE).

use actix_web::web;

use crate::content::articles;

use super::AppState;
use super::error::AppError;

impl AppState {
    /// Publishes what is due by this state's clock and refreshes what caches it; returns how
    /// many articles went live.
    pub async fn publish_due(&self) -> Result<usize, AppError> {
        let now = self.clock.now();
        let published = self
            .db(move |conn| Ok(articles::publish_due(conn, now)?))
            .await?;
        if published > 0 {
            log::info!("published {published} scheduled article(s)");
            self.caches.clear();
            self.refresh_site().await?;
        }
        Ok(published)
    }
}

/// Runs for the life of the server.
pub async fn run(state: web::Data<AppState>) {
    let mut tick = actix_web::rt::time::interval(state.settings.scheduler_every);
    loop {
        tick.tick().await;
        if let Err(e) = state.publish_due().await {
            log::warn!("scheduled publishing failed this time: {e}");
        }
    }
}
