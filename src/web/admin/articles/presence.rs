//! Who else has a report open: the notes on the edit page, and `POST
//! /admin/articles/{id}/presence`, the page's heartbeat.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::editable;
use crate::clock;
use crate::content::presence;
use crate::web::AppState;
use crate::web::admin::common;
use crate::web::auth::StaffForm;
use crate::web::error::AppError;

/// Notes that this person has the article open now; what the edit page says about others.
pub(super) async fn presence_notes(
    state: &AppState,
    id: i32,
    user_id: i32,
) -> Result<Vec<String>, AppError> {
    let now = clock::now();
    let seen = state
        .db(move |conn| {
            presence::touch(conn, id, user_id, now)?;
            Ok(presence::others(conn, id, user_id, now)?)
        })
        .await?;
    Ok(seen
        .into_iter()
        .map(|(name, seen)| match (now - seen).num_minutes() {
            0 => format!("{name} has this report open and may be editing it."),
            1 => format!("{name} opened this report a minute ago and may be editing it."),
            m => format!("{name} opened this report {m} minutes ago and may be editing it."),
        })
        .collect())
}

#[derive(Deserialize)]
pub struct PresenceForm {
    /// Sent when the page is closed: the note about this person goes at once.
    #[serde(default)]
    leave: String,
}

/// `POST /admin/articles/{id}/presence`: the edit page's heartbeat (every half minute while
/// it is open, with JavaScript) and its goodbye. Answers with the notes about others, as JSON.
pub async fn heartbeat(
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, form }: StaffForm<PresenceForm>,
) -> Result<HttpResponse, AppError> {
    let id = common::parse_id(&path)?;
    editable(&state, &staff, id).await?;
    let user_id = staff.user.id;
    let others = if form.leave.is_empty() {
        presence_notes(&state, id, user_id).await?
    } else {
        state
            .db(move |conn| Ok(presence::leave(conn, id, user_id)?))
            .await?;
        Vec::new()
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "others": others })))
}
