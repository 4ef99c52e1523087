//! Grafana's reducers (`reduceOptions.calcs`): one number from a series' values. NaN stands
//! for null; reducers other than `last`/`first` skip it.

/// Reduces `values` with Grafana's reducer `calc`; unknown ids reduce as `lastNotNull`.
/// NaN when there is nothing to reduce.
pub(crate) fn reduce(values: &[f64], calc: &str) -> f64 {
    let mut finite = values.iter().copied().filter(|v| v.is_finite());
    match calc {
        "last" => values.last().copied().unwrap_or(f64::NAN),
        "first" => values.first().copied().unwrap_or(f64::NAN),
        "firstNotNull" => finite.next().unwrap_or(f64::NAN),
        "mean" | "avg" => {
            let (sum, n) = finite.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
            if n == 0 { f64::NAN } else { sum / n as f64 }
        }
        "max" => finite.reduce(f64::max).unwrap_or(f64::NAN),
        "min" => finite.reduce(f64::min).unwrap_or(f64::NAN),
        "sum" | "total" => {
            let mut any = false;
            let sum = finite.inspect(|_| any = true).sum();
            if any { sum } else { f64::NAN }
        }
        "count" => values.len() as f64,
        "range" => {
            let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
            if lo <= hi { hi - lo } else { f64::NAN }
        }
        "delta" | "diff" => {
            let first = values.iter().copied().find(|v| v.is_finite());
            let last = values.iter().rev().copied().find(|v| v.is_finite());
            match (first, last) {
                (Some(f), Some(l)) => l - f,
                _ => f64::NAN,
            }
        }
        _ => values
            .iter()
            .rev()
            .copied()
            .find(|v| v.is_finite())
            .unwrap_or(f64::NAN),
    }
}

#[cfg(test)]
mod tests {
    use super::reduce;

    #[test]
    fn reducers() {
        let v = [1.0, f64::NAN, 4.0, 3.0, f64::NAN];
        assert!(reduce(&v, "last").is_nan());
        assert_eq!(reduce(&v, "lastNotNull"), 3.0);
        assert_eq!(reduce(&v, "mean"), 8.0 / 3.0);
        assert_eq!(reduce(&v, "max"), 4.0);
        assert_eq!(reduce(&v, "min"), 1.0);
        assert_eq!(reduce(&v, "sum"), 8.0);
        assert_eq!(reduce(&v, "range"), 3.0);
        assert_eq!(reduce(&v, "delta"), 2.0);
        assert_eq!(reduce(&v, "whatever"), 3.0);
        for calc in ["last", "lastNotNull", "mean", "max", "min", "sum", "range"] {
            assert!(reduce(&[], calc).is_nan(), "{calc}");
        }
    }
}
