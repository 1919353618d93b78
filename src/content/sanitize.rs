//! Article bodies: the only HTML that reaches a page unescaped. It is cleaned on write with an
//! allow-list, and [`SafeHtml`] can only be made by cleaning, so "this HTML is safe" is a type.

use std::collections::HashSet;
use std::sync::OnceLock;

use ammonia::{Builder, UrlRelative};

/// HTML that has been through [`clean`] (or was read back from a column only ever written
/// with cleaned HTML).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SafeHtml(String);

impl SafeHtml {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// Wraps HTML read from the `articles.body_html` column, which is written only through
    /// [`clean`].
    pub fn from_stored(html: String) -> Self {
        SafeHtml(html)
    }
}

impl std::fmt::Display for SafeHtml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn builder() -> &'static Builder<'static> {
    static BUILDER: OnceLock<Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "p",
            "br",
            "h2",
            "h3",
            "h4",
            "strong",
            "b",
            "em",
            "i",
            "u",
            "s",
            "del",
            "sub",
            "sup",
            "a",
            "ul",
            "ol",
            "li",
            "blockquote",
            "pre",
            "code",
            "hr",
            "figure",
            "figcaption",
            "img",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "caption",
            "div",
        ]
        .into_iter()
        .collect();
        let mut b = Builder::default();
        b.tags(tags)
            .tag_attributes(
                [
                    ("a", ["href", "title"].into_iter().collect()),
                    (
                        "img",
                        ["src", "alt", "width", "height", "title"]
                            .into_iter()
                            .collect(),
                    ),
                    ("th", ["colspan", "rowspan", "scope"].into_iter().collect()),
                    ("td", ["colspan", "rowspan"].into_iter().collect()),
                    ("ol", ["start"].into_iter().collect()),
                ]
                .into_iter()
                .collect(),
            )
            .generic_attributes(HashSet::new())
            .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
            .url_relative(UrlRelative::PassThrough)
            .link_rel(Some("noopener noreferrer"))
            .strip_comments(true);
        b
    })
}

/// Cleans HTML from the editor. Plain text (no tags at all, as typed into a textarea) is
/// first turned into paragraphs: a blank line starts a new paragraph, a newline is a `<br>`.
pub fn clean(input: &str) -> SafeHtml {
    let input = input.replace("\r\n", "\n");
    let html = if looks_like_html(&input) {
        input
    } else {
        paragraphs_from_text(&input)
    };
    SafeHtml(builder().clean(&html).to_string().trim().to_owned())
}

fn looks_like_html(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn paragraphs_from_text(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<String> = p.lines().map(|l| escape(l.trim())).collect();
            format!("<p>{}</p>", lines.join("<br>"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of cleaned HTML, without tags: for excerpts, word counts and search.
pub fn text_of(html: &SafeHtml) -> String {
    let mut out = String::with_capacity(html.0.len());
    let mut in_tag = false;
    for c in html.0.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_html_is_removed() {
        let dirty = r#"<p onclick="steal()">Hi <script>alert(1)</script><a href="javascript:alert(2)">x</a>
            <img src="x.jpg" onerror="alert(3)"><iframe src="https://evil.example"></iframe>
            <style>body{display:none}</style><div style="position:fixed">y</div></p>"#;
        let clean = clean(dirty).into_string();
        for bad in [
            "script",
            "onclick",
            "javascript:",
            "onerror",
            "iframe",
            "style",
            "alert(1)",
        ] {
            assert!(!clean.contains(bad), "{bad} survived: {clean}");
        }
        assert!(clean.contains("<img src=\"x.jpg\">"), "{clean}");
    }

    #[test]
    fn allowed_markup_survives() {
        let html = r#"<h2>Programme</h2><p><strong>Bold</strong> and <em>italic</em> with <a href="https://example.edu/x">a link</a></p><ul><li>one</li></ul><blockquote>q</blockquote>"#;
        let clean = clean(html).into_string();
        assert!(clean.contains("<h2>Programme</h2>"));
        assert!(clean.contains("<strong>Bold</strong>"));
        assert!(
            clean.contains(
                r#"<a href="https://example.edu/x" rel="noopener noreferrer">a link</a>"#
            ),
            "{clean}"
        );
        assert!(clean.contains("<ul><li>one</li></ul>"));
    }

    #[test]
    fn plain_text_becomes_paragraphs() {
        let clean =
            clean("First line\nsecond line\n\nNew paragraph with 5 < 6 & more").into_string();
        assert_eq!(
            clean,
            "<p>First line<br>second line</p>\n<p>New paragraph with 5 &lt; 6 &amp; more</p>"
        );
        assert_eq!(
            text_of(&super::clean("<p>a &amp; b</p><p>c</p>")),
            "a & b c"
        );
    }
}
