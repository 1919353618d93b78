//! Static pages (About, Contact…) that editors write and order; shown in the site's menu.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::clock;
use crate::db::schema::pages;
use crate::db::{DbConn, write_tx};

use super::sanitize::{self, SafeHtml};
use super::{ContentError, FieldErrors, slug};

/// First path segments that belong to the site itself, so no page may take them.
pub const RESERVED: &[&str] = &[
    "admin",
    "assets",
    "news",
    "category",
    "tag",
    "archive",
    "search",
    "feed.xml",
    "atom.xml",
    "sitemap.xml",
    "robots.txt",
    "favicon.ico",
    "media",
    "preview",
    "api",
    "page",
];

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = pages)]
pub struct Page {
    pub id: i32,
    pub title: String,
    pub slug: String,
    pub body_html: String,
    pub language: String,
    pub translation_group: String,
    pub position: i32,
    pub in_menu: bool,
    pub published: bool,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Page {
    pub fn body(&self) -> SafeHtml {
        SafeHtml::from_stored(self.body_html.clone())
    }
}

#[derive(Debug, Clone, Default)]
pub struct PageInput {
    pub title: String,
    pub slug: String,
    pub body: String,
    pub position: i32,
    pub in_menu: bool,
    pub published: bool,
}

/// A page form that passed its checks, its body cleaned: made by [`check`] before a database
/// connection is taken, as for articles ([`super::articles::Checked`]).
#[derive(Debug, Clone)]
pub struct CheckedPage {
    input: PageInput,
    body: SafeHtml,
    base_slug: String,
}

/// Checks a page form and cleans its body (its size and shape checked first).
pub fn check(input: &PageInput) -> Result<CheckedPage, ContentError> {
    let (body, base_slug) = validate(input)?;
    Ok(CheckedPage {
        input: input.clone(),
        body,
        base_slug,
    })
}

fn validate(input: &PageInput) -> Result<(SafeHtml, String), ContentError> {
    let mut errors = FieldErrors::default();
    let title = input.title.trim();
    if title.is_empty() {
        errors.add("title", "Enter a title.");
    } else if title.chars().count() > 200 {
        errors.add("title", "The title is too long: at most 200 characters.");
    }
    let source = if input.slug.trim().is_empty() {
        title
    } else {
        input.slug.trim()
    };
    let page_slug = slug::slugify(source);
    if RESERVED.contains(&page_slug.as_str()) {
        errors.add(
            "slug",
            format!("“{page_slug}” is used by the site itself; choose another address."),
        );
    }
    if input.body.len() > super::articles::BODY_MAX_BYTES {
        errors.add("body", "The text is too long: at most 1 MB.");
    } else if let Err(refusal) = super::shape::check(&input.body) {
        errors.add("body", refusal.message());
    }
    if !errors.is_empty() {
        return Err(ContentError::Invalid(errors));
    }
    Ok((sanitize::clean(&input.body), page_slug))
}

/// Images from the media library in the text get the `srcset` of their renditions, as in
/// articles.
fn with_srcsets(conn: &mut DbConn, body: &SafeHtml) -> SafeHtml {
    sanitize::add_srcsets(body, |src| {
        crate::media::library::srcset_for(conn, src).ok().flatten()
    })
}

fn slug_taken(
    conn: &mut DbConn,
    language: &str,
    candidate: &str,
    except: i32,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        pages::table
            .filter(pages::language.eq(language))
            .filter(pages::slug.eq(candidate))
            .filter(pages::id.ne(except)),
    ))
    .get_result(conn)
}

pub fn create(
    conn: &mut DbConn,
    language: &str,
    checked: &CheckedPage,
) -> Result<Page, ContentError> {
    let (input, base) = (&checked.input, &checked.base_slug);
    let body = with_srcsets(conn, &checked.body);
    write_tx(conn, |conn| {
        let page_slug = slug::unique(base, |c| slug_taken(conn, language, c, 0))?;
        let now = clock::now();
        Ok(diesel::insert_into(pages::table)
            .values((
                pages::title.eq(input.title.trim()),
                pages::slug.eq(page_slug),
                pages::body_html.eq(body.as_str()),
                pages::language.eq(language),
                pages::translation_group.eq(crate::ids::translation_group()),
                pages::position.eq(input.position),
                pages::in_menu.eq(input.in_menu),
                pages::published.eq(input.published),
                pages::version.eq(1),
                pages::created_at.eq(now),
                pages::updated_at.eq(now),
            ))
            .get_result(conn)?)
    })
}

pub fn update(
    conn: &mut DbConn,
    id: i32,
    expected_version: i32,
    checked: &CheckedPage,
) -> Result<Page, ContentError> {
    let (input, base) = (&checked.input, &checked.base_slug);
    let body = with_srcsets(conn, &checked.body);
    write_tx(conn, |conn| {
        let current = find(conn, id)?.ok_or(ContentError::NotFound)?;
        if current.version != expected_version {
            return Err(ContentError::Conflict {
                current: current.version,
            });
        }
        let page_slug = slug::unique(base, |c| slug_taken(conn, &current.language, c, id))?;
        Ok(diesel::update(pages::table.find(id))
            .set((
                pages::title.eq(input.title.trim()),
                pages::slug.eq(page_slug),
                pages::body_html.eq(body.as_str()),
                pages::position.eq(input.position),
                pages::in_menu.eq(input.in_menu),
                pages::published.eq(input.published),
                pages::version.eq(expected_version + 1),
                pages::updated_at.eq(clock::now()),
            ))
            .get_result(conn)?)
    })
}

pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::delete(pages::table.find(id)).execute(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Page>> {
    pages::table
        .find(id)
        .select(Page::as_select())
        .first(conn)
        .optional()
}

pub fn find_published(
    conn: &mut DbConn,
    language: &str,
    page_slug: &str,
) -> QueryResult<Option<Page>> {
    pages::table
        .filter(pages::language.eq(language))
        .filter(pages::slug.eq(page_slug))
        .filter(pages::published.eq(true))
        .select(Page::as_select())
        .first(conn)
        .optional()
}

/// Every page of a language in menu order (staff list and sitemap).
pub fn all(conn: &mut DbConn, language: &str) -> QueryResult<Vec<Page>> {
    pages::table
        .filter(pages::language.eq(language))
        .order((pages::position.asc(), pages::title.asc()))
        .select(Page::as_select())
        .load(conn)
}

/// Published pages shown in the menu, in order: (title, slug).
pub fn menu(conn: &mut DbConn, language: &str) -> QueryResult<Vec<(String, String)>> {
    pages::table
        .filter(pages::language.eq(language))
        .filter(pages::published.eq(true))
        .filter(pages::in_menu.eq(true))
        .order((pages::position.asc(), pages::title.asc()))
        .select((pages::title, pages::slug))
        .load(conn)
}
