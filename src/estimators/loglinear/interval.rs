//! Model-based intervals of a log-linear fit: Wald on the log of the dark figure (SparseMSE
//! `estimatepopulation.0`) and profile likelihood (Rcapture `closedpCI.t`).

use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::estimators::{Interval, IntervalMethod, Profile};
use crate::loglinear::profile::ProfileLikelihood;
use crate::loglinear::Fit;
use crate::numeric::profile::profile_limits;
use crate::numeric::Level;

/// Wald interval on the log scale of the dark figure:
/// `n_obs + exp(θ̂_∅ ± z_{(1+level)/2} · se(θ̂_∅))` (SparseMSE `estimatepopulation.0`).
pub fn wald(fit: &Fit, level: Level) -> Interval {
    let z = level.z();
    let n = fit.observed as f64;
    let m = fit.dark_figure.ln();
    let s = fit.intercept_se;
    Interval {
        method: IntervalMethod::Wald,
        level: level.get(),
        lower: Some(n + (m - z * s).exp()),
        upper: Some(n + (m + z * s).exp()),
        flags: Vec::new(),
    }
}

/// Options of the profile-likelihood interval.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileOptions {
    /// Coverage level (default 0.95).
    pub level: Level,
    /// The upper limit is searched up to `upper_factor × N̂` (Rcapture's `fmaxSupCL`, default 3).
    pub upper_factor: f64,
    /// Absolute tolerance on N for the maximisation and root searches (default `1e-9`).
    pub tolerance: f64,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        Self {
            level: Level::default(),
            upper_factor: 3.0,
            tolerance: 1e-9,
        }
    }
}

impl ProfileOptions {
    /// Check the options.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for an upper factor not in (1, 1e6] or a tolerance not in
    /// (0, 1] (NaN and infinity included).
    pub fn validate(&self) -> Result<()> {
        if !(self.upper_factor > 1.0 && self.upper_factor <= 1e6) {
            return Err(Error::InvalidOption {
                name: "profile_upper_factor",
                value: self.upper_factor.to_string(),
                problem: "must be a number greater than 1 and at most 1e6".into(),
            });
        }
        if !(self.tolerance > 0.0 && self.tolerance <= 1.0) {
            return Err(Error::InvalidOption {
                name: "profile_tolerance",
                value: self.tolerance.to_string(),
                problem: "must be a positive number of at most 1 (a tolerance in N)".into(),
            });
        }
        Ok(())
    }
}

/// Profile-likelihood interval for `N` (Rcapture `closedpCI.t`).
///
/// Maximise `ℓ(N)` on `[n, 1.5 N̂]`, cut at `ℓ_max − χ²₁(level)/2`, and find the crossings on
/// `[n, N_max]` and `[N_max, upper_factor · N̂]`. A crossing that does not exist is flagged:
/// the lower limit is then `n_obs` (`lower_at_observed`), the upper limit `None` with
/// `upper_beyond = upper_factor · N̂`.
///
/// # Errors
/// Invalid options ([`ProfileOptions::validate`]).
pub fn profile(table: &CaptureTable, fit: &Fit, opts: &ProfileOptions) -> Result<Profile> {
    opts.validate()?;
    let n = table.observed() as f64;
    let mut pl = ProfileLikelihood::new(table, fit);
    let lim = profile_limits(
        |x| pl.loglik(x),
        n,
        fit.estimate,
        opts.upper_factor,
        opts.level,
        opts.tolerance,
    );
    let mut flags = Vec::new();
    let (lower, lower_at_observed) = match lim.lower {
        Some(x) => (x, false),
        None => {
            flags.push("the lower bound is set to the number observed n (the profile likelihood stays above the cut-off down to n)".into());
            (n, true)
        }
    };
    let upper_beyond = match lim.upper {
        Some(_) => None,
        None => {
            flags.push(format!(
                "the upper bound is larger than {} x the estimate ({:.1})",
                opts.upper_factor, lim.upper_end
            ));
            Some(lim.upper_end)
        }
    };
    Ok(Profile {
        interval: Interval {
            method: IntervalMethod::Profile,
            level: opts.level.get(),
            lower: Some(lower),
            upper: lim.upper,
            flags,
        },
        mle: lim.mle,
        max_loglik: lim.max_loglik,
        cutoff: lim.cutoff,
        lower_at_observed,
        upper_beyond,
    })
}
