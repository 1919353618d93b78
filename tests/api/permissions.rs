//! The permission matrix: every route of the admin area, as the app's own
//! [`route_table`] lists it, with the permission it needs and a valid request for it, tried as
//! nobody, an author, an editor and an administrator. A route added to the app without a row
//! here fails the test, and so does a row whose route is gone.

use std::collections::BTreeSet;

use awc::http::{Method, StatusCode};
use chronicle::accounts::permissions::{Action, allows};
use chronicle::accounts::{Role, User};
use chronicle::content::articles::{self, SaveAction};
use chronicle::content::{categories, pages, tags};
use chronicle::media::library;
use chronicle::web::admin::route_table;

use crate::common::{Body, Client, PASSWORD, Res, TestApp, TestFn, assert_contains};
use crate::forms::{ArticleForm, PageForm, SignInForm, UserForm};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![every_admin_route_checks_the_role];

/// Who may use a route.
#[derive(Clone, Copy, Debug)]
enum Needs {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in, whatever the role.
    Staff,
    /// A role that [`allows`] this action.
    Action(Action),
}

impl From<Action> for Needs {
    fn from(action: Action) -> Needs {
        Needs::Action(action)
    }
}

/// Form fields (or a GET's query), made from the role's fixtures.
type Fields = fn(&Fixtures) -> Vec<(String, String)>;

/// What a row's request carries besides the CSRF token (which every POST sends).
enum Send {
    Nothing,
    Fields(Fields),
    /// A real small JPEG as `multipart/form-data`, as the upload form sends it.
    Upload,
}

/// One admin route: the permission it needs and a request that succeeds when allowed.
struct Row {
    method: &'static str,
    /// The route's pattern as [`route_table`] has it (relative to `/admin`); `{id}` is the
    /// fixture the segment before it names (see [`Fixtures::path`]), `{version}` its
    /// revision.
    pattern: &'static str,
    needs: Needs,
    /// What an allowed request gets.
    ok: StatusCode,
    /// What someone not signed in gets, when it is not a 303 to the sign-in page.
    anonymous: Option<StatusCode>,
    send: Send,
    /// The request ends or changes the session, so it gets a fresh client of its own.
    fresh_client: bool,
    /// The page whose form an anonymous POST takes its CSRF token from (`None`: no page
    /// offers it, and a made-up token is sent).
    token_page: Option<&'static str>,
}

impl Row {
    fn key(&self) -> (String, String) {
        (self.method.to_owned(), self.pattern.to_owned())
    }

    /// Deletes run after the role's other requests, which still need what they delete.
    fn destroys(&self) -> bool {
        self.method == "POST" && self.pattern.ends_with("/delete")
    }

    fn ok(mut self, status: StatusCode) -> Row {
        self.ok = status;
        self
    }

    fn anonymous(mut self, status: StatusCode) -> Row {
        self.anonymous = Some(status);
        self
    }

    fn fresh_client(mut self) -> Row {
        self.fresh_client = true;
        self
    }

    fn no_token_page(mut self) -> Row {
        self.token_page = None;
        self
    }
}

/// A GET that an allowed role sees with 200.
fn get(pattern: &'static str, needs: impl Into<Needs>) -> Row {
    Row {
        method: "GET",
        pattern,
        needs: needs.into(),
        ok: StatusCode::OK,
        send: Send::Nothing,
        anonymous: None,
        fresh_client: false,
        token_page: Some("/admin/login"),
    }
}

/// A GET with a query string.
fn get_with(pattern: &'static str, needs: impl Into<Needs>, query: Fields) -> Row {
    Row {
        send: Send::Fields(query),
        ..get(pattern, needs)
    }
}

/// A POST that an allowed role gets a 303 for.
fn post(pattern: &'static str, needs: impl Into<Needs>, send: Send) -> Row {
    Row {
        method: "POST",
        pattern,
        needs: needs.into(),
        ok: StatusCode::SEE_OTHER,
        send,
        anonymous: None,
        fresh_client: false,
        token_page: Some("/admin/login"),
    }
}

/// Fields from a form builder or pairs, owned.
fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Every admin route. Keyed by method and pattern; the test checks the keys against the
/// app's route table both ways.
fn rows() -> Vec<Row> {
    use Action::*;
    use Send::{Fields as F, Nothing, Upload};
    vec![
        get("", ViewAdmin),
        get("/", ViewAdmin),
        get("/articles", ViewAdmin),
        // Signed in, the sign-in form sends you on to the admin area.
        get("/login", Needs::Public)
            .ok(StatusCode::SEE_OTHER)
            .anonymous(StatusCode::OK),
        // Signing in (as the fixtures' owner) replaces the session.
        post(
            "/login",
            Needs::Public,
            F(|fx| {
                let form = SignInForm::new().email(&fx.owner.email).next("/admin");
                owned(&form)
            }),
        )
        .anonymous(StatusCode::SEE_OTHER)
        .fresh_client(),
        // Public. This app sends no mail, so its page says to ask an administrator and
        // offers no form: an anonymous visitor has no token for these POSTs (tests/api/mail.rs
        // sends them with a relay); staff may send their session's.
        get("/password-reset", Needs::Public).anonymous(StatusCode::OK),
        post(
            "/password-reset",
            Needs::Public,
            F(|fx| owned(&[("email", &fx.owner.email)])),
        )
        .ok(StatusCode::OK)
        .anonymous(StatusCode::FORBIDDEN)
        .no_token_page(),
        // `{token}` is a well-formed token that no link has: gone, for everyone.
        get("/password-reset/{token}", Needs::Public)
            .ok(StatusCode::GONE)
            .anonymous(StatusCode::GONE),
        post(
            "/password-reset/{token}",
            Needs::Public,
            F(|_| {
                owned(&[
                    ("new", "a new long password"),
                    ("repeat", "a new long password"),
                ])
            }),
        )
        .ok(StatusCode::GONE)
        .anonymous(StatusCode::FORBIDDEN)
        .no_token_page(),
        // With no sign-in waiting for its code: on to the admin area (or the sign-in page).
        get("/login/two-factor", Needs::Public).ok(StatusCode::SEE_OTHER),
        // The code form's token is the session's: without a session it is an expired form.
        post(
            "/login/two-factor",
            Needs::Public,
            F(|_| owned(&[("code", "123456")])),
        )
        .anonymous(StatusCode::FORBIDDEN),
        // Without a session there is no token to match: refused as an expired form.
        post("/logout", Needs::Staff, Nothing)
            .anonymous(StatusCode::FORBIDDEN)
            .fresh_client(),
        get("/articles/new", CreateArticle),
        post(
            "/articles",
            CreateArticle,
            F(|_| owned(&ArticleForm::new().title("Matrix draft").body(""))),
        ),
        get("/articles/{id}/edit", EditAny),
        post(
            "/articles/{id}",
            EditAny,
            F(|fx| {
                let version = fx.article_version.to_string();
                let form = ArticleForm::new()
                    .title("Someone else's draft")
                    .body("")
                    .version(&version);
                owned(&form)
            }),
        ),
        get("/articles/{id}/delete", EditAny),
        post("/articles/{id}/delete", EditAny, Nothing),
        get("/articles/{id}/revisions", EditAny),
        post("/articles/{id}/presence", EditAny, Nothing).ok(StatusCode::OK),
        get("/articles/{id}/stats", EditAny),
        get("/articles/{id}/preview", EditAny),
        post("/articles/{id}/preview-links", EditAny, Nothing),
        post("/articles/{id}/preview-links/revoke", EditAny, Nothing),
        get_with("/articles/{id}/revisions/compare", EditAny, |_| {
            owned(&[("from", "1"), ("to", "1")])
        }),
        post(
            "/articles/{id}/revisions/{version}/restore",
            EditAny,
            F(|fx| owned(&[("version", &fx.article_version.to_string())])),
        ),
        get("/pages", ManagePages),
        post(
            "/pages",
            ManagePages,
            F(|_| owned(&PageForm::new().title("Matrix page").without("slug"))),
        ),
        get("/pages/new", ManagePages),
        get("/pages/{id}/edit", ManagePages),
        post(
            "/pages/{id}",
            ManagePages,
            F(|fx| {
                let version = fx.page_version.to_string();
                owned(&PageForm::new().title("Contact us").version(&version))
            }),
        ),
        get("/pages/{id}/delete", ManagePages),
        post("/pages/{id}/delete", ManagePages, Nothing),
        get("/audit", ViewAudit),
        get("/categories", ManageTaxonomy),
        post(
            "/categories",
            ManageTaxonomy,
            F(|fx| {
                let name = format!("Matrix category {}", fx.n);
                owned(&[
                    ("name", &name),
                    ("description", "Made by the matrix."),
                    ("position", "1"),
                ])
            }),
        ),
        get("/categories/{id}/edit", ManageTaxonomy),
        post(
            "/categories/{id}",
            ManageTaxonomy,
            F(|fx| {
                let name = format!("Renamed category {}", fx.n);
                owned(&[("name", &name), ("description", ""), ("position", "2")])
            }),
        ),
        get("/categories/{id}/delete", ManageTaxonomy),
        post("/categories/{id}/delete", ManageTaxonomy, Nothing),
        get("/tags", ManageTaxonomy),
        post(
            "/tags/{id}",
            ManageTaxonomy,
            F(|fx| owned(&[("name", &format!("Renamed tag {}", fx.n))])),
        ),
        post("/tags/{id}/delete", ManageTaxonomy, Nothing),
        get("/users", ManageUsers),
        post(
            "/users",
            ManageUsers,
            F(|fx| {
                let email = format!("matrix{}@example.org", fx.n);
                owned(&UserForm::new().email(&email).password(PASSWORD))
            }),
        ),
        get("/users/new", ManageUsers),
        get("/users/{id}/edit", ManageUsers),
        post(
            "/users/{id}",
            ManageUsers,
            F(|_| owned(&UserForm::new().name("Renamed Person"))),
        ),
        get("/users/{id}/delete", ManageUsers),
        post("/users/{id}/delete", ManageUsers, Nothing),
        get("/account/password", Needs::Staff),
        // Changing one's password signs one out.
        post(
            "/account/password",
            Needs::Staff,
            F(|_| {
                owned(&[
                    ("current", PASSWORD),
                    ("new", "another long test password"),
                    ("repeat", "another long test password"),
                ])
            }),
        )
        .fresh_client(),
        get("/account/sessions", Needs::Staff),
        post("/account/sessions/end-others", Needs::Staff, Nothing),
        post("/account/sessions/{label}/end", Needs::Staff, Nothing),
        post("/users/{id}/sessions/end", ManageUsers, Nothing),
        get("/account/two-factor", Needs::Staff),
        post("/account/two-factor/setup", Needs::Staff, Nothing),
        // A code nobody's app shows: the form again, with the reason.
        post(
            "/account/two-factor/confirm",
            Needs::Staff,
            F(|_| owned(&[("code", "12345x")])),
        )
        .ok(StatusCode::UNPROCESSABLE_ENTITY),
        post(
            "/account/two-factor/recovery-codes",
            Needs::Staff,
            F(|_| owned(&[("code", "12345x")])),
        )
        .ok(StatusCode::UNPROCESSABLE_ENTITY),
        // Off already: back to the page.
        post(
            "/account/two-factor/off",
            Needs::Staff,
            F(|_| owned(&[("password", PASSWORD), ("code", "12345x")])),
        ),
        post(
            "/users/{id}/two-factor/reset",
            ManageUsers,
            F(|_| owned(&[("confirm", "1")])),
        ),
        get("/settings", ManageSettings),
        post(
            "/settings",
            ManageSettings,
            F(|_| owned(&[("name", "Matrix Institute")])),
        ),
        get("/media", UploadMedia),
        post("/media", UploadMedia, Upload),
        get("/media/{id}", ManageAnyMedia),
        post(
            "/media/{id}",
            ManageAnyMedia,
            F(|_| owned(&[("alt", "Matrix alt text")])),
        ),
        get("/media/{id}/delete", ManageAnyMedia),
        post("/media/{id}/delete", ManageAnyMedia, Nothing),
        get("/articles/{id}/media", EditAny),
        post(
            "/articles/{id}/media",
            EditAny,
            F(|_| owned(&[("featured", "")])),
        ),
    ]
}

/// What one role's requests act on, made fresh for each role so that one role's deletes and
/// edits leave the next role's untouched. None of it is the role's own.
struct Fixtures {
    /// Which role's set this is (for unique names).
    n: usize,
    /// An editor, the author of the article and the uploader of the file.
    owner: User,
    /// A draft by [`Fixtures::owner`], with one revision, one tag and a category.
    article: i32,
    article_version: i32,
    page: i32,
    page_version: i32,
    media: i32,
    category: i32,
    tag: i32,
    /// An author with no reports (edited and deleted by the user routes).
    user: i32,
}

impl Fixtures {
    fn create(app: &TestApp, n: usize) -> Fixtures {
        let owner = app.user(Role::Editor);
        let user = app.user(Role::Author).id;
        let article = app.article(
            &owner,
            &format!("Someone else's draft {n}"),
            SaveAction::Draft,
        );
        let language = app.settings.language.clone();
        app.with_conn(|c| {
            let page = pages::create(
                c,
                &language,
                &pages::check(&pages::PageInput {
                    title: format!("Contact {n}"),
                    in_menu: true,
                    published: true,
                    ..Default::default()
                })
                .expect("checked"),
            )
            .expect("page");
            // A file uploaded by someone else (rows only: no route here reads the stored file).
            let media = library::insert(
                c,
                &library::NewMedia {
                    hash: format!("{n:02x}").repeat(32),
                    kind: library::Kind::Image,
                    mime: "image/jpeg".into(),
                    storage_key: format!("ab/{n:02x}-800.jpg"),
                    original_name: "matrix.jpg".into(),
                    byte_size: 1000,
                    width: Some(800),
                    height: Some(600),
                    uploaded_by: owner.id,
                },
                &[],
            )
            .expect("media");
            let category = categories::create(c, &format!("Matrix seminars {n}"), "", &language, 0)
                .expect("category");
            let tag_name = format!("Matrix tag {n}");
            tags::set_for_article(c, article.id, &language, &[tag_name]).expect("tag");
            let tag = tags::of_article(c, article.id).expect("tags")[0].id;
            Fixtures {
                n,
                article: article.id,
                article_version: article.version,
                page: page.id,
                page_version: page.version,
                media: media.id,
                category: category.id,
                tag,
                user,
                owner: owner.clone(),
            }
        })
    }

    /// Reads the versions again (an earlier request may have saved).
    fn refresh(&mut self, app: &TestApp) {
        if let Some(a) = app.with_conn(|c| articles::find(c, self.article).expect("query")) {
            self.article_version = a.version;
        }
        if let Some(p) = app.with_conn(|c| pages::find(c, self.page).expect("query")) {
            self.page_version = p.version;
        }
    }

    /// The route's path with the `{id}` of the fixture its segment names (`/articles/{id}`:
    /// the article) and `{version}` the article's first revision.
    fn path(&self, pattern: &str) -> String {
        let path = if pattern.contains("{id}") {
            let id = match pattern.split('/').nth(1) {
                Some("articles") => self.article,
                Some("pages") => self.page,
                Some("media") => self.media,
                Some("categories") => self.category,
                Some("tags") => self.tag,
                Some("users") => self.user,
                _ => panic!("no fixture for the {{id}} of {pattern}: add one to Fixtures"),
            };
            pattern.replace("{id}", &id.to_string())
        } else {
            pattern.to_owned()
        };
        let path = path.replace("{token}", &"0".repeat(64));
        // `{label}`: a session label no session has (ending it is refused by nothing).
        format!(
            "/admin{}",
            path.replace("{version}", "1").replace("{label}", "unknown")
        )
    }
}

/// The article count and the target article's version, which a refused request must leave.
fn state_of(app: &TestApp, fx: &Fixtures) -> (i64, Option<i32>) {
    let version = app
        .with_conn(|c| articles::find(c, fx.article).expect("query"))
        .map(|a| a.version);
    (app.article_count(), version)
}

async fn request(client: &Client, row: &Row, path: &str, token: &str, fx: &Fixtures) -> Res {
    let fields = match &row.send {
        Send::Fields(fields) => fields(fx),
        Send::Nothing | Send::Upload => Vec::new(),
    };
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if row.method == "GET" {
        let query = if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", serde_urlencoded::to_string(&pairs).expect("query"))
        };
        return client.get(&format!("{path}{query}")).await;
    }
    if let Send::Upload = row.send {
        let image = crate::media::jpeg(64, 48);
        let (content_type, bytes) = crate::media::multipart(Some(token), &[("matrix.jpg", &image)]);
        let body = Body::Raw {
            content_type,
            bytes,
        };
        return client.send(Method::POST, path, &[], body).await.text();
    }
    let mut form = vec![("csrf_token", token)];
    form.extend(pairs);
    client.post_form(path, &form).await
}

/// A client for `role`: signed in as a new user with it, or nobody.
async fn client_for(app: &TestApp, role: Option<Role>) -> Client {
    match role {
        None => app.client(),
        Some(r) => app.signed_in(r).await.0,
    }
}

async fn every_admin_route_checks_the_role(app: TestApp) {
    let rows = rows();
    let table: BTreeSet<(String, String)> = route_table()
        .into_iter()
        .map(|r| (r.method.to_ascii_uppercase(), r.path.to_owned()))
        .collect();
    let covered: BTreeSet<(String, String)> = rows.iter().map(Row::key).collect();
    assert_eq!(covered.len(), rows.len(), "two rows for one route");
    let missing: Vec<_> = table.difference(&covered).collect();
    let gone: Vec<_> = covered.difference(&table).collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "admin routes without a row in the permission matrix: {missing:?}; \
         rows for routes no longer in route_table(): {gone:?}"
    );
    let mut order: Vec<&Row> = rows.iter().collect();
    order.sort_by_key(|row| row.destroys());

    for (n, role) in [
        None,
        Some(Role::Author),
        Some(Role::Editor),
        Some(Role::Admin),
    ]
    .into_iter()
    .enumerate()
    {
        let mut fx = Fixtures::create(&app, n);
        let shared = client_for(&app, role).await;
        for row in &order {
            fx.refresh(&app);
            let fresh;
            let client = if row.fresh_client {
                fresh = client_for(&app, role).await;
                &fresh
            } else {
                &shared
            };
            let token = match (role, row.needs, row.token_page) {
                (Some(_), _, _) => client.csrf().await,
                (None, Needs::Public, Some(page)) => client.get(page).await.csrf(),
                (None, _, _) => "no-session".to_owned(),
            };
            let path = fx.path(row.pattern);
            let before = state_of(&app, &fx);
            let res = request(client, row, &path, &token, &fx).await;
            let label = format!("{} {} ({path}) as {role:?}", row.method, row.pattern);
            let allowed = match (role, row.anonymous) {
                (None, Some(status)) => {
                    assert_eq!(res.status, status, "{label}: {}", res.body);
                    continue;
                }
                (None, None) => {
                    assert_eq!(res.status, StatusCode::SEE_OTHER, "{label}");
                    assert!(res.location().starts_with("/admin/login"), "{label}");
                    continue;
                }
                (Some(r), _) => match row.needs {
                    Needs::Public | Needs::Staff => true,
                    Needs::Action(action) => allows(r, action),
                },
            };
            if allowed {
                assert_eq!(res.status, row.ok, "{label}: {}", res.body);
                if !row.fresh_client {
                    let location = res.location();
                    assert!(
                        !location.starts_with("/admin/login"),
                        "{label}: to {location}"
                    );
                }
            } else {
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{label}");
                assert_contains(&res.body, "You are not allowed to do this");
                assert_eq!(state_of(&app, &fx), before, "{label} changed nothing");
            }
        }
    }
}
