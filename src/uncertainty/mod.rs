//! Uncertainty around any method's estimate: the bootstrap engine over the
//! [`crate::estimators::Estimator`] interface (nonparametric, parametric and replayed
//! resampling, the method re-run in every replicate, percentile and BCa limits), and the
//! front door [`estimate`] that puts a point estimate and its interval together; coverage
//! studies on tables simulated from a fitted model ([`simulate`](mod@simulate)) and intervals
//! calibrated by them ([`calibrate`]).
//!
//! Imports [`crate::estimators`] and the stages below it. Inside: `bootstrap` ←
//! `simulate` ← `calibrate` ← `estimate`; the simulation and the calibration take the
//! estimation procedure as a closure ([`simulate::Procedure`]), so neither imports
//! `estimate`, which builds the procedure from [`EstimateOptions`] ([`trial`]).

pub mod bootstrap;
pub mod calibrate;
pub mod estimate;
pub mod simulate;

pub use bootstrap::{bootstrap, bootstrap_from, Bootstrap, BootstrapOptions, Kind, Quantile};
pub use calibrate::{Calibration, CalibrationOptions};
pub use estimate::{estimate, estimate_with, simulate, trial, Estimate, EstimateOptions};
pub use simulate::{Scheme, SimulateOptions, Simulation, Truth};
