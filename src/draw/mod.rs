//! Every picture hud draws, and how it is rendered: [`Drawing`] is a picture drawn with plotters on
//! any backend, rendered here to PNG (with anti-aliased lines, [`smooth`]) or SVG by the file's
//! extension, and recorded for the layout check when asked ([`layout`]); labels are placed clear of
//! each other and of the data ([`labels`]). The figures: the hidden-unit picture of `plot_hidden`
//! ([`hidden`]) and its change over time ([`animate`]), the cube for K = 3 ([`cube`]), pairs and
//! strips for other K ([`space`]), decision regions over a grid ([`region`]), and line charts
//! ([`figure`]). Text is drawn with DejaVu Sans, embedded, so no system font is needed.

use anyhow::{anyhow, bail, ensure, Result};
use layout::Recording;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use smooth::Smooth;
use std::path::Path;
use std::sync::OnceLock;

pub mod animate;
pub mod cube;
pub mod explorer;
pub mod figure;
pub mod hidden;
pub mod labels;
pub mod layout;
pub mod region;
pub mod smooth;
pub mod space;

/// matplotlib's default colour cycle (`tab10`): C0 .. C9.
pub const COLOUR_CYCLE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// matplotlib's `'b'`.
pub const DOT_BLUE: RGBColor = RGBColor(0, 0, 255);

/// The marker at the start of each path in a trajectory picture.
pub const START_MARKER: RGBColor = RGBColor(0, 0, 0);

/// The picture's size in pixels: matplotlib's default 6.4 x 4.8 inch figure at 125 dpi.
pub const SIZE: (u32, u32) = (800, 600);

pub(crate) const FONT_FAMILY: &str = "sans-serif";
const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

pub(crate) fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT).is_ok());
    ensure!(ok, "the embedded font could not be loaded");
    Ok(())
}

/// An RGB buffer, row by row, encoded as PNG (compressed hard: the pictures are full of blended
/// colours).
pub fn png_bytes(width: u32, height: u32, rgb: Vec<u8>) -> Result<Vec<u8>> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    ensure!(rgb.len() == (width * height * 3) as usize, "picture buffer has the wrong size");
    let mut bytes = Vec::new();
    let encoder = PngEncoder::new_with_quality(&mut bytes, CompressionType::Best, FilterType::Adaptive);
    image::ImageEncoder::write_image(encoder, &rgb, width, height, image::ExtendedColorType::Rgb8)?;
    Ok(bytes)
}

/// The picture formats `--out` accepts, by file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    pub fn of(path: &Path) -> Result<Self> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => bail!("cannot draw {}: the picture's name must end in .png or .svg", path.display()),
        }
    }
}

/// A picture drawn with plotters, on whichever backend it is given.
pub trait Drawing {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static;
}

/// `drawing` as the bytes of a PNG or an SVG file, by `path`'s extension (nothing is written), at
/// [`SIZE`].
pub fn render(drawing: &impl Drawing, path: &Path) -> Result<Vec<u8>> {
    render_sized(drawing, path, SIZE)
}

/// `drawing` at `size` pixels as the bytes of a PNG or an SVG file, by `path`'s extension.
pub fn render_sized(drawing: &impl Drawing, path: &Path, size: (u32, u32)) -> Result<Vec<u8>> {
    let format = Format::of(path)?;
    layout::record_if_asked(size, Some(path), || match format {
        Format::Png => png_bytes(size.0, size.1, rgb_of(drawing, size)?),
        Format::Svg => Ok(render_svg(drawing, size)?.into_bytes()),
    })
}

/// `drawing` at `size` pixels as an RGB buffer, row by row.
pub fn render_rgb(drawing: &impl Drawing, size: (u32, u32)) -> Result<Vec<u8>> {
    layout::record_if_asked(size, None, || rgb_of(drawing, size))
}

fn rgb_of(drawing: &impl Drawing, size: (u32, u32)) -> Result<Vec<u8>> {
    let mut rgb = vec![0u8; (size.0 * size.1 * 3) as usize];
    {
        let root = Recording(Smooth(BitMapBackend::with_buffer(&mut rgb, size))).into_drawing_area();
        drawing.draw_on(&root)?;
        root.present().map_err(failed)?;
    }
    Ok(rgb)
}

pub(crate) fn render_svg(drawing: &impl Drawing, size: (u32, u32)) -> Result<String> {
    let mut svg = String::new();
    {
        let root = Recording(SVGBackend::with_string(&mut svg, size)).into_drawing_area();
        drawing.draw_on(&root)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// A drawing error as an `anyhow` error.
pub fn failed<E: std::error::Error + Send + Sync + 'static>(e: DrawingAreaErrorKind<E>) -> anyhow::Error {
    anyhow!("drawing failed: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picture_formats_come_from_the_extension() {
        assert_eq!(Format::of(Path::new("a/encoder.PNG")).unwrap(), Format::Png);
        assert_eq!(Format::of(Path::new("encoder.svg")).unwrap(), Format::Svg);
        assert!(Format::of(Path::new("encoder.jpg")).unwrap_err().to_string().contains(".png or .svg"));
    }
}
