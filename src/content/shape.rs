//! How deep and how large HTML is, measured by one linear pass over the text before it is
//! parsed. Parsing and cleaning are far from linear on some inputs (thousands of unclosed
//! formatting elements send the HTML parser's adoption agency into quadratic work: a body of
//! that kind once took minutes to clean), so a body past these limits is refused with a
//! message before the parser sees it.

/// Elements open inside each other, at most (real reports stay under 20).
pub const MAX_DEPTH: usize = 100;
/// Elements in one body, at most (a long report with a hundred photos has a few thousand).
pub const MAX_ELEMENTS: usize = 50_000;

/// What is wrong with the shape of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooDeep,
    TooMany,
}

impl Refusal {
    /// The message for the text field.
    pub fn message(self) -> String {
        match self {
            Refusal::TooDeep => format!(
                "The text is nested too deeply (more than {MAX_DEPTH} elements inside each \
                 other), so it was not saved. Paste it as plain text or simplify its formatting."
            ),
            Refusal::TooMany => format!(
                "The text has too many elements (more than {MAX_ELEMENTS}), so it was not \
                 saved. Split it into several reports or simplify its formatting."
            ),
        }
    }
}

/// Elements without content, which never open a level.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];
/// Elements whose end tag may be left out (a new one closes the last): counting them as
/// levels would refuse ordinary pasted HTML, and the parser closes them cheaply.
const OPTIONAL_END: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup",
    "colgroup", "caption", "rb", "rt", "rp",
];

/// Checks `html` against [`MAX_DEPTH`] and [`MAX_ELEMENTS`] in one pass. An end tag closes a
/// level whatever its name (a misnested end tag makes the count lower, never higher than the
/// parser's, except for unclosed elements, which are the costly ones).
pub fn check(html: &str) -> Result<(), Refusal> {
    let bytes = html.as_bytes();
    let (mut depth, mut elements) = (0usize, 0usize);
    let mut at = 0;
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        let start = at + offset + 1;
        let rest = &bytes[start..];
        if rest.starts_with(b"!--") {
            at = match find(&rest[3..], b"-->") {
                Some(end) => start + 3 + end + 3,
                None => break,
            };
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = start + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            at = start;
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let tag_end = memchr(b'>', &bytes[name_start..]).map_or(bytes.len(), |e| name_start + e);
        let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
        at = (tag_end + 1).min(bytes.len());
        if VOID.contains(&name.as_str()) || OPTIONAL_END.contains(&name.as_str()) {
            if !closing {
                elements += 1;
            }
        } else if closing {
            depth = depth.saturating_sub(1);
        } else {
            elements += 1;
            if !self_closing {
                depth += 1;
            }
        }
        if depth > MAX_DEPTH {
            return Err(Refusal::TooDeep);
        }
        if elements > MAX_ELEMENTS {
            return Err(Refusal::TooMany);
        }
    }
    Ok(())
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_reports_pass_and_costly_shapes_do_not() {
        let report = "<h2>Programme</h2><p>Text <b>bold</b> and <a href=\"/x\">a link</a>.</p>\
                      <ul><li>one<li>two</ul><p>unclosed<p>paragraphs<br><img src=\"/media/a.jpg\">";
        assert_eq!(check(report), Ok(()));
        assert_eq!(check("<!-- <b><b><b> -->plain"), Ok(()));
        assert_eq!(check("5 < 6 and 7<8"), Ok(()));
        let nested_ok = "<div>".repeat(MAX_DEPTH) + &"</div>".repeat(MAX_DEPTH);
        assert_eq!(check(&nested_ok), Ok(()));
        assert_eq!(check(&"<b>".repeat(MAX_DEPTH + 1)), Err(Refusal::TooDeep));
        assert_eq!(check(&"<i><b></b>".repeat(200)), Err(Refusal::TooDeep));
        // Closed elements do not nest, but there can be too many of them.
        assert_eq!(check(&"<b>x</b>".repeat(MAX_ELEMENTS)), Ok(()));
        assert_eq!(
            check(&"<br>".repeat(MAX_ELEMENTS + 1)),
            Err(Refusal::TooMany)
        );
        assert_eq!(
            check(&"<p>".repeat(MAX_ELEMENTS + 1)),
            Err(Refusal::TooMany)
        );
    }
}
