//! Calibrated intervals: the nominal level whose interval covers the truth as often as asked,
//! on tables simulated from the fitted model (the double bootstrap, or prepivoting).
//!
//! # Method
//! The model selected on the data is taken as the truth ([`Truth`]); `S` tables are
//! simulated from it ([`simulate`](mod@crate::uncertainty::simulate)) and the interval procedure being
//! calibrated (e.g. stepwise + BCa, with its own bootstrap on every table) is run on each at
//! a grid of nominal levels. The coverage curve — the fraction of tables whose interval at
//! nominal level `α` contains the true `N` — is made monotone in `α` by weighted isotonic
//! regression (pool-adjacent-violators, weights the tables with an interval at each level)
//! and interpolated linearly; the calibrated level for a target `τ` is the smallest `α`
//! where the smoothed curve reaches `τ`. The interval reported is the procedure's interval at
//! that level on the data itself.
//!
//! # What is assumed, and when it cannot help
//! * The fitted model is the truth: the calibration corrects the procedure's coverage *under
//!   that model*. If the data come from a model the procedure's selection would rarely
//!   choose, or the fitted model is far from the truth, the calibrated level is calibrated
//!   for the wrong world.
//! * It cannot reach a target the procedure cannot reach at any level: when even the top of
//!   the grid (0.999) covers less often than the target (e.g. a fixed, misspecified model
//!   whose intervals shrink around a biased estimate), the interval at the top of the grid is
//!   reported, `reached` is false and a flag says so.
//! * Monte-Carlo error: the estimated coverage at the calibrated level has standard error
//!   `√(τ(1 − τ)/S)`, and the calibrated level `coverage_se / slope` where the curve is
//!   steep; with few tables, or a bootstrap of few replicates (whose extreme levels are read
//!   at the extreme replicates), the calibrated level is noisy.
//! * Cost: `S` times the procedure (`S × B` model selections for a bootstrap interval).
//!
//! # Seeds
//! The calibration tables of a run with seed `s` are those of a simulation with seed
//! [`calibration_seed`]`(s)` (a SplitMix64 hash), so they share no random stream with the
//! bootstrap of the data (seed `s`) or, inside a coverage study, with other tables.
//!
//! # References
//! Loh, W.-Y. (1987). Calibrating confidence coefficients. JASA 82:155–162.
//! Beran, R. (1987). Prepivoting to reduce level error of confidence sets. Biometrika
//! 74:457–468. Hall, P. & Martin, M. A. (1988). On bootstrap resampling and iteration.
//! Biometrika 75:661–671.

use super::simulate::{simulate_with, Procedure, Scheme, SimulateOptions, Simulation, Truth};
use crate::error::{Error, Result};
use crate::estimators::IntervalMethod;
use crate::numeric::Level;
use serde::Serialize;

/// The nominal levels tried by default (the targets are added).
pub const DEFAULT_GRID: [f64; 29] = [
    0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.825, 0.85, 0.875, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95,
    0.955, 0.96, 0.965, 0.97, 0.975, 0.98, 0.985, 0.99, 0.9925, 0.995, 0.9975, 0.999,
];

/// Options of a calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationOptions {
    /// Simulated tables `S` (default 200).
    pub tables: usize,
    /// Nominal levels tried (default [`DEFAULT_GRID`]; the targets are always added).
    pub grid: Vec<f64>,
    /// How the tables are drawn (default multinomial).
    pub scheme: Scheme,
    /// The interval being calibrated (default: BCa with a bootstrap, else the method's own
    /// interval).
    pub interval: Option<IntervalMethod>,
    /// The world the calibration tables come from (default: the method's fitted model).
    pub truth: World,
}

/// The world the calibration tables are drawn from; in both the true `N` is `round(N̂)` of
/// the method on the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum World {
    /// The method's fitted model ([`Truth::from_point`]): the parametric double bootstrap.
    #[default]
    Fitted,
    /// The observed cells with the method's dark figure ([`Truth::observed`]): the
    /// nonparametric double bootstrap, whose tables carry every interaction the data show,
    /// also those the selected model leaves out.
    Observed,
}

impl World {
    /// The world's name (`fitted`, `observed`).
    pub fn name(self) -> &'static str {
        match self {
            World::Fitted => "fitted",
            World::Observed => "observed",
        }
    }
}

impl std::fmt::Display for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for World {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "fitted" => Ok(Self::Fitted),
            "observed" => Ok(Self::Observed),
            _ => Err(Error::InvalidOption {
                name: "calibration_truth",
                value: s.into(),
                problem: "expected fitted or observed".into(),
            }),
        }
    }
}

impl World {
    /// The truth of this world for the method `est` whose estimate on `table` is `point`.
    ///
    /// # Errors
    /// As [`Truth::from_point`] and [`Truth::observed`].
    pub fn truth(
        self,
        table: &crate::data::table::CaptureTable,
        est: &dyn crate::estimators::Estimator,
        point: &crate::estimators::PointEstimate,
    ) -> Result<Truth> {
        match self {
            World::Fitted => Truth::from_point(table, est, point),
            World::Observed => Truth::observed(table, point),
        }
    }
}

impl Default for CalibrationOptions {
    fn default() -> Self {
        Self {
            tables: 200,
            grid: DEFAULT_GRID.to_vec(),
            scheme: Scheme::Multinomial,
            interval: None,
            truth: World::Fitted,
        }
    }
}

impl CalibrationOptions {
    /// `tables` tables, the default grid.
    pub fn new(tables: usize) -> Self {
        Self {
            tables,
            ..Self::default()
        }
    }

    /// Check the options.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for no tables, an empty grid, a grid level outside (0, 1),
    /// or a calibrated interval as the interval to calibrate.
    pub fn validate(&self) -> Result<()> {
        if self.tables == 0 {
            return Err(Error::InvalidOption {
                name: "calibration_tables",
                value: "0".into(),
                problem: "calibrate on at least one simulated table (200 is the default)".into(),
            });
        }
        if self.grid.is_empty() {
            return Err(Error::InvalidOption {
                name: "calibration_grid",
                value: String::new(),
                problem: "give at least one nominal level".into(),
            });
        }
        for &l in &self.grid {
            Level::named(l, "calibration_grid")?;
        }
        if self.interval == Some(IntervalMethod::Calibrated) {
            return Err(Error::InvalidOption {
                name: "calibration_interval",
                value: "calibrated".into(),
                problem:
                    "the interval to calibrate must be wald, profile, bca, percentile or credible"
                        .into(),
            });
        }
        Ok(())
    }

    /// The grid with `targets` added, sorted, without duplicates.
    pub fn levels(&self, targets: &[Level]) -> Vec<f64> {
        let mut g: Vec<f64> = self.grid.clone();
        g.extend(targets.iter().map(|l| l.get()));
        g.sort_by(f64::total_cmp);
        g.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
        g
    }
}

/// The seed of the calibration tables of a run with seed `seed` (SplitMix64 of `seed` with a
/// fixed offset, cut to 53 bits so that JSON readers keep it exactly; module docs).
pub fn calibration_seed(seed: u64) -> u64 {
    let mut z = seed ^ 0xca1b_4a7e_d1e5_0001;
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) >> 11
}

/// One point of the coverage curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurvePoint {
    /// Nominal level.
    pub nominal: f64,
    /// Simulated tables with an interval at this level.
    pub intervals: usize,
    /// Their coverage of the truth.
    pub coverage: Option<f64>,
    /// The isotonic (non-decreasing in the level) fit of the coverage.
    pub smoothed: Option<f64>,
}

/// A calibrated level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// The coverage asked for.
    pub target: f64,
    /// The nominal level whose interval is reported.
    pub nominal_used: f64,
    /// Monte-Carlo standard error of `nominal_used` (`coverage_se` over the curve's slope;
    /// `None` where the curve is flat or the target is not reached).
    pub nominal_se: Option<f64>,
    /// The smoothed coverage at `nominal_used` (the target when it is reached).
    pub estimated_coverage: f64,
    /// Monte-Carlo standard error of `estimated_coverage`.
    pub coverage_se: f64,
    /// Whether some level of the grid reaches the target.
    pub reached: bool,
    /// Simulated tables.
    pub tables: usize,
    /// Simulated tables without an estimate or without an interval at some level.
    pub failed: usize,
    /// Bootstrap replicates per table (bootstrap intervals), else `None`.
    pub replicates: Option<usize>,
    /// The interval calibrated.
    pub interval: IntervalMethod,
    /// The true population of the simulation (`round(N̂)` of the fit).
    pub truth: u64,
    /// The seed of the calibration tables ([`calibration_seed`]).
    pub seed: u64,
    /// How the tables were drawn.
    pub scheme: Scheme,
    /// The world they were drawn from.
    pub world: World,
    /// The coverage curve.
    pub curve: Vec<CurvePoint>,
    /// What the calibration could not do (target not reached, reached at the lowest level).
    pub flags: Vec<String>,
}

/// What the calibration is of: the interval calibrated and the replicates of its bootstrap
/// (for the report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calibrated {
    /// The interval calibrated.
    pub interval: IntervalMethod,
    /// Bootstrap replicates per table, for bootstrap intervals.
    pub replicates: Option<usize>,
}

/// Calibrate `procedure` for every level of `targets`: simulate `opts.tables` tables from
/// `truth` with seed `seed` (use [`calibration_seed`] of the run's seed), run the procedure on
/// each at the grid and the targets, and choose each target's nominal level (module docs).
///
/// # Errors
/// Invalid options; a procedure's error; [`Error::Undefined`] when no simulated table has an
/// interval at any level.
pub fn calibrate_with(
    truth: &Truth,
    opts: &CalibrationOptions,
    seed: u64,
    targets: &[Level],
    what: Calibrated,
    procedure: &Procedure,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Vec<Calibration>> {
    opts.validate()?;
    let sim_opts = SimulateOptions {
        tables: opts.tables,
        seed,
        scheme: opts.scheme,
        levels: opts.levels(targets),
    };
    let sim = simulate_with(truth, &sim_opts, procedure, progress)?;
    let curve = coverage_curve(&sim);
    targets
        .iter()
        .map(|&t| {
            choose_level(&curve, t.get(), &sim, what).map(|mut c| {
                c.world = opts.truth;
                c
            })
        })
        .collect()
}

/// The coverage curve of a simulation over its levels, with its isotonic fit.
pub fn coverage_curve(sim: &Simulation) -> Vec<CurvePoint> {
    let mut pts: Vec<CurvePoint> = sim
        .levels
        .iter()
        .map(|l| CurvePoint {
            nominal: l.level,
            intervals: l.intervals,
            coverage: l.coverage,
            smoothed: None,
        })
        .collect();
    pts.sort_by(|a, b| a.nominal.total_cmp(&b.nominal));
    let (idx, ys, ws): (Vec<usize>, Vec<f64>, Vec<f64>) = pts
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.coverage.map(|c| (i, c, p.intervals as f64)))
        .fold(
            (vec![], vec![], vec![]),
            |(mut i, mut y, mut w), (a, b, c)| {
                i.push(a);
                y.push(b);
                w.push(c);
                (i, y, w)
            },
        );
    for (k, s) in idx.into_iter().zip(isotonic(&ys, &ws)) {
        pts[k].smoothed = Some(s);
    }
    pts
}

/// Weighted least-squares non-decreasing fit of `y` (pool-adjacent-violators).
pub fn isotonic(y: &[f64], w: &[f64]) -> Vec<f64> {
    // Blocks of (weighted mean, weight, length).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(y.len());
    for (&yi, &wi) in y.iter().zip(w) {
        blocks.push((yi, wi, 1));
        while blocks.len() > 1 {
            let (m2, w2, n2) = blocks[blocks.len() - 1];
            let (m1, w1, n1) = blocks[blocks.len() - 2];
            if m1 <= m2 {
                break;
            }
            let wt = w1 + w2;
            let m = if wt > 0.0 {
                (m1 * w1 + m2 * w2) / wt
            } else {
                (m1 + m2) / 2.0
            };
            blocks.truncate(blocks.len() - 2);
            blocks.push((m, wt, n1 + n2));
        }
    }
    blocks
        .into_iter()
        .flat_map(|(m, _, n)| std::iter::repeat_n(m, n))
        .collect()
}

/// The calibrated level for `target` on `curve` (module docs).
fn choose_level(
    curve: &[CurvePoint],
    target: f64,
    sim: &Simulation,
    what: Calibrated,
) -> Result<Calibration> {
    let pts: Vec<(f64, f64, usize)> = curve
        .iter()
        .filter_map(|p| p.smoothed.map(|s| (p.nominal, s, p.intervals)))
        .collect();
    let (Some(&first), Some(&last)) = (pts.first(), pts.last()) else {
        return Err(Error::Undefined {
            what: "the calibrated level",
            reason: format!(
                "none of the {} simulated tables has an interval at any level ({} without an estimate)",
                sim.options.tables, sim.failed.no_estimate
            ),
        });
    };
    let se = |c: f64, n: usize| (c * (1.0 - c) / n.max(1) as f64).sqrt();
    let mut flags = Vec::new();
    let (nominal_used, estimated, n, slope, reached) = if last.1 < target {
        flags.push(format!(
            "calibration cannot reach {}: even nominal {} covers the truth in only {:.1}% of {} simulated tables; the interval at nominal {} is reported, and it covers less often than asked",
            pct(target), last.0, 100.0 * last.1, last.2, last.0
        ));
        (last.0, last.1, last.2, None, false)
    } else if first.1 >= target {
        flags.push(format!(
            "already the lowest nominal level tried ({}) covers the truth in {:.1}% of the simulated tables, at least the target {}: the interval at nominal {} is reported and may be wider than needed",
            first.0, 100.0 * first.1, pct(target), first.0
        ));
        (first.0, first.1, first.2, None, true)
    } else {
        let i = pts
            .iter()
            .position(|p| p.1 >= target)
            .expect("the last point reaches the target");
        let (a0, c0, n0) = pts[i - 1];
        let (a1, c1, n1) = pts[i];
        let slope = (c1 - c0) / (a1 - a0);
        let a = a0 + (target - c0) / slope;
        (a.clamp(a0, a1), target, n0.min(n1), Some(slope), true)
    };
    let coverage_se = se(estimated, n);
    Ok(Calibration {
        target,
        nominal_used,
        nominal_se: slope.filter(|s| *s > 0.0).map(|s| coverage_se / s),
        estimated_coverage: estimated,
        coverage_se,
        reached,
        tables: sim.options.tables,
        failed: sim.failed.tables,
        replicates: what.replicates,
        interval: what.interval,
        truth: sim.truth.population,
        seed: sim.options.seed,
        scheme: sim.options.scheme,
        world: World::Fitted,
        curve: curve.to_vec(),
        flags,
    })
}

fn pct(x: f64) -> String {
    let p = format!("{:.2}", 100.0 * x);
    format!("{}%", p.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_pools_violators_with_weights() {
        assert_eq!(
            isotonic(&[0.1, 0.3, 0.2, 0.5], &[1.0, 1.0, 1.0, 1.0]),
            vec![0.1, 0.25, 0.25, 0.5]
        );
        let s = isotonic(&[0.5, 0.2, 0.9], &[3.0, 1.0, 1.0]);
        assert!((s[0] - 0.425).abs() < 1e-12 && (s[1] - 0.425).abs() < 1e-12 && s[2] == 0.9);
        assert_eq!(isotonic(&[], &[]), Vec::<f64>::new());
    }

    #[test]
    fn seeds_differ_from_the_run_seed() {
        assert_ne!(calibration_seed(1234), 1234);
        assert_ne!(calibration_seed(1), calibration_seed(2));
    }

    #[test]
    fn grid_contains_the_targets_once() {
        let o = CalibrationOptions::default();
        let g = o.levels(&[Level::new(0.95).unwrap(), Level::new(0.42).unwrap()]);
        assert_eq!(g.iter().filter(|&&x| x == 0.95).count(), 1);
        assert!(g.contains(&0.42));
        assert!(g.windows(2).all(|w| w[0] < w[1]));
    }
}
