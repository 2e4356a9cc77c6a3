//! Uncertainty around any method's estimate: the bootstrap engine over the
//! [`crate::estimators::Estimator`] interface (nonparametric, parametric and replayed
//! resampling, the method re-run in every replicate, percentile and BCa limits), and the
//! front door [`estimate()`] that puts a point estimate and its interval together; coverage
//! studies on tables simulated from a fitted model ([`simulate`](mod@simulate)) and intervals
//! calibrated by them ([`calibrate`]).
//!
//! Imports [`crate::estimators`] and the stages below it. Inside, each file imports only
//! those before it: `bootstrap` ← `simulate` ← `calibrate` ← `options` ← `study` ←
//! `estimate`. The simulation and the calibration take the estimation procedure as a
//! closure ([`simulate::Procedure`]); `study` builds it from [`EstimateOptions`] ([`trial`]),
//! and `estimate` uses it for calibrated intervals — no circle.

pub mod bootstrap;
pub mod calibrate;
pub mod estimate;
pub mod options;
pub mod simulate;
pub mod study;

pub use bootstrap::{bootstrap, bootstrap_from, Bootstrap, BootstrapOptions, Kind, Quantile};
pub use calibrate::{Calibration, CalibrationOptions};
pub use estimate::{estimate, estimate_with, Estimate};
pub use options::EstimateOptions;
pub use simulate::{Scheme, SimulateOptions, Simulation, Truth};
pub use study::{simulate, trial};
