//! Deleting a report: what [`common::confirm_delete`](crate::web::admin::common::confirm_delete) and
//! [`common::delete`](crate::web::admin::common::delete) need to know.

use super::editable;
use crate::content::articles::{self, Article};
use crate::web::AppState;
use crate::web::admin::common::Deletable;
use crate::web::auth::Staff;
use crate::web::error::AppError;

impl Deletable for Article {
    const TITLE: &'static str = "Delete report";
    const AUDIT: &'static str = "deleted article";
    const BACK_TO: &'static str = "/admin";

    async fn load(state: &AppState, staff: &Staff, id: i32) -> Result<Self, AppError> {
        editable(state, staff, id).await
    }

    fn what(&self) -> String {
        format!("the report “{}” with all its tags", self.title)
    }

    fn back_url(id: i32) -> String {
        format!("/admin/articles/{id}/edit")
    }

    async fn delete(&self, state: &AppState, id: i32) -> Result<usize, AppError> {
        state.db(move |conn| Ok(articles::delete(conn, id)?)).await
    }

    fn subject(&self, _id: i32) -> String {
        format!("{} (/news/{})", self.title, self.slug)
    }

    fn was_public(&self) -> bool {
        self.is_published()
    }

    fn gone(&self) -> String {
        format!("“{}” was deleted.", self.title)
    }
}
