//! The front door of an analysis: a method's point estimate with an interval — model-based
//! (Wald, profile), from a bootstrap that re-runs the method on every replicate, or
//! calibrated on tables simulated from the method's fit.

pub use super::options::EstimateOptions;

use super::bootstrap::{bootstrap_from, Bootstrap, BootstrapOptions};
use super::calibrate::{calibrate_with, calibration_seed, Calibrated, Calibration};
use super::study::trial;
use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::estimators::loglinear::LoglinearDetail;
use crate::estimators::{Detail, Estimator, Interval, IntervalMethod, PointEstimate, Profile};
use crate::loglinear::{Existence, Fit, Model};
use crate::numeric::Level;
use crate::selection::Selection;
use serde::Serialize;

/// A population-size estimate with its interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// The method's point estimate (its label, detail and, for log-linear methods, the
    /// model, its existence check, its fit and the selection path).
    pub point: PointEstimate,
    /// `N̂`.
    pub estimate: f64,
    /// The interval.
    pub interval: Interval,
    /// Profile details when the interval is a profile interval.
    pub profile: Option<Profile>,
    /// The bootstrap, when one was run.
    pub bootstrap: Option<Bootstrap>,
    /// The calibration of a calibrated interval.
    pub calibration: Option<Calibration>,
}

impl Estimate {
    fn loglinear(&self) -> Option<&LoglinearDetail> {
        match &self.point.detail {
            Detail::Loglinear(d) => Some(d),
            _ => None,
        }
    }

    /// The log-linear model fitted (log-linear methods only).
    pub fn model(&self) -> Option<&Model> {
        self.loglinear().map(|d| &d.model)
    }

    /// The log-linear fit (log-linear methods only).
    pub fn fit(&self) -> Option<&Fit> {
        self.loglinear().map(|d| &d.fit)
    }

    /// The model's existence check (log-linear methods only).
    pub fn existence(&self) -> Option<&Existence> {
        self.loglinear().map(|d| &d.existence)
    }

    /// How the model was chosen (selection rules only).
    pub fn selection(&self) -> Option<&Selection> {
        self.loglinear().and_then(|d| d.selection.as_ref())
    }
}

/// Estimate the population size of `table` as `opts` say.
///
/// # Errors
/// Invalid options or model; [`MleDoesNotExist`](crate::Error::MleDoesNotExist) /
/// [`NotIdentifiable`](crate::Error::NotIdentifiable) when the model fails the existence
/// check; [`NotConverged`](crate::Error::NotConverged); see
/// [`Error::is_no_estimate`](crate::Error::is_no_estimate).
///
/// # Example
/// ```
/// use darkfigure::{datasets, estimate, EstimateOptions};
/// let a3 = datasets::artificial_3();
/// let est = estimate(&a3, &EstimateOptions::default()).unwrap();
/// assert!((est.estimate - 539.0939294).abs() < 1e-6);
/// // With the A:B interaction the MLE does not exist (SparseMSE checkident code 1).
/// let err = estimate(&a3, &EstimateOptions::default().model("A*B")).unwrap_err();
/// assert!(err.is_no_estimate());
/// ```
pub fn estimate(table: &CaptureTable, opts: &EstimateOptions) -> Result<Estimate> {
    opts.validate()?;
    let est = opts.method.build(table)?;
    run(table, &*est, opts, None)
}

/// [`estimate`] with the method `est` in place of `opts.method`, and a progress callback:
/// the method's own work ([`Estimator::work`], e.g. MCMC sweeps), then the bootstrap's
/// replicates finished (from worker threads).
///
/// # Errors
/// As [`estimate`].
pub fn estimate_with(
    table: &CaptureTable,
    est: &dyn Estimator,
    opts: &EstimateOptions,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Estimate> {
    opts.validate()?;
    run(table, est, opts, progress)
}

/// [`estimate_with`] on validated options.
fn run(
    table: &CaptureTable,
    est: &dyn Estimator,
    opts: &EstimateOptions,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Estimate> {
    if opts.interval_method(est) == IntervalMethod::Calibrated {
        return run_calibrated(table, est, opts, progress);
    }
    let method = opts.interval_method(est);
    // BCa needs one re-estimate per observed cell (the jackknife): refuse it up front when
    // that exceeds the limit, rather than run the bootstrap first.
    if method == IntervalMethod::Bca && opts.resamples() {
        let bopts = opts.bootstrap.clone().unwrap_or_default();
        let b = opts.replay.as_ref().map_or(bopts.replicates, Vec::len);
        let cells = table.observed_cells().len();
        let limit = bopts.jackknife_limit(b);
        if cells > limit {
            return Err(Error::TooCostly {
                what: "the BCa interval",
                reason: format!(
                    "its acceleration needs a jackknife of one re-estimate per observed cell: {cells} re-estimates, more than the bootstrap's {b} replicates (at most the larger of B and {}); use `interval` percentile, or `bootstrap` B of at least {cells}",
                    BootstrapOptions::MIN_JACKKNIFE
                ),
            });
        }
    }
    let point = est.estimate_with_progress(table, progress)?;
    let (mut interval, profile) = if method.is_bootstrap() {
        (
            Interval {
                method,
                level: opts.level.get(),
                lower: None,
                upper: None,
                flags: Vec::new(),
            },
            None,
        )
    } else {
        let m = est.interval(table, &point, method, opts.level)?;
        (m.interval, m.profile)
    };
    let bootstrap = if opts.resamples() {
        let reps = est.replicates(table, &point)?;
        let bopts = opts
            .bootstrap
            .clone()
            .unwrap_or_default()
            .with_interval_level(opts.level);
        let b = bootstrap_from(table, &*reps, &bopts, opts.replay.as_deref(), progress)?;
        if method.is_bootstrap() {
            interval = b.interval(opts.level, method);
        }
        Some(b)
    } else {
        None
    };
    Ok(Estimate {
        estimate: point.estimate,
        point,
        interval,
        profile,
        bootstrap,
        calibration: None,
    })
}

/// A calibrated interval: the estimate with the interval calibrated, the calibration on
/// tables simulated from the method's fit, and the interval at the calibrated level
/// ([`crate::uncertainty::calibrate`]). `progress` counts the calibration tables.
fn run_calibrated(
    table: &CaptureTable,
    est: &dyn Estimator,
    opts: &EstimateOptions,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Estimate> {
    let copts = opts.calibration.clone().unwrap_or_default();
    let base = opts.calibrated_interval(est);
    let inner = EstimateOptions {
        interval: Some(base),
        calibration: None,
        ..opts.clone()
    };
    let mut e = run(table, est, &inner, None)?;
    let truth = copts.truth.truth(table, est, &e.point)?;
    let what = Calibrated {
        interval: base,
        replicates: inner.bootstrap.as_ref().map(|b| b.replicates),
    };
    let procedure =
        |t: &CaptureTable, seed: u64, levels: &[Level]| trial(t, est, &inner, seed, levels);
    let cal = calibrate_with(
        &truth,
        &copts,
        calibration_seed(opts.seed()),
        &[opts.level],
        what,
        &procedure,
        progress,
    )?
    .remove(0);
    let nominal = Level::new(cal.nominal_used)?;
    let mut interval = if base.is_bootstrap() {
        let b = e
            .bootstrap
            .as_mut()
            .expect("a bootstrap interval has a bootstrap");
        let (lo, hi) = nominal.tails();
        b.add_levels(&[lo, hi]);
        b.interval(nominal, base)
    } else {
        let m = est.interval(table, &e.point, base, nominal)?;
        e.profile = m.profile;
        m.interval
    };
    interval.method = IntervalMethod::Calibrated;
    interval.level = opts.level.get();
    interval.flags.extend(cal.flags.iter().cloned());
    e.interval = interval;
    e.calibration = Some(cal);
    Ok(e)
}
