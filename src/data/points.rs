//! Labelled 2-D point sets, as the course's 2-D scripts read them: `spirals.csv` (made here from its
//! rule, byte for byte) and any CSV file in the same format.
//!
//! The format: a header line, then one `x,y,class` row per point, class 0 or 1. `spiral_main.py` reads
//! it with `pandas.read_csv` and `torch.tensor(df.values, dtype=torch.float32)`: each number parsed to
//! a double, then rounded to float32, which is what [`PointSet::parse`] does.

use anyhow::{bail, ensure, Context, Result};
use std::path::Path;
use tch::{Device, Tensor};

/// sha1 of the course's `spirals.csv`, which [`twin_spirals_csv`] reproduces.
pub const SPIRALS_SHA1: &str = "6e14da6cb3e509586dabce4d21825d520fd4ad5d";

/// The most points a file may hold.
pub const MAX_POINTS: usize = 1_000_000;

/// The course's `spirals.csv`, from Lang & Witbrock's rule: for i = 0..96, a = i*p/16 and
/// r = 6.5*(104-i)/104 with p = 3.1416 (not pi), the point (r cos a, r sin a) of class 0 then its
/// mirror (-x, -y) of class 1, each written `'%8.5f,%8.5f,%d'` (negative zero as `-0.00000`).
pub fn twin_spirals_csv() -> String {
    #[allow(clippy::approx_constant)] // the course's p, not pi
    let p = 3.1416f64;
    let mut text = String::from("x_coord, y_coord,class\n");
    for i in 0..97 {
        let i = f64::from(i);
        // Python evaluates left to right: (i*p)/16 and (6.5*(104-i))/104.
        let a = i * p / 16.0;
        let r = 6.5 * (104.0 - i) / 104.0;
        let (x, y) = (r * a.cos(), r * a.sin());
        text.push_str(&format!("{x:8.5},{y:8.5},0\n"));
        text.push_str(&format!("{:8.5},{:8.5},1\n", -x, -y));
    }
    text
}

/// Points with a class each: `inputs` is `[n, 2]` float32, `targets` `[n, 1]` float32 of 0 and 1, as
/// the script's `full_input` and `full_target`.
#[derive(Debug)]
pub struct PointSet {
    pub inputs: Tensor,
    pub targets: Tensor,
}

impl PointSet {
    /// The course's twin spirals (194 points).
    pub fn twin_spirals() -> Self {
        Self::parse(&twin_spirals_csv(), "spirals.csv").expect("the built-in spirals parse")
    }

    /// `spirals` (the built-in twin spirals) or the path of a CSV file.
    pub fn resolve(data: &str) -> Result<Self> {
        match data {
            "spirals" => Ok(Self::twin_spirals()),
            path => Self::load(Path::new(path)),
        }
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = crate::data::files::read_text_capped(path, crate::data::files::MAX_READ_BYTES, "")?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses a header line and `x,y,class` rows; `name` is for messages.
    pub fn parse(text: &str, name: &str) -> Result<Self> {
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let Some((_, header)) = lines.next() else { bail!("{name} is empty") };
        ensure!(
            header.split(',').all(|field| field.trim().parse::<f64>().is_err()),
            "{name}: line 1 should be a header (such as `x_coord, y_coord,class`), found `{header}`"
        );
        let (mut inputs, mut targets) = (Vec::new(), Vec::new());
        for (index, line) in lines {
            let at = || format!("{name}, line {}", index + 1);
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            ensure!(fields.len() == 3, "{}: expected 3 values (x,y,class), found {}", at(), fields.len());
            for field in &fields[..2] {
                let value: f64 =
                    field.parse().with_context(|| format!("{}: `{field}` is not a number", at()))?;
                ensure!(value.is_finite(), "{}: `{field}` is not a finite number", at());
                // The network computes in float32: a value beyond its range would be infinite there.
                ensure!(
                    (value as f32).is_finite(),
                    "{}: `{field}` is beyond float32's range (about 3.4e38), in which the network computes",
                    at()
                );
                inputs.push(value as f32);
            }
            let class: f64 = fields[2]
                .parse()
                .with_context(|| format!("{}: class `{}` is not a number", at(), fields[2]))?;
            ensure!(class == 0.0 || class == 1.0, "{}: class {} should be 0 or 1", at(), fields[2]);
            targets.push(class as f32);
            ensure!(targets.len() <= MAX_POINTS, "{name} has more than {MAX_POINTS} points");
        }
        ensure!(!targets.is_empty(), "{name} has a header but no points");
        let n = targets.len() as i64;
        Ok(PointSet {
            inputs: Tensor::from_slice(&inputs).view([n, 2]),
            targets: Tensor::from_slice(&targets).view([n, 1]),
        })
    }

    pub fn len(&self) -> usize {
        self.targets.size()[0] as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The points as `(x, y, class)`, for pictures.
    pub fn rows(&self) -> Vec<(f32, f32, bool)> {
        let xy = Vec::<f32>::try_from(self.inputs.reshape([-1])).expect("float inputs");
        let class = Vec::<f32>::try_from(self.targets.reshape([-1])).expect("float targets");
        xy.chunks(2).zip(class).map(|(p, c)| (p[0], p[1], c == 1.0)).collect()
    }

    pub fn to_device(&self, device: Device) -> Self {
        PointSet { inputs: self.inputs.to_device(device), targets: self.targets.to_device(device) }
    }

    /// The script's `DataLoader(batch_size, shuffle=False)` batches: consecutive slices, the last one
    /// shorter when `batch_size` does not divide the set.
    pub fn batches(&self, batch_size: usize) -> Vec<(Tensor, Tensor)> {
        let (n, size) = (self.len() as i64, batch_size.max(1) as i64);
        (0..n)
            .step_by(size as usize)
            .map(|start| {
                let len = size.min(n - start);
                (self.inputs.narrow(0, start, len), self.targets.narrow(0, start, len))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_spirals_are_the_courses_file() {
        let text = twin_spirals_csv();
        assert_eq!(text.lines().count(), 195);
        assert_eq!(text.len(), 3903);
        assert!(text.contains("-0.00000"), "negative zero prints with its sign");
        let set = PointSet::twin_spirals();
        assert_eq!(set.len(), 194);
        let rows = set.rows();
        assert_eq!(rows[0], (6.5, 0.0, false));
        assert_eq!(rows.iter().filter(|r| r.2).count(), 97);
        assert_eq!(sha1_smol::Sha1::from(&text).digest().to_string(), SPIRALS_SHA1);
    }

    #[test]
    fn malformed_files_are_refused_with_the_line() {
        let cases = [
            ("", "is empty"),
            ("x,y,class\n", "no points"),
            ("1,2,0\n", "should be a header"),
            ("x,y,c\n1,2\n", "line 2: expected 3 values"),
            ("x,y,c\n1,2,0\n1,b,1\n", "line 3: `b` is not a number"),
            ("x,y,c\n1,2,0.5\n", "should be 0 or 1"),
            ("x,y,c\n1,inf,1\n", "not a finite number"),
            ("x,y,c\n1,NaN,1\n", "not a finite number"),
            ("x,y,c\n0,0,0\n1e300,1,1\n", "line 3: `1e300` is beyond float32's range"),
        ];
        for (text, message) in cases {
            let err = PointSet::parse(text, "f.csv").unwrap_err();
            assert!(format!("{err:#}").contains(message), "{text:?}: {err:#}");
        }
    }

    #[test]
    fn batches_are_consecutive_slices() {
        let set = PointSet::twin_spirals();
        let batches = set.batches(97);
        assert_eq!(batches.len(), 2);
        assert!(batches[1].0.equal(&set.inputs.narrow(0, 97, 97)));
        assert_eq!(set.batches(100)[1].0.size(), [94, 2]);
    }
}
