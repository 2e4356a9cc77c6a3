//! The options of an estimate ([`super::estimate()`]): the method, the interval and its level,
//! the bootstrap, the calibration.

use super::bootstrap::BootstrapOptions;
use super::calibrate::CalibrationOptions;
use crate::error::{Error, Result};
use crate::estimators::{Estimator, IntervalMethod, Method};
use crate::numeric::Level;
use crate::selection::{Rule, SelectOptions};

/// Options of [`estimate`](super::estimate()): the method, the interval and its level, and the bootstrap.
///
/// Built with [`Default`] and the setters; checked once by [`EstimateOptions::validate`]
/// (which [`estimate`](super::estimate()) calls), so a combination that cannot work — a bootstrap interval
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
