//! The front door of an analysis: a method's point estimate with an interval — model-based
//! (Wald, profile) or from a bootstrap that re-runs the method on every replicate.

use super::bootstrap::{bootstrap_from, Bootstrap, BootstrapOptions};
use super::calibrate::{
    calibrate_with, calibration_seed, Calibrated, Calibration, CalibrationOptions,
};
use super::simulate::{simulate_with, SimulateOptions, Simulation, Trial, TrialInterval, Truth};
use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::estimators::loglinear::LoglinearDetail;
use crate::estimators::{
    Detail, Estimator, Interval, IntervalMethod, Method, PointEstimate, Profile,
};
use crate::loglinear::{Existence, Fit, Model};
use crate::numeric::Level;
use crate::selection::{Rule, SelectOptions, Selection};
use serde::Serialize;

/// Options of [`estimate`]: the method, the interval and its level, and the bootstrap.
///
/// Built with [`Default`] and the setters; checked once by [`EstimateOptions::validate`]
/// (which [`estimate`] calls), so a combination that cannot work — a bootstrap interval
/// without a bootstrap, a drawn and a replayed bootstrap at once — is rejected before
/// anything is computed.
///
/// # Example
/// ```
/// use darkfigure::prelude::*;
/// let opts = EstimateOptions::default()
///     .select(Rule::Stepwise)
///     .bootstrap(BootstrapOptions::new(200, 1));
/// let est = estimate(&datasets::western(), &opts).unwrap();
/// assert_eq!(est.interval.method, IntervalMethod::Bca);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EstimateOptions {
    /// The method (default: the log-linear main-effects model).
    pub method: Method,
    /// The interval (default: BCa with a bootstrap, else the method's own — profile for
    /// AIC-stepwise as in the UK analysis, Wald for the other log-linear methods).
    pub interval: Option<IntervalMethod>,
    /// Coverage level (default 0.95).
    pub level: Level,
    /// A bootstrap with the method re-run in every replicate.
    pub bootstrap: Option<BootstrapOptions>,
    /// Replicate tables to replay instead of drawing them (indexed by bitmask, one per
    /// replicate; see [`crate::data::replay`]); used instead of `bootstrap`.
    pub replay: Option<Vec<Vec<u64>>>,
    /// Options of a calibrated interval (`interval` [`IntervalMethod::Calibrated`]; default
    /// [`CalibrationOptions::default`]).
    pub calibration: Option<CalibrationOptions>,
}

impl EstimateOptions {
    /// Builder: the method.
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Builder: a log-linear model by its specification (`main`, `[12,3]`, `A*B + B*C`).
    pub fn model(self, spec: &str) -> Self {
        self.method(Method::model(spec))
    }

    /// Builder: a log-linear model chosen by `rule` with its defaults.
    pub fn select(self, rule: Rule) -> Self {
        self.method(Method::select(SelectOptions::new(rule)))
    }

    /// Builder: the interval method.
    pub fn interval(mut self, m: IntervalMethod) -> Self {
        self.interval = Some(m);
        self
    }

    /// Builder: the level.
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// Builder: a bootstrap.
    pub fn bootstrap(mut self, b: BootstrapOptions) -> Self {
        self.bootstrap = Some(b);
        self
    }

    /// Builder: replay these replicate tables.
    pub fn replay(mut self, tables: Vec<Vec<u64>>) -> Self {
        self.replay = Some(tables);
        self
    }

    /// Builder: a calibrated interval with these options.
    pub fn calibrated(mut self, c: CalibrationOptions) -> Self {
        self.interval = Some(IntervalMethod::Calibrated);
        self.calibration = Some(c);
        self
    }

    /// The seed of the run's randomness: the bootstrap's, else the MCMC chains', else 1234.
    pub fn seed(&self) -> u64 {
        match (&self.bootstrap, &self.method) {
            (Some(b), _) => b.seed,
            (None, Method::Lcmcr(o)) => o.seed,
            _ => BootstrapOptions::default().seed,
        }
    }

    /// The same options with `seed` for the bootstrap and the MCMC chains.
    pub fn reseeded(&self, seed: u64) -> Self {
        let mut o = self.clone();
        if let Some(b) = &mut o.bootstrap {
            b.seed = seed;
        }
        if let Method::Lcmcr(l) = &mut o.method {
            l.seed = seed;
        }
        o
    }

    /// The interval a calibrated interval calibrates: the one set in the calibration
    /// options, else BCa with a bootstrap, else the method's own.
    pub fn calibrated_interval(&self, est: &dyn Estimator) -> IntervalMethod {
        self.calibration
            .as_ref()
            .and_then(|c| c.interval)
            .unwrap_or(if self.resamples() {
                IntervalMethod::Bca
            } else {
                est.default_interval()
            })
    }

    /// Whether a bootstrap (drawn or replayed) is asked for.
    pub fn resamples(&self) -> bool {
        self.bootstrap.is_some() || self.replay.is_some()
    }

    /// The interval method in force for `est`: the one set, else BCa with a bootstrap, else
    /// the method's default.
    pub fn interval_method(&self, est: &dyn Estimator) -> IntervalMethod {
        self.interval.unwrap_or(if self.resamples() {
            IntervalMethod::Bca
        } else {
            est.default_interval()
        })
    }

    /// Check the options.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for invalid method or bootstrap options, a bootstrap interval
    /// without a bootstrap, both a drawn and a replayed bootstrap, calibration options
    /// without a calibrated interval, or a calibrated interval of replayed tables.
    pub fn validate(&self) -> Result<()> {
        self.method.validate()?;
        let calibrated = self.interval == Some(IntervalMethod::Calibrated);
        if let Some(c) = &self.calibration {
            if !calibrated {
                return Err(Error::InvalidOption {
                    name: "calibration_tables",
                    value: c.tables.to_string(),
                    problem: "calibration options are for `interval` calibrated".into(),
                });
            }
            c.validate()?;
            if let Some(m) = c.interval.filter(|m| m.is_bootstrap() && !self.resamples()) {
                return Err(Error::InvalidOption {
                    name: "calibration_interval",
                    value: m.name().into(),
                    problem: "a bootstrap interval needs `bootstrap` (a number of replicates)"
                        .into(),
                });
            }
        }
        if calibrated && self.replay.is_some() {
            return Err(Error::InvalidOption {
                name: "replay",
                value: "replicate tables".into(),
                problem: "a calibrated interval bootstraps simulated tables, which replayed resamples of the data cannot do; use `bootstrap` B".into(),
            });
        }
        if let Some(m) = self.interval {
            if m.is_bootstrap() && !self.resamples() {
                return Err(Error::InvalidOption {
                    name: "interval",
                    value: m.name().into(),
                    problem: "a bootstrap interval needs `bootstrap` (a number of replicates)"
                        .into(),
                });
            }
        }
        if let Some(b) = &self.bootstrap {
            b.validate()?;
            if self.replay.is_some() {
                return Err(Error::InvalidOption {
                    name: "replay",
                    value: "replicate tables".into(),
                    problem: "replayed tables replace the drawn bootstrap: set `replay` or `bootstrap`, not both".into(),
                });
            }
        }
        Ok(())
    }
}

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
/// Invalid options or model; [`Error::MleDoesNotExist`] / [`Error::NotIdentifiable`] when the
/// model fails the existence check; [`Error::NotConverged`]; see
/// [`Error::is_no_estimate`].
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
    let point = est.estimate_with_progress(table, progress)?;
    let method = opts.interval_method(est);
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
    let truth = Truth::from_point(table, est, &e.point)?;
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
    let truth = match Truth::from_point(table, est, point) {
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
