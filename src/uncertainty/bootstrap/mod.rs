//! The bootstrap engine: any [`Estimator`] re-run on resampled tables (with its model
//! re-selected in every replicate when it is a selection rule) and on the delete-one
//! jackknife tables; percentile and BCa intervals.
//!
//! # Resampling
//! * **Nonparametric**: `multinomial(n_obs, observed cell proportions)`, drawn by conditional
//!   binomials over the observed cells, so the cost is `O(cells)` whatever `n_obs`
//!   (SparseMSE / MultipleSystemsEstimation). The cells are taken in an order keyed by the
//!   list names ([`CaptureTable::cells_by_name`]), so a seed gives the same replicate tables
//!   — and the same estimates — whatever the order of the lists or rows in the input.
//! * **Parametric**: from the method's fitted model, `n ~ Binomial(round(N̂), 1 − μ̂_∅/N̂)`
//!   observed, then `multinomial(n, μ̂_h / Σ μ̂)` over the fitted cells (SparseMSE
//!   `BICandbootstrapsim`).
//! * **Replay**: tables supplied by the caller (e.g. R's resamples, to compare replicate by
//!   replicate).
//!
//! # Reproducibility
//! Replicate `b` draws from its own ChaCha8 stream `(seed, stream = b)`. Replicates run with
//! rayon in fixed chunks that depend on B alone (at most 50 replicates, at least 16 chunks
//! when B allows; jackknife tables at most 8 a chunk); each chunk gets a fresh worker from
//! the method ([`Replicates::worker`]: for log-linear methods one warm fitter and one cache
//! of LP results by support pattern). A replicate's estimate is a function of its table
//! alone, chunks are collected in order, and so every output — the LP count included — is
//! bit-identical for any number of threads.
//!
//! BCa limits: [`bca`].
//!
//! # References
//! Chan, Silverman & Vincent (2021); Silverman, Chan & Vincent (2024); Efron (1987) JASA 82:171.

pub mod bca;

pub use bca::{acceleration, bca_quantiles, Quantile};

use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::estimators::{
    Estimator, Interval, IntervalMethod, ReplicateEstimate, Replicates, Replicator,
};
use crate::numeric::sampling::{draw_nonparametric, draw_parametric, stream};
use crate::numeric::Level;
use rayon::prelude::*;
use serde::Serialize;

/// How replicate tables are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Multinomial over the observed cells.
    #[default]
    Nonparametric,
    /// From the fitted model.
    Parametric,
}

impl std::str::FromStr for Kind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "nonparametric" => Ok(Self::Nonparametric),
            "parametric" => Ok(Self::Parametric),
            _ => Err(Error::InvalidOption {
                name: "kind",
                value: s.into(),
                problem: "expected nonparametric or parametric".into(),
            }),
        }
    }
}

/// Options of [`bootstrap()`].
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapOptions {
    /// Number of replicates `B` (default 1,000).
    pub replicates: usize,
    /// Seed of the replicate streams (default 1234).
    pub seed: u64,
    /// Resampling scheme.
    pub kind: Kind,
    /// Levels at which BCa and percentile limits are reported.
    pub levels: Vec<f64>,
    /// Largest `replicates` accepted (default [`BootstrapOptions::MAX_REPLICATES`]); raise it
    /// to run more. Each replicate re-runs the method and keeps one estimate (and, for
    /// selection rules, the chosen model's name).
    pub max_replicates: usize,
    /// Largest number of jackknife re-estimates (one per observed cell) run for the BCa
    /// acceleration; `None` (default): the larger of B and [`BootstrapOptions::MIN_JACKKNIFE`],
    /// so that beyond 200 cells the jackknife never costs more than the bootstrap itself.
    /// With more observed cells the jackknife is skipped ([`Bootstrap::jackknife_skipped`]):
    /// BCa limits are then not available, percentile limits are.
    pub max_jackknife: Option<usize>,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        Self {
            replicates: 1000,
            seed: 1234,
            kind: Kind::Nonparametric,
            levels: vec![0.025, 0.05, 0.1, 0.16, 0.84, 0.9, 0.95, 0.975],
            max_replicates: Self::MAX_REPLICATES,
            max_jackknife: None,
        }
    }
}

impl BootstrapOptions {
    /// The default largest number of replicates: 1,000,000 (the R packages use 1,000; a
    /// million replicates of a stepwise bootstrap on UK data take about 15 minutes on two
    /// cores and 25 MB of JSON).
    pub const MAX_REPLICATES: usize = 1_000_000;

    /// Jackknife re-estimates always allowed (see [`BootstrapOptions::max_jackknife`]).
    pub const MIN_JACKKNIFE: usize = 200;

    /// The most jackknife re-estimates for `b` replicates ([`BootstrapOptions::max_jackknife`]).
    pub fn jackknife_limit(&self, b: usize) -> usize {
        self.max_jackknife
            .unwrap_or_else(|| b.max(Self::MIN_JACKKNIFE))
    }

    /// Builder: the largest number of replicates accepted.
    pub fn max_replicates(mut self, max: usize) -> Self {
        self.max_replicates = max;
        self
    }

    /// `replicates` replicates from `seed`, nonparametric, the default levels.
    pub fn new(replicates: usize, seed: u64) -> Self {
        Self {
            replicates,
            seed,
            ..Self::default()
        }
    }

    /// Builder: the resampling scheme.
    pub fn kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }

    /// Check the options.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for no replicates, more than `max_replicates`, or a level
    /// outside (0, 1).
    pub fn validate(&self) -> Result<()> {
        if self.replicates == 0 {
            return Err(Error::InvalidOption {
                name: "replicates",
                value: "0".into(),
                problem: "need at least one replicate".into(),
            });
        }
        if self.replicates > self.max_replicates {
            return Err(Error::InvalidOption {
                name: "replicates",
                value: self.replicates.to_string(),
                problem: format!(
                    "at most {} replicates are run unless `max_replicates` is raised (every replicate re-runs the method)",
                    self.max_replicates
                ),
            });
        }
        self.validate_levels()
    }

    fn validate_levels(&self) -> Result<()> {
        for &l in &self.levels {
            Level::named(l, "levels")?;
        }
        Ok(())
    }

    /// The levels plus the tails of an interval at `level`, sorted, without duplicates.
    pub fn with_interval_level(mut self, level: Level) -> Self {
        let (lo, hi) = level.tails();
        for l in [lo, hi] {
            if !self.levels.iter().any(|&x| (x - l).abs() < 1e-12) {
                self.levels.push(l);
            }
        }
        self.levels.sort_by(f64::total_cmp);
        self
    }
}

/// Result of a bootstrap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bootstrap {
    /// Point estimate on the data.
    pub point: f64,
    /// Replicate estimates in replicate order (`None`: no estimate exists for that table).
    pub replicates: Vec<Option<f64>>,
    /// The model chosen in each replicate (selection rules only; `None` otherwise or when
    /// the replicate has no estimate).
    pub models: Vec<Option<String>>,
    /// Replicates without an estimate.
    pub failed: usize,
    /// The jackknife was not run: the table has more observed cells than
    /// [`BootstrapOptions::jackknife_limit`] allows (BCa limits are then not available).
    pub jackknife_skipped: bool,
    /// Seed used.
    pub seed: u64,
    /// Resampling scheme (meaningless, like `seed`, when `replayed`).
    pub kind: Kind,
    /// The replicate tables were supplied, not drawn.
    pub replayed: bool,
    /// Jackknife estimates, one per observed cell (in the order of
    /// [`CaptureTable::cells_by_name`]), with the cell's count.
    pub jackknife: Vec<(u32, u64, Option<f64>)>,
    /// Acceleration `â` (`NaN` if a jackknife estimate does not exist).
    pub acceleration: f64,
    /// Bias correction `z0` (±∞ if every replicate lies on one side).
    pub z0: f64,
    /// Quantiles at the requested levels.
    pub quantiles: Vec<Quantile>,
    /// Existence LPs solved over all replicates and jackknife tables (the rest were settled
    /// by the fit certificate or the cache of support patterns, kept per chunk of at most
    /// 50 replicates (8 jackknife tables) so that the count does not depend on the number of
    /// threads).
    pub lp_solved: usize,
}

/// How often one model was chosen in the replicates of a selection rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelShare {
    /// The model, as printed (canonical notation for ≤ 9 lists).
    pub model: String,
    /// Replicates that chose it.
    pub replicates: usize,
    /// Their share of all replicates.
    pub share: f64,
    /// The median (R's type 7) of their estimates.
    pub median: f64,
}

impl Bootstrap {
    /// The models chosen in the replicates (selection rules), most chosen first (ties by
    /// the model's label).
    pub fn model_shares(&self) -> Vec<ModelShare> {
        let mut by: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
        for (m, e) in self.models.iter().zip(&self.replicates) {
            if let (Some(m), Some(e)) = (m, e) {
                by.entry(m.as_str()).or_default().push(*e);
            }
        }
        let b = self.replicates.len().max(1) as f64;
        let mut out: Vec<ModelShare> = by
            .into_iter()
            .map(|(m, mut v)| {
                v.sort_by(f64::total_cmp);
                ModelShare {
                    model: m.to_string(),
                    replicates: v.len(),
                    share: v.len() as f64 / b,
                    median: crate::numeric::quantile_type7(&v, 0.5),
                }
            })
            .collect();
        out.sort_by(|a, b| b.replicates.cmp(&a.replicates).then(a.model.cmp(&b.model)));
        out
    }

    /// Warnings about a BCa interval at `level` from this bootstrap: a large bias correction
    /// (|z0| > 0.5) or acceleration (|â| > 0.25), and a limit read at an adjusted level within
    /// 1/B of 0 or 1 (as far as the replicates reach) or within 0.1 of 0.5 (the BCa limit
    /// has moved to the middle of the replicates, far from the percentile limit).
    pub fn warnings(&self, level: Level) -> Vec<String> {
        let mut w = Vec::new();
        if self.z0.abs() > 0.5 {
            w.push(format!(
                "bias correction z0 = {:.3} (|z0| > 0.5): the point estimate lies far in a tail of the bootstrap distribution, and BCa limits move far from the percentile ones",
                self.z0
            ));
        }
        if self.acceleration.abs() > 0.25 {
            w.push(format!(
                "acceleration a = {:.3} (|a| > 0.25): the jackknife estimates are very skewed; BCa limits may be unstable",
                self.acceleration
            ));
        }
        let b = self.replicates.len() - self.failed;
        let (lo, hi) = level.tails();
        for l in [lo, hi] {
            let Some(q) = self.quantile(l) else { continue };
            let adj = q.adjusted_level;
            let end = if adj < 0.5 { "smallest" } else { "largest" };
            if q.at_extreme || (b > 0 && (adj <= 1.0 / b as f64 || adj >= 1.0 - 1.0 / b as f64)) {
                w.push(format!(
                    "the BCa limit at level {l:.3} is the {end} bootstrap replicate (adjusted level {adj:.4}): more replicates or another method may be needed"
                ));
            } else if (adj - 0.5).abs() < 0.1 {
                w.push(format!(
                    "the BCa limit at level {l:.3} ({}) is read at adjusted level {adj:.3}, near the middle of the replicates (the percentile limit is {:.1}): z0 and the acceleration have moved it far; treat the BCa interval with care",
                    q.bca.map_or("-".into(), |x| format!("{x:.1}")),
                    q.percentile
                ));
            }
        }
        w
    }

    /// Add quantiles at `levels` (BCa and percentile limits from the same replicates,
    /// jackknife and `z0`; the quantiles already computed are unchanged), e.g. the tails of
    /// a calibrated level.
    pub fn add_levels(&mut self, levels: &[f64]) {
        let mut all: Vec<f64> = self.quantiles.iter().map(|q| q.level).collect();
        for &l in levels {
            if !all.iter().any(|x| (x - l).abs() < 1e-12) {
                all.push(l);
            }
        }
        all.sort_by(f64::total_cmp);
        let finite: Vec<f64> = self.replicates.iter().flatten().copied().collect();
        self.quantiles = bca_quantiles(&finite, self.point, self.acceleration, &all).1;
    }

    /// The quantile at `level` (as computed, within 1e-12).
    pub fn quantile(&self, level: f64) -> Option<&Quantile> {
        self.quantiles
            .iter()
            .find(|q| (q.level - level).abs() < 1e-12)
    }

    /// The BCa or percentile interval at `level`, with flags for limits that are the
    /// smallest or largest replicate and for failed replicates. `level`'s tails must be
    /// among the computed levels ([`BootstrapOptions::with_interval_level`]); a limit that
    /// is not is `None`.
    pub fn interval(&self, level: Level, method: IntervalMethod) -> Interval {
        let bca = method == IntervalMethod::Bca;
        let mut flags = Vec::new();
        let limit = |l: f64| -> Option<f64> {
            let q = self.quantile(l)?;
            if bca {
                q.bca
            } else {
                Some(q.percentile)
            }
        };
        let (lo, hi) = level.tails();
        let lower = limit(lo);
        let upper = limit(hi);
        // Warnings about the limits first, then the rest (after the failure notes).
        let (ends, rest): (Vec<String>, Vec<String>) = if bca {
            self.warnings(level)
                .into_iter()
                .partition(|m| m.starts_with("the BCa limit"))
        } else {
            (Vec::new(), Vec::new())
        };
        flags.extend(ends);
        if self.failed > 0 {
            flags.push(format!(
                "{} of {} replicates have no estimate (the MLE does not exist for them); they are left out of the quantiles",
                self.failed,
                self.replicates.len()
            ));
        }
        if bca && !self.acceleration.is_finite() {
            flags
                .push("the acceleration is undefined (a jackknife estimate does not exist)".into());
        }
        flags.extend(rest);
        Interval {
            method: if bca {
                IntervalMethod::Bca
            } else {
                IntervalMethod::Percentile
            },
            level: level.get(),
            lower,
            upper,
            flags,
        }
    }
}

/// Run `est` on the data, on `B` replicates and on the jackknife tables: the point estimate,
/// then [`bootstrap_from`] with what the method prepares from it.
///
/// # Errors
/// As [`Estimator::estimate`], [`Estimator::replicates`] and [`bootstrap_from`].
///
/// # Example
/// ```
/// use darkfigure::prelude::*;
/// let uk = datasets::uk_2013_5();
/// let stepwise = Loglinear::select(SelectOptions::new(Rule::Stepwise));
/// let b = bootstrap(&uk, &stepwise, &BootstrapOptions::new(50, 1), None, None).unwrap();
/// assert_eq!(b.replicates.len(), 50);
/// ```
pub fn bootstrap(
    table: &CaptureTable,
    est: &dyn Estimator,
    opts: &BootstrapOptions,
    replay: Option<&[Vec<u64>]>,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Bootstrap> {
    match replay {
        Some(_) => opts.validate_levels()?,
        None => opts.validate()?,
    }
    let point = est.estimate(table)?;
    let reps = est.replicates(table, &point)?;
    bootstrap_from(table, &*reps, opts, replay, progress)
}

/// The engine: estimate on the data, on `B` replicates and on the jackknife tables with
/// workers from `reps`.
///
/// `replay` supplies replicate tables (indexed by bitmask) instead of drawing them; `opts`'
/// replicates, seed and kind are then ignored. The optional `progress` callback receives the
/// number of replicates finished (from worker threads, in no particular order).
///
/// # Errors
/// Invalid options or replay tables; no estimate on the data itself; a parametric bootstrap
/// of a method without a fitted model; [`Error::Lp`].
pub fn bootstrap_from(
    table: &CaptureTable,
    reps: &dyn Replicates,
    opts: &BootstrapOptions,
    replay: Option<&[Vec<u64>]>,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Bootstrap> {
    match replay {
        Some(r) => {
            check_replay(table, r)?;
            opts.validate_levels()?;
        }
        None => opts.validate()?,
    }
    let point = reps
        .worker()
        .estimate(table.counts())?
        .estimate
        .ok_or_else(|| Error::Undefined {
            what: "the point estimate",
            reason: "the selected model's MLE does not exist for the data".into(),
        })?;
    // Parametric: fitted means of the method's model on the data, and round(N̂).
    let fitted = match opts.kind {
        Kind::Parametric if replay.is_none() => {
            let fit = reps.fitted_means().ok_or_else(|| Error::InvalidOption {
                name: "kind",
                value: "parametric".into(),
                problem: "this method has no fitted model to draw parametric tables from; use the nonparametric bootstrap".into(),
            })?;
            let total = fit.iter().sum::<f64>().round() as u64;
            Some((fit, total))
        }
        _ => None,
    };
    // Cells in an order keyed by the list names, so that a seed gives the same replicates
    // whatever the order of the lists or rows in the input.
    let order = table.cells_by_name();
    let cells: Vec<(u32, u64)> = order
        .iter()
        .filter(|&&h| table.count(h) > 0)
        .map(|&h| (h, table.count(h)))
        .collect();
    let n = table.observed();
    let b_total = replay.map_or(opts.replicates, <[Vec<u64>]>::len);
    let done = std::sync::atomic::AtomicU64::new(0);
    // Fixed chunks of replicates, each with a fresh worker (module docs).
    let results: Vec<Result<(ReplicateEstimate, usize)>> = chunks(b_total, CHUNK)
        .flat_map_iter(|range| {
            let mut wk = reps.worker();
            let mut buf = vec![0; table.counts().len()];
            range
                .map(|b| {
                    match replay {
                        Some(r) => buf.copy_from_slice(&r[b]),
                        None => {
                            let mut rng = stream(opts.seed, b as u64);
                            match &fitted {
                                None => draw_nonparametric(&cells, n, &mut rng, &mut buf),
                                Some((fit, total)) => {
                                    draw_parametric(fit, *total, &order, &mut rng, &mut buf)
                                }
                            }
                        }
                    }
                    let r = estimate_counting_lps(&mut *wk, &buf);
                    if let Some(p) = progress {
                        p(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                    }
                    r
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let results = results.into_iter().collect::<Result<Vec<_>>>()?;
    let mut lp_solved: usize = results.iter().map(|r| r.1).sum();
    let (replicates, models): (Vec<Option<f64>>, Vec<Option<String>>) = results
        .into_iter()
        .map(|(r, _)| (r.estimate, r.model))
        .unzip();
    // Jackknife over observed cells, unless there are more than the limit.
    let jackknife_skipped = cells.len() > opts.jackknife_limit(b_total);
    let jack_cells = if jackknife_skipped { 0 } else { cells.len() };
    let jackknife: Vec<(u32, u64, Option<f64>, usize)> = chunks(jack_cells, JACKKNIFE_CHUNK)
        .flat_map_iter(|range| {
            let mut wk = reps.worker();
            let mut counts = table.counts().to_vec();
            cells[range]
                .iter()
                .map(|&(h, c)| {
                    counts[h as usize] -= 1;
                    let e = estimate_counting_lps(&mut *wk, &counts);
                    counts[h as usize] += 1;
                    e.map(|(e, lps)| (h, c, e.estimate, lps))
                })
                .collect::<Vec<_>>()
        })
        .collect::<Result<Vec<_>>>()?;
    lp_solved += jackknife.iter().map(|j| j.3).sum::<usize>();
    let jackknife: Vec<(u32, u64, Option<f64>)> = jackknife
        .into_iter()
        .map(|(h, c, e, _)| (h, c, e))
        .collect();
    let a = if !jackknife_skipped && jackknife.iter().all(|j| j.2.is_some()) {
        acceleration(
            &jackknife
                .iter()
                .map(|&(_, c, e)| (c, e.expect("checked")))
                .collect::<Vec<_>>(),
        )
    } else {
        f64::NAN
    };
    let finite: Vec<f64> = replicates.iter().flatten().copied().collect();
    let failed = replicates.len() - finite.len();
    let (z0, quantiles) = bca_quantiles(&finite, point, a, &opts.levels);
    Ok(Bootstrap {
        point,
        replicates,
        models,
        failed,
        jackknife_skipped,
        seed: opts.seed,
        kind: opts.kind,
        replayed: replay.is_some(),
        jackknife,
        acceleration: a,
        z0,
        quantiles,
        lp_solved,
    })
}

/// The worker's estimate on `counts` (no estimate for an empty table) and the LPs it solved.
fn estimate_counting_lps(
    wk: &mut dyn Replicator,
    counts: &[u64],
) -> Result<(ReplicateEstimate, usize)> {
    if counts.iter().all(|&c| c == 0) {
        return Ok((
            ReplicateEstimate {
                estimate: None,
                model: None,
            },
            0,
        ));
    }
    let before = wk.lp_solved();
    let e = wk.estimate(counts)?;
    Ok((e, wk.lp_solved() - before))
}

/// Most replicates per worker (see the module docs): enough for the existence caches to pay.
const CHUNK: usize = 50;
/// Most jackknife tables per worker: they share the data's support, so the caches matter
/// less than spreading a few dozen tables over the threads.
const JACKKNIFE_CHUNK: usize = 8;

/// `0..n` split into consecutive ranges of at most `size` and at least 16 ranges when `n`
/// allows, as a parallel iterator in order. The split depends on `n` alone, never on the
/// number of threads.
fn chunks(n: usize, size: usize) -> impl IndexedParallelIterator<Item = std::ops::Range<usize>> {
    let size = n.div_ceil(16).clamp(1, size);
    (0..n.div_ceil(size))
        .into_par_iter()
        .map(move |c| c * size..((c + 1) * size).min(n))
}

/// Replay tables must be non-empty, each of the table's size, 0 in the unobserved cell, with
/// a total that fits in `u64`.
fn check_replay(table: &CaptureTable, r: &[Vec<u64>]) -> Result<()> {
    let problem = |b: usize, problem: String| Error::InvalidOption {
        name: "replay",
        value: format!("replicate {}", b + 1),
        problem,
    };
    if r.is_empty() {
        return Err(Error::InvalidOption {
            name: "replay",
            value: "0 tables".into(),
            problem: "no replicate tables to replay".into(),
        });
    }
    for (b, x) in r.iter().enumerate() {
        if x.len() != table.counts().len() {
            return Err(problem(
                b,
                format!(
                    "a replicate table has {} cells; {} lists need {}",
                    x.len(),
                    table.lists(),
                    table.counts().len()
                ),
            ));
        }
        if x[0] != 0 {
            return Err(problem(
                b,
                "the unobserved cell (index 0) of a replicate table must be 0".into(),
            ));
        }
        if x.iter().try_fold(0u64, |s, &c| s.checked_add(c)).is_none() {
            return Err(problem(b, "the replicate's total count overflows".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::datasets;
    use crate::estimators::loglinear::Loglinear;
    use crate::loglinear::Model;

    /// Malformed replay tables are errors, not panics or wrapped sums.
    #[test]
    fn replay_tables_are_checked() {
        let t = datasets::korea();
        let est = Loglinear::fixed(Model::main_effects(3));
        let opts = BootstrapOptions::new(1, 1);
        let run = |r: Vec<Vec<u64>>| bootstrap(&t, &est, &opts, Some(&r), None);
        assert!(run(vec![vec![0; 4]]).is_err());
        assert!(run(vec![vec![1, 2, 0, 0, 0, 0, 0, 0]]).is_err());
        assert!(run(vec![vec![0, u64::MAX, 1, 0, 0, 0, 0, 0]]).is_err());
        assert!(run(Vec::new()).is_err());
        let none = run(vec![vec![0, 5, 0, 0, 0, 0, 0, 0]]).unwrap();
        assert_eq!(none.failed, 1);
        assert!(none.quantiles.iter().all(|q| q.bca.is_none()));
    }
}
