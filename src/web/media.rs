//! Serving stored media under `/media/{key}`: the type from the key (keys are ours, made
//! from content hashes, so a file at a key never changes: a year-long immutable cache),
//! `nosniff`, documents as attachments, and single byte ranges (`206`, `416`) for large files.
//! The body is read from [`Storage`](crate::media::storage::Storage) in chunks on the
//! blocking pool, never whole.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header::{
    self, ContentDisposition, DispositionParam, DispositionType, Header, Range,
};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::media::storage::{Storage, is_valid_key};
use crate::media::{library, mime_of_key};

use super::AppState;
use super::error::AppError;

const CHUNK: u64 = 256 * 1024;

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeRequest {
    /// No range, or one this server does not serve partially (several ranges, bad syntax).
    Whole,
    /// Bytes `start..=end`.
    Part { start: u64, end: u64 },
    /// A range that lies outside the file.
    Unsatisfiable,
}

/// What `range` (the request's parsed `Range` header) asks of a file of `len` bytes: one
/// byte range is served, several are answered with the whole file.
pub fn parse_range(range: Option<&Range>, len: u64) -> RangeRequest {
    match range {
        Some(Range::Bytes(specs)) if len > 0 => match specs.as_slice() {
            [spec] => match spec.to_satisfiable_range(len) {
                Some((start, end)) => RangeRequest::Part { start, end },
                None => RangeRequest::Unsatisfiable,
            },
            _ => RangeRequest::Whole,
        },
        _ => RangeRequest::Whole,
    }
}

type ChunkFuture = Pin<Box<dyn Future<Output = std::io::Result<Vec<u8>>>>>;

/// `len` bytes of a stored file from `start`, read a chunk at a time off the async threads.
struct StoredBody {
    storage: Arc<dyn Storage>,
    key: String,
    position: u64,
    end: u64,
    pending: Option<ChunkFuture>,
}

impl MessageBody for StoredBody {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.end - self.position)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if this.pending.is_none() {
            if this.position >= this.end {
                return Poll::Ready(None);
            }
            let (storage, key) = (this.storage.clone(), this.key.clone());
            let (start, len) = (this.position, CHUNK.min(this.end - this.position));
            this.pending = Some(Box::pin(async move {
                web::block(move || storage.read_range(&key, start, len))
                    .await
                    .map_err(std::io::Error::other)?
            }));
        }
        let Some(pending) = this.pending.as_mut() else {
            return Poll::Ready(None);
        };
        match pending.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(result) => {
                this.pending = None;
                match result {
                    Ok(bytes) if bytes.is_empty() => Poll::Ready(Some(Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the stored file is shorter than it was",
                    )))),
                    Ok(bytes) => {
                        this.position += bytes.len() as u64;
                        Poll::Ready(Some(Ok(Bytes::from(bytes))))
                    }
                    Err(e) => Poll::Ready(Some(Err(e))),
                }
            }
        }
    }
}

/// A file name for a download: the library's name where it is an ASCII-safe one.
fn download_name(name: &str, key: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.trim_matches(['_', ' ', '.']).is_empty() {
        key.rsplit('/').next().unwrap_or("download").to_owned()
    } else {
        safe
    }
}

pub async fn serve(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    if !is_valid_key(&key) {
        return Err(AppError::NotFound);
    }
    let mime = mime_of_key(&key).ok_or(AppError::NotFound)?;
    let storage = state.media.clone();
    let lookup_key = key.clone();
    let len = web::block(move || storage.len(&lookup_key))
        .await?
        .map_err(|e| AppError::Internal(format!("reading media {key}: {e}")))?
        .ok_or(AppError::NotFound)?;
    let is_image = mime.starts_with("image/");
    let disposition = if is_image {
        None
    } else {
        let lookup_key = key.clone();
        let name = state
            .db(move |conn| Ok(library::find_by_key(conn, &lookup_key)?))
            .await?
            .map(|m| m.original_name)
            .unwrap_or_default();
        let mut parameters = vec![DispositionParam::Filename(download_name(&name, &key))];
        if !name.is_empty() && !name.is_ascii() {
            parameters.push(DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: name.into_bytes(),
            }));
        }
        Some(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters,
        })
    };
    let etag = format!("\"{}\"", key.replace('/', "-"));
    let not_modified = super::conditional::has_version(&req, &etag);
    let range_header = Range::parse(&req).ok();
    // If-Range with another validator: the whole (changed) file. Keys never change content,
    // so only a foreign validator differs.
    let if_range_ok = req
        .headers()
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.trim() == etag);
    let range = if if_range_ok && req.method() == Method::GET {
        parse_range(range_header.as_ref(), len)
    } else {
        RangeRequest::Whole
    };
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, mime))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        // Stored files go out as they are: images and PDFs are compressed already, and a
        // length the client can see makes ranges and download progress work.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header((header::ETAG, etag));
    if let Some(d) = disposition {
        res.insert_header((header::CONTENT_DISPOSITION, d));
    }
    if not_modified {
        return Ok(res.status(StatusCode::NOT_MODIFIED).finish());
    }
    let (start, end) = match range {
        RangeRequest::Whole => (0, len),
        RangeRequest::Part { start, end } => {
            res.status(StatusCode::PARTIAL_CONTENT)
                .insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")));
            (start, end + 1)
        }
        RangeRequest::Unsatisfiable => {
            return Ok(res
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .insert_header((header::CONTENT_RANGE, format!("bytes */{len}")))
                .finish());
        }
    };
    Ok(res.body(StoredBody {
        storage: state.media.clone(),
        key,
        position: start,
        end,
        pending: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        use RangeRequest::*;
        let parse_range = |header: Option<&str>, len: u64| {
            let mut req = actix_web::test::TestRequest::default();
            if let Some(value) = header {
                req = req.insert_header((header::RANGE, value));
            }
            let range = Range::parse(&req.to_http_request()).ok();
            super::parse_range(range.as_ref(), len)
        };
        assert_eq!(parse_range(None, 100), Whole);
        assert_eq!(
            parse_range(Some("bytes=0-9"), 100),
            Part { start: 0, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=90-"), 100),
            Part { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range(Some("bytes=-10"), 100),
            Part { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range(Some("bytes=-500"), 100),
            Part { start: 0, end: 99 }
        );
        assert_eq!(
            parse_range(Some("bytes=50-500"), 100),
            Part { start: 50, end: 99 }
        );
        assert_eq!(parse_range(Some("bytes=100-"), 100), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 100), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=5-1"), 100), Whole);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Whole);
        assert_eq!(parse_range(Some("items=0-1"), 100), Whole);
        assert_eq!(parse_range(Some("bytes=x-1"), 100), Whole);
    }
}
