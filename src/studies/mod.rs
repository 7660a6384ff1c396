//! The commands that study trained networks or many runs: `hud sweep` (many encoder runs at once),
//! `hud symmetry` and `hud nonlinearity` (the seed page's claims, measured), `hud exercises` (its two
//! exercises), and the trained network they examine ([`trained`]).

pub mod exercises;
pub mod nonlinearity;
pub mod sweep;
pub mod symmetry;
pub mod trained;
