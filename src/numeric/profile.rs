//! The search for profile-likelihood limits of a population size `N`, shared by the
//! log-linear models and Rcapture's closed-population models (`closedpCI.t`).

use super::optimize::{brent_min, brent_root};
use super::Level;

/// Where a one-dimensional profile log-likelihood of `N` peaks and where it crosses its
/// cut-off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limits {
    /// Maximiser of `ℓ(N)` on `[n, 1.5 N̂]`.
    pub mle: f64,
    /// `ℓ(mle)`.
    pub max_loglik: f64,
    /// `ℓ(mle) − drop`.
    pub cutoff: f64,
    /// Crossing on `[n, mle]`; `None` when `ℓ` stays above the cut-off down to `n`.
    pub lower: Option<f64>,
    /// Crossing on `[mle, upper_end]`; `None` when it lies beyond.
    pub upper: Option<f64>,
    /// The end of the upper search, `upper_factor × N̂`.
    pub upper_end: f64,
}

/// The drop of the profile log-likelihood at a coverage level: `χ²₁(level)/2 =
/// z²_{(1+level)/2}/2`.
///
/// Computed from the normal quantile, which is accurate at every level in (0, 1): statrs'
/// `ChiSquared::inverse_cdf`, used before, returns `NaN` below a level of about 0.03 (its
/// gamma inversion fails for small probabilities), which made every profile interval at
/// those levels "lower = n, upper beyond" (issue 11, defect 1).
pub(crate) fn drop_at(level: Level) -> f64 {
    let z = level.z();
    z * z / 2.0
}

/// Rcapture's search: maximise `loglik` on `[n, 1.5 estimate]` (Brent), cut at
/// `max − drop` (`drop = χ²₁(level)/2`, [`drop_at`]), and find the crossings on `[n, mle]`
/// and `[mle, upper_factor · estimate]` (Brent–Dekker), all to `tol` in `N`.
pub(crate) fn profile_limits(
    mut loglik: impl FnMut(f64) -> f64,
    n: f64,
    estimate: f64,
    upper_factor: f64,
    level: Level,
    tol: f64,
) -> Limits {
    let drop = drop_at(level);
    let (mle, _) = brent_min(|x| -loglik(x), n, 1.5 * estimate, tol);
    let max_loglik = loglik(mle);
    let cutoff = max_loglik - drop;
    let mut f = |x: f64| loglik(x) - cutoff;
    let lower = brent_root(&mut f, n, mle, tol);
    let upper_end = upper_factor * estimate;
    let upper = brent_root(&mut f, mle, upper_end, tol);
    Limits {
        mle,
        max_loglik,
        cutoff,
        lower,
        upper,
        upper_end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// χ²₁ quantiles from R 4.x: `qchisq(c(0.001, 0.01, 0.95, 0.999), 1)`.
    #[test]
    fn drop_is_half_the_chi_square_quantile_at_every_level() {
        for (level, q) in [
            (0.001, 1.570796e-06),
            (0.01, 1.570879e-04),
            (0.95, 3.841459),
            (0.999, 10.827566),
        ] {
            let d = drop_at(Level::new(level).unwrap());
            assert!((2.0 * d - q).abs() <= 1e-6 * q, "{level}: {d}");
        }
    }
}
