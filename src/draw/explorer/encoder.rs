//! The encoder's explorer (`hud encoder --html`): the hidden-unit picture at every recorded epoch, the
//! loss of every epoch, and for each input item its target bits, hidden activations and outputs.
//!
//! Recorded epochs: the `--animate` schedule (epochs spaced logarithmically, `--frames-per-decade` per
//! tenfold) and every `--print-every` epoch (coarsened so that a run records at most
//! [`MAX_PRINTED_SNAPSHOTS`] of those), and the last. With two hidden units each snapshot holds what
//! the PNG draws, computed by the PNG's code: the dots, each output's line clipped as `plot_hidden`
//! clips it with its colour and its number's place, and the plot area's pixel frame, so that the page
//! puts every dot and line on the pixel where the PNG puts it. With three, the cube: the points, each
//! output's plane section, and the analysis's verdict at that epoch.

use super::{css, Curve};
use crate::data::targets::{bits, Target};
use crate::draw::animate::LogEpochs;
use crate::draw::cube::{CubeNumbers, CubePicture};
use crate::draw::hidden::{Frame, HiddenPicture};
use crate::draw::{COLOUR_CYCLE, SIZE};
use crate::engine::model::EncModel;
use crate::engine::trace::LinearTrace;
use anyhow::{ensure, Result};
use plotters::style::RGBColor;
use serde::Serialize;
use std::iter::Peekable;
use tch::nn::Module;

/// The most input items and outputs a page shows (each snapshot holds every output of every item).
pub const MAX_ITEMS: usize = 100;

/// The most snapshots taken for `--print-every` (beyond it, every k-th printed epoch is taken).
pub const MAX_PRINTED_SNAPSHOTS: u64 = 2_000;

/// What the page draws at one recorded epoch.
#[derive(Serialize, Clone, Debug)]
pub struct Snapshot {
    pub epoch: u64,
    /// That epoch's loss.
    pub loss: Option<f32>,
    /// Per input item, its hidden activations.
    pub hidden: Vec<Vec<f32>>,
    /// Per input item, each output.
    pub outputs: Vec<Vec<f32>>,
    /// K = 2: each drawn line, `[output, x0, y0, x1, y1, number_x, number_y, colour, a, b]`
    /// (`(a, b)`: the line's normal, towards the side where the output is above 0.5).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<[f32; 10]>,
    /// K = 3: each output's plane where it cuts the cube: `(output, colour, vertices)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub planes: Vec<(usize, usize, Vec<[f32; 3]>)>,
    /// K = 3: the analysis's verdict at this epoch, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
}

/// The page's data.
#[derive(Serialize, Clone, Debug)]
pub struct Explorer {
    pub kind: &'static str,
    /// `9-2-9 encoder, target input`: the start of each picture's title.
    pub name: String,
    pub hid: i64,
    /// Per input item, its target bits (`100000000`).
    pub targets: Vec<String>,
    /// Each dot's label where it is not just its number (`5: 101`), as the PNG labels it.
    pub labels: Option<Vec<String>>,
    /// Whether each line gets an arrow to its side above 0.5.
    pub positive_sides: bool,
    /// The picture's size and its plot area's pixels (K = 2).
    pub size: (u32, u32),
    pub frame: Option<FrameData>,
    /// matplotlib's colour cycle, as CSS colours.
    pub colours: Vec<String>,
    pub stop: f64,
    pub loss: Curve,
    pub snapshots: Vec<Snapshot>,
    /// The kernels the numbers were computed with.
    pub kernels: String,
}

/// [`Frame`] as the page reads it.
#[derive(Serialize, Clone, Copy, Debug)]
pub struct FrameData {
    pub left: i32,
    pub right: i32,
    pub bottom: i32,
    pub top: i32,
}

/// Keeps the snapshots of a run as it trains.
pub struct Recorder {
    name: String,
    target: Target,
    log_epochs: Peekable<LogEpochs>,
    print_step: u64,
    snapshots: Vec<Snapshot>,
}

impl Recorder {
    /// Checks that the page can be drawn (two or three hidden units) and stays small: at most
    /// [`MAX_ITEMS`] items and outputs.
    pub fn check(hid: i64, target: &Target) -> Result<()> {
        ensure!(
            hid == 2 || hid == 3,
            "--html draws hidden-unit space for 2 or 3 hidden units (a plane or a cube), this network has {hid}"
        );
        let (items, outputs) = (target.num_items(), target.num_outputs());
        ensure!(
            items <= MAX_ITEMS && outputs <= MAX_ITEMS,
            "--html shows at most {MAX_ITEMS} input items and {MAX_ITEMS} outputs (each recorded epoch holds \
             every output of every item); this network has {items} and {outputs}"
        );
        Ok(())
    }

    /// A recorder for a run of at most `max_epochs` epochs; `name` starts the title.
    pub fn new(
        name: String,
        target: &Target,
        max_epochs: u64,
        frames_per_decade: u32,
        print_every: u64,
    ) -> Self {
        let print_step = match print_every {
            0 => 0,
            every => super::coarsened(every, max_epochs, MAX_PRINTED_SNAPSHOTS),
        };
        Recorder {
            name,
            target: target.clone(),
            log_epochs: LogEpochs::new(frames_per_decade).peekable(),
            print_step,
            snapshots: Vec::new(),
        }
    }

    /// To be called after each epoch's step with its loss and the network as it now is.
    pub fn after_epoch(&mut self, epoch: u64, loss: f32, net: &EncModel) -> Result<()> {
        let logged = self.log_epochs.next_if_eq(&epoch).is_some();
        if logged || (self.print_step > 0 && epoch.is_multiple_of(self.print_step)) {
            self.snapshots.push(self.snapshot(epoch, Some(loss), net)?);
        }
        Ok(())
    }

    fn snapshot(&self, epoch: u64, loss: Option<f32>, net: &EncModel) -> Result<Snapshot> {
        // Row j: hidden unit j's activation for each item; the pictures' own constructors take them.
        let rows = Vec::<Vec<f32>>::try_from(net.hidden_points().to_device(tch::Device::Cpu))?;
        let hidden: Vec<Vec<f32>> =
            (0..rows[0].len()).map(|k| rows.iter().map(|row| row[k]).collect()).collect();
        let device = net.in_hid.weight.device();
        let output = tch::no_grad(|| net.forward(&self.target.inputs().to_device(device)));
        let outputs = Vec::<Vec<f32>>::try_from(output.to_device(tch::Device::Cpu))?;
        let hid_out = LinearTrace::of(&net.hid_out)?;
        let mut snapshot =
            Snapshot { epoch, loss, hidden, outputs, lines: vec![], planes: vec![], verdict: None };
        if rows.len() == 2 {
            let points = snapshot.hidden.iter().map(|h| (h[0], h[1])).collect();
            let picture = HiddenPicture::new(points, &hid_out.weight, &hid_out.bias, "");
            let places = picture.line_label_places(&Frame::of_pictures()?);
            snapshot.lines = picture
                .lines
                .iter()
                .zip(places)
                .map(|(line, (x, y))| {
                    let [(x0, y0), (x1, y1)] = line.ends;
                    let (a, b) = line.normal;
                    [line.output as f32, x0, y0, x1, y1, x, y, colour_index(line.colour) as f32, a, b]
                })
                .collect();
        } else {
            let numbers = CubeNumbers {
                points: snapshot.hidden.iter().map(|h| [h[0], h[1], h[2]]).collect(),
                weights: hid_out.weight.iter().map(|w| [w[0], w[1], w[2]]).collect(),
                biases: hid_out.bias,
            };
            // The planes as the cube picture draws them: in output order, coloured as drawn.
            snapshot.planes = CubePicture::new(&numbers, "", None)
                .planes
                .into_iter()
                .map(|plane| {
                    let vertices = plane.vertices.iter().map(|v| v.map(|c| c as f32)).collect();
                    (plane.output, colour_index(plane.colour), vertices)
                })
                .collect();
            snapshot.verdict = Some(numbers.analysis(self.target.is_identity()).verdict_text());
        }
        Ok(snapshot)
    }

    /// The page's data for a run that ended after `losses.len()` epochs with `net`: the last epoch is
    /// always a snapshot.
    pub fn finish(mut self, losses: &[f32], stop: f64, net: &EncModel) -> Result<Explorer> {
        let epochs = losses.len() as u64;
        if self.snapshots.last().map(|s| s.epoch) != Some(epochs) {
            self.snapshots.push(self.snapshot(epochs, losses.last().copied(), net)?);
        }
        let hid = net.in_hid.weight.size()[0];
        let labelled = HiddenPicture::new(vec![], &[], &[], "").labelled_for(&self.target);
        Ok(Explorer {
            kind: "encoder",
            name: self.name,
            hid,
            targets: self.target.rows().iter().map(|row| bits(row)).collect(),
            labels: labelled.dot_labels,
            positive_sides: labelled.positive_sides,
            size: SIZE,
            frame: (hid == 2).then(Frame::of_pictures).transpose()?.map(|f| FrameData {
                left: f.left,
                right: f.right,
                bottom: f.bottom,
                top: f.top,
            }),
            colours: COLOUR_CYCLE.iter().map(|&c| css(c)).collect(),
            stop,
            loss: Curve::of(losses),
            snapshots: self.snapshots,
            kernels: crate::engine::kernels::Kernels::here().describe(),
        })
    }
}

fn colour_index(colour: RGBColor) -> usize {
    COLOUR_CYCLE.iter().position(|&c| c == colour).unwrap_or(0)
}

impl Explorer {
    /// The page.
    pub fn html(&self) -> Result<String> {
        super::page(&self.name, self, include_str!("../../../assets/explorer/encoder.js"))
    }
}
