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
//! reported as such instead of printing a meaningless number.
//!
//! Numbers agree with the R packages SparseMSE, MultipleSystemsEstimation and Rcapture
//! (see `tests/`).
//!
//! ```
//! use darkfigure::{datasets, estimate, EstimateOptions};
//! let uk = datasets::uk_2013();
//! let est = estimate(&uk, &EstimateOptions::default()).unwrap();
//! assert!(est.estimate > 2744.0);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// `!(x > 0.0)` is the house idiom for rejecting NaN along with the failing values
// (STYLE.md); clippy's suggestion (`partial_cmp`) would hide that intent.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// Numerical kernels index several arrays (cells, margins, weights) by the same bitmask;
// index loops state that correspondence more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

mod among;
pub mod bootstrap;
pub mod datasets;
pub mod dga;
pub mod error;
pub mod estimate;
pub mod existence;
pub mod fit;
pub mod fitter;
pub mod interval;
pub mod io;
pub mod linalg;
pub mod model;
pub mod optimize;
pub mod petersen;
pub mod plot;
pub mod rcapture;
pub mod replay;
pub mod report;
mod screen;
pub mod search;
pub mod select;
pub mod sensitivity;
pub mod summary;
pub mod table;

pub use error::{Error, Location, Result};
pub use estimate::{estimate, Estimate, EstimateOptions};
pub use existence::Existence;
pub use fit::{fit, Fit, FitOptions, FitStatus};
pub use model::Model;
pub use table::CaptureTable;
