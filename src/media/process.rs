//! Turning an accepted upload into what is stored: images are decoded under limits, turned
//! upright (EXIF orientation), scaled to the longest edge allowed and re-encoded (which drops
//! EXIF, GPS and every other piece of metadata), with smaller renditions for `srcset`; PDFs are
//! kept as they are. Runs on the blocking thread pool: it takes a second or two for a photo.

use std::fs::File;
use std::io::{BufReader, Cursor};
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader};

use super::inspect::{self, Detected, Refusal};

/// Widths of the smaller renditions, made only where narrower than the stored image.
pub const VARIANT_WIDTHS: [u32; 3] = [480, 960, 1600];
/// Quality of JPEG renditions (0–100).
pub const JPEG_QUALITY: u8 = 80;
/// Quality of lossy WebP renditions (0–100): at 75, WebP is a third to a half the size of the
/// JPEG at 80 for the same photo.
pub const WEBP_QUALITY: f32 = 75.0;
/// WebP cannot be wider or taller than this.
const WEBP_MAX_EDGE: u32 = 16_383;

/// Limits an upload is processed under (from the settings).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_pixels: u64,
    pub max_edge: u32,
}

/// A stored format of an image rendition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    WebP,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::WebP => "webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::WebP => "webp",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::WebP => "image/webp",
        }
    }
}

/// One encoded image, ready to store.
#[derive(Debug, Clone)]
pub struct Rendition {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// What an upload became.
#[derive(Debug)]
pub enum Prepared {
    Image {
        /// The format of the main renditions: JPEG for photos, PNG where there is
        /// transparency. Every width also has a WebP rendition.
        main: Format,
        width: u32,
        height: u32,
        /// Widest first; the first is the stored image itself.
        renditions: Vec<Rendition>,
    },
    /// A PDF, stored as uploaded.
    Document,
}

/// Checks and prepares the file at `path`: its type from its content, then a full decode.
pub fn prepare(path: &Path, limits: Limits) -> Result<Prepared, Refusal> {
    let detected = {
        let mut head = Vec::with_capacity(512);
        let file = File::open(path).map_err(|_| Refusal::Empty)?;
        use std::io::Read;
        file.take(512)
            .read_to_end(&mut head)
            .map_err(|_| Refusal::Empty)?;
        inspect::sniff(&head)?
    };
    match detected {
        Detected::Pdf => {
            let file = File::open(path).map_err(|_| Refusal::DamagedPdf)?;
            if inspect::pdf_is_plausible(BufReader::new(file)).unwrap_or(false) {
                Ok(Prepared::Document)
            } else {
                Err(Refusal::DamagedPdf)
            }
        }
        image => prepare_image(path, image, limits),
    }
}

fn decode(path: &Path, detected: Detected, limits: Limits) -> Result<DynamicImage, Refusal> {
    let damaged = || Refusal::DamagedImage(detected.label());
    let format = match detected {
        Detected::Jpeg => ImageFormat::Jpeg,
        Detected::Png => ImageFormat::Png,
        Detected::Gif => ImageFormat::Gif,
        Detected::WebP => ImageFormat::WebP,
        Detected::Pdf => return Err(Refusal::UnknownType),
    };
    if detected == Detected::Jpeg {
        let file = File::open(path).map_err(|_| damaged())?;
        if !inspect::jpeg_is_complete(file).unwrap_or(false) {
            return Err(damaged());
        }
    }
    let file = File::open(path).map_err(|_| damaged())?;
    let mut reader = ImageReader::with_format(BufReader::new(file), format);
    // The header is read without limits so that the size it declares can be refused by name;
    // the decode itself runs under them.
    reader.no_limits();
    let mut decoder = reader.into_decoder().map_err(|_| damaged())?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(damaged());
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(Refusal::TooManyPixels {
            width,
            height,
            max: limits.max_pixels,
        });
    }
    let mut decode_limits = image::Limits::default();
    decode_limits.max_image_width = Some(width);
    decode_limits.max_image_height = Some(height);
    // Room for the largest pixel layout (16-bit RGBA) of an image within the limit.
    decode_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8) + (64 << 20));
    decoder
        .set_limits(decode_limits)
        .map_err(|_| Refusal::TooManyPixels {
            width,
            height,
            max: limits.max_pixels,
        })?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|_| damaged())?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn has_transparency(image: &DynamicImage) -> bool {
    if !image.color().has_alpha() {
        return false;
    }
    image.to_rgba8().pixels().any(|p| p.0[3] < u8::MAX)
}

fn encode(image: &DynamicImage, format: Format) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    match format {
        Format::Jpeg => {
            let rgb = image.to_rgb8();
            JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
                .write_image(
                    rgb.as_raw(),
                    rgb.width(),
                    rgb.height(),
                    image::ExtendedColorType::Rgb8,
                )
                .map_err(|e| e.to_string())?;
        }
        Format::Png => {
            let rgba = image.to_rgba8();
            PngEncoder::new(Cursor::new(&mut out))
                .write_image(
                    rgba.as_raw(),
                    rgba.width(),
                    rgba.height(),
                    image::ExtendedColorType::Rgba8,
                )
                .map_err(|e| e.to_string())?;
        }
        Format::WebP => {
            let memory = if image.color().has_alpha() {
                let rgba = image.to_rgba8();
                webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height())
                    .encode_simple(false, WEBP_QUALITY)
                    .map(|m| m.to_vec())
            } else {
                let rgb = image.to_rgb8();
                webp::Encoder::from_rgb(rgb.as_raw(), rgb.width(), rgb.height())
                    .encode_simple(false, WEBP_QUALITY)
                    .map(|m| m.to_vec())
            };
            out = memory.map_err(|e| format!("WebP encoding failed: {e:?}"))?;
        }
    }
    Ok(out)
}

/// The widths to make for an image `width` pixels wide: its own, then each smaller one.
pub fn rendition_widths(width: u32) -> Vec<u32> {
    let mut widths = vec![width];
    widths.extend(VARIANT_WIDTHS.iter().rev().filter(|w| **w < width));
    widths
}

fn prepare_image(path: &Path, detected: Detected, limits: Limits) -> Result<Prepared, Refusal> {
    let mut image = decode(path, detected, limits)?;
    let max_edge = limits.max_edge.max(1);
    if image.width().max(image.height()) > max_edge {
        image = image.resize(max_edge, max_edge, FilterType::CatmullRom);
    }
    let main = if has_transparency(&image) {
        Format::Png
    } else {
        // No alpha channel to carry: JPEG and WebP get three channels.
        image = DynamicImage::ImageRgb8(image.to_rgb8());
        Format::Jpeg
    };
    let (width, height) = (image.width(), image.height());
    // An encoder failing on a decoded image is our fault, not the file's; it is logged, and
    // the person is told the image could not be processed.
    let failed = |e: String| {
        log::error!("encoding an image rendition failed: {e}");
        Refusal::DamagedImage(detected.label())
    };
    let mut renditions = Vec::new();
    for w in rendition_widths(width) {
        let scaled = if w == width {
            image.clone()
        } else {
            let h = ((u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width))
                .max(1) as u32;
            image.resize_exact(w, h, FilterType::Lanczos3)
        };
        let mut formats = vec![main];
        if scaled.width().max(scaled.height()) <= WEBP_MAX_EDGE {
            formats.push(Format::WebP);
        }
        for format in formats {
            renditions.push(Rendition {
                format,
                width: scaled.width(),
                height: scaled.height(),
                bytes: encode(&scaled, format).map_err(failed)?,
            });
        }
    }
    Ok(Prepared::Image {
        main,
        width,
        height,
        renditions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_only_narrower_than_the_image() {
        assert_eq!(rendition_widths(2400), vec![2400, 1600, 960, 480]);
        assert_eq!(rendition_widths(1000), vec![1000, 960, 480]);
        assert_eq!(rendition_widths(480), vec![480]);
        assert_eq!(rendition_widths(300), vec![300]);
    }
}
