//! A page compressed once, with small parts that change per request (view counts) put in
//! without compressing the rest again.
//!
//! A gzip body is a header, a DEFLATE stream, the CRC-32 of the uncompressed bytes and their
//! length. DEFLATE streams can be joined at byte boundaries: the first part is compressed and
//! ended with a sync flush (non-final blocks, byte-aligned), the changing middle goes in as
//! one uncompressed "stored" block, and the last part is compressed on its own, ending the
//! stream. The CRC of the whole is combined from the parts' CRCs.

use std::io::Write;

use actix_web::HttpRequest;
use flate2::Compression;
use flate2::write::DeflateEncoder;

/// The compressed parts around the middles.
pub struct Parts {
    /// Each part compressed on its own: all but the last end with a sync flush, the last
    /// ends the stream.
    parts: Vec<Vec<u8>>,
    /// The CRC-32 of each part's uncompressed bytes.
    crcs: Vec<crc32fast::Hasher>,
    /// Uncompressed length of the parts together.
    plain_len: usize,
}

const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];

impl Parts {
    /// Compresses `parts` (at least one); a middle goes between each two of them.
    pub fn new(parts: &[&[u8]]) -> std::io::Result<Parts> {
        let last = parts.len().saturating_sub(1);
        let mut compressed = Vec::with_capacity(parts.len());
        let mut crcs = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
            encoder.write_all(part)?;
            compressed.push(if i == last {
                encoder.finish()?
            } else {
                // A sync flush: everything in non-final blocks, ending on a byte boundary.
                encoder.flush()?;
                std::mem::take(encoder.get_mut())
            });
            let mut crc = crc32fast::Hasher::new();
            crc.update(part);
            crcs.push(crc);
        }
        if compressed.is_empty() {
            return Err(std::io::Error::other("nothing to compress"));
        }
        Ok(Parts {
            parts: compressed,
            crcs,
            plain_len: parts.iter().map(|p| p.len()).sum(),
        })
    }

    /// The gzip body of the parts with `middles` between them (one fewer than the parts;
    /// missing ones are empty, extra ones left out). A middle is short: a stored block holds
    /// at most 65,535 bytes, and anything longer is cut there.
    pub fn with_middles(&self, middles: &[&[u8]]) -> Vec<u8> {
        let cut = |i: usize| {
            let m = middles.get(i).copied().unwrap_or_default();
            &m[..m.len().min(u16::MAX as usize)]
        };
        let gaps = self.parts.len() - 1;
        let middle_len: usize = (0..gaps).map(|i| cut(i).len()).sum();
        let mut out = Vec::with_capacity(
            GZIP_HEADER.len()
                + self.parts.iter().map(Vec::len).sum::<usize>()
                + middle_len
                + 5 * gaps
                + 8,
        );
        out.extend_from_slice(&GZIP_HEADER);
        let mut crc = crc32fast::Hasher::new();
        for (i, part) in self.parts.iter().enumerate() {
            out.extend_from_slice(part);
            crc.combine(&self.crcs[i]);
            if i < gaps {
                let middle = cut(i);
                let len = middle.len() as u16;
                // A stored block, not final: BFINAL=0, BTYPE=00, padded to the byte; LEN, NLEN.
                out.push(0);
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(&(!len).to_le_bytes());
                out.extend_from_slice(middle);
                let mut m = crc32fast::Hasher::new();
                m.update(middle);
                crc.combine(&m);
            }
        }
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&((self.plain_len + middle_len) as u32).to_le_bytes());
        out
    }
}

/// Whether the client takes gzip (`Accept-Encoding` names `gzip` or `*` with a quality above
/// zero).
pub fn accepted(req: &HttpRequest) -> bool {
    use actix_web::http::header::{
        AcceptEncoding, ContentEncoding, Encoding, Header, Preference, Quality,
    };
    AcceptEncoding::parse(req).is_ok_and(|accept| {
        accept.0.iter().any(|item| {
            item.quality > Quality::ZERO
                && match &item.item {
                    Preference::Any => true,
                    Preference::Specific(Encoding::Known(ContentEncoding::Gzip)) => true,
                    Preference::Specific(_) => false,
                }
        })
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
        let parts = Parts::new(&[head.as_bytes(), tail.as_bytes()]).map_err(|e| e.to_string());
        let Ok(parts) = parts else {
            panic!("compress: {parts:?}", parts = parts.err());
        };
        for middle in ["948 views", "", "1 view", &"x".repeat(70_000)] {
            let body = parts.with_middles(&[middle.as_bytes()]);
            let kept = &middle[..middle.len().min(65_535)];
            assert_eq!(gunzip(&body), format!("{head}{kept}{tail}"));
        }
        assert!(
            parts.with_middles(&[b"948 views".as_slice()]).len() < (head.len() + tail.len()) / 10
        );
    }

    #[test]
    fn many_middles_and_none() {
        let parts: Vec<String> = (0..12)
            .map(|i| format!("<li>card {i} ").repeat(40))
            .collect();
        let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
        let Ok(compressed) = Parts::new(&refs) else {
            panic!("compress");
        };
        let middles: Vec<String> = (0..11).map(|i| format!("{i} views")).collect();
        let middle_refs: Vec<&[u8]> = middles.iter().map(|m| m.as_bytes()).collect();
        let mut expected = String::new();
        for (i, part) in parts.iter().enumerate() {
            expected.push_str(part);
            if let Some(m) = middles.get(i) {
                expected.push_str(m);
            }
        }
        assert_eq!(gunzip(&compressed.with_middles(&middle_refs)), expected);
        let Ok(single) = Parts::new(&[b"just one part".as_slice()]) else {
            panic!("compress");
        };
        assert_eq!(gunzip(&single.with_middles(&[])), "just one part");
        assert!(Parts::new(&[]).is_err());
    }
}
