//! The staff area under `/admin`: signing in and out, the article list, the article form.
//! Every handler starts with [`Staff`](super::auth::Staff) (or a form extractor that checks it)
//! and asks [`permissions`](crate::accounts::permissions) before it acts.

pub mod account_sessions;
pub mod articles;
pub mod audit;
pub mod common;
pub mod media;
pub mod pages;
pub mod password_reset;
pub mod revisions;
pub mod settings;
pub mod sign_in;
pub mod stats;
pub mod taxonomy;
pub mod two_factor;
pub mod users;

use actix_web::dev::Handler;

use crate::content::articles::Article;
use crate::content::categories::Category;
use crate::content::pages::Page;
use crate::media::library::Media;
use actix_web::{FromRequest, Responder, web};

/// One address of the staff area: the method and the path pattern under `/admin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdminRoute {
    pub method: &'static str,
    pub path: &'static str,
}

/// Registers each route with actix (when serving) and writes it into the table (always), so
/// the table that tests read is the one the server runs.
struct Registrar<'a> {
    cfg: Option<&'a mut web::ServiceConfig>,
    table: Vec<AdminRoute>,
}

impl Registrar<'_> {
    fn add<F, Args>(&mut self, method: &'static str, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        if let Some(cfg) = self.cfg.as_deref_mut() {
            // A GET answers HEAD too (the table lists it once, as GET).
            let route = if method == "GET" {
                super::get_or_head()
            } else {
                web::post()
            };
            cfg.route(path, route.to(handler));
        }
        self.table.push(AdminRoute { method, path });
        self
    }

    fn get<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add("GET", path, handler)
    }

    fn post<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add("POST", path, handler)
    }
}

/// Mounts the staff area (under `/admin`, by [`crate::web`]).
pub fn routes(cfg: &mut web::ServiceConfig) {
    register(&mut Registrar {
        cfg: Some(cfg),
        table: Vec::new(),
    });
}

/// Every route of the staff area, in registration order: what the permission-matrix test
/// walks, so a new route without a row in it fails that test.
pub fn route_table() -> Vec<AdminRoute> {
    let mut registrar = Registrar {
        cfg: None,
        table: Vec::new(),
    };
    register(&mut registrar);
    registrar.table
}

fn register(r: &mut Registrar<'_>) {
    r.get("", articles::dashboard)
        .get("/", articles::dashboard)
        .get("/articles", articles::list)
        .get("/login", sign_in::form)
        .post("/login", sign_in::submit)
        .get("/login/two-factor", two_factor::second_step::form)
        .post("/login/two-factor", two_factor::second_step::submit)
        .post("/logout", sign_in::sign_out)
        .get("/password-reset", password_reset::request_form)
        .post("/password-reset", password_reset::request_link)
        .get("/password-reset/{token}", password_reset::link_form)
        .post("/password-reset/{token}", password_reset::set_password)
        .get("/articles/new", articles::new_form)
        .post("/articles", articles::create)
        .get("/articles/{id}/edit", articles::edit_form)
        .post("/articles/{id}", articles::update)
        .get("/articles/{id}/delete", common::confirm_delete::<Article>)
        .post("/articles/{id}/delete", common::delete::<Article>)
        .get("/articles/{id}/revisions", revisions::list)
        .post("/articles/{id}/presence", articles::heartbeat)
        .get("/articles/{id}/stats", stats::article)
        .get("/articles/{id}/preview", articles::preview)
        .post(
            "/articles/{id}/preview-links",
            articles::create_preview_link,
        )
        .post(
            "/articles/{id}/preview-links/revoke",
            articles::revoke_preview_links,
        )
        .get("/articles/{id}/revisions/compare", revisions::compare)
        .post(
            "/articles/{id}/revisions/{version}/restore",
            revisions::restore,
        )
        .get("/pages", pages::index)
        .post("/pages", pages::create)
        .get("/pages/new", pages::new_form)
        .get("/pages/{id}/edit", pages::edit_form)
        .post("/pages/{id}", pages::update)
        .get("/pages/{id}/delete", common::confirm_delete::<Page>)
        .post("/pages/{id}/delete", common::delete::<Page>)
        .get("/audit", audit::list)
        .get("/categories", taxonomy::list)
        .post("/categories", taxonomy::create)
        .get("/categories/{id}/edit", taxonomy::edit_form)
        .post("/categories/{id}", taxonomy::update)
        .get(
            "/categories/{id}/delete",
            common::confirm_delete::<Category>,
        )
        .post("/categories/{id}/delete", common::delete::<Category>)
        .get("/tags", taxonomy::tags_list)
        .post("/tags/{id}", taxonomy::rename_tag)
        .post("/tags/{id}/delete", taxonomy::delete_tag)
        .get("/users", users::list)
        .post("/users", users::create)
        .get("/users/new", users::new_form)
        .get("/users/{id}/edit", users::edit_form)
        .post("/users/{id}", users::update)
        .get("/users/{id}/delete", users::confirm_delete)
        .post("/users/{id}/delete", users::delete)
        .get("/account/password", users::password_form)
        .post("/account/password", users::change_password)
        .get("/account/sessions", account_sessions::list)
        .post("/account/sessions/end-others", account_sessions::end_others)
        .post("/account/sessions/{label}/end", account_sessions::end_one)
        .post(
            "/users/{id}/sessions/end",
            account_sessions::end_all_of_user,
        )
        .get("/account/two-factor", two_factor::show)
        .post("/account/two-factor/setup", two_factor::start)
        .post("/account/two-factor/confirm", two_factor::confirm)
        .post(
            "/account/two-factor/recovery-codes",
            two_factor::new_recovery_codes,
        )
        .post("/account/two-factor/off", two_factor::turn_off)
        .post("/users/{id}/two-factor/reset", two_factor::reset::reset)
        .get("/settings", settings::form)
        .post("/settings", settings::save)
        .get("/media", media::library)
        .post("/media", media::upload)
        .get("/media/{id}", media::show)
        .post("/media/{id}", media::update)
        .get("/media/{id}/delete", common::confirm_delete::<Media>)
        .post("/media/{id}/delete", common::delete::<Media>)
        .get("/articles/{id}/media", media::article_media)
        .post("/articles/{id}/media", media::save_article_media);
}
