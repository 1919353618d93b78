//! Content: articles (event reports and news), categories and tags, slugs, sanitising, and
//! the demo reports of a first start. No HTTP types here.

pub mod articles;
pub mod categories;
pub mod demo;
pub mod listing;
pub mod pages;
pub mod pending;
pub mod presence;
pub mod previews;
pub mod revisions;
pub mod sanitize;
pub mod search;
pub mod seed;
pub mod shape;
pub mod slug;
pub mod staff_list;
pub mod tags;

use std::collections::BTreeMap;

/// Messages for form fields that did not pass validation, by field name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error("the form has errors")]
    Invalid(FieldErrors),
    /// Someone saved the article after this form was loaded.
    #[error("the article was changed by someone else (now at version {current})")]
    Conflict { current: i32 },
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}
