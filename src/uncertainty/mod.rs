//! Uncertainty around any method's estimate: the bootstrap engine over the
//! [`crate::estimators::Estimator`] interface (nonparametric, parametric and replayed
//! resampling, the method re-run in every replicate, percentile and BCa limits), and the
//! front door [`estimate`] that puts a point estimate and its interval together; and the
//! bootstrap of covariate models by category ([`covariates`]).
//!
//! Imports [`crate::estimators`] and the stages below it.

pub mod bootstrap;
pub mod covariates;
pub mod estimate;

pub use bootstrap::{bootstrap, bootstrap_from, Bootstrap, BootstrapOptions, Kind, Quantile};
pub use estimate::{estimate, estimate_with, Estimate, EstimateOptions};
