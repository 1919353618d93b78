//! Rendering: the layout every page shares, and the one helper that turns a template into a
//! response.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::accounts::User;
use crate::accounts::permissions::{self, Action};

use super::AppState;
use super::error::AppError;
use super::flash::Flash;

/// The signed-in person, as the admin layout shows them.
/// A labelled link: a menu entry, a category, a tag, a neighbouring report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Clone)]
pub struct Badge {
    pub name: String,
    pub role: &'static str,
    /// Which parts of the admin menu to show (the server checks again on every request).
    pub manages_pages: bool,
    pub manages_settings: bool,
}

/// A feed offered in the page's `<head>`.
#[derive(Debug, Clone)]
pub struct FeedLink {
    pub title: String,
    pub url: String,
    /// `application/rss+xml` or `application/atom+xml`.
    pub mime: &'static str,
}

/// An image for link previews.
#[derive(Debug, Clone)]
pub struct PreviewImage {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
}

/// What link unfurlers (OpenGraph, Twitter cards) and search engines (JSON-LD) read.
#[derive(Debug, Clone)]
pub struct SocialMeta {
    /// `website` or `article`.
    pub og_type: &'static str,
    pub title: String,
    pub description: String,
    /// Absolute.
    pub url: String,
    pub image: PreviewImage,
    /// Whether `image` is the article's own (a large card) or the site's default.
    pub own_image: bool,
    pub published_time: Option<String>,
    pub modified_time: Option<String>,
    pub section: Option<String>,
    pub tags: Vec<String>,
    /// `NewsArticle` JSON-LD, already escaped for a `<script>` element.
    pub json_ld: Option<String>,
}

/// What the shared layout (`templates/base.html`) needs.
#[derive(Debug, Clone)]
pub struct Layout {
    pub site_name: String,
    pub tagline: String,
    pub logo_text: String,
    pub footer_text: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub contact_address: String,
    pub menu: Vec<Link>,
    pub categories: Vec<Link>,
    pub lang: String,
    /// `og:locale`, e.g. `en_US`.
    pub locale: String,
    /// Text of the `<title>` element (the site name is appended by the template).
    pub title: String,
    pub description: String,
    pub canonical: Option<String>,
    pub feeds: Vec<FeedLink>,
    pub social: Option<SocialMeta>,
    /// Whether search engines should leave this page out (`noindex`).
    pub noindex: bool,
    pub css_url: String,
    pub js_url: String,
    pub user: Option<Badge>,
    pub csrf: String,
    pub flash: Option<Flash>,
    /// What the search box shows.
    pub query: String,
}

/// The `og:locale` for a language code.
pub fn locale_of(language: &str) -> String {
    match language {
        "en" => "en_US".to_owned(),
        "az" => "az_AZ".to_owned(),
        "ru" => "ru_RU".to_owned(),
        "tr" => "tr_TR".to_owned(),
        "de" => "de_DE".to_owned(),
        "fr" => "fr_FR".to_owned(),
        other if other.contains('_') => other.to_owned(),
        other => format!("{other}_{}", other.to_uppercase()),
    }
}

impl Layout {
    pub fn public(state: &AppState, title: &str) -> Layout {
        let site = state.site();
        let s = &site.settings;
        Layout {
            site_name: s.name.clone(),
            tagline: s.tagline.clone(),
            logo_text: s.logo_text.clone(),
            footer_text: s.footer_text.clone(),
            contact_email: s.contact_email.clone(),
            contact_phone: s.contact_phone.clone(),
            contact_address: s.contact_address.clone(),
            menu: site.menu.clone(),
            categories: site.categories.clone(),
            lang: state.settings.language.clone(),
            locale: locale_of(&state.settings.language),
            title: title.to_owned(),
            description: String::new(),
            canonical: None,
            feeds: vec![
                FeedLink {
                    title: format!("{} (RSS)", s.name),
                    url: state.settings.absolute("/feed.xml"),
                    mime: "application/rss+xml",
                },
                FeedLink {
                    title: format!("{} (Atom)", s.name),
                    url: state.settings.absolute("/atom.xml"),
                    mime: "application/atom+xml",
                },
            ],
            social: None,
            noindex: false,
            css_url: state.assets.url("css/site.css"),
            js_url: state.assets.url("js/site.js"),
            user: None,
            csrf: String::new(),
            flash: None,
            query: String::new(),
        }
    }

    pub fn staff(
        state: &AppState,
        title: &str,
        user: &User,
        csrf: String,
        flash: Option<Flash>,
    ) -> Layout {
        Layout {
            user: Some(Badge {
                name: user.display_name.clone(),
                role: user.role().label(),
                manages_pages: permissions::allows(user.role(), Action::ManagePages),
                manages_settings: permissions::allows(user.role(), Action::ManageSettings),
            }),
            csrf,
            flash,
            noindex: true,
            ..Layout::public(state, title)
        }
    }

    pub fn with_description(mut self, description: &str) -> Self {
        self.description = description.to_owned();
        self
    }

    pub fn with_canonical(mut self, url: String) -> Self {
        self.canonical = Some(url);
        self
    }

    /// The default link preview of a page that is not an article.
    pub fn with_site_preview(mut self, state: &AppState) -> Self {
        let url = self
            .canonical
            .clone()
            .unwrap_or_else(|| state.settings.absolute("/"));
        self.social = Some(SocialMeta {
            og_type: "website",
            title: self.title.clone(),
            description: self.description.clone(),
            url,
            image: default_preview_image(state, &self.site_name),
            own_image: false,
            published_time: None,
            modified_time: None,
            section: None,
            tags: Vec::new(),
            json_ld: None,
        });
        self
    }
}

/// The site's own preview image (1200×630), used where a page has none.
pub fn default_preview_image(state: &AppState, site_name: &str) -> PreviewImage {
    PreviewImage {
        url: state
            .settings
            .absolute(&state.assets.url("img/preview.png")),
        width: 1200,
        height: 630,
        alt: site_name.to_owned(),
    }
}

/// JSON for a `<script type="application/ld+json">` element: `<`, `>` and `&` are escaped so
/// no text in it can end the element.
pub fn json_for_script(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

pub fn render(template: &impl Template) -> Result<HttpResponse, AppError> {
    render_status(StatusCode::OK, template)
}

pub fn render_status(
    status: StatusCode,
    template: &impl Template,
) -> Result<HttpResponse, AppError> {
    let html = template.render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// "1 view", "948 views", "12,345 views".
pub fn views_label(n: i64) -> String {
    if n == 1 {
        "1 view".to_owned()
    } else {
        format!("{} views", grouped(n))
    }
}

/// "948", "12,345".
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if n < 0 {
        grouped.insert(0, '-');
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::views_label;

    #[test]
    fn view_counts_read_naturally() {
        assert_eq!(views_label(0), "0 views");
        assert_eq!(views_label(1), "1 view");
        assert_eq!(views_label(948), "948 views");
        assert_eq!(views_label(1307), "1,307 views");
        assert_eq!(views_label(1_234_567), "1,234,567 views");
    }
}
