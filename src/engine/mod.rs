//! What makes the numbers the way PyTorch makes them: networks built as PyTorch builds them
//! ([`model`], [`nets`], [`deep`]), optimisers as Python runs them ([`optim`]), the ATen calls tch
//! lacks ([`ops`]), training loops ([`train`]), many runs as one tensor program ([`batched`]), devices
//! ([`device`]), the CPU kernels libtorch computes with ([`kernels`]) and layers' numbers as exact
//! JSON ([`trace`]).

pub mod batched;
pub mod deep;
pub mod device;
pub mod kernels;
pub mod model;
pub mod nets;
pub mod ops;
pub mod optim;
pub mod recurrent;
pub mod scalar_srn;
pub mod shard;
pub mod stacked;
pub mod trace;
pub mod train;
