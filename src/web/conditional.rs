//! Conditional requests: every successful page or feed gets an `ETag` (a hash of its body), and
//! a request that already has that version (`If-None-Match`, or `If-Modified-Since` where the
//! handler set `Last-Modified`) gets `304 Not Modified` without the body. A body larger than
//! [`Settings::max_buffered_body`](crate::config::Settings::max_buffered_body) is not hashed:
//! what was read of it and the rest are sent on unchanged, as the handler made them.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::HttpMessage;
use actix_web::HttpResponse;
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{EntityTag, Header, IfNoneMatch};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use sha2::{Digest, Sha256};

/// A body already partly read, sent on as it was: the chunks read, then the rest.
struct Resumed {
    read: VecDeque<Bytes>,
    rest: BoxBody,
}

impl MessageBody for Resumed {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        match self.rest.size() {
            BodySize::Sized(n) => {
                BodySize::Sized(n + self.read.iter().map(|b| b.len() as u64).sum::<u64>())
            }
            _ => BodySize::Stream,
        }
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        if let Some(chunk) = self.read.pop_front() {
            return Poll::Ready(Some(Ok(chunk)));
        }
        Pin::new(&mut self.rest).poll_next(cx).map_err(Into::into)
    }
}

/// What reading a body up to a limit gives.
enum Read {
    /// All of it, within the limit.
    Whole(Bytes),
    /// More than the limit: the body to send instead, unchanged.
    Larger(BoxBody),
}

/// Reads `body` whole if it is at most `limit` bytes; a larger one comes back to be sent on.
async fn read_up_to(body: BoxBody, limit: usize) -> Result<Read, actix_web::Error> {
    if matches!(body.size(), BodySize::Sized(n) if n > limit as u64) {
        return Ok(Read::Larger(body));
    }
    let mut body = body;
    let mut read = VecDeque::new();
    let mut len = 0;
    while let Some(chunk) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx)).await {
        let chunk = chunk.map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))?;
        len += chunk.len();
        read.push_back(chunk);
        if len > limit {
            return Ok(Read::Larger(BoxBody::new(Resumed { read, rest: body })));
        }
    }
    let mut whole = web::BytesMut::with_capacity(len);
    for chunk in read {
        whole.extend_from_slice(&chunk);
    }
    Ok(Read::Whole(whole.freeze()))
}

fn cacheable(res: &ServiceResponse<impl MessageBody>) -> bool {
    if res.status() != StatusCode::OK || res.headers().contains_key(header::ETAG) {
        return false;
    }
    let no_store = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    let textual = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/") || v.contains("xml"));
    textual && !no_store
}

/// Whether `if_none_match` names the version `etag` (weak comparison, as RFC 9110 asks
/// for `If-None-Match`).
pub fn matches_etag(if_none_match: &IfNoneMatch, etag: &str) -> bool {
    let Ok(etag) = etag.parse::<EntityTag>() else {
        return false;
    };
    match if_none_match {
        IfNoneMatch::Any => true,
        IfNoneMatch::Items(tags) => tags.iter().any(|t| t.weak_eq(&etag)),
    }
}

/// Whether the request already has the version `etag` (its `If-None-Match`).
pub fn has_version(req: &impl HttpMessage, etag: &str) -> bool {
    IfNoneMatch::parse(req).is_ok_and(|inm| matches_etag(&inm, etag))
}

fn not_modified_since(if_modified_since: &str, last_modified: &str) -> bool {
    let parse = |s: &str| {
        chrono::DateTime::parse_from_rfc2822(s.trim().replace("GMT", "+0000").as_str()).ok()
    };
    match (parse(if_modified_since), parse(last_modified)) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

pub async fn conditional(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let method = req.method().clone();
    let limit = req
        .app_data::<web::Data<super::AppState>>()
        .map_or(crate::config::DEFAULT_MAX_BUFFERED_BODY, |state| {
            state.settings.max_buffered_body
        });
    // A request without the header parses as an empty list: no `If-None-Match`.
    let if_none_match = IfNoneMatch::parse(&req)
        .ok()
        .filter(|inm| !matches!(inm, IfNoneMatch::Items(tags) if tags.is_empty()));
    let if_modified_since = req
        .headers()
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let res = next.call(req).await?;
    if !(method == Method::GET || method == Method::HEAD) || !cacheable(&res) {
        return Ok(res.map_into_boxed_body());
    }
    let (http_req, response) = res.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match read_up_to(body.boxed(), limit).await? {
        Read::Whole(bytes) => bytes,
        Read::Larger(body) => {
            return Ok(ServiceResponse::new(http_req, head.set_body(body)));
        }
    };
    let etag = format!("W/\"{}\"", crate::ids::hex(&Sha256::digest(&bytes)[..10]));
    let fresh = match (&if_none_match, &if_modified_since) {
        (Some(inm), _) => matches_etag(inm, &etag),
        (None, Some(ims)) => head
            .headers()
            .get(header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|lm| not_modified_since(ims, lm)),
        (None, None) => false,
    };
    let mut response = if fresh {
        let mut r = HttpResponse::NotModified().finish();
        for name in [header::CACHE_CONTROL, header::LAST_MODIFIED, header::VARY] {
            if let Some(v) = head.headers().get(&name) {
                r.headers_mut().insert(name, v.clone());
            }
        }
        r
    } else {
        let mut r = HttpResponse::with_body(head.status(), BoxBody::new(bytes));
        *r.headers_mut() = head.headers().clone();
        r
    };
    response.headers_mut().insert(
        header::ETAG,
        header::HeaderValue::from_str(&etag).unwrap_or(header::HeaderValue::from_static("\"\"")),
    );
    Ok(ServiceResponse::new(http_req, response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_takes_any() {
        let req = |value: &str| {
            actix_web::test::TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, value))
                .to_http_request()
        };
        let etag = "W/\"0a1b2c-00ff00ff\"";
        assert!(has_version(&req(etag), etag));
        assert!(has_version(&req("\"0a1b2c-00ff00ff\""), etag));
        assert!(has_version(&req("\"x\", W/\"0a1b2c-00ff00ff\""), etag));
        assert!(has_version(&req("*"), etag));
        assert!(!has_version(&req("W/\"something-else\""), etag));
        assert!(!has_version(
            &actix_web::test::TestRequest::default().to_http_request(),
            etag
        ));
    }
}
