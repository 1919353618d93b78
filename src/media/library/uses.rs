//! Where a file is used (reports, their galleries and texts, static pages), and deleting a
//! file only when nothing does.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{article_media, articles, media, media_variants, pages};

/// One place a file is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    /// The admin page to edit what uses it (a report or a static page).
    pub edit_url: String,
    pub title: String,
    /// "featured image", "gallery", "attachment", "in the text" or "in a page's text".
    pub role: String,
}

impl Use {
    pub fn describe(&self) -> String {
        format!("“{}” ({})", self.title, self.role)
    }
}

/// An id and a title.
type Titled = (i32, String);

/// Every article and static page that uses the file, and how.
pub fn uses(conn: &mut DbConn, id: i32) -> QueryResult<Vec<Use>> {
    let featured: Vec<(i32, String)> = articles::table
        .filter(articles::featured_media_id.eq(id))
        .order(articles::id.asc())
        .select((articles::id, articles::title))
        .load(conn)?;
    let listed: Vec<(i32, String, String)> = article_media::table
        .inner_join(articles::table)
        .filter(article_media::media_id.eq(id))
        .order((articles::id.asc(), article_media::role.asc()))
        .select((articles::id, articles::title, article_media::role))
        .load(conn)?;
    // Images and links put into the text (the "insert" snippet, or by hand) name the key,
    // which starts with the hash.
    let hash: Option<String> = media::table
        .find(id)
        .select(media::hash)
        .first(conn)
        .optional()?;
    let (in_text, in_pages): (Vec<Titled>, Vec<Titled>) = match hash {
        Some(hash) if hash.len() > 2 => {
            let pattern = format!("%/media/{}/{hash}%", &hash[..2]);
            (
                articles::table
                    .filter(articles::body_html.like(pattern.clone()))
                    .order(articles::id.asc())
                    .select((articles::id, articles::title))
                    .load(conn)?,
                pages::table
                    .filter(pages::body_html.like(pattern))
                    .order(pages::id.asc())
                    .select((pages::id, pages::title))
                    .load(conn)?,
            )
        }
        _ => (Vec::new(), Vec::new()),
    };
    let article = |id: i32, title: String, role: &str| Use {
        edit_url: format!("/admin/articles/{id}/edit"),
        title,
        role: role.to_owned(),
    };
    let mut out: Vec<Use> = featured
        .into_iter()
        .map(|(id, title)| article(id, title, "featured image"))
        .collect();
    out.extend(
        listed
            .into_iter()
            .map(|(id, title, role)| article(id, title, &role)),
    );
    out.extend(
        in_text
            .into_iter()
            .map(|(id, title)| article(id, title, "in the text")),
    );
    out.extend(in_pages.into_iter().map(|(id, title)| Use {
        edit_url: format!("/admin/pages/{id}/edit"),
        title,
        role: "in a page's text".to_owned(),
    }));
    Ok(out)
}

/// Removes a file's rows, unless something uses it; returns the storage keys to delete.
pub fn delete_unused(conn: &mut DbConn, id: i32) -> QueryResult<Result<Vec<String>, Vec<Use>>> {
    let used = uses(conn, id)?;
    if !used.is_empty() {
        return Ok(Err(used));
    }
    let mut keys: Vec<String> = media_variants::table
        .filter(media_variants::media_id.eq(id))
        .select(media_variants::storage_key)
        .load(conn)?;
    let main: Option<String> = media::table
        .find(id)
        .select(media::storage_key)
        .first(conn)
        .optional()?;
    let Some(main) = main else {
        return Err(diesel::result::Error::NotFound);
    };
    if !keys.contains(&main) {
        keys.push(main);
    }
    diesel::delete(media_variants::table.filter(media_variants::media_id.eq(id))).execute(conn)?;
    diesel::delete(media::table.find(id)).execute(conn)?;
    Ok(Ok(keys))
}
