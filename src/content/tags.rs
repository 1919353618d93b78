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

/// Every tag of a language with how many articles carry it, by name.
pub fn all_with_counts(conn: &mut DbConn, language: &str) -> QueryResult<Vec<(Tag, i64)>> {
    let all: Vec<Tag> = tags::table
        .filter(tags::language.eq(language))
        .order(tags::name.asc())
        .select(Tag::as_select())
        .load(conn)?;
    let counts: Vec<(i32, i64)> = article_tags::table
        .group_by(article_tags::tag_id)
        .select((article_tags::tag_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(all
        .into_iter()
        .map(|t| {
            let n = counts
                .iter()
                .find(|(id, _)| *id == t.id)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            (t, n)
        })
        .collect())
}

/// Renames a tag; its page moves to the new name's slug. Refused when another tag already
/// has that slug (merge them by deleting one instead).
pub fn rename(conn: &mut DbConn, id: i32, name: &str) -> Result<Tag, super::ContentError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut errors = super::FieldErrors::default();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        errors.add(
            "name",
            format!("A tag needs a name of 1 to {MAX_NAME_CHARS} characters."),
        );
        return Err(super::ContentError::Invalid(errors));
    }
    let current: Tag = tags::table
        .find(id)
        .select(Tag::as_select())
        .first(conn)
        .optional()?
        .ok_or(super::ContentError::NotFound)?;
    let new_slug = slug::slugify(&name);
    let clash = diesel::select(diesel::dsl::exists(
        tags::table
            .filter(tags::language.eq(&current.language))
            .filter(tags::slug.eq(&new_slug))
            .filter(tags::id.ne(id)),
    ))
    .get_result::<bool>(conn)?;
    if clash {
        errors.add("name", "Another tag already has this name.");
        return Err(super::ContentError::Invalid(errors));
    }
    Ok(diesel::update(tags::table.find(id))
        .set((tags::name.eq(&name), tags::slug.eq(new_slug)))
        .get_result(conn)?)
}

/// Deletes a tag (articles lose it).
pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::delete(tags::table.find(id)).execute(conn)
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
