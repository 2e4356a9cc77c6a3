//! Model-based confidence intervals for the population size: Wald on the log scale
//! (SparseMSE `estimatepopulation.0`) and profile likelihood (Rcapture `closedpCI.t`).

use crate::error::{Error, Result};
use crate::fit::{mark_kept, newton, Fit, Start, Stop, Workspace};
use crate::optimize::{brent_min, brent_root};
use crate::table::CaptureTable;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::gamma::ln_gamma;

/// An interval for the population size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// `wald`, `profile`, `bca`, `percentile`, `chapman`, …
    pub method: String,
    /// Coverage level, e.g. 0.95.
    pub level: f64,
    /// Lower limit (`None` if it could not be determined).
    pub lower: Option<f64>,
    /// Upper limit (`None` if it could not be determined).
    pub upper: Option<f64>,
    /// Warnings about the limits (e.g. a profile bound that was not found).
    pub flags: Vec<String>,
}

/// `Φ⁻¹(p)` of the standard normal.
pub fn qnorm(p: f64) -> f64 {
    // statrs panics outside [0, 1]; NaN (e.g. the fraction of an empty sample) stays NaN.
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    Normal::standard().inverse_cdf(p)
}

/// `Φ(x)` of the standard normal.
pub fn pnorm(x: f64) -> f64 {
    Normal::standard().cdf(x)
}

/// Check a coverage level.
///
/// # Errors
/// [`Error::InvalidOption`] unless `0 < level < 1`.
pub fn check_level(level: f64) -> Result<()> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(Error::InvalidOption {
            name: "level",
            value: level.to_string(),
            problem: "must be strictly between 0 and 1 (e.g. 0.95)".into(),
        })
    }
}

/// Wald interval on the log scale of the dark figure:
/// `n_obs + exp(θ̂_∅ ± z_{(1+level)/2} · se(θ̂_∅))` (SparseMSE `estimatepopulation.0`).
///
/// # Errors
/// An invalid level.
pub fn wald(fit: &Fit, level: f64) -> Result<Interval> {
    check_level(level)?;
    let z = qnorm(0.5 + level / 2.0);
    let n = fit.observed as f64;
    let m = fit.dark_figure.ln();
    let s = fit.intercept_se;
    Ok(Interval {
        method: "wald".into(),
        level,
        lower: Some(n + (m - z * s).exp()),
        upper: Some(n + (m + z * s).exp()),
        flags: Vec::new(),
    })
}

/// Options of the profile-likelihood interval.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileOptions {
    /// Coverage level (default 0.95).
    pub level: f64,
    /// The upper limit is searched up to `upper_factor × N̂` (Rcapture's `fmaxSupCL`, default 3).
    pub upper_factor: f64,
    /// Absolute tolerance on N for the maximisation and root searches (default `1e-9`).
    pub tolerance: f64,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        Self {
            level: 0.95,
            upper_factor: 3.0,
            tolerance: 1e-9,
        }
    }
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

/// Profile log-likelihood of `N` for a fitted model (Rcapture `closedpCI.t`, Cormack 1992).
///
/// `ℓ(N) = −D(N)/2 + c(N)`, where `D(N)` is the deviance of the model refitted with the dark
/// cell added as an observation `n₀ = N − n` (its design row is the intercept alone) and
/// `c(N)` turns the Poisson deviance into the multinomial likelihood:
/// for `N > 100`, `c = −N + ½log(2πN)` if `n₀ ∈ {0, 1}`, else `n₀ − N − ½log(n₀/N)`;
/// otherwise `c = log(n₀^{n₀} Γ(N+1) / (N^N Γ(n₀+1)))`.
pub struct ProfileLikelihood {
    y: Vec<f64>,
    n: f64,
    finite: Vec<u32>,
    ws: Workspace,
    start: Vec<f64>,
}

impl ProfileLikelihood {
    /// Prepare the profile for a converged fit of `table`.
    pub fn new(table: &CaptureTable, fit: &Fit) -> Self {
        let t = table.lists();
        let mut ws = Workspace::new(t);
        let finite: Vec<u32> = fit
            .model
            .terms()
            .iter()
            .copied()
            .filter(|s| !fit.infinite_terms.contains(s))
            .collect();
        mark_kept_dark(&mut ws, t, &fit.infinite_terms);
        let start: Vec<f64> = fit
            .coefficients
            .iter()
            .filter(|c| c.estimate.is_finite())
            .map(|c| c.estimate)
            .collect();
        Self {
            y: table.counts().iter().map(|&c| c as f64).collect(),
            n: table.observed() as f64,
            finite,
            ws,
            start,
        }
    }

    /// `ℓ(N)`; `NaN` if the refit fails.
    pub fn loglik(&mut self, big_n: f64) -> f64 {
        let n0 = (big_n - self.n).max(0.0);
        self.y[0] = n0;
        self.ws.set_data(&self.y);
        // Start from the model's own fit (a good start for every N); fall back to glm's
        // start if Newton fails from there.
        let mut core = newton(
            &mut self.ws,
            &self.y,
            &self.finite,
            Start::Coefficients(&self.start),
            &Stop::r(1e-13, 200),
        );
        if !matches!(core, Ok(c) if c.converged && c.deviance.is_finite()) {
            core = newton(
                &mut self.ws,
                &self.y,
                &self.finite,
                Start::Glm,
                &Stop::r(1e-13, 200),
            );
        }
        let Ok(core) = core else { return f64::NAN };
        -core.deviance / 2.0 + cormack(big_n, n0)
    }
}

fn mark_kept_dark(ws: &mut Workspace, t: usize, infinite: &[u32]) {
    let mut kept = vec![false; 1 << t];
    mark_kept(&mut kept, t, infinite, true);
    ws.set_kept(&kept);
}

/// Cormack's (1992) correction `c(N)` turning the Poisson deviance into the multinomial
/// profile log-likelihood of `N` (see [`ProfileLikelihood`]).
pub(crate) fn cormack(big_n: f64, n0: f64) -> f64 {
    if big_n > 100.0 {
        if n0 == 0.0 || n0 == 1.0 {
            -big_n + 0.5 * (2.0 * std::f64::consts::PI * big_n).ln()
        } else {
            n0 - big_n - 0.5 * (n0 / big_n).ln()
        }
    } else {
        let xlogx = |x: f64| if x > 0.0 { x * x.ln() } else { 0.0 };
        xlogx(n0) + ln_gamma(big_n + 1.0) - xlogx(big_n) - ln_gamma(n0 + 1.0)
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
/// An invalid level.
pub fn profile(table: &CaptureTable, fit: &Fit, opts: &ProfileOptions) -> Result<Profile> {
    check_level(opts.level)?;
    let n = table.observed() as f64;
    let np = fit.estimate;
    let mut pl = ProfileLikelihood::new(table, fit);
    let tol = opts.tolerance;
    let (mle, _) = brent_min(|x| -pl.loglik(x), n, 1.5 * np, tol);
    let lmax = pl.loglik(mle);
    let chi = statrs::distribution::ChiSquared::new(1.0).expect("df 1");
    let cutoff = lmax - chi.inverse_cdf(opts.level) / 2.0;
    let mut flags = Vec::new();
    let mut f = |x: f64| pl.loglik(x) - cutoff;
    let (lower, lower_at_observed) = match brent_root(&mut f, n, mle, tol) {
        Some(x) => (x, false),
        None => {
            flags.push("the lower bound is set to the number observed n (the profile likelihood stays above the cut-off down to n)".into());
            (n, true)
        }
    };
    let hi = opts.upper_factor * np;
    let (upper, upper_beyond) = match brent_root(&mut f, mle, hi, tol) {
        Some(x) => (Some(x), None),
        None => {
            flags.push(format!(
                "the upper bound is larger than {} x the estimate ({hi:.1})",
                opts.upper_factor
            ));
            (None, Some(hi))
        }
    };
    Ok(Profile {
        interval: Interval {
            method: "profile".into(),
            level: opts.level,
            lower: Some(lower),
            upper,
            flags,
        },
        mle,
        max_loglik: lmax,
        cutoff,
        lower_at_observed,
        upper_beyond,
    })
}
