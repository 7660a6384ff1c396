//! `--device cpu|cuda`.

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

/// Where tensors live and run.
#[derive(clap::ValueEnum, Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DeviceArg {
    /// The CPU: bit for bit with PyTorch's CPU run.
    #[default]
    Cpu,
    /// The first CUDA GPU.
    Cuda,
}

impl DeviceArg {
    /// The libtorch device, or an error when CUDA is asked for and there is none.
    pub fn to_device(self) -> Result<tch::Device> {
        match self {
            DeviceArg::Cpu => Ok(tch::Device::Cpu),
            DeviceArg::Cuda if tch::Cuda::is_available() => Ok(tch::Device::Cuda(0)),
            DeviceArg::Cuda => bail!("--device cuda: CUDA is not available here (no GPU or no driver found)"),
        }
    }
}
