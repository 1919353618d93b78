//! Which addresses a report's body may hold: images from the media library only (decided on
//! the decoded path), embeds of the allowed video players, links without scheme tricks, and
//! `srcset`s of library renditions.

/// Where body images may come from: the site's own media library, never another host
/// (a visitor's address is nobody else's business, and a remote image can change after review).
const IMAGE_PREFIX: &str = "/media/";

/// Whether `src` is a file of the media library: decided on the path as a browser would
/// request it, percent-decoded (`/media/%2e%2e/admin` is `/media/../admin`), so it must be
/// `/media/` and then plain segments: none empty (`//host`), `.` or `..`, and no backslash
/// (which browsers read as `/`), control character or `%` left after decoding (a doubly
/// encoded path). A query (`?w=480`) may follow; a fragment may not.
pub(super) fn library_image(src: &str) -> bool {
    let (path, query) = match src.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (src, None),
    };
    let Ok(decoded) = percent_encoding::percent_decode_str(path).decode_utf8() else {
        return false;
    };
    let Some(rest) = decoded.strip_prefix(IMAGE_PREFIX) else {
        return false;
    };
    let plain_segments = rest
        .split('/')
        .all(|segment| !matches!(segment, "" | "." | ".."));
    let odd = |c: char| c.is_control() || c.is_whitespace() || matches!(c, '\\' | '%' | '#');
    plain_segments
        && !decoded.chars().any(odd)
        && query.is_none_or(|q| !q.chars().any(|c| odd(c) && c != '%'))
}

/// The video players whose embeds an editor may put in a report, with the form of their
/// embed URLs. Any other `<iframe>` is removed.
const VIDEO_EMBEDS: &[(&str, Player)] = &[
    ("https://www.youtube-nocookie.com/embed/", Player::YouTube),
    ("https://www.youtube.com/embed/", Player::YouTube),
    ("https://player.vimeo.com/video/", Player::Vimeo),
];

#[derive(Clone, Copy)]
enum Player {
    YouTube,
    Vimeo,
}

/// The hosts of [`VIDEO_EMBEDS`], for the `frame-src` of the Content-Security-Policy.
pub const VIDEO_FRAME_SOURCES: &str = "https://www.youtube-nocookie.com https://player.vimeo.com";

/// The embed URL of an allowed video (YouTube is rewritten to its no-cookie host), or `None`.
pub(super) fn video_embed(src: &str) -> Option<String> {
    VIDEO_EMBEDS.iter().find_map(|(prefix, player)| {
        let id = src.strip_prefix(prefix)?;
        let id = id.split(['?', '#']).next().unwrap_or_default();
        match player {
            Player::YouTube => ((6..=20).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
            .then(|| format!("https://www.youtube-nocookie.com/embed/{id}")),
            Player::Vimeo => ((1..=12).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("https://player.vimeo.com/video/{id}")),
        }
    })
}

/// A link without tricks: if anything before its path looks like a scheme, it is one of the
/// allowed ones (ammonia has checked those), so "\u{FFFD}javascript:…" and the like, which
/// browsers would read as relative paths, are dropped anyway.
pub(super) fn plain_link(href: &str) -> bool {
    let head = &href[..href.find(['/', '?', '#']).unwrap_or(href.len())];
    let lower = head.to_ascii_lowercase();
    let allowed = ["http:", "https:", "mailto:", "tel:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme));
    (allowed || !head.contains(':')) && !href.chars().any(|c| c.is_control() || c == '\u{FFFD}')
}

/// The `sizes` of images in a report's text: the text column (42rem) or the screen.
pub const BODY_IMAGE_SIZES: &str = "(min-width: 46rem) 42rem, 100vw";

/// A `srcset` of media-library renditions only: "/media/… 480w, /media/… 960w".
pub(super) fn valid_srcset(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 2000
        && value.split(',').all(|candidate| {
            let mut parts = candidate.split_whitespace();
            let (Some(url), Some(width), None) = (parts.next(), parts.next(), parts.next()) else {
                return false;
            };
            library_image(url)
                && url
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b))
                && width.strip_suffix('w').is_some_and(|n| {
                    !n.is_empty() && n.len() <= 5 && n.bytes().all(|b| b.is_ascii_digit())
                })
        })
}
