//! hud, hidden unit dynamics: the PyTorch lab scripts of UNSW's COMP9444 ported to tch, reproducing
//! PyTorch's numbers bit for bit on CPU, with the pictures the course draws.
//!
//! One module per ported script ([`encoder`]); the pieces they share each have their own: networks
//! built as PyTorch builds them ([`model`]), training loops ([`train`]), data ([`targets`]),
//! pictures ([`plot`]), traces ([`trace`]) and parity with saved PyTorch runs ([`parity`]).

pub mod device;
pub mod encoder;
pub mod files;
pub mod model;
pub mod parity;
pub mod plot;
pub mod targets;
pub mod trace;
pub mod train;
