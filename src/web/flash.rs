//! One-shot messages shown after a redirect ("Published."), kept in the session.

use actix_session::Session;
use serde::{Deserialize, Serialize};

const KEY: &str = "flash";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// `success` or `error`: used as a CSS class.
    pub kind: String,
    pub message: String,
}

pub fn success(session: &Session, message: impl Into<String>) {
    let flash = Flash {
        kind: "success".to_owned(),
        message: message.into(),
    };
    if let Err(e) = session.insert(KEY, flash) {
        log::warn!("cannot store a flash message: {e}");
    }
}

/// A message that something did not happen (shown as an error).
pub fn error(session: &Session, message: impl Into<String>) {
    let flash = Flash {
        kind: "error".to_owned(),
        message: message.into(),
    };
    if let Err(e) = session.insert(KEY, flash) {
        log::warn!("cannot store a flash message: {e}");
    }
}

/// The pending message, removed so it shows once.
pub fn take(session: &Session) -> Option<Flash> {
    session.remove_as::<Flash>(KEY).and_then(Result::ok)
}
