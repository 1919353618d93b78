//! Writing articles: the workflow's transitions, the checks a save passes, creating and
//! updating (with a version number against lost updates, and a revision kept of each save),
//! scheduled publication and deletion.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::slugs::{next_slug, remember_slug, unique_slug};
use super::{
    Article, ArticleInput, BODY_MAX_BYTES, SUMMARY_MAX_CHARS, SaveAction, Status, TITLE_MAX_CHARS,
    find,
};
use crate::clock;
use crate::content::sanitize::{self, SafeHtml};
use crate::content::{ContentError, FieldErrors, categories as cats, slug};
use crate::db::schema::articles;
use crate::db::{DbConn, write_tx};

/// Status and publication time after `action`, given the current ones, at `now`.
fn transition(
    action: SaveAction,
    current: Option<(Status, Option<NaiveDateTime>)>,
    now: NaiveDateTime,
) -> (Status, Option<NaiveDateTime>) {
    let (status, published_at) = current.unwrap_or((Status::Draft, None));
    // A publication time that lies ahead belongs to a schedule, not to a past publication.
    let past = published_at.filter(|t| *t <= now);
    match action {
        SaveAction::Draft => (Status::Draft, past),
        SaveAction::Review => (Status::Review, past),
        SaveAction::Publish if status == Status::Published => {
            (Status::Published, published_at.or(Some(now)))
        }
        SaveAction::Publish => (Status::Published, past.or(Some(now))),
        SaveAction::Schedule(at) => (Status::Scheduled, Some(at)),
        SaveAction::Archive => (Status::Archived, past),
    }
}

/// An article form that passed every check that needs no database, its body cleaned: made by
/// [`check`] before a connection is taken, so that cleaning a long body holds neither a pool
/// connection nor the write lock (a deeply nested body once held SQLite's write lock for
/// minutes, and every write on the site failed meanwhile).
#[derive(Debug, Clone)]
pub struct Checked {
    input: ArticleInput,
    action: SaveAction,
    body: SafeHtml,
    text: String,
}

impl Checked {
    pub fn input(&self) -> &ArticleInput {
        &self.input
    }

    pub fn action(&self) -> SaveAction {
        self.action
    }
}

/// Checks the form (all but its category, which needs the database) and cleans its body.
/// Bounded in cost: the body's size and shape ([`crate::content::shape`]) are checked before
/// it is parsed.
pub fn check(input: &ArticleInput, action: SaveAction) -> Result<Checked, ContentError> {
    let now = clock::now();
    let mut errors = FieldErrors::default();
    let title = input.title.trim();
    if title.is_empty() {
        errors.add("title", "Enter a title.");
    } else if title.chars().count() > TITLE_MAX_CHARS {
        errors.add(
            "title",
            format!("The title is too long: at most {TITLE_MAX_CHARS} characters."),
        );
    }
    if input.summary.trim().chars().count() > SUMMARY_MAX_CHARS {
        errors.add(
            "summary",
            format!("The summary is too long: at most {SUMMARY_MAX_CHARS} characters."),
        );
    }
    if input.body.len() > BODY_MAX_BYTES {
        errors.add("body", "The text is too long: at most 1 MB.");
    } else if let Err(refusal) = crate::content::shape::check(&input.body) {
        errors.add("body", refusal.message());
    }
    if !input.slug.trim().is_empty()
        && slug::slugify(&input.slug) == slug::FALLBACK
        && !input.slug.contains(slug::FALLBACK)
    {
        errors.add(
            "slug",
            "The web address needs at least one letter or digit.",
        );
    }
    let tag_names = crate::content::tags::parse_names(&input.tags);
    if tag_names.len() > crate::content::tags::MAX_PER_ARTICLE {
        errors.add(
            "tags",
            format!("At most {} tags.", crate::content::tags::MAX_PER_ARTICLE),
        );
    } else if tag_names
        .iter()
        .any(|t| t.chars().count() > crate::content::tags::MAX_NAME_CHARS)
    {
        errors.add(
            "tags",
            format!(
                "A tag may have at most {} characters.",
                crate::content::tags::MAX_NAME_CHARS
            ),
        );
    }
    if let SaveAction::Schedule(at) = action
        && at <= now
    {
        errors.add(
            "publish_at",
            "The publication time is in the past. Choose a time that is still to come.",
        );
    }
    if !errors.is_empty() {
        return Err(ContentError::Invalid(errors));
    }
    let body = sanitize::clean(&input.body);
    let text = sanitize::text_of(&body);
    Ok(Checked {
        input: input.clone(),
        action,
        body,
        text,
    })
}

/// The checked body with the `srcset` of each library image: reads, before the transaction.
fn with_srcsets(conn: &mut DbConn, checked: &Checked) -> SafeHtml {
    sanitize::add_srcsets(&checked.body, |src| {
        crate::media::library::srcset_for(conn, src).ok().flatten()
    })
}

/// The one check that needs the database, in the write transaction: the category exists.
fn check_category(conn: &mut DbConn, input: &ArticleInput) -> Result<(), ContentError> {
    if let Some(id) = input.category_id
        && cats::find(conn, id)?.is_none()
    {
        let mut errors = FieldErrors::default();
        errors.add("category", "Choose a category from the list.");
        return Err(ContentError::Invalid(errors));
    }
    Ok(())
}

/// Creates an article by `author_id` from a checked form; `Publish` makes it public at once.
pub fn create(
    conn: &mut DbConn,
    author_id: i32,
    language: &str,
    checked: &Checked,
) -> Result<Article, ContentError> {
    let (input, action) = (&checked.input, checked.action);
    let body = with_srcsets(conn, checked);
    write_tx(conn, |conn| {
        let now = clock::now();
        check_category(conn, input)?;
        let title = input.title.trim();
        let slug_source = if input.slug.trim().is_empty() {
            title
        } else {
            input.slug.trim()
        };
        let slug = unique_slug(conn, language, slug_source, None)?;
        let (status, published_at) = transition(action, None, now);
        let article = diesel::insert_into(articles::table)
            .values((
                articles::title.eq(title),
                articles::slug.eq(slug),
                articles::summary.eq(input.summary.trim()),
                articles::body_html.eq(body.as_str()),
                articles::body_text.eq(&checked.text),
                articles::status.eq(status.as_str()),
                articles::published_at.eq(published_at),
                articles::author_id.eq(author_id),
                articles::category_id.eq(input.category_id),
                articles::view_count.eq(0i64),
                articles::language.eq(language),
                articles::translation_group.eq(crate::ids::translation_group()),
                articles::version.eq(1),
                articles::created_at.eq(now),
                articles::updated_at.eq(now),
            ))
            .get_result::<Article>(conn)?;
        let tag_names = crate::content::tags::parse_names(&input.tags);
        crate::content::tags::set_for_article(conn, article.id, language, &tag_names)?;
        keep_revision(conn, &article, &tag_names, Some(author_id), action.note())?;
        Ok(article)
    })
}

/// Saves the checked form over article `id`, which the editor loaded at `expected_version`.
/// If anyone saved it since, nothing is written and [`ContentError::Conflict`] says so.
///
/// The slug follows the title (or the editor's own slug). Once an article has been public, each
/// slug it leaves behind is kept, so old links answer with a permanent redirect.
pub fn update(
    conn: &mut DbConn,
    id: i32,
    expected_version: i32,
    checked: &Checked,
    saved_by: i32,
) -> Result<Article, ContentError> {
    update_noted(
        conn,
        id,
        expected_version,
        checked,
        saved_by,
        checked.action.note(),
    )
}

/// [`update`], with the note the revision keeps (such as "Restored from version 3").
pub fn update_noted(
    conn: &mut DbConn,
    id: i32,
    expected_version: i32,
    checked: &Checked,
    saved_by: i32,
    note: &str,
) -> Result<Article, ContentError> {
    let (input, action) = (&checked.input, checked.action);
    let body = with_srcsets(conn, checked);
    write_tx(conn, |conn| {
        let current = find(conn, id)?.ok_or(ContentError::NotFound)?;
        if current.version != expected_version {
            return Err(ContentError::Conflict {
                current: current.version,
            });
        }
        let now = clock::now();
        check_category(conn, input)?;
        let title = input.title.trim();
        let slug = next_slug(conn, &current, input)?;
        if slug != current.slug && current.published_at.is_some() {
            remember_slug(conn, id, &current.language, &current.slug, &slug)?;
        }
        let (status, published_at) =
            transition(action, Some((current.status(), current.published_at)), now);
        let updated = diesel::update(
            articles::table
                .filter(articles::id.eq(id))
                .filter(articles::version.eq(expected_version)),
        )
        .set((
            articles::title.eq(title),
            articles::slug.eq(&slug),
            articles::summary.eq(input.summary.trim()),
            articles::body_html.eq(body.as_str()),
            articles::body_text.eq(&checked.text),
            articles::status.eq(status.as_str()),
            articles::published_at.eq(published_at),
            articles::category_id.eq(input.category_id),
            articles::version.eq(expected_version + 1),
            articles::updated_at.eq(now),
        ))
        .get_result::<Article>(conn)
        .optional()?;
        let updated = updated.ok_or(ContentError::Conflict {
            current: current.version,
        })?;
        let tag_names = crate::content::tags::parse_names(&input.tags);
        crate::content::tags::set_for_article(conn, id, &current.language, &tag_names)?;
        keep_revision(conn, &updated, &tag_names, Some(saved_by), note)?;
        Ok(updated)
    })
}

/// Keeps `article` as it is after a save as a revision, with its tags.
fn keep_revision(
    conn: &mut DbConn,
    article: &Article,
    tags: &[String],
    saved_by: Option<i32>,
    note: &str,
) -> QueryResult<()> {
    crate::content::revisions::record(
        conn,
        &crate::content::revisions::NewRevision {
            article_id: article.id,
            version: article.version,
            title: &article.title,
            slug: &article.slug,
            summary: &article.summary,
            body_html: &article.body_html,
            category_id: article.category_id,
            tags: &tags.join(", "),
            status: &article.status,
            saved_by,
            note,
        },
    )
}

/// Fills `body_text` for rows written before that column existed. Cheap when there are none.
pub fn backfill_body_text(conn: &mut DbConn) -> QueryResult<usize> {
    let rows: Vec<(i32, String)> = articles::table
        .filter(articles::body_text.eq(""))
        .filter(articles::body_html.ne(""))
        .select((articles::id, articles::body_html))
        .load(conn)?;
    for (id, html) in &rows {
        let text = sanitize::text_of(&SafeHtml::from_stored(html.clone()));
        diesel::update(articles::table.find(id))
            .set(articles::body_text.eq(text))
            .execute(conn)?;
    }
    Ok(rows.len())
}

/// Publishes every scheduled article whose time has come; returns how many. One idempotent
/// statement, so any number of instances may run it at once.
pub fn publish_due(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        articles::table
            .filter(articles::status.eq(Status::Scheduled.as_str()))
            .filter(articles::published_at.le(now)),
    )
    .set((
        articles::status.eq(Status::Published.as_str()),
        articles::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Deletes an article (its tags, earlier slugs and revisions go with it).
pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::delete(articles::table.find(id)).execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn workflow_transitions_keep_publication_times_honest() {
        use Status::*;
        let now = clock::now();
        let earlier = now - TimeDelta::days(3);
        let later = now + TimeDelta::days(3);
        // (action, status and publication time before, after)
        let cases = [
            (SaveAction::Publish, None, (Published, Some(now))),
            (SaveAction::Draft, None, (Draft, None)),
            // Updating a published article keeps its date.
            (
                SaveAction::Publish,
                Some((Published, Some(earlier))),
                (Published, Some(earlier)),
            ),
            // Publishing a scheduled article now drops the schedule.
            (
                SaveAction::Publish,
                Some((Scheduled, Some(later))),
                (Published, Some(now)),
            ),
            (
                SaveAction::Draft,
                Some((Scheduled, Some(later))),
                (Draft, None),
            ),
            (
                SaveAction::Schedule(later),
                Some((Draft, None)),
                (Scheduled, Some(later)),
            ),
            (
                SaveAction::Archive,
                Some((Published, Some(earlier))),
                (Archived, Some(earlier)),
            ),
            (SaveAction::Review, Some((Draft, None)), (Review, None)),
        ];
        for (action, before, after) in cases {
            assert_eq!(
                transition(action, before, now),
                after,
                "{action:?} from {before:?}"
            );
        }
    }
}
