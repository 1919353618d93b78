//! Roles and what each may do: the one place where permission rules live. Every admin
//! handler asks here; hiding a button in a template is never the check.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Admin,
    Editor,
    Author,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Editor, Role::Author];

    pub fn parse(s: &str) -> Option<Role> {
        match s.to_ascii_lowercase().as_str() {
            "admin" => Some(Role::Admin),
            "editor" => Some(Role::Editor),
            "author" => Some(Role::Author),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Author => "author",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Editor => "Editor",
            Role::Author => "Author",
        }
    }
}

/// Something a signed-in person may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open the admin area and see the list of articles.
    ViewAdmin,
    CreateArticle,
    /// Edit (and delete) an article written by this person while it is a draft or in review,
    /// and submit it for review.
    EditOwnUnpublished,
    /// Edit or delete any article, including published ones and other people's.
    EditAny,
    /// Publish, schedule, unpublish and archive.
    Publish,
    /// Create, edit and delete static pages.
    ManagePages,
    /// Create, edit and delete categories; rename and delete tags.
    ManageTaxonomy,
    /// Change the site's name, footer and contact details.
    ManageSettings,
    /// Read the audit log.
    ViewAudit,
    /// Create accounts, change names and roles, disable and enable them.
    ManageUsers,
    /// See the media library, upload files, and change or delete one's own uploads.
    UploadMedia,
    /// Change or delete anyone's files in the media library.
    ManageAnyMedia,
}

pub fn allows(role: Role, action: Action) -> bool {
    match action {
        Action::ViewAdmin
        | Action::CreateArticle
        | Action::EditOwnUnpublished
        | Action::UploadMedia => true,
        Action::EditAny
        | Action::Publish
        | Action::ManagePages
        | Action::ManageTaxonomy
        | Action::ManageAnyMedia => {
            matches!(role, Role::Admin | Role::Editor)
        }
        Action::ManageSettings | Action::ViewAudit | Action::ManageUsers => role == Role::Admin,
    }
}

/// Whether `role` (user `user_id`) may edit or delete an article by `author_id`;
/// `in_progress` is true while the article is a draft or in review.
pub fn may_edit_article(role: Role, user_id: i32, author_id: i32, in_progress: bool) -> bool {
    allows(role, Action::EditAny)
        || (allows(role, Action::EditOwnUnpublished) && user_id == author_id && in_progress)
}

/// Whether `role` (user `user_id`) may change or delete a file uploaded by `uploader_id`.
pub fn may_manage_media(role: Role, user_id: i32, uploader_id: i32) -> bool {
    allows(role, Action::ManageAnyMedia)
        || (allows(role, Action::UploadMedia) && user_id == uploader_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_editors_and_admins_publish() {
        assert!(allows(Role::Admin, Action::Publish));
        assert!(allows(Role::Editor, Action::Publish));
        assert!(!allows(Role::Author, Action::Publish));
        assert!(may_edit_article(Role::Author, 3, 3, true));
        assert!(!may_edit_article(Role::Author, 3, 3, false));
        assert!(!may_edit_article(Role::Author, 3, 4, true));
        assert!(may_edit_article(Role::Editor, 3, 4, false));
        assert!(may_manage_media(Role::Author, 3, 3));
        assert!(!may_manage_media(Role::Author, 3, 4));
        assert!(may_manage_media(Role::Editor, 3, 4));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }
}
