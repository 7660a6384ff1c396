//! Summary statistics shared by the commands' summaries.

/// The `q` quantile (0 to 1) of `sorted` (ascending) as `numpy.percentile` computes it by default:
/// linear interpolation between the closest ranks. `None` for no values.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let position = q * last as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    Some(sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64))
}

/// The quartiles of `sorted` (ascending), as `numpy.percentile` gives them; `None` for no values.
pub fn quartiles(sorted: &[f64]) -> Option<[f64; 3]> {
    let [q1, q2, q3] = [0.25, 0.5, 0.75].map(|q| percentile(sorted, q));
    Some([q1?, q2?, q3?])
}

/// The median of `values` in any order: the middle one, or the mean of the two middle ones.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    percentile(&sorted, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_as_numpy_does() {
        // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) == [1.75, 2.5, 3.25]
        let sorted = [1.0, 2.0, 3.0, 4.0];
        assert_eq!([0.25, 0.5, 0.75].map(|q| percentile(&sorted, q)), [Some(1.75), Some(2.5), Some(3.25)]);
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[2400.0, 1900.0]), Some(2150.0));
        assert_eq!(quartiles(&sorted), Some([1.75, 2.5, 3.25]));
        assert_eq!(quartiles(&[]), None);
    }
}
