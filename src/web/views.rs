//! View counting on the web side: the middleware that counts an article page once its final
//! status is known (so a 304 or an error never counts), the beacon endpoint, and the task
//! that writes the counts every second (and once more when the server stops).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};

use crate::content::articles;
use crate::stats::counter::Visit;

use super::AppState;
use super::error::AppError;

/// A 1×1 transparent GIF: the answer to the `<noscript>` beacon image.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// Middleware: counts the visit an article page left in the request, if the answer is a 200
/// with the page (not a 304, not an error page).
pub async fn count_views(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let res = next.call(req).await?;
    if res.status() == StatusCode::OK {
        let visit = res.request().extensions().get::<Visit>().copied();
        if let Some(visit) = visit
            && let Some(state) = res.request().app_data::<web::Data<AppState>>()
        {
            state.views.record(&visit, state.clock.now());
        }
    }
    Ok(res)
}

/// `GET|POST /views/{id}`: the beacon of an article page (when counting by beacon). Same rules
/// as server counting: readers only, published articles only, once per window.
pub async fn beacon(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: i32 = path.into_inner().parse().map_err(|_| AppError::NotFound)?;
    if state.settings.view_counting != crate::config::ViewCounting::Beacon {
        return Err(AppError::NotFound);
    }
    let published = state
        .db(move |conn| Ok(articles::is_published(conn, id)?))
        .await?;
    if !published {
        return Err(AppError::NotFound);
    }
    if let Some(visit) = state.visit_of(&req, id) {
        state.views.record(&visit, state.clock.now());
    }
    let mut res = if req.method() == actix_web::http::Method::POST {
        HttpResponse::NoContent().finish()
    } else {
        HttpResponse::Ok().content_type("image/gif").body(PIXEL)
    };
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// Runs for the life of the server: writes the counted views every `view_flush_every`.
pub async fn keep_writing(state: web::Data<AppState>) {
    let every = state.settings.view_flush_every;
    // The first write one period after the start (there is nothing to write before).
    let first = actix_web::rt::time::Instant::now() + every;
    let mut tick = actix_web::rt::time::interval_at(first, every);
    loop {
        tick.tick().await;
        if let Err(e) = state.flush_views().await {
            log::warn!("views not written this time (kept for the next try): {e}");
        }
    }
}
