//! Measurements of the numbers a run made: the geometry of the hidden-unit cube and its verdict
//! ([`cube`]), percentiles as numpy computes them ([`stats`]).

pub mod cube;
pub mod stats;
