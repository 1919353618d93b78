//! Revisions: a full copy of an article at every save (who, when, what), a readable diff
//! between two of them, and restoring one (which is itself a new save, so nothing is lost).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use similar::{ChangeTag, TextDiff};

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::{article_revisions, users};

use super::sanitize::{self, SafeHtml};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = article_revisions)]
pub struct Revision {
    pub id: i32,
    pub article_id: i32,
    pub version: i32,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub body_html: String,
    pub category_id: Option<i32>,
    pub tags: String,
    pub status: String,
    pub saved_by: Option<i32>,
    pub note: String,
    pub created_at: NaiveDateTime,
}

/// An article as it is right after a save, to be kept as a revision. The article module
/// fills it in (this module knows revisions, not articles).
#[derive(Debug, Insertable)]
#[diesel(table_name = article_revisions)]
pub struct NewRevision<'a> {
    pub article_id: i32,
    pub version: i32,
    pub title: &'a str,
    pub slug: &'a str,
    pub summary: &'a str,
    pub body_html: &'a str,
    pub category_id: Option<i32>,
    pub tags: &'a str,
    pub status: &'a str,
    pub saved_by: Option<i32>,
    pub note: &'a str,
}

/// Keeps `revision`, stamped now.
pub fn record(conn: &mut DbConn, revision: &NewRevision<'_>) -> QueryResult<()> {
    diesel::insert_into(article_revisions::table)
        .values((revision, article_revisions::created_at.eq(clock::now())))
        .execute(conn)?;
    Ok(())
}

/// The revisions of an article, newest first, with the name of who saved each.
pub fn list(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<(Revision, Option<String>)>> {
    article_revisions::table
        .left_join(users::table)
        .filter(article_revisions::article_id.eq(article_id))
        .order(article_revisions::version.desc())
        .select((Revision::as_select(), users::display_name.nullable()))
        .load(conn)
}

pub fn find(conn: &mut DbConn, article_id: i32, version: i32) -> QueryResult<Option<Revision>> {
    article_revisions::table
        .filter(article_revisions::article_id.eq(article_id))
        .filter(article_revisions::version.eq(version))
        .select(Revision::as_select())
        .first(conn)
        .optional()
}

/// One piece of a diff: text that stayed, went, or came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// `same`, `removed` or `added`.
    pub kind: &'static str,
    pub text: String,
}

/// What changed between two revisions, field by field.
#[derive(Debug, Clone)]
pub struct Diff {
    pub title: Vec<Piece>,
    pub summary: Vec<Piece>,
    pub tags: Vec<Piece>,
    /// The body's text, a paragraph a line.
    pub body: Vec<Piece>,
}

fn words(old: &str, new: &str) -> Vec<Piece> {
    TextDiff::from_words(old, new)
        .iter_all_changes()
        .map(|c| Piece {
            kind: match c.tag() {
                ChangeTag::Equal => "same",
                ChangeTag::Delete => "removed",
                ChangeTag::Insert => "added",
            },
            text: c.value().to_owned(),
        })
        .collect()
}

/// The body as text, one block (paragraph, heading, list item…) a line.
fn body_lines(html: &str) -> String {
    let mut marked = html.to_owned();
    for tag in [
        "</p>",
        "</h2>",
        "</h3>",
        "</h4>",
        "</li>",
        "</blockquote>",
        "</pre>",
        "<br>",
        "</figcaption>",
        "</tr>",
    ] {
        marked = marked.replace(tag, &format!("{tag}\u{1}"));
    }
    marked
        .split('\u{1}')
        .map(|block| sanitize::text_of(&SafeHtml::from_stored(block.to_owned())))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The fields a comparison looks at.
pub struct Texts<'a> {
    pub title: &'a str,
    pub summary: &'a str,
    pub tags: &'a str,
    pub body_html: &'a str,
}

impl Revision {
    pub fn texts(&self) -> Texts<'_> {
        Texts {
            title: &self.title,
            summary: &self.summary,
            tags: &self.tags,
            body_html: &self.body_html,
        }
    }
}

pub fn diff(old: &Revision, new: &Revision) -> Diff {
    diff_texts(&old.texts(), &new.texts())
}

pub fn diff_texts(old: &Texts<'_>, new: &Texts<'_>) -> Diff {
    let old_body = body_lines(old.body_html);
    let new_body = body_lines(new.body_html);
    Diff {
        title: words(old.title, new.title),
        summary: words(old.summary, new.summary),
        tags: words(old.tags, new.tags),
        body: words(&old_body, &new_body),
    }
}

/// The newest revision of an article with who saved it.
pub fn latest(
    conn: &mut DbConn,
    article_id: i32,
) -> QueryResult<Option<(Revision, Option<String>)>> {
    article_revisions::table
        .left_join(users::table)
        .filter(article_revisions::article_id.eq(article_id))
        .order(article_revisions::version.desc())
        .select((Revision::as_select(), users::display_name.nullable()))
        .first(conn)
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_diffs_mark_what_went_and_came() {
        let pieces = words("the old title", "the new title");
        let kinds: Vec<(&str, &str)> = pieces.iter().map(|p| (p.kind, p.text.as_str())).collect();
        assert_eq!(
            kinds,
            [
                ("same", "the"),
                ("same", " "),
                ("removed", "old"),
                ("added", "new"),
                ("same", " "),
                ("same", "title")
            ]
        );
        assert_eq!(body_lines("<p>One</p><p>Two <b>x</b></p>"), "One\nTwo x\n");
    }
}
