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

/// The category of one language with this slug.
pub fn find_by_slug(
    conn: &mut DbConn,
    language: &str,
    slug: &str,
) -> QueryResult<Option<Category>> {
    categories::table
        .filter(categories::language.eq(language))
        .filter(categories::slug.eq(slug))
        .select(Category::as_select())
        .first(conn)
        .optional()
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
            categories::translation_group.eq(crate::ids::translation_group()),
            categories::position.eq(position),
            categories::created_at.eq(now),
            categories::updated_at.eq(now),
        ))
        .get_result(conn)
}

/// What the category form sends.
#[derive(Debug, Clone, Default)]
pub struct CategoryInput {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub position: i32,
}

fn validate(input: &CategoryInput) -> Result<String, super::ContentError> {
    let mut errors = super::FieldErrors::default();
    let name = input.name.trim();
    if name.is_empty() {
        errors.add("name", "Enter a name.");
    } else if name.chars().count() > 100 {
        errors.add("name", "The name is too long: at most 100 characters.");
    }
    if input.description.chars().count() > 500 {
        errors.add(
            "description",
            "The description is too long: at most 500 characters.",
        );
    }
    if !errors.is_empty() {
        return Err(super::ContentError::Invalid(errors));
    }
    let source = if input.slug.trim().is_empty() {
        name
    } else {
        input.slug.trim()
    };
    Ok(slug::slugify(source))
}

fn slug_taken(
    conn: &mut DbConn,
    language: &str,
    candidate: &str,
    except: i32,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        categories::table
            .filter(categories::language.eq(language))
            .filter(categories::slug.eq(candidate))
            .filter(categories::id.ne(except)),
    ))
    .get_result(conn)
}

/// Creates a category from the admin form.
pub fn create_from(
    conn: &mut DbConn,
    language: &str,
    input: &CategoryInput,
) -> Result<Category, super::ContentError> {
    let base = validate(input)?;
    let created = create(
        conn,
        input.name.trim(),
        input.description.trim(),
        language,
        input.position,
    )?;
    if created.slug != base {
        let wanted = slug::unique(&base, |c| slug_taken(conn, language, c, created.id))?;
        return Ok(diesel::update(categories::table.find(created.id))
            .set(categories::slug.eq(wanted))
            .get_result(conn)?);
    }
    Ok(created)
}

pub fn update(
    conn: &mut DbConn,
    id: i32,
    input: &CategoryInput,
) -> Result<Category, super::ContentError> {
    let base = validate(input)?;
    let current = find(conn, id)?.ok_or(super::ContentError::NotFound)?;
    let new_slug = slug::unique(&base, |c| slug_taken(conn, &current.language, c, id))?;
    Ok(diesel::update(categories::table.find(id))
        .set((
            categories::name.eq(input.name.trim()),
            categories::slug.eq(new_slug),
            categories::description.eq(input.description.trim()),
            categories::position.eq(input.position),
            categories::updated_at.eq(clock::now()),
        ))
        .get_result(conn)?)
}

/// Deletes a category; its articles keep existing, without a category.
pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::delete(categories::table.find(id)).execute(conn)
}
