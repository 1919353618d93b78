//! The media library in the database: files, their renditions, and where articles use them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::{article_media, articles, media, media_variants, pages, users};

diesel::define_sql_function! {
    /// SQL `lower()`, on both backends.
    fn lower(x: Text) -> Text;
}

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

/// What the library grid is narrowed to; empty or zero means "any".
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `image`, `document` or empty.
    pub kind: String,
    pub uploaded_by: i32,
    /// Words in the name, alt text or caption.
    pub text: String,
}

/// A file with the name of the person who uploaded it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub media: Media,
    pub uploader: String,
    /// The smallest JPEG/PNG rendition (a thumbnail), for images.
    pub thumbnail: Option<Variant>,
}

fn like_pattern(text: &str) -> String {
    let escaped: String = text
        .trim()
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

/// Lists the files matching `filter` (callers must keep the same one for the count).
macro_rules! filtered {
    ($filter:expr, $pattern:expr) => {{
        let f = $filter;
        let any_kind = f.kind.is_empty();
        let any_uploader = f.uploaded_by == 0;
        let any_text = f.text.trim().is_empty();
        media::table
            .filter(
                media::kind
                    .eq(f.kind.clone())
                    .or(any_kind.into_sql::<Bool>()),
            )
            .filter(
                media::uploaded_by
                    .eq(f.uploaded_by)
                    .or(any_uploader.into_sql::<Bool>()),
            )
            .filter(
                lower(media::original_name)
                    .like($pattern.clone())
                    .escape('\\')
                    .or(lower(media::alt).like($pattern.clone()).escape('\\'))
                    .or(lower(media::caption).like($pattern.clone()).escape('\\'))
                    .or(any_text.into_sql::<Bool>()),
            )
    }};
}

/// One page of the library, newest first, and how many files match in all.
pub fn page(
    conn: &mut DbConn,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Listed>, i64)> {
    let pattern = like_pattern(&filter.text);
    let total: i64 = filtered!(filter, pattern).count().get_result(conn)?;
    let rows: Vec<(Media, String)> = filtered!(filter, pattern)
        .inner_join(users::table)
        .order((media::created_at.desc(), media::id.desc()))
        .limit(limit)
        .offset(offset)
        .select((Media::as_select(), users::display_name))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (media, uploader) in rows {
        let thumbnail = if media.is_image() {
            media_variants::table
                .filter(media_variants::media_id.eq(media.id))
                .filter(media_variants::format.ne("webp"))
                .order(media_variants::width.asc())
                .select(Variant::as_select())
                .first(conn)
                .optional()?
        } else {
            None
        };
        out.push(Listed {
            media,
            uploader,
            thumbnail,
        });
    }
    Ok((out, total))
}

/// The people who uploaded files, for the filter: (id, name).
pub fn uploaders(conn: &mut DbConn) -> QueryResult<Vec<(i32, String)>> {
    users::table
        .filter(diesel::dsl::exists(
            media::table.filter(media::uploaded_by.eq(users::id)),
        ))
        .order(users::display_name.asc())
        .select((users::id, users::display_name))
        .load(conn)
}

/// Changes the describing texts of a file.
pub fn update_details(
    conn: &mut DbConn,
    id: i32,
    alt: &str,
    caption: &str,
    credit: &str,
) -> QueryResult<usize> {
    diesel::update(media::table.find(id))
        .set((
            media::alt.eq(alt),
            media::caption.eq(caption),
            media::credit.eq(credit),
            media::updated_at.eq(clock::now()),
        ))
        .execute(conn)
}

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

/// An image ready for `<picture>`: `srcset` lists whose width descriptors are the real widths
/// of stored renditions, and the intrinsic size (so nothing shifts while it loads).
#[derive(Debug, Clone)]
pub struct Picture {
    pub media_id: i32,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: i32,
    pub height: i32,
    /// The fallback `src`: the JPEG/PNG rendition closest to 960 pixels wide.
    pub src: String,
    /// JPEG/PNG renditions, `url 480w, …`.
    pub srcset: String,
    /// WebP renditions (empty if none).
    pub webp_srcset: String,
    /// The widest JPEG/PNG rendition (the gallery link, the link preview).
    pub full_url: String,
    pub full_width: i32,
    pub full_height: i32,
}

fn picture(media: &Media, variants: &[Variant]) -> Option<Picture> {
    let mut main: Vec<&Variant> = variants.iter().filter(|v| v.format != "webp").collect();
    main.sort_by_key(|v| v.width);
    let mut webp: Vec<&Variant> = variants.iter().filter(|v| v.format == "webp").collect();
    webp.sort_by_key(|v| v.width);
    let widest = *main.last()?;
    let src = main
        .iter()
        .find(|v| v.width >= 960)
        .copied()
        .unwrap_or(widest);
    let set = |list: &[&Variant]| {
        list.iter()
            .map(|v| format!("{} {}w", v.url(), v.width))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Some(Picture {
        media_id: media.id,
        alt: media.alt.clone(),
        caption: media.caption.clone(),
        credit: media.credit.clone(),
        width: media.width.unwrap_or(widest.width),
        height: media.height.unwrap_or(widest.height),
        src: src.url(),
        srcset: set(&main),
        webp_srcset: set(&webp),
        full_url: widest.url(),
        full_width: widest.width,
        full_height: widest.height,
    })
}

/// Pictures of the image files among `ids`, by id.
pub fn pictures(
    conn: &mut DbConn,
    ids: &[i32],
) -> QueryResult<std::collections::HashMap<i32, Picture>> {
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<Media> = media::table
        .filter(media::id.eq_any(ids))
        .filter(media::kind.eq(Kind::Image.as_str()))
        .select(Media::as_select())
        .load(conn)?;
    let all: Vec<Variant> = media_variants::table
        .filter(media_variants::media_id.eq_any(ids))
        .select(Variant::as_select())
        .load(conn)?;
    for m in rows {
        let own: Vec<Variant> = all.iter().filter(|v| v.media_id == m.id).cloned().collect();
        if let Some(p) = picture(&m, &own) {
            out.insert(m.id, p);
        }
    }
    Ok(out)
}

/// A document listed under an article.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: String,
    pub url: String,
    /// "PDF, 120 KB".
    pub details: String,
}

/// What an article shows from the library.
#[derive(Debug, Clone, Default)]
pub struct ArticleMedia {
    pub featured: Option<Picture>,
    pub gallery: Vec<Picture>,
    pub attachments: Vec<Attachment>,
}

/// The ids an article uses in `role`, in their order.
pub fn ids_in_role(conn: &mut DbConn, article_id: i32, role: &str) -> QueryResult<Vec<i32>> {
    article_media::table
        .filter(article_media::article_id.eq(article_id))
        .filter(article_media::role.eq(role))
        .order((article_media::position.asc(), article_media::media_id.asc()))
        .select(article_media::media_id)
        .load(conn)
}

/// The featured image, gallery and attachments of an article.
pub fn for_article(
    conn: &mut DbConn,
    article_id: i32,
    featured: Option<i32>,
) -> QueryResult<ArticleMedia> {
    let gallery_ids = ids_in_role(conn, article_id, "gallery")?;
    let attachment_ids = ids_in_role(conn, article_id, "attachment")?;
    let mut wanted = gallery_ids.clone();
    wanted.extend(featured);
    let mut pics = pictures(conn, &wanted)?;
    let docs: Vec<Media> = media::table
        .filter(media::id.eq_any(&attachment_ids))
        .select(Media::as_select())
        .load(conn)?;
    Ok(ArticleMedia {
        featured: featured.and_then(|id| pics.get(&id).cloned()),
        gallery: gallery_ids
            .iter()
            .filter_map(|id| pics.remove(id))
            .collect(),
        attachments: attachment_ids
            .iter()
            .filter_map(|id| docs.iter().find(|d| d.id == *id))
            .map(|d| Attachment {
                name: d.original_name.clone(),
                url: d.url(),
                details: format!(
                    "PDF, {}",
                    super::inspect::size_label(d.byte_size.max(0) as u64)
                ),
            })
            .collect(),
    })
}

/// Library files to choose from: (id, name, thumbnail URL), newest first.
pub fn choices(conn: &mut DbConn, kind: Kind, limit: i64) -> QueryResult<Vec<Listed>> {
    let filter = Filter {
        kind: kind.as_str().to_owned(),
        ..Filter::default()
    };
    Ok(page(conn, &filter, limit, 0)?.0)
}

/// Why a choice of files for an article was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongChoice(pub String);

/// Sets an article's featured image, gallery (in order) and attachments; every id must be a
/// library file of the right kind.
pub fn set_for_article(
    conn: &mut DbConn,
    article_id: i32,
    featured: Option<i32>,
    gallery: &[i32],
    attachments: &[i32],
) -> QueryResult<Result<(), WrongChoice>> {
    let kinds: Vec<(i32, String)> = {
        let mut ids: Vec<i32> = gallery.iter().chain(attachments).copied().collect();
        ids.extend(featured);
        media::table
            .filter(media::id.eq_any(ids))
            .select((media::id, media::kind))
            .load(conn)?
    };
    let kind_of = |id: &i32| {
        kinds
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, kind)| kind.as_str())
    };
    for id in featured.iter().chain(gallery) {
        if kind_of(id) != Some(Kind::Image.as_str()) {
            return Ok(Err(WrongChoice(
                "Only images from the library can be the featured image or be in the gallery."
                    .to_owned(),
            )));
        }
    }
    if attachments
        .iter()
        .any(|id| kind_of(id) != Some(Kind::Document.as_str()))
    {
        return Ok(Err(WrongChoice(
            "Only documents (PDF) from the library can be attached.".to_owned(),
        )));
    }
    diesel::update(articles::table.find(article_id))
        .set(articles::featured_media_id.eq(featured))
        .execute(conn)?;
    diesel::delete(
        article_media::table
            .filter(article_media::article_id.eq(article_id))
            .filter(article_media::role.eq_any(["gallery", "attachment"])),
    )
    .execute(conn)?;
    for (role, ids) in [("gallery", gallery), ("attachment", attachments)] {
        for (position, id) in ids.iter().enumerate() {
            diesel::insert_into(article_media::table)
                .values((
                    article_media::article_id.eq(article_id),
                    article_media::media_id.eq(id),
                    article_media::role.eq(role),
                    article_media::position.eq(position as i32),
                ))
                .execute(conn)?;
        }
    }
    Ok(Ok(()))
}

/// The `srcset` for an image in a report's text, from its `src` (`/media/KEY` of the file or
/// of one of its renditions): every rendition in the same format, narrowest first. `None`
/// when the file is unknown or has only one size.
pub fn srcset_for(conn: &mut DbConn, src: &str) -> QueryResult<Option<String>> {
    let Some(key) = src.strip_prefix("/media/") else {
        return Ok(None);
    };
    let Some(found) = find_by_key(conn, key)? else {
        return Ok(None);
    };
    let all = variants(conn, found.id)?;
    let format = all
        .iter()
        .find(|v| v.storage_key == key)
        .map(|v| v.format.clone())
        .or_else(|| {
            all.iter()
                .find(|v| v.format != "webp")
                .map(|v| v.format.clone())
        });
    let Some(format) = format else {
        return Ok(None);
    };
    let mut same: Vec<&Variant> = all.iter().filter(|v| v.format == format).collect();
    same.sort_by_key(|v| v.width);
    same.dedup_by_key(|v| v.width);
    if same.len() < 2 {
        return Ok(None);
    }
    Ok(Some(
        same.iter()
            .map(|v| format!("{} {}w", v.url(), v.width))
            .collect::<Vec<_>>()
            .join(", "),
    ))
}
