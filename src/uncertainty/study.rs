//! An estimate as the procedure of a coverage study: [`trial`] runs a method with its options
//! on one (simulated) table at several levels and says why when there is no estimate or no
//! interval; [`simulate()`] runs it on every table of a simulation.

use super::bootstrap::bootstrap_from;
use super::calibrate::{calibrate_with, calibration_seed, Calibrated};
use super::options::EstimateOptions;
use super::simulate::{simulate_with, SimulateOptions, Simulation, Trial, TrialInterval, Truth};
use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::estimators::{Detail, Estimator, IntervalMethod, PointEstimate};
use crate::numeric::Level;

/// The short reason for a no-estimate error, as counted by a simulation.
fn reason(e: &Error) -> String {
    match e {
        Error::MleDoesNotExist { .. } => "the MLE does not exist".into(),
        Error::NotIdentifiable { .. } => "the model is not identifiable".into(),
        Error::NotConverged { .. } => "the fit did not converge".into(),
        Error::Undefined { what, .. } => format!("{what} is undefined"),
        other => other.to_string(),
    }
}

/// The estimation procedure of a simulation: `est` with `opts` (its bootstrap and MCMC
/// seeded with `seed`) on `table`, with its interval at each of `levels` — one bootstrap
/// for all levels of a bootstrap interval, one calibration for all levels of a calibrated
/// one. A table without an estimate or an interval is a [`Trial`] that says why.
///
/// # Errors
/// Errors other than "no estimate" (see [`Error::is_no_estimate`]): invalid options, a
/// refused model search, the LP solver.
pub fn trial(
    table: &CaptureTable,
    est: &dyn Estimator,
    opts: &EstimateOptions,
    seed: u64,
    levels: &[Level],
) -> Result<Trial> {
    let opts = opts.reseeded(seed);
    let point = match est.estimate(table) {
        Ok(p) => p,
        Err(e) if e.is_no_estimate() => return Ok(Trial::no_estimate(reason(&e), levels.len())),
        Err(e) => return Err(e),
    };
    let model = match &point.detail {
        Detail::Loglinear(d) => Some(d.model.label(table.names())),
        _ => None,
    };
    let method = opts.interval_method(est);
    let intervals = if method == IntervalMethod::Calibrated {
        calibrated_trial(table, est, &opts, &point, seed, levels)?
    } else if method.is_bootstrap() {
        bootstrap_trial(table, est, &opts, &point, method, levels)?
    } else {
        levels
            .iter()
            .map(|&l| match est.interval(table, &point, method, l) {
                Ok(m) => Ok(TrialInterval::new(
                    m.interval.lower,
                    m.interval.upper,
                    match (m.interval.lower, m.interval.upper) {
                        (None, _) => format!("no {method} lower limit"),
                        _ => format!("no {method} upper limit"),
                    },
                )),
                Err(e) if e.is_no_estimate() => Ok(TrialInterval::failed(reason(&e))),
                Err(e) => Err(e),
            })
            .collect::<Result<Vec<_>>>()?
    };
    Ok(Trial {
        estimate: Some(point.estimate),
        model,
        intervals,
        failure: None,
    })
}

/// The bootstrap intervals of a trial at `levels` from one bootstrap.
fn bootstrap_trial(
    table: &CaptureTable,
    est: &dyn Estimator,
    opts: &EstimateOptions,
    point: &PointEstimate,
    method: IntervalMethod,
    levels: &[Level],
) -> Result<Vec<TrialInterval>> {
    let reps = est.replicates(table, point)?;
    let bopts = levels
        .iter()
        .fold(opts.bootstrap.clone().unwrap_or_default(), |b, &l| {
            b.with_interval_level(l)
        });
    let b = match bootstrap_from(table, &*reps, &bopts, None, None) {
        Ok(b) => b,
        Err(e) if e.is_no_estimate() => {
            return Ok(vec![TrialInterval::failed(reason(&e)); levels.len()])
        }
        Err(e) => return Err(e),
    };
    let problem = if b.failed == b.replicates.len() {
        "no bootstrap replicate has an estimate"
    } else if method == IntervalMethod::Bca && !b.acceleration.is_finite() {
        "the BCa acceleration is undefined (a jackknife table has no estimate)"
    } else {
        "a bootstrap limit is undefined"
    };
    Ok(levels
        .iter()
        .map(|&l| {
            let iv = b.interval(l, method);
            TrialInterval::new(iv.lower, iv.upper, problem)
        })
        .collect())
}

/// The calibrated intervals of a trial at `levels` (the targets): one calibration on tables
/// simulated from the trial's fit, then the calibrated interval at each level's nominal.
fn calibrated_trial(
    table: &CaptureTable,
    est: &dyn Estimator,
    opts: &EstimateOptions,
    point: &PointEstimate,
    seed: u64,
    levels: &[Level],
) -> Result<Vec<TrialInterval>> {
    let copts = opts.calibration.clone().unwrap_or_default();
    let base = opts.calibrated_interval(est);
    let inner = EstimateOptions {
        interval: Some(base),
        calibration: None,
        ..opts.clone()
    };
    let truth = match copts.truth.truth(table, est, point) {
        Ok(t) => t,
        Err(e) if e.is_no_estimate() => {
            return Ok(vec![TrialInterval::failed(reason(&e)); levels.len()])
        }
        Err(e) => return Err(e),
    };
    let what = Calibrated {
        interval: base,
        replicates: inner.bootstrap.as_ref().map(|b| b.replicates),
    };
    let procedure = |t: &CaptureTable, s: u64, ls: &[Level]| trial(t, est, &inner, s, ls);
    let cals = match calibrate_with(
        &truth,
        &copts,
        calibration_seed(seed),
        levels,
        what,
        &procedure,
        None,
    ) {
        Ok(c) => c,
        Err(e) if e.is_no_estimate() => {
            return Ok(vec![TrialInterval::failed(reason(&e)); levels.len()])
        }
        Err(e) => return Err(e),
    };
    let nominal = cals
        .iter()
        .map(|c| Level::new(c.nominal_used))
        .collect::<Result<Vec<_>>>()?;
    let on_data = trial(table, est, &inner, seed, &nominal)?;
    Ok(on_data
        .intervals
        .into_iter()
        .zip(&cals)
        .map(|(mut iv, c)| {
            iv.nominal = Some(c.nominal_used);
            iv
        })
        .collect())
}

/// A coverage study of `est` with `opts` on tables simulated from `truth` ([`simulate_with`]
/// with [`trial`] as the procedure): table `j` is estimated with seed `sim.seed + j`.
///
/// # Errors
/// Invalid options (a replayed bootstrap cannot be simulated); as [`trial`].
///
/// # Example
/// ```
/// use darkfigure::prelude::*;
/// use darkfigure::uncertainty::simulate::{SimulateOptions, Truth};
/// let korea = datasets::korea();
/// let stepwise = Loglinear::stepwise(0.02);
/// let truth = Truth::fit(&korea, &stepwise).unwrap();
/// let opts = EstimateOptions::default().select(Rule::Stepwise);
/// let sim = darkfigure::uncertainty::simulate(&truth, &stepwise, &opts,
///     &SimulateOptions::new(50, 1), None).unwrap();
/// let c = sim.level(0.95).unwrap().coverage.unwrap();
/// assert!(c > 0.5 && c <= 1.0);
/// ```
pub fn simulate(
    truth: &Truth,
    est: &dyn Estimator,
    opts: &EstimateOptions,
    sim: &SimulateOptions,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Simulation> {
    opts.validate()?;
    if opts.replay.is_some() {
        return Err(Error::InvalidOption {
            name: "replay",
            value: "replicate tables".into(),
            problem: "replayed resamples belong to the data; a simulation bootstraps each simulated table with `bootstrap` B".into(),
        });
    }
    let procedure =
        |t: &CaptureTable, seed: u64, levels: &[Level]| trial(t, est, opts, seed, levels);
    simulate_with(truth, sim, &procedure, progress)
}
