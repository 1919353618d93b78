//! Articles: the event reports and news items that visitors read. Creating, editing with
//! conflict detection (a version number), publishing, listing and counting views.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::sanitize::SafeHtml;
use crate::db::schema::articles;

mod read;
mod save;
mod slugs;

pub(super) use read::{NamesRow, with_names, with_names_query};
pub use read::{count_all, find, find_published, find_with_names, is_published};
pub use save::{
    Checked, backfill_body_text, check, create, delete, publish_due, update, update_noted,
};
pub use slugs::redirect_for;

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
