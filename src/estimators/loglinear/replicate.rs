//! Re-estimation of a log-linear method on bootstrap and jackknife tables: the rule is
//! re-run on every table (a fixed model refitted, stepwise and AIC-stepwise re-selected,
//! BIC/AIC re-chosen among the top models by branch and bound) with one warm fitter and a
//! cache of existence codes by support pattern per worker.

use crate::data::table::CaptureTable;
use crate::error::Result;
use crate::estimators::{ReplicateEstimate, Replicates, Replicator};
use crate::loglinear::fitter::Fitter;
use crate::loglinear::lp::check_uncertified;
use crate::loglinear::{Criterion, Model};
use crate::selection::aic_stepwise::aic_stepwise_run;
use crate::selection::among::{among_fits, best_among, Among, Scratch};
use crate::selection::stepwise::{stepwise_run, StepwiseOptions};
use std::collections::HashMap;

/// The rule re-run on every replicate table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Refit {
    /// A fixed model.
    Fixed(Model),
    /// Stepwise selection with this p-value threshold.
    Stepwise(f64),
    /// AIC-stepwise with this Wald p-value threshold.
    AicStepwise(f64),
    /// The best model by the criterion among these (the top of the data's ranking, as
    /// MultipleSystemsEstimation's bootstrap; ties go to the earlier model). With
    /// nonparametric resampling no other model can become admissible, since a replicate's
    /// support lies within the data's.
    Among(Criterion, Vec<Model>),
}

/// A log-linear method prepared for replicates of one dataset.
pub(crate) struct LoglinearReplicates<'a> {
    pub(crate) table: &'a CaptureTable,
    pub(crate) refit: Refit,
    /// `Among`: each model's fit to the data (warm start and deviance bound).
    pub(crate) among: Vec<Among>,
    /// Fitted means of the point estimate's model (index 0: the dark figure).
    pub(crate) fitted: Vec<f64>,
}

impl<'a> LoglinearReplicates<'a> {
    pub(crate) fn new(table: &'a CaptureTable, refit: Refit, fitted: Vec<f64>) -> Self {
        let among = match &refit {
            Refit::Among(_, models) => among_fits(table, models),
            _ => Vec::new(),
        };
        Self {
            table,
            refit,
            among,
            fitted,
        }
    }
}

impl Replicates for LoglinearReplicates<'_> {
    fn worker(&self) -> Box<dyn Replicator + '_> {
        Box::new(Worker::new(self))
    }

    fn fitted_means(&self) -> Option<&[f64]> {
        Some(&self.fitted)
    }
}

/// Per-chunk state: a fitter and a cache of existence codes by (support, model).
struct Worker<'a> {
    prep: &'a LoglinearReplicates<'a>,
    fitter: Fitter,
    codes: HashMap<Vec<u64>, HashMap<Vec<u32>, u8>>,
    support: Vec<u64>,
    /// LPs solved (cache misses).
    lps: usize,
    /// `Among`: buffers of the branch and bound.
    scratch: Scratch,
}

impl<'a> Worker<'a> {
    fn new(prep: &'a LoglinearReplicates<'a>) -> Self {
        let t = prep.table.lists();
        let mut fitter = Fitter::new(t, prep.table.counts());
        fitter.trust_divergence = true;
        Self {
            prep,
            fitter,
            codes: HashMap::new(),
            support: Vec::new(),
            lps: 0,
            scratch: Scratch::new(t),
        }
    }

    fn label(&self, terms: &[u32]) -> String {
        Model::from_terms(self.prep.table.lists(), terms.iter().copied())
            .label(self.prep.table.names())
    }
}

impl Replicator for Worker<'_> {
    fn lp_solved(&self) -> usize {
        self.lps
    }

    fn estimate(&mut self, counts: &[u64]) -> Result<ReplicateEstimate> {
        self.fitter.load(counts);
        // Support pattern as bits.
        self.support.clear();
        self.support.resize(counts.len().div_ceil(64), 0);
        for (h, &c) in counts.iter().enumerate() {
            if c > 0 {
                self.support[h / 64] |= 1 << (h % 64);
            }
        }
        let t = self.fitter.lists();
        let support = &self.support;
        let codes = &mut self.codes;
        let lps = &mut self.lps;
        let mut lp = |_: &Fitter, terms: &[u32]| -> Result<u8> {
            // Look up by slice: the key is copied only when an LP is solved.
            if let Some(&c) = codes.get(support.as_slice()).and_then(|m| m.get(terms)) {
                return Ok(c);
            }
            // The code depends only on the support: check the 0/1 table so the cached value is
            // a function of the key alone.
            let ind: Vec<u64> = (0..1usize << t)
                .map(|h| u64::from(support[h / 64] >> (h % 64) & 1 == 1))
                .collect();
            let c = check_uncertified(t, &ind, terms)?.code;
            *lps += 1;
            codes
                .entry(support.clone())
                .or_default()
                .insert(terms.to_vec(), c);
            Ok(c)
        };
        let f = &mut self.fitter;
        let prep = self.prep;
        let (estimate, terms): (Option<f64>, Option<Vec<u32>>) = match &prep.refit {
            Refit::Fixed(m) => (
                f.assess(m.terms(), None, &mut lp)?.fit.map(|q| q.estimate),
                None,
            ),
            Refit::Stepwise(p) => match stepwise_run(
                f,
                &StepwiseOptions {
                    threshold: *p,
                    trace: false,
                },
                &mut lp,
            ) {
                Ok(r) => (Some(r.fit.estimate), Some(r.terms)),
                Err(e) if e.is_no_estimate() => (None, None),
                Err(e) => return Err(e),
            },
            Refit::AicStepwise(p) => match aic_stepwise_run(f, *p, false, &mut lp) {
                Ok(r) => (Some(r.fit.estimate), Some(r.terms)),
                Err(e) if e.is_no_estimate() => (None, None),
                Err(e) => return Err(e),
            },
            Refit::Among(criterion, models) => {
                let penalty = criterion.penalty(f.observed());
                match best_among(f, models, &prep.among, penalty, &mut self.scratch, &mut lp)? {
                    Some((e, i)) => (Some(e), Some(models[i].terms().to_vec())),
                    None => (None, None),
                }
            }
        };
        Ok(ReplicateEstimate {
            estimate,
            model: terms.map(|terms| self.label(&terms)),
        })
    }
}
