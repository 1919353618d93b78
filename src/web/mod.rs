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
pub mod form_text;
pub mod image_pool;
pub mod kept_forms;
pub mod live;
pub mod media;
pub mod pager;
pub mod public;
pub mod rate_limit;
pub mod render;
pub mod request_log;
pub mod scheduler;
pub mod sessions;
pub mod site_view;
pub mod state;
pub mod views;

use std::net::TcpListener;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Server;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Compress, DefaultHeaders, Next, from_fn};
use actix_web::{App, HttpServer, guard, web};
use tracing_actix_web::TracingLogger;

use self::error::AppError;
use self::sessions::DbSessionStore;

pub use self::state::{AppState, Db};

pub const SESSION_COOKIE: &str = "chronicle_session";

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

/// The headers every response carries unless it set its own: pages, files, redirects, and
/// every error (ours, actix's, the session store's).
#[derive(Clone, Debug)]
pub struct SecurityHeaders(Vec<(header::HeaderName, header::HeaderValue)>);

impl SecurityHeaders {
    /// The headers for a site with `settings`: `Strict-Transport-Security` only when the base
    /// URL is https and its max-age is not 0 (a browser remembers it, so a site reached over
    /// plain http must not send it).
    pub fn for_site(settings: &crate::config::Settings) -> SecurityHeaders {
        let mut headers = vec![
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::REFERRER_POLICY,
                "strict-origin-when-cross-origin".to_owned(),
            ),
            (header::X_FRAME_OPTIONS, "SAMEORIGIN".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                content_security_policy(None),
            ),
            (
                header::HeaderName::from_static("permissions-policy"),
                "camera=(), microphone=(), geolocation=(), interest-cohort=()".to_owned(),
            ),
        ];
        if settings.base_url.starts_with("https://") && settings.hsts_max_age > 0 {
            headers.push((
                header::STRICT_TRANSPORT_SECURITY,
                format!("max-age={}", settings.hsts_max_age),
            ));
        }
        SecurityHeaders(
            headers
                .into_iter()
                .filter_map(|(name, value)| Some((name, value.parse().ok()?)))
                .collect(),
        )
    }

    fn add_to(&self, headers: &mut header::HeaderMap) {
        for (name, value) in &self.0 {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
    }
}

/// An error on its way out, with the security headers to put on its response. A middleware
/// has no request left to answer an error with (the request went into the service that
/// failed), so the error answers itself: actix renders it through this impl.
#[derive(Debug)]
struct WithHeaders {
    error: actix_web::Error,
    headers: web::Data<SecurityHeaders>,
}

impl std::fmt::Display for WithHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl actix_web::ResponseError for WithHeaders {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        let mut res = self.error.error_response();
        self.headers.add_to(res.headers_mut());
        res
    }
}

/// Middleware, the outermost: adds [`SecurityHeaders`] to every answer, including an error
/// that reaches it unanswered (a failing session store, an error page drawn for one), which
/// actix's `DefaultHeaders` lets pass untouched.
async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(headers) = req.app_data::<web::Data<SecurityHeaders>>().cloned() else {
        return next.call(req).await;
    };
    match next.call(req).await {
        Ok(mut res) => {
            headers.add_to(res.headers_mut());
            Ok(res)
        }
        Err(error) => Err(WithHeaders { error, headers }.into()),
    }
}

/// A route answering GET and HEAD: every address a browser may read answers both (a HEAD
/// gets the GET's status and headers; actix sends no body with it).
pub fn get_or_head() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
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
    let headers = web::Data::new(SecurityHeaders::for_site(&state.settings));
    actix_web::rt::spawn(site_view::keep_fresh(state.clone()));
    actix_web::rt::spawn(scheduler::run(state.clone()));
    actix_web::rt::spawn(views::keep_writing(state.clone()));
    actix_web::rt::spawn(rate_limit::keep_tidy(state.clone()));
    let mut server = HttpServer::new(move || {
        let settings = &state.settings;
        let sessions =
            SessionMiddleware::builder(DbSessionStore::new(state.database.clone()), key.clone())
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
        // The last `wrap` is the outermost: the security headers go on after everything
        // else has answered, errors included.
        App::new()
            .app_data(state.clone())
            .app_data(csrf::CookieKey(key.clone()))
            .app_data(headers.clone())
            .app_data(web::PayloadConfig::new(form_limit))
            .app_data(web::FormConfig::default().limit(form_limit))
            .wrap(from_fn(conditional::conditional))
            // Outside `conditional`: it sees the final status, so a 304 never counts.
            .wrap(from_fn(views::count_views))
            .wrap(from_fn(error_pages::error_pages))
            .wrap(Compress::default())
            .wrap(TracingLogger::<request_log::RequestSpan>::new())
            .wrap(from_fn(security_headers))
            .route("/assets/{hash}/{path:.*}", get_or_head().to(assets::serve))
            .route("/favicon.ico", get_or_head().to(assets::favicon))
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
                    .wrap(from_fn(form_text::check_query))
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
