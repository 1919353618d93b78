//! What the article form sends, and how it becomes an [`ArticleInput`] and a [`SaveAction`].

use serde::Deserialize;

use crate::content::FieldErrors;
use crate::content::articles::{ArticleInput, SaveAction};
use crate::web::error::AppError;

/// What the article form sends. Every field is text here, so a malformed value gets a
/// message on the form rather than a bare 400.
#[derive(Debug, Deserialize)]
pub struct ArticleForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    tags: String,
    /// `YYYY-MM-DDTHH:MM` in the site's time zone (a `datetime-local` input).
    #[serde(default)]
    pub(super) publish_at: String,
    version: Option<String>,
    #[serde(default)]
    action: String,
}

pub(super) struct Parsed {
    pub(super) input: ArticleInput,
    pub(super) action: SaveAction,
    pub(super) errors: FieldErrors,
    /// "Save mine as a new draft", from the conflict page: a new article, not this one.
    pub(super) copy: bool,
}

/// A `datetime-local` value in the site's time zone, as UTC.
fn parse_local_time(raw: &str, tz: chrono_tz::Tz) -> Option<chrono::NaiveDateTime> {
    use chrono::TimeZone;
    let raw = raw.trim();
    let local = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M"))
        .ok()?;
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
}

pub(super) fn parse(form: &ArticleForm, tz: chrono_tz::Tz) -> Result<Parsed, AppError> {
    let mut errors = FieldErrors::default();
    let action = match form.action.as_str() {
        "draft" | "copy" => SaveAction::Draft,
        "review" => SaveAction::Review,
        "publish" => SaveAction::Publish,
        "archive" => SaveAction::Archive,
        "schedule" => match parse_local_time(&form.publish_at, tz) {
            Some(at) => SaveAction::Schedule(at),
            None => {
                errors.add(
                    "publish_at",
                    "Enter the date and time of publication, for example 2026-12-01 09:00.",
                );
                SaveAction::Schedule(chrono::NaiveDateTime::MIN)
            }
        },
        _ => {
            return Err(AppError::bad_request(
                "Press one of the form's buttons (“Save draft”, “Publish”…) to send it.",
            ));
        }
    };
    let category_id = match form.category.trim() {
        "" => None,
        raw => match raw.parse::<i32>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("category", "Choose a category from the list.");
                None
            }
        },
    };
    Ok(Parsed {
        input: ArticleInput {
            title: form.title.clone(),
            slug: form.slug.clone(),
            summary: form.summary.clone(),
            body: form.body.clone(),
            category_id,
            tags: form.tags.clone(),
        },
        action,
        errors,
        copy: form.action == "copy",
    })
}

impl ArticleForm {
    /// The version of the article the form was loaded from, if it says one.
    pub(super) fn version(&self) -> Option<i32> {
        self.version.as_deref().and_then(|v| v.trim().parse().ok())
    }
}
