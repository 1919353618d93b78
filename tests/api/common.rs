//! The test world: `TestApp` (a server on a fresh database) and `Client` (a browser-like
//! client with its own cookie jar that does not follow redirects).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::net::TcpListener;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use awc::http::header::HeaderMap;
use awc::http::{Method, StatusCode};
use chronicle::accounts::{self, NewUser, Role, User};
use chronicle::config::Settings;
use chronicle::content::articles::{self, Article, ArticleInput, SaveAction};
use chronicle::db::{self, DbConn, Pool};
use chronicle::web::{self, AppState};
use diesel::prelude::*;
use libtest_mimic::{Completion, Failed, Trial};

use crate::forms::SignInForm;

pub const PG_ENV: &str = "CHRONICLE_TEST_POSTGRES_URL";
pub const PASSWORD: &str = "a long test password";

pub type TestFn = fn(TestApp) -> Pin<Box<dyn Future<Output = ()>>>;

/// `tests![a, b]`: the list of a module's async test functions, by name.
#[macro_export]
macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        &[$((stringify!($name), |app| Box::pin($name(app)))),*]
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn postgres_url() -> Option<String> {
    std::env::var(PG_ENV).ok().filter(|v| !v.trim().is_empty())
}

pub fn skipped_reason() -> String {
    format!("{PG_ENV} is not set, so this PostgreSQL test was skipped")
}

/// Runs an async test body in its own actix system, turning a panic into a failure.
pub fn run_async<F: Future<Output = ()>>(fut: F) -> Result<(), Failed> {
    actix_rt::System::new().block_on(fut);
    Ok(())
}

pub fn add_backend_tests(trials: &mut Vec<Trial>, module: &str, tests: &[(&'static str, TestFn)]) {
    for &(name, test) in tests {
        trials.push(Trial::test(
            format!("sqlite::{module}::{name}"),
            move || run_async(async move { test(TestApp::spawn(Backend::Sqlite).await).await }),
        ));
        trials.push(Trial::ignorable_test(
            format!("postgres::{module}::{name}"),
            move || {
                if postgres_url().is_none() {
                    return Ok(Completion::ignored_with(skipped_reason()));
                }
                run_async(async move { test(TestApp::spawn(Backend::Postgres).await).await })?;
                Ok(Completion::Completed)
            },
        ));
    }
}

/// A fresh database that removes itself when dropped.
pub enum FreshDb {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl FreshDb {
    pub fn create(backend: Backend) -> FreshDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("chronicle.db").display());
                FreshDb::Sqlite { _dir: dir, url }
            }
            Backend::Postgres => {
                let admin_url = postgres_url().expect("postgres url");
                let name = format!("chronicle_test_{}", chronicle::ids::translation_group());
                let mut conn = PgConnection::establish(&admin_url).expect("connect to PostgreSQL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("postgres url");
                url.set_path(&name);
                FreshDb::Postgres {
                    admin_url,
                    name,
                    url: url.to_string(),
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        match self {
            FreshDb::Sqlite { url, .. } | FreshDb::Postgres { url, .. } => url,
        }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let FreshDb::Postgres {
            admin_url, name, ..
        } = self
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

pub struct TestApp {
    pub addr: String,
    pub pool: Pool,
    /// The running server's state: its clock, its scheduled work.
    pub state: actix_web::web::Data<AppState>,
    pub settings: Settings,
    pub backend: Backend,
    server: actix_web::dev::ServerHandle,
    running: RefCell<Option<actix_rt::task::JoinHandle<std::io::Result<()>>>>,
    /// The media folder (`settings.media_dir`), removed with the app.
    _media: tempfile::TempDir,
    // Last: dropped after the pool (shared with the instances spawned beside this one).
    _db: Rc<FreshDb>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// A server on a fresh database, with settings adjusted by `tune` (the base URL is the
    /// server's own address unless `tune` sets another).
    pub async fn spawn_with(backend: Backend, tune: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_on(Rc::new(FreshDb::create(backend)), backend, tune).await
    }

    /// A second instance of the app on this one's database (several instances behind a load
    /// balancer), with settings adjusted by `tune`.
    pub async fn spawn_beside(&self, tune: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_on(self._db.clone(), self.backend, tune).await
    }

    async fn spawn_on(
        db: Rc<FreshDb>,
        backend: Backend,
        tune: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let addr = format!("http://127.0.0.1:{port}");
        let mut settings = Settings::with_database(db.url());
        settings.bind = format!("127.0.0.1:{port}");
        settings.base_url = addr.clone();
        settings.demo_content = false;
        settings.db_pool_size = 4;
        let media = tempfile::tempdir().expect("media dir");
        settings.media_dir = media.path().to_path_buf();
        tune(&mut settings);
        let pool = chronicle::setup::open(&settings).expect("open database");
        let key = {
            let mut conn = pool.get().expect("conn");
            chronicle::site::cookie_key(&mut conn).expect("cookie key")
        };
        let state = actix_web::web::Data::new(AppState::new(pool.clone(), settings.clone()));
        let server = web::start_server(state.clone(), &key, listener, Some(1)).expect("server");
        let handle = server.handle();
        let running = actix_rt::spawn(web::run(server, state.clone()));
        TestApp {
            addr,
            pool,
            state,
            settings,
            backend,
            server: handle,
            running: RefCell::new(Some(running)),
            _db: db,
            _media: media,
        }
    }

    /// Stops the server gracefully, as SIGTERM does, and waits until it has finished
    /// (including writing the views it counted last).
    pub async fn stop(&self) {
        self.server.stop(true).await;
        let running = self.running.borrow_mut().take();
        if let Some(running) = running {
            let _ = running.await;
        }
    }

    /// A server whose pool points at `pool` (for tests of a database that is down).
    pub async fn spawn_on_pool(pool: Pool) -> (String, actix_web::dev::ServerHandle) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let addr = format!("http://127.0.0.1:{port}");
        let mut settings = Settings::with_database("sqlite://unused.db");
        settings.base_url = addr.clone();
        let state = actix_web::web::Data::new(AppState::new(pool, settings));
        let server = web::start_server(state, &[7u8; 64], listener, Some(1)).expect("server");
        let handle = server.handle();
        actix_rt::spawn(server);
        (addr, handle)
    }

    pub fn conn(&self) -> db::PooledConn {
        self.pool.get().expect("database connection")
    }

    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConn) -> T) -> T {
        f(&mut self.conn())
    }

    pub fn client(&self) -> Client {
        Client::new(&self.addr)
    }

    /// A user with the given role and [`PASSWORD`].
    pub fn user(&self, role: Role) -> User {
        let role = role.as_str();
        let n = self.with_conn(|c| accounts::count_users(c).expect("count")) + 1;
        self.with_conn(|c| {
            accounts::create_user(
                c,
                &NewUser {
                    email: format!("{role}{n}@example.org"),
                    display_name: format!("Test {role} {n}"),
                    role: role.to_owned(),
                    password: PASSWORD.to_owned(),
                },
            )
            .expect("create user")
        })
    }

    /// A client signed in as a new user with `role`.
    pub async fn signed_in(&self, role: Role) -> (Client, User) {
        let user = self.user(role);
        let client = self.client();
        let res = client.sign_in(&user.email, PASSWORD).await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "sign-in failed: {}",
            res.body
        );
        (client, user)
    }

    pub fn article(&self, author: &User, title: &str, action: SaveAction) -> Article {
        self.with_conn(|c| {
            articles::create(
                c,
                author.id,
                &self.settings.language,
                &articles::check(
                    &ArticleInput {
                        title: title.to_owned(),
                        slug: String::new(),
                        summary: format!("Summary of {title}"),
                        body: format!("<p>Body of {title}</p>"),
                        category_id: None,
                        tags: String::new(),
                    },
                    action,
                )
                .expect("checked"),
            )
            .expect("create article")
        })
    }

    pub fn reload(&self, id: i32) -> Article {
        self.with_conn(|c| {
            articles::find(c, id)
                .expect("query")
                .expect("article exists")
        })
    }

    pub fn article_count(&self) -> i64 {
        self.with_conn(|c| articles::count_all(c).expect("count"))
    }

    /// The subjects of the audit lines with `action`, oldest first.
    pub fn audited(&self, action: &str) -> Vec<String> {
        use chronicle::db::schema::audit_log;
        self.with_conn(|c| {
            audit_log::table
                .filter(audit_log::action.eq(action))
                .order(audit_log::id.asc())
                .select(audit_log::subject)
                .load(c)
                .expect("audit lines")
        })
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the server so its pool lets go of the database before it is dropped.
        drop(self.server.stop(false));
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Res {
    pub status: StatusCode,
    pub headers: awc::http::header::HeaderMap,
    pub body: String,
}

impl Res {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn location(&self) -> String {
        self.header("location").unwrap_or_default()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The value of the hidden CSRF field in the page.
    pub fn csrf(&self) -> String {
        let marker = r#"name="csrf_token" value=""#;
        let start = self.body.find(marker).expect("page has a CSRF field") + marker.len();
        let end = self.body[start..].find('"').expect("closing quote") + start;
        self.body[start..end].to_owned()
    }

    /// The value of `<input name=NAME value="…">` (first match), HTML-unescaped enough for tests.
    pub fn input_value(&self, name: &str) -> String {
        let marker = format!(r#"name="{name}""#);
        let at = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no input {name}"));
        let rest = &self.body[at..];
        let v = rest.find(r#"value=""#).expect("value attribute") + 7;
        let end = rest[v..].find('"').expect("closing quote") + v;
        rest[v..end].to_owned()
    }
}

/// A response whose body is kept as bytes.
#[derive(Debug)]
pub struct RawRes {
    pub status: StatusCode,
    pub headers: awc::http::header::HeaderMap,
    pub body: Vec<u8>,
}

impl RawRes {
    /// The same response with its body read as (lossy) UTF-8 text.
    pub fn text(self) -> Res {
        Res {
            status: self.status,
            headers: self.headers,
            body: String::from_utf8_lossy(&self.body).into_owned(),
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// What a request carries.
pub enum Body {
    Empty,
    /// Fields sent as `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// A ready-made body of the given content type.
    Raw {
        content_type: String,
        bytes: Vec<u8>,
    },
}

/// A browser-like client: keeps cookies, never follows redirects.
#[derive(Clone)]
pub struct Client {
    base: String,
    inner: awc::Client,
    pub cookies: Rc<RefCell<BTreeMap<String, String>>>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_owned(),
            inner: awc::Client::builder()
                .disable_redirects()
                // A browser's user agent: a request without one is a script, whose views do
                // not count.
                .add_default_header((
                    "User-Agent",
                    "Mozilla/5.0 (X11; Linux x86_64) chronicle-tests/1.0",
                ))
                .timeout(Duration::from_secs(30))
                .finish(),
            cookies: Rc::new(RefCell::new(BTreeMap::new())),
        }
    }

    /// A second client holding a copy of this one's cookies (a "stolen" cookie).
    pub fn copy_cookies(&self) -> Client {
        let other = Client::new(&self.base);
        *other.cookies.borrow_mut() = self.cookies.borrow().clone();
        other
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .borrow()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn remember(&self, headers: &HeaderMap) {
        let mut jar = self.cookies.borrow_mut();
        let set = headers
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok());
        for cookie in set {
            let first = cookie.split(';').next().unwrap_or_default();
            let Some((name, value)) = first.split_once('=') else {
                continue;
            };
            let lower = cookie.to_ascii_lowercase();
            if value.is_empty()
                || lower.contains("max-age=0")
                || lower.contains("expires=thu, 01 jan 1970")
            {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The one place a request is built and its response read: `method path` with this
    /// client's cookies, `headers` (which replace the defaults of the same name) and `body`;
    /// the cookies the answer sets are kept. A request that names its own `Accept-Encoding`
    /// gets the body as sent (not decompressed). Every other request helper wraps this one.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> RawRes {
        let mut req = self.inner.request(method, self.url(path));
        let cookies = self.cookie_header();
        if !cookies.is_empty() {
            req = req.insert_header(("Cookie", cookies));
        }
        let body = match body {
            Body::Empty => None,
            Body::Form(fields) => Some((
                "application/x-www-form-urlencoded".to_owned(),
                serde_urlencoded::to_string(&fields)
                    .expect("form fields encode")
                    .into_bytes(),
            )),
            Body::Raw {
                content_type,
                bytes,
            } => Some((content_type, bytes)),
        };
        if let Some((content_type, _)) = &body {
            req = req.insert_header(("Content-Type", content_type.as_str()));
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        if headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("accept-encoding"))
        {
            req = req.no_decompress();
        }
        let sent = match body {
            None => req.send().await,
            Some((_, bytes)) => req.send_body(bytes).await,
        };
        let mut res = sent.expect("request sent");
        let body = res
            .body()
            .limit(64 * 1024 * 1024)
            .await
            .expect("response body");
        let out = RawRes {
            status: res.status(),
            headers: res.headers().clone(),
            body: body.to_vec(),
        };
        self.remember(&out.headers);
        out
    }

    pub async fn get(&self, path: &str) -> Res {
        self.get_with(path, &[]).await
    }

    /// A GET with extra request headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Res {
        self.send(Method::GET, path, headers, Body::Empty)
            .await
            .text()
    }

    pub async fn head(&self, path: &str) -> Res {
        self.send(Method::HEAD, path, &[], Body::Empty).await.text()
    }

    /// A POST with no body (what `navigator.sendBeacon(url)` sends).
    pub async fn post_empty(&self, path: &str, headers: &[(&str, &str)]) -> Res {
        self.send(Method::POST, path, headers, Body::Empty)
            .await
            .text()
    }

    /// A POST of form fields: an array of pairs, or one of the builders in [`crate::forms`]
    /// (which dereference to one).
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Res {
        self.post_form_with(path, form, &[]).await
    }

    /// A POST of form fields with extra request headers.
    pub async fn post_form_with(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Res {
        let body = Body::Form(owned(form));
        self.send(Method::POST, path, headers, body).await.text()
    }

    /// A GET whose body is kept as bytes (for files).
    pub async fn get_bytes(&self, path: &str, headers: &[(&str, &str)]) -> RawRes {
        self.send(Method::GET, path, headers, Body::Empty).await
    }

    /// A POST of a ready-made body (e.g. `multipart/form-data`).
    pub async fn post_body(
        &self,
        path: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        bytes: Vec<u8>,
    ) -> Res {
        let body = Body::Raw {
            content_type: content_type.to_owned(),
            bytes,
        };
        self.send(Method::POST, path, headers, body).await.text()
    }

    /// A POST of an already encoded form body (to send what a browser would not).
    pub async fn post_raw(&self, path: &str, body: String) -> Res {
        self.post_body(
            path,
            "application/x-www-form-urlencoded",
            &[],
            body.into_bytes(),
        )
        .await
    }

    /// Signs in through the real form (GET for the token, POST the credentials).
    pub async fn sign_in(&self, email: &str, password: &str) -> Res {
        let form = self.get("/admin/login").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let csrf = form.csrf();
        let form = SignInForm::new()
            .email(email)
            .password(password)
            .csrf(&csrf)
            .next("/admin");
        self.post_form("/admin/login", &form).await
    }

    /// The CSRF token of a signed-in client, read from a page with a form.
    pub async fn csrf(&self) -> String {
        self.get("/admin/articles/new").await.csrf()
    }

    /// Sends `fields` with this client's CSRF token, as a browser sends a form it was shown.
    pub async fn save_article(&self, path: &str, fields: &[(&str, &str)]) -> Res {
        let csrf = self.csrf().await;
        let mut form = vec![("csrf_token".to_owned(), csrf)];
        form.extend(owned(fields));
        self.send(Method::POST, path, &[], Body::Form(form))
            .await
            .text()
    }

    /// POSTs a form that carries nothing but this client's CSRF token (a "Delete" or
    /// "Revoke" button), fetching the token as [`Client::csrf`] does.
    pub async fn confirm(&self, path: &str) -> Res {
        let csrf = self.csrf().await;
        self.post_form(path, &[("csrf_token", &csrf)]).await
    }
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Whether `haystack` contains `needle`, with a readable failure.
#[track_caller]
pub fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected to find {needle:?} in:\n{haystack}"
    );
}

#[track_caller]
pub fn assert_lacks(haystack: &str, needle: &str) {
    assert!(
        !haystack.contains(needle),
        "did not expect {needle:?} in:\n{haystack}"
    );
}
