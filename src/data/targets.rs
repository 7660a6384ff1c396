//! Training data for the encoder scripts: the named targets of the course and 0/1 matrices from files.
//!
//! As in `encoder_main.py`, the number of inputs is the target's row count, the number of outputs its
//! column count, and input k is the one-hot row k of the identity.

use anyhow::{bail, ensure, Context, Result};
use std::path::Path;
use tch::{Device, Kind, Tensor};

/// The course's `star16` target (16 x 8), the same in every edition of the assignment.
pub const STAR16: [[u8; 8]; 16] = [
    [1, 1, 0, 0, 0, 0, 0, 0],
    [0, 1, 1, 0, 0, 0, 0, 0],
    [0, 0, 1, 1, 0, 0, 0, 0],
    [0, 0, 0, 1, 1, 0, 0, 0],
    [0, 0, 0, 0, 1, 1, 0, 0],
    [0, 0, 0, 0, 0, 1, 1, 0],
    [0, 0, 0, 0, 0, 0, 1, 1],
    [1, 0, 0, 0, 0, 0, 0, 1],
    [1, 1, 0, 0, 0, 0, 0, 1],
    [1, 1, 1, 0, 0, 0, 0, 0],
    [0, 1, 1, 1, 0, 0, 0, 0],
    [0, 0, 1, 1, 1, 0, 0, 0],
    [0, 0, 0, 1, 1, 1, 0, 0],
    [0, 0, 0, 0, 1, 1, 1, 0],
    [0, 0, 0, 0, 0, 1, 1, 1],
    [1, 0, 0, 0, 0, 0, 1, 1],
];

/// The seed page's Question 1: a 6-2-3 network, items 1..6 with outputs 000, 001, 010, 100, 101, 110.
pub const QUESTION1: [[u8; 3]; 6] = [[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 0]];

/// The most rows or columns a target may have (and the most hidden units a network): a 10000 x 10000
/// target already takes 400 MB.
pub const MAX_SIZE: usize = 10_000;

/// Names accepted by `--target` besides a file path.
pub const NAMES: [&str; 3] = ["input", "star16", "question1"];

/// A target matrix of 0/1 values: one row per input item, one column per output unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    rows: Vec<Vec<u8>>,
}

impl Target {
    /// Builds a target from rows, checking that there is at least one, that they have the same
    /// positive length and that every value is 0 or 1.
    pub fn from_rows(rows: Vec<Vec<u8>>) -> Result<Self> {
        ensure!(!rows.is_empty(), "the target has no rows");
        let cols = rows[0].len();
        ensure!(cols > 0, "the target's rows are empty");
        ensure!(
            rows.len() <= MAX_SIZE && cols <= MAX_SIZE,
            "the target is {} x {cols}; at most {MAX_SIZE} rows and columns are accepted",
            rows.len()
        );
        for (i, row) in rows.iter().enumerate() {
            ensure!(row.len() == cols, "row {} has {} values, row 1 has {}", i + 1, row.len(), cols);
            if let Some(v) = row.iter().find(|&&v| v > 1) {
                bail!("row {} has the value {v}; targets are 0 or 1", i + 1);
            }
        }
        Ok(Target { rows })
    }

    /// `torch.eye(n)`: the N-N encoder's target.
    pub fn identity(n: usize) -> Self {
        let rows = (0..n).map(|i| (0..n).map(|j| u8::from(i == j)).collect()).collect();
        Target { rows }
    }

    /// Resolves `--target`: `input` (the identity of size `dim`), `star16`, `question1`, or the path of
    /// a file of 0/1 rows.
    pub fn resolve(target: &str, dim: i64) -> Result<Self> {
        match target {
            "input" => {
                ensure!((1..=MAX_SIZE as i64).contains(&dim), "--dim must be between 1 and {MAX_SIZE}, got {dim}");
                Ok(Self::identity(dim as usize))
            }
            "star16" => Ok(Self::from_table(&STAR16)),
            "question1" => Ok(Self::from_table(&QUESTION1)),
            path if Path::new(path).exists() => Self::read_csv(Path::new(path)),
            other => bail!(
                "unknown target '{other}': expected {} or the path of a CSV file of 0/1 rows (there is no file {other})",
                NAMES.join(", ")
            ),
        }
    }

    fn from_table<const C: usize>(table: &[[u8; C]]) -> Self {
        Target { rows: table.iter().map(|r| r.to_vec()).collect() }
    }

    /// Reads a file of 0/1 rows: values separated by commas and/or white space, one row a line;
    /// blank lines and lines starting with '#' are skipped.
    pub fn read_csv(path: &Path) -> Result<Self> {
        let text =
            crate::data::files::read_text_capped(path, crate::data::files::MAX_READ_BYTES, "target file ")?;
        Self::parse_csv(&text).with_context(|| format!("malformed target file {}", path.display()))
    }

    /// Parses the text of a target file (see [`Target::read_csv`]).
    pub fn parse_csv(text: &str) -> Result<Self> {
        let mut rows = Vec::new();
        // A byte-order mark, as some spreadsheets write, is no value.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // Commas separate cells, and so does white space within a cell; a cell with nothing in it
            // (`1,,0`, a leading or trailing comma) is an error, not a column less.
            let mut row = Vec::new();
            for field in line.split(',') {
                ensure!(
                    !field.trim().is_empty(),
                    "line {}, column {}: an empty cell",
                    number + 1,
                    row.len() + 1
                );
                for cell in field.split_whitespace() {
                    row.push(match cell {
                        "0" => 0,
                        "1" => 1,
                        _ => bail!("line {}, column {}: '{cell}' is not 0 or 1", number + 1, row.len() + 1),
                    });
                }
            }
            ensure!(
                rows.first().is_none_or(|first: &Vec<u8>| first.len() == row.len()),
                "line {}: {} values where the first row has {}",
                number + 1,
                row.len(),
                rows[0].len()
            );
            rows.push(row);
        }
        ensure!(!rows.is_empty(), "no rows of 0/1 values");
        Self::from_rows(rows)
    }

    /// Number of input items (rows), which is also the number of inputs.
    pub fn num_items(&self) -> usize {
        self.rows.len()
    }

    /// Number of outputs (columns).
    pub fn num_outputs(&self) -> usize {
        self.rows[0].len()
    }

    pub fn rows(&self) -> &[Vec<u8>] {
        &self.rows
    }

    /// Whether this is the encoder's target, `torch.eye(n)`: output i belongs to input i.
    pub fn is_identity(&self) -> bool {
        self.rows == Self::identity(self.num_items()).rows
    }

    /// The target as a float tensor, as `torch.Tensor(rows)` would hold it.
    pub fn tensor(&self) -> Tensor {
        let flat: Vec<f32> = self.rows.iter().flatten().map(|&v| f32::from(v)).collect();
        Tensor::from_slice(&flat).view([self.num_items() as i64, self.num_outputs() as i64])
    }

    /// The one-hot inputs, `torch.eye(num_items)`.
    pub fn inputs(&self) -> Tensor {
        Tensor::eye(self.num_items() as i64, (Kind::Float, Device::Cpu))
    }
}

/// A row of 0/1 values as its digits: `[0, 1, 1]` is `011`.
pub fn bits(row: &[u8]) -> String {
    row.iter().map(|b| b.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_targets_have_the_course_shapes() {
        let input = Target::resolve("input", 9).unwrap();
        assert_eq!((input.num_items(), input.num_outputs()), (9, 9));
        let star = Target::resolve("star16", 9).unwrap();
        assert_eq!((star.num_items(), star.num_outputs()), (16, 8));
        let q1 = Target::resolve("question1", 9).unwrap();
        assert_eq!((q1.num_items(), q1.num_outputs()), (6, 3));
        assert_eq!(q1.rows()[4], vec![1, 0, 1]);
    }

    #[test]
    fn identity_tensor_matches_eye() {
        let t = Target::identity(4);
        let eye = Tensor::eye(4, (Kind::Float, Device::Cpu));
        assert!(t.tensor().equal(&eye));
        assert!(t.inputs().equal(&eye));
    }

    #[test]
    fn csv_accepts_commas_spaces_comments_and_blank_lines() {
        let t = Target::parse_csv("\u{feff}# items\n1,0 1\n\n0 1,1\n").unwrap();
        assert_eq!(t.rows(), &[vec![1, 0, 1], vec![0, 1, 1]]);
    }

    #[test]
    fn csv_rejects_ragged_rows_other_values_and_empty_files() {
        let ragged = Target::parse_csv("1,0,1\n0,1\n").unwrap_err().to_string();
        assert!(ragged.contains("line 2: 2 values where the first row has 3"), "{ragged}");
        let value = Target::parse_csv("1,0\n0,2\n").unwrap_err().to_string();
        assert!(value.contains("'2' is not 0 or 1"), "{value}");
        let nan = Target::parse_csv("1,nan\n").unwrap_err().to_string();
        assert!(nan.contains("line 1, column 2: 'nan' is not 0 or 1"), "{nan}");
        for (text, line, column) in
            [("1,,0\n0,,1\n", 1, 2), (",1,0\n", 1, 1), ("1,0\n1,0,\n", 2, 3), ("1 , ,0\n", 1, 2)]
        {
            let empty = Target::parse_csv(text).unwrap_err().to_string();
            assert!(
                empty.contains(&format!("line {line}, column {column}: an empty cell")),
                "{text:?}: {empty}"
            );
        }
        let empty = Target::parse_csv("\n# nothing\n").unwrap_err().to_string();
        assert!(empty.contains("no rows"), "{empty}");
    }

    #[test]
    fn unknown_target_and_bad_dim_are_errors() {
        let unknown = Target::resolve("heart18", 9).unwrap_err().to_string();
        assert!(unknown.contains("unknown target 'heart18'"), "{unknown}");
        let dim = Target::resolve("input", 0).unwrap_err().to_string();
        assert!(dim.contains("--dim must be between 1 and 10000, got 0"), "{dim}");
    }
}
