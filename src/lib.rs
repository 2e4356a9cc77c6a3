//! # darkfigure — multiple-systems estimation of hidden populations
//!
//! Agencies each keep a list of the victims (of trafficking, of a war, of an epidemic) they
//! met. How the `t` lists overlap tells how many were on no list at all — the *dark figure*.
//! darkfigure fits Poisson log-linear models to the `2^t − 1` capture-history counts:
//!
//! ```text
//! log μ_h = Σ_{S ∈ M, S ⊆ h} θ_S ,      N̂ = n_obs + exp(θ̂_∅)
//! ```
//!
//! where `M` is a hierarchical set of list interactions. Terms whose margin is zero are fixed
//! at −∞ (the *extended MLE*); the existence of the MLE and the identifiability of the model are
//! checked by the Fienberg–Rinaldo linear program and a rank test, and a model failing them is
//! reported as such instead of printing a meaningless number. Rcapture's closed-population
//! models and the two-list estimators are offered behind the same [`Estimator`] interface.
//!
//! Numbers agree with the R packages SparseMSE, MultipleSystemsEstimation and Rcapture
//! (see `tests/`). Whether an interval covers the truth as often as it claims can be measured
//! on tables simulated from a fitted model ([`uncertainty::simulate()`]), and an interval can
//! be calibrated so that it does (`IntervalMethod::Calibrated`, [`uncertainty::calibrate`]).
//!
//! ## The pipeline, one module per stage
//!
//! [`numeric`] → [`data`] → [`loglinear`] → [`selection`] → [`estimators`] →
//! [`uncertainty`] → [`output`]; each imports only the stages before it (`ARCHITECTURE.md`).
//! [`prelude`] has what an embedding program needs.
//!
//! ```
//! use darkfigure::prelude::*;
//! let uk = datasets::uk_2013();
//! let est = estimate(&uk, &EstimateOptions::default().select(Rule::Stepwise)).unwrap();
//! assert!(est.estimate > 2744.0);
//! println!("N = {:.0}, model {}", est.estimate, est.model().unwrap().display(uk.names()));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// `!(x > 0.0)` is the house idiom for rejecting NaN along with the failing values
// (STYLE.md); clippy's suggestion (`partial_cmp`) would hide that intent.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// Numerical kernels index several arrays (cells, margins, weights) by the same bitmask;
// index loops state that correspondence more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

pub mod data;
pub mod error;
pub mod estimators;
pub mod loglinear;
pub mod numeric;
pub mod output;
pub mod prelude;
pub mod selection;
pub mod uncertainty;

pub use data::{datasets, CaptureTable};
pub use error::{Error, Location, Result};
pub use estimators::{Estimator, Interval, IntervalMethod, Method, PointEstimate};
pub use loglinear::{fit, Existence, Fit, FitOptions, Model};
pub use numeric::Level;
pub use uncertainty::{
    bootstrap, estimate, Bootstrap, BootstrapOptions, Estimate, EstimateOptions,
};

/// Engine internals exposed for the crate's own benches and tests only. Not part of the
/// public API: nothing here is covered by semantic versioning.
#[doc(hidden)]
pub mod internals {
    pub use crate::loglinear::fit::fit_with;
    pub use crate::loglinear::fitter::{no_cache, Fitter, Warm};
    pub use crate::loglinear::irls::Workspace;
    pub use crate::numeric::linalg::{cholesky, cholesky_solve};
}
