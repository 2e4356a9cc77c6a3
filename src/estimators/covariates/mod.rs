//! Multiple-systems estimation with categorical covariates: Poisson log-linear models on
//! the cells (capture history × covariate levels), as R's `glm(count ~ …, poisson)`.
//!
//! # Model
//! For observable cells `(h, c)` (history `h ≠ 0`, covariate combination `c`, structural
//! zeros excluded) the counts are independent Poisson with `log μ = x(h, c)ᵀβ`, where `x` is
//! R's model matrix of the formula with treatment contrasts ([`design`]). The dark figure of
//! combination `c` is the fitted mean of the unobserved cell, `n̂0(c) = exp(x(0, c)ᵀβ̂)`, and
//!
//! ```text
//! N̂ = n + Σ_c n̂0(c),     N̂_v(ℓ) = n_obs(v = ℓ) + Σ_{c: c_v = ℓ} n̂0(c).
//! ```
//!
//! Columns whose margin is zero are fixed at `−∞` (the extended MLE); the existence of the
//! MLE and the identification of the dark figure are checked ([`existence`]) and a model
//! failing them is an error, never a number.
//!
//! # Example
//! ```
//! use darkfigure::estimators::covariates::{self, CovariateTable, FitOptions, Formula, TableSpec};
//! let csv = b"A,B,sex,count\n1,0,f,30\n0,1,f,20\n1,1,f,10\n1,0,m,25\n0,1,m,30\n1,1,m,8\n";
//! let table = CovariateTable::parse_frequency(csv, "mem", &TableSpec::new(["sex"])).unwrap();
//! let f = Formula::parse("count ~ A + B + sex").unwrap();
//! let fit = covariates::fit(&table, &f, &FitOptions::default()).unwrap();
//! // Lists independent of each other and of sex: n̂0 = n10·n01/n11 on the pooled table.
//! assert!((fit.total.total - (123.0 + 55.0 * 50.0 / 18.0)).abs() < 1e-6);
//! ```
//!
//! # References
//! R Core Team, `glm.fit` and `model.matrix` (R 4.2.2). Fienberg & Rinaldo (2012), Ann.
//! Statist. 40:996. Rivest & Lévesque (2001).

mod build;
pub mod design;
mod estimate;
pub mod existence;
mod fast;
mod fit;
pub mod formula;
mod kernels;
mod lattice;
mod lattice_fit;
mod parse;
mod qr;
mod read;
pub mod replicate;
pub mod search;
pub mod select;
pub mod table;
#[cfg(test)]
mod tests;

pub use design::{Column, Design, Factor, Poly};
pub use formula::{Formula, Terms};
pub use replicate::{Chosen, ModelChoice, Prepared, ReplicateFit, Worker};
pub use search::{model_search, Search, SearchOptions};
pub use select::{select, Rule as SelectRule, SelectOptions, Selected};
pub use table::{Covariate, CovariateTable, MissingValues, StructuralZero, TableSpec, Variable};

use crate::error::{Error, Result};
use serde::Serialize;

/// Which pairs of covariates get cross-tabulated totals.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Pairs {
    /// None (default).
    #[default]
    None,
    /// Every pair `i < j` in covariate order.
    All,
    /// These pairs, by name.
    These(Vec<(String, String)>),
}

/// Options of a covariate fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// IRLS convergence threshold `ε` on `|D − D_old| / (|D| + 0.1)`. Default `1e-8` (R's
    /// `glm`); the reference fits use `1e-10`.
    pub tolerance: f64,
    /// Maximum IRLS iterations. Default 25 (R's `glm`); the reference fits use 100.
    pub max_iterations: usize,
    /// Fix zero-margin columns at `−∞` and remove their cells (default `true`). Off, the fit
    /// is R's: IRLS drifts towards the boundary until the deviance rule stops it.
    pub extended_mle: bool,
    /// Check existence and identification (default `true`, see [`existence`]). Off, any
    /// fit that IRLS completes is reported, as R does.
    pub check_existence: bool,
    /// Return a fit that hit the iteration limit instead of an error.
    pub allow_non_convergence: bool,
    /// Cross-tabulated totals.
    pub pairs: Pairs,
    /// Coverage of the Wald intervals (default 0.95).
    pub level: f64,
    /// Ordered covariates: the change of the total between consecutive levels is reported
    /// for each ([`Fit::changes`]).
    pub ordered: Vec<String>,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            tolerance: 1e-8,
            max_iterations: 25,
            extended_mle: true,
            check_existence: true,
            allow_non_convergence: false,
            pairs: Pairs::None,
            level: 0.95,
            ordered: Vec::new(),
        }
    }
}

impl FitOptions {
    /// The settings of the reference fits: `ε = 1e-10`, 100 iterations.
    pub fn reference() -> Self {
        Self {
            tolerance: 1e-10,
            max_iterations: 100,
            ..Self::default()
        }
    }

    /// R's own behaviour: no extended MLE, no existence check.
    pub fn r_glm(mut self) -> Self {
        self.extended_mle = false;
        self.check_existence = false;
        self
    }

    /// Builder: tolerance.
    pub fn tolerance(mut self, eps: f64) -> Self {
        self.tolerance = eps;
        self
    }

    /// Builder: iteration limit.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }

    /// Builder: cross-tabulated totals.
    pub fn pairs(mut self, pairs: Pairs) -> Self {
        self.pairs = pairs;
        self
    }

    /// Builder: the ordered covariates whose consecutive-level changes are reported.
    pub fn ordered<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.ordered = names.into_iter().map(Into::into).collect();
        self
    }

    /// Builder: the coverage of the Wald intervals.
    pub fn level(mut self, level: f64) -> Self {
        self.level = level;
        self
    }

    /// Builder: allow a fit that hit the iteration limit.
    pub fn allow_non_convergence(mut self, yes: bool) -> Self {
        self.allow_non_convergence = yes;
        self
    }

    /// Check the options.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for a tolerance not in `(0, 1)`, zero iterations or a level
    /// not in `(0, 1)`.
    pub fn validate(&self) -> Result<()> {
        if !(self.tolerance > 0.0 && self.tolerance < 1.0) {
            return Err(Error::InvalidOption {
                name: "tolerance",
                value: self.tolerance.to_string(),
                problem: "must be in (0, 1)".into(),
            });
        }
        if self.max_iterations == 0 {
            return Err(Error::InvalidOption {
                name: "max_iterations",
                value: "0".into(),
                problem: "must be at least 1".into(),
            });
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::InvalidOption {
                name: "level",
                value: self.level.to_string(),
                problem: "must be strictly between 0 and 1".into(),
            });
        }
        Ok(())
    }
}

/// How a coefficient was determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoefficientStatus {
    /// Estimated.
    Estimated,
    /// Aliased (linearly dependent on earlier columns): R's `NA`, reported as NaN.
    Aliased,
    /// Fixed at `−∞` (zero margin).
    Infinite,
}

/// One coefficient (one design column).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    /// R's column name (`(Intercept)`, `R1:X42`).
    pub name: String,
    /// The term's label (`R1:X4`; `(Intercept)`).
    pub term: String,
    /// Estimate (NaN if aliased, `−∞` if fixed there; both serialised as `null`).
    pub estimate: f64,
    /// Standard error from the last IRLS step (NaN unless estimated).
    pub std_error: f64,
    /// Estimated, aliased or infinite.
    pub status: CoefficientStatus,
}

/// How the fit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The deviance rule was met.
    Converged,
    /// The iteration limit came first.
    MaxIterations,
}

/// The dark figure of one covariate combination.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnobservedCell {
    /// One level per covariate.
    pub levels: Vec<String>,
    /// `n̂0(c)`.
    pub n0: f64,
}

/// Observed, hidden and total count of a group of cells, with a Wald interval.
///
/// # Formula
/// With `g = Σ_{c ∈ G} n̂0(c) x(0, c)` (the gradient of the group's dark figure) and `V` the
/// covariance of the coefficients, `v = gᵀVg`:
/// * `std_error = sqrt(n̂0_G + v)` (Rivest & Lévesque 2001's form, as the list-only
///   [`crate::loglinear::Fit::estimate_se`]);
/// * the interval is Wald on the log scale of the dark figure, `n_G + n̂0_G · exp(∓ z
///   sqrt(v) / n̂0_G)` (SparseMSE's form for lists only), `z = Φ⁻¹((1 + level)/2)`.
///
/// Both are `None` when undefined: `n̂0_G = 0`, or the fit did not converge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupTotal {
    /// The group's levels (one per covariate of the table it belongs to; empty for the
    /// overall total).
    pub levels: Vec<String>,
    /// Observed individuals `n_G`.
    pub observed: u64,
    /// Dark figure `Σ_{c ∈ G} n̂0(c)`.
    pub hidden: f64,
    /// `n_G + hidden`.
    pub total: f64,
    /// Standard error of `total`.
    pub std_error: Option<f64>,
    /// Lower Wald limit.
    pub lower: Option<f64>,
    /// Upper Wald limit.
    pub upper: Option<f64>,
}

/// Totals per level of one covariate, or per level pair of two.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    /// The covariate(s).
    pub covariates: Vec<String>,
    /// One row per level (pairs: first covariate varying fastest).
    pub rows: Vec<GroupTotal>,
}

/// The change of the total between two consecutive levels of an ordered covariate.
///
/// # Formula
/// `change = N̂(to) − N̂(from)`, the difference of the level totals (observed + dark
/// figure). With `g` the gradient of the difference of the two dark figures and `V` the
/// covariance of the coefficients, `v = gᵀVg`: `std_error = sqrt(n̂0(from) + n̂0(to) + v)`
/// (the Rivest–Lévesque form of [`GroupTotal::std_error`]) and the Wald interval is
/// `change ∓ z sqrt(v)` (the observed counts fixed, as in the totals' intervals). `None` when
/// the fit did not converge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The earlier level.
    pub from: String,
    /// The later level.
    pub to: String,
    /// Observed at `to` minus observed at `from`.
    pub observed: i64,
    /// `N̂(to) − N̂(from)`.
    pub change: f64,
    /// Standard error.
    pub std_error: Option<f64>,
    /// Lower Wald limit.
    pub lower: Option<f64>,
    /// Upper Wald limit.
    pub upper: Option<f64>,
}

/// The changes between consecutive levels of one ordered covariate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changes {
    /// The covariate.
    pub covariate: String,
    /// One row per pair of consecutive levels.
    pub rows: Vec<Change>,
}

/// How existence and identification were decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExistenceReport {
    /// The check ran.
    pub checked: bool,
    /// Continued Newton steps certified a finite MLE on the kept cells.
    pub certified: bool,
    /// LP optimum (counts scaled to total 1) when the LP ran.
    pub lp_optimum: Option<f64>,
    /// Unobserved cells whose mean is 0 because of a `−∞` column.
    pub zero_unobserved: usize,
}

/// A fitted covariate model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// The model in R's printed form (`R1 + R2 + X1 + R1:X1`).
    pub formula: String,
    /// Term labels in R's order.
    pub terms: Vec<String>,
    /// Every design column in R's order.
    pub coefficients: Vec<Coefficient>,
    /// Residual deviance over the kept cells.
    pub deviance: f64,
    /// `|O| − rank` (R's `df.residual`).
    pub df: i64,
    /// Kept cells − estimated coefficients.
    pub df_reduced: i64,
    /// R's rank: estimated + `−∞` columns (+ columns aliased only after removing cells).
    pub rank: usize,
    /// Poisson log-likelihood with `lgamma(y + 1)`.
    pub log_likelihood: f64,
    /// `−2ℓ + 2·rank`.
    pub aic: f64,
    /// `−2ℓ + log(n)·rank`.
    pub bic: f64,
    /// IRLS iterations.
    pub iterations: usize,
    /// Convergence status.
    pub status: Status,
    /// Observable cells `|O|`.
    pub n_cells: usize,
    /// Cells kept in the fit (not removed by a `−∞` column).
    pub kept_cells: usize,
    /// Columns fixed at `−∞`.
    pub infinite: Vec<String>,
    /// Aliased columns.
    pub aliased: Vec<String>,
    /// Existence check.
    pub existence: ExistenceReport,
    /// Every unobserved cell.
    pub unobserved: Vec<UnobservedCell>,
    /// `N̂ = n + Σ n̂0`.
    pub total: GroupTotal,
    /// Totals per level of every covariate.
    pub by_level: Vec<Totals>,
    /// Totals per requested pair of covariates.
    pub by_pair: Vec<Totals>,
    /// Changes between consecutive levels of the ordered covariates.
    pub changes: Vec<Changes>,
    /// Fitted means of the observable cells (table order; 0 on removed cells).
    pub fitted: Vec<f64>,
    /// Covariance of the estimated coefficients (row-major, in column order, estimated
    /// columns only), from the last IRLS step.
    #[serde(skip)]
    pub covariance: Vec<f64>,
}

impl Fit {
    /// A coefficient by R's column name.
    pub fn coefficient(&self, name: &str) -> Option<&Coefficient> {
        self.coefficients.iter().find(|c| c.name == name)
    }

    /// Totals of one covariate by name.
    pub fn totals_of(&self, covariate: &str) -> Option<&Totals> {
        self.by_level.iter().find(|t| t.covariates[0] == covariate)
    }
}

/// Fit `formula` to `table`.
///
/// # Errors
/// [`Error::ModelSyntax`] (names not in the table, a missing list main effect),
/// [`Error::InvalidOption`], [`Error::NotIdentifiable`] (a dark figure not estimable),
/// [`Error::MleDoesNotExist`], [`Error::NotConverged`], [`Error::Lp`].
pub fn fit(table: &CovariateTable, formula: &Formula, opts: &FitOptions) -> Result<Fit> {
    opts.validate()?;
    let terms = formula.terms(table)?;
    let design = Design::new(table, &terms);
    estimate::fit_design(table, &terms, &design, opts)
}

/// Fit given terms to `table` with one covariate coded by orthogonal polynomials (`poly`, as
/// `mse::model_search`'s `degree_year`), or as factors (`None`, [`fit_terms`]).
///
/// # Errors
/// As [`fit`].
pub fn fit_with_poly(
    table: &CovariateTable,
    terms: &Terms,
    poly: Option<Poly>,
    opts: &FitOptions,
) -> Result<Fit> {
    opts.validate()?;
    let design = Design::with_poly(table, terms, poly);
    estimate::fit_design(table, terms, &design, opts)
}

/// Fit given terms (e.g. from a search) to `table`.
///
/// # Errors
/// As [`fit`].
pub fn fit_terms(table: &CovariateTable, terms: &Terms, opts: &FitOptions) -> Result<Fit> {
    opts.validate()?;
    let design = Design::new(table, terms);
    estimate::fit_design(table, terms, &design, opts)
}
