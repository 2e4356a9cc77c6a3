//! The Newton/IRLS core of every log-linear fit: reusable buffers, R's start and stopping
//! rule, the extended MLE's bookkeeping (terms with zero margin and the cells they remove).
//!
//! # Formula
//! For 0/1 designs `(XᵀWX)_{S,T} = Σ_{h ⊇ S∪T} μ_h` and `(Xᵀy)_S = n*(S)`, so one
//! superset-sum (zeta) transform of `μ` gives the score and the information matrix in
//! `O(t 2^t + p²)`, and one subset-sum transform gives the linear predictor: the design is
//! never stored. The first step is R's `glm.fit` step from `μ = y + 0.1`; the stopping rule is
//! `|D − D_old| / (|D| + 0.1) < tolerance`; `μ = max(e^η, ε)` as R's log link.

use crate::data::table::{subset_sums, superset_sums};
use crate::numeric::linalg;
/// Reusable buffers for fitting tables of `t` lists. One per thread in parallel code.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub(crate) t: usize,
    pub(crate) mu: Vec<f64>,
    zeta: Vec<f64>,
    eta: Vec<f64>,
    ymarg: Vec<f64>,
    ylny: Vec<f64>,
    data_len: usize,
    pub(crate) kept: Vec<bool>,
    pub(crate) info: Vec<f64>,
    rhs: Vec<f64>,
    pub(crate) beta: Vec<f64>,
    beta_new: Vec<f64>,
}

impl Workspace {
    /// Buffers for `t` lists.
    pub fn new(t: usize) -> Self {
        let n = 1usize << t;
        Self {
            t,
            mu: vec![0.0; n],
            zeta: vec![0.0; n],
            eta: vec![0.0; n],
            ymarg: vec![0.0; n],
            ylny: vec![0.0; n],
            data_len: 0,
            kept: vec![false; n],
            info: Vec::new(),
            rhs: Vec::new(),
            beta: Vec::new(),
            beta_new: Vec::new(),
        }
    }

    /// Fitted means of the last fit (0 on dropped cells).
    pub(crate) fn mu_slice(&self) -> &[f64] {
        &self.mu
    }

    /// Coefficients of the last fit, in the order of the finite terms passed.
    pub(crate) fn beta_slice(&self) -> &[f64] {
        &self.beta
    }

    /// Cholesky factor of the information of the last IRLS step (`p × p`).
    pub(crate) fn info_factor(&self, p: usize) -> &[f64] {
        &self.info[..p * p]
    }

    /// Deviance and `Σ (y log μ − μ)` over kept non-dark cells of the last fit, from the
    /// stored linear predictor (no logarithms).
    pub(crate) fn deviance_and_loglik(&self, y: &[f64]) -> (f64, f64) {
        let log_eps = f64::EPSILON.ln();
        let (mut d, mut l) = (0.0, 0.0);
        for h in 1..y.len() {
            if self.kept[h] {
                let lm = self.eta[h].max(log_eps);
                let m = self.mu[h];
                d += self.ylny[h] - y[h] * lm - y[h] + m;
                l += y[h] * lm - m;
            }
        }
        (2.0 * d, l)
    }

    /// Precompute the margins `Σ_{h ⊇ S} y_h` and the `y log y` terms of the counts `y`
    /// (indexed by bitmask; `y[0]` is the dark cell, used only when kept). They do not depend
    /// on which cells a model keeps, since every dropped cell has count 0.
    pub(crate) fn set_data(&mut self, y: &[f64]) {
        let n = y.len();
        self.ymarg[..n].copy_from_slice(y);
        superset_sums(&mut self.ymarg[..n], self.t);
        for (l, &v) in self.ylny[..n].iter_mut().zip(y) {
            *l = if v > 0.0 { v * v.ln() } else { 0.0 };
        }
        self.data_len = n;
    }

    /// Set which cells enter the fit (`kept[0]`: the dark cell).
    pub(crate) fn set_kept(&mut self, kept: &[bool]) {
        self.kept.copy_from_slice(kept);
    }
}

/// Result of the inner Newton solve.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Core {
    pub deviance: f64,
    pub iterations: usize,
    pub converged: bool,
    pub last_change: f64,
    /// Largest |Δθ| of the last Newton step.
    pub last_step: f64,
}

/// When Newton stops.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stop {
    /// R's rule `|D − D_old| / (|D| + 0.1) < tol` (used when `step_tol` is 0).
    pub tol: f64,
    /// Iteration cap.
    pub max_iter: usize,
    /// If positive: stop when the largest |Δθ| of a step is below it (instead of R's rule).
    pub step_tol: f64,
}

impl Stop {
    /// R's rule with tolerance `tol` and `max_iter` iterations.
    pub fn r(tol: f64, max_iter: usize) -> Self {
        Self {
            tol,
            max_iter,
            step_tol: 0.0,
        }
    }
}

/// Where Newton starts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Start<'a> {
    /// R's `glm.fit` start: `μ = y + 0.1`.
    Glm,
    /// Given coefficients for the finite terms.
    Coefficients(&'a [f64]),
}

/// Terms of `terms` with zero margin in `y` (excluding the intercept).
pub(crate) fn infinite_terms(ymarg_counts: &[u64], terms: &[u32]) -> Vec<u32> {
    let mut out = Vec::new();
    infinite_terms_into(ymarg_counts, terms, &mut out);
    out
}

/// [`infinite_terms`] into a reused buffer.
pub(crate) fn infinite_terms_into(ymarg_counts: &[u64], terms: &[u32], out: &mut Vec<u32>) {
    out.clear();
    out.extend(
        terms
            .iter()
            .copied()
            .filter(|&s| s != 0 && ymarg_counts[s as usize] == 0),
    );
}

/// Mark kept cells: `kept[h]` iff no term of `infinite` is a subset of `h`; cell 0 kept iff
/// `dark`.
pub(crate) fn mark_kept(kept: &mut [bool], t: usize, infinite: &[u32], dark: bool) {
    kept.fill(true);
    if !infinite.is_empty() {
        // A cell is dropped when it contains an infinite term: clear the terms, then
        // propagate to supersets one list at a time (in place, no buffer).
        for &s in infinite {
            kept[s as usize] = false;
        }
        for i in 0..t {
            let bit = 1usize << i;
            for h in 0..kept.len() {
                if h & bit != 0 && !kept[h ^ bit] {
                    kept[h] = false;
                }
            }
        }
    }
    kept[0] = dark;
}

/// Newton/IRLS on the kept cells for the finite `terms` (intercept first).
///
/// `y` has length `2^t`; `y[0]` is used only if `kept[0]`. On return `ws.beta` and `ws.mu`
/// hold the solution. Returns `Err(())` if the information matrix is singular.
pub(crate) fn newton(
    ws: &mut Workspace,
    y: &[f64],
    terms: &[u32],
    start: Start<'_>,
    stop: &Stop,
) -> std::result::Result<Core, ()> {
    let Stop {
        tol,
        max_iter,
        step_tol,
    } = *stop;
    let t = ws.t;
    let n = 1usize << t;
    let p = terms.len();
    ws.info.resize(p * p, 0.0);
    ws.rhs.resize(p, 0.0);
    ws.beta.resize(p, 0.0);
    ws.beta_new.resize(p, 0.0);
    debug_assert!(
        ws.data_len == n,
        "Workspace::set_data must be called with the counts before newton"
    );

    let mut first_glm = false;
    let mut devold;
    match start {
        Start::Glm => {
            for h in 0..n {
                if ws.kept[h] {
                    ws.mu[h] = y[h] + 0.1;
                    ws.eta[h] = ws.mu[h].ln();
                } else {
                    ws.mu[h] = 0.0;
                }
            }
            devold = deviance(y, &ws.mu, &ws.kept);
            first_glm = true;
        }
        Start::Coefficients(b) => {
            ws.beta.copy_from_slice(b);
            devold = predict(ws, y, terms);
        }
    }
    let mut last_change = f64::INFINITY;
    let mut last_step_seen = f64::INFINITY;
    for iter in 1..=max_iter {
        // Information and right-hand side from the current μ.
        ws.zeta.copy_from_slice(&ws.mu);
        superset_sums(&mut ws.zeta, t);
        for a in 0..p {
            for b in 0..=a {
                let v = ws.zeta[(terms[a] | terms[b]) as usize];
                ws.info[a * p + b] = v;
                ws.info[b * p + a] = v;
            }
        }
        if first_glm {
            // X'(μ η + y − μ): the WLS right-hand side of glm.fit's first step.
            for h in 0..n {
                ws.eta[h] = if ws.kept[h] {
                    ws.mu[h] * ws.eta[h] + y[h] - ws.mu[h]
                } else {
                    0.0
                };
            }
            superset_sums(&mut ws.eta, t);
            for a in 0..p {
                ws.rhs[a] = ws.eta[terms[a] as usize];
            }
        } else {
            for a in 0..p {
                let s = terms[a] as usize;
                ws.rhs[a] = ws.ymarg[s] - ws.zeta[s];
            }
        }
        if !linalg::cholesky(&mut ws.info, p) {
            return Err(());
        }
        linalg::cholesky_solve(&ws.info, p, &mut ws.rhs);
        if first_glm {
            ws.beta_new.copy_from_slice(&ws.rhs);
        } else {
            for a in 0..p {
                ws.beta_new[a] = ws.beta[a] + ws.rhs[a];
            }
        }
        std::mem::swap(&mut ws.beta, &mut ws.beta_new);
        let mut dev = predict(ws, y, terms);
        // Step halving on a non-finite deviance (glm.fit).
        let mut halvings = 0;
        while !dev.is_finite() && !first_glm && halvings < 30 {
            for a in 0..p {
                ws.beta[a] = 0.5 * (ws.beta[a] + ws.beta_new[a]);
            }
            dev = predict(ws, y, terms);
            halvings += 1;
        }
        let last_step = (0..p)
            .map(|a| (ws.beta[a] - ws.beta_new[a]).abs())
            .fold(0.0, f64::max);
        first_glm = false;
        last_step_seen = last_step;
        last_change = (dev - devold).abs() / (dev.abs() + 0.1);
        let done = if step_tol > 0.0 {
            last_step < step_tol
        } else {
            last_change < tol
        };
        if done {
            return Ok(Core {
                deviance: dev,
                iterations: iter,
                converged: true,
                last_change,
                last_step,
            });
        }
        devold = dev;
    }
    Ok(Core {
        deviance: devold,
        iterations: max_iter,
        converged: false,
        last_change,
        last_step: last_step_seen,
    })
}

/// `η = Xβ`, `μ = max(exp η, ε)` on kept cells (R's log-link floor); returns the deviance.
///
/// The deviance `2 Σ [y log y − y log μ − (y − μ)]` uses `log μ = max(η, log ε)` and the
/// `y log y` terms precomputed in `ws.ylny`, so no logarithm is taken per iteration.
fn predict(ws: &mut Workspace, y: &[f64], terms: &[u32]) -> f64 {
    let t = ws.t;
    ws.eta.iter_mut().for_each(|e| *e = 0.0);
    for (a, &s) in terms.iter().enumerate() {
        ws.eta[s as usize] = ws.beta[a];
    }
    subset_sums(&mut ws.eta, t);
    let log_eps = f64::EPSILON.ln();
    let mut d = 0.0;
    for h in 0..ws.mu.len() {
        if ws.kept[h] {
            let lm = ws.eta[h].max(log_eps);
            let m = lm.exp();
            ws.mu[h] = m;
            d += ws.ylny[h] - y[h] * lm - y[h] + m;
        } else {
            ws.mu[h] = 0.0;
        }
    }
    2.0 * d
}

/// Poisson deviance over kept cells.
pub(crate) fn deviance(y: &[f64], mu: &[f64], kept: &[bool]) -> f64 {
    let mut d = 0.0;
    for h in 0..y.len() {
        if kept[h] {
            let (yy, m) = (y[h], mu[h]);
            d += if yy > 0.0 {
                yy * (yy / m).ln() - (yy - m)
            } else {
                m
            };
        }
    }
    2.0 * d
}

/// `Σ_h log(y_h!)` over all cells (a constant of the table).
pub(crate) fn log_factorial_sum(counts: &[u64]) -> f64 {
    counts
        .iter()
        .filter(|&&c| c > 1)
        .map(|&c| statrs::function::gamma::ln_gamma(c as f64 + 1.0))
        .sum()
}
