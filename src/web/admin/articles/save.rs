//! `POST /admin/articles` and `POST /admin/articles/{id}`: saving the form, as a draft, for
//! review, published, scheduled or archived; a copy of the typed text as a new draft after a
//! conflict. How a save ends is [`common::finish_save`]'s.

use actix_web::{HttpRequest, HttpResponse, web};

use super::conflict::conflict_view;
use super::fields::{self, ArticleForm};
use super::form::FormContext;
use super::{audit_action, editable, redirect_to_edit};
use crate::accounts::permissions::Action;
use crate::clock;
use crate::content::ContentError;
use crate::content::articles::{self, Article, SaveAction};
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::StaffForm;
use crate::web::error::AppError;
use crate::web::flash;

fn saved_message(state: &AppState, article: &Article, action: SaveAction) -> String {
    match action {
        SaveAction::Draft => "Saved as a draft. It is not visible on the site.".to_owned(),
        SaveAction::Review => "Submitted for review. An editor will publish it.".to_owned(),
        SaveAction::Publish => format!("Published at /news/{}.", article.slug),
        SaveAction::Schedule(at) => format!(
            "Scheduled: it will be published on {} ({}).",
            clock::short_date_time(at, state.settings.timezone),
            state.settings.timezone
        ),
        SaveAction::Archive => "Archived. It is no longer visible on the site.".to_owned(),
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    StaffForm { staff, form }: StaffForm<ArticleForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Action::CreateArticle)?;
    let mut parsed = fields::parse(&form, state.settings.timezone)?;
    if parsed.copy {
        // The copy gets its own address; its title says what it is until someone renames it.
        parsed.input.slug.clear();
        let title: String = parsed.input.title.trim().chars().take(240).collect();
        parsed.input.title = format!("{title} (copy)");
    }
    if parsed.action.publishes() {
        staff.require(Action::Publish)?;
    }
    let action = parsed.action;
    let result = if parsed.errors.is_empty() {
        let author_id = staff.user.id;
        let language = state.settings.language.clone();
        match common::check_article(parsed.input.clone(), action).await? {
            Ok(checked) => {
                state
                    .db(move |conn| Ok(articles::create(conn, author_id, &language, &checked)))
                    .await?
            }
            Err(e) => Err(e),
        }
    } else {
        Err(ContentError::Invalid(std::mem::take(&mut parsed.errors)))
    };
    common::finish_save(
        result,
        async |article: Article| {
            audit_action(&state, &req, &staff, &article, action, false).await;
            let message = if parsed.copy {
                format!(
                    "Your version was saved as a new draft, “{}”. The report you were editing \
                     keeps the other person's version.",
                    article.title
                )
            } else {
                saved_message(&state, &article, action)
            };
            flash::success(&staff.session, message);
            Ok(redirect_to_edit(article.id))
        },
        async |status, errors, _| {
            FormContext::new_article()
                .publish_at(&form.publish_at)
                .show(&state, &staff, status, &parsed.input, errors)
                .await
        },
    )
    .await
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<ArticleForm>,
) -> Result<HttpResponse, AppError> {
    let id = common::parse_id(&path)?;
    let mut parsed = fields::parse(&form, state.settings.timezone)?;
    let version = form.version().ok_or_else(|| {
        AppError::bad_request(
            "The form lacks the article's version number. Reload the page and try again.",
        )
    })?;
    let article = editable(&state, &staff, id).await?;
    if parsed.action.publishes() || (article.is_published() && parsed.action != SaveAction::Publish)
    {
        // Publishing, and taking a published article down, are editors' work.
        staff.require(Action::Publish)?;
    }
    let action = parsed.action;
    let result = if parsed.errors.is_empty() {
        let editor_id = staff.user.id;
        match common::check_article(parsed.input.clone(), action).await? {
            Ok(checked) => {
                state
                    .db(move |conn| Ok(articles::update(conn, id, version, &checked, editor_id)))
                    .await?
            }
            Err(e) => Err(e),
        }
    } else {
        Err(ContentError::Invalid(std::mem::take(&mut parsed.errors)))
    };
    common::finish_save(
        result,
        async |saved: Article| {
            audit_action(&state, &req, &staff, &saved, action, article.is_published()).await;
            flash::success(&staff.session, saved_message(&state, &saved, action));
            Ok(redirect_to_edit(saved.id))
        },
        async |status, errors, newer| {
            let mut ctx = FormContext::editing(&article, version).publish_at(&form.publish_at);
            if let Some(current) = newer {
                // Nothing was written. Keep what they typed, show what the other person
                // saved, and make the next save a deliberate overwrite of the newer version.
                ctx.version = current;
                ctx.conflict = Some(conflict_view(&state, id, &parsed.input).await?);
                ctx = ctx.problem(format!(
                    "Someone else saved this report while you were editing it, so your changes \
                     were not saved. Your text is kept below. Open the report in a new tab to \
                     see their version (version {current}); saving this form again will \
                     replace it with yours."
                ));
            }
            ctx.show(&state, &staff, status, &parsed.input, errors)
                .await
        },
    )
    .await
}
