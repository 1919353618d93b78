//! The command line: `serve` (the default), `migrate`, `user add|set-password|disable`, and
//! `seed` (generated reports for development and benchmarks).
//! Flags override environment variables, which override defaults that work with none.

use std::io::{BufRead, IsTerminal, Write};
use std::net::TcpListener;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow};
use clap::{Args, Parser, Subcommand};

use crate::accounts::{self, AccountError, NewUser};
use crate::config::{self, Settings};
use crate::db::{self, Backend};
use crate::setup::{self, FirstStart};
use crate::web::{self, AppState};
use crate::{accounts::sessions, site};

#[derive(Parser, Debug)]
#[command(
    name = "chronicle",
    version,
    about = "Chronicle: a CMS for the news and event reports of institutes and universities.",
    long_about = "Chronicle: a CMS for the news and event reports of institutes and universities.\n\n\
        With no command, `chronicle` serves the site (the same as `chronicle serve`).\n\
        Every flag can also be set by the environment variable shown with it; a flag wins over\n\
        the variable, and the variable over the default.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the site (the default command).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit (`serve` also applies them at start).
    Migrate(DbArgs),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Fill the database with generated reports (a development and benchmark command).
    Seed(SeedArgs),
}

#[derive(Args, Debug, Clone)]
struct SeedArgs {
    #[command(flatten)]
    db: DbArgs,
    /// How many articles to add.
    #[arg(long, default_value_t = 1_000)]
    articles: usize,
    /// Language code of the generated content (the site's CHRONICLE_LANGUAGE).
    #[arg(long, env = "CHRONICLE_LANGUAGE", default_value = config::DEFAULT_LANGUAGE)]
    language: String,
    /// Seed of the random generator: the same seed gives the same text.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Args, Debug, Clone)]
struct DbArgs {
    /// Database: sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long = "database", env = "DATABASE_URL", default_value = config::DEFAULT_DATABASE_URL)]
    database: String,
}

#[derive(Args, Debug, Clone)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "CHRONICLE_BIND", default_value = config::DEFAULT_BIND)]
    bind: String,
    /// Public URL of the site, used in share links and absolute URLs (default: http://BIND).
    #[arg(long, env = "CHRONICLE_BASE_URL")]
    base_url: Option<String>,
    /// Name of the site, shown in the header and page titles.
    #[arg(long, env = "CHRONICLE_SITE_NAME", default_value = config::DEFAULT_SITE_NAME)]
    site_name: String,
    /// Language code of the site's content.
    #[arg(long, env = "CHRONICLE_LANGUAGE", default_value = config::DEFAULT_LANGUAGE)]
    language: String,
    /// Time zone for showing and entering dates (an IANA name such as Asia/Baku).
    #[arg(long, env = "CHRONICLE_TIMEZONE", default_value = config::DEFAULT_TIMEZONE.name())]
    timezone: String,
    /// Mark the session cookie Secure (default: when the base URL is https).
    #[arg(long, env = "CHRONICLE_COOKIE_SECURE")]
    cookie_secure: Option<bool>,
    /// Hours without a request after which a staff session ends.
    #[arg(long, env = "CHRONICLE_SESSION_HOURS", default_value_t = config::DEFAULT_SESSION_HOURS)]
    session_hours: u64,
    /// Create demo reports on the first start of an empty database.
    #[arg(long, env = "CHRONICLE_DEMO_CONTENT", default_value_t = config::DEFAULT_DEMO_CONTENT, action = clap::ArgAction::Set)]
    demo_content: bool,
    /// Email of the administrator account created when no user exists.
    #[arg(
        long,
        env = "CHRONICLE_ADMIN_EMAIL",
        default_value = config::DEFAULT_ADMIN_EMAIL
    )]
    admin_email: String,
    /// Database connections per instance.
    #[arg(long, env = "CHRONICLE_DB_POOL_SIZE", default_value_t = config::DEFAULT_DB_POOL_SIZE)]
    db_pool_size: u32,
    /// Comma-separated addresses of reverse proxies whose X-Forwarded-For header is believed.
    #[arg(long, env = "CHRONICLE_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<String>,
    /// Folder for uploaded files (default: `media` beside the SQLite file, or ./data/media).
    #[arg(long, env = "CHRONICLE_MEDIA_DIR")]
    media_dir: Option<std::path::PathBuf>,
    /// Largest file an upload may be, in bytes.
    #[arg(long, env = "CHRONICLE_MAX_UPLOAD_BYTES", default_value_t = config::DEFAULT_MAX_UPLOAD_BYTES)]
    max_upload_bytes: u64,
    /// Largest image accepted, in pixels (width × height).
    #[arg(long, env = "CHRONICLE_MAX_IMAGE_PIXELS", default_value_t = config::DEFAULT_MAX_IMAGE_PIXELS)]
    max_image_pixels: u64,
    /// Longest edge of a stored image, in pixels; larger uploads are scaled down.
    #[arg(long, env = "CHRONICLE_IMAGE_MAX_EDGE", default_value_t = config::DEFAULT_IMAGE_MAX_EDGE)]
    image_max_edge: u32,
    /// Uploaded images processed at once by this instance; more wait their turn.
    #[arg(long, env = "CHRONICLE_IMAGE_WORKERS", default_value_t = config::DEFAULT_IMAGE_WORKERS)]
    image_workers: usize,
    /// Seconds within which a visitor's repeat views of one article count once (0: all count).
    #[arg(long, env = "CHRONICLE_VIEW_DEDUP_SECS", default_value_t = config::DEFAULT_VIEW_DEDUP_SECS)]
    view_dedup_secs: u64,
    /// Count views when the server answers the page (server) or by a beacon request from the
    /// page (beacon: for sites behind a caching proxy).
    #[arg(long, env = "CHRONICLE_VIEW_COUNTING", default_value = config::DEFAULT_VIEW_COUNTING.as_str())]
    view_counting: String,
    /// Seconds between writes of the counted views to the database.
    #[arg(long, env = "CHRONICLE_VIEW_FLUSH_SECS", default_value_t = config::DEFAULT_VIEW_FLUSH_SECS)]
    view_flush_secs: u64,
    /// `Strict-Transport-Security` max-age in seconds, sent when the base URL is https
    /// (0: not sent).
    #[arg(long, env = "CHRONICLE_HSTS_MAX_AGE", default_value_t = config::DEFAULT_HSTS_MAX_AGE)]
    hsts_max_age: u64,
    /// Milliseconds of database time one search may take; past it the visitor is asked for
    /// fewer or longer words.
    #[arg(long, env = "CHRONICLE_SEARCH_BUDGET_MS", default_value_t = config::DEFAULT_SEARCH_BUDGET_MS)]
    search_budget_ms: u64,
    /// Searches per minute per client address before `429 Too Many Requests` (0: no limit).
    #[arg(long, env = "CHRONICLE_RATE_SEARCH", default_value_t = config::DEFAULT_RATE_SEARCH)]
    rate_search: u32,
    /// Feed and sitemap requests per minute per client address (0: no limit).
    #[arg(long, env = "CHRONICLE_RATE_FEEDS", default_value_t = config::DEFAULT_RATE_FEEDS)]
    rate_feeds: u32,
    /// View beacon requests per minute per client address (0: no limit).
    #[arg(long, env = "CHRONICLE_RATE_BEACON", default_value_t = config::DEFAULT_RATE_BEACON)]
    rate_beacon: u32,
    /// SMTP relay for password-reset mail, smtp://HOST[:PORT] (default: none, and the
    /// reset page says to ask an administrator).
    #[arg(long, env = "CHRONICLE_SMTP_URL")]
    smtp_url: Option<String>,
    /// Sender of the site's mail, `Name <address>` or an address.
    #[arg(long, env = "CHRONICLE_MAIL_FROM", default_value = config::DEFAULT_MAIL_FROM)]
    mail_from: String,
    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "CHRONICLE_WORKERS")]
    workers: Option<usize>,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create a staff account.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        /// Display name, shown as the author of articles.
        #[arg(long)]
        name: String,
        /// admin, editor or author.
        #[arg(long)]
        role: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (ends the user's sessions).
    SetPassword {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: it can no longer sign in, and its sessions end.
    Disable {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
    },
    /// Turn off two-factor sign-in of an account (a locked-out administrator): its secret and
    /// recovery codes go, its sessions end. Audited.
    #[command(name = "reset-2fa")]
    ResetTwoFactor {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
    },
}

impl ServeArgs {
    fn settings(&self) -> anyhow::Result<Settings> {
        let mut s = Settings::with_database(&self.db.database);
        s.bind = self.bind.clone();
        s.base_url = match &self.base_url {
            Some(url) => config::normalise_base_url(url).map_err(|e| anyhow!(e))?,
            None => config::default_base_url(&self.bind),
        };
        s.site_name = self.site_name.trim().to_owned();
        s.language = self.language.trim().to_lowercase();
        s.timezone = self
            .timezone
            .parse()
            .map_err(|_| anyhow!("unknown time zone {:?} (CHRONICLE_TIMEZONE): use an IANA name such as Europe/Berlin", self.timezone))?;
        s.cookie_secure = self
            .cookie_secure
            .unwrap_or_else(|| s.base_url.starts_with("https://"));
        s.session_idle = Duration::from_secs(self.session_hours.max(1) * 3600);
        s.demo_content = self.demo_content;
        s.admin_email = self.admin_email.clone();
        s.db_pool_size = self.db_pool_size.max(1);
        s.trusted_proxies = self
            .trusted_proxies
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                p.trim()
                    .parse()
                    .map_err(|_| anyhow!("CHRONICLE_TRUSTED_PROXIES: {p:?} is not an IP address"))
            })
            .collect::<Result<_, _>>()?;
        if let Some(dir) = &self.media_dir {
            s.media_dir = dir.clone();
        }
        s.max_upload_bytes = self.max_upload_bytes.max(1);
        s.max_image_pixels = self.max_image_pixels.max(1);
        s.image_max_edge = self.image_max_edge.clamp(480, 16_000);
        s.image_workers = self.image_workers.clamp(1, 64);
        s.view_dedup_secs = self.view_dedup_secs;
        s.view_counting = self.view_counting.parse().map_err(|e: String| anyhow!(e))?;
        s.view_flush_every = Duration::from_secs(self.view_flush_secs.max(1));
        s.hsts_max_age = self.hsts_max_age;
        s.search_budget = Duration::from_millis(self.search_budget_ms.max(1));
        s.rate_search = self.rate_search;
        s.rate_feeds = self.rate_feeds;
        s.rate_beacon = self.rate_beacon;
        s.smtp_url = self
            .smtp_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        s.mail_from = self.mail_from.trim().to_owned();
        crate::mail::mailbox_of(&s.mail_from).map_err(|e| anyhow!(e))?;
        if let Some(url) = &s.smtp_url {
            crate::mail::relay_of(url).map_err(|e| anyhow!(e))?;
        }
        Ok(s)
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        None => serve(&cli.serve),
        Some(Command::Serve(args)) => serve(&args),
        Some(Command::Migrate(db)) => migrate(&db),
        Some(Command::User(cmd)) => user(cmd),
        Some(Command::Seed(args)) => seed(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: libpq's messages span several.
            let one_line = one_line(&err);
            eprintln!("chronicle: {one_line}");
            ExitCode::FAILURE
        }
    }
}

/// Log lines go to standard error, filtered by `RUST_LOG` (`info` when it is unset or names no
/// level). Records of the `log` crate, ours and actix's, come through as tracing events.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::filter::LevelFilter;
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .from_env_lossy();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// The error and its causes on one line, each cause once: our error types already put their
/// source's words into their own message, which anyhow's chain would repeat.
fn one_line(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let words = cause.to_string();
        if text.contains(&words) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&words);
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn print_first_start(made: &FirstStart, settings: &Settings) {
    if let Some((email, password)) = &made.admin {
        println!();
        println!("  An administrator account was created. This password is shown only once:");
        println!();
        println!("    Sign in at  {}/admin/login", settings.base_url);
        println!("    Email       {email}");
        println!("    Password    {password}");
        println!();
        println!("  Change it with: chronicle user set-password --email {email}");
        println!();
    }
    if made.demo_reports > 0 {
        println!(
            "  Created {} demo reports in two categories.",
            made.demo_reports
        );
    }
}

fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let settings = args.settings()?;
    let backend = Backend::from_url(&settings.database_url)?;
    let pool = setup::open(&settings)?;
    let mut conn = pool.get().context("cannot get a database connection")?;
    let made = setup::first_start(&mut conn, &settings)?;
    let key = site::cookie_key(&mut conn).context("cannot read the key that signs cookies")?;
    drop(conn);
    let listener = TcpListener::bind(&settings.bind)
        .with_context(|| format!("cannot listen on {}", settings.bind))?;
    print_first_start(&made, &settings);
    println!(
        "  Chronicle is serving {} from {} ({}). Staff sign in at {}/admin",
        settings.base_url,
        backend.display_url(),
        backend.name(),
        settings.base_url
    );
    let uploads_dir = settings.media_dir.join("tmp");
    let state = actix_web::web::Data::new(AppState::new(pool, settings));
    actix_web::rt::System::new().block_on(async move {
        let server = web::start_server(state.clone(), &key, listener, args.workers)
            .context("cannot start the server")?;
        actix_web::rt::spawn(housekeeping(state.clone(), uploads_dir));
        web::run(server, state).await.context("the server stopped")
    })
}

/// Background chores of a running server: removes expired sessions, and uploads left behind
/// by a server that stopped while receiving them, every hour.
async fn housekeeping(state: actix_web::web::Data<AppState>, uploads_dir: std::path::PathBuf) {
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        // Through `Db`, like every query of the running server (a permit, a deadline).
        let result = state.db(|conn| Ok(sessions::purge_expired(conn)?)).await;
        match result {
            Ok(n) if n > 0 => log::info!("removed {n} expired sessions"),
            Ok(_) => {}
            Err(e) => log::warn!("session clean-up failed: {e}"),
        }
        let dir = uploads_dir.clone();
        let stale = actix_web::web::block(move || {
            crate::media::remove_stale_uploads(&dir, Duration::from_secs(3600))
        })
        .await;
        match stale {
            Ok(Ok(n)) if n > 0 => log::info!("removed {n} unfinished uploads"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => log::warn!("upload clean-up failed: {e}"),
            Err(e) => log::warn!("upload clean-up failed: {e}"),
        }
    }
}

fn open_db(args: &DbArgs) -> anyhow::Result<db::PooledConn> {
    let pool = db::connect(&args.database, 1, Duration::from_secs(10))?;
    let mut conn = pool.get().context("cannot get a database connection")?;
    db::run_migrations(&mut conn)?;
    Ok(conn)
}

fn migrate(args: &DbArgs) -> anyhow::Result<()> {
    let pool = db::connect(&args.database, 1, Duration::from_secs(10))?;
    let mut conn = pool.get().context("cannot get a database connection")?;
    let applied = db::run_migrations(&mut conn)?;
    if applied.is_empty() {
        println!("The database is up to date.");
    } else {
        println!(
            "Applied {} migration(s): {}",
            applied.len(),
            applied.join(", ")
        );
    }
    Ok(())
}

fn seed(args: &SeedArgs) -> anyhow::Result<()> {
    let mut conn = open_db(&args.db)?;
    let started = std::time::Instant::now();
    let language = args.language.trim().to_lowercase();
    let made = crate::content::seed::seed(&mut conn, args.articles, &language, args.seed, |n| {
        eprint!("\r  {n} of {} articles", args.articles);
    })
    .map_err(|e| anyhow!(e))
    .context("cannot add the generated reports")?;
    eprintln!();
    println!(
        "Added {} articles ({} new categories, {} new tags) in {:.1} s.",
        made.articles,
        made.categories,
        made.tags,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The new password: the first line of stdin, or typed twice at a prompt.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_owned());
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("no terminal to ask for the password: pass --password-stdin and pipe it in");
    }
    let first = rpassword::prompt_password("New password: ")
        .context("cannot read the password from the terminal")?;
    let second = rpassword::prompt_password("Repeat it: ")
        .context("cannot read the password from the terminal")?;
    if first != second {
        anyhow::bail!("the two passwords differ; nothing was changed");
    }
    Ok(first)
}

fn user(cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add {
            db,
            email,
            name,
            role,
            password_stdin,
        } => {
            let mut conn = open_db(&db)?;
            let password = read_password(password_stdin)?;
            let user = accounts::create_user(
                &mut conn,
                &NewUser {
                    email,
                    display_name: name,
                    role,
                    password,
                },
            )?;
            println!(
                "Created {} ({}) as {}.",
                user.email, user.display_name, user.role
            );
        }
        UserCommand::SetPassword {
            db,
            email,
            password_stdin,
        } => {
            let mut conn = open_db(&db)?;
            if accounts::find_by_email(&mut conn, &email)?.is_none() {
                return Err(AccountError::NoSuchUser(email).into());
            }
            let password = read_password(password_stdin)?;
            accounts::set_password(&mut conn, &email, &password)?;
            println!("Password changed for {email}; their sessions have ended.");
        }
        UserCommand::Disable { db, email } => {
            let mut conn = open_db(&db)?;
            accounts::disable(&mut conn, &email)?;
            println!("Disabled {email}; their sessions have ended.");
        }
        UserCommand::ResetTwoFactor { db, email } => {
            let mut conn = open_db(&db)?;
            let user = accounts::find_by_email(&mut conn, &email)?
                .ok_or_else(|| anyhow::anyhow!("no user with the email {email}"))?;
            accounts::two_factor::reset(&mut conn, user.id, crate::clock::now())?;
            accounts::audit::record(
                &mut conn,
                None,
                "command line",
                "reset two-factor sign-in",
                &user.email,
                "",
            )?;
            println!(
                "Two-factor sign-in of {} is off and their sessions have ended; they sign in \
                 with their password and can set it up again.",
                user.email
            );
        }
    }
    std::io::stdout().flush().ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_left_out_give_the_settings_defaults() {
        // The flags' environment variables would change the answer.
        if std::env::vars()
            .any(|(k, _)| k.starts_with("CHRONICLE_") && !k.starts_with("CHRONICLE_TEST_"))
        {
            return;
        }
        let cli = Cli::try_parse_from(["chronicle", "--database", "sqlite://site.db"])
            .expect("no flags needed");
        let from_flags = cli.serve.settings().expect("the defaults are valid");
        let defaults = Settings::with_database("sqlite://site.db");
        assert_eq!(format!("{from_flags:?}"), format!("{defaults:?}"));
    }
}
