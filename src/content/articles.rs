//! Articles: the event reports and news items that visitors read. Creating, editing with
//! conflict detection (a version number), publishing, listing and counting views.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::clock;
use crate::db::schema::{article_slugs, articles};
use crate::db::{DbConn, write_tx};

use super::sanitize::{self, SafeHtml};
use super::{ContentError, FieldErrors, categories as cats, slug};

pub const TITLE_MAX_CHARS: usize = 250;
pub const SUMMARY_MAX_CHARS: usize = 600;
pub const BODY_MAX_BYTES: usize = 1_000_000;

/// Where an article is in its life. Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Draft,
    Review,
    Scheduled,
    Published,
    Archived,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "draft" => Status::Draft,
            "review" => Status::Review,
            "scheduled" => Status::Scheduled,
            "published" => Status::Published,
            "archived" => Status::Archived,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
            Status::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Review => "In review",
            Status::Scheduled => "Scheduled",
            Status::Published => "Published",
            Status::Archived => "Archived",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = articles)]
pub struct Article {
    pub id: i32,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub body_html: String,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub author_id: i32,
    pub category_id: Option<i32>,
    pub view_count: i64,
    pub language: String,
    pub translation_group: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The body without markup: for search, excerpts and reading time.
    pub body_text: String,
    /// The image shown on cards, at the top of the article and in link previews.
    pub featured_media_id: Option<i32>,
}

impl Article {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Draft)
    }

    pub fn is_published(&self) -> bool {
        self.status() == Status::Published
    }

    /// A draft or in review: still the author's to change.
    pub fn in_progress(&self) -> bool {
        matches!(self.status(), Status::Draft | Status::Review)
    }

    pub fn body(&self) -> SafeHtml {
        SafeHtml::from_stored(self.body_html.clone())
    }
}

/// An article with the names a page shows next to it.
#[derive(Debug, Clone)]
pub struct ArticleWithNames {
    pub article: Article,
    pub category_name: Option<String>,
    pub category_slug: Option<String>,
    pub author_name: String,
}

/// What staff typed into the article form.
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    pub title: String,
    /// The slug the editor typed; empty means "made from the title".
    pub slug: String,
    pub summary: String,
    pub body: String,
    pub category_id: Option<i32>,
    /// Comma-separated tag names, as typed.
    pub tags: String,
}

/// Which button was pressed: where the article goes in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveAction {
    /// Keep (or put back) the article out of public view.
    Draft,
    /// Ask an editor to review it.
    Review,
    /// Make it public now (or keep it public, with the changes).
    Publish,
    /// Make it public by itself at this time (UTC, in the future).
    Schedule(NaiveDateTime),
    /// Take it out of public view and out of the working lists.
    Archive,
}

impl SaveAction {
    /// How a revision describes this save.
    pub fn note(self) -> &'static str {
        match self {
            SaveAction::Draft => "Saved as draft",
            SaveAction::Review => "Submitted for review",
            SaveAction::Publish => "Published",
            SaveAction::Schedule(_) => "Scheduled",
            SaveAction::Archive => "Archived",
        }
    }

    /// The action that keeps an article where it is in its workflow.
    pub fn keeping(article: &Article) -> SaveAction {
        match article.status() {
            Status::Draft => SaveAction::Draft,
            Status::Review => SaveAction::Review,
            Status::Published => SaveAction::Publish,
            Status::Archived => SaveAction::Archive,
            Status::Scheduled => match article.published_at {
                Some(at) => SaveAction::Schedule(at),
                None => SaveAction::Draft,
            },
        }
    }

    /// Whether this action needs the right to publish.
    pub fn publishes(self) -> bool {
        matches!(
            self,
            SaveAction::Publish | SaveAction::Schedule(_) | SaveAction::Archive
        )
    }
}

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

/// Checks the form; on success returns the sanitised body.
fn validate(
    conn: &mut DbConn,
    input: &ArticleInput,
    action: SaveAction,
    now: NaiveDateTime,
) -> Result<SafeHtml, ContentError> {
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
    let tag_names = super::tags::parse_names(&input.tags);
    if tag_names.len() > super::tags::MAX_PER_ARTICLE {
        errors.add(
            "tags",
            format!("At most {} tags.", super::tags::MAX_PER_ARTICLE),
        );
    } else if tag_names
        .iter()
        .any(|t| t.chars().count() > super::tags::MAX_NAME_CHARS)
    {
        errors.add(
            "tags",
            format!(
                "A tag may have at most {} characters.",
                super::tags::MAX_NAME_CHARS
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
    if let Some(id) = input.category_id
        && cats::find(conn, id)?.is_none()
    {
        errors.add("category", "Choose a category from the list.");
    }
    if !errors.is_empty() {
        return Err(ContentError::Invalid(errors));
    }
    let body = sanitize::clean(&input.body);
    Ok(sanitize::add_srcsets(&body, |src| {
        crate::media::library::srcset_for(conn, src).ok().flatten()
    }))
}

fn slug_taken(
    conn: &mut DbConn,
    language: &str,
    candidate: &str,
    except: Option<i32>,
) -> QueryResult<bool> {
    // `except` 0 matches no row: ids start at 1.
    let except = except.unwrap_or(0);
    let current = diesel::select(diesel::dsl::exists(
        articles::table
            .filter(articles::language.eq(language))
            .filter(articles::slug.eq(candidate))
            .filter(articles::id.ne(except)),
    ))
    .get_result(conn)?;
    // A slug another article had before still redirects to it, so it is taken too.
    let earlier = diesel::select(diesel::dsl::exists(
        article_slugs::table
            .filter(article_slugs::language.eq(language))
            .filter(article_slugs::slug.eq(candidate))
            .filter(article_slugs::article_id.ne(except)),
    ))
    .get_result(conn)?;
    Ok(current || earlier)
}

/// A free slug made from `text` (a title, or a slug the editor typed).
fn unique_slug(
    conn: &mut DbConn,
    language: &str,
    text: &str,
    except: Option<i32>,
) -> QueryResult<String> {
    let base = slug::slugify(text);
    slug::unique(&base, |candidate| {
        slug_taken(conn, language, candidate, except)
    })
}

/// What the slug should become when `input` is saved over `current`: the editor's own slug
/// if they changed it, else one made from the title if the title changed, else unchanged.
fn next_slug(conn: &mut DbConn, current: &Article, input: &ArticleInput) -> QueryResult<String> {
    let typed = input.slug.trim();
    if !typed.is_empty() && slug::slugify(typed) != current.slug {
        return unique_slug(conn, &current.language, typed, Some(current.id));
    }
    if input.title.trim() != current.title {
        return unique_slug(
            conn,
            &current.language,
            input.title.trim(),
            Some(current.id),
        );
    }
    Ok(current.slug.clone())
}

/// Keeps `old` as an earlier slug of `article_id`, so links to it answer 301.
fn remember_slug(
    conn: &mut DbConn,
    article_id: i32,
    language: &str,
    old: &str,
    new: &str,
) -> QueryResult<()> {
    // Renamed back to an earlier slug: that one is current again.
    diesel::delete(
        article_slugs::table
            .filter(article_slugs::language.eq(language))
            .filter(article_slugs::slug.eq(new)),
    )
    .execute(conn)?;
    let known = diesel::select(diesel::dsl::exists(
        article_slugs::table
            .filter(article_slugs::language.eq(language))
            .filter(article_slugs::slug.eq(old)),
    ))
    .get_result::<bool>(conn)?;
    if !known {
        diesel::insert_into(article_slugs::table)
            .values((
                article_slugs::article_id.eq(article_id),
                article_slugs::language.eq(language),
                article_slugs::slug.eq(old),
                article_slugs::created_at.eq(clock::now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The current slug of the published article that once had `old_slug`.
pub fn redirect_for(
    conn: &mut DbConn,
    language: &str,
    old_slug: &str,
) -> QueryResult<Option<String>> {
    article_slugs::table
        .inner_join(articles::table)
        .filter(article_slugs::language.eq(language))
        .filter(article_slugs::slug.eq(old_slug))
        .filter(articles::status.eq(Status::Published.as_str()))
        .select(articles::slug)
        .first(conn)
        .optional()
}

/// Creates an article by `author_id`; `Publish` makes it public at once.
pub fn create(
    conn: &mut DbConn,
    author_id: i32,
    language: &str,
    input: &ArticleInput,
    action: SaveAction,
) -> Result<Article, ContentError> {
    write_tx(conn, |conn| {
        let now = clock::now();
        let body = validate(conn, input, action, now)?;
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
                articles::body_text.eq(sanitize::text_of(&body)),
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
        let tag_names = super::tags::parse_names(&input.tags);
        super::tags::set_for_article(conn, article.id, language, &tag_names)?;
        keep_revision(conn, &article, &tag_names, Some(author_id), action.note())?;
        Ok(article)
    })
}

/// Saves the form over article `id`, which the editor loaded at `expected_version`. If
/// anyone saved it since, nothing is written and [`ContentError::Conflict`] says so.
///
/// The slug follows the title (or the editor's own slug). Once an article has been public, each
/// slug it leaves behind is kept, so old links answer with a permanent redirect.
pub fn update(
    conn: &mut DbConn,
    id: i32,
    expected_version: i32,
    input: &ArticleInput,
    action: SaveAction,
    saved_by: i32,
) -> Result<Article, ContentError> {
    update_noted(
        conn,
        id,
        expected_version,
        input,
        action,
        saved_by,
        action.note(),
    )
}

/// [`update`], with the note the revision keeps (such as "Restored from version 3").
pub fn update_noted(
    conn: &mut DbConn,
    id: i32,
    expected_version: i32,
    input: &ArticleInput,
    action: SaveAction,
    saved_by: i32,
    note: &str,
) -> Result<Article, ContentError> {
    write_tx(conn, |conn| {
        let current = find(conn, id)?.ok_or(ContentError::NotFound)?;
        if current.version != expected_version {
            return Err(ContentError::Conflict {
                current: current.version,
            });
        }
        let now = clock::now();
        let body = validate(conn, input, action, now)?;
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
            articles::body_text.eq(sanitize::text_of(&body)),
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
        let tag_names = super::tags::parse_names(&input.tags);
        super::tags::set_for_article(conn, id, &current.language, &tag_names)?;
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
    super::revisions::record(
        conn,
        &super::revisions::NewRevision {
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

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Article>> {
    articles::table
        .find(id)
        .select(Article::as_select())
        .first(conn)
        .optional()
}

/// What [`with_names_query`] selects, before [`with_names`] names its parts.
pub(super) type NamesRow = (Article, Option<String>, Option<String>, String);

/// Articles joined with their author and category, selecting what [`ArticleWithNames`] holds.
/// (A macro, because Diesel's joined query types cannot be named on the shared connection.)
macro_rules! with_names_query {
    () => {
        $crate::db::schema::articles::table
            .inner_join($crate::db::schema::users::table)
            .left_join($crate::db::schema::categories::table)
            .select((
                $crate::content::articles::Article::as_select(),
                $crate::db::schema::categories::name.nullable(),
                $crate::db::schema::categories::slug.nullable(),
                $crate::db::schema::users::display_name,
            ))
    };
}
pub(super) use with_names_query;

pub(super) fn with_names(row: NamesRow) -> ArticleWithNames {
    let (article, category_name, category_slug, author_name) = row;
    ArticleWithNames {
        article,
        category_name,
        category_slug,
        author_name,
    }
}

/// A published article by its slug, with category and author names.
pub fn find_published(
    conn: &mut DbConn,
    language: &str,
    slug: &str,
) -> QueryResult<Option<ArticleWithNames>> {
    with_names_query!()
        .filter(articles::language.eq(language))
        .filter(articles::slug.eq(slug))
        .filter(articles::status.eq(Status::Published.as_str()))
        .first::<NamesRow>(conn)
        .optional()
        .map(|row| row.map(with_names))
}

/// Any article by id (whatever its status), with category and author names: for previews.
pub fn find_with_names(conn: &mut DbConn, id: i32) -> QueryResult<Option<ArticleWithNames>> {
    with_names_query!()
        .filter(articles::id.eq(id))
        .first::<NamesRow>(conn)
        .optional()
        .map(|row| row.map(with_names))
}

pub fn count_all(conn: &mut DbConn) -> QueryResult<i64> {
    articles::table.count().get_result(conn)
}

/// Whether the article with `id` is published (what a view beacon may count).
pub fn is_published(conn: &mut DbConn, id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        articles::table
            .filter(articles::id.eq(id))
            .filter(articles::status.eq(Status::Published.as_str())),
    ))
    .get_result(conn)
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
        let now = clock::now();
        let earlier = now - TimeDelta::days(3);
        let later = now + TimeDelta::days(3);
        assert_eq!(
            transition(SaveAction::Publish, None, now),
            (Status::Published, Some(now))
        );
        assert_eq!(
            transition(SaveAction::Draft, None, now),
            (Status::Draft, None)
        );
        // Updating a published article keeps its date.
        assert_eq!(
            transition(
                SaveAction::Publish,
                Some((Status::Published, Some(earlier))),
                now
            ),
            (Status::Published, Some(earlier))
        );
        // Publishing a scheduled article now drops the schedule.
        assert_eq!(
            transition(
                SaveAction::Publish,
                Some((Status::Scheduled, Some(later))),
                now
            ),
            (Status::Published, Some(now))
        );
        assert_eq!(
            transition(
                SaveAction::Draft,
                Some((Status::Scheduled, Some(later))),
                now
            ),
            (Status::Draft, None)
        );
        assert_eq!(
            transition(
                SaveAction::Schedule(later),
                Some((Status::Draft, None)),
                now
            ),
            (Status::Scheduled, Some(later))
        );
        assert_eq!(
            transition(
                SaveAction::Archive,
                Some((Status::Published, Some(earlier))),
                now
            ),
            (Status::Archived, Some(earlier))
        );
        assert_eq!(
            transition(SaveAction::Review, Some((Status::Draft, None)), now),
            (Status::Review, None)
        );
    }
}
