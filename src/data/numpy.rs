//! The two pieces of numpy the course's sequence scripts lean on, reproduced exactly: the legacy
//! global generator (`np.random.seed(s)`, `np.random.randint(low, high)`: MT19937 seeded by
//! `init_genrand`, and numpy's masked rejection for a bounded integer), and the printing of a float32
//! array under `np.set_printoptions(suppress=True, precision=2, sign=' ')`.

use rand_mt::Mt;

/// numpy's legacy `RandomState` (what `np.random.seed` and `np.random.randint` use).
#[derive(Clone)]
pub struct RandomState {
    mt: Mt,
}

impl RandomState {
    /// `np.random.seed(seed)`: MT19937's `init_genrand(seed)`.
    pub fn new(seed: u32) -> Self {
        RandomState { mt: Mt::new(seed) }
    }

    /// `np.random.randint(low, high)` with the default integer type: a value in `low..high`, drawn as
    /// numpy's `random_bounded_uint64` draws it with masking: nothing is drawn when the range holds
    /// one value; otherwise 32-bit draws, masked to the smallest power of two above the range, until
    /// one falls inside.
    pub fn randint(&mut self, low: i64, high: i64) -> i64 {
        assert!(high > low, "randint: low >= high");
        let range = (high - 1 - low) as u64;
        if range == 0 {
            return low;
        }
        assert!(range <= u64::from(u32::MAX), "randint: ranges over 2^32 are not needed here");
        let range = range as u32;
        if range == u32::MAX {
            return low + i64::from(self.mt.next_u32());
        }
        let mask = u32::MAX >> (range.leading_zeros());
        loop {
            let value = self.mt.next_u32() & mask;
            if value <= range {
                return low + i64::from(value);
            }
        }
    }
}

/// `str(array)` of a float32 array as numpy prints it under `np.set_printoptions(suppress=True,
/// precision=2, sign=' ')` (numpy's default `floatmode='maxprec'`): each value correctly rounded to at
/// most 2 decimals, trailing zeros dropped (`1.`, `0.5`, `0.12`); then all padded alike, on the left
/// to the widest integer part (one more, for the sign's space, when no value is negative) and on the
/// right to the most decimals; joined by spaces in brackets (short arrays: no line wrapping).
pub fn format_array(values: &[f32]) -> String {
    let texts: Vec<String> = values
        .iter()
        .map(|&v| {
            let fixed = format!("{v:.2}");
            fixed.trim_end_matches('0').to_string()
        })
        .collect();
    let split = |t: &String| {
        let dot = t.find('.').expect("a fixed-point number");
        (t[..dot].to_string(), t[dot + 1..].to_string())
    };
    let negative = values.iter().any(|v| v.is_sign_negative());
    let left = texts.iter().map(|t| split(t).0.len()).max().unwrap_or(0) + usize::from(!negative);
    let right = texts.iter().map(|t| split(t).1.len()).max().unwrap_or(0);
    let padded: Vec<String> = texts
        .iter()
        .map(|t| {
            let (int, frac) = split(t);
            format!("{int:>left$}.{frac:<right$}")
        })
        .collect();
    format!("[{}]", padded.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn randint_draws_as_numpy_does() {
        // np.random.seed(5); [np.random.randint(1, 9) for _ in range(10)], then randint(0, 2) x 5
        let mut rng = RandomState::new(5);
        let draws: Vec<i64> = (0..10).map(|_| rng.randint(1, 9)).collect();
        assert_eq!(draws, [4, 7, 8, 6, 7, 7, 1, 2, 1, 5]);
        let bits: Vec<i64> = (0..5).map(|_| rng.randint(0, 2)).collect();
        assert_eq!(bits, [1, 0, 1, 0, 0]);
        // A range of one value draws nothing: np.random.seed(3); randint(0, 1) x 3, randint(0, 100) -> 24
        let mut rng = RandomState::new(3);
        assert_eq!((0..3).map(|_| rng.randint(0, 1)).collect::<Vec<_>>(), [0, 0, 0]);
        assert_eq!(rng.randint(0, 100), 24);
    }

    #[test]
    fn arrays_print_as_numpy_prints_them() {
        // np.set_printoptions(suppress=True, precision=2, sign=' '); print(np.array(a, np.float32))
        for (values, text) in [
            (vec![0.8, 0.2], "[ 0.8  0.2]"),
            (vec![0.12345, -0.98765], "[ 0.12 -0.99]"),
            (vec![1.0, 0.0], "[ 1.  0.]"),
            (vec![0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0], "[ 0.5  0.5  0.   0.   0.   0.   0. ]"),
            (vec![-0.004, 0.996], "[-0.  1.]"),
            (vec![0.125, 0.135], "[ 0.12  0.14]"),
            (vec![10.5, -0.25], "[10.5  -0.25]"),
            (vec![10.5], "[ 10.5]"),
            (vec![1e-5, 0.3], "[ 0.   0.3]"),
            (vec![0.025], "[ 0.03]"),
        ] {
            assert_eq!(format_array(&values), text, "{values:?}");
        }
    }
}
