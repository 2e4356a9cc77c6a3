//! The bootstrap of a covariate model: every reported total — overall, per level of every
//! covariate, per requested pair of covariates, and the changes between consecutive levels of
//! the ordered covariates — on `B` replicate tables, with percentile and BCa limits.
//!
//! # Resampling
//! * **Parametric** (`mse::boot_mse`, method note §4): the fitted means `μ̂` of the data's
//!   model on every cell of the table — observable cells (0 on cells removed by a `−∞`
//!   term) and unobserved cells — give `π = μ̂ / Σμ̂`; a replicate is
//!   `Multinomial(⌊round(N̂, 1)⌋, π)` over all of them, the unobserved draws discarded (so
//!   the observed total varies). R's random numbers are not reproduced.
//! * **Nonparametric**: `Multinomial(n, y / n)` over the observable cells.
//!
//! Both are drawn by conditional binomials in the table's canonical cell order, replicate `b`
//! from its own stream `(seed, b)` ([`crate::numeric::sampling::stream`]).
//!
//! # The model in each replicate
//! With a selection rule the rule is re-run on every replicate table (warm-started from the
//! data's start model) unless the model is kept fixed ([`ModelChoice::Select`]'s
//! `fixed_model`, boot_mse's behaviour); a fixed model is refitted from the data's
//! coefficients. A replicate whose model has no estimate (MLE missing, dark figure not
//! identified, no convergence) is *failed*: it is left out of every quantile and counted.
//!
//! # Statistics and limits
//! A total of a group `G` of covariate combinations is `Σ_{c∈G} (n*_c + n̂0*_c)` — the
//! replicate's observed count plus its dark figure, as the point estimate `n_G + n̂0_G` (for a
//! group whose margin is in the model this is boot_mse's sum of fitted values). A change is
//! the difference of two consecutive level totals. Limits per statistic: percentile and BCa
//! ([`super::bootstrap::bca`]: type-8 quantiles; the acceleration from the delete-one
//! jackknife over the observed cases, i.e. one table per non-empty cell, weighted by its
//! count, with the rule re-run on each).
//!
//! # Reproducibility
//! Replicates run in fixed chunks (at most 50, at least 16 chunks when `B` allows; jackknife
//! tables at most 8 a chunk) with one worker each, collected in order: results are
//! bit-identical for any number of threads.

use super::bootstrap::{acceleration, bca_quantiles};
use crate::error::{Error, Result};
use crate::estimators::covariates::{CovariateTable, Fit, FitOptions, ModelChoice, Prepared};
use crate::numeric::sampling::{draw_weighted, stream};
use crate::numeric::Level;
use rayon::prelude::*;
use serde::Serialize;

/// How covariate replicate tables are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CovariateKind {
    /// Multinomial over the observable cells.
    #[default]
    Nonparametric,
    /// From the fitted model over observable and unobserved cells (`mse::boot_mse`).
    Parametric,
}

/// Options of [`covariate_bootstrap`].
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateBootstrapOptions {
    /// Replicates `B`.
    pub replicates: usize,
    /// Seed of the replicate streams.
    pub seed: u64,
    /// Resampling scheme.
    pub kind: CovariateKind,
    /// Coverage of the intervals.
    pub level: Level,
    /// Compute the BCa acceleration (the jackknife, one refit or re-selection per non-empty
    /// cell). Off, BCa limits use `â = 0` (bias-corrected percentile).
    pub jackknife: bool,
}

impl CovariateBootstrapOptions {
    /// `replicates` nonparametric replicates from `seed`, 95% intervals, with the jackknife.
    pub fn new(replicates: usize, seed: u64) -> Self {
        Self {
            replicates,
            seed,
            kind: CovariateKind::Nonparametric,
            level: Level::default(),
            jackknife: true,
        }
    }

    /// Builder: the resampling scheme.
    pub fn kind(mut self, kind: CovariateKind) -> Self {
        self.kind = kind;
        self
    }

    /// Builder: the coverage.
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }
}

/// What a bootstrapped statistic is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Statistic {
    /// The overall total.
    Total,
    /// The total at one level of one covariate.
    Level {
        /// The covariate.
        covariate: String,
        /// The level.
        level: String,
    },
    /// The total at a pair of levels of two covariates.
    Pair {
        /// The covariates.
        covariates: [String; 2],
        /// Their levels.
        levels: [String; 2],
    },
    /// The change of the total from one level of an ordered covariate to the next.
    Change {
        /// The covariate.
        covariate: String,
        /// The earlier level.
        from: String,
        /// The later level.
        to: String,
    },
}

/// The bootstrap of one statistic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootStatistic {
    /// What it is.
    pub statistic: Statistic,
    /// Its value on the data.
    pub point: f64,
    /// Percentile limits (type-8 quantiles at the interval's tails).
    pub percentile: [Option<f64>; 2],
    /// BCa limits.
    pub bca: [Option<f64>; 2],
    /// Bias correction `z0`.
    pub z0: Option<f64>,
    /// Acceleration `â` (`None` without the jackknife or when a jackknife table failed).
    pub acceleration: Option<f64>,
    /// The replicate values (`None`: failed).
    #[serde(skip)]
    pub values: Vec<Option<f64>>,
}

/// How often a model was chosen in the replicates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelCount {
    /// The model (R's printed form).
    pub model: String,
    /// Replicates that chose it.
    pub replicates: usize,
    /// Their share of all replicates.
    pub share: f64,
}

/// The result of [`covariate_bootstrap`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateBootstrap {
    /// `B`.
    pub replicates: usize,
    /// Replicates without an estimate.
    pub failed: usize,
    /// Seed.
    pub seed: u64,
    /// Resampling scheme.
    pub kind: CovariateKind,
    /// The model was re-selected in every replicate (otherwise it was kept fixed).
    pub reselected: bool,
    /// Coverage of the limits.
    pub level: f64,
    /// The parametric draw size `⌊round(N̂, 1)⌋` (boot_mse's), if parametric.
    pub draw_size: Option<u64>,
    /// Jackknife tables (0 without the jackknife) and those without an estimate.
    pub jackknife_tables: usize,
    /// Jackknife tables without an estimate.
    pub jackknife_failed: usize,
    /// Every statistic: the total, then each covariate's levels, each pair, each change.
    pub statistics: Vec<BootStatistic>,
    /// The models chosen (re-selection only), most chosen first.
    pub models: Vec<ModelCount>,
    /// Replicate and jackknife fits the dense engine decided (the rest were settled on the
    /// lattice).
    pub dense_fits: usize,
}

impl CovariateBootstrap {
    /// The bootstrap of one statistic.
    pub fn get(&self, s: &Statistic) -> Option<&BootStatistic> {
        self.statistics.iter().find(|b| b.statistic == *s)
    }
}

/// The statistics of a fit and their weights over the covariate combinations.
fn statistics(table: &CovariateTable, fit: &Fit) -> Vec<(Statistic, Vec<f64>)> {
    let nu = table.n_combinations();
    let covs = table.covariates();
    let index = |name: &str| covs.iter().position(|c| c.name == name).expect("covariate");
    let level = |j: usize, name: &str| {
        covs[j]
            .levels
            .iter()
            .position(|l| l == name)
            .expect("level")
    };
    let mut out = vec![(Statistic::Total, vec![1.0; nu])];
    for t in &fit.by_level {
        let j = index(&t.covariates[0]);
        for r in &t.rows {
            let l = level(j, &r.levels[0]);
            let w = (0..nu)
                .map(|c| f64::from(u8::from(table.level_of(c, j) == l)))
                .collect();
            out.push((
                Statistic::Level {
                    covariate: t.covariates[0].clone(),
                    level: r.levels[0].clone(),
                },
                w,
            ));
        }
    }
    for t in &fit.by_pair {
        let (i, j) = (index(&t.covariates[0]), index(&t.covariates[1]));
        for r in &t.rows {
            let (li, lj) = (level(i, &r.levels[0]), level(j, &r.levels[1]));
            let w = (0..nu)
                .map(|c| {
                    f64::from(u8::from(
                        table.level_of(c, i) == li && table.level_of(c, j) == lj,
                    ))
                })
                .collect();
            out.push((
                Statistic::Pair {
                    covariates: [t.covariates[0].clone(), t.covariates[1].clone()],
                    levels: [r.levels[0].clone(), r.levels[1].clone()],
                },
                w,
            ));
        }
    }
    for ch in &fit.changes {
        let j = index(&ch.covariate);
        for r in &ch.rows {
            let (a, b) = (level(j, &r.from), level(j, &r.to));
            let w = (0..nu)
                .map(|c| {
                    let l = table.level_of(c, j);
                    if l == b {
                        1.0
                    } else if l == a {
                        -1.0
                    } else {
                        0.0
                    }
                })
                .collect();
            out.push((
                Statistic::Change {
                    covariate: ch.covariate.clone(),
                    from: r.from.clone(),
                    to: r.to.clone(),
                },
                w,
            ));
        }
    }
    out
}

/// Observed counts per covariate combination.
fn observed_by(table: &CovariateTable, counts: &[u64]) -> Vec<f64> {
    let mut v = vec![0.0; table.n_combinations()];
    for (&c, &k) in table.combinations().iter().zip(counts) {
        v[c] += k as f64;
    }
    v
}

fn values(stats: &[(Statistic, Vec<f64>)], obs: &[f64], n0: &[f64]) -> Vec<f64> {
    stats
        .iter()
        .map(|(_, w)| {
            w.iter()
                .zip(obs.iter().zip(n0))
                .map(|(w, (o, h))| w * (o + h))
                .sum()
        })
        .collect()
}

/// `0..n` in consecutive ranges of at most `size`, at least 16 when `n` allows.
fn chunks(n: usize, size: usize) -> impl IndexedParallelIterator<Item = std::ops::Range<usize>> {
    let size = n.div_ceil(16).clamp(1, size);
    (0..n.div_ceil(size))
        .into_par_iter()
        .map(move |c| c * size..((c + 1) * size).min(n))
}

/// One replicate's statistic values (`None`: failed), its model and the dense fits it used.
type Outcome = (Option<Vec<f64>>, Option<String>, usize);

/// Bootstrap the model `choice` on `table` (module docs). `fit_opts` are the options of the
/// data fit (pairs, ordered covariates, level); the statistics are the totals it reports.
///
/// # Errors
/// Invalid options; no estimate on the data; failures of a fit other than "no estimate".
///
/// # Example
/// ```
/// use darkfigure::estimators::covariates::{CovariateTable, FitOptions, Formula, ModelChoice, TableSpec};
/// use darkfigure::uncertainty::covariates::{covariate_bootstrap, CovariateBootstrapOptions, Statistic};
/// let csv = b"A,B,sex,count\n1,0,f,30\n0,1,f,20\n1,1,f,10\n1,0,m,25\n0,1,m,30\n1,1,m,8\n";
/// let t = CovariateTable::parse_frequency(csv, "mem", &TableSpec::new(["sex"])).unwrap();
/// let terms = Formula::parse("A + B + sex").unwrap().terms(&t).unwrap();
/// let choice = ModelChoice::Fixed { terms, poly: None };
/// let (fit, b) = covariate_bootstrap(&t, &choice, &FitOptions::default(),
///     &CovariateBootstrapOptions::new(200, 1), None).unwrap();
/// let total = b.get(&Statistic::Total).unwrap();
/// assert!(total.percentile[0].unwrap() < fit.total.total && fit.total.total < total.percentile[1].unwrap());
/// ```
pub fn covariate_bootstrap(
    table: &CovariateTable,
    choice: &ModelChoice,
    fit_opts: &FitOptions,
    opts: &CovariateBootstrapOptions,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<(Fit, CovariateBootstrap)> {
    if opts.replicates == 0 {
        return Err(Error::InvalidOption {
            name: "replicates",
            value: "0".into(),
            problem: "need at least one replicate".into(),
        });
    }
    let prepared = Prepared::new(table, choice, fit_opts)?;
    let b = bootstrap_prepared(table, &prepared, opts, progress)?;
    Ok((prepared.fit, b))
}

/// [`covariate_bootstrap`] of a model already chosen and fitted on the data.
///
/// # Errors
/// As [`covariate_bootstrap`].
pub fn bootstrap_prepared(
    table: &CovariateTable,
    prepared: &Prepared<'_>,
    opts: &CovariateBootstrapOptions,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<CovariateBootstrap> {
    let fit = &prepared.fit;
    let stats = statistics(table, fit);
    let n0_data: Vec<f64> = fit.unobserved.iter().map(|u| u.n0).collect();
    let points = values(&stats, &observed_by(table, table.counts()), &n0_data);
    let n_cells = table.n_cells();
    // Parametric: fitted means on observable then unobserved cells; boot_mse's size.
    let parametric = (opts.kind == CovariateKind::Parametric).then(|| {
        let weights: Vec<f64> = fit.fitted.iter().chain(&n0_data).copied().collect();
        let nhat: f64 = weights.iter().sum();
        let size = ((nhat * 10.0).round() / 10.0).floor() as u64;
        (weights, size)
    });
    let n = table.observed();
    let done = std::sync::atomic::AtomicU64::new(0);
    let run =
        |counts: &[u64], wk: &mut crate::estimators::covariates::Worker<'_>| -> Result<Outcome> {
            let before = wk.dense_fits();
            if counts.iter().all(|&c| c == 0) {
                return Ok((None, None, 0));
            }
            let r = wk.estimate(counts)?;
            let dense = wk.dense_fits() - before;
            Ok(match r {
                None => (None, None, dense),
                Some(f) => (
                    Some(values(&stats, &observed_by(table, counts), &f.n0)),
                    f.model,
                    dense,
                ),
            })
        };
    let reps: Vec<Outcome> = chunks(opts.replicates, 50)
        .flat_map_iter(|range| {
            let mut wk = prepared.worker();
            let mut buf = vec![0u64; n_cells];
            let mut all = vec![0u64; n_cells + table.n_combinations()];
            range
                .map(|b| {
                    let mut rng = stream(opts.seed, b as u64);
                    match &parametric {
                        None => {
                            let w: Vec<f64> = table.counts().iter().map(|&c| c as f64).collect();
                            draw_weighted(&w, n, &mut rng, &mut buf);
                        }
                        Some((w, size)) => {
                            draw_weighted(w, *size, &mut rng, &mut all);
                            buf.copy_from_slice(&all[..n_cells]);
                        }
                    }
                    let r = run(&buf, &mut wk);
                    if let Some(p) = progress {
                        p(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                    }
                    r
                })
                .collect::<Vec<_>>()
        })
        .collect::<Result<Vec<_>>>()?;
    // Jackknife: one table per non-empty cell.
    let cells: Vec<usize> = (0..n_cells).filter(|&i| table.counts()[i] > 0).collect();
    let jack: Vec<Outcome> = if opts.jackknife {
        chunks(cells.len(), 8)
            .flat_map_iter(|range| {
                let mut wk = prepared.worker();
                let mut counts = table.counts().to_vec();
                cells[range]
                    .iter()
                    .map(|&i| {
                        counts[i] -= 1;
                        let r = run(&counts, &mut wk);
                        counts[i] += 1;
                        r
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    let jack_ok = !jack.is_empty() && jack.iter().all(|j| j.0.is_some());
    let (lo, hi) = opts.level.tails();
    let statistics = stats
        .iter()
        .enumerate()
        .map(|(s, (stat, _))| {
            let values: Vec<Option<f64>> =
                reps.iter().map(|r| r.0.as_ref().map(|v| v[s])).collect();
            let finite: Vec<f64> = values.iter().flatten().copied().collect();
            let a = if jack_ok {
                let j: Vec<(u64, f64)> = cells
                    .iter()
                    .zip(&jack)
                    .map(|(&i, r)| (table.counts()[i], r.0.as_ref().expect("checked")[s]))
                    .collect();
                let a = acceleration(&j);
                // All jackknife values equal (e.g. a change that the model fixes): â = 0.
                Some(if a.is_finite() { a } else { 0.0 })
            } else {
                None
            };
            let (z0, q) = if finite.is_empty() {
                (f64::NAN, Vec::new())
            } else {
                bca_quantiles(&finite, points[s], a.unwrap_or(0.0), &[lo, hi])
            };
            let pick = |k: usize, bca: bool| {
                q.get(k).and_then(|x| {
                    if bca {
                        x.bca
                    } else {
                        x.percentile.is_finite().then_some(x.percentile)
                    }
                })
            };
            BootStatistic {
                statistic: stat.clone(),
                point: points[s],
                percentile: [pick(0, false), pick(1, false)],
                bca: if opts.jackknife && a.is_none() {
                    [None, None]
                } else {
                    [pick(0, true), pick(1, true)]
                },
                z0: z0.is_finite().then_some(z0),
                acceleration: a,
                values,
            }
        })
        .collect();
    let failed = reps.iter().filter(|r| r.0.is_none()).count();
    let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in &reps {
        if let (Some(_), Some(m)) = (&r.0, &r.1) {
            *by.entry(m.as_str()).or_default() += 1;
        }
    }
    let mut models: Vec<ModelCount> = by
        .into_iter()
        .map(|(m, k)| ModelCount {
            model: m.to_string(),
            replicates: k,
            share: k as f64 / opts.replicates as f64,
        })
        .collect();
    models.sort_by(|a, b| b.replicates.cmp(&a.replicates).then(a.model.cmp(&b.model)));
    Ok(CovariateBootstrap {
        replicates: opts.replicates,
        failed,
        seed: opts.seed,
        kind: opts.kind,
        reselected: prepared.reselects(),
        level: opts.level.get(),
        draw_size: parametric.as_ref().map(|p| p.1),
        jackknife_tables: jack.len(),
        jackknife_failed: jack.iter().filter(|j| j.0.is_none()).count(),
        statistics,
        models,
        dense_fits: reps.iter().chain(&jack).map(|r| r.2).sum(),
    })
}
