//! Scheduled publishing, inside the server: no cron, works after a restart (the first run is
//! at start), and with several instances (each runs the same idempotent UPDATE).

use actix_web::web;

use super::AppState;

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
