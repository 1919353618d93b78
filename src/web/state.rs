//! What every handler can reach ([`AppState`]), with all of its methods in this one file, and
//! [`Db`], the one path by which the web side runs a query: a permit per pooled connection,
//! a deadline, then the blocking thread pool. Handlers, background tasks and the session
//! store all go through it.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use actix_web::{HttpRequest, http::header, web};

use crate::config::Settings;
use crate::content::articles;
use crate::db::{DbConn, Pool};
use crate::site::SiteSettings;
use crate::stats::{self, bots, counter::Visit};

use super::assets::AssetUrls;
use super::error::AppError;
use super::live;
use super::site_view::SiteView;

/// Database access for the web side: one permit per pooled connection, so that database work
/// waits here, not on a thread of its own (a burst of 64 requests would otherwise start 64
/// blocking threads that wait for 8 connections, each with its own stack and allocator arena).
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    slots: Arc<tokio::sync::Semaphore>,
    timeout: Duration,
}

impl Db {
    pub fn new(pool: Pool, timeout: Duration) -> Self {
        let slots = Arc::new(tokio::sync::Semaphore::new(pool.max_size() as usize));
        Db {
            pool,
            slots,
            timeout,
        }
    }

    /// Runs `f` with a pooled connection on the blocking thread pool. A pool that cannot
    /// give a connection in time means the database is down: a 503 page.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let permit =
            actix_web::rt::time::timeout(self.timeout, self.slots.clone().acquire_owned()).await;
        let Ok(Ok(permit)) = permit else {
            return Err(AppError::DatabaseUnavailable(format!(
                "no database connection came free within {} s",
                self.timeout.as_secs()
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

/// What every handler can reach.
pub struct AppState {
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
    /// The path of every query (see [`Db`]); [`AppState::db`] is its short form.
    pub database: Db,
    /// Password checks (argon2 verifications) this instance ran for sign-in and for the
    /// password-change form, each after its attempt was reserved: the attack tests read it.
    pub password_checks: Arc<AtomicU64>,
    /// Where uploaded images are processed, a few at a time.
    pub images: super::image_pool::ImagePool,
    /// Per-client budgets of the costly public endpoints (see [`super::rate_limit`]).
    pub rate_limits: super::rate_limit::RateLimits,
    /// The relay for password-reset mail; `None` when `CHRONICLE_SMTP_URL` is not set (or
    /// cannot be used: the command line refuses to start then, so only a hand-built
    /// `Settings` gets here with one).
    pub mailer: Option<Arc<crate::mail::Mailer>>,
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
        let database = Db::new(pool.clone(), settings.db_timeout);
        let image_workers = settings.image_workers;
        let rate_limits = super::rate_limit::RateLimits::new(
            settings.rate_search,
            settings.rate_feeds,
            settings.rate_beacon,
            settings.trusted_proxies.clone(),
        );
        let mailer = settings.smtp_url.as_deref().and_then(|url| {
            crate::mail::Mailer::new(url, &settings.mail_from)
                .map(Arc::new)
                .map_err(|e| log::error!("password-reset mail is off: {e}"))
                .ok()
        });
        let state = AppState {
            settings,
            assets: AssetUrls::build(),
            clock: crate::clock::Clock::system(),
            media,
            views,
            caches: live::Caches::default(),
            database,
            password_checks: Arc::default(),
            images: super::image_pool::ImagePool::new(image_workers, super::image_pool::WAIT),
            rate_limits,
            mailer,
            site: RwLock::new(Arc::new(SiteView::default())),
        };
        let defaults = state.site_defaults();
        // Before the server runs, so straight from the pool.
        let loaded = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
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

    /// Runs `f` with a pooled connection (see [`Db::run`]).
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.database.run(f).await
    }

    /// Records that staff member `user` did `action` to `subject`, from `req`'s client.
    pub async fn audit_by(
        &self,
        req: &actix_web::HttpRequest,
        user: &crate::accounts::User,
        action: &str,
        subject: &str,
    ) {
        let client = self.client_of(req);
        self.audit(Some(user), "", action, subject, &client).await;
    }

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
    pub fn client_of(&self, req: &HttpRequest) -> String {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        self.settings
            .client_address(req.peer_addr().map(|a| a.ip()), forwarded)
    }

    // --- The site view (see [`super::site_view`]).

    /// The site view as of the last refresh.
    pub fn site(&self) -> Arc<SiteView> {
        match self.site.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Settings that apply until an editor changes them in the admin area.
    pub fn site_defaults(&self) -> SiteSettings {
        let name = self.settings.site_name.clone();
        SiteSettings {
            logo_text: name
                .chars()
                .next()
                .map(|c| c.to_uppercase().collect())
                .unwrap_or_default(),
            name,
            ..SiteSettings::default()
        }
    }

    fn set_site(&self, view: SiteView) {
        match self.site.write() {
            Ok(mut guard) => *guard = Arc::new(view),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(view),
        }
    }

    /// Reloads the site view now (after an edit on this instance).
    pub async fn refresh_site(&self) -> Result<(), AppError> {
        let defaults = self.site_defaults();
        let language = self.settings.language.clone();
        let view = self
            .db(move |conn| Ok(SiteView::load(conn, &defaults, &language)?))
            .await?;
        self.set_site(view);
        Ok(())
    }

    // --- View counting (see [`super::views`]).

    /// The count to show for an article whose stored count was `stored` when this instance's
    /// written views were `written_then`: plus what this instance wrote since, plus what it
    /// has not written yet.
    pub fn views_shown(&self, article_id: i32, stored: i64, written_then: u64) -> i64 {
        let since = self
            .views
            .written_of(article_id)
            .saturating_sub(written_then);
        let pending = self.views.pending_of(article_id);
        stored.saturating_add(i64::try_from(since.saturating_add(pending)).unwrap_or(0))
    }

    /// The visit this request would be, if it comes from a reader (not a bot) by GET.
    pub fn visit_of(&self, req: &HttpRequest, article_id: i32) -> Option<Visit> {
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        if !bots::is_reader(user_agent) {
            return None;
        }
        let client = self.client_of(req);
        Some(self.views.visit(
            article_id,
            &client,
            user_agent.unwrap_or_default(),
            self.clock.now(),
        ))
    }

    /// Writes the views counted so far; returns how many. Counts that cannot be written stay
    /// pending for the next try.
    pub async fn flush_views(&self) -> Result<u64, AppError> {
        let views = self.views.clone();
        let now = self.clock.now();
        if views.is_idle(now) {
            // Nothing counted since the last write: no connection taken.
            return Ok(0);
        }
        self.db(move |conn| {
            views.flush(now, |batch| {
                stats::write_batch(conn, batch)?;
                Ok::<_, AppError>(())
            })
        })
        .await
    }

    // --- Scheduled publishing (see [`super::scheduler`]).

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
