//! The spirals' explorer (`hud spirals --html`): the output's map and every hidden unit's map, painted
//! by the script's rules (output >= 0.5; a unit's activation >= 0, > 0 for ReLU, >= 0.5 for sigmoid),
//! at recorded epochs, with the points on top; the loss and accuracy of every epoch.
//!
//! Recorded epochs: [`MAPS_PER_DECADE`] per tenfold, spaced logarithmically, every [`MAPS_EVERY`]th
//! epoch (every k-th thousand where the run could last longer than [`MAX_EVERY_MAPS`] thousand), and
//! the last. Each map is the network's pass over the course's rectangle
//! at a step of [`MAP_STEP`] (141 x 133 points), stored as a two-colour PNG in the page.

use super::{css, Curve};
use crate::data::points::PointSet;
use crate::draw::animate::LogEpochs;
use crate::draw::region::{self, Grid, PAINTED, UNPAINTED};
use crate::engine::nets::PointNet;
use anyhow::Result;
use base64::Engine as _;
use serde::Serialize;
use std::iter::Peekable;
use tch::Device;

/// Maps recorded per tenfold of epochs.
pub const MAPS_PER_DECADE: u32 = 8;
/// And at every this many epochs.
pub const MAPS_EVERY: u64 = 1_000;
/// The most epochs recorded at multiples of [`MAPS_EVERY`].
pub const MAX_EVERY_MAPS: u64 = 25;
/// The maps' grid step over the course's rectangle.
pub const MAP_STEP: f64 = 0.1;

/// One hidden unit's (or the output's) name and what its painted colour means.
#[derive(Serialize, Clone, Debug)]
pub struct Unit {
    pub name: String,
    pub painted: String,
}

/// Every map at one recorded epoch, in the order of [`Explorer::units`], as `data:` PNG URIs.
#[derive(Serialize, Clone, Debug)]
pub struct Maps {
    pub epoch: u64,
    pub loss: f32,
    pub accuracy: f32,
    pub images: Vec<String>,
}

/// The page's data.
#[derive(Serialize, Clone, Debug)]
pub struct Explorer {
    pub kind: &'static str,
    pub name: String,
    pub units: Vec<Unit>,
    /// The rectangle the maps cover: `((x_low, x_high), (y_low, y_high))`, and their pixels.
    pub extent: ((f64, f64), (f64, f64)),
    pub grid: (usize, usize),
    /// The points: `(x, y, class)`.
    pub points: Vec<(f32, f32, u8)>,
    pub colours: [String; 4],
    pub maps: Vec<Maps>,
    pub loss: Curve,
    pub accuracy: Curve,
    pub kernels: String,
}

/// Keeps the maps of a run as it trains.
pub struct Recorder {
    name: String,
    grid: Grid,
    inputs: tch::Tensor,
    log_epochs: Peekable<LogEpochs>,
    every: u64,
    maps: Vec<Maps>,
}

impl Recorder {
    /// A recorder for a run of at most `max_epochs` epochs; `name` is the page's title.
    pub fn new(name: String, max_epochs: u64, device: Device) -> Result<Self> {
        let grid = Grid::new((-7.0, 7.1), (-6.6, 6.7), MAP_STEP)?;
        let inputs = grid.points(device);
        let every = super::coarsened(MAPS_EVERY, max_epochs, MAX_EVERY_MAPS);
        let log_epochs = LogEpochs::new(MAPS_PER_DECADE).peekable();
        Ok(Recorder { name, grid, inputs, log_epochs, every, maps: Vec::new() })
    }

    /// To be called after each epoch with its loss and accuracy and the network as it now is.
    pub fn after_epoch(&mut self, epoch: u64, loss: f32, accuracy: f32, net: &PointNet) -> Result<()> {
        let logged = self.log_epochs.next_if_eq(&epoch).is_some();
        if logged || epoch.is_multiple_of(self.every) {
            self.record(epoch, loss, accuracy, net)?;
        }
        Ok(())
    }

    fn record(&mut self, epoch: u64, loss: f32, accuracy: f32, net: &PointNet) -> Result<()> {
        let pass = tch::no_grad(|| net.pass(&self.inputs));
        let mut images = vec![self.image(&region::painted_where(&pass.output, 0.5)?)?];
        for hidden in &pass.hidden {
            for unit in region::painted_units(hidden, net.shape.act)? {
                images.push(self.image(&unit)?);
            }
        }
        self.maps.push(Maps { epoch, loss, accuracy, images });
        Ok(())
    }

    /// A map as a PNG `data:` URI, y up (the grid's last row on top).
    fn image(&self, painted: &[bool]) -> Result<String> {
        let (width, height) = (self.grid.xs.len(), self.grid.ys.len());
        let mut rgb = Vec::with_capacity(width * height * 3);
        for row in painted.chunks(width).rev() {
            for &on in row {
                let colour = if on { PAINTED } else { UNPAINTED };
                rgb.extend([colour.0, colour.1, colour.2]);
            }
        }
        let png = crate::draw::png_bytes(width as u32, height as u32, rgb)?;
        Ok(format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png)))
    }

    /// The page's data for a finished run: the last epoch is always recorded.
    pub fn finish(
        mut self,
        losses: &[f32],
        accuracies: &[f32],
        net: &PointNet,
        points: &PointSet,
    ) -> Result<Explorer> {
        let epochs = losses.len() as u64;
        if let (Some(&loss), Some(&accuracy)) = (losses.last(), accuracies.last()) {
            if self.maps.last().map(|m| m.epoch) != Some(epochs) {
                self.record(epochs, loss, accuracy, net)?;
            }
        }
        let painted = net.shape.act.on_label();
        let mut units = vec![Unit { name: "output".into(), painted: "output >= 0.5".into() }];
        for layer in 1..=net.shape.hidden_layers() {
            units.extend((0..net.shape.hid).map(|node| Unit {
                name: format!("hidden layer {layer}, unit {node}"),
                painted: painted.into(),
            }));
        }
        Ok(Explorer {
            kind: "spirals",
            name: self.name,
            units,
            extent: self.grid.extent(),
            grid: (self.grid.xs.len(), self.grid.ys.len()),
            points: points.rows().into_iter().map(|(x, y, class)| (x, y, u8::from(class))).collect(),
            colours: [css(PAINTED), css(UNPAINTED), css(region::CLASS_0), css(region::CLASS_1)],
            maps: self.maps,
            loss: Curve::of(losses),
            accuracy: Curve::of(accuracies),
            kernels: crate::engine::kernels::Kernels::here().describe(),
        })
    }
}

impl Explorer {
    /// The page.
    pub fn html(&self) -> Result<String> {
        super::page(&self.name, self, include_str!("../../../assets/explorer/spirals.js"))
    }
}
