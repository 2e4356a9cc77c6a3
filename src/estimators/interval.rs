//! Intervals for the population size: the one result type every method and the bootstrap
//! report, and the typed name of the method that made it.

use crate::error::{Error, Result};
use serde::Serialize;

/// How an interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IntervalMethod {
    /// Wald: on the log scale of the dark figure for log-linear models (SparseMSE), on `N`
    /// for the two-list and Rcapture estimators.
    Wald,
    /// Profile likelihood (Rcapture `closedpCI.t`, Cormack 1992).
    Profile,
    /// Bootstrap BCa (Efron 1987).
    Bca,
    /// Bootstrap percentile.
    Percentile,
    /// Bayesian: the equal-tailed credible interval of the posterior (R's type-7 quantiles).
    Credible,
    /// Another interval at the nominal level whose coverage, on tables simulated from the
    /// fitted model, is the level asked for (double bootstrap; `uncertainty::calibrate`).
    Calibrated,
}

impl IntervalMethod {
    /// The method's name as written on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            IntervalMethod::Wald => "wald",
            IntervalMethod::Profile => "profile",
            IntervalMethod::Bca => "bca",
            IntervalMethod::Percentile => "percentile",
            IntervalMethod::Credible => "credible",
            IntervalMethod::Calibrated => "calibrated",
        }
    }

    /// Whether the interval comes from a bootstrap (needs replicates).
    pub fn is_bootstrap(self) -> bool {
        matches!(self, IntervalMethod::Bca | IntervalMethod::Percentile)
    }
}

impl std::fmt::Display for IntervalMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for IntervalMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "wald" => Ok(Self::Wald),
            "profile" => Ok(Self::Profile),
            "bca" => Ok(Self::Bca),
            "percentile" => Ok(Self::Percentile),
            "credible" => Ok(Self::Credible),
            "calibrated" => Ok(Self::Calibrated),
            _ => Err(Error::InvalidOption {
                name: "interval",
                value: s.into(),
                problem: "expected wald, profile, bca, percentile, credible or calibrated".into(),
            }),
        }
    }
}

/// An interval for the population size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// How it was computed.
    pub method: IntervalMethod,
    /// Coverage level, e.g. 0.95.
    pub level: f64,
    /// Lower limit (`None` if it could not be determined).
    pub lower: Option<f64>,
    /// Upper limit (`None` if it could not be determined).
    pub upper: Option<f64>,
    /// Warnings about the limits (e.g. a profile bound that was not found).
    pub flags: Vec<String>,
}

/// A profile-likelihood interval with its search details.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// The interval (method `profile`).
    pub interval: Interval,
    /// The maximiser of the profile likelihood over N (the multinomial, conditional MLE;
    /// Rcapture's `CI$abundance`), which differs slightly from the Poisson `N̂`.
    pub mle: f64,
    /// Profile log-likelihood at the maximum.
    pub max_loglik: f64,
    /// The cut-off `max − χ²₁(level)/2`.
    pub cutoff: f64,
    /// The lower limit was not found above `n_obs` (Rcapture sets it to `n`).
    pub lower_at_observed: bool,
    /// The upper limit lies beyond `upper_factor × N̂`; Rcapture prints `">" + that value`.
    pub upper_beyond: Option<f64>,
}

/// A model-based interval of a method ([`super::Estimator::interval`]): the interval and,
/// for a profile interval, the details of its search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInterval {
    /// The interval.
    pub interval: Interval,
    /// Profile details (profile intervals only).
    pub profile: Option<Profile>,
}

impl From<Interval> for ModelInterval {
    fn from(interval: Interval) -> Self {
        Self {
            interval,
            profile: None,
        }
    }
}

impl From<Profile> for ModelInterval {
    fn from(p: Profile) -> Self {
        Self {
            interval: p.interval.clone(),
            profile: Some(p),
        }
    }
}
