//! The HTTP side: application state, routes, middleware, and the server that `main` and every
//! test start the same way.

pub mod admin;
pub mod assets;
pub mod auth;
pub mod conditional;
pub mod csrf;
pub mod error;
pub mod error_pages;
pub mod flash;
pub mod live;
pub mod media;
pub mod public;
pub mod render;
pub mod scheduler;
pub mod site_view;
pub mod views;

use std::net::TcpListener;
use std::sync::{Arc, RwLock};

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Compress, DefaultHeaders, Logger, from_fn};
use actix_web::{App, HttpServer, web};

use crate::accounts::sessions::DbSessionStore;
use crate::config::Settings;
use crate::db::{DbConn, Pool};

use self::assets::AssetUrls;
use self::error::AppError;
use self::site_view::SiteView;

pub const SESSION_COOKIE: &str = "chronicle_session";

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub settings: Settings,
    pub assets: AssetUrls,
    /// The clock of scheduled work (replaceable in tests).
    pub clock: crate::clock::Clock,
    /// Where uploaded files are stored.
    pub media: Arc<dyn crate::media::storage::Storage>,
    /// Views counted on this instance and not yet written.
    pub views: Arc<crate::stats::counter::ViewCounter>,
    /// Live public pages, kept rendered for a moment (see [`live`]).
    pub caches: live::Caches,
    /// One permit per pooled connection: database work waits here, not on a thread of its
    /// own (a burst of 64 requests would start 64 blocking threads that wait for 8
    /// connections, each with its own stack and allocator arena).
    db_slots: Arc<tokio::sync::Semaphore>,
    site: RwLock<Arc<SiteView>>,
}

impl AppState {
    /// The state, with the site view loaded now if the database answers (else it starts
    /// from the defaults and the next refresh fills it in).
    pub fn new(pool: Pool, settings: Settings) -> Self {
        let media = Arc::new(crate::media::storage::LocalDisk::new(
            settings.media_dir.clone(),
        ));
        let views = Arc::new(crate::stats::counter::ViewCounter::new(
            settings.view_dedup_secs,
            settings.timezone,
        ));
        let db_slots = Arc::new(tokio::sync::Semaphore::new(pool.max_size() as usize));
        let state = AppState {
            pool,
            settings,
            assets: AssetUrls::build(),
            clock: crate::clock::Clock::system(),
            media,
            views,
            caches: live::Caches::default(),
            db_slots,
            site: RwLock::new(Arc::new(SiteView::default())),
        };
        let defaults = state.site_defaults();
        let loaded = state
            .pool
            .get()
            .map_err(|e| e.to_string())
            .and_then(|mut conn| {
                SiteView::load(&mut conn, &defaults, &state.settings.language)
                    .map_err(|e| e.to_string())
            });
        match loaded {
            Ok(view) => state.set_site(view),
            Err(e) => {
                log::warn!("site view not loaded at start: {e}");
                state.set_site(SiteView {
                    settings: defaults,
                    ..SiteView::default()
                });
            }
        }
        state
    }

    /// Runs `f` with a pooled connection on the blocking thread pool. A pool that cannot
    /// give a connection in time means the database is down: a 503 page.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let timeout = self.settings.db_timeout;
        let permit =
            actix_web::rt::time::timeout(timeout, self.db_slots.clone().acquire_owned()).await;
        let Ok(Ok(permit)) = permit else {
            return Err(AppError::DatabaseUnavailable(format!(
                "no database connection came free within {} s",
                timeout.as_secs()
            )));
        };
        let pool = self.pool.clone();
        web::block(move || {
            // Held by the thread, not the request: a request dropped meanwhile (its client
            // went away) does not let another thread start while this one still works.
            let _permit = permit;
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }
}

/// The Content-Security-Policy of every response. A page may allow one inline `<style>`
/// element by its nonce (the rich editor inserts one); nothing else inline runs or applies.
pub fn content_security_policy(style_nonce: Option<&str>) -> String {
    let style = match style_nonce {
        Some(nonce) => format!("'self' 'nonce-{nonce}'"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; img-src 'self' data: blob:; style-src {style}; \
         script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-src {}; frame-ancestors 'self'",
        crate::content::sanitize::VIDEO_FRAME_SOURCES
    )
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .add((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(None),
        ))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ))
}

/// Starts the HTTP server on `listener`. `cookie_key` signs session cookies: every instance
/// of one site must use the same (see [`crate::site::cookie_key`]).
pub fn start_server(
    state: web::Data<AppState>,
    cookie_key: &[u8],
    listener: TcpListener,
    workers: Option<usize>,
) -> std::io::Result<Server> {
    let key = Key::derive_from(cookie_key);
    let form_limit = state.settings.max_form_bytes;
    actix_web::rt::spawn(site_view::keep_fresh(state.clone()));
    actix_web::rt::spawn(scheduler::run(state.clone()));
    actix_web::rt::spawn(views::keep_writing(state.clone()));
    let mut server = HttpServer::new(move || {
        let settings = &state.settings;
        let sessions =
            SessionMiddleware::builder(DbSessionStore::new(state.pool.clone()), key.clone())
                .cookie_name(SESSION_COOKIE.to_owned())
                .cookie_secure(settings.cookie_secure)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_path("/".to_owned())
                .session_lifecycle(
                    BrowserSession::default()
                        .state_ttl(CookieDuration::seconds(
                            settings.session_idle.as_secs() as i64
                        ))
                        .state_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
                )
                .build();
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(form_limit))
            .app_data(web::FormConfig::default().limit(form_limit))
            .wrap(from_fn(conditional::conditional))
            // Outside `conditional`: it sees the final status, so a 304 never counts.
            .wrap(from_fn(views::count_views))
            .wrap(from_fn(error_pages::error_pages))
            .wrap(security_headers())
            .wrap(Compress::default())
            .wrap(Logger::new("%a \"%r\" %s %b %Dms"))
            .route("/assets/{hash}/{path:.*}", web::get().to(assets::serve))
            .service(
                web::resource("/media/{key:.*}")
                    .route(web::get().to(media::serve))
                    .route(web::head().to(media::serve)),
            )
            .configure(public::routes)
            .service(
                web::scope("/admin")
                    .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store")))
                    .wrap(sessions)
                    .wrap(from_fn(live::forget_after_writes))
                    .configure(admin::routes),
            )
            .configure(public::static_pages)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(AppError::NotFound)
            }))
    })
    // Responses leave in more than one write when middleware wraps the body: without
    // TCP_NODELAY, Nagle's algorithm holds the second write until the client's delayed ACK
    // (40 ms on Linux) on a kept-alive connection.
    .on_connect(|conn, _| {
        if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>()
            && let Err(e) = tcp.set_nodelay(true)
        {
            log::debug!("TCP_NODELAY not set: {e}");
        }
    })
    .listen(listener)?;
    if let Some(n) = workers {
        server = server.workers(n);
    }
    Ok(server.run())
}

/// Runs `server` until it stops (SIGTERM, SIGINT, or its handle), then writes the views it
/// counted last: a graceful stop loses none.
pub async fn run(server: Server, state: web::Data<AppState>) -> std::io::Result<()> {
    let result = server.await;
    match state.flush_views().await {
        Ok(n) if n > 0 => log::info!("wrote the last {n} view(s) before stopping"),
        Ok(_) => {}
        Err(e) => log::error!("the last views could not be written: {e}"),
    }
    result
}

impl AppState {
    /// Writes an audit-log entry; a failure is logged, never shown (the action itself is done).
    pub async fn audit(
        &self,
        user: Option<&crate::accounts::User>,
        actor: &str,
        action: &str,
        subject: &str,
        client: &str,
    ) {
        let user_id = user.map(|u| u.id);
        let actor = user
            .map(|u| u.email.clone())
            .unwrap_or_else(|| actor.to_owned());
        let (action, subject, client) = (action.to_owned(), subject.to_owned(), client.to_owned());
        let result = self
            .db(move |conn| {
                Ok(crate::accounts::audit::record(
                    conn, user_id, &actor, &action, &subject, &client,
                )?)
            })
            .await;
        if let Err(e) = result {
            log::warn!("audit log not written: {e}");
        }
    }

    /// The client address of a request (see [`Settings::client_address`]).
    pub fn client_of(&self, req: &actix_web::HttpRequest) -> String {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        self.settings
            .client_address(req.peer_addr().map(|a| a.ip()), forwarded)
    }
}
