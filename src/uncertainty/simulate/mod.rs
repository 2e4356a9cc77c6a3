//! Coverage studies: how often an interval procedure covers the truth, on tables simulated
//! from a fitted model taken as the truth.
//!
//! # Design
//! The truth ([`Truth`]) is a model fitted to a real table — Chan, Silverman & Vincent (2021,
//! §3.4) take the stepwise model of the UK five-list data —: its population `N = round(N̂)`
//! and the fitted means `μ̂_h` of the observable capture histories `h ≠ ∅`. Table `j`
//! (0-based; reported 1-based) is drawn from its own ChaCha8 stream `(seed, 2^63 + j)`
//! ([`crate::numeric::sampling::stream`]) by one of two schemes ([`Scheme`]):
//! * **multinomial** (default): `n_obs ~ Binomial(N, 1 − p₀)` with `p₀ = μ̂_∅ / Σ_h μ̂_h`, then
//!   the cells `multinomial(n_obs, μ̂_h / Σ_{h≠∅} μ̂_h)` by conditional binomials over the cells
//!   in the order of [`CaptureTable::cells_by_name`] (SparseMSE's parametric bootstrap);
//! * **Poisson**: independent `Poisson(μ̂_h)` cells (the log-linear model's own sampling
//!   model); the truth is still `N = round(N̂)`, the expected population size rounded.
//!
//! The stream indices `2^63 + j` lie above every bootstrap replicate's (`b < 2^63`), so the
//! draws of table `j` are never the draws of a bootstrap replicate of any seed — in
//! particular not those of the estimation on table 0, which runs with the simulation's seed.
//!
//! An estimation procedure ([`Procedure`]) then runs on every table, with seed `seed + j` for
//! its own randomness (bootstrap replicates, MCMC chains), and returns a [`Trial`]: the point
//! estimate and the interval at every level studied, or why there is none. Any method of the
//! crate with any [`crate::uncertainty::EstimateOptions`] becomes a procedure through
//! [`crate::uncertainty::simulate()`]; [`simulate_with`] takes any closure.
//!
//! # Summaries
//! For each level: the coverage `c = covered / n` over the `n` tables with an interval, its
//! Monte-Carlo standard error `√(c(1 − c)/n)`, the misses below and above, the median width
//! relative to the truth `(upper − lower)/N` and the median length. Over the tables with an
//! estimate: the bias `mean(N̂_j) − N` with its standard error `sd(N̂_j)/√n`, the RMSE
//! `√mean((N̂_j − N)²)`. Tables without an estimate or an interval are counted by reason
//! ([`Failures`]) and left out of the coverage at that level.
//!
//! # Reproducibility
//! A trial depends on its table and seed alone, tables are collected in order and summarised
//! sequentially, so every output is identical for any number of threads (rayon; a bootstrap
//! inside a trial is itself parallel, and rayon's work stealing shares the one pool between
//! the two levels without oversubscription).
//!
//! # References
//! Chan, L., Silverman, B. W. & Vincent, K. (2021). Multiple systems estimation for sparse
//! capture data: inferential challenges when there are nonoverlapping lists. JASA 116:1297.

mod truth;

pub use truth::{Scheme, Truth, TABLE_STREAMS};

use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::numeric::{quantile_type7, Level};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Options of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulateOptions {
    /// Number of simulated tables `S` (default 200).
    pub tables: usize,
    /// Seed: table `j` is drawn from stream `(seed, 2^63 + j)` and estimated with seed
    /// `seed + j` (default 1234).
    pub seed: u64,
    /// How tables are drawn (default multinomial).
    pub scheme: Scheme,
    /// Nominal levels whose coverage is measured (default 0.8, 0.9, 0.95).
    pub levels: Vec<f64>,
}

impl Default for SimulateOptions {
    fn default() -> Self {
        Self {
            tables: 200,
            seed: 1234,
            scheme: Scheme::Multinomial,
            levels: vec![0.8, 0.9, 0.95],
        }
    }
}

impl SimulateOptions {
    /// `tables` tables from `seed`, multinomial, the default levels.
    pub fn new(tables: usize, seed: u64) -> Self {
        Self {
            tables,
            seed,
            ..Self::default()
        }
    }

    /// Builder: the scheme.
    pub fn scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Builder: the levels.
    pub fn levels(mut self, levels: Vec<f64>) -> Self {
        self.levels = levels;
        self
    }

    /// The levels as [`Level`]s.
    ///
    /// # Errors
    /// As [`SimulateOptions::validate`].
    pub fn checked_levels(&self) -> Result<Vec<Level>> {
        if self.levels.is_empty() {
            return Err(Error::InvalidOption {
                name: "coverage_levels",
                value: String::new(),
                problem: "give at least one level, e.g. 0.95".into(),
            });
        }
        let mut out: Vec<Level> = Vec::with_capacity(self.levels.len());
        for &l in &self.levels {
            let level = Level::named(l, "coverage_levels")?;
            if out.iter().any(|x| (x.get() - l).abs() < 1e-9) {
                return Err(Error::InvalidOption {
                    name: "coverage_levels",
                    value: l.to_string(),
                    problem: "a level is given twice".into(),
                });
            }
            out.push(level);
        }
        Ok(out)
    }

    /// Check the options.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for no tables, no level, a level outside (0, 1) or a level
    /// given twice.
    pub fn validate(&self) -> Result<()> {
        if self.tables == 0 {
            return Err(Error::InvalidOption {
                name: "tables",
                value: "0".into(),
                problem: "simulate at least one table".into(),
            });
        }
        self.checked_levels().map(|_| ())
    }
}

/// The interval of one trial at one level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialInterval {
    /// Lower limit (`None`: not determined).
    pub lower: Option<f64>,
    /// Upper limit (`None`: not determined).
    pub upper: Option<f64>,
    /// Why there is no interval (a short reason, counted in [`Failures::reasons`]).
    pub problem: Option<String>,
    /// Calibrated intervals: the nominal level whose interval this is.
    pub nominal: Option<f64>,
}

impl TrialInterval {
    /// An interval `[lower, upper]`; a limit that is missing or not finite makes it a failure
    /// with `problem` as the reason.
    pub fn new(lower: Option<f64>, upper: Option<f64>, problem: impl Into<String>) -> Self {
        let lower = lower.filter(|x| x.is_finite());
        let upper = upper.filter(|x| x.is_finite());
        let problem = (lower.is_none() || upper.is_none()).then(|| problem.into());
        Self {
            lower,
            upper,
            problem,
            nominal: None,
        }
    }

    /// No interval, for `reason`.
    pub fn failed(reason: impl Into<String>) -> Self {
        Self {
            lower: None,
            upper: None,
            problem: Some(reason.into()),
            nominal: None,
        }
    }

    /// Both limits, when the interval exists.
    pub fn limits(&self) -> Option<(f64, f64)> {
        match (self.problem.is_none(), self.lower, self.upper) {
            (true, Some(l), Some(u)) => Some((l, u)),
            _ => None,
        }
    }
}

/// What an estimation procedure gives on one table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trial {
    /// `N̂` (`None`: no estimate; see `failure`).
    pub estimate: Option<f64>,
    /// The model the method chose (selection rules), as printed.
    pub model: Option<String>,
    /// The intervals, one per level in the order asked for.
    pub intervals: Vec<TrialInterval>,
    /// Why there is no estimate.
    pub failure: Option<String>,
}

impl Trial {
    /// No estimate (and so no interval) at `levels` levels, for `reason`.
    pub fn no_estimate(reason: impl Into<String>, levels: usize) -> Self {
        let reason = reason.into();
        Self {
            estimate: None,
            model: None,
            intervals: vec![TrialInterval::failed("no estimate"); levels],
            failure: Some(reason),
        }
    }
}

/// An estimation procedure: on a table, with a seed for its own randomness, the estimate and
/// an interval at each level (same order). `Err` is for failures that end the study (invalid
/// options, a solver error); a table without an estimate is an `Ok` [`Trial`] with its reason.
pub type Procedure<'a> = dyn Fn(&CaptureTable, u64, &[Level]) -> Result<Trial> + Sync + 'a;

/// Coverage at one level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelSummary {
    /// The nominal level.
    pub level: f64,
    /// Tables with an interval at this level.
    pub intervals: usize,
    /// Of those, the ones whose interval contains the truth.
    pub covered: usize,
    /// `covered / intervals`.
    pub coverage: Option<f64>,
    /// Monte-Carlo standard error of the coverage.
    pub coverage_se: Option<f64>,
    /// Intervals entirely above the truth (the truth is below the lower limit).
    pub miss_below: usize,
    /// Intervals entirely below the truth.
    pub miss_above: usize,
    /// Tables without an interval at this level (no estimate included).
    pub no_interval: usize,
    /// Median of `(upper − lower) / N`.
    pub median_width: Option<f64>,
    /// Median of `upper − lower`.
    pub median_length: Option<f64>,
    /// Calibrated intervals: the mean nominal level used.
    pub mean_nominal: Option<f64>,
}

/// The point estimates against the truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstimateSummary {
    /// Tables with an estimate.
    pub estimates: usize,
    /// Mean of `N̂_j`.
    pub mean: Option<f64>,
    /// Median of `N̂_j`.
    pub median: Option<f64>,
    /// `mean(N̂_j) − N`.
    pub bias: Option<f64>,
    /// Monte-Carlo standard error of the bias, `sd(N̂_j)/√n`.
    pub bias_se: Option<f64>,
    /// `√mean((N̂_j − N)²)`.
    pub rmse: Option<f64>,
}

/// Tables that gave no estimate or no interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failures {
    /// Tables without an estimate or without an interval at some level.
    pub tables: usize,
    /// Tables without an estimate.
    pub no_estimate: usize,
    /// Tables by reason (a table is counted once for each distinct reason it has).
    pub reasons: BTreeMap<String, usize>,
}

/// A coverage study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    /// The truth.
    pub truth: Truth,
    /// The options.
    pub options: SimulateOptions,
    /// Every table's trial, in table order.
    pub trials: Vec<Trial>,
    /// Coverage by level, in the order of `options.levels`.
    pub levels: Vec<LevelSummary>,
    /// The point estimates against the truth.
    pub estimates: EstimateSummary,
    /// Failures.
    pub failed: Failures,
}

impl Simulation {
    /// The summary at `level` (within 1e-9).
    pub fn level(&self, level: f64) -> Option<&LevelSummary> {
        self.levels.iter().find(|s| (s.level - level).abs() < 1e-9)
    }
}

/// Run `procedure` on `opts.tables` tables simulated from `truth` and summarise.
///
/// `progress` receives the number of tables finished (from worker threads, in no order).
///
/// # Errors
/// Invalid options; the first error (in table order) a procedure returns.
///
/// # Example
/// ```
/// use darkfigure::prelude::*;
/// use darkfigure::uncertainty::simulate::{simulate_with, SimulateOptions, Trial, TrialInterval, Truth};
/// let korea = datasets::korea();
/// let truth = Truth::fit(&korea, &Loglinear::stepwise(0.02)).unwrap();
/// // A deliberately useless procedure: the interval [0, 10^9] always covers.
/// let wide = |_: &CaptureTable, _: u64, levels: &[Level]| {
///     Ok(Trial { estimate: Some(1.0), model: None, failure: None,
///                intervals: vec![TrialInterval::new(Some(0.0), Some(1e9), ""); levels.len()] })
/// };
/// let sim = simulate_with(&truth, &SimulateOptions::new(20, 1), &wide, None).unwrap();
/// assert_eq!(sim.level(0.95).unwrap().coverage, Some(1.0));
/// ```
pub fn simulate_with(
    truth: &Truth,
    opts: &SimulateOptions,
    procedure: &Procedure,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Simulation> {
    opts.validate()?;
    let levels = opts.checked_levels()?;
    let done = std::sync::atomic::AtomicU64::new(0);
    let trials: Vec<Result<Trial>> = (0..opts.tables)
        .into_par_iter()
        .map(|j| {
            let r = match truth.simulated_table(opts.scheme, opts.seed, j) {
                None => Ok(Trial::no_estimate(
                    "the simulated table is empty (no case observed)",
                    levels.len(),
                )),
                Some(t) => procedure(&t, opts.seed.wrapping_add(j as u64), &levels),
            };
            if let Some(p) = progress {
                p(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
            }
            r
        })
        .collect();
    let trials = trials.into_iter().collect::<Result<Vec<_>>>()?;
    if let Some(t) = trials.iter().find(|t| t.intervals.len() != levels.len()) {
        return Err(Error::InvalidOption {
            name: "procedure",
            value: format!("{} intervals", t.intervals.len()),
            problem: format!(
                "a trial must give one interval per level ({})",
                levels.len()
            ),
        });
    }
    Ok(summarise(truth, opts, trials))
}

/// The summaries of `trials` (module docs).
fn summarise(truth: &Truth, opts: &SimulateOptions, trials: Vec<Trial>) -> Simulation {
    let n_true = truth.population as f64;
    let levels = opts
        .levels
        .iter()
        .enumerate()
        .map(|(i, &level)| {
            let (mut covered, mut below, mut above) = (0, 0, 0);
            let mut widths = Vec::new();
            let mut nominal = Vec::new();
            for t in &trials {
                let iv = &t.intervals[i];
                let Some((lo, hi)) = iv.limits() else {
                    continue;
                };
                if n_true < lo {
                    below += 1;
                } else if n_true > hi {
                    above += 1;
                } else {
                    covered += 1;
                }
                widths.push(hi - lo);
                nominal.extend(iv.nominal);
            }
            let n = widths.len();
            let coverage = (n > 0).then(|| covered as f64 / n as f64);
            widths.sort_by(f64::total_cmp);
            let median_length = (n > 0).then(|| quantile_type7(&widths, 0.5));
            LevelSummary {
                level,
                intervals: n,
                covered,
                coverage,
                coverage_se: coverage.map(|c| (c * (1.0 - c) / n as f64).sqrt()),
                miss_below: below,
                miss_above: above,
                no_interval: trials.len() - n,
                median_width: median_length.map(|m| m / n_true),
                median_length,
                mean_nominal: (!nominal.is_empty())
                    .then(|| nominal.iter().sum::<f64>() / nominal.len() as f64),
            }
        })
        .collect();
    let mut est: Vec<f64> = trials
        .iter()
        .filter_map(|t| t.estimate.filter(|x| x.is_finite()))
        .collect();
    let n = est.len();
    let mean = (n > 0).then(|| est.iter().sum::<f64>() / n as f64);
    let estimates = EstimateSummary {
        estimates: n,
        mean,
        median: (n > 0).then(|| {
            est.sort_by(f64::total_cmp);
            quantile_type7(&est, 0.5)
        }),
        bias: mean.map(|m| m - n_true),
        bias_se: mean.filter(|_| n > 1).map(|m| {
            let var = est.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            (var / n as f64).sqrt()
        }),
        rmse: (n > 0)
            .then(|| (est.iter().map(|x| (x - n_true).powi(2)).sum::<f64>() / n as f64).sqrt()),
    };
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut failed_tables = 0;
    for t in &trials {
        let mut mine: Vec<&str> = t.failure.iter().map(String::as_str).collect();
        if t.failure.is_none() {
            mine.extend(t.intervals.iter().filter_map(|i| i.problem.as_deref()));
        }
        mine.sort_unstable();
        mine.dedup();
        if !mine.is_empty() {
            failed_tables += 1;
        }
        for r in mine {
            *reasons.entry(r.to_string()).or_default() += 1;
        }
    }
    let failed = Failures {
        tables: failed_tables,
        no_estimate: trials.iter().filter(|t| t.estimate.is_none()).count(),
        reasons,
    };
    Simulation {
        truth: truth.clone(),
        options: opts.clone(),
        trials,
        levels,
        estimates,
        failed,
    }
}

#[cfg(test)]
mod tests;
