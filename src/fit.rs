//! Poisson log-linear fitting with the extended MLE.
//!
//! # Formula
//! The counts `y_h` of all `2^t − 1` non-empty histories (zeros included) are independent
//! Poisson with `log μ_h = Σ_{S ∈ M, S ⊆ h} θ_S`. A term `S` whose margin
//! `n*(S) = Σ_{h ⊇ S} y_h` is 0 has extended MLE `θ_S = −∞`: it is dropped with every cell
//! containing it (Chan, Silverman & Vincent 2021; SparseMSE, MultipleSystemsEstimation). The
//! rest is fitted by Newton–Raphson, which for the canonical log link is R's IRLS: the first
//! step is R's `glm.fit` step from `μ = y + 0.1`, and the stopping rule is
//! `|D − D_old| / (|D| + 0.1) < tolerance`.
//!
//! The design is never stored: for 0/1 designs `(XᵀWX)_{S,T} = Σ_{h ⊇ S∪T} μ_h` and
//! `(Xᵀy)_S = n*(S)`, so one superset-sum (zeta) transform of `μ` gives the score and the
//! information matrix in `O(t 2^t + p²)`, and one subset-sum transform gives the linear
//! predictor.
//!
//! Reported statistics (conventions of the R packages):
//! * deviance `D = 2 Σ [y log(y/μ) − (y − μ)]` over kept cells;
//! * log-likelihood `ℓ = Σ (y log μ − μ − log y!)`;
//! * `AIC = −2ℓ + 2p`, `BIC = −2ℓ + p log n_obs`, where `p` counts every term including those
//!   fixed at −∞ (SparseMSE's AIC, MultipleSystemsEstimation's and Rcapture's BIC);
//! * `df` = kept cells − finite parameters (R's `df.residual` on the reduced table);
//!   `df_full` = `2^t − 1 − p` (Rcapture's `df`).
//!
//! # References
//! Chan, Silverman & Vincent (2021), JASA 116:1297. Rivest & Lévesque (2001). R `glm.fit`.

use crate::error::{Error, Result};
use crate::existence;
use crate::linalg;
use crate::model::{term_label, Model};
use crate::table::{subset_sums, superset_sums, CaptureTable};
use serde::Serialize;

/// Options for a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// Convergence threshold on `|D − D_old| / (|D| + 0.1)`. Default `1e-8`, R's `glm`
    /// value: with the same start and rule the iterates are R's, so coefficients *and*
    /// standard errors (taken, as in R, from the information of the last step) agree with
    /// the R packages to rounding.
    pub tolerance: f64,
    /// Maximum Newton/IRLS iterations. Default 100.
    pub max_iterations: usize,
    /// Return a fit whose status is not [`FitStatus::Converged`] instead of an error.
    pub allow_non_convergence: bool,
    /// Run the existence and identifiability check before fitting (default `true`); a model
    /// failing it is an error. Switching it off gives R's behaviour (a fit drifting towards
    /// the boundary), useful only for comparisons.
    pub check_existence: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            tolerance: 1e-8,
            max_iterations: 100,
            allow_non_convergence: false,
            check_existence: true,
        }
    }
}

impl FitOptions {
    /// R's `glm.fit` settings: tolerance `1e-8`, 25 iterations.
    pub fn glm() -> Self {
        Self {
            tolerance: 1e-8,
            max_iterations: 25,
            ..Self::default()
        }
    }

    /// Builder: set the tolerance.
    pub fn tolerance(mut self, tol: f64) -> Self {
        self.tolerance = tol;
        self
    }

    /// Builder: allow non-converged fits.
    pub fn allow_non_convergence(mut self, yes: bool) -> Self {
        self.allow_non_convergence = yes;
        self
    }

    /// Check the options.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for a non-positive tolerance or zero iterations.
    pub fn validate(&self) -> Result<()> {
        if !(self.tolerance > 0.0) {
            return Err(Error::InvalidOption {
                name: "tolerance",
                value: self.tolerance.to_string(),
                problem: "must be positive".into(),
            });
        }
        if self.max_iterations == 0 {
            return Err(Error::InvalidOption {
                name: "max_iterations",
                value: "0".into(),
                problem: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// How a fit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FitStatus {
    /// The convergence criterion was met.
    Converged,
    /// The iteration limit was reached first.
    MaxIterations,
}

/// One coefficient of a fitted model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    /// The term (bitmask of lists; 0 = intercept).
    pub term: u32,
    /// `(Intercept)`, a list name, or names joined by `:`.
    pub name: String,
    /// Estimate; `-inf` for a term fixed at −∞ (serialised as `null`).
    pub estimate: f64,
    /// Standard error (`NaN` for −∞ terms).
    pub std_error: f64,
}

/// A fitted hierarchical log-linear model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// The model as requested.
    #[serde(skip)]
    pub model: Model,
    /// Coefficients of every term, in the model's term order.
    pub coefficients: Vec<Coefficient>,
    /// Terms fixed at −∞ (zero margin).
    pub infinite_terms: Vec<u32>,
    /// Residual deviance over kept cells.
    pub deviance: f64,
    /// Kept cells minus finite parameters.
    pub df: i64,
    /// `2^t − 1 − p` (Rcapture's df).
    pub df_full: i64,
    /// Poisson log-likelihood including `−log y!`.
    pub log_likelihood: f64,
    /// `−2ℓ + 2p` (p includes −∞ terms).
    pub aic: f64,
    /// `−2ℓ + p log n_obs`.
    pub bic: f64,
    /// Number of parameters `p` including −∞ terms.
    pub parameters: usize,
    /// Fitted means indexed by history bitmask; entry 0 is the dark figure.
    pub fitted: Vec<f64>,
    /// `exp(θ̂_∅)`.
    pub dark_figure: f64,
    /// Standard error of `θ̂_∅`.
    pub intercept_se: f64,
    /// `n_obs + exp(θ̂_∅)`.
    pub estimate: f64,
    /// Standard error of `N̂` by Rivest & Lévesque (2001), as Rcapture:
    /// `sqrt(exp(θ̂_∅) + exp(2θ̂_∅) var(θ̂_∅))`.
    pub estimate_se: f64,
    /// Observed cases.
    pub observed: u64,
    /// Iterations used.
    pub iterations: usize,
    /// Convergence status.
    pub status: FitStatus,
    /// Covariance of the finite coefficients (row-major, in the order of
    /// `coefficients` with −∞ terms skipped).
    #[serde(skip)]
    pub covariance: Vec<f64>,
}

impl Fit {
    /// The covariance of the finite coefficients as a matrix (rows and columns in the order of
    /// `coefficients` with the −∞ terms skipped), from the information of the last IRLS step.
    pub fn covariance_matrix(&self) -> ndarray::Array2<f64> {
        let p = (self.covariance.len() as f64).sqrt().round() as usize;
        ndarray::Array2::from_shape_vec((p, p), self.covariance.clone())
            .expect("covariance is p × p")
    }

    /// Coefficient by name (`(Intercept)`, `LA`, `LA:NG`).
    pub fn coefficient(&self, name: &str) -> Option<&Coefficient> {
        self.coefficients.iter().find(|c| c.name == name)
    }
}

/// Reusable buffers for fitting tables of `t` lists. One per thread in parallel code.
#[derive(Debug, Clone)]
pub struct Workspace {
    t: usize,
    mu: Vec<f64>,
    zeta: Vec<f64>,
    eta: Vec<f64>,
    ymarg: Vec<f64>,
    ylny: Vec<f64>,
    data_len: usize,
    kept: Vec<bool>,
    info: Vec<f64>,
    rhs: Vec<f64>,
    beta: Vec<f64>,
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

/// Fit `model` to `table`.
///
/// With the default options the model is first checked for existence and identifiability
/// ([`existence::check`]) and a failing model is an error; non-convergence is an error.
///
/// # Errors
/// [`Error::MleDoesNotExist`], [`Error::NotIdentifiable`], [`Error::NotConverged`], or
/// [`Error::ModelSyntax`] if the model is for another number of lists.
///
/// # Example
/// ```
/// use darkfigure::{datasets, fit, FitOptions, Model};
/// let uk = datasets::uk_2013_5();
/// let f = fit(&uk, &Model::main_effects(5), &FitOptions::default()).unwrap();
/// assert!(f.estimate > uk.observed() as f64);
/// ```
pub fn fit(table: &CaptureTable, model: &Model, opts: &FitOptions) -> Result<Fit> {
    let mut ws = Workspace::new(table.lists());
    fit_with(table, model, opts, &mut ws)
}

/// [`fit`] with a caller-supplied workspace (for repeated fits).
///
/// # Errors
/// As [`fit`].
pub fn fit_with(
    table: &CaptureTable,
    model: &Model,
    opts: &FitOptions,
    ws: &mut Workspace,
) -> Result<Fit> {
    opts.validate()?;
    let t = table.lists();
    if model.lists() != t || ws.t != t {
        return Err(Error::ModelSyntax {
            spec: model.label(table.names()),
            problem: format!("model is for {} lists, the table has {t}", model.lists()),
        });
    }
    let label = || model.label(table.names());
    if opts.check_existence {
        existence::check(table, model)?.require(&label())?;
    }
    let y: Vec<f64> = table.counts().iter().map(|&c| c as f64).collect();
    let margins = table.margins();
    let inf = infinite_terms(&margins, model.terms());
    let finite: Vec<u32> = model
        .terms()
        .iter()
        .copied()
        .filter(|s| !inf.contains(s))
        .collect();
    mark_kept(&mut ws.kept, t, &inf, false);
    ws.set_data(&y);
    let core = match newton(
        ws,
        &y,
        &finite,
        Start::Glm,
        &Stop::r(opts.tolerance, opts.max_iterations),
    ) {
        Ok(c) => c,
        Err(()) => {
            let ex = existence::check(table, model)?;
            return Err(Error::NotIdentifiable {
                model: label(),
                code: ex.code | 2,
                rank: ex.rank,
                parameters: finite.len(),
            });
        }
    };
    if !core.converged && !opts.allow_non_convergence {
        return Err(Error::NotConverged {
            model: label(),
            iterations: core.iterations,
            last_change: core.last_change,
        });
    }
    assemble(table, model, ws, &y, &finite, &inf, core)
}

/// Build the [`Fit`] report from a solved workspace.
fn assemble(
    table: &CaptureTable,
    model: &Model,
    ws: &mut Workspace,
    y: &[f64],
    finite: &[u32],
    inf: &[u32],
    core: Core,
) -> Result<Fit> {
    let t = table.lists();
    let p = finite.len();
    // Covariance (X'WX)^{-1} from the information of the last IRLS step (its Cholesky
    // factor is left in `ws.info`), exactly as R's glm reports it.
    let cov = linalg::cholesky_inverse(&ws.info[..p * p], p);
    let names = table.names();
    let mut coefficients = Vec::with_capacity(model.parameters());
    for &s in model.terms() {
        let c = match finite.iter().position(|&f| f == s) {
            Some(a) => Coefficient {
                term: s,
                name: term_label(s, names, ":"),
                estimate: ws.beta[a],
                std_error: cov[a * p + a].sqrt(),
            },
            None => Coefficient {
                term: s,
                name: term_label(s, names, ":"),
                estimate: f64::NEG_INFINITY,
                std_error: f64::NAN,
            },
        };
        coefficients.push(c);
    }
    let kept_cells = (1..ws.kept.len()).filter(|&h| ws.kept[h]).count() as i64;
    let loglik: f64 = (1..ws.mu.len())
        .filter(|&h| ws.kept[h])
        .map(|h| {
            let m = ws.mu[h];
            if y[h] > 0.0 {
                y[h] * m.ln() - m
            } else {
                -m
            }
        })
        .sum::<f64>()
        - log_factorial_sum(table.counts());
    let params = model.parameters();
    let n_obs = table.observed();
    let dark = ws.beta[0].exp();
    let mut fitted = ws.mu.clone();
    fitted[0] = dark;
    Ok(Fit {
        model: model.clone(),
        coefficients,
        infinite_terms: inf.to_vec(),
        deviance: core.deviance,
        df: kept_cells - p as i64,
        df_full: ((1i64 << t) - 1) - params as i64,
        log_likelihood: loglik,
        aic: -2.0 * loglik + 2.0 * params as f64,
        bic: -2.0 * loglik + (n_obs as f64).ln() * params as f64,
        parameters: params,
        fitted,
        dark_figure: dark,
        intercept_se: cov[0].sqrt(),
        estimate: n_obs as f64 + dark,
        estimate_se: (dark + dark * dark * cov[0]).sqrt(),
        observed: n_obs,
        iterations: core.iterations,
        status: if core.converged {
            FitStatus::Converged
        } else {
            FitStatus::MaxIterations
        },
        covariance: cov,
    })
}
