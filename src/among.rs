//! Re-selection among a fixed list of models (BIC or AIC among the top of the data's
//! ranking, as MultipleSystemsEstimation's bootstrap does) by branch and bound.
//!
//! Every model gets certified lower bounds on its criterion on the table (see
//! [`crate::screen`]: a cheap one, then a tight one); models are fitted exactly in increasing
//! order of the tight bound until it exceeds the best criterion found, starting from the
//! first model of the list (the data's best). A skipped model's exact criterion is above the
//! best, so the choice equals fitting all of them. Candidates are the models whose MLE exists
//! and whose fit converged without a count fitted at R's floor `ε` of the fitted means (that
//! fit's deviance is below the model's infimum, so it is no MLE). Ties go to the earlier
//! model, as in MultipleSystemsEstimation.

use crate::error::{Error, Result};
use crate::fitter::{Assessed, Fitter, Warm};
use crate::model::Model;
use crate::screen::{Screen, Target};
use crate::table::CaptureTable;

/// Criterion gap on the data beyond which a model is first tried with the cheap bound (its
/// looseness on bootstrap tables of the UK five lists: median 20 deviance units, see
/// `screen::tests`).
const CHEAP_GAP: f64 = 20.0;

/// One model fitted to the data: warm start and deviance bounds.
#[derive(Debug, Clone)]
pub(crate) struct Among {
    pub(crate) terms: Vec<u32>,
    pub(crate) beta: Vec<f64>,
    /// Deviance on the data (`NaN` if the fit failed).
    pub(crate) deviance: f64,
    pub(crate) screen: Option<Screen>,
}

/// Fit every model to the data.
pub(crate) fn among_fits(table: &CaptureTable, models: &[Model]) -> Vec<Among> {
    let mut f = Fitter::new(table.lists(), table.counts());
    models
        .iter()
        .map(|m| match f.fit(m.terms(), None) {
            Ok(q) => {
                let (t, b) = f.coefficients();
                Among {
                    terms: t.to_vec(),
                    beta: b.to_vec(),
                    deviance: q.deviance,
                    screen: Screen::from_fit(&f),
                }
            }
            Err(_) => Among {
                terms: Vec::new(),
                beta: Vec::new(),
                deviance: f64::NAN,
                screen: None,
            },
        })
        .collect()
}

/// Reused buffers of [`best_among`].
#[derive(Debug, Clone)]
pub(crate) struct Scratch {
    target: Target,
    /// (criterion lower bound, model index).
    order: Vec<(f64, usize)>,
}

impl Scratch {
    pub(crate) fn new(t: usize) -> Self {
        Self {
            target: Target::new(t),
            order: Vec::new(),
        }
    }
}

/// The estimate of the model with the smallest `deviance + penalty × parameters` among
/// `models` (fitted to the data as `among`) on the table loaded in `f`; `None` if no model
/// is a candidate. `lp` answers existence checks (see [`Fitter::assess`]).
///
/// # Errors
/// [`Error::Lp`].
pub(crate) fn best_among(
    f: &mut Fitter,
    models: &[Model],
    among: &[Among],
    penalty: f64,
    scratch: &mut Scratch,
    lp: &mut dyn FnMut(&Fitter, &[u32]) -> Result<u8>,
) -> Result<Option<f64>> {
    let Scratch { target, order } = scratch;
    target.load(f.counts());
    // Slack for rounding: in the criteria themselves, and in the bounds' sums of `y ln y`
    // and `m ln m`, which cancel to a small deviance.
    let slack = 1e-12 * target.magnitude();
    let above = |lower: f64, best: &Option<(f64, usize, f64)>| {
        best.is_some_and(|(bv, _, _)| lower > bv + 1e-9 * bv.abs().max(1.0) + slack)
    };
    let mut best: Option<(f64, usize, f64)> = None;
    let mut consider = |f: &mut Fitter, i: usize, best: &mut Option<(f64, usize, f64)>| {
        let warm = Some(Warm::Given(&among[i].terms, &among[i].beta));
        let q = match f.assess(models[i].terms(), warm, lp) {
            Ok(Assessed {
                code: 0,
                fit: Some(q),
                ..
            }) => q,
            Ok(_) => return Ok(()),
            // The MLE exists (the LP says so) but Newton did not reach it on these counts.
            Err(Error::NotConverged { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        let v = q.deviance + models[i].parameters() as f64 * penalty;
        if q.converged
            && !f.has_floored_count()
            && v.is_finite()
            && best.is_none_or(|(bv, bi, _)| v < bv || (v == bv && i < bi))
        {
            *best = Some((v, i, q.estimate));
        }
        Ok(())
    };
    debug_assert_eq!(models.len(), among.len());
    if models.is_empty() {
        return Ok(None);
    }
    consider(f, 0, &mut best)?;
    let data_best = among[0].deviance + models[0].parameters() as f64 * penalty;
    order.clear();
    for (i, (m, a)) in models.iter().zip(among).enumerate().skip(1) {
        let k = m.parameters() as f64 * penalty;
        let lower = match &a.screen {
            None => f64::NEG_INFINITY,
            Some(s) => {
                // The cheap bound is about CHEAP_GAP loose: try it only on models that far
                // behind on the data (which models get which bound changes no choice).
                if a.deviance + k > data_best + CHEAP_GAP
                    && above(s.cheap_deviance_lower_bound(f, target) + k, &best)
                {
                    continue;
                }
                s.deviance_lower_bound(f, target)
            }
        };
        let lower = if lower.is_nan() {
            f64::NEG_INFINITY
        } else {
            lower
        };
        order.push((lower + k, i));
    }
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for &(lower, i) in order.iter() {
        if above(lower, &best) {
            break;
        }
        consider(f, i, &mut best)?;
    }
    Ok(best.map(|b| b.2))
}
