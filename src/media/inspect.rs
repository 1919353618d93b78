//! What a file is, decided from its content alone: magic bytes first, then (for images) a full
//! decode in [`super::process`]. Names and the browser's `Content-Type` are never asked.

use std::fmt;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

/// The types the library accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    Jpeg,
    Png,
    Gif,
    WebP,
    Pdf,
}

impl Detected {
    pub fn label(self) -> &'static str {
        match self {
            Detected::Jpeg => "JPEG",
            Detected::Png => "PNG",
            Detected::Gif => "GIF",
            Detected::WebP => "WebP",
            Detected::Pdf => "PDF",
        }
    }
}

/// Why a file was not accepted. Each reads as a sentence for the person who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLarge {
        limit: u64,
    },
    Svg,
    Html,
    Program,
    UnknownType,
    /// An image that does not decode to the end: damaged or cut short.
    DamagedImage(&'static str),
    TooManyPixels {
        width: u32,
        height: u32,
        max: u64,
    },
    DamagedPdf,
    /// The request held no file.
    NoFile,
}

/// "25 MB", "512 KB", "900 bytes".
pub fn size_label(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        let tenths = (bytes * 10 + MB / 2) / MB;
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else if bytes >= 1024 {
        format!("{} KB", (bytes + 512) / 1024)
    } else if bytes == 1 {
        "1 byte".to_owned()
    } else {
        format!("{bytes} bytes")
    }
}

const ACCEPTED: &str = "Upload a JPEG, PNG, WebP or GIF image, or a PDF document.";

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Empty => write!(f, "The file is empty."),
            Refusal::TooLarge { limit } => write!(
                f,
                "The file is larger than the {} this site accepts.",
                size_label(*limit)
            ),
            Refusal::Svg => write!(
                f,
                "SVG images are not accepted, because they can carry scripts. Export the \
                 graphic as PNG and upload that."
            ),
            Refusal::Html => write!(
                f,
                "This is a web page (HTML), not an image or a document, whatever its name \
                 says. {ACCEPTED}"
            ),
            Refusal::Program => write!(
                f,
                "This is a program, not an image or a document, whatever its name says. \
                 {ACCEPTED}"
            ),
            Refusal::UnknownType => write!(f, "This type of file is not accepted. {ACCEPTED}"),
            Refusal::DamagedImage(kind) => write!(
                f,
                "This {kind} image could not be read to the end: it is damaged or incomplete. \
                 Export or copy it again and upload the new file."
            ),
            Refusal::TooManyPixels { width, height, max } => write!(
                f,
                "The image is {width} × {height} pixels; this site accepts images of at most \
                 {} million pixels. Scale it down and upload it again.",
                max / 1_000_000
            ),
            Refusal::DamagedPdf => write!(
                f,
                "This PDF is damaged or incomplete (it does not end as a PDF must). Save or \
                 export it again and upload the new file."
            ),
            Refusal::NoFile => write!(f, "No file was chosen. Choose one and upload again."),
        }
    }
}

/// The type of a file from its first bytes (at least 16 of them if the file has that many).
pub fn sniff(head: &[u8]) -> Result<Detected, Refusal> {
    if head.is_empty() {
        return Err(Refusal::Empty);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Detected::Jpeg);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Detected::Png);
    }
    if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        return Ok(Detected::Gif);
    }
    if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        return Ok(Detected::WebP);
    }
    if head.starts_with(b"%PDF-") {
        return Ok(Detected::Pdf);
    }
    if head.starts_with(b"MZ")
        || head.starts_with(b"\x7fELF")
        || head.starts_with(b"#!")
        || head.starts_with(&[0xCF, 0xFA, 0xED, 0xFE])
        || head.starts_with(&[0xCA, 0xFE, 0xBA, 0xBE])
    {
        return Err(Refusal::Program);
    }
    // Text formats: look past a byte-order mark and white space, ignoring case.
    let text: String = String::from_utf8_lossy(head)
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    if text.contains("<svg") {
        return Err(Refusal::Svg);
    }
    if text.starts_with("<!doctype html")
        || text.starts_with("<html")
        || text.starts_with("<head")
        || text.starts_with("<body")
        || text.starts_with("<script")
        || text.contains("<html")
    {
        return Err(Refusal::Html);
    }
    if text.starts_with("<?xml") {
        // XML that is not SVG in the first bytes may still become SVG further on.
        return Err(Refusal::Svg);
    }
    Err(Refusal::UnknownType)
}

/// Whether a JPEG's structure runs to its end-of-image marker: segments up to each scan, then
/// entropy-coded data up to the next marker. A JPEG cut short (an interrupted copy) has no end
/// marker; decoders would fill the missing part with grey rather than fail.
pub fn jpeg_is_complete(reader: impl Read) -> io::Result<bool> {
    let mut bytes = BufReader::with_capacity(64 * 1024, reader).bytes();
    let mut next = || bytes.next().transpose();
    if (next()?, next()?) != (Some(0xFF), Some(0xD8)) {
        return Ok(false);
    }
    loop {
        // A marker: 0xFF (fill bytes allowed), then its code.
        let mut code = match next()? {
            Some(0xFF) => 0xFF,
            _ => return Ok(false),
        };
        while code == 0xFF {
            code = match next()? {
                Some(c) => c,
                None => return Ok(false),
            };
        }
        match code {
            0xD9 => return Ok(true),
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let length = match (next()?, next()?) {
            (Some(hi), Some(lo)) => u16::from_be_bytes([hi, lo]),
            _ => return Ok(false),
        };
        if length < 2 {
            return Ok(false);
        }
        for _ in 0..length - 2 {
            if next()?.is_none() {
                return Ok(false);
            }
        }
        if code != 0xDA {
            continue;
        }
        // Entropy-coded data: 0xFF 0x00 is a data byte, 0xFF 0xD0..D7 a restart marker;
        // any other marker ends the scan.
        loop {
            match next()? {
                None => return Ok(false),
                Some(0xFF) => {
                    let mut after = next()?;
                    while after == Some(0xFF) {
                        after = next()?;
                    }
                    match after {
                        None => return Ok(false),
                        Some(0x00) | Some(0xD0..=0xD7) => {}
                        Some(0xD9) => return Ok(true),
                        Some(other) => {
                            // Another segment (a progressive JPEG's next tables and scan).
                            let length = match (next()?, next()?) {
                                (Some(hi), Some(lo)) => u16::from_be_bytes([hi, lo]),
                                _ => return Ok(false),
                            };
                            if length < 2 {
                                return Ok(false);
                            }
                            for _ in 0..length - 2 {
                                if next()?.is_none() {
                                    return Ok(false);
                                }
                            }
                            if other != 0xDA {
                                break;
                            }
                        }
                    }
                }
                Some(_) => {}
            }
        }
    }
}

/// A PDF must start with `%PDF-1.x` or `%PDF-2.x` and end (give or take trailing white space)
/// with `%%EOF`, after a cross-reference section: what a complete file written by any PDF
/// producer has.
pub fn pdf_is_plausible(mut file: impl Read + Seek) -> io::Result<bool> {
    let len = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(0))?;
    let mut head = [0u8; 8];
    if len < 32 || file.read_exact(&mut head).is_err() {
        return Ok(false);
    }
    let version_ok = head.starts_with(b"%PDF-")
        && matches!(head[5], b'1' | b'2')
        && head[6] == b'.'
        && head[7].is_ascii_digit();
    if !version_ok {
        return Ok(false);
    }
    let tail_len = len.min(2048);
    file.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = Vec::with_capacity(tail_len as usize);
    file.take(tail_len).read_to_end(&mut tail)?;
    let trimmed = tail
        .iter()
        .rposition(|b| !b.is_ascii_whitespace() && *b != 0)
        .map(|end| &tail[..=end])
        .unwrap_or(&[]);
    let has_xref = tail.windows(9).any(|w| w == b"startxref");
    Ok(trimmed.ends_with(b"%%EOF") && has_xref)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_content() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Ok(Detected::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]), Ok(Detected::Jpeg));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Ok(Detected::WebP));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Ok(Detected::Gif));
        assert_eq!(sniff(b"%PDF-1.7\n"), Ok(Detected::Pdf));
        assert_eq!(sniff(b""), Err(Refusal::Empty));
        assert_eq!(sniff(b"MZ\x90\0"), Err(Refusal::Program));
        assert_eq!(sniff(b"\x7fELF\x02"), Err(Refusal::Program));
        assert_eq!(
            sniff(b"\xef\xbb\xbf  <?xml version=\"1.0\"?><svg onload=x>"),
            Err(Refusal::Svg)
        );
        assert_eq!(sniff(b"<SVG xmlns"), Err(Refusal::Svg));
        assert_eq!(sniff(b"<!DOCTYPE html><p>"), Err(Refusal::Html));
        assert_eq!(sniff(b"plain text"), Err(Refusal::UnknownType));
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size_label(25 * 1024 * 1024), "25 MB");
        assert_eq!(size_label(1536 * 1024), "1.5 MB");
        assert_eq!(size_label(2048), "2 KB");
        assert_eq!(size_label(900), "900 bytes");
    }

    #[test]
    fn a_jpeg_without_its_end_is_incomplete() {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2];
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0, 3, 9, 1, 2, 0xFF, 0, 3, 0xFF, 0xD0, 4]);
        assert!(!jpeg_is_complete(&jpeg[..]).unwrap_or(true));
        jpeg.extend_from_slice(&[0xFF, 0xD9, b'x']);
        assert!(jpeg_is_complete(&jpeg[..]).unwrap_or(false));
    }

    #[test]
    fn a_pdf_must_end_as_one() {
        let good = b"%PDF-1.4\n1 0 obj<<>>endobj\nxref\n0 1\ntrailer<<>>\nstartxref\n9\n%%EOF\n";
        assert!(pdf_is_plausible(std::io::Cursor::new(&good[..])).unwrap_or(false));
        let cut = &good[..good.len() - 8];
        assert!(!pdf_is_plausible(std::io::Cursor::new(cut)).unwrap_or(true));
        assert!(!pdf_is_plausible(std::io::Cursor::new(&b"%PDF-x"[..])).unwrap_or(true));
    }
}
