//! Rcapture's closed-population models as [`Estimator`]s: `closedp.t`'s point estimate and
//! standard error, `closedpCI.t`'s profile interval (M0, Mt, Mh, Mth) or a Wald interval on
//! `N`, and refits on bootstrap tables.

use super::{closedp, closedp_profile, RcaptureFit, RcaptureModel};
use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::estimators::{
    unsupported_interval, Detail, Estimator, Interval, IntervalMethod, ModelInterval,
    PointEstimate, Profile, ReplicateEstimate, Replicates, Replicator,
};
use crate::numeric::Level;

/// One of Rcapture's `closedp.t` models as a population-size method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rcapture(pub RcaptureModel);

impl Rcapture {
    fn fit(&self, table: &CaptureTable) -> Result<RcaptureFit> {
        let fit = closedp(table, self.0)?;
        if !fit.abundance.is_finite() || fit.abundance < table.observed() as f64 {
            return Err(Error::Undefined {
                what: "the Rcapture estimate",
                reason: format!(
                    "{} gives N = {} for {} observed cases{}",
                    self.0.name(),
                    fit.abundance,
                    table.observed(),
                    if fit.warnings.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", fit.warnings.join("; "))
                    }
                ),
            });
        }
        Ok(fit)
    }

    fn offers_profile(&self) -> bool {
        !matches!(self.0, RcaptureModel::Mb | RcaptureModel::Mbh)
    }
}

impl Estimator for Rcapture {
    fn id(&self) -> &'static str {
        self.0.id()
    }

    fn label(&self, _table: &CaptureTable) -> String {
        self.0.name().into()
    }

    fn estimate(&self, table: &CaptureTable) -> Result<PointEstimate> {
        let fit = self.fit(table)?;
        Ok(PointEstimate {
            method: self.id(),
            label: self.0.name().into(),
            observed: table.observed(),
            estimate: fit.abundance,
            dark_figure: fit.abundance - table.observed() as f64,
            std_error: fit.stderr.is_finite().then_some(fit.stderr),
            detail: Detail::Rcapture(Box::new(fit)),
        })
    }

    fn default_interval(&self) -> IntervalMethod {
        if self.offers_profile() {
            IntervalMethod::Profile
        } else {
            IntervalMethod::Wald
        }
    }

    fn interval(
        &self,
        table: &CaptureTable,
        point: &PointEstimate,
        method: IntervalMethod,
        level: Level,
    ) -> Result<ModelInterval> {
        let n = table.observed() as f64;
        match method {
            IntervalMethod::Wald => {
                let se = point.std_error.unwrap_or(f64::NAN);
                let z = level.z();
                let mut flags = Vec::new();
                if !se.is_finite() {
                    flags.push(format!(
                        "the standard error of {} is undefined",
                        self.0.name()
                    ));
                }
                Ok(Interval {
                    method,
                    level: level.get(),
                    lower: se.is_finite().then(|| (point.estimate - z * se).max(n)),
                    upper: se.is_finite().then_some(point.estimate + z * se),
                    flags,
                }
                .into())
            }
            IntervalMethod::Profile if self.offers_profile() => {
                let p = closedp_profile(table, self.0, level.get())?;
                let mut flags = Vec::new();
                if p.lower_at_observed {
                    flags.push("the lower bound is set to the number observed n (the profile likelihood stays above the cut-off down to n)".into());
                }
                if let Some(hi) = p.upper_beyond {
                    flags.push(format!(
                        "the upper bound is larger than 3 x the estimate ({hi:.1})"
                    ));
                }
                Ok(Profile {
                    interval: Interval {
                        method,
                        level: level.get(),
                        lower: Some(p.lower.unwrap_or(n)),
                        upper: p.upper,
                        flags,
                    },
                    mle: p.abundance,
                    max_loglik: p.max_loglik,
                    cutoff: p.cutoff,
                    lower_at_observed: p.lower_at_observed,
                    upper_beyond: p.upper_beyond,
                }
                .into())
            }
            other => Err(unsupported_interval(self.id(), other)),
        }
    }

    fn replicates<'a>(
        &'a self,
        table: &'a CaptureTable,
        point: &PointEstimate,
    ) -> Result<Box<dyn Replicates + 'a>> {
        let fitted = match &point.detail {
            Detail::Rcapture(f) => f.fitted.clone(),
            _ => unreachable!("an Rcapture point estimate has Rcapture detail"),
        };
        Ok(Box::new(RcaptureReplicates {
            model: *self,
            names: table.names().to_vec(),
            fitted,
        }))
    }
}

struct RcaptureReplicates {
    model: Rcapture,
    names: Vec<String>,
    fitted: Vec<f64>,
}

impl Replicates for RcaptureReplicates {
    fn worker(&self) -> Box<dyn Replicator + '_> {
        Box::new(RcaptureWorker { prep: self })
    }

    fn fitted_means(&self) -> Option<&[f64]> {
        Some(&self.fitted)
    }
}

struct RcaptureWorker<'a> {
    prep: &'a RcaptureReplicates,
}

impl Replicator for RcaptureWorker<'_> {
    fn estimate(&mut self, counts: &[u64]) -> Result<ReplicateEstimate> {
        let estimate = CaptureTable::from_counts(self.prep.names.clone(), counts)
            .ok()
            .and_then(|t| self.prep.model.fit(&t).ok())
            .map(|f| f.abundance);
        Ok(ReplicateEstimate {
            estimate,
            model: None,
        })
    }
}
