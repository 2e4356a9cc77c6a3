//! dga's graph averaging as an [`Estimator`]: the posterior median as the estimate, the
//! credible interval by dga's quantile definition (the smallest grid `N` whose cumulative
//! mass reaches the level).

use super::{dga, DgaOptions, DgaPosterior};
use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::estimators::{
    unsupported_interval, Detail, Estimator, Interval, IntervalMethod, ModelInterval,
    PointEstimate, Replicates,
};
use crate::numeric::Level;

/// Bayesian model averaging over decomposable graphs (Madigan & York 1997; dga's `bma.cr`).
#[derive(Debug, Clone, PartialEq)]
pub struct Dga(pub DgaOptions);

/// The credible interval of a graph-averaged posterior at `level` (quantiles at the tails as
/// dga defines them; the tails must be among the computed quantile levels).
pub fn credible_interval(p: &DgaPosterior, level: Level) -> Interval {
    let (lo, hi) = level.tails();
    let q = |l: f64| {
        p.quantiles
            .iter()
            .find(|q| (q.level - l).abs() < 1e-12)
            .map(|q| q.n as f64)
    };
    let mut flags = Vec::new();
    if !p.mean_finite {
        flags.push(
            "the posterior mean is infinite without the grid's truncation (the saturated graph's power-law tail); the median and the quantiles are the stable summaries".into(),
        );
    }
    if p.grid.target_met == Some(false) {
        flags.push(format!(
            "the grid stopped at its cap with about {:.2e} of the posterior mass beyond it: the upper limit may be too low",
            p.grid.tail_mass.unwrap_or(f64::NAN)
        ));
    }
    Interval {
        method: IntervalMethod::Credible,
        level: level.get(),
        lower: q(lo),
        upper: q(hi),
        flags,
    }
}

impl Estimator for Dga {
    fn id(&self) -> &'static str {
        "dga"
    }

    fn label(&self, table: &CaptureTable) -> String {
        let delta = self
            .0
            .delta
            .unwrap_or_else(|| 0.5f64.powi(table.lists() as i32));
        format!("dga graph averaging (delta = {delta})")
    }

    fn estimate(&self, table: &CaptureTable) -> Result<PointEstimate> {
        let p = dga(table.lists(), table.counts(), &self.0)?;
        let median = p.median as f64;
        Ok(PointEstimate {
            method: self.id(),
            label: self.label(table),
            observed: table.observed(),
            estimate: median,
            dark_figure: median - table.observed() as f64,
            std_error: p.sd.is_finite().then_some(p.sd),
            detail: Detail::Dga(Box::new(p)),
        })
    }

    fn default_interval(&self) -> IntervalMethod {
        IntervalMethod::Credible
    }

    fn interval(
        &self,
        _table: &CaptureTable,
        point: &PointEstimate,
        method: IntervalMethod,
        level: Level,
    ) -> Result<ModelInterval> {
        match (&point.detail, method) {
            (Detail::Dga(p), IntervalMethod::Credible) => Ok(credible_interval(p, level).into()),
            _ => Err(unsupported_interval(self.id(), method)),
        }
    }

    fn replicates<'a>(
        &'a self,
        _table: &'a CaptureTable,
        _point: &PointEstimate,
    ) -> Result<Box<dyn Replicates + 'a>> {
        Err(Error::InvalidOption {
            name: "bootstrap",
            value: "dga".into(),
            problem: "graph averaging is Bayesian: its credible interval comes from the posterior, not from a bootstrap".into(),
        })
    }
}
