//! The extended MLE, its existence, and whether the dark figure is identified.
//!
//! # How a covariate model is decided
//! Let `X` be the design on the observable cells `O` after R's aliasing rule (columns kept
//! `K`, aliased `J`), `y` the counts.
//!
//! 1. **Zero margins.** A non-intercept column (all columns here are 0/1 products) that is
//!    non-zero somewhere on `O` but has margin `Σ_i x_ij y_i = 0` is fixed at `−∞`: every cell
//!    where it is non-zero has count 0 and, at the supremum of the likelihood, mean 0. Those
//!    cells are removed (set `F`) and the remaining columns re-checked for aliasing on `F`.
//! 2. **Dark figure identified** (a rank test on the reduced design). Each unobserved cell's
//!    row `x_u` must be estimable from the cells in `F`:
//!    * on the aliased columns it must obey the same linear dependencies as the data,
//!      `x_u,J = Cᵀ x_u,K` with `X_J = X_K C` on `F` — otherwise `x_uᵀβ` depends on an
//!      arbitrary choice of the aliased coefficients;
//!    * if it is non-zero on a `−∞` column, its mean is 0 exactly when `x_u` restricted to the
//!      `−∞` columns is a non-negative combination of the rows of removed cells (then every
//!      sequence approaching the supremum drives `x_uᵀβ` to `−∞`); if it is not, some such
//!      sequence drives it to `+∞` and `n̂0` is not identified. Decided by a small LP.
//!
//!    A failure is [`crate::error::Error::NotIdentifiable`].
//! 3. **Existence on `F`** (Fienberg & Rinaldo 2012). The fit on `F` is continued by full
//!    Newton steps: at a genuine MLE they shrink quadratically, and a step below `1e-7` within
//!    12 iterations certifies a stationary point at finite `β`. If no certificate is obtained
//!    the LP decides: maximise `s` subject to `X_Fᵀ x = X_Fᵀ y / n`, `x ≥ s` (written as
//!    `x = w + s`, `w ≥ 0`). An optimum at or below `1e-6` means no strictly positive table
//!    has the observed margins: the likelihood's supremum lies on a face that no zero margin
//!    explains, and the model is rejected with [`crate::error::Error::MleDoesNotExist`]. This is the
//!    case of westeros w7 (all two-way terms: after `R3:R4 → −∞` the fit still diverges and
//!    R's N̂ = 1449 is an artefact of its stopping rule).
//!
//! A model rejected in step 3 may still have an identified dark figure on a smaller face; the
//! facial set is not searched for, so such models are reported as not existing rather than
//! with a number.

use crate::error::{Error, Result};
use microlp::{ComparisonOp, OptimizationDirection, Problem};

/// LP optima (counts scaled to total 1) at or below this count as zero.
pub const LP_ZERO: f64 = 1e-6;
/// Newton steps below this certify existence.
pub const CERTIFICATE_STEP: f64 = 1e-7;
/// Newton iterations allowed for the certificate.
pub const CERTIFICATE_ITERATIONS: usize = 12;
/// Tolerance of the estimability test `x_u,J = Cᵀ x_u,K`.
pub const ESTIMABLE_TOL: f64 = 1e-6;

/// Columns among `cols` (design column-major `x`, `n` rows) fixed at `−∞`: not the intercept
/// (column 0), non-negative, non-zero somewhere, and zero wherever the count is not (a
/// column with negative entries, such as a polynomial one, defines no face).
pub(crate) fn zero_margin_columns(x: &[f64], n: usize, y: &[f64], cols: &[usize]) -> Vec<usize> {
    cols.iter()
        .copied()
        .filter(|&j| j != 0)
        .filter(|&j| {
            let c = &x[j * n..(j + 1) * n];
            c.iter().any(|&v| v != 0.0) && c.iter().zip(y).all(|(&v, &yy)| v == 0.0 || yy == 0.0)
        })
        .collect()
}

/// Fienberg–Rinaldo LP on the `n × p` column-major design `x` (full column rank) with counts
/// `y`: the largest `s` such that some `x ≥ s` has the margins of `y / Σy`.
///
/// # Errors
/// [`Error::Lp`] if the solver fails.
pub(crate) fn fr_lp(x: &[f64], n: usize, p: usize, y: &[f64]) -> Result<f64> {
    let total: f64 = y.iter().sum();
    let mut lp = Problem::new(OptimizationDirection::Maximize);
    let s = lp.add_var(1.0, (0.0, f64::INFINITY));
    let w: Vec<_> = (0..n)
        .map(|_| lp.add_var(0.0, (0.0, f64::INFINITY)))
        .collect();
    for j in 0..p {
        let col = &x[j * n..(j + 1) * n];
        let mut expr: Vec<(microlp::Variable, f64)> = col
            .iter()
            .zip(&w)
            .filter(|(&v, _)| v != 0.0)
            .map(|(&v, &var)| (var, v))
            .collect();
        expr.push((s, col.iter().sum()));
        let rhs: f64 = col.iter().zip(y).map(|(a, b)| a * b).sum::<f64>() / total;
        lp.add_constraint(expr.as_slice(), ComparisonOp::Eq, rhs);
    }
    match lp.solve() {
        Ok(microlp::SolveOutcome::Solution(sol)) => Ok(sol.objective().max(0.0)),
        Ok(other) => Err(Error::Lp(format!("{other:?}"))),
        Err(e) => Err(Error::Lp(e.to_string())),
    }
}

/// Whether `target` is a non-negative combination of `generators` (each of `target.len()`).
///
/// # Errors
/// [`Error::Lp`] if the solver fails other than by infeasibility.
pub(crate) fn in_cone(target: &[f64], generators: &[Vec<f64>]) -> Result<bool> {
    let mut lp = Problem::new(OptimizationDirection::Minimize);
    let lambda: Vec<_> = generators
        .iter()
        .map(|_| lp.add_var(0.0, (0.0, f64::INFINITY)))
        .collect();
    for (k, &t) in target.iter().enumerate() {
        let expr: Vec<(microlp::Variable, f64)> = generators
            .iter()
            .zip(&lambda)
            .filter(|(g, _)| g[k] != 0.0)
            .map(|(g, &v)| (v, g[k]))
            .collect();
        lp.add_constraint(expr.as_slice(), ComparisonOp::Eq, t);
    }
    match lp.solve() {
        Ok(microlp::SolveOutcome::Solution(_)) => Ok(true),
        Err(microlp::Error::Infeasible) => Ok(false),
        Ok(other) => Err(Error::Lp(format!("{other:?}"))),
        Err(e) => Err(Error::Lp(e.to_string())),
    }
}

/// Least-squares coefficients `C` (`|kept| × |dependent|`, column per dependent column) of
/// the dependent columns on the kept ones, over `n` rows (column-major inputs), and the
/// largest residual relative to the dependent column's norm.
pub(crate) fn dependencies(
    kept: &[f64],
    dependent: &[f64],
    n: usize,
    pk: usize,
    pd: usize,
) -> Vec<Vec<f64>> {
    let qr = super::qr::Qr::new(kept.to_vec(), n, pk, 0.0);
    (0..pd)
        .map(|d| {
            let c = qr.solve(&dependent[d * n..(d + 1) * n]);
            // Scatter to kept order (the QR may itself drop an exactly-zero column).
            let mut full = vec![0.0; pk];
            for (&k, &v) in qr.kept.iter().zip(&c) {
                full[k] = v;
            }
            full
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cone_membership() {
        let g = vec![vec![1.0, 0.0], vec![1.0, 1.0]];
        assert!(in_cone(&[2.0, 1.0], &g).unwrap());
        assert!(in_cone(&[1.0, 1.0], &g).unwrap());
        assert!(!in_cone(&[0.0, 1.0], &g).unwrap());
    }

    #[test]
    fn lp_positive_and_zero() {
        // Two cells, intercept only: x = (0.5, 0.5) → s = 0.5.
        let x = vec![1.0, 1.0];
        assert!((fr_lp(&x, 2, 1, &[3.0, 0.0]).unwrap() - 0.5).abs() < 1e-9);
        // Intercept + indicator of cell 2 with y₂ = 0: margin 0 forces x₂ = 0.
        let x = vec![1.0, 1.0, 0.0, 1.0];
        assert!(fr_lp(&x, 2, 2, &[3.0, 0.0]).unwrap() < LP_ZERO);
    }
}
