//! A page compressed once, with a small part that changes per request (an article's view
//! count) put in without compressing the rest again.
//!
//! A gzip body is a header, a DEFLATE stream, the CRC-32 of the uncompressed bytes and their
//! length. DEFLATE streams can be joined at byte boundaries: the first part is compressed and
//! ended with a sync flush (non-final blocks, byte-aligned), the changing middle goes in as
//! one uncompressed "stored" block, and the last part is compressed on its own, ending the
//! stream. The CRC of the whole is combined from the parts' CRCs.

use std::io::Write;

use actix_web::HttpRequest;
use actix_web::http::header;
use flate2::Compression;
use flate2::write::DeflateEncoder;

/// The compressed parts around the middle.
pub struct Parts {
    head: Vec<u8>,
    tail: Vec<u8>,
    head_crc: crc32fast::Hasher,
    tail_crc: crc32fast::Hasher,
    /// Uncompressed length of head and tail together.
    plain_len: usize,
}

const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];

impl Parts {
    pub fn new(head: &[u8], tail: &[u8]) -> std::io::Result<Parts> {
        let mut first = DeflateEncoder::new(Vec::new(), Compression::default());
        first.write_all(head)?;
        // A sync flush: everything so far in non-final blocks, ending on a byte boundary.
        first.flush()?;
        let first = first.get_ref().clone();
        let mut last = DeflateEncoder::new(Vec::new(), Compression::default());
        last.write_all(tail)?;
        let last = last.finish()?;
        let mut head_crc = crc32fast::Hasher::new();
        head_crc.update(head);
        let mut tail_crc = crc32fast::Hasher::new();
        tail_crc.update(tail);
        Ok(Parts {
            head: first,
            tail: last,
            head_crc,
            tail_crc,
            plain_len: head.len() + tail.len(),
        })
    }

    /// The gzip body of head + `middle` + tail. `middle` is short (a stored block holds at
    /// most 65,535 bytes; anything longer is cut there).
    pub fn with_middle(&self, middle: &[u8]) -> Vec<u8> {
        let middle = &middle[..middle.len().min(u16::MAX as usize)];
        let len = middle.len() as u16;
        let mut out = Vec::with_capacity(
            GZIP_HEADER.len() + self.head.len() + middle.len() + self.tail.len() + 13,
        );
        out.extend_from_slice(&GZIP_HEADER);
        out.extend_from_slice(&self.head);
        // A stored block, not final: BFINAL=0, BTYPE=00, padded to the byte; LEN, NLEN.
        out.push(0);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(middle);
        out.extend_from_slice(&self.tail);
        let mut crc = self.head_crc.clone();
        crc.update(middle);
        crc.combine(&self.tail_crc);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&((self.plain_len + middle.len()) as u32).to_le_bytes());
        out
    }
}

/// Whether the request accepts gzip (`Accept-Encoding: gzip` without `q=0`).
pub fn accepted(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(bytes: &[u8]) -> String {
        let mut out = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut out)
            .map(|_| out)
            .unwrap_or_else(|e| format!("not gzip: {e}"))
    }

    #[test]
    fn the_middle_goes_in_without_compressing_again() {
        let head = "<html><body><p>".repeat(500) + "Views: ";
        let tail = "</p>".to_owned() + &"<footer>the end</footer>".repeat(300);
        let parts = Parts::new(head.as_bytes(), tail.as_bytes()).map_err(|e| e.to_string());
        let Ok(parts) = parts else {
            panic!("compress: {parts:?}", parts = parts.err());
        };
        for middle in ["948 views", "", "1 view", &"x".repeat(70_000)] {
            let body = parts.with_middle(middle.as_bytes());
            let kept = &middle[..middle.len().min(65_535)];
            assert_eq!(gunzip(&body), format!("{head}{kept}{tail}"));
        }
        assert!(parts.with_middle(b"948 views").len() < (head.len() + tail.len()) / 10);
    }
}
