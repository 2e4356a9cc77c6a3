//! Population-size methods behind one interface, [`Estimator`]: a method takes a capture
//! table and returns a [`PointEstimate`] (the estimate, its label and diagnostics, and the
//! family's own detail), a model-based interval where it has one, and workers that
//! re-estimate on replicate tables — which is all the bootstrap engine, the sensitivity
//! report and the CLI need. [`Method`] names and builds every method the crate has.
//!
//! Families: log-linear models with a fixed model or a selection rule ([`loglinear`]),
//! Lincoln–Petersen and Chapman ([`petersen`]), Rcapture's closed-population models
//! ([`rcapture`]).
//!
//! Imports the stages below it: [`crate::selection`], [`crate::loglinear`], [`crate::data`],
//! [`crate::numeric`].

pub mod covariates;
pub mod dga;
pub mod interval;
pub mod lcmcr;
pub mod loglinear;
pub mod method;
pub mod petersen;
pub mod rcapture;

pub use interval::{Interval, IntervalMethod, ModelInterval, Profile};
pub use method::Method;

use crate::data::table::CaptureTable;
use crate::error::Result;
use crate::loglinear::{Existence, Model};
use crate::numeric::Level;
use crate::selection::Selection;
use serde::Serialize;

/// A point estimate of the population size by one method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointEstimate {
    /// The method's identifier ([`Estimator::id`]), e.g. `loglinear`, `mh-chao`.
    pub method: &'static str,
    /// What was estimated, for people: the model or the rule, e.g. `stepwise p=0.02`,
    /// `Mh Chao (LB)`.
    pub label: String,
    /// Observed cases `n_obs`.
    pub observed: u64,
    /// `N̂`.
    pub estimate: f64,
    /// `N̂ − n_obs`, the estimated number of cases on no list.
    pub dark_figure: f64,
    /// Standard error of `N̂`, where the method has one.
    pub std_error: Option<f64>,
    /// The family's own results.
    pub detail: Detail,
}

/// The results particular to a family of methods.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Detail {
    /// A log-linear model: the model, its existence check, its fit and how it was chosen.
    Loglinear(Box<loglinear::LoglinearDetail>),
    /// One of Rcapture's closed-population models.
    Rcapture(Box<rcapture::RcaptureFit>),
    /// Lincoln–Petersen or Chapman.
    TwoList(petersen::TwoList),
    /// LCMCR's posterior (draws, summaries, diagnostics).
    Lcmcr(Box<lcmcr::LcmcrPosterior>),
    /// dga's graph-averaged posterior (pmf, graphs, grid).
    Dga(Box<dga::DgaPosterior>),
}

/// What a method knew when it could not estimate (the model it tried and its existence
/// check), for reports that show the failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailureContext {
    /// The model tried.
    #[serde(skip)]
    pub model: Model,
    /// Its existence check.
    pub existence: Existence,
    /// How it was chosen, when a selection rule chose it.
    pub selection: Option<Selection>,
    /// `model` is the method's own (fixed, or chosen by its rule) — not the main-effects
    /// model that a rule which could not choose is reported against.
    pub chosen: bool,
}

/// One estimate on a replicate table.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicateEstimate {
    /// `N̂` of the replicate; `None` when no estimate exists for it.
    pub estimate: Option<f64>,
    /// The model the method chose on the replicate (selection rules only), as printed.
    pub model: Option<String>,
}

/// Re-estimates on replicate tables of one dataset: made once per chunk of replicates by
/// [`Replicates::worker`], with whatever buffers and caches the method needs.
pub trait Replicator {
    /// Estimate on counts indexed by bitmask (`counts[0]`, the unobserved cell, is 0).
    ///
    /// # Errors
    /// Failures that are not "no estimate" (e.g. the LP solver); a table for which the
    /// method has no estimate is `Ok` with `estimate: None`.
    fn estimate(&mut self, counts: &[u64]) -> Result<ReplicateEstimate>;

    /// Existence LPs solved so far by this worker (0 for methods without them).
    fn lp_solved(&self) -> usize {
        0
    }
}

/// What the bootstrap engine needs of a method on one dataset, prepared once from the data
/// and the point estimate.
pub trait Replicates: Sync {
    /// A fresh worker.
    fn worker(&self) -> Box<dyn Replicator + '_>;

    /// Fitted means of the method's model on the data (index 0: the unobserved cell), for
    /// parametric resampling; `None` if the method has no fitted model.
    fn fitted_means(&self) -> Option<&[f64]>;
}

/// A population-size method.
///
/// Implement it to add a method: the bootstrap ([`crate::uncertainty::bootstrap()`]), the
/// front door [`crate::uncertainty::estimate`], the sensitivity report and the CLI then work
/// with it; register it in [`Method`] (see `ARCHITECTURE.md`, "Adding an estimator").
pub trait Estimator: Sync {
    /// Stable identifier: the CLI's `--method` name (`loglinear`, `m0`, `mh-chao`, …).
    fn id(&self) -> &'static str;

    /// What is estimated, for people (`stepwise p=0.02`, `[12,3]`, `Mh Chao (LB)`).
    fn label(&self, table: &CaptureTable) -> String;

    /// The point estimate.
    ///
    /// # Errors
    /// [`crate::error::Error::is_no_estimate`] errors when no estimate exists for the table; input
    /// errors (a model for other lists, too few lists for the method).
    fn estimate(&self, table: &CaptureTable) -> Result<PointEstimate>;

    /// [`Estimator::estimate`], reporting the work done so far (in the units of
    /// [`Estimator::work`], from worker threads) to `progress`; long-running methods (MCMC)
    /// implement it, the others ignore `progress`.
    ///
    /// # Errors
    /// As [`Estimator::estimate`].
    fn estimate_with_progress(
        &self,
        table: &CaptureTable,
        progress: Option<&(dyn Fn(u64) + Sync)>,
    ) -> Result<PointEstimate> {
        let _ = progress;
        self.estimate(table)
    }

    /// The work [`Estimator::estimate_with_progress`] reports, when it is known in advance
    /// (e.g. the sweeps of all chains); `None` for quick methods.
    fn work(&self, _table: &CaptureTable) -> Option<u64> {
        None
    }

    /// What the method knew when [`Estimator::estimate`] failed with a no-estimate error.
    ///
    /// # Errors
    /// As the existence check.
    fn failure_context(&self, _table: &CaptureTable) -> Result<Option<FailureContext>> {
        Ok(None)
    }

    /// The model-based interval used when none is asked for.
    fn default_interval(&self) -> IntervalMethod {
        IntervalMethod::Wald
    }

    /// A model-based interval (`wald`, `profile`) for a point estimate of this method.
    ///
    /// # Errors
    /// [`crate::error::Error::InvalidOption`] for an interval the method does not offer.
    fn interval(
        &self,
        table: &CaptureTable,
        point: &PointEstimate,
        method: IntervalMethod,
        level: Level,
    ) -> Result<ModelInterval>;

    /// Prepare re-estimation on replicate tables of `table` (whose estimate is `point`).
    ///
    /// # Errors
    /// Whatever preparing fails with (e.g. a model search that is refused).
    fn replicates<'a>(
        &'a self,
        table: &'a CaptureTable,
        point: &PointEstimate,
    ) -> Result<Box<dyn Replicates + 'a>>;
}

/// The error for an interval a method does not offer.
pub(crate) fn unsupported_interval(method: &str, interval: IntervalMethod) -> crate::error::Error {
    crate::error::Error::InvalidOption {
        name: "interval",
        value: interval.name().into(),
        problem: format!("the method {method} has no {interval} interval"),
    }
}
