//! The library grid: files narrowed by kind, uploader and words, a page at a time, with who
//! uploaded them; and changing a file's texts.

use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::{Media, Variant};
use crate::clock;
use crate::db::DbConn;
use crate::db::schema::{media, media_variants, users};
use crate::db::text::{like_pattern, lower};

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
