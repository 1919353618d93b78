//! The media library: uploads decided by content, refusals that leave nothing behind, images
//! re-encoded without metadata, renditions, deduplication, deleting, permissions, and serving
//! (headers, ranges). Every file is made here, by the `image` crate or by hand.

use chronicle::accounts::Role;
use std::io::Cursor;
use std::path::Path;

use awc::http::StatusCode;
use chronicle::content::articles::SaveAction;
use chronicle::db::schema::{articles, media, media_variants};
use diesel::prelude::*;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

use crate::common::{Client, Res, TestApp, TestFn, assert_contains, assert_lacks};
use crate::forms::{ArticleForm, MediaForm, PageForm};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    each_accepted_type_is_stored_by_its_content,
    a_png_named_exe_is_stored_as_a_png_with_a_safe_name,
    refused_uploads_say_why_and_leave_nothing_behind,
    oversized_uploads_are_refused_while_streaming,
    exif_and_gps_are_removed_from_every_stored_image,
    large_images_are_scaled_and_variants_are_only_smaller,
    identical_uploads_are_stored_once,
    a_file_in_use_cannot_be_deleted,
    authors_manage_only_their_own_files,
    uploads_need_the_form_token,
    media_is_served_with_safe_headers_and_byte_ranges,
    the_library_filters_and_edits_descriptions,
    reports_show_featured_image_gallery_and_documents,
    images_put_into_the_text_count_as_used,
    the_rich_editor_uploads_with_a_header_token_and_gets_json,
];

// ---------- Files made for the tests ----------

/// A photo-like picture: gradients and texture, no transparency.
fn photo(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        let n = (x * 7 + y * 13) % 31;
        Rgb([
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            (100 + n * 3) as u8,
        ])
    }))
}

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode test image");
    out.into_inner()
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encoded(&photo(width, height), ImageFormat::Jpeg)
}

/// A PNG with transparent parts (a logo on nothing).
fn transparent_png(width: u32, height: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(width, height, |x, y| {
        if (x + y) % 5 == 0 {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([200, 30, 40, 255])
        }
    });
    encoded(&DynamicImage::ImageRgba8(img), ImageFormat::Png)
}

/// A small, well-formed PDF with `filler` bytes of text in a stream.
fn pdf(filler: usize) -> Vec<u8> {
    let text = "Programme of the conference. ".repeat(filler / 29 + 1);
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{}\nendstream",
            text.len() + 1,
            text
        ),
    ];
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A 1×1 PNG whose header claims 100,000 × 100,000 pixels (with a valid checksum).
fn png_bomb() -> Vec<u8> {
    let mut png = encoded(&photo(1, 1), ImageFormat::Png);
    assert_eq!(&png[12..16], b"IHDR");
    png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// Bytes of the GPS latitude in the EXIF block below (40° 22′ 5″): findable in any file.
const GPS_LATITUDE: [u8; 24] = [
    0, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0, 22, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 1,
];

/// An EXIF APP1 segment (big-endian TIFF) with an orientation and a GPS position, the way a
/// phone camera writes them.
fn exif_segment(orientation: u16) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0 at 8: two entries, then the offset of the next IFD (none).
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend_from_slice(&kind.to_be_bytes());
        e.extend_from_slice(&count.to_be_bytes());
        e.extend_from_slice(&value);
        e
    };
    let gps_ifd_at: u32 = 8 + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    let o = orientation.to_be_bytes();
    tiff.extend(entry(0x0112, 3, 1, [o[0], o[1], 0, 0]));
    tiff.extend(entry(0x8825, 4, 1, gps_ifd_at.to_be_bytes()));
    tiff.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD: latitude reference and latitude (three rationals after the IFD).
    let rationals_at: u32 = gps_ifd_at + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
    tiff.extend(entry(0x0002, 5, 3, rationals_at.to_be_bytes()));
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(&GPS_LATITUDE);
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(tiff);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    segment.extend(payload);
    segment
}

/// A phone photo: a JPEG with EXIF (orientation 6: turn 90° clockwise to view) and GPS.
fn phone_photo(width: u32, height: u32) -> Vec<u8> {
    let plain = jpeg(width, height);
    let mut out = plain[..2].to_vec();
    out.extend(exif_segment(6));
    out.extend_from_slice(&plain[2..]);
    out
}

// ---------- Uploading ----------

/// A `multipart/form-data` body as a browser sends the upload form.
pub fn multipart(token: Option<&str>, files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----chronicle-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    if let Some(token) = token {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn token(client: &Client) -> String {
    client.get("/admin/media").await.csrf()
}

async fn upload_many(client: &Client, files: &[(&str, &[u8])]) -> Res {
    let token = token(client).await;
    let (content_type, body) = multipart(Some(&token), files);
    client
        .post_body("/admin/media", &content_type, &[], body)
        .await
}

async fn upload(client: &Client, name: &str, bytes: &[u8]) -> Res {
    upload_many(client, &[(name, bytes)]).await
}

/// Uploads and expects it to be accepted; the new file's id.
pub async fn uploaded(client: &Client, name: &str, bytes: &[u8]) -> i32 {
    let res = upload(client, name, bytes).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{name}: {}", res.body);
    res.location()
        .trim_start_matches("/admin/media/")
        .parse()
        .expect("media id in the redirect")
}

#[derive(Debug, Queryable)]
struct Row {
    kind: String,
    mime: String,
    storage_key: String,
    original_name: String,
    width: Option<i32>,
    height: Option<i32>,
}

fn row(app: &TestApp, id: i32) -> Row {
    app.with_conn(|c| {
        media::table
            .find(id)
            .select((
                media::kind,
                media::mime,
                media::storage_key,
                media::original_name,
                media::width,
                media::height,
            ))
            .first(c)
            .expect("media row")
    })
}

/// (format, width, height, key) of each rendition, widest first.
fn variants(app: &TestApp, id: i32) -> Vec<(String, i32, i32, String)> {
    app.with_conn(|c| {
        media_variants::table
            .filter(media_variants::media_id.eq(id))
            .order((media_variants::width.desc(), media_variants::format.asc()))
            .select((
                media_variants::format,
                media_variants::width,
                media_variants::height,
                media_variants::storage_key,
            ))
            .load(c)
            .expect("variants")
    })
}

fn media_count(app: &TestApp) -> i64 {
    app.with_conn(|c| media::table.count().get_result(c).expect("count"))
}

/// Every file under the media folder (temporary uploads included).
fn files_on_disk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out.sort();
    out
}

async fn fetch(client: &Client, key: &str) -> Vec<u8> {
    let res = client.get_bytes(&format!("/media/{key}"), &[]).await;
    assert_eq!(res.status, StatusCode::OK, "/media/{key}");
    res.body
}

// ---------- Tests ----------

async fn each_accepted_type_is_stored_by_its_content(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let gif = encoded(&photo(64, 48), ImageFormat::Gif);
    let webp = encoded(&photo(600, 400), ImageFormat::WebP);
    // Name, bytes, kind and type stored, size stored.
    type Case = (
        &'static str,
        Vec<u8>,
        &'static str,
        &'static str,
        Option<(i32, i32)>,
    );
    let cases: Vec<Case> = vec![
        (
            "hall.jpg",
            jpeg(1200, 800),
            "image",
            "image/jpeg",
            Some((1200, 800)),
        ),
        (
            "logo.png",
            transparent_png(300, 120),
            "image",
            "image/png",
            Some((300, 120)),
        ),
        ("poster.webp", webp, "image", "image/jpeg", Some((600, 400))),
        ("wave.gif", gif, "image", "image/jpeg", Some((64, 48))),
        (
            "programme.pdf",
            pdf(2000),
            "document",
            "application/pdf",
            None,
        ),
    ];
    for (name, bytes, kind, mime, size) in cases {
        let id = uploaded(&editor, name, &bytes).await;
        let r = row(&app, id);
        assert_eq!((r.kind.as_str(), r.mime.as_str()), (kind, mime), "{name}");
        assert_eq!(r.width.zip(r.height), size, "{name}");
        let stored = fetch(&editor, &r.storage_key).await;
        if kind == "document" {
            assert_eq!(stored, bytes, "a PDF is kept as uploaded");
            assert!(variants(&app, id).is_empty());
            continue;
        }
        let decoded = image::load_from_memory(&stored).expect("stored image decodes");
        assert_eq!(
            (decoded.width() as i32, decoded.height() as i32),
            size.expect("image size")
        );
        // Every rendition decodes to the size its row (and so its srcset descriptor) says.
        for (format, w, h, key) in variants(&app, id) {
            let bytes = fetch(&editor, &key).await;
            let img = image::load_from_memory(&bytes).expect("rendition decodes");
            assert_eq!((img.width() as i32, img.height() as i32), (w, h), "{key}");
            let expected = match format.as_str() {
                "jpeg" => ImageFormat::Jpeg,
                "png" => ImageFormat::Png,
                _ => ImageFormat::WebP,
            };
            assert_eq!(image::guess_format(&bytes).ok(), Some(expected), "{key}");
        }
    }
    // The photo: JPEG and WebP at its own width and each smaller standard width.
    let hall = app.with_conn(|c| {
        media::table
            .filter(media::original_name.eq("hall.jpg"))
            .select(media::id)
            .first::<i32>(c)
            .expect("hall")
    });
    let widths: Vec<(String, i32)> = variants(&app, hall)
        .into_iter()
        .map(|(f, w, _, _)| (f, w))
        .collect();
    assert_eq!(
        widths,
        vec![
            ("jpeg".to_owned(), 1200),
            ("webp".to_owned(), 1200),
            ("jpeg".to_owned(), 960),
            ("webp".to_owned(), 960),
            ("jpeg".to_owned(), 480),
            ("webp".to_owned(), 480),
        ]
    );
    // Transparency stays: PNG renditions (and WebP with alpha).
    let logo = app.with_conn(|c| {
        media::table
            .filter(media::original_name.eq("logo.png"))
            .select(media::id)
            .first::<i32>(c)
            .expect("logo")
    });
    let formats: Vec<String> = variants(&app, logo).into_iter().map(|v| v.0).collect();
    assert_eq!(formats, vec!["png", "webp"]);
    let library = editor.get("/admin/media").await;
    assert_contains(&library.body, "programme.pdf");
    assert_contains(&library.body, "hall.jpg");
}

async fn a_png_named_exe_is_stored_as_a_png_with_a_safe_name(app: TestApp) {
    let (author, _) = app.signed_in(Role::Author).await;
    let id = uploaded(&author, "../../setup.exe", &transparent_png(40, 40)).await;
    let r = row(&app, id);
    assert_eq!(r.mime, "image/png");
    assert_eq!(r.original_name, "setup.png");
    assert!(r.storage_key.ends_with("-40.png"), "{}", r.storage_key);
    assert!(!r.storage_key.contains("setup"));
    let res = author
        .get_bytes(&format!("/media/{}", r.storage_key), &[])
        .await;
    assert_eq!(res.header("content-type").as_deref(), Some("image/png"));
}

async fn refused_uploads_say_why_and_leave_nothing_behind(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let full = jpeg(400, 300);
    let truncated = full[..full.len() * 2 / 3].to_vec();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "report.jpg",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec(),
            "web page (HTML)",
        ),
        (
            "logo.svg",
            br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>"#.to_vec(),
            "SVG images are not accepted",
        ),
        ("photo.jpg", truncated, "damaged or incomplete"),
        ("tiny.png", png_bomb(), "100000 × 100000 pixels"),
        ("empty.jpg", Vec::new(), "The file is empty."),
        ("tool.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec(), "This is a program"),
        ("notes.txt", b"just some text".to_vec(), "This type of file is not accepted"),
        ("cut.pdf", pdf(500)[..300].to_vec(), "This PDF is damaged or incomplete"),
    ];
    for (name, bytes, message) in cases {
        let res = upload(&editor, name, &bytes).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            res.body
        );
        assert_contains(&res.body, "This file was not accepted");
        assert_contains(&res.body, message);
        assert_contains(&res.body, name);
    }
    assert_eq!(media_count(&app), 0);
    assert_eq!(files_on_disk(&app.settings.media_dir), Vec::<String>::new());
    // One good file among bad ones is kept; the message says so.
    let res = upload_many(
        &editor,
        &[("good.jpg", &jpeg(100, 80)), ("bad.svg", b"<svg></svg>")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "The other 1 file(s) were uploaded");
    assert_eq!(media_count(&app), 1);
}

async fn oversized_uploads_are_refused_while_streaming(app: TestApp) {
    let app = TestApp::spawn_with(app.backend, |s| s.max_upload_bytes = 100 * 1024).await;
    let (editor, _) = app.signed_in(Role::Editor).await;
    let big = pdf(300 * 1024);
    let res = upload(&editor, "huge.pdf", &big).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert_contains(&res.body, "larger than the 100 KB this site accepts");
    assert_eq!(media_count(&app), 0);
    assert_eq!(files_on_disk(&app.settings.media_dir), Vec::<String>::new());
    // Just under the limit is fine.
    uploaded(&editor, "small.pdf", &pdf(50 * 1024)).await;
}

async fn exif_and_gps_are_removed_from_every_stored_image(app: TestApp) {
    let (author, _) = app.signed_in(Role::Author).await;
    let original = phone_photo(1000, 600);
    assert!(original.windows(4).any(|w| w == b"Exif"));
    assert!(
        original
            .windows(GPS_LATITUDE.len())
            .any(|w| w == GPS_LATITUDE)
    );
    let id = uploaded(&author, "IMG_2041.JPG", &original).await;
    let r = row(&app, id);
    // Orientation 6: the camera held upright; stored the way it is to be seen.
    assert_eq!((r.width, r.height), (Some(600), Some(1000)));
    let all = variants(&app, id);
    // 600 and 480 wide, JPEG and WebP each.
    assert_eq!(all.len(), 4, "{all:?}");
    for (_, _, _, key) in all {
        let bytes = fetch(&author, &key).await;
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "{key} has EXIF");
        assert!(
            !bytes.windows(GPS_LATITUDE.len()).any(|w| w == GPS_LATITUDE),
            "{key} has the GPS position"
        );
    }
    for path in files_on_disk(&app.settings.media_dir) {
        let bytes = std::fs::read(&path).expect("stored file");
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "{path} has EXIF");
    }
}

async fn large_images_are_scaled_and_variants_are_only_smaller(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let id = uploaded(&editor, "panorama.jpg", &jpeg(3000, 1000)).await;
    let r = row(&app, id);
    assert_eq!((r.width, r.height), (Some(2400), Some(800)));
    let widths: Vec<i32> = variants(&app, id)
        .into_iter()
        .filter(|v| v.0 == "jpeg")
        .map(|v| v.1)
        .collect();
    assert_eq!(widths, vec![2400, 1600, 960, 480]);
    let id = uploaded(&editor, "small.jpg", &jpeg(500, 400)).await;
    let widths: Vec<(i32, i32)> = variants(&app, id)
        .into_iter()
        .filter(|v| v.0 == "jpeg")
        .map(|v| (v.1, v.2))
        .collect();
    assert_eq!(widths, vec![(500, 400), (480, 384)]);
    let id = uploaded(&editor, "thumb.jpg", &jpeg(300, 200)).await;
    assert_eq!(
        variants(&app, id).len(),
        2,
        "only its own size, JPEG and WebP"
    );
}

async fn identical_uploads_are_stored_once(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let (author, _) = app.signed_in(Role::Author).await;
    let bytes = jpeg(640, 480);
    let first = uploaded(&editor, "group.jpg", &bytes).await;
    let files = files_on_disk(&app.settings.media_dir);
    let second = uploaded(&author, "group (copy).jpg", &bytes).await;
    assert_eq!(first, second);
    assert_eq!(media_count(&app), 1);
    assert_eq!(files_on_disk(&app.settings.media_dir), files);
    let page = author.get("/admin/media").await;
    assert_contains(&page.body, "group.jpg");
}

async fn a_file_in_use_cannot_be_deleted(app: TestApp) {
    let (editor, me) = app.signed_in(Role::Editor).await;
    let id = uploaded(&editor, "stage.jpg", &jpeg(800, 600)).await;
    let key = row(&app, id).storage_key;
    let article = app.article(&me, "Opening of the new hall", SaveAction::Publish);
    app.with_conn(|c| {
        diesel::update(articles::table.find(article.id))
            .set(articles::featured_media_id.eq(Some(id)))
            .execute(c)
            .expect("set featured image")
    });
    let page = editor.get(&format!("/admin/media/{id}")).await;
    assert_contains(&page.body, "Opening of the new hall");
    assert_contains(&page.body, "featured image");
    let confirm = editor.get(&format!("/admin/media/{id}/delete")).await;
    assert_eq!(confirm.status, StatusCode::CONFLICT);
    assert_contains(&confirm.body, "“Opening of the new hall” (featured image)");
    let res = editor.confirm(&format!("/admin/media/{id}/delete")).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_contains(&res.body, "nothing was deleted");
    assert_eq!(media_count(&app), 1);
    fetch(&editor, &key).await;
    // Once no article uses it, it goes, with its files.
    app.with_conn(|c| {
        diesel::update(articles::table.find(article.id))
            .set(articles::featured_media_id.eq(None::<i32>))
            .execute(c)
            .expect("unset featured image")
    });
    let confirm = editor.get(&format!("/admin/media/{id}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let res = editor.confirm(&format!("/admin/media/{id}/delete")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(media_count(&app), 0);
    assert_eq!(files_on_disk(&app.settings.media_dir), Vec::<String>::new());
    let gone = editor.get_bytes(&format!("/media/{key}"), &[]).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

async fn authors_manage_only_their_own_files(app: TestApp) {
    let (author, _) = app.signed_in(Role::Author).await;
    let (other, _) = app.signed_in(Role::Author).await;
    let (editor, _) = app.signed_in(Role::Editor).await;
    let id = uploaded(&author, "mine.jpg", &jpeg(200, 100)).await;
    let path = format!("/admin/media/{id}");
    assert_eq!(author.get(&path).await.status, StatusCode::OK);
    // Another author sees it in the library but may not change or delete it.
    assert_contains(&other.get("/admin/media").await.body, "mine.jpg");
    assert_eq!(other.get(&path).await.status, StatusCode::FORBIDDEN);
    let token = token(&other).await;
    let res = other
        .post_form(&path, &MediaForm::new().csrf(&token).alt("Defaced"))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = other.confirm(&format!("{path}/delete")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(media_count(&app), 1);
    // The author and an editor may.
    let token = crate::media::token(&author).await;
    let res = author
        .post_form(&path, &MediaForm::new().csrf(&token).alt("A red square"))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let token = crate::media::token(&editor).await;
    let res = editor
        .post_form(
            &path,
            &MediaForm::new()
                .csrf(&token)
                .alt("A red square on white")
                .credit("Photo: Press office"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = editor.get(&path).await;
    assert_contains(&page.body, "A red square on white");
    assert_contains(&page.body, "Photo: Press office");
    // Nobody signed in: to the sign-in page, nothing stored.
    let anonymous = app.client();
    let (content_type, body) = multipart(Some("x"), &[("a.jpg", &jpeg(10, 10))]);
    let res = anonymous
        .post_body("/admin/media", &content_type, &[], body)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/admin/login"));
    assert_eq!(
        anonymous.get("/admin/media").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(media_count(&app), 1);
}

async fn uploads_need_the_form_token(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let bytes = jpeg(120, 90);
    for token in [None, Some("forged-token")] {
        let (content_type, body) = multipart(token, &[("a.jpg", &bytes)]);
        let res = editor
            .post_body("/admin/media", &content_type, &[], body)
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{token:?}");
        assert_contains(&res.body, "This form has expired");
    }
    // A cross-site request with the right token is refused too.
    let good = self::token(&editor).await;
    let (content_type, body) = multipart(Some(&good), &[("a.jpg", &bytes)]);
    let res = editor
        .post_body(
            "/admin/media",
            &content_type,
            &[("Origin", "https://evil.example")],
            body,
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(media_count(&app), 0);
    assert_eq!(files_on_disk(&app.settings.media_dir), Vec::<String>::new());
    // A script may send the token in a header instead.
    let (content_type, body) = multipart(None, &[("a.jpg", &bytes)]);
    let res = editor
        .post_body(
            "/admin/media",
            &content_type,
            &[("X-CSRF-Token", &good)],
            body,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

async fn media_is_served_with_safe_headers_and_byte_ranges(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let visitor = app.client();
    let document = pdf(40_000);
    let id = uploaded(&editor, "Programme – Day 1.pdf", &document).await;
    let key = row(&app, id).storage_key;
    let url = format!("/media/{key}");
    let res = visitor.get_bytes(&url, &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, document);
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert_eq!(
        res.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(
        res.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(res.header("accept-ranges").as_deref(), Some("bytes"));
    assert_eq!(
        res.header("content-length"),
        Some(document.len().to_string())
    );
    let disposition = res.header("content-disposition").unwrap_or_default();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_contains(&disposition, "Programme");
    // Ranges: the first bytes, the last bytes, an open end, and one beyond the file.
    let len = document.len();
    let res = visitor.get_bytes(&url, &[("Range", "bytes=0-9")]).await;
    assert_eq!(res.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.body, document[..10]);
    assert_eq!(
        res.header("content-range"),
        Some(format!("bytes 0-9/{len}"))
    );
    let res = visitor.get_bytes(&url, &[("Range", "bytes=-100")]).await;
    assert_eq!(res.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.body, document[len - 100..]);
    let res = visitor
        .get_bytes(
            &url,
            &[("Range", "bytes=30000-"), ("Accept-Encoding", "gzip")],
        )
        .await;
    assert_eq!(res.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.body, document[30000..]);
    // Never compressed on the way: the byte positions are the file's.
    assert_eq!(res.header("content-encoding").as_deref(), Some("identity"));
    let res = visitor
        .get_bytes(&url, &[("Range", &format!("bytes={len}-"))])
        .await;
    assert_eq!(res.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(res.header("content-range"), Some(format!("bytes */{len}")));
    let head = visitor.head(&url).await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(
        head.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert_eq!(head.header("content-length"), Some(len.to_string()));
    assert!(head.body.is_empty());
    // Images are shown, not downloaded.
    let id = uploaded(&editor, "hall.jpg", &jpeg(300, 200)).await;
    let key = row(&app, id).storage_key;
    let res = visitor.get_bytes(&format!("/media/{key}"), &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-type").as_deref(), Some("image/jpeg"));
    assert_eq!(res.header("content-disposition"), None);
    assert_eq!(
        res.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    // Nothing but our keys is served.
    for bad in [
        "/media/../Cargo.toml",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/ab/cd.jpg",
        "/media/tmp/x.upload",
    ] {
        let res = visitor.get_bytes(bad, &[]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

async fn the_library_filters_and_edits_descriptions(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let (author, _) = app.signed_in(Role::Author).await;
    uploaded(&editor, "commemoration.jpg", &jpeg(320, 200)).await;
    uploaded(&author, "timetable.pdf", &pdf(1000)).await;
    let all = editor.get("/admin/media").await;
    assert_contains(&all.body, "commemoration.jpg");
    assert_contains(&all.body, "timetable.pdf");
    assert_contains(&all.body, "enctype=\"multipart/form-data\"");
    let docs = editor.get("/admin/media?kind=document").await;
    assert_contains(&docs.body, "timetable.pdf");
    assert_lacks(&docs.body, "commemoration.jpg");
    let found = editor.get("/admin/media?q=COMMEM").await;
    assert_contains(&found.body, "commemoration.jpg");
    assert_lacks(&found.body, "timetable.pdf");
    let id = app.with_conn(|c| {
        media::table
            .filter(media::original_name.eq("commemoration.jpg"))
            .select(media::id)
            .first::<i32>(c)
            .expect("id")
    });
    let token = token(&editor).await;
    let res = editor
        .post_form(
            &format!("/admin/media/{id}"),
            &MediaForm::new()
                .csrf(&token)
                .alt("Wreaths at the memorial")
                .caption("The commemoration on 20 January"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let found = editor.get("/admin/media?q=wreaths").await;
    assert_contains(&found.body, "commemoration.jpg");
    // 24 files a page.
    let editor_id = app.with_conn(|c| {
        media::table
            .select(media::uploaded_by)
            .first::<i32>(c)
            .expect("uploader")
    });
    for n in 0..30 {
        app.with_conn(|c| {
            chronicle::media::library::insert(
                c,
                &chronicle::media::library::NewMedia {
                    hash: format!("{n:064x}"),
                    kind: chronicle::media::library::Kind::Document,
                    mime: "application/pdf".into(),
                    storage_key: format!("00/{n:064x}.pdf"),
                    original_name: format!("minutes-{n:02}.pdf"),
                    byte_size: 1000,
                    width: None,
                    height: None,
                    uploaded_by: editor_id,
                },
                &[],
            )
            .expect("row")
        });
    }
    let first_page = editor.get("/admin/media").await;
    assert_contains(&first_page.body, "minutes-29.pdf");
    assert_lacks(&first_page.body, "minutes-05.pdf");
    assert_contains(
        &first_page.body,
        "rel=\"next\" href=\"/admin/media?page=2\"",
    );
    let second_page = editor.get("/admin/media?page=2").await;
    assert_contains(&second_page.body, "minutes-05.pdf");
    assert_eq!(
        editor.get("/admin/media?page=3").await.status,
        StatusCode::NOT_FOUND
    );
    let too_long = "x".repeat(301);
    let res = editor
        .post_form(
            &format!("/admin/media/{id}"),
            &MediaForm::new().csrf(&token).alt(&too_long),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "at most 300 characters");
}

async fn reports_show_featured_image_gallery_and_documents(app: TestApp) {
    let (editor, me) = app.signed_in(Role::Editor).await;
    let hall = uploaded(&editor, "hall.jpg", &jpeg(1200, 800)).await;
    let first = uploaded(&editor, "first.jpg", &jpeg(640, 480)).await;
    let second = uploaded(&editor, "second.jpg", &jpeg(500, 500)).await;
    let programme = uploaded(&editor, "programme.pdf", &pdf(3000)).await;
    let token = token(&editor).await;
    editor
        .post_form(
            &format!("/admin/media/{hall}"),
            &MediaForm::new()
                .csrf(&token)
                .alt("The great hall, full")
                .caption("The opening session")
                .credit("Photo: Press office"),
        )
        .await;
    let article = app.article(&me, "Conference in the great hall", SaveAction::Publish);
    let edit = editor
        .get(&format!("/admin/articles/{}/edit", article.id))
        .await;
    assert_contains(
        &edit.body,
        &format!("href=\"/admin/articles/{}/media\"", article.id),
    );
    let page_path = format!("/admin/articles/{}/media", article.id);
    let page = editor.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_contains(&page.body, "hall.jpg");
    assert_contains(&page.body, "programme.pdf");
    // A document cannot be the featured image.
    let res = editor
        .post_form(
            &page_path,
            &[("csrf_token", &token), ("featured", &programme.to_string())],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_contains(&res.body, "Only images from the library");
    let (hall_s, first_s, second_s, programme_s) = (
        hall.to_string(),
        format!("gallery_{first}"),
        format!("gallery_{second}"),
        format!("attach_{programme}"),
    );
    let (first_order, second_order) = (format!("order_{first}"), format!("order_{second}"));
    let res = editor
        .post_form(
            &page_path,
            &[
                ("csrf_token", &token),
                ("featured", &hall_s),
                (&first_s, "on"),
                (&first_order, "2"),
                (&second_s, "on"),
                (&second_order, "1"),
                (&programme_s, "on"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // The article page: a responsive, sized featured image whose srcset widths are real.
    let visitor = app.client();
    let public = visitor.get(&format!("/news/{}", article.slug)).await;
    assert_eq!(public.status, StatusCode::OK);
    let key = |id: i32, w: u32, ext: &str| {
        let main = row(&app, id).storage_key;
        let hash = main
            .split('/')
            .nth(1)
            .and_then(|n| n.split('-').next())
            .unwrap_or_default()
            .to_owned();
        format!("/media/{}/{hash}-{w}.{ext}", &hash[..2])
    };
    assert_contains(
        &public.body,
        &format!(
            "srcset=\"{} 480w, {} 960w, {} 1200w\"",
            key(hall, 480, "jpg"),
            key(hall, 960, "jpg"),
            key(hall, 1200, "jpg")
        ),
    );
    assert_contains(
        &public.body,
        &format!(
            "<source type=\"image/webp\" srcset=\"{} 480w, {} 960w, {} 1200w\"",
            key(hall, 480, "webp"),
            key(hall, 960, "webp"),
            key(hall, 1200, "webp")
        ),
    );
    assert_contains(
        &public.body,
        "width=\"1200\" height=\"800\" alt=\"The great hall, full\" loading=\"lazy\" decoding=\"async\"",
    );
    assert_contains(&public.body, "sizes=\"");
    assert_contains(&public.body, "The opening session");
    assert_contains(&public.body, "Photo: Press office");
    // Link previews use it.
    assert_contains(
        &public.body,
        &format!(
            "<meta property=\"og:image\" content=\"{}{}\">",
            app.addr,
            key(hall, 1200, "jpg")
        ),
    );
    assert_contains(
        &public.body,
        "<meta property=\"og:image:width\" content=\"1200\">",
    );
    assert_contains(&public.body, "content=\"summary_large_image\"");
    // The gallery: plain links to the large photos, in the chosen order, and its script.
    let second_link = format!("<a href=\"{}\" data-lightbox", key(second, 500, "jpg"));
    let first_link = format!("<a href=\"{}\" data-lightbox", key(first, 640, "jpg"));
    let (at_second, at_first) = (
        public
            .body
            .find(&second_link)
            .expect("second photo in the gallery"),
        public
            .body
            .find(&first_link)
            .expect("first photo in the gallery"),
    );
    assert!(at_second < at_first, "gallery order");
    assert_contains(&public.body, "js/gallery.js");
    // Documents, with name and size.
    assert_contains(&public.body, "programme.pdf</a> <small>(PDF,");
    // Cards in the listing show the image too.
    let home = visitor.get("/").await;
    assert_contains(&home.body, &format!("{} 480w", key(hall, 480, "jpg")));
    // Used files say where, and cannot be deleted.
    let used = editor.get(&format!("/admin/media/{first}")).await;
    assert_contains(&used.body, "Conference in the great hall</a> (gallery)");
    let res = editor
        .confirm(&format!("/admin/media/{programme}/delete"))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_contains(&res.body, "(attachment)");
    // An author may not change the files of someone else's (published) report.
    let (author, _) = app.signed_in(Role::Author).await;
    assert_eq!(author.get(&page_path).await.status, StatusCode::FORBIDDEN);
    let author_token = self::token(&author).await;
    let res = author
        .post_form(
            &page_path,
            &[("csrf_token", &author_token), ("featured", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.reload(article.id).featured_media_id, Some(hall));
}

async fn images_put_into_the_text_count_as_used(app: TestApp) {
    let (editor, _) = app.signed_in(Role::Editor).await;
    let id = uploaded(&editor, "choir.jpg", &jpeg(1600, 900)).await;
    let token = token(&editor).await;
    editor
        .post_form(
            &format!("/admin/media/{id}"),
            &MediaForm::new()
                .csrf(&token)
                .alt("The choir \"Sevda\" on stage")
                .caption("Evening concert"),
        )
        .await;
    let page = editor.get(&format!("/admin/media/{id}")).await;
    // The snippet, as the page shows it (escaped inside the text area).
    let start = page
        .body
        .find("readonly aria-describedby=\"snippet-hint\">")
        .expect("snippet")
        + "readonly aria-describedby=\"snippet-hint\">".len();
    let end = start
        + page.body[start..]
            .find("</textarea>")
            .expect("end of snippet");
    let snippet = page.body[start..end]
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#38;", "&");
    assert_contains(
        &snippet,
        "-960.jpg\" alt=\"The choir &quot;Sevda&quot; on stage\" width=\"960\" height=\"540\"",
    );
    assert_contains(&snippet, "<figcaption>Evening concert</figcaption>");
    let body = format!("<p>The concert began at seven.</p>{snippet}<p>Then the speeches.</p>");
    let res = editor
        .save_article(
            "/admin/articles",
            &ArticleForm::new()
                .title("Evening concert")
                .body(&body)
                .action("publish"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let public = app.client().get("/news/evening-concert").await;
    assert_contains(&public.body, "-960.jpg\" srcset=\"/media/");
    assert_contains(
        &public.body,
        "sizes=\"(min-width: 46rem) 42rem, 100vw\" alt=\"The choir",
    );
    assert_contains(&public.body, "<figcaption>Evening concert</figcaption>");
    // A static page's text gets the same.
    let res = editor
        .post_form(
            "/admin/pages",
            &PageForm::new()
                .csrf(&token)
                .title("Our concerts")
                .body(&body)
                .position("1")
                .published(),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.client().get("/our-concerts").await;
    assert_contains(&page.body, "-960.jpg\" srcset=\"/media/");
    assert_contains(&page.body, "<figcaption>Evening concert</figcaption>");
    let used = editor.get(&format!("/admin/media/{id}")).await;
    assert_contains(&used.body, "Our concerts</a> (in a page&#39;s text)");
    assert_contains(&used.body, "Evening concert</a> (in the text)");
    let res = editor.confirm(&format!("/admin/media/{id}/delete")).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(media_count(&app), 1);
}

/// The rich editor sends one file with the token in a header and asks for JSON: the image's
/// text-sized rendition, or the reason it was refused, with nothing stored.
async fn the_rich_editor_uploads_with_a_header_token_and_gets_json(app: TestApp) {
    let (client, _) = app.signed_in(Role::Author).await;
    let token = token(&client).await;
    let headers = [
        ("X-CSRF-Token", token.as_str()),
        ("Accept", "application/json"),
    ];
    let (content_type, body) = multipart(None, &[("hall.jpg", &jpeg(1800, 1200))]);
    let res = client
        .post_body("/admin/media", &content_type, &headers, body)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let json: serde_json::Value = serde_json::from_str(&res.body).expect("JSON");
    let file = &json["files"][0];
    assert_eq!(file["width"], 960);
    assert_eq!(file["height"], 640);
    let url = file["url"].as_str().expect("url");
    assert!(url.starts_with("/media/") && url.ends_with(".jpg"), "{url}");
    assert_eq!(client.get(url).await.status, StatusCode::OK);
    // In the published text the image gets every size of the same format, for phones.
    let (editor, _) = app.signed_in(Role::Editor).await;
    let res = editor
        .save_article(
            "/admin/articles",
            &ArticleForm::new()
                .title("Hall photo")
                .body(&format!(
                    r#"<figure><img src="{url}" width="960" height="640"></figure>"#
                ))
                .action("publish"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.client().get("/news/hall-photo").await;
    let small = url.replace("960", "480");
    assert!(
        page.body.contains(&format!(
            r#"<img src="{url}" srcset="{small} 480w, {url} 960w, "#
        )),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"sizes="(min-width: 46rem) 42rem, 100vw""#)
    );
    assert!(page.body.contains(r#"loading="lazy""#));

    let (content_type, body) = multipart(None, &[("page.jpg", b"<html><script>x</script>")]);
    let res = client
        .post_body("/admin/media", &content_type, &headers, body)
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let json: serde_json::Value = serde_json::from_str(&res.body).expect("JSON");
    assert!(
        json["error"]
            .as_str()
            .is_some_and(|e| e.contains("page.jpg") && e.contains("Nothing was stored")),
        "{json}"
    );
    assert_eq!(media_count(&app), 1);
}
