//! Hidden unit dynamics over time: `hud encoder --animate FILE.gif` and `--trajectory FILE.png`.
//!
//! During training a [`Recorder`] keeps the hidden-unit picture ([`HiddenPicture`]: the dots, each
//! output's clipped line, the title with epoch and loss) at epochs spaced logarithmically (about 25
//! per tenfold, [`frame_epochs`]), and each dot's position at a denser logarithmic schedule. After
//! training the pictures become an animated GIF (looping, the last frame held longer, with
//! `--trails` each dot's path so far drawn behind it in a light colour), and the positions one
//! trajectory picture: each dot's whole path, a ring where it started, the numbered dot where it
//! ended, and the final output lines.
//!
//! The GIF uses one fixed palette (the picture's own colours exactly, blends of each with white for
//! anti-aliased edges, and greys), so the dots stay exactly [`DOT_BLUE`] and each line its colour;
//! each frame after the first stores only the rectangle that changed, with unchanged pixels
//! transparent. Nothing is written until the whole file is encoded in memory.

use crate::data::files;
use crate::data::targets::Target;
use crate::draw::hidden::{HiddenPicture, Raster, Trails};
use crate::draw::{Format, COLOUR_CYCLE, DOT_BLUE, START_MARKER};
use crate::engine::model::EncModel;
use anyhow::{anyhow, ensure, Result};
use plotters::style::RGBColor;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Frames per tenfold of epochs unless `--frames-per-decade` says otherwise.
pub const DEFAULT_FRAMES_PER_DECADE: u32 = 25;
/// Positions recorded per tenfold of epochs for the trails and the trajectory (and at every frame).
pub const PATH_SAMPLES_PER_DECADE: u32 = 200;
/// How long each frame shows, in milliseconds; the last one is held for [`LAST_FRAME_MS`].
pub const FRAME_MS: u16 = 80;
pub const LAST_FRAME_MS: u16 = 3000;
/// The trails behind the animation's dots: a light blue, thin.
pub const TRAIL_COLOUR: RGBColor = RGBColor(0xb4, 0xc8, 0xf4);
/// The paths of the trajectory picture: a stronger blue.
pub const PATH_COLOUR: RGBColor = RGBColor(0x6c, 0x8c, 0xe0);

/// Epochs 1, 2, 3, ... rounded from the geometric sequence 10^(i / per_decade), each once, in order.
#[derive(Clone, Debug)]
pub struct LogEpochs {
    per_decade: u32,
    step: u32,
    last: u64,
}

impl LogEpochs {
    pub fn new(per_decade: u32) -> Self {
        LogEpochs { per_decade: per_decade.max(1), step: 0, last: 0 }
    }
}

impl Iterator for LogEpochs {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        while self.last < u64::MAX {
            // `as` saturates: beyond u64 the sequence ends at u64::MAX.
            let epoch = 10f64.powf(f64::from(self.step) / f64::from(self.per_decade)).round() as u64;
            self.step = self.step.checked_add(1)?;
            if epoch > self.last {
                self.last = epoch;
                return Some(epoch);
            }
        }
        None
    }
}

/// The epochs a run that ends at `last_epoch` has frames for: [`LogEpochs`] up to it, then
/// `last_epoch` itself if the schedule missed it (a run with no epochs has one frame, epoch 0).
pub fn frame_epochs(last_epoch: u64, per_decade: u32) -> Vec<u64> {
    let mut epochs: Vec<u64> = LogEpochs::new(per_decade).take_while(|&e| e <= last_epoch).collect();
    if epochs.last() != Some(&last_epoch) {
        epochs.push(last_epoch);
    }
    epochs
}

/// What `hud encoder` was asked to record and where to write it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// `--animate`: the animated GIF.
    pub gif: Option<PathBuf>,
    /// `--trails`: draw each dot's path so far in the GIF's frames.
    pub trails: bool,
    /// `--trajectory`: the picture of the whole paths (.png or .svg).
    pub trajectory: Option<PathBuf>,
    /// `--frames-per-decade`.
    pub frames_per_decade: u32,
}

impl Request {
    /// Whether anything is to be recorded.
    pub fn wanted(&self) -> bool {
        self.gif.is_some() || self.trajectory.is_some()
    }

    /// Checks, before training, that the request can be met: a network with two hidden units, a
    /// `.gif` name for the animation, a `.png` or `.svg` name for the trajectory, writable places,
    /// and names that none of the run's `other_outputs` has.
    pub fn check(&self, hid: i64, other_outputs: &[&Path]) -> Result<()> {
        ensure!(
            !self.trails || self.gif.is_some(),
            "--trails draws in the animation: give --animate FILE.gif too"
        );
        let mut taken: Vec<&Path> = other_outputs.to_vec();
        for (option, path) in [("--animate", &self.gif), ("--trajectory", &self.trajectory)] {
            let Some(path) = path else { continue };
            // With 3 hidden units, --animate shows the trained cube turning (src/draw/cube.rs).
            let turning = option == "--animate" && hid == 3;
            ensure!(
                hid == 2 || turning,
                "{option} needs 2 hidden units (the picture is of a plane{}), this network has {hid}",
                if option == "--animate" { "; with 3 it turns the cube" } else { "" }
            );
            ensure!(
                hid == 2 || !self.trails,
                "--trails needs 2 hidden units (it draws paths in a plane), this network has {hid}"
            );
            if option == "--animate" {
                let gif = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
                ensure!(
                    gif.as_deref() == Some("gif"),
                    "cannot animate into {}: the name must end in .gif",
                    path.display()
                );
            } else {
                Format::of(path)?;
            }
            if let Some(same) = taken.iter().find(|&&other| other == path) {
                return Err(anyhow!("{option} names {}, which another output also names", same.display()));
            }
            files::check_writable(path)?;
            taken.push(path);
        }
        Ok(())
    }
}

/// One frame: its epoch, that epoch's loss (none before the first epoch), and the picture.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub epoch: u64,
    pub loss: Option<f32>,
    pub picture: HiddenPicture,
}

/// Keeps the pictures and positions of a run as it trains.
pub struct Recorder {
    request: Request,
    name: String,
    frame_epochs: std::iter::Peekable<LogEpochs>,
    sample_epochs: std::iter::Peekable<LogEpochs>,
    frames: Vec<Snapshot>,
    samples: Vec<(u64, Vec<(f32, f32)>)>,
    /// The frames are labelled for this target, as the still picture is ([`HiddenPicture::labelled_for`]).
    target: Target,
}

impl Recorder {
    /// A recorder for `request`; `name` starts each title (e.g. `9-2-9 encoder, target input`).
    pub fn new(request: Request, name: impl Into<String>, target: &Target) -> Self {
        let frame_epochs = LogEpochs::new(request.frames_per_decade).peekable();
        let sample_epochs = LogEpochs::new(PATH_SAMPLES_PER_DECADE).peekable();
        Recorder {
            request,
            name: name.into(),
            frame_epochs,
            sample_epochs,
            frames: vec![],
            samples: vec![],
            target: target.clone(),
        }
    }

    fn title(&self, epoch: u64, loss: Option<f32>) -> String {
        crate::draw::hidden::epoch_title(&self.name, epoch, loss)
    }

    /// To be called after each epoch's step with that epoch's loss and the network as it now is.
    pub fn after_epoch(&mut self, epoch: u64, loss: f32, net: &EncModel) -> Result<()> {
        let frame = self.frame_epochs.next_if_eq(&epoch).is_some();
        let sample = self.sample_epochs.next_if_eq(&epoch).is_some();
        if frame || sample {
            self.record(epoch, Some(loss), net, frame)?;
        }
        Ok(())
    }

    fn record(&mut self, epoch: u64, loss: Option<f32>, net: &EncModel, frame: bool) -> Result<()> {
        let picture = HiddenPicture::of(net, self.title(epoch, loss))?.labelled_for(&self.target);
        self.samples.push((epoch, picture.points.clone()));
        if frame {
            self.frames.push(Snapshot { epoch, loss, picture });
        }
        Ok(())
    }

    /// The recording of a run that ended after `epochs` epochs, the last with loss `loss`, with `net`
    /// as training left it: its last epoch is always a frame.
    pub fn finish(mut self, epochs: u64, loss: Option<f32>, net: &EncModel) -> Result<Recording> {
        if self.frames.last().map(|frame| frame.epoch) != Some(epochs) {
            if self.samples.last().map(|(e, _)| *e) == Some(epochs) {
                self.samples.pop();
            }
            self.record(epochs, loss, net, true)?;
        }
        Ok(Recording { request: self.request, name: self.name, frames: self.frames, samples: self.samples })
    }
}

/// A finished run's frames and positions.
pub struct Recording {
    pub request: Request,
    name: String,
    /// The frames, in order.
    pub frames: Vec<Snapshot>,
    /// Each recorded epoch and every dot's position then (every frame's epoch among them).
    pub samples: Vec<(u64, Vec<(f32, f32)>)>,
}

impl Recording {
    /// Each dot's path over the samples up to `epoch`.
    fn paths_until(&self, epoch: u64) -> Vec<Vec<(f32, f32)>> {
        let count = self.samples.first().map_or(0, |(_, points)| points.len());
        let mut paths = vec![Vec::new(); count];
        for (_, points) in self.samples.iter().take_while(|(e, _)| *e <= epoch) {
            for (path, &point) in paths.iter_mut().zip(points) {
                path.push(point);
            }
        }
        paths
    }

    /// The GIF's frames as pictures, with trails if requested.
    pub fn frame_pictures(&self) -> Vec<HiddenPicture> {
        self.frames
            .iter()
            .map(|Snapshot { epoch, picture, .. }| {
                let trails = self.request.trails.then(|| Trails {
                    paths: self.paths_until(*epoch),
                    colour: TRAIL_COLOUR,
                    width: 2,
                    start_markers: false,
                });
                HiddenPicture { trails, ..picture.clone() }
            })
            .collect()
    }

    /// The trajectory picture: the last frame's dots and lines, each dot's whole path behind it, and
    /// a ring where each path starts.
    pub fn trajectory(&self) -> Result<HiddenPicture> {
        let Snapshot { epoch: last, loss, picture } =
            self.frames.last().ok_or_else(|| anyhow!("nothing was recorded"))?;
        let first = self.samples.first().map_or(*last, |(e, _)| *e);
        let loss = loss.map(|l| format!(", loss {l:.4}")).unwrap_or_default();
        Ok(HiddenPicture {
            title: format!("{}: trajectory from epoch {first} to {last}{loss}", self.name),
            trails: Some(Trails {
                paths: self.paths_until(*last),
                colour: PATH_COLOUR,
                width: 2,
                start_markers: true,
            }),
            ..picture.clone()
        })
    }

    /// The animated GIF, encoded in memory.
    pub fn gif(&self) -> Result<Vec<u8>> {
        encode_gif(&self.frame_pictures())
    }

    /// Renders what was requested into memory: the GIF and the trajectory picture, with their names.
    pub fn render(&self) -> Result<Rendered> {
        let mut files = Vec::new();
        if let Some(path) = &self.request.gif {
            let bytes = self.gif()?;
            let count = self.frames.len();
            let note = format!(
                "{count} frame{}, {} KB",
                if count == 1 { "" } else { "s" },
                bytes.len().div_ceil(1024)
            );
            files.push((path.clone(), bytes, note));
        }
        if let Some(path) = &self.request.trajectory {
            let picture = self.trajectory()?;
            let bytes = match Format::of(path)? {
                Format::Png => picture.raster()?.png()?,
                Format::Svg => picture.svg()?.into_bytes(),
            };
            files.push((path.clone(), bytes, "trajectory".into()));
        }
        Ok(Rendered { files })
    }
}

/// Rendered files, not yet written.
pub struct Rendered {
    /// Each file's name, contents, and a note for the "wrote" line.
    pub files: Vec<(PathBuf, Vec<u8>, String)>,
}

impl Rendered {
    /// Writes each file whole or not at all, and says so on standard error.
    pub fn write(&self) -> Result<()> {
        for (path, bytes, note) in &self.files {
            files::write_atomically(path, bytes)?;
            eprintln!("wrote {} ({note})", path.display());
        }
        Ok(())
    }
}

/// A frame as palette indices, row by row.
struct Indexed {
    width: u32,
    height: u32,
    indices: Vec<u8>,
}

/// A frame rendered to pixels: width, height, and RGB row by row.
pub type Pixels = (u32, u32, Vec<u8>);

/// Renders the frames and maps them to the palette, spread over the machine's cores.
fn render_indexed<T: Sync>(
    pictures: &[T],
    threads: usize,
    render: &(impl Fn(&T) -> Result<Pixels> + Sync),
) -> Result<Vec<Indexed>> {
    let chunk = pictures.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = pictures
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut palette = Palette::new();
                    let index = |picture: &T| {
                        let (width, height, rgb) = render(picture)?;
                        let indices = palette.indices(&rgb);
                        Ok(Indexed { width, height, indices })
                    };
                    part.iter().map(index).collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut frames = Vec::with_capacity(pictures.len());
        for worker in workers {
            frames.extend(worker.join().map_err(|_| anyhow!("rendering a frame failed"))??);
        }
        Ok(frames)
    })
}

/// The palette index GIF frames use for "unchanged since the previous frame".
const TRANSPARENT: u8 = 255;

/// A fixed palette: the pictures' colours exactly, their blends with white, and greys.
struct Palette {
    colours: Vec<[u8; 3]>,
    cache: HashMap<[u8; 3], u8>,
}

impl Palette {
    fn new() -> Self {
        let rgb = |c: RGBColor| [c.0, c.1, c.2];
        let mut inks: Vec<[u8; 3]> = vec![[0, 0, 0], rgb(DOT_BLUE), [0x33, 0x33, 0x33], rgb(START_MARKER)];
        inks.extend(COLOUR_CYCLE.iter().map(|&c| rgb(c)));
        inks.extend([rgb(TRAIL_COLOUR), rgb(PATH_COLOUR)]);
        let mut colours: Vec<[u8; 3]> = vec![[255, 255, 255]];
        for ink in &inks {
            for step in 1..=8u32 {
                let mix = |v: u8| ((u32::from(v) * step + 255 * (8 - step) + 4) / 8) as u8;
                colours.push(ink.map(mix));
            }
        }
        colours.extend((0..16u8).map(|g| [g * 17; 3]));
        let mut seen = std::collections::HashSet::new();
        colours.retain(|c| seen.insert(*c));
        assert!(colours.len() <= TRANSPARENT as usize, "palette too large");
        Palette { colours, cache: HashMap::new() }
    }

    /// The palette as GIF wants it, 256 entries of r, g, b.
    fn table(&self) -> Vec<u8> {
        let mut table: Vec<u8> = self.colours.iter().flatten().copied().collect();
        table.resize(256 * 3, 0);
        table
    }

    /// The index of the nearest colour (the exact one when the palette has it).
    fn index(&mut self, pixel: [u8; 3]) -> u8 {
        let colours = &self.colours;
        *self.cache.entry(pixel).or_insert_with(|| {
            let distance = |c: &[u8; 3]| -> i32 {
                c.iter().zip(pixel).map(|(&a, b)| (i32::from(a) - i32::from(b)).pow(2)).sum()
            };
            (0..colours.len()).min_by_key(|&i| distance(&colours[i])).unwrap() as u8
        })
    }

    fn indices(&mut self, rgb: &[u8]) -> Vec<u8> {
        let mut previous = ([255u8; 3], self.index([255; 3]));
        rgb.chunks_exact(3)
            .map(|p| {
                let pixel = [p[0], p[1], p[2]];
                if pixel != previous.0 {
                    previous = (pixel, self.index(pixel));
                }
                previous.1
            })
            .collect()
    }
}

/// Encodes the pictures as a looping GIF: the first frame whole, each later one as the rectangle
/// that changed (unchanged pixels transparent), each shown [`FRAME_MS`], the last [`LAST_FRAME_MS`].
fn encode_gif(pictures: &[HiddenPicture]) -> Result<Vec<u8>> {
    let render = |picture: &HiddenPicture| {
        let Raster { width, height, rgb, .. } = picture.raster()?;
        Ok((width, height, rgb))
    };
    encode_frames(pictures, render, FRAME_MS, LAST_FRAME_MS)
}

/// Encodes any pictures, each rendered to pixels by `render` (all of one size, in the palette's
/// colours: those of [`crate::draw::hidden`], their blends with white, and greys), as a looping GIF: the first
/// frame whole, each later one as the rectangle that changed (unchanged pixels transparent), each
/// shown `frame_ms`, the last `last_frame_ms`. Frames are rendered a batch at a time, on all cores, so
/// only a batch of rasters is held at once.
pub fn encode_frames<T: Sync>(
    pictures: &[T],
    render: impl Fn(&T) -> Result<Pixels> + Sync,
    frame_ms: u16,
    last_frame_ms: u16,
) -> Result<Vec<u8>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let table = Palette::new().table();
    let size = |v: u32| u16::try_from(v).map_err(|_| anyhow!("frames of {v} pixels are too large"));
    let mut encoder: Option<gif::Encoder<Vec<u8>>> = None;
    let mut shown: Option<Indexed> = None;
    let mut written = 0;
    for batch in pictures.chunks(threads * 4) {
        for next in render_indexed(batch, threads, &render)? {
            let (width, height) = (size(next.width)?, size(next.height)?);
            let encoder = match &mut encoder {
                Some(encoder) => encoder,
                None => {
                    let mut new = gif::Encoder::new(Vec::new(), width, height, &table)?;
                    new.set_repeat(gif::Repeat::Infinite)?;
                    encoder.insert(new)
                }
            };
            let mut frame = match &shown {
                None => {
                    gif::Frame { width, height, buffer: Cow::Borrowed(&next.indices), ..Default::default() }
                }
                Some(shown) => {
                    let same_size = (shown.width, shown.height) == (next.width, next.height);
                    ensure!(same_size, "the frames differ in size");
                    changed_rectangle(&shown.indices, &next.indices, usize::from(width))
                }
            };
            written += 1;
            frame.delay = if written == pictures.len() { last_frame_ms } else { frame_ms } / 10;
            frame.dispose = gif::DisposalMethod::Keep;
            encoder.write_frame(&frame)?;
            shown = Some(next);
        }
    }
    Ok(encoder.ok_or_else(|| anyhow!("no frames to animate"))?.into_inner()?)
}

/// The smallest rectangle of `next` that differs from `shown`, as a frame whose unchanged pixels are
/// transparent (a single transparent pixel when nothing changed).
fn changed_rectangle(shown: &[u8], next: &[u8], width: usize) -> gif::Frame<'static> {
    let (mut left, mut right, mut top, mut bottom) = (usize::MAX, 0, usize::MAX, 0);
    for (i, (a, b)) in shown.iter().zip(next).enumerate() {
        if a != b {
            let (x, y) = (i % width, i / width);
            (left, right, top, bottom) = (left.min(x), right.max(x), top.min(y), bottom.max(y));
        }
    }
    if left == usize::MAX {
        (left, right, top, bottom) = (0, 0, 0, 0);
    }
    let mut buffer = Vec::with_capacity((right - left + 1) * (bottom - top + 1));
    for y in top..=bottom {
        let row = y * width;
        for x in left..=right {
            let (a, b) = (shown[row + x], next[row + x]);
            buffer.push(if a == b { TRANSPARENT } else { b });
        }
    }
    gif::Frame {
        left: left as u16,
        top: top as u16,
        width: (right - left + 1) as u16,
        height: (bottom - top + 1) as u16,
        transparent: Some(TRANSPARENT),
        buffer: Cow::Owned(buffer),
        ..gif::Frame::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_epochs_are_spaced_logarithmically_and_end_at_the_last_epoch() {
        let epochs = frame_epochs(15673, 25);
        assert_eq!(epochs[..12], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert!(epochs.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(*epochs.last().unwrap(), 15673);
        // 1 to 10 one by one, then 25 per tenfold up to 10^4.2, then the last epoch.
        assert_eq!(epochs.len(), 10 + 79 + 1, "{epochs:?}");
        assert!(epochs.contains(&100) && epochs.contains(&1000) && epochs.contains(&10000));
        // Past the first tenfold the ratio between frames is 10^(1/25), about 1.096.
        for w in epochs.windows(2).filter(|w| w[0] >= 100 && w[1] < 15673) {
            let ratio = w[1] as f64 / w[0] as f64;
            assert!((1.08..1.11).contains(&ratio), "{w:?}");
        }
    }

    #[test]
    fn short_runs_and_other_densities() {
        assert_eq!(frame_epochs(0, 25), [0]);
        assert_eq!(frame_epochs(1, 25), [1]);
        assert_eq!(frame_epochs(7, 25), [1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(frame_epochs(1000, 1), [1, 10, 100, 1000]);
        assert_eq!(frame_epochs(1500, 1), [1, 10, 100, 1000, 1500]);
        assert_eq!(frame_epochs(100, 2), [1, 3, 10, 32, 100]);
        // The path samples include every frame's epoch.
        let samples: Vec<u64> =
            LogEpochs::new(PATH_SAMPLES_PER_DECADE).take_while(|&e| e <= 100000).collect();
        assert!(frame_epochs(100000, DEFAULT_FRAMES_PER_DECADE).iter().all(|e| samples.contains(e)));
        // The sequence ends instead of looping forever at the top of u64.
        assert_eq!(LogEpochs::new(1).last(), Some(u64::MAX));
    }

    #[test]
    fn the_palette_keeps_the_pictures_colours_exactly() {
        let mut palette = Palette::new();
        for colour in COLOUR_CYCLE.iter().chain(&[DOT_BLUE, TRAIL_COLOUR, PATH_COLOUR, START_MARKER]) {
            let index = palette.index([colour.0, colour.1, colour.2]);
            assert_eq!(palette.colours[index as usize], [colour.0, colour.1, colour.2]);
        }
        let index = palette.index([255, 255, 255]);
        assert_eq!(palette.colours[index as usize], [255, 255, 255]);
        let index = palette.index([253, 254, 253]);
        assert_eq!(palette.colours[index as usize], [255, 255, 255]);
        assert!(palette.colours.len() < TRANSPARENT as usize);
    }

    #[test]
    fn later_frames_hold_only_what_changed() {
        let shown = vec![0u8; 20];
        let mut next = shown.clone();
        next[6] = 3;
        next[13] = 4;
        let frame = changed_rectangle(&shown, &next, 5);
        assert_eq!((frame.left, frame.top, frame.width, frame.height), (1, 1, 3, 2));
        assert_eq!(&frame.buffer[..], [3, 255, 255, 255, 255, 4]);
        let same = changed_rectangle(&shown, &shown, 5);
        assert_eq!((same.width, same.height, &same.buffer[..]), (1, 1, &[TRANSPARENT][..]));
    }
}
