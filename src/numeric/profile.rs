//! The search for profile-likelihood limits of a population size `N`, shared by the
//! log-linear models and Rcapture's closed-population models (`closedpCI.t`).

use super::optimize::{brent_min, brent_root};

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

/// Rcapture's search: maximise `loglik` on `[n, 1.5 estimate]` (Brent), cut at
/// `max − drop` (`drop = χ²₁(level)/2`), and find the crossings on `[n, mle]` and
/// `[mle, upper_factor · estimate]` (Brent–Dekker), all to `tol` in `N`.
pub(crate) fn profile_limits(
    mut loglik: impl FnMut(f64) -> f64,
    n: f64,
    estimate: f64,
    upper_factor: f64,
    drop: f64,
    tol: f64,
) -> Limits {
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
