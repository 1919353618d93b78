//! The staff area under `/admin`: signing in and out, the article list, the article form.
//! Every handler starts with [`Staff`](super::auth::Staff) (or a form extractor that checks it)
//! and asks [`permissions`](crate::accounts::permissions) before it acts.

pub mod articles;
pub mod audit;
pub mod common;
pub mod media;
pub mod pages;
pub mod revisions;
pub mod settings;
pub mod sign_in;
pub mod stats;
pub mod taxonomy;
pub mod users;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(articles::dashboard))
        .route("/", web::get().to(articles::dashboard))
        .route("/articles", web::get().to(articles::list))
        .route("/login", web::get().to(sign_in::form))
        .route("/login", web::post().to(sign_in::submit))
        .route("/logout", web::post().to(sign_in::sign_out))
        .route("/articles/new", web::get().to(articles::new_form))
        .route("/articles", web::post().to(articles::create))
        .route("/articles/{id}/edit", web::get().to(articles::edit_form))
        .route("/articles/{id}", web::post().to(articles::update))
        .route(
            "/articles/{id}/delete",
            web::get().to(articles::confirm_delete),
        )
        .route("/articles/{id}/delete", web::post().to(articles::delete))
        .route("/articles/{id}/revisions", web::get().to(revisions::list))
        .route(
            "/articles/{id}/presence",
            web::post().to(articles::heartbeat),
        )
        .route("/articles/{id}/stats", web::get().to(stats::article))
        .route("/articles/{id}/preview", web::get().to(articles::preview))
        .route(
            "/articles/{id}/preview-links",
            web::post().to(articles::create_preview_link),
        )
        .route(
            "/articles/{id}/preview-links/revoke",
            web::post().to(articles::revoke_preview_links),
        )
        .route(
            "/articles/{id}/revisions/compare",
            web::get().to(revisions::compare),
        )
        .route(
            "/articles/{id}/revisions/{version}/restore",
            web::post().to(revisions::restore),
        )
        .route("/pages", web::get().to(pages::index))
        .route("/pages", web::post().to(pages::create))
        .route("/pages/new", web::get().to(pages::new_form))
        .route("/pages/{id}/edit", web::get().to(pages::edit_form))
        .route("/pages/{id}", web::post().to(pages::update))
        .route("/pages/{id}/delete", web::get().to(pages::confirm_delete))
        .route("/pages/{id}/delete", web::post().to(pages::delete))
        .route("/audit", web::get().to(audit::list))
        .route("/categories", web::get().to(taxonomy::list))
        .route("/categories", web::post().to(taxonomy::create))
        .route("/categories/{id}/edit", web::get().to(taxonomy::edit_form))
        .route("/categories/{id}", web::post().to(taxonomy::update))
        .route(
            "/categories/{id}/delete",
            web::get().to(taxonomy::confirm_delete),
        )
        .route("/categories/{id}/delete", web::post().to(taxonomy::delete))
        .route("/tags", web::get().to(taxonomy::tags_list))
        .route("/tags/{id}", web::post().to(taxonomy::rename_tag))
        .route("/tags/{id}/delete", web::post().to(taxonomy::delete_tag))
        .route("/users", web::get().to(users::list))
        .route("/users", web::post().to(users::create))
        .route("/users/new", web::get().to(users::new_form))
        .route("/users/{id}/edit", web::get().to(users::edit_form))
        .route("/users/{id}", web::post().to(users::update))
        .route("/users/{id}/delete", web::get().to(users::confirm_delete))
        .route("/users/{id}/delete", web::post().to(users::delete))
        .route("/account/password", web::get().to(users::password_form))
        .route("/account/password", web::post().to(users::change_password))
        .route("/settings", web::get().to(settings::form))
        .route("/settings", web::post().to(settings::save))
        .route("/media", web::get().to(media::library))
        .route("/media", web::post().to(media::upload))
        .route("/media/{id}", web::get().to(media::show))
        .route("/media/{id}", web::post().to(media::update))
        .route("/media/{id}/delete", web::get().to(media::confirm_delete))
        .route("/media/{id}/delete", web::post().to(media::delete))
        .route("/articles/{id}/media", web::get().to(media::article_media))
        .route(
            "/articles/{id}/media",
            web::post().to(media::save_article_media),
        );
}
