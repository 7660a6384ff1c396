//! What goes in and out of a run: named and CSV targets ([`targets`]), 2-D point sets ([`points`]),
//! and outputs written all or nothing ([`files`]).

pub mod files;
pub mod numpy;
pub mod points;
pub mod targets;
