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

use super::criteria::Criterion;
use super::existence;
use super::irls::{
    infinite_terms, log_factorial_sum, mark_kept, newton, Core, Start, Stop, Workspace,
};
use super::model::Model;
use crate::data::table::{term_label, CaptureTable};
use crate::error::{Error, Result};
use crate::numeric::linalg;
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
    /// Largest `max_iterations` accepted.
    pub const MAX_ITERATIONS: usize = 100_000;

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
    /// [`Error::InvalidOption`] for a tolerance outside (0, 1) (NaN and infinity included),
    /// zero iterations or more than [`FitOptions::MAX_ITERATIONS`].
    pub fn validate(&self) -> Result<()> {
        if !(self.tolerance > 0.0 && self.tolerance < 1.0) {
            return Err(Error::InvalidOption {
                name: "tolerance",
                value: self.tolerance.to_string(),
                problem: "must be a number between 0 and 1 (exclusive), e.g. 1e-8: the fit stops when the relative change of the deviance is below it".into(),
            });
        }
        if self.max_iterations > Self::MAX_ITERATIONS {
            return Err(Error::InvalidOption {
                name: "max_iterations",
                value: self.max_iterations.to_string(),
                problem: format!(
                    "at most {} iterations (a fit that has not converged by then will not)",
                    Self::MAX_ITERATIONS
                ),
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

/// Fit `model` to `table`.
///
/// With the default options the model is first checked for existence and identifiability
/// ([`super::check`]) and a failing model is an error; non-convergence is an error.
///
/// # Errors
/// [`Error::MleDoesNotExist`], [`Error::NotIdentifiable`], [`Error::NotConverged`],
/// [`Error::ModelSyntax`] if the model is for another number of lists, or
/// [`Error::ModelTooLarge`] beyond [`Model::MAX_PARAMETERS`] parameters.
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
    model.check_size(table.names())?;
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
            // Singular information: the check says why, if it fails; a model that passes it
            // (code 0) is numerically singular in double precision — never reported as a
            // code it does not have.
            let ex = existence::check(table, model)?;
            ex.require(&label())?;
            let (lo, hi) = table
                .counts()
                .iter()
                .filter(|&&c| c > 0)
                .fold((u64::MAX, 0), |(lo, hi), &c| (lo.min(c), hi.max(c)));
            return Err(Error::Undefined {
                what: "the fit",
                reason: format!(
                    "model {} passes the existence check (code 0), but its information matrix is numerically singular in double precision (positive counts range from {lo} to {hi}); rescale or check the counts",
                    label()
                ),
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
        aic: Criterion::Aic.value(loglik, params, n_obs as f64),
        bic: Criterion::Bic.value(loglik, params, n_obs as f64),
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
