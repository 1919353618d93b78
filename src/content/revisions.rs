//! Revisions: a full copy of an article at every save (who, when, what), a readable diff
//! between two of them, and restoring one (which is itself a new save, so nothing is lost).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::time::{Duration, Instant};

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

/// How closely two versions could be compared within the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Word by word.
    Words,
    /// Too different (or too long) for words: line by line.
    Lines,
    /// Too different even for lines: the two texts, one after the other.
    Texts,
}

/// What changed between two revisions, field by field.
#[derive(Debug, Clone)]
pub struct Diff {
    pub title: Vec<Piece>,
    pub summary: Vec<Piece>,
    pub tags: Vec<Piece>,
    /// The body's text, a paragraph a line.
    pub body: Vec<Piece>,
    /// How the body was compared.
    pub detail: Detail,
}

impl Diff {
    /// The body was compared line by line (too long or too different for words).
    pub fn by_lines(&self) -> bool {
        self.detail == Detail::Lines
    }

    /// The body was too different to compare: both texts are shown whole.
    pub fn not_compared(&self) -> bool {
        self.detail == Detail::Texts
    }
}

/// Texts longer than this (in bytes, either side) are not compared word by word.
pub const WORD_DIFF_BYTES: usize = 200 * 1024;
/// Texts longer than this are not compared at all, only shown.
pub const LINE_DIFF_BYTES: usize = 2 * 1024 * 1024;
/// The time one comparison may take, per step (words, then lines).
pub const DIFF_BUDGET: Duration = Duration::from_millis(300);

fn piece(tag: ChangeTag, text: &str) -> Piece {
    Piece {
        kind: match tag {
            ChangeTag::Equal => "same",
            ChangeTag::Delete => "removed",
            ChangeTag::Insert => "added",
        },
        text: text.to_owned(),
    }
}

/// A word (or line) diff, or `None` when it did not finish within `budget` (the algorithm
/// then gives a coarse answer, which is not worth showing at that level).
fn within(old: &str, new: &str, budget: Duration, by_lines: bool) -> Option<Vec<Piece>> {
    let deadline = Instant::now() + budget;
    let mut config = TextDiff::configure();
    config.deadline(deadline);
    let diff = if by_lines {
        config.diff_lines(old, new)
    } else {
        config.diff_words(old, new)
    };
    let pieces = diff
        .iter_all_changes()
        .map(|c| piece(c.tag(), c.value()))
        .collect();
    (Instant::now() < deadline).then_some(pieces)
}

/// A short field (title, summary, tags) word by word, or, past the budget, as went and came.
fn words(old: &str, new: &str) -> Vec<Piece> {
    within(old, new, DIFF_BUDGET, false).unwrap_or_else(|| whole(old, new))
}

/// The old text removed and the new one added, compared no further.
fn whole(old: &str, new: &str) -> Vec<Piece> {
    if old == new {
        return vec![piece(ChangeTag::Equal, old)];
    }
    vec![piece(ChangeTag::Delete, old), piece(ChangeTag::Insert, new)]
}

/// The body compared as finely as the budget allows: words, else lines, else not at all.
fn body_diff(old: &str, new: &str, budget: Duration) -> (Vec<Piece>, Detail) {
    let longest = old.len().max(new.len());
    if longest <= WORD_DIFF_BYTES
        && let Some(pieces) = within(old, new, budget, false)
    {
        return (pieces, Detail::Words);
    }
    if longest <= LINE_DIFF_BYTES
        && let Some(pieces) = within(old, new, budget, true)
    {
        return (pieces, Detail::Lines);
    }
    (whole(old, new), Detail::Texts)
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

/// Compares two versions within [`DIFF_BUDGET`] per step: a long or very different body is
/// compared line by line, or not at all ([`Diff::detail`] says which). It can take that long,
/// so the server runs it on a blocking thread, never on an async worker.
pub fn diff_texts(old: &Texts<'_>, new: &Texts<'_>) -> Diff {
    let old_body = body_lines(old.body_html);
    let new_body = body_lines(new.body_html);
    let (body, detail) = body_diff(&old_body, &new_body, DIFF_BUDGET);
    Diff {
        title: words(old.title, new.title),
        summary: words(old.summary, new.summary),
        tags: words(old.tags, new.tags),
        body,
        detail,
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

    #[test]
    fn a_body_past_the_budget_is_compared_more_coarsely() {
        let old: String = (0..3_000).map(|i| format!("w{i} ")).collect();
        let new: String = (0..3_000).map(|i| format!("v{} ", i * 7 % 3_001)).collect();
        let (_, fine) = body_diff(&old, &new, Duration::from_secs(30));
        assert_eq!(fine, Detail::Words);
        let (pieces, coarse) = body_diff(&old, &new, Duration::ZERO);
        assert_eq!(coarse, Detail::Texts);
        assert_eq!(pieces.len(), 2);
        let huge = "word ".repeat(WORD_DIFF_BYTES / 4);
        let (_, lines) = body_diff(&huge, "other\n", Duration::from_secs(30));
        assert_eq!(lines, Detail::Lines);
    }
}
