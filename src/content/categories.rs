//! Categories that group articles ("Events", "Research news").

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::categories;

use super::slug;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = categories)]
pub struct Category {
    pub id: i32,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub language: String,
    pub translation_group: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Categories of one language, in their menu order.
pub fn list(conn: &mut DbConn, language: &str) -> QueryResult<Vec<Category>> {
    categories::table
        .filter(categories::language.eq(language))
        .order((categories::position.asc(), categories::name.asc()))
        .select(Category::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Category>> {
    categories::table
        .find(id)
        .select(Category::as_select())
        .first(conn)
        .optional()
}

pub fn create(
    conn: &mut DbConn,
    name: &str,
    description: &str,
    language: &str,
    position: i32,
) -> QueryResult<Category> {
    let base = slug::slugify(name);
    let slug = slug::unique(&base, |candidate| {
        diesel::select(diesel::dsl::exists(
            categories::table
                .filter(categories::language.eq(language))
                .filter(categories::slug.eq(candidate)),
        ))
        .get_result::<bool>(conn)
    })?;
    let now = clock::now();
    diesel::insert_into(categories::table)
        .values((
            categories::name.eq(name.trim()),
            categories::slug.eq(slug),
            categories::description.eq(description),
            categories::language.eq(language),
            categories::translation_group.eq(super::articles::new_translation_group()),
            categories::position.eq(position),
            categories::created_at.eq(now),
            categories::updated_at.eq(now),
        ))
        .get_result(conn)
}
