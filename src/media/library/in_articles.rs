//! Files as articles use them: `<picture>` data from stored renditions, an article's
//! featured image, gallery and attachments, choosing them, and `srcset`s for images in text.

use diesel::prelude::*;

use super::{Filter, Kind, Listed, Media, Variant, find_by_key, page, variants};
use crate::db::DbConn;
use crate::db::schema::{article_media, articles, media, media_variants};

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
                    crate::media::inspect::size_label(d.byte_size.max(0) as u64)
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
