//! Rendering: the layout every page shares, and the one helper that turns a template into a
//! response.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::accounts::User;

use super::AppState;
use super::error::AppError;
use super::flash::Flash;

/// The signed-in person, as the admin layout shows them.
#[derive(Debug, Clone)]
pub struct Badge {
    pub name: String,
    pub role: &'static str,
}

/// What the shared layout (`templates/base.html`, `templates/admin/base.html`) needs.
#[derive(Debug, Clone)]
pub struct Layout {
    pub site_name: String,
    /// First letter of the site name, for the logo mark.
    pub initial: String,
    pub lang: String,
    /// Text of the `<title>` element (the site name is appended by the template).
    pub title: String,
    pub description: String,
    pub canonical: Option<String>,
    pub css_url: String,
    pub js_url: String,
    pub user: Option<Badge>,
    pub csrf: String,
    pub flash: Option<Flash>,
}

impl Layout {
    pub fn public(state: &AppState, title: &str) -> Layout {
        Layout {
            site_name: state.settings.site_name.clone(),
            initial: state
                .settings
                .site_name
                .chars()
                .next()
                .map(|c| c.to_uppercase().collect())
                .unwrap_or_default(),
            lang: state.settings.language.clone(),
            title: title.to_owned(),
            description: String::new(),
            canonical: None,
            css_url: state.assets.url("css/site.css"),
            js_url: state.assets.url("js/site.js"),
            user: None,
            csrf: String::new(),
            flash: None,
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
            }),
            csrf,
            flash,
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
    if n == 1 {
        "1 view".to_owned()
    } else {
        format!("{grouped} views")
    }
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
