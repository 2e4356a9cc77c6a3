//! Poisson IRLS exactly as R's `glm.fit` (log link), on a dense design.
//!
//! 1. Start at `μ = y + 0.1`, `η = log μ` (or at given coefficients); the starting deviance
//!    is computed there.
//! 2. Each iteration: `z = η + (y − μ)/μ`, weights `√μ`; solve the weighted least-squares
//!    problem by Householder QR of `√μ·X` with R's pivoting rule at tolerance
//!    `min(1e-7, ε/1000)` (coefficients of pivoted columns are 0); then `η = Xβ` and
//!    `μ = max(exp η, 2.22e-16)`.
//! 3. If the deviance is not finite, halve the step towards the previous coefficients.
//! 4. Stop when `|D − D_old| / (|D| + 0.1) < ε`.
//!
//! The covariance of the coefficients is `(RᵀR)⁻¹` of the **last** iteration's QR (its
//! weights are those of the μ before the last update), which is what R's `summary.glm`
//! reports.

use super::qr::Qr;

/// R's `.Machine$double.eps`, the floor of the fitted means.
pub const MU_FLOOR: f64 = f64::EPSILON;

/// When IRLS stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Stop {
    /// R's rule `|D − D_old| / (|D| + 0.1) < ε`.
    Deviance(f64),
    /// Largest `|Δβ|` of an iteration below this (used for the existence certificate).
    Step(f64),
}

/// The result of an IRLS run.
#[derive(Debug, Clone)]
pub(crate) struct Irls {
    /// Coefficients per column (0 for columns pivoted out by the last QR).
    pub beta: Vec<f64>,
    /// Columns pivoted out by the last QR (R's `NA` coefficients).
    pub pivoted: Vec<usize>,
    /// Columns kept by the last QR, in order; `cov` is indexed by position in this list.
    pub qr_kept: Vec<usize>,
    /// `(RᵀR)⁻¹` of the last QR, row-major.
    pub cov: Vec<f64>,
    /// Fitted means per row.
    pub mu: Vec<f64>,
    /// Residual deviance.
    pub deviance: f64,
    /// Iterations done.
    pub iterations: usize,
    /// The stopping rule was met.
    pub converged: bool,
    /// Last relative deviance change.
    pub last_change: f64,
}

/// Why IRLS failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IrlsFailure {
    /// The weighted least-squares solution was not finite, or step halving found no finite
    /// deviance.
    NonFinite,
}

/// Poisson deviance `2 Σ [y log(y/μ) − (y − μ)]` (a zero count contributes `2μ`).
pub(crate) fn deviance(y: &[f64], mu: &[f64]) -> f64 {
    2.0 * y
        .iter()
        .zip(mu)
        .map(|(&y, &m)| {
            if y > 0.0 {
                y * (y / m).ln() - (y - m)
            } else {
                m
            }
        })
        .sum::<f64>()
}

/// Poisson log-likelihood `Σ [y log μ − μ − log y!]`.
pub(crate) fn log_likelihood(y: &[f64], mu: &[f64]) -> f64 {
    y.iter()
        .zip(mu)
        .map(|(&y, &m)| {
            if y > 0.0 {
                y * m.ln() - m - statrs::function::gamma::ln_gamma(y + 1.0)
            } else {
                -m
            }
        })
        .sum()
}

fn predict(x: &[f64], n: usize, beta: &[f64], eta: &mut [f64], mu: &mut [f64]) {
    eta.iter_mut().for_each(|e| *e = 0.0);
    for (j, &b) in beta.iter().enumerate() {
        if b != 0.0 {
            for (e, &v) in eta.iter_mut().zip(&x[j * n..(j + 1) * n]) {
                *e += v * b;
            }
        }
    }
    for (m, &e) in mu.iter_mut().zip(eta.iter()) {
        *m = e.exp().max(MU_FLOOR);
    }
}

/// Run IRLS on the `n × p` column-major design `x` for counts `y`.
pub(crate) fn irls(
    x: &[f64],
    n: usize,
    p: usize,
    y: &[f64],
    start: Option<&[f64]>,
    stop: Stop,
    max_iterations: usize,
) -> Result<Irls, IrlsFailure> {
    let mut eta = vec![0.0; n];
    let mut mu = vec![0.0; n];
    let mut beta = vec![0.0; p];
    let mut have_old = false;
    match start {
        None => {
            for i in 0..n {
                mu[i] = y[i] + 0.1;
                eta[i] = mu[i].ln();
            }
        }
        Some(b) => {
            beta.copy_from_slice(b);
            predict(x, n, &beta, &mut eta, &mut mu);
            have_old = true;
        }
    }
    let tol = match stop {
        Stop::Deviance(eps) => (eps / 1000.0).min(1e-7),
        Stop::Step(_) => 1e-7,
    };
    let mut devold = deviance(y, &mu);
    let mut old = beta.clone();
    let mut a = vec![0.0; n * p];
    let mut z = vec![0.0; n];
    let mut last_change = f64::INFINITY;
    let mut last_qr: Option<Qr> = None;
    let mut deviance_now = devold;
    let mut converged = false;
    let mut iterations = 0;
    for iter in 1..=max_iterations {
        iterations = iter;
        for i in 0..n {
            let me = eta[i].exp().max(MU_FLOOR);
            let w = (me * me / mu[i]).sqrt();
            z[i] = (eta[i] + (y[i] - mu[i]) / me) * w;
            for j in 0..p {
                a[j * n + i] = x[j * n + i] * w;
            }
        }
        let qr = Qr::new(std::mem::take(&mut a), n, p, tol);
        let coef = qr.solve(&z);
        if coef.iter().any(|c| !c.is_finite()) {
            return Err(IrlsFailure::NonFinite);
        }
        beta.iter_mut().for_each(|b| *b = 0.0);
        for (&j, &c) in qr.kept.iter().zip(&coef) {
            beta[j] = c;
        }
        predict(x, n, &beta, &mut eta, &mut mu);
        let mut dev = deviance(y, &mu);
        if !dev.is_finite() {
            if !have_old {
                return Err(IrlsFailure::NonFinite);
            }
            let mut halvings = 0;
            while !dev.is_finite() {
                halvings += 1;
                if halvings > max_iterations {
                    return Err(IrlsFailure::NonFinite);
                }
                for (b, &o) in beta.iter_mut().zip(&old) {
                    *b = 0.5 * (*b + o);
                }
                predict(x, n, &beta, &mut eta, &mut mu);
                dev = deviance(y, &mu);
            }
        }
        let last_step = beta
            .iter()
            .zip(&old)
            .map(|(b, o)| (b - o).abs())
            .fold(0.0, f64::max);
        last_change = (dev - devold).abs() / (dev.abs() + 0.1);
        deviance_now = dev;
        a = vec![0.0; n * p];
        last_qr = Some(qr);
        let done = match stop {
            Stop::Deviance(eps) => last_change < eps,
            Stop::Step(s) => last_step < s,
        };
        if done {
            converged = true;
            break;
        }
        devold = dev;
        old.copy_from_slice(&beta);
        have_old = true;
    }
    let qr = last_qr.expect("at least one iteration");
    Ok(Irls {
        pivoted: qr.aliased.clone(),
        qr_kept: qr.kept.clone(),
        cov: qr.inverse_gram(),
        beta,
        mu,
        deviance: deviance_now,
        iterations,
        converged,
        last_change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturated_two_cells() {
        // Intercept + indicator on two cells: μ = y exactly.
        let x = vec![1.0, 1.0, 0.0, 1.0];
        let y = [3.0, 7.0];
        let f = irls(&x, 2, 2, &y, None, Stop::Deviance(1e-12), 50).unwrap();
        assert!(f.converged);
        assert!((f.mu[0] - 3.0).abs() < 1e-9 && (f.mu[1] - 7.0).abs() < 1e-9);
        assert!((f.beta[1] - (7.0f64 / 3.0).ln()).abs() < 1e-9);
        // Var(β̂₁) = 1/3 + 1/7.
        assert!((f.cov[3] - (1.0 / 3.0 + 1.0 / 7.0)).abs() < 1e-6);
    }
}
