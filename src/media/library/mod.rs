//! The media library in the database: files and their renditions (here), the grid
//! (`listing`), where files are used (`uses`) and how articles use them (`in_articles`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::{media, media_variants};

mod in_articles;
mod listing;
mod uses;

pub use in_articles::{
    ArticleMedia, Attachment, Picture, WrongChoice, choices, for_article, ids_in_role, pictures,
    set_for_article, srcset_for,
};
pub use listing::{Filter, Listed, page, update_details, uploaders};
pub use uses::{Use, delete_unused, uses};

/// `image` or `document`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Document,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Document => "document",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "image" => Some(Kind::Image),
            "document" => Some(Kind::Document),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = media)]
pub struct Media {
    pub id: i32,
    pub hash: String,
    pub kind: String,
    pub mime: String,
    pub storage_key: String,
    pub original_name: String,
    pub byte_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub uploaded_by: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Media {
    pub fn is_image(&self) -> bool {
        self.kind == Kind::Image.as_str()
    }

    /// The public address of the stored file.
    pub fn url(&self) -> String {
        format!("/media/{}", self.storage_key)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media_variants)]
pub struct Variant {
    pub id: i32,
    pub media_id: i32,
    pub format: String,
    pub width: i32,
    pub height: i32,
    pub storage_key: String,
    pub byte_size: i64,
}

impl Variant {
    pub fn url(&self) -> String {
        format!("/media/{}", self.storage_key)
    }

    /// "512 KB".
    pub fn size_label(&self) -> String {
        super::inspect::size_label(self.byte_size.max(0) as u64)
    }
}

/// A new row of `media`.
#[derive(Debug, Clone)]
pub struct NewMedia {
    pub hash: String,
    pub kind: Kind,
    pub mime: String,
    pub storage_key: String,
    pub original_name: String,
    pub byte_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub uploaded_by: i32,
}

/// A new row of `media_variants`.
#[derive(Debug, Clone)]
pub struct NewVariant {
    pub format: &'static str,
    pub width: i32,
    pub height: i32,
    pub storage_key: String,
    pub byte_size: i64,
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Media>> {
    media::table
        .find(id)
        .select(Media::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_hash(conn: &mut DbConn, hash: &str) -> QueryResult<Option<Media>> {
    media::table
        .filter(media::hash.eq(hash))
        .select(Media::as_select())
        .first(conn)
        .optional()
}

/// The file stored under `key` (the main file or a rendition).
pub fn find_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<Media>> {
    let owner: Option<i32> = media_variants::table
        .filter(media_variants::storage_key.eq(key))
        .select(media_variants::media_id)
        .first(conn)
        .optional()?;
    match owner {
        Some(id) => find(conn, id),
        None => media::table
            .filter(media::storage_key.eq(key))
            .select(Media::as_select())
            .first(conn)
            .optional(),
    }
}

/// The renditions of an image, widest first, JPEG/PNG before WebP.
pub fn variants(conn: &mut DbConn, media_id: i32) -> QueryResult<Vec<Variant>> {
    media_variants::table
        .filter(media_variants::media_id.eq(media_id))
        .order((media_variants::width.desc(), media_variants::format.asc()))
        .select(Variant::as_select())
        .load(conn)
}

/// Adds a file and its renditions (inside the caller's transaction).
pub fn insert(conn: &mut DbConn, new: &NewMedia, renditions: &[NewVariant]) -> QueryResult<Media> {
    let now = clock::now();
    let row: Media = diesel::insert_into(media::table)
        .values((
            media::hash.eq(&new.hash),
            media::kind.eq(new.kind.as_str()),
            media::mime.eq(&new.mime),
            media::storage_key.eq(&new.storage_key),
            media::original_name.eq(&new.original_name),
            media::byte_size.eq(new.byte_size),
            media::width.eq(new.width),
            media::height.eq(new.height),
            media::uploaded_by.eq(new.uploaded_by),
            media::created_at.eq(now),
            media::updated_at.eq(now),
        ))
        .get_result(conn)?;
    for r in renditions {
        diesel::insert_into(media_variants::table)
            .values((
                media_variants::media_id.eq(row.id),
                media_variants::format.eq(r.format),
                media_variants::width.eq(r.width),
                media_variants::height.eq(r.height),
                media_variants::storage_key.eq(&r.storage_key),
                media_variants::byte_size.eq(r.byte_size),
            ))
            .execute(conn)?;
    }
    Ok(row)
}
