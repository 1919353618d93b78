//! The media library in the admin area, one file per page or step: the grid (`library`),
//! reading an upload (`receive`) and storing it (`upload`), a file's page and its deletion
//! (`file`), and an article's picker (`picker`).

mod file;
mod library;
mod picker;
mod receive;
mod upload;

pub use file::{show, update};
pub use library::library;
pub use picker::{article_media, save_article_media};
pub use upload::upload;

use crate::media::MediaError;
use crate::web::error::AppError;

fn media_error(e: MediaError) -> AppError {
    match e {
        MediaError::Refused(r) => AppError::NotAccepted(r.to_string()),
        MediaError::Database(db) => db.into(),
        MediaError::Storage(io) => AppError::Internal(format!("media storage: {io}")),
    }
}
