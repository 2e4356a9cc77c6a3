//! AIC-stepwise selection, the rule of the UK 2014 analysis (Silverman 2014).

use super::{check_threshold, named, singular, start_failed, Candidate, Rule, Selection, Step};
use crate::data::table::{pairs, term_label, CaptureTable};
#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::loglinear::fitter::{no_cache, Fitter, Quick, Warm};
use crate::loglinear::Model;
use crate::numeric::pnorm;

/// AIC-stepwise selection of the UK 2014 analysis.
///
/// Start from main effects with `aic0` its AIC. Each cycle fits the current model plus each
/// remaining pair; if none has AIC `< aic0`, stop. Otherwise take the smallest (first on
/// ties), and if the two-sided Wald p-value `2(1 − Φ(|β̂/se|))` of its new coefficient
/// exceeds `threshold` (default 0.05), stop and keep the previous model; else accept it.
/// Candidates whose MLE does not exist are skipped (R's glm would report a point on the
/// boundary); a new coefficient fixed at −∞ has p-value 1.
///
/// # Errors
/// [`Error::NotIdentifiable`] or [`Error::MleDoesNotExist`], as the existence check says, if
/// the main-effects model fails; [`Error::Lp`].
pub fn aic_stepwise(table: &CaptureTable, threshold: f64, trace: bool) -> Result<Selection> {
    let names = table.names();
    let mut f = Fitter::new(table.lists(), table.counts());
    let run = aic_stepwise_run(&mut f, threshold, trace, &mut no_cache)?;
    Ok(Selection {
        method: Rule::AicStepwise,
        threshold: Some(threshold),
        model: Model::from_terms(table.lists(), run.terms.iter().copied()),
        steps: run
            .steps
            .into_iter()
            .map(|st| Step {
                added: st.term.map(|s| term_label(s, names, ":")),
                accepted: st.accepted,
                p_value: st.p_value,
                aic: st.aic,
                candidates: named(st.candidates, names),
            })
            .collect(),
        models_examined: None,
    })
}

/// One AIC-stepwise step on a fitter (terms by bitmask).
#[derive(Debug, Clone, PartialEq)]
pub struct AicStep {
    /// The best candidate (`None` if no candidate lowered the AIC).
    pub term: Option<u32>,
    /// Whether it was accepted.
    pub accepted: bool,
    /// Wald p-value of its coefficient.
    pub p_value: Option<f64>,
    /// AIC with it.
    pub aic: Option<f64>,
    /// Candidates (when traced).
    pub candidates: Vec<Candidate>,
}

/// Result of [`aic_stepwise_run`].
#[derive(Debug, Clone, PartialEq)]
pub struct AicStepwiseRun {
    /// Terms of the chosen model.
    pub terms: Vec<u32>,
    /// Its fit.
    pub fit: Quick,
    /// The steps.
    pub steps: Vec<AicStep>,
}

/// AIC-stepwise on a fitter's current counts (see [`aic_stepwise`]).
///
/// # Errors
/// As [`aic_stepwise`].
pub fn aic_stepwise_run(
    f: &mut Fitter,
    threshold: f64,
    trace: bool,
    lp: &mut dyn FnMut(&Fitter, &[u32]) -> Result<u8>,
) -> Result<AicStepwiseRun> {
    check_threshold(threshold)?;
    let t = f.lists();
    let mut model = Model::main_effects(t);
    let a0 = f.assess(model.terms(), None, lp)?;
    let Some(mut q) = a0.fit else {
        return Err(start_failed(f, &model));
    };
    let mut aic0 = q.aic();
    let mut steps = Vec::new();
    let mut cands = Vec::new();
    loop {
        f.snapshot();
        let mut best: Option<(usize, f64)> = None;
        cands.clear();
        for s in pairs(t).into_iter().filter(|&s| !model.contains(s)) {
            let m2 = model.with_term(s);
            let a = f.assess(m2.terms(), Some(Warm::Snapshot), lp)?;
            let aic = a.fit.map(|q| q.aic());
            if let Some(v) = aic {
                if best.is_none_or(|(_, b)| v < b) {
                    best = Some((cands.len(), v));
                }
            }
            cands.push(Candidate {
                term: s,
                name: String::new(),
                observed: None,
                expected: None,
                p_raw: None,
                aic,
                code: Some(a.code),
            });
        }
        let traced = if trace { cands.clone() } else { Vec::new() };
        let Some((bi, baic)) = best.filter(|&(_, v)| v < aic0) else {
            steps.push(AicStep {
                term: None,
                accepted: false,
                p_value: None,
                aic: best.map(|b| b.1),
                candidates: traced,
            });
            break;
        };
        let s = cands[bi].term;
        let m2 = model.with_term(s);
        let q2 = f
            .fit(m2.terms(), Some(Warm::Snapshot))
            .map_err(|_| singular(&m2))?;
        let p = match f.wald_z(s) {
            Some(z) => 2.0 * (1.0 - pnorm(z.abs())),
            None => 1.0, // the new term is fixed at −∞
        };
        let accepted = p <= threshold;
        steps.push(AicStep {
            term: Some(s),
            accepted,
            p_value: Some(p),
            aic: Some(baic),
            candidates: traced,
        });
        if !accepted {
            break;
        }
        model = m2;
        aic0 = baic;
        q = q2;
    }
    Ok(AicStepwiseRun {
        terms: model.terms().to_vec(),
        fit: q,
        steps,
    })
}
