//! The front door of an analysis: a method's point estimate with an interval — model-based
//! (Wald, profile) or from a bootstrap that re-runs the method on every replicate.

use super::bootstrap::{bootstrap_from, Bootstrap, BootstrapOptions};
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
    /// without a bootstrap, or both a drawn and a replayed bootstrap.
    pub fn validate(&self) -> Result<()> {
        self.method.validate()?;
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
    })
}
