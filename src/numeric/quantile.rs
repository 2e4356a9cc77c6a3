//! Sample quantiles as R computes them (Hyndman & Fan 1996).

/// R's `quantile(x, p, type = 8)` of sorted finite data (median-unbiased;
/// `h = (n + 1/3) p + 1/3`, linear between order statistics, clamped to the range). `NaN`
/// for empty data or `p = NaN`. The BCa limits of SparseMSE and MultipleSystemsEstimation.
pub fn quantile_type8(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || p.is_nan() {
        return f64::NAN;
    }
    let fuzz = 4.0 * f64::EPSILON;
    let nppm = 1.0 / 3.0 + p * (n as f64 + 1.0 / 3.0);
    let j = (nppm + fuzz).floor();
    let mut h = nppm - j;
    if h.abs() < fuzz {
        h = 0.0;
    }
    let at = |k: f64| -> f64 {
        // 1-based order statistic, clamped.
        let k = k.clamp(1.0, n as f64) as usize;
        sorted[k - 1]
    };
    let lo = at(j);
    let hi = at(j + 1.0);
    if h == 0.0 {
        lo
    } else {
        (1.0 - h) * lo + h * hi
    }
}

/// R's default `quantile(x, p)` (type 7) of sorted finite data:
/// `h = (n − 1) p + 1`, `x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋+1 − x_⌊h⌋)`. `NaN` for empty data or a `p`
/// outside `[0, 1]`.
pub fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p;
    let lo = h.floor();
    let i = lo as usize;
    if i + 1 >= n {
        return sorted[n - 1];
    }
    sorted[i] + (h - lo) * (sorted[i + 1] - sorted[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type8_quantiles_match_r() {
        // R: quantile(1:10, c(0.025, 0.5, 0.9), type = 8) = 1.00000, 5.50000, 9.63333
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((quantile_type8(&x, 0.025) - 1.0).abs() < 1e-12);
        assert!((quantile_type8(&x, 0.5) - 5.5).abs() < 1e-12);
        assert!((quantile_type8(&x, 0.9) - 9.633_333_333_333_333).abs() < 1e-9);
    }

    #[test]
    fn type7_quantiles_match_r() {
        // R: quantile(1:10, c(0.025, 0.5, 0.9)) = 1.225, 5.5, 9.1
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((quantile_type7(&x, 0.025) - 1.225).abs() < 1e-12);
        assert!((quantile_type7(&x, 0.5) - 5.5).abs() < 1e-12);
        assert!((quantile_type7(&x, 0.9) - 9.1).abs() < 1e-12);
        assert_eq!(quantile_type7(&x, 1.0), 10.0);
        assert!(quantile_type7(&[], 0.5).is_nan());
    }
}
