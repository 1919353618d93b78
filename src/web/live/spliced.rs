//! A public page rendered once and kept, with marks where the figures that change with every
//! request go (view counts). Each request splices its figures into the kept parts, plain or
//! gzip-compressed ([`super::gzip`]): no template, no database and no compression of the
//! whole page per request.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::gzip;
use crate::web::error::AppError;

/// What a page is rendered with where a changing figure goes: control characters around a
/// random word of this process, so nothing an author writes can look like it.
pub fn mark() -> &'static str {
    static MARK: OnceLock<String> = OnceLock::new();
    MARK.get_or_init(|| format!("\u{1}{}\u{1}", crate::ids::random_hex::<8>()))
}

pub struct Spliced {
    /// The page's HTML between the marks: one more part than there are figures.
    parts: Vec<String>,
    /// The same, compressed once (`None` if compressing failed: plain bodies then).
    gzip: Option<gzip::Parts>,
    /// A hash of the parts: with the figures, the page's `ETag`.
    version: String,
}

impl Spliced {
    /// Splits `html` at its marks; there must be `figures` of them.
    pub fn new(html: &str, figures: usize) -> Result<Spliced, AppError> {
        let parts: Vec<String> = html.split(mark()).map(str::to_owned).collect();
        if parts.len() != figures + 1 {
            return Err(AppError::Internal(format!(
                "a page to keep has {} figure marks, not {figures}",
                parts.len() - 1
            )));
        }
        let mut hash = Sha256::new();
        for part in &parts {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
        Ok(Spliced {
            gzip: gzip::Parts::new(&refs)
                .map_err(|e| log::warn!("page not precompressed: {e}"))
                .ok(),
            version: crate::ids::hex(&hash.finalize()[..8]),
            parts,
        })
    }

    /// The `ETag` of the page with `figures` in it.
    pub fn etag(&self, figures: &[String]) -> String {
        let mut crc = crc32fast::Hasher::new();
        for figure in figures {
            crc.update(figure.as_bytes());
            crc.update(&[0]);
        }
        format!("W/\"{}-{:08x}\"", self.version, crc.finalize())
    }

    /// The page's HTML with `figures` in it.
    pub fn body(&self, figures: &[String]) -> String {
        let len = self.parts.iter().map(String::len).sum::<usize>()
            + figures.iter().map(String::len).sum::<usize>();
        let mut out = String::with_capacity(len);
        for (i, part) in self.parts.iter().enumerate() {
            out.push_str(part);
            if i + 1 < self.parts.len()
                && let Some(figure) = figures.get(i)
            {
                out.push_str(figure);
            }
        }
        out
    }

    /// The `200` answer with `figures` in the page, gzip-compressed where the client takes it
    /// (the compression middleware leaves an encoded body alone), with `etag`.
    pub fn respond(&self, req: &HttpRequest, figures: &[String], etag: String) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        response
            .content_type("text/html; charset=utf-8")
            .insert_header((header::ETAG, etag))
            .insert_header((header::VARY, "Accept-Encoding"));
        // HEAD gets the headers of the plain page: some clients try to decode an empty
        // compressed body.
        if let Some(gzip) = &self.gzip
            && req.method() != actix_web::http::Method::HEAD
            && gzip::accepted(req)
        {
            let middles: Vec<&[u8]> = figures.iter().map(|f| f.as_bytes()).collect();
            return response
                .insert_header((header::CONTENT_ENCODING, "gzip"))
                .body(gzip.with_middles(&middles));
        }
        response.body(self.body(figures))
    }
}

/// Whether the request already has the version `etag` (`If-None-Match`, compared weakly as
/// RFC 9110 asks).
pub fn fresh(req: &HttpRequest, etag: &str) -> bool {
    crate::web::conditional::has_version(req, etag)
}

/// `304 Not Modified` for `etag`, with the `Vary` of the `200` (RFC 9110, 15.4.5).
pub fn not_modified(etag: String) -> HttpResponse {
    HttpResponse::NotModified()
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, "Accept-Encoding"))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_go_where_the_marks_were() {
        let html = format!("<p>a {m} b</p><p>{m}</p>", m = mark());
        let Ok(page) = Spliced::new(&html, 2) else {
            panic!("two marks");
        };
        let figures = ["1 view".to_owned(), "948 views".to_owned()];
        assert_eq!(page.body(&figures), "<p>a 1 view b</p><p>948 views</p>");
        assert_ne!(
            page.etag(&figures),
            page.etag(&["1 view".to_owned(), "949 views".to_owned()])
        );
        assert!(Spliced::new(&html, 1).is_err());
        assert!(!mark().contains("views"));
    }
}
