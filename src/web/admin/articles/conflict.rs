//! What someone else saved over the version this person loaded, shown beside what they typed.

use super::form::ConflictView;
use crate::clock;
use crate::content::articles::{self, ArticleInput};
use crate::web::AppState;
use crate::web::error::AppError;

/// What someone else saved over the version this person loaded.
pub(super) async fn conflict_view(
    state: &AppState,
    id: i32,
    typed: &ArticleInput,
) -> Result<ConflictView, AppError> {
    let (article, latest) = state
        .db(move |conn| {
            Ok((
                articles::find(conn, id)?.ok_or(AppError::NotFound)?,
                crate::content::revisions::latest(conn, id)?,
            ))
        })
        .await?;
    let (who, when, tags) = match &latest {
        Some((rev, who)) => (
            who.clone().unwrap_or_else(|| "someone".to_owned()),
            clock::short_date_time(rev.created_at, state.settings.timezone),
            rev.tags.clone(),
        ),
        None => (
            "someone".to_owned(),
            clock::short_date_time(article.updated_at, state.settings.timezone),
            String::new(),
        ),
    };
    // Cleaning what was typed and comparing take time: on a blocking thread, within the
    // diff's budget.
    let (theirs, typed) = (article.clone(), typed.clone());
    let diff = actix_web::web::block(move || {
        let typed_body = crate::content::sanitize::clean(&typed.body);
        crate::content::revisions::diff_texts(
            &crate::content::revisions::Texts {
                title: &theirs.title,
                summary: &theirs.summary,
                tags: &tags,
                body_html: &theirs.body_html,
            },
            &crate::content::revisions::Texts {
                title: typed.title.trim(),
                summary: typed.summary.trim(),
                tags: &crate::content::tags::parse_names(&typed.tags).join(", "),
                body_html: typed_body.as_str(),
            },
        )
    })
    .await?;
    Ok(ConflictView {
        who,
        when,
        version: article.version,
        body: article.body(),
        title: article.title.clone(),
        summary: article.summary.clone(),
        diff,
    })
}
