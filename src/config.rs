//! Settings: one struct, built from command-line flags, which override environment variables,
//! which override defaults that work with none. Passed to handlers as app data (never global),
//! so tests can vary it.

use std::time::Duration;

use chrono_tz::Tz;

// The defaults, here only: `Settings::with_database` and the command line's flags (whose
// `--help` shows them) both read these.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/chronicle.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_SITE_NAME: &str = "Chronicle";
pub const DEFAULT_LANGUAGE: &str = "en";
pub const DEFAULT_TIMEZONE: Tz = Tz::UTC;
pub const DEFAULT_SESSION_HOURS: u64 = 12;
pub const DEFAULT_DEMO_CONTENT: bool = true;
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@example.org";
pub const DEFAULT_DB_POOL_SIZE: u32 = 8;
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 25 * 1024 * 1024;
pub const DEFAULT_MAX_IMAGE_PIXELS: u64 = 50_000_000;
pub const DEFAULT_IMAGE_MAX_EDGE: u32 = 2400;
pub const DEFAULT_IMAGE_WORKERS: usize = 2;
pub const DEFAULT_VIEW_DEDUP_SECS: u64 = 1800;
pub const DEFAULT_VIEW_COUNTING: ViewCounting = ViewCounting::Server;
pub const DEFAULT_VIEW_FLUSH_SECS: u64 = 1;
pub const DEFAULT_MAX_BUFFERED_BODY: usize = 4 * 1024 * 1024;
pub const DEFAULT_HSTS_MAX_AGE: u64 = 365 * 24 * 3600;
/// Requests per minute per client address on the costly public endpoints (0: no limit).
/// A reader never comes near them; a crawler that does gets `429` and slows down.
pub const DEFAULT_RATE_SEARCH: u32 = 60;
pub const DEFAULT_RATE_FEEDS: u32 = 120;
pub const DEFAULT_RATE_BEACON: u32 = 240;
/// Wall-clock time, so it includes waiting for a core on a busy machine: a search that costs
/// 20 ms alone can take several times that with eight running at once on two cores. The
/// costliest searches the word rules allow take about 50 ms alone at 100,000 articles.
pub const DEFAULT_SEARCH_BUDGET_MS: u64 = 250;
pub const DEFAULT_MAIL_FROM: &str = "Chronicle <noreply@localhost>";

/// Everything the server needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://path` or `postgres://…`.
    pub database_url: String,
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Public base URL (scheme, host, optional path prefix), without a trailing slash. Every
    /// absolute URL (share links, feeds, previews) starts with it.
    pub base_url: String,
    pub site_name: String,
    /// Language code of the site's content (ISO 639-1), e.g. `en`, `az`, `ru`.
    pub language: String,
    /// Time zone in which dates are shown and entered.
    pub timezone: Tz,
    /// Whether the session cookie is marked `Secure` (https only).
    pub cookie_secure: bool,
    /// A signed-in session ends after this long without a request.
    pub session_idle: Duration,
    /// Create demo reports on the first start of an empty database.
    pub demo_content: bool,
    /// Email of the administrator account created on the first start.
    pub admin_email: String,
    pub db_pool_size: u32,
    /// How long a request waits for a database connection before it gets a 503 page.
    pub db_timeout: Duration,
    /// Largest request body accepted from a form, in bytes.
    pub max_form_bytes: usize,
    /// URLs per sitemap file; past this, `sitemap.xml` becomes an index (the protocol's
    /// limit is 50,000).
    pub sitemap_chunk: usize,
    /// How often the server publishes scheduled articles whose time has come.
    pub scheduler_every: Duration,
    /// Proxies whose `X-Forwarded-For` is believed (for the client address of sign-in
    /// throttling and the audit log). Empty: the peer address is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Where uploaded files are kept (see [`default_media_dir`]).
    pub media_dir: std::path::PathBuf,
    /// Largest file accepted by an upload, in bytes.
    pub max_upload_bytes: u64,
    /// Largest image accepted, in pixels (width × height): a guard against decompression bombs.
    pub max_image_pixels: u64,
    /// Longest edge of a stored image; larger uploads are scaled down to it.
    pub image_max_edge: u32,
    /// Images processed at once per instance (see `web::image_pool`).
    pub image_workers: usize,
    /// A visitor's repeat views of one article within this many seconds count once (0: every
    /// view counts).
    pub view_dedup_secs: u64,
    /// Where views are counted: when the server answers the page, or when the page's beacon
    /// request arrives (for sites behind a caching proxy).
    pub view_counting: ViewCounting,
    /// How often counted views are written to the database.
    pub view_flush_every: Duration,
    /// Largest response body read whole to give it an `ETag` (and answer `304`); a larger
    /// one is streamed as it is.
    pub max_buffered_body: usize,
    /// `Strict-Transport-Security: max-age` in seconds, sent when the base URL is https
    /// (0: not sent).
    pub hsts_max_age: u64,
    /// Database time one search may take (see [`crate::db::budget`]).
    pub search_budget: Duration,
    /// Searches per minute per client address (0: no limit; see `web::rate_limit`).
    pub rate_search: u32,
    /// Feed and sitemap requests per minute per client address (0: no limit).
    pub rate_feeds: u32,
    /// View beacon requests per minute per client address (0: no limit).
    pub rate_beacon: u32,
    /// The SMTP relay for password-reset mail (`smtp://host[:port]`, see [`crate::mail`]);
    /// without one, the reset page says to ask an administrator.
    pub smtp_url: Option<String>,
    /// The `From` of the mail the site sends (`Name <address>` or an address).
    pub mail_from: String,
}

/// Where a view is counted (`CHRONICLE_VIEW_COUNTING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewCounting {
    /// When the server answers a reader's GET of the article page with 200.
    Server,
    /// When the page's tiny beacon request (`/views/{id}`) arrives.
    Beacon,
}

impl ViewCounting {
    /// The word `CHRONICLE_VIEW_COUNTING` takes for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ViewCounting::Server => "server",
            ViewCounting::Beacon => "beacon",
        }
    }
}

impl std::str::FromStr for ViewCounting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "server" => Ok(ViewCounting::Server),
            "beacon" => Ok(ViewCounting::Beacon),
            _ => Err(format!(
                "CHRONICLE_VIEW_COUNTING must be server or beacon, got {s:?}"
            )),
        }
    }
}

impl Settings {
    /// Settings with every default, for the given database. Used by tests and as the base
    /// that the command line fills in.
    pub fn with_database(database_url: &str) -> Self {
        Settings {
            database_url: database_url.to_owned(),
            base_url: default_base_url(DEFAULT_BIND),
            bind: DEFAULT_BIND.to_owned(),
            site_name: DEFAULT_SITE_NAME.to_owned(),
            language: DEFAULT_LANGUAGE.to_owned(),
            timezone: DEFAULT_TIMEZONE,
            cookie_secure: false,
            session_idle: Duration::from_secs(DEFAULT_SESSION_HOURS * 3600),
            demo_content: DEFAULT_DEMO_CONTENT,
            admin_email: DEFAULT_ADMIN_EMAIL.to_owned(),
            db_pool_size: DEFAULT_DB_POOL_SIZE,
            db_timeout: Duration::from_secs(5),
            max_form_bytes: 2 * 1024 * 1024,
            sitemap_chunk: 50_000,
            scheduler_every: Duration::from_secs(5),
            trusted_proxies: Vec::new(),
            media_dir: default_media_dir(database_url),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            max_image_pixels: DEFAULT_MAX_IMAGE_PIXELS,
            image_max_edge: DEFAULT_IMAGE_MAX_EDGE,
            image_workers: DEFAULT_IMAGE_WORKERS,
            view_dedup_secs: DEFAULT_VIEW_DEDUP_SECS,
            view_counting: DEFAULT_VIEW_COUNTING,
            view_flush_every: Duration::from_secs(DEFAULT_VIEW_FLUSH_SECS),
            max_buffered_body: DEFAULT_MAX_BUFFERED_BODY,
            hsts_max_age: DEFAULT_HSTS_MAX_AGE,
            search_budget: Duration::from_millis(DEFAULT_SEARCH_BUDGET_MS),
            rate_search: DEFAULT_RATE_SEARCH,
            rate_feeds: DEFAULT_RATE_FEEDS,
            rate_beacon: DEFAULT_RATE_BEACON,
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.to_owned(),
        }
    }

    /// Origin (`scheme://host[:port]`) of the public base URL, for the CSRF origin check.
    pub fn origin(&self) -> Option<String> {
        let url = url::Url::parse(&self.base_url).ok()?;
        Some(url.origin().ascii_serialization())
    }

    /// The client's address: the peer, or, when the peer is a trusted proxy, the nearest
    /// address in `X-Forwarded-For` that is not one.
    pub fn client_address(
        &self,
        peer: Option<std::net::IpAddr>,
        forwarded_for: Option<&str>,
    ) -> String {
        let Some(peer) = peer else {
            return "unknown".to_owned();
        };
        if !self.trusted_proxies.contains(&peer) {
            return peer.to_string();
        }
        let hops: Vec<std::net::IpAddr> = forwarded_for
            .unwrap_or("")
            .split(',')
            .filter_map(|h| h.trim().parse().ok())
            .collect();
        hops.iter()
            .rev()
            .find(|ip| !self.trusted_proxies.contains(ip))
            .copied()
            .unwrap_or(peer)
            .to_string()
    }

    /// Absolute URL for a site path that starts with `/`.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

/// The media folder when none is set: `media` beside the SQLite file, or `./data/media`.
pub fn default_media_dir(database_url: &str) -> std::path::PathBuf {
    match crate::db::Backend::from_url(database_url) {
        Ok(crate::db::Backend::Sqlite { path }) => path
            .parent()
            .map(|dir| dir.join("media"))
            .unwrap_or_else(|| std::path::PathBuf::from("media")),
        _ => std::path::PathBuf::from("./data/media"),
    }
}

/// `http://` + the bind address, with an unspecified host (0.0.0.0, [::]) read as localhost.
pub fn default_base_url(bind: &str) -> String {
    let host_port = bind
        .replace("0.0.0.0:", "127.0.0.1:")
        .replace("[::]:", "localhost:");
    format!("http://{host_port}")
}

/// Checks and normalises a base URL: http(s), no trailing slash, no query.
pub fn normalise_base_url(raw: &str) -> Result<String, String> {
    let parsed =
        url::Url::parse(raw.trim()).map_err(|e| format!("CHRONICLE_BASE_URL {raw:?}: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(format!(
            "CHRONICLE_BASE_URL must be an http:// or https:// URL, got {raw:?}"
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!(
            "CHRONICLE_BASE_URL must not have a query or fragment, got {raw:?}"
        ));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised() {
        assert_eq!(
            normalise_base_url("https://news.example.edu/").as_deref(),
            Ok("https://news.example.edu")
        );
        assert_eq!(
            normalise_base_url("https://example.edu/news/").as_deref(),
            Ok("https://example.edu/news")
        );
        assert!(normalise_base_url("ftp://example.edu").is_err());
        assert!(normalise_base_url("example.edu").is_err());
        assert_eq!(default_base_url("0.0.0.0:80"), "http://127.0.0.1:80");
    }

    #[test]
    fn media_lives_beside_the_sqlite_file() {
        assert_eq!(
            default_media_dir("sqlite:///var/lib/chronicle/site.db"),
            std::path::PathBuf::from("/var/lib/chronicle/media")
        );
        assert_eq!(
            default_media_dir("sqlite://site.db"),
            std::path::PathBuf::from("media")
        );
        assert_eq!(
            default_media_dir("postgres://u@h/db"),
            std::path::PathBuf::from("./data/media")
        );
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let mut s = Settings::with_database("sqlite://x.db");
        let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let client: std::net::IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(
            s.client_address(Some(client), Some("1.2.3.4")),
            "203.0.113.9"
        );
        s.trusted_proxies = vec![proxy];
        assert_eq!(
            s.client_address(Some(proxy), Some("1.2.3.4, 203.0.113.9")),
            "203.0.113.9"
        );
        assert_eq!(
            s.client_address(Some(proxy), Some("203.0.113.9, 10.0.0.1")),
            "203.0.113.9"
        );
        assert_eq!(s.client_address(Some(proxy), None), "10.0.0.1");
        assert_eq!(s.client_address(Some(proxy), Some("garbage")), "10.0.0.1");
    }
}
