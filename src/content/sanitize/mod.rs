//! Article bodies: the only HTML that reaches a page unescaped. It is cleaned on write with an
//! allow-list, and [`SafeHtml`] can only be made by cleaning, so "this HTML is safe" is a type.

use std::collections::HashSet;
use std::sync::OnceLock;

use ammonia::{Builder, UrlRelative};

mod addresses;

pub use addresses::{BODY_IMAGE_SIZES, VIDEO_FRAME_SOURCES};
use addresses::{library_image, plain_link, valid_srcset, video_embed};

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

/// Gives every body image from the media library a `srcset` of its renditions, so a phone
/// downloads a small one. `renditions` maps an image's `src` to its srcset (or `None`); a
/// result that is not a valid srcset of `/media/` files is ignored. Images that already have
/// one keep it.
pub fn add_srcsets(
    html: &SafeHtml,
    mut renditions: impl FnMut(&str) -> Option<String>,
) -> SafeHtml {
    let mut out = String::with_capacity(html.0.len() + 256);
    let mut rest = html.0.as_str();
    while let Some(at) = rest.find("<img ") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = tag_end(rest);
        let tag = &rest[..end];
        // Split right after the src attribute: the srcset goes there, so that cleaning the
        // result again (which moves the attributes it sets to the end) changes nothing.
        let src = tag.split_once(" src=\"").and_then(|(before, after)| {
            let (src, tail) = after.split_once('"')?;
            Some((before.len() + " src=\"".len() + src.len() + 1, src, tail))
        });
        let srcset = match src {
            Some((_, src, _)) if !tag.contains(" srcset=\"") => {
                renditions(src).filter(|s| valid_srcset(s))
            }
            _ => None,
        };
        match (srcset, src) {
            (Some(srcset), Some((split, _, tail))) => {
                out.push_str(&tag[..split]);
                out.push_str(&format!(
                    " srcset=\"{srcset}\" sizes=\"{BODY_IMAGE_SIZES}\""
                ));
                out.push_str(tail);
            }
            _ => out.push_str(tag),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    SafeHtml(out)
}

/// A short run of digits (a width, a span, a list start), or `None`.
fn small_number(value: &str, max_len: usize) -> Option<std::borrow::Cow<'_, str>> {
    (!value.is_empty() && value.len() <= max_len && value.bytes().all(|b| b.is_ascii_digit()))
        .then_some(value.into())
}

fn builder() -> &'static Builder<'static> {
    static BUILDER: OnceLock<Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "p",
            "br",
            // The editor's only heading; it becomes `h2`, see [`clean`].
            "h1",
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
            "iframe",
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
                        ["src", "srcset", "sizes", "alt", "width", "height", "title"]
                            .into_iter()
                            .collect(),
                    ),
                    (
                        "iframe",
                        ["src", "title", "width", "height"].into_iter().collect(),
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
            .attribute_filter(|element, attribute, value| match (element, attribute) {
                ("img", "src") => library_image(value).then_some(value.into()),
                ("img", "srcset") => valid_srcset(value).then_some(value.into()),
                ("img", "sizes") => (value == BODY_IMAGE_SIZES).then_some(value.into()),
                ("iframe", "src") => video_embed(value).map(Into::into),
                ("a", "href") => plain_link(value).then_some(value.into()),
                (_, "width" | "height") => small_number(value, 5),
                (_, "colspan" | "rowspan" | "start") => small_number(value, 4),
                _ => Some(value.into()),
            })
            .strip_comments(true);
        b
    })
}

/// Cleans HTML from the editor. Plain text (no tags at all, as typed into a textarea) is
/// first turned into paragraphs: a blank line starts a new paragraph, a newline is a `<br>`.
///
/// After the allow-list, `h1` (the editor's only heading) becomes `h2`, since the report's
/// title is the page's `h1`; an image or a video frame whose address was refused is removed
/// whole rather than left as an empty box.
pub fn clean(input: &str) -> SafeHtml {
    let input = input.replace("\r\n", "\n");
    let html = if looks_like_html(&input) {
        input
    } else {
        paragraphs_from_text(&input)
    };
    let cleaned = builder().clean(&html).to_string();
    let cleaned = drop_sourceless(&cleaned)
        .replace("<h1>", "<h2>")
        .replace("</h1>", "</h2>");
    let cleaned = cleaned.trim();
    // Text left bare (every tag around it was removed) goes into a paragraph, so that cleaning
    // the result again reads it as HTML, not as typed text, and changes nothing.
    if cleaned.is_empty() || cleaned.contains('<') {
        SafeHtml(cleaned.to_owned())
    } else {
        SafeHtml(format!("<p>{cleaned}</p>"))
    }
}

/// What every image in a report gets: it loads when it comes near the screen.
const IMG_ATTRIBUTES: &str = " loading=\"lazy\" decoding=\"async\"";
/// What every video frame gets: a sandbox, full screen, lazy loading, a short referrer.
const IFRAME_ATTRIBUTES: &str = " sandbox=\"allow-scripts allow-same-origin allow-presentation allow-popups\" allowfullscreen=\"\" loading=\"lazy\" referrerpolicy=\"strict-origin-when-cross-origin\"";

/// Removes `<img>` and `<iframe>…</iframe>` elements without a `src` from serialised, cleaned
/// HTML, and gives the others the attributes we set. Attribute values may hold `>`, so a tag
/// ends at the first `>` outside quotes.
fn drop_sourceless(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let is_img = starts_tag(rest, "<img");
        let is_iframe = starts_tag(rest, "<iframe");
        let end = tag_end(rest);
        let tag = &rest[..end];
        if (is_img || is_iframe) && !tag.contains(" src=\"") {
            rest = &rest[end..];
            if is_iframe && let Some(close) = rest.find("</iframe>") {
                rest = &rest[close + "</iframe>".len()..];
            }
            continue;
        }
        // The attributes we set ourselves go last, always in the same order, so cleaning
        // twice gives the same text.
        let fixed = if is_img {
            IMG_ATTRIBUTES
        } else if is_iframe {
            IFRAME_ATTRIBUTES
        } else {
            ""
        };
        match tag.strip_suffix('>') {
            Some(open) if !fixed.is_empty() => {
                out.push_str(open.trim_end_matches('/').trim_end());
                out.push_str(fixed);
                out.push('>');
            }
            _ => out.push_str(tag),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn starts_tag(s: &str, open: &str) -> bool {
    s.starts_with(open)
        && !s
            .as_bytes()
            .get(open.len())
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

/// The length of the tag at the start of `s` (through its closing `>`), or all of `s`.
fn tag_end(s: &str) -> usize {
    let mut quote: Option<u8> = None;
    for (i, b) in s.bytes().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    s.len()
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
            <img src="/media/x.jpg" onerror="alert(3)"><iframe src="https://evil.example"></iframe>
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
        assert!(
            clean.contains(r#"<img src="/media/x.jpg" "#) && clean.contains(r#" loading="lazy""#),
            "{clean}"
        );
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

    #[test]
    fn editor_markup_is_kept_and_headings_step_down() {
        let trix = r#"<h1>Programme</h1><div>The <strong>opening</strong> and <del>old</del> <a href="https://example.edu">site</a><br>next line</div><figure class="attachment attachment--preview" data-trix-attachment="{&quot;url&quot;:&quot;/media/ab.jpg&quot;}" data-trix-content-type="image/jpeg"><img src="/media/ab.jpg" width="960" height="640"><figcaption class="attachment__caption">Hall</figcaption></figure><pre>code</pre><ul><li>one</li></ul>"#;
        let clean = clean(trix).into_string();
        assert!(
            clean.starts_with("<h2>Programme</h2><div>The <strong>opening</strong>"),
            "{clean}"
        );
        assert!(!clean.contains("h1"), "{clean}");
        assert!(
            clean.contains(r#"<figure><img src="/media/ab.jpg" width="960" height="640" "#),
            "{clean}"
        );
        assert!(!clean.contains("data-trix"), "{clean}");
        assert!(!clean.contains("class="), "{clean}");
    }

    #[test]
    fn images_come_only_from_the_media_library() {
        for src in [
            "https://tracker.example/pixel.gif",
            "//evil.example/x.png",
            "data:image/png;base64,AAAA",
            "/media/../admin",
            "/media/%2e%2e/x",
            "/media/%2E%2E/admin",
            "/media/a/%2E%2E/%2e%2e/b",
            "/media/%252e%252e/x",
            "/media/.%2e/x",
            "/media/./x.jpg",
            "/media/a\\..\\..\\admin",
            "/media/a%5c..%5cadmin",
            "/media//evil.example/x.png",
            "/media/%2f%2fevil.example/x.png",
            "/media/",
            "/media/x.jpg#..",
            "/media/x%00.jpg",
            "/MEDIA/x.jpg",
            "javascript:alert(1)",
            "",
        ] {
            let clean = clean(&format!(r#"<p>a<img src="{src}" alt="x">b</p>"#)).into_string();
            assert_eq!(clean, "<p>ab</p>", "{src}");
        }
        for src in ["/media/2026/12/photo.jpg", "/media/ab/x-960.jpg?w=480"] {
            let kept = clean(&format!(r#"<img src="{src}">"#)).into_string();
            assert!(kept.starts_with(&format!(r#"<img src="{src}" "#)), "{kept}");
        }
        let kept = clean(r#"<img alt="a>b" src="/media/1.png">"#).into_string();
        assert!(
            kept.starts_with(r#"<img alt="a&gt;b" src="/media/1.png" "#)
                && kept.contains(r#" decoding="async""#)
                && kept.contains(r#" loading="lazy""#),
            "{kept}"
        );
    }

    #[test]
    fn only_allowed_video_players_may_be_framed() {
        let youtube = clean(r#"<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ?autoplay=1" onload="x()" style="position:fixed" width="560" height="315"></iframe>"#).into_string();
        assert!(
            youtube.contains(r#"src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ""#),
            "{youtube}"
        );
        assert!(
            youtube.contains(
                r#"sandbox="allow-scripts allow-same-origin allow-presentation allow-popups""#
            ),
            "{youtube}"
        );
        assert!(
            !youtube.contains("onload") && !youtube.contains("style"),
            "{youtube}"
        );
        let vimeo = clean(r#"<iframe src="https://player.vimeo.com/video/76979871"></iframe>"#)
            .into_string();
        assert!(
            vimeo.contains(r#"src="https://player.vimeo.com/video/76979871""#),
            "{vimeo}"
        );
        for src in [
            "https://evil.example/embed/dQw4w9WgXcQ",
            "https://www.youtube.com/embed/../../evil",
            "https://www.youtube.com.evil.example/embed/dQw4w9WgXcQ",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "https://player.vimeo.com/video/abc",
        ] {
            let clean = clean(&format!(
                r#"<p>a</p><iframe src="{src}">inner</iframe><p>b</p>"#
            ))
            .into_string();
            assert_eq!(clean, "<p>a</p><p>b</p>", "{src}");
        }
    }

    #[test]
    fn library_images_get_a_srcset_that_survives_cleaning() {
        let html = clean(
            r#"<figure><img src="/media/ab/x-960.jpg" alt="Hall"></figure><img src="/media/unknown.jpg">"#,
        );
        let lookup = |src: &str| {
            (src == "/media/ab/x-960.jpg")
                .then(|| "/media/ab/x-480.jpg 480w, /media/ab/x-960.jpg 960w".to_owned())
        };
        let with = add_srcsets(&html, lookup);
        let expected = r#"<img src="/media/ab/x-960.jpg" srcset="/media/ab/x-480.jpg 480w, /media/ab/x-960.jpg 960w" sizes="(min-width: 46rem) 42rem, 100vw" alt="Hall""#;
        assert!(with.as_str().contains(expected), "{}", with.as_str());
        assert_eq!(with.as_str().matches("srcset").count(), 1);
        // Saving again keeps it, and adds nothing twice.
        let again = add_srcsets(&clean(with.as_str()), lookup);
        assert_eq!(again, with);
        // A srcset that is not made of library files is ignored or removed.
        let bad = add_srcsets(&html, |_| {
            Some("https://evil.example/x.jpg 480w".to_owned())
        });
        assert!(!bad.as_str().contains("srcset"));
        for srcset in [
            "javascript:alert(1) 1w",
            "/media/a.jpg 1x",
            "/media/../x 10w",
            "/media/a.jpg 480w, https://t.example/p.gif 960w",
        ] {
            let cleaned = clean(&format!(
                r#"<img src="/media/a.jpg" srcset="{srcset}" sizes="100vw">"#
            ));
            assert!(!cleaned.as_str().contains("srcset"), "{srcset}");
            assert!(!cleaned.as_str().contains("sizes"), "{srcset}");
        }
    }
}
