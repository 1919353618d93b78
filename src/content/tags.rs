//! Tags: free keywords on articles ("climate", "conference"), each with its own page.

use diesel::prelude::*;

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::{article_tags, tags};

use super::slug;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: i32,
    pub name: String,
    pub slug: String,
    pub language: String,
    pub created_at: chrono::NaiveDateTime,
}

pub const MAX_PER_ARTICLE: usize = 20;
pub const MAX_NAME_CHARS: usize = 60;

/// Tag names from the comma-separated field of the article form: trimmed, inner spaces
/// folded, duplicates (by slug) and empties dropped.
pub fn parse_names(field: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for raw in field.split(',') {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            continue;
        }
        let s = slug::slugify(&name);
        if seen.contains(&s) {
            continue;
        }
        seen.push(s);
        out.push(name);
    }
    out
}

/// Finds or creates each tag by slug and makes them the article's tags.
pub fn set_for_article(
    conn: &mut DbConn,
    article_id: i32,
    language: &str,
    names: &[String],
) -> QueryResult<()> {
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article_id)))
        .execute(conn)?;
    for name in names {
        let tag_slug = slug::slugify(name);
        let existing: Option<i32> = tags::table
            .filter(tags::language.eq(language))
            .filter(tags::slug.eq(&tag_slug))
            .select(tags::id)
            .first(conn)
            .optional()?;
        let tag_id = match existing {
            Some(id) => id,
            None => diesel::insert_into(tags::table)
                .values((
                    tags::name.eq(name),
                    tags::slug.eq(&tag_slug),
                    tags::language.eq(language),
                    tags::created_at.eq(clock::now()),
                ))
                .returning(tags::id)
                .get_result(conn)?,
        };
        diesel::insert_into(article_tags::table)
            .values((
                article_tags::article_id.eq(article_id),
                article_tags::tag_id.eq(tag_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The tags of an article, by name.
pub fn of_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<Tag>> {
    tags::table
        .inner_join(article_tags::table)
        .filter(article_tags::article_id.eq(article_id))
        .order(tags::name.asc())
        .select(Tag::as_select())
        .load(conn)
}

pub fn find_by_slug(conn: &mut DbConn, language: &str, tag_slug: &str) -> QueryResult<Option<Tag>> {
    tags::table
        .filter(tags::language.eq(language))
        .filter(tags::slug.eq(tag_slug))
        .select(Tag::as_select())
        .first(conn)
        .optional()
}

#[cfg(test)]
mod tests {
    use super::parse_names;

    #[test]
    fn tag_fields_are_split_and_cleaned() {
        assert_eq!(
            parse_names(" climate ,Water  resources,, climate, Su ehtiyatları "),
            ["climate", "Water resources", "Su ehtiyatları"]
        );
        assert!(parse_names(" , ,").is_empty());
    }
}
