//! LCMCR as an [`Estimator`]: the posterior median as the estimate, the equal-tailed credible
//! interval, progress in sweeps.

use super::{lcmcr, LcmcrOptions, LcmcrPosterior};
use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::estimators::{
    unsupported_interval, Detail, Estimator, Interval, IntervalMethod, ModelInterval,
    PointEstimate, Replicates,
};
use crate::numeric::mcmc::quantile_sorted;
use crate::numeric::Level;

/// Manrique-Vallier's non-parametric latent-class model (LCMCR) as a population-size method.
#[derive(Debug, Clone, PartialEq)]
pub struct Lcmcr(pub LcmcrOptions);

impl Lcmcr {
    fn posterior(point: &PointEstimate) -> &LcmcrPosterior {
        match &point.detail {
            Detail::Lcmcr(p) => p,
            _ => unreachable!("an LCMCR point estimate has an LCMCR posterior"),
        }
    }

    fn point(&self, table: &CaptureTable, p: LcmcrPosterior) -> PointEstimate {
        PointEstimate {
            method: self.id(),
            label: self.label(table),
            observed: table.observed(),
            estimate: p.median,
            dark_figure: p.median - table.observed() as f64,
            std_error: Some(p.sd),
            detail: Detail::Lcmcr(Box::new(p)),
        }
    }
}

/// The equal-tailed credible interval at `level` of the pooled draws of a posterior: R's
/// type-7 quantiles at `(1 ∓ level)/2`.
pub fn credible_interval(p: &LcmcrPosterior, level: Level) -> Interval {
    let mut all: Vec<f64> = p.draws.n.iter().flatten().map(|&x| x as f64).collect();
    all.sort_by(f64::total_cmp);
    let (lo, hi) = level.tails();
    let finite = |x: f64| x.is_finite().then_some(x);
    let mut flags = Vec::new();
    if !p.converged {
        flags.push("the chains have not converged (see the posterior's warnings): the interval may be wrong".into());
    }
    Interval {
        method: IntervalMethod::Credible,
        level: level.get(),
        lower: finite(quantile_sorted(&all, lo)),
        upper: finite(quantile_sorted(&all, hi)),
        flags,
    }
}

impl Estimator for Lcmcr {
    fn id(&self) -> &'static str {
        "lcmcr"
    }

    fn label(&self, _table: &CaptureTable) -> String {
        format!(
            "LCMCR (K = {}, {} chain{})",
            self.0.classes,
            self.0.chains,
            if self.0.chains == 1 { "" } else { "s" }
        )
    }

    fn estimate(&self, table: &CaptureTable) -> Result<PointEstimate> {
        self.estimate_with_progress(table, None)
    }

    fn estimate_with_progress(
        &self,
        table: &CaptureTable,
        progress: Option<&(dyn Fn(u64) + Sync)>,
    ) -> Result<PointEstimate> {
        let p = lcmcr(table.lists(), table.counts(), &self.0, progress)?;
        Ok(self.point(table, p))
    }

    fn work(&self, _table: &CaptureTable) -> Option<u64> {
        self.0
            .sweeps_per_chain()
            .filter(|_| self.0.until_converged.is_none())
            .map(|s| s * self.0.chains as u64)
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
        match method {
            IntervalMethod::Credible => Ok(credible_interval(Self::posterior(point), level).into()),
            other => Err(unsupported_interval(self.id(), other)),
        }
    }

    fn replicates<'a>(
        &'a self,
        _table: &'a CaptureTable,
        _point: &PointEstimate,
    ) -> Result<Box<dyn Replicates + 'a>> {
        Err(Error::InvalidOption {
            name: "bootstrap",
            value: "lcmcr".into(),
            problem: "LCMCR is Bayesian: its credible interval comes from the posterior, not from a bootstrap".into(),
        })
    }
}
