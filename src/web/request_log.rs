//! The log of requests. tracing-actix-web's `TracingLogger` gives every request an id and a
//! span; this module decides what the span carries (the id, the client, the request line) and
//! writes the one line per request when the answer's head is ready: status, size when known,
//! time taken. Whatever else is logged while the request is answered (an error, a sign-in)
//! runs inside the span, so its line names the same request id.

use std::time::Instant;

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// The [`RootSpanBuilder`] of [`tracing_actix_web::TracingLogger`] in [`super::start_server`].
pub struct RequestSpan;

/// When the request arrived, kept in its extensions for the time on the log line.
struct Arrived(Instant);

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(req: &ServiceRequest) -> Span {
        req.extensions_mut().insert(Arrived(Instant::now()));
        // TracingLogger puts the id in the extensions before it calls this.
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let client = req.connection_info().peer_addr().unwrap_or("-").to_owned();
        let request = format!(
            "{} {} {:?}",
            req.method(),
            req.uri().path_and_query().map_or("", |p| p.as_str()),
            req.version()
        );
        tracing::info_span!("request", request_id = %request_id, client = %client, request = ?request)
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        match outcome {
            Ok(res) => {
                let size = match res.response().body().size() {
                    BodySize::Sized(n) => n.to_string(),
                    BodySize::None => "0".to_owned(),
                    BodySize::Stream => "-".to_owned(),
                };
                let took = res
                    .request()
                    .extensions()
                    .get::<Arrived>()
                    .map_or_else(|| "-".to_owned(), |a| millis(a.0));
                tracing::info!(parent: &span, "{} {size} {took}", res.status().as_u16());
            }
            // An error that no middleware turned into a response (actix answers it).
            Err(err) => {
                let status = err.as_response_error().status_code();
                tracing::info!(parent: &span, "{} - -", status.as_u16());
            }
        }
    }
}

fn millis(since: Instant) -> String {
    format!("{:.3}ms", since.elapsed().as_secs_f64() * 1000.0)
}
