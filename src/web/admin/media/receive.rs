//! Reading an upload's multipart body: each file streamed to a temporary file with its size
//! limited while it streams, the text fields beside it, and the CSRF token (a form field, or a
//! header for scripts) checked before any file is kept.

use std::future::poll_fn;
use std::io::Write;
use std::path::PathBuf;
use std::pin::Pin;

use actix_multipart::{Field, Multipart};
use actix_web::web;
use futures_core::Stream;
use sha2::{Digest, Sha256};

use crate::media::inspect::Refusal;
use crate::web::error::AppError;

/// Files in one upload request.
pub(super) const MAX_FILES: usize = 20;
/// Written to the temporary file in pieces of this size.
const WRITE_CHUNK: usize = 1024 * 1024;
/// The header a script may send the CSRF token in (a form sends the field).
pub(super) const CSRF_HEADER: &str = "x-csrf-token";

/// An upload's temporary file, removed when dropped (whatever happened to the upload).
pub(super) struct TempFile {
    pub(super) path: PathBuf,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            log::warn!("could not remove the upload {}: {e}", self.path.display());
        }
    }
}

/// One file of an upload request, on disk.
pub(super) struct Received {
    pub(super) temp: TempFile,
    pub(super) name: String,
    pub(super) hash: String,
    pub(super) size: u64,
    /// Larger than the limit: not kept (its temporary file is empty).
    pub(super) too_large: bool,
}

pub(super) async fn next_field(multipart: &mut Multipart) -> Option<Result<Field, AppError>> {
    poll_fn(|cx| Pin::new(&mut *multipart).poll_next(cx))
        .await
        .map(|r| {
            r.map_err(|e| {
                AppError::bad_request(format!(
                    "The upload was interrupted ({e}). Please try again."
                ))
            })
        })
}

async fn next_chunk(field: &mut Field) -> Option<Result<web::Bytes, AppError>> {
    poll_fn(|cx| Pin::new(&mut *field).poll_next(cx))
        .await
        .map(|r| {
            r.map_err(|e| {
                AppError::bad_request(format!(
                    "The upload was interrupted ({e}). Please try again."
                ))
            })
        })
}

/// Reads a small text field (at most `limit` bytes kept).
pub(super) async fn read_text(field: &mut Field, limit: usize) -> Result<String, AppError> {
    let mut out = Vec::new();
    while let Some(chunk) = next_chunk(field).await {
        let chunk = chunk?;
        if out.len() < limit {
            out.extend_from_slice(&chunk[..chunk.len().min(limit - out.len())]);
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Streams a file field to a temporary file under the media folder, hashing it on the way;
/// past `limit` bytes it stops writing and only reads on (so that the browser gets an answer).
pub(super) async fn receive_file(
    field: &mut Field,
    dir: PathBuf,
    name: String,
    limit: u64,
) -> Result<Received, AppError> {
    let (temp, file) = web::block(move || {
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!(
            "{}.upload",
            crate::ids::hex(&rand::random::<[u8; 16]>())
        ));
        let file = std::fs::File::create_new(&path)?;
        Ok::<_, std::io::Error>((TempFile { path }, file))
    })
    .await?
    .map_err(|e| AppError::Internal(format!("cannot create an upload file: {e}")))?;
    let mut file = Some(file);
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut buffer: Vec<u8> = Vec::with_capacity(WRITE_CHUNK);
    // Someone sending far more than the limit is not waited for.
    let give_up = limit.saturating_mul(4).max(64 << 20);
    let flush = |file: std::fs::File, buffer: Vec<u8>| async move {
        web::block(move || {
            let mut file = file;
            file.write_all(&buffer)?;
            let mut buffer = buffer;
            buffer.clear();
            Ok::<_, std::io::Error>((file, buffer))
        })
        .await?
        .map_err(|e| AppError::Internal(format!("cannot write an upload file: {e}")))
    };
    while let Some(chunk) = next_chunk(field).await {
        let chunk = chunk?;
        size += chunk.len() as u64;
        if size > give_up {
            return Err(AppError::TooLarge(Refusal::TooLarge { limit }.to_string()));
        }
        if size > limit {
            file = None;
            buffer = Vec::new();
            continue;
        }
        hasher.update(&chunk);
        buffer.extend_from_slice(&chunk);
        if buffer.len() >= WRITE_CHUNK
            && let Some(f) = file.take()
        {
            let (f, b) = flush(f, std::mem::take(&mut buffer)).await?;
            file = Some(f);
            buffer = b;
        }
    }
    if let Some(f) = file.take()
        && !buffer.is_empty()
    {
        flush(f, buffer).await?;
    }
    Ok(Received {
        temp,
        name,
        hash: crate::ids::hex(&hasher.finalize()),
        size,
        too_large: size > limit,
    })
}
