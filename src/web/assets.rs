//! Static assets (CSS, JS, images, vendored libraries) embedded in the binary and served
//! under a content-hashed URL, so browsers may cache them for a year: a changed file gets a
//! new URL.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

use super::error::AppError;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// Each asset's path mapped to its current URL.
#[derive(Debug, Clone, Default)]
pub struct AssetUrls {
    urls: HashMap<String, String>,
}

fn short_hash(file: &rust_embed::EmbeddedFile) -> String {
    crate::ids::hex(&file.metadata.sha256_hash()[..6])
}

impl AssetUrls {
    pub fn build() -> Self {
        let urls = Assets::iter()
            .filter_map(|path| {
                let file = Assets::get(&path)?;
                Some((
                    path.to_string(),
                    format!("/assets/{}/{}", short_hash(&file), path),
                ))
            })
            .collect();
        AssetUrls { urls }
    }

    /// The URL of an asset; an unknown path gives an unhashed URL (which will 404).
    pub fn url(&self, path: &str) -> String {
        self.urls
            .get(path)
            .cloned()
            .unwrap_or_else(|| format!("/assets/missing/{path}"))
    }
}

/// `GET /assets/{hash}/{path}`. An old hash still gets the current file, but only a short
/// cache lifetime, so a page cached from before a deploy keeps working.
pub async fn serve(
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (hash, file_path) = path.into_inner();
    let file = Assets::get(&file_path).ok_or(AppError::NotFound)?;
    let cache = if hash == short_hash(&file) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    Ok(answer(&req, file, cache))
}

/// `GET /favicon.ico`, where browsers look for a site's icon by themselves. Its address
/// cannot change with its content, so it is cached for a week, not a year.
pub async fn favicon(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let file = Assets::get("img/favicon.ico").ok_or(AppError::NotFound)?;
    Ok(answer(&req, file, "public, max-age=604800"))
}

/// An embedded file with its type, `cache` and an `ETag` of its content (`304` when the
/// request already has it).
fn answer(req: &HttpRequest, file: rust_embed::EmbeddedFile, cache: &str) -> HttpResponse {
    let etag = format!("\"{}\"", short_hash(&file));
    let matches = super::conditional::has_version(req, &etag);
    let mut res = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag));
    if matches {
        return res.finish();
    }
    res.content_type(file.metadata.mimetype())
        .body(file.data.into_owned())
}
