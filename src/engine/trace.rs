//! Traces: what a run computed, as JSON, every float the exact f32 value.
//!
//! An f32 is written as the shortest decimal of its f64 widening, as Python's `json` writes
//! `tensor.tolist()`: that decimal reads back to the same f64, hence to the same f32, on either side.

use crate::engine::model::Linear;
use anyhow::Result;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tch::Tensor;

/// Serde helpers for `Vec<f32>` written exactly (see the module's notes).
pub mod exact_f32 {
    use super::*;

    pub fn serialize<S: Serializer>(values: &[f32], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(values.iter().map(|&v| f64::from(v)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        Ok(Vec::<f64>::deserialize(d)?.into_iter().map(|v| v as f32).collect())
    }
}

/// Serde helpers for `Vec<Vec<f32>>` (a matrix, row by row) written exactly.
pub mod exact_f32_rows {
    use super::*;

    pub fn serialize<S: Serializer>(rows: &[Vec<f32>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(rows.iter().map(|row| row.iter().map(|&v| f64::from(v)).collect::<Vec<f64>>()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<f32>>, D::Error> {
        let rows = Vec::<Vec<f64>>::deserialize(d)?;
        Ok(rows.into_iter().map(|row| row.into_iter().map(|v| v as f32).collect()).collect())
    }
}

/// A Linear layer's parameters, as PyTorch's state_dict holds them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LinearTrace {
    #[serde(with = "exact_f32_rows")]
    pub weight: Vec<Vec<f32>>,
    #[serde(with = "exact_f32")]
    pub bias: Vec<f32>,
}

impl LinearTrace {
    pub fn of(layer: &Linear) -> Result<Self> {
        Ok(LinearTrace {
            weight: Vec::<Vec<f32>>::try_from(layer.weight.to_device(tch::Device::Cpu).detach())?,
            bias: Vec::<f32>::try_from(layer.bias.to_device(tch::Device::Cpu).detach())?,
        })
    }

    /// The layer with these parameters (on the CPU, not trainable).
    pub fn to_linear(&self) -> Linear {
        let (rows, cols) = (self.weight.len() as i64, self.weight.first().map_or(0, Vec::len) as i64);
        let weight: Vec<f32> = self.weight.iter().flatten().copied().collect();
        Linear {
            weight: Tensor::from_slice(&weight).view([rows, cols]),
            bias: Tensor::from_slice(&self.bias),
        }
    }

    /// Every number, weights then biases, for element-wise comparison.
    pub fn values(&self) -> Vec<f32> {
        self.weight.iter().flatten().chain(&self.bias).copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_values_survive_a_round_trip_through_json_text() {
        let values: Vec<f32> =
            (0..2000).map(|i| (i as f32 * 0.7137).sin() * 10f32.powi(i % 13 - 6)).collect();
        let trace = LinearTrace { weight: vec![values.clone()], bias: values.clone() };
        let text = serde_json::to_string(&trace).unwrap();
        let back: LinearTrace = serde_json::from_str(&text).unwrap();
        for (a, b) in trace.values().into_iter().zip(back.values()) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }

    #[test]
    fn python_style_decimals_read_back_as_their_f32() {
        // json.dumps(torch.tensor([0.02, 1e-5]).tolist()) in Python.
        let back: LinearTrace =
            serde_json::from_str(r#"{"weight": [[0.019999999552965164]], "bias": [9.999999747378752e-06]}"#)
                .unwrap();
        assert_eq!(back.weight[0][0], 0.02f32);
        assert_eq!(back.bias[0], 1e-5f32);
    }
}
