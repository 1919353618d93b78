//! The media library: photos and documents that staff upload, checked by their content,
//! stored once per content hash through [`storage::Storage`], described in the database
//! ([`library`]), with images re-encoded into web renditions ([`process`]).
//!
//! An upload goes: streamed to a temporary file (by the web layer) → already stored? (same
//! hash: the existing file) → [`process::prepare`] (refuses anything that is not a complete
//! JPEG, PNG, WebP, GIF or PDF within the limits) → [`store`] (rows and files together; on any
//! failure neither stays).

pub mod inspect;
pub mod library;
pub mod process;
pub mod storage;

use std::path::Path;

use crate::db::{self, DbConn};

use self::inspect::Refusal;
use self::library::{Kind, Media, NewMedia, NewVariant};
use self::process::{Format, Prepared};
use self::storage::{Storage, key_for};

/// An upload that reached the disk, before it is looked at.
#[derive(Debug, Clone)]
pub struct Upload {
    /// SHA-256 (hex) of its bytes.
    pub hash: String,
    pub size: u64,
    /// The name the browser sent: shown as text, never used as a path.
    pub original_name: String,
}

/// The result of an upload that was accepted.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub media: Media,
    /// The same file was already in the library (this upload stored nothing new).
    pub existing: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("{0}")]
    Refused(Refusal),
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("storage error: {0}")]
    Storage(#[from] std::io::Error),
}

impl From<Refusal> for MediaError {
    fn from(r: Refusal) -> Self {
        MediaError::Refused(r)
    }
}

/// Whether `c` is a format character (Unicode general category Cf): invisible, and able to
/// make a name read other than it is (U+202E turns "photo\u{202E}gpj.exe" into "photoexe.jpg"
/// on screen). The ranges are Cf as of Unicode 16.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{600}'..='\u{605}'
            | '\u{61C}'
            | '\u{6DD}'
            | '\u{70F}'
            | '\u{890}'..='\u{891}'
            | '\u{8E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// A name to show for an upload: the last part of what the browser sent, without control or
/// format characters (bidirectional overrides, zero-width marks), with the extension of what
/// the file really is.
pub fn display_name(raw: &str, extension: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|&c| !c.is_control() && !is_format(c))
        .collect::<String>()
        .trim()
        .chars()
        .take(150)
        .collect();
    let stem = match clean.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem.trim().to_owned(),
        _ => clean,
    };
    let stem = if stem.is_empty() {
        "upload".to_owned()
    } else {
        stem
    };
    format!("{stem}.{extension}")
}

/// What will be written: the row, its renditions, and each file's bytes.
struct Plan {
    row: NewMedia,
    renditions: Vec<NewVariant>,
    files: Vec<(String, FileSource)>,
}

enum FileSource {
    Bytes(Vec<u8>),
    /// The upload itself (a PDF is kept as it came).
    Upload,
}

fn plan(upload: &Upload, prepared: Prepared, uploaded_by: i32) -> Plan {
    match prepared {
        Prepared::Document => {
            let key = key_for(&upload.hash, None, "pdf");
            Plan {
                row: NewMedia {
                    hash: upload.hash.clone(),
                    kind: Kind::Document,
                    mime: "application/pdf".to_owned(),
                    storage_key: key.clone(),
                    original_name: display_name(&upload.original_name, "pdf"),
                    byte_size: upload.size as i64,
                    width: None,
                    height: None,
                    uploaded_by,
                },
                renditions: Vec::new(),
                files: vec![(key, FileSource::Upload)],
            }
        }
        Prepared::Image {
            main,
            width,
            height,
            renditions,
        } => {
            let main_key = key_for(&upload.hash, Some(width), main.extension());
            let main_size = renditions
                .iter()
                .find(|r| r.format == main && r.width == width)
                .map(|r| r.bytes.len() as i64)
                .unwrap_or(0);
            let mut rows = Vec::new();
            let mut files = Vec::new();
            for r in renditions {
                let key = key_for(&upload.hash, Some(r.width), r.format.extension());
                rows.push(NewVariant {
                    format: r.format.as_str(),
                    width: r.width as i32,
                    height: r.height as i32,
                    storage_key: key.clone(),
                    byte_size: r.bytes.len() as i64,
                });
                files.push((key, FileSource::Bytes(r.bytes)));
            }
            Plan {
                row: NewMedia {
                    hash: upload.hash.clone(),
                    kind: Kind::Image,
                    mime: main.mime().to_owned(),
                    storage_key: main_key,
                    original_name: display_name(&upload.original_name, main.extension()),
                    byte_size: main_size,
                    width: Some(width as i32),
                    height: Some(height as i32),
                    uploaded_by,
                },
                renditions: rows,
                files,
            }
        }
    }
}

fn is_unique_violation(e: &MediaError) -> bool {
    matches!(
        e,
        MediaError::Database(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

/// Stores a prepared upload: its rows and its files in one transaction. If the same content
/// was stored meanwhile, that file is the result. On failure nothing stays behind.
pub fn store(
    conn: &mut DbConn,
    storage: &dyn Storage,
    upload: &Upload,
    upload_path: &Path,
    prepared: Prepared,
    uploaded_by: i32,
) -> Result<Accepted, MediaError> {
    let plan = plan(upload, prepared, uploaded_by);
    let mut written: Vec<String> = Vec::new();
    let result = db::write_tx(conn, |conn| {
        if let Some(media) = library::find_by_hash(conn, &upload.hash)? {
            return Ok(Accepted {
                media,
                existing: true,
            });
        }
        let media = library::insert(conn, &plan.row, &plan.renditions)?;
        for (key, source) in &plan.files {
            match source {
                FileSource::Bytes(bytes) => storage.put(key, bytes)?,
                FileSource::Upload => storage.put_file(key, upload_path)?,
            }
            written.push(key.clone());
        }
        Ok::<_, MediaError>(Accepted {
            media,
            existing: false,
        })
    });
    match result {
        Ok(accepted) => Ok(accepted),
        Err(e) => {
            for key in &written {
                if let Err(err) = storage.delete(key) {
                    log::warn!("could not remove {key} after a failed upload: {err}");
                }
            }
            if is_unique_violation(&e)
                && let Some(media) = library::find_by_hash(conn, &upload.hash)?
            {
                return Ok(Accepted {
                    media,
                    existing: true,
                });
            }
            Err(e)
        }
    }
}

/// Deletes a file that nothing uses: its rows, then its stored files. `Err(uses)` when
/// something still uses it (nothing is deleted).
pub fn delete(
    conn: &mut DbConn,
    storage: &dyn Storage,
    id: i32,
) -> Result<Result<(), Vec<library::Use>>, MediaError> {
    let outcome = db::write_tx(conn, |conn| library::delete_unused(conn, id))?;
    match outcome {
        Ok(keys) => {
            for key in keys {
                if let Err(e) = storage.delete(&key) {
                    // The row is gone: a file left behind is unreachable, never wrong.
                    log::warn!("could not remove the stored file {key}: {e}");
                }
            }
            Ok(Ok(()))
        }
        Err(uses) => Ok(Err(uses)),
    }
}

/// Removes temporary upload files older than `older_than` from `dir` (left by a server that
/// stopped mid-upload); returns how many. A missing folder has none.
pub fn remove_stale_uploads(dir: &Path, older_than: std::time::Duration) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let is_upload = path.extension().is_some_and(|x| x == "upload");
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= older_than);
        if is_upload && old && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

/// The `Content-Type` of a stored file, from the extension of its key (keys are ours).
pub fn mime_of_key(key: &str) -> Option<&'static str> {
    let extension = key.rsplit_once('.')?.1;
    Some(match extension {
        "jpg" => Format::Jpeg.mime(),
        "png" => Format::Png.mime(),
        "webp" => Format::WebP.mime(),
        "gif" => "image/gif",
        "pdf" => "application/pdf",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_uploads_are_removed() {
        let dir = std::env::temp_dir().join(format!(
            "chronicle-uploads-{}",
            crate::ids::random_hex::<8>()
        ));
        assert_eq!(
            remove_stale_uploads(&dir, std::time::Duration::ZERO).ok(),
            Some(0)
        );
        assert!(std::fs::create_dir_all(&dir).is_ok());
        assert!(std::fs::write(dir.join("a.upload"), b"x").is_ok());
        assert!(std::fs::write(dir.join("keep.txt"), b"x").is_ok());
        let hour = std::time::Duration::from_secs(3600);
        assert_eq!(remove_stale_uploads(&dir, hour).ok(), Some(0));
        assert_eq!(
            remove_stale_uploads(&dir, std::time::Duration::ZERO).ok(),
            Some(1)
        );
        assert!(dir.join("keep.txt").exists());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn names_are_shown_with_the_real_type() {
        assert_eq!(display_name("photo.exe", "png"), "photo.png");
        assert_eq!(
            display_name("C:\\Users\\x\\Programme 2026.PDF", "pdf"),
            "Programme 2026.pdf"
        );
        assert_eq!(display_name("../../etc/passwd", "jpg"), "passwd.jpg");
        assert_eq!(display_name("", "jpg"), "upload.jpg");
        assert_eq!(display_name(".hidden", "png"), ".hidden.png");
        assert_eq!(display_name("a\u{0}b\nc.gif", "png"), "abc.png");
        assert_eq!(
            display_name("invoice\u{202E}fdp.exe", "pdf"),
            "invoicefdp.pdf"
        );
        let hidden = "a\u{202A}\u{202B}\u{202C}\u{202D}\u{2066}\u{2067}\u{2068}\u{2069}\u{200E}\u{200F}\u{61C}\u{200B}\u{FEFF}\u{AD}\u{E0041}b.jpg";
        assert_eq!(display_name(hidden, "jpg"), "ab.jpg");
        assert_eq!(display_name("Şəki – 2026.jpg", "jpg"), "Şəki – 2026.jpg");
    }
}
