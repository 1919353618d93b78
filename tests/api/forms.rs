//! Form builders: what a test sends to an admin form, with sensible defaults, so a test names
//! only the fields it is about. Each builder dereferences to the `&[(&str, &str)]` that
//! [`Client::post_form`](crate::common::Client::post_form) and
//! [`Client::save_article`](crate::common::Client::save_article) take:
//!
//! ```ignore
//! client.save_article("/admin/articles", &ArticleForm::new().title("Open day").action("publish"))
//! ```
//!
//! A field the handler reads with `#[serde(default)]` may be sent empty or not at all: the
//! server cannot tell, so defaults of `""` only make the form look like a browser's.

use std::ops::Deref;

use chronicle::accounts::Role;

use crate::common::PASSWORD;

/// Defines a builder: its defaults, in the order they are sent, and its named setters.
macro_rules! form {
    (
        $(#[$doc:meta])*
        $name:ident { $($default:literal => $value:expr),* $(,)? }
        $(, $setter:ident => $key:literal)* $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name<'a>(Vec<(&'a str, &'a str)>);

        // Every builder gets every helper; not every form's tests need each one.
        #[allow(dead_code)]
        impl<'a> $name<'a> {
            pub fn new() -> Self {
                Self(vec![$(($default, $value)),*])
            }

            $(
                #[doc = concat!("Sets `", $key, "`.")]
                pub fn $setter(self, value: &'a str) -> Self {
                    self.field($key, value)
                }
            )*

            /// The form's CSRF token (`csrf_token`).
            pub fn csrf(self, token: &'a str) -> Self {
                self.field("csrf_token", token)
            }

            /// Sets any field: replaces it if the form has it, else adds it.
            pub fn field(mut self, key: &'a str, value: &'a str) -> Self {
                match self.0.iter_mut().find(|(k, _)| *k == key) {
                    Some(pair) => pair.1 = value,
                    None => self.0.push((key, value)),
                }
                self
            }

            /// Leaves a field out altogether (as a hand-written request may).
            pub fn without(mut self, key: &str) -> Self {
                self.0.retain(|(k, _)| *k != key);
                self
            }
        }

        impl Default for $name<'_> {
            fn default() -> Self {
                Self::new()
            }
        }

        impl<'a> Deref for $name<'a> {
            type Target = [(&'a str, &'a str)];

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }
    };
}

form! {
    /// The article form (`POST /admin/articles`, `POST /admin/articles/{id}`): a draft titled
    /// "A report" with the body "x" unless told otherwise. Add `.version(…)` to update.
    ArticleForm {
        "title" => "A report",
        "summary" => "",
        "body" => "x",
        "category" => "",
        "action" => "draft",
    },
    title => "title",
    slug => "slug",
    summary => "summary",
    body => "body",
    category => "category",
    tags => "tags",
    publish_at => "publish_at",
    version => "version",
    action => "action",
}

form! {
    /// The page form (`POST /admin/pages`, `POST /admin/pages/{id}`): an unpublished page,
    /// not in the menu, at position 0.
    PageForm {
        "title" => "A page",
        "slug" => "",
        "body" => "x",
        "position" => "0",
    },
    title => "title",
    slug => "slug",
    body => "body",
    position => "position",
    version => "version",
}

impl<'a> PageForm<'a> {
    /// Ticks "Published".
    pub fn published(self) -> Self {
        self.field("published", "1")
    }

    /// Ticks "Show in the menu".
    pub fn in_menu(self) -> Self {
        self.field("in_menu", "1")
    }
}

form! {
    /// The account form (`POST /admin/users`, `POST /admin/users/{id}`): an author called
    /// "New Person"; creating one also wants `.email(…)` and `.password(…)`.
    UserForm {
        "email" => "",
        "name" => "New Person",
        "role" => "author",
        "password" => "",
    },
    email => "email",
    name => "name",
    password => "password",
}

impl<'a> UserForm<'a> {
    /// The account's role.
    pub fn role(self, role: Role) -> Self {
        self.field("role", role.as_str())
    }

    /// Ticks "Disabled".
    pub fn disabled(self) -> Self {
        self.field("disabled", "1")
    }
}

form! {
    /// The sign-in form (`POST /admin/login`) with the test users' [`PASSWORD`].
    SignInForm {
        "email" => "",
        "password" => PASSWORD,
    },
    email => "email",
    password => "password",
    next => "next",
}

form! {
    /// A media file's details (`POST /admin/media/{id}`): only the fields set are sent.
    MediaForm {},
    alt => "alt",
    caption => "caption",
    credit => "credit",
}
