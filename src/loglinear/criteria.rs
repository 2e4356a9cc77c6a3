//! Information criteria of a log-linear fit, in the convention of the R packages.

use crate::error::{Error, Result};
use serde::Serialize;

/// A ranking criterion `−2ℓ + k·p`, with `ℓ` the Poisson log-likelihood including `−log y!`
/// and `p` every term of the model, those fixed at −∞ included (SparseMSE's AIC,
/// MultipleSystemsEstimation's and Rcapture's BIC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Criterion {
    /// `k = log n_obs`.
    #[default]
    Bic,
    /// `k = 2`.
    Aic,
}

impl Criterion {
    /// The penalty `k` per parameter for `n_obs` observed cases.
    pub fn penalty(self, n_obs: f64) -> f64 {
        match self {
            Criterion::Bic => n_obs.ln(),
            Criterion::Aic => 2.0,
        }
    }

    /// `−2ℓ + k·p`.
    pub fn value(self, loglik: f64, parameters: usize, n_obs: f64) -> f64 {
        -2.0 * loglik + self.penalty(n_obs) * parameters as f64
    }

    /// `BIC` or `AIC`, as printed.
    pub fn name(self) -> &'static str {
        match self {
            Criterion::Bic => "BIC",
            Criterion::Aic => "AIC",
        }
    }
}

impl std::fmt::Display for Criterion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Criterion {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "bic" => Ok(Self::Bic),
            "aic" => Ok(Self::Aic),
            _ => Err(Error::InvalidOption {
                name: "by",
                value: s.into(),
                problem: "expected bic or aic".into(),
            }),
        }
    }
}
