//! Poisson log-linear models of a capture table and their fits: hierarchical model notation
//! ([`Model`]), the Newton/IRLS core (R's `glm.fit` start and stopping rule, the extended MLE
//! with terms of zero margin fixed at −∞), the public [`fit`], the warm-started hot-path
//! fitter used by selection and the bootstrap, existence and identifiability (fit
//! certificate, Fienberg–Rinaldo LP, rank test), information criteria and the profile
//! likelihood of `N`.
//!
//! Imports only [`crate::data`] and [`crate::numeric`]. Inside, the files stand in this
//! order, each importing only those before it: `model`, `criteria`, `irls`, `lp`, `fitter`,
//! `existence`, `fit`, `profile` — the fit certificate (`fitter`) sits between the LP and
//! the public check, so existence and fitting do not import each other.

pub mod criteria;
pub mod existence;
pub mod fit;
pub(crate) mod fitter;
pub(crate) mod irls;
pub(crate) mod lp;
pub mod model;
pub(crate) mod profile;

pub use criteria::Criterion;
pub use existence::{check, Existence};
pub use fit::{fit, Coefficient, Fit, FitOptions, FitStatus};
pub use model::{Model, ModelDisplay};
