//! Numerical building blocks, with no statistical model of their own: small dense
//! linear algebra (Cholesky solves, a rank test), one-dimensional minimisation and root
//! finding with R's stopping rules, the profile-likelihood limit search built on them,
//! normal and χ² quantiles with the validated coverage [`Level`], and R's sample quantiles.
//!
//! This is the ground floor: it imports nothing from the crate but [`crate::error`].

pub(crate) mod linalg;
pub mod mcmc;
pub mod normal;
pub(crate) mod optimize;
pub(crate) mod profile;
pub mod quantile;
pub mod sampling;

pub use normal::{pnorm, qnorm, Level};
pub use quantile::{quantile_type7, quantile_type8};
