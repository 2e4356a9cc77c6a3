//! The stepwise rule of Chan, Silverman & Vincent (2021): add the pair whose observed overlap
//! is least compatible (smallest Poisson tail probability) with the current model, while
//! that probability is below the threshold and the model's MLE exists.

use super::{check_threshold, named, singular, start_failed, Candidate, Rule, Selection, Step};
use crate::data::table::{pairs, superset_sums, term_label, CaptureTable};
#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::loglinear::fitter::{no_cache, Fitter, Quick, Warm};
use crate::loglinear::Model;
use statrs::distribution::{DiscreteCDF, Poisson};

/// `min(P(X ≤ n), P(X ≥ n))` for `X ~ Poisson(λ)` (the smaller tail, not doubled).
pub fn poisson_tail(n: u64, lambda: f64) -> f64 {
    if !(lambda > 0.0) {
        return if n == 0 { 1.0 } else { 0.0 };
    }
    let d = Poisson::new(lambda).expect("positive rate");
    let lower = d.cdf(n);
    let upper = if n == 0 { 1.0 } else { d.sf(n - 1) };
    lower.min(upper)
}

/// Options of the stepwise rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepwiseOptions {
    /// Stop when the smallest p-value is ≥ this (default 0.02).
    pub threshold: f64,
    /// Record every candidate of every step.
    pub trace: bool,
}

impl Default for StepwiseOptions {
    fn default() -> Self {
        Self {
            threshold: 0.02,
            trace: false,
        }
    }
}

/// Result of a stepwise run on a [`Fitter`]: the terms chosen, the final fit, the trace.
#[derive(Debug, Clone, PartialEq)]
pub struct StepwiseRun {
    /// Terms of the chosen model (sorted, intercept first).
    pub terms: Vec<u32>,
    /// Its fit.
    pub fit: Quick,
    /// Steps (with candidates if traced); terms named by bitmask only.
    pub steps: Vec<(Option<u32>, Option<f64>, Vec<Candidate>)>,
}

/// Stepwise selection on a fitter's current counts (the bootstrap's entry point).
///
/// Candidates are checked for existence in order of p-value until one passes (the fit,
/// warm-started from the current model, certifies existence where it can; `lp` answers the
/// rest — pass [`no_cache`] or a caching closure). The candidate that passes is
/// then already fitted and becomes the current model.
///
/// # Errors
/// [`Error::NotIdentifiable`] or [`Error::MleDoesNotExist`], as the existence check says, if
/// the main-effects model fails (SparseMSE does not check it and prints a meaningless
/// number); [`Error::Lp`].
pub fn stepwise_run(
    f: &mut Fitter,
    opts: &StepwiseOptions,
    lp: &mut dyn FnMut(&Fitter, &[u32]) -> Result<u8>,
) -> Result<StepwiseRun> {
    check_threshold(opts.threshold)?;
    let t = f.lists();
    let mut model = Model::main_effects(t);
    let start = f.assess(model.terms(), None, lp)?;
    let Some(mut q) = start.fit else {
        return Err(start_failed(f, &model));
    };
    let all = pairs(t);
    let mut steps = Vec::new();
    if opts.threshold == 0.0 {
        return Ok(StepwiseRun {
            terms: model.terms().to_vec(),
            fit: q,
            steps,
        });
    }
    if opts.threshold == 1.0 {
        let full = Model::from_terms(t, all.iter().copied());
        f.snapshot();
        if let Some(qf) = f.assess(full.terms(), Some(Warm::Snapshot), lp)?.fit {
            return Ok(StepwiseRun {
                terms: full.terms().to_vec(),
                fit: qf,
                steps,
            });
        }
        // Otherwise the ordinary loop (SparseMSE).
        q = f.fit(model.terms(), None).map_err(|_| singular(&model))?;
    }
    let mut lam = vec![0.0; 1 << t];
    let mut cands: Vec<Candidate> = Vec::with_capacity(all.len());
    let mut order: Vec<usize> = Vec::with_capacity(all.len());
    loop {
        // Expected overlaps under the current fit: superset sums of μ.
        lam.copy_from_slice(f.mu());
        lam[0] = 0.0;
        superset_sums(&mut lam, t);
        f.snapshot();
        cands.clear();
        cands.extend(
            all.iter()
                .copied()
                .filter(|&s| !model.contains(s))
                .map(|s| {
                    let n = f.margin(s);
                    Candidate {
                        term: s,
                        name: String::new(),
                        observed: Some(n),
                        expected: Some(lam[s as usize]),
                        p_raw: Some(poisson_tail(n, lam[s as usize])),
                        aic: None,
                        code: None,
                    }
                }),
        );
        if cands.is_empty() {
            break;
        }
        // Check candidates in order of p-value (stable: ties keep candidate order) until one
        // passes; its p-value is the minimum of the p-values used (failing ones count as 1).
        order.clear();
        order.extend(0..cands.len());
        order.sort_by(|&a, &b| {
            cands[a]
                .p_raw
                .partial_cmp(&cands[b].p_raw)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut chosen: Option<(usize, Quick)> = None;
        let mut last_assessed = None;
        for &i in &order {
            if cands[i].p_raw.unwrap_or(1.0) >= opts.threshold && !opts.trace {
                break;
            }
            let m2 = model.with_term(cands[i].term);
            let a = f.assess(m2.terms(), Some(Warm::Snapshot), lp)?;
            last_assessed = Some(i);
            cands[i].code = Some(a.code);
            if chosen.is_none() {
                if let Some(q2) = a.fit {
                    chosen = Some((i, q2));
                    if !opts.trace {
                        break;
                    }
                }
            }
        }
        let pick = chosen.filter(|&(i, _)| cands[i].p_raw.unwrap_or(1.0) < opts.threshold);
        let trace = if opts.trace {
            cands.clone()
        } else {
            Vec::new()
        };
        match pick {
            None => {
                // Record the smallest p-value used, the one that failed the threshold.
                let p = chosen
                    .map(|c| c.0)
                    .or(order.first().copied())
                    .and_then(|i| cands[i].p_raw);
                steps.push((None, p, trace));
                break;
            }
            Some((i, q2)) => {
                let s = cands[i].term;
                let m2 = model.with_term(s);
                q = if last_assessed == Some(i) {
                    q2
                } else {
                    // Traced: another candidate was fitted after this one.
                    f.fit(m2.terms(), Some(Warm::Snapshot))
                        .map_err(|_| singular(&m2))?
                };
                steps.push((Some(s), cands[i].p_raw, trace));
                model = m2;
            }
        }
    }
    Ok(StepwiseRun {
        terms: model.terms().to_vec(),
        fit: q,
        steps,
    })
}

/// Stepwise selection (Chan, Silverman & Vincent 2021) on a table.
///
/// # Errors
/// As [`stepwise_run`].
///
/// # Example
/// ```
/// use darkfigure::{datasets, selection::{stepwise, StepwiseOptions}};
/// let s = stepwise(&datasets::uk_2013(), &StepwiseOptions::default()).unwrap();
/// assert_eq!(s.model.notation().unwrap(), "[12,13,24,25,35,36,45]");
/// ```
pub fn stepwise(table: &CaptureTable, opts: &StepwiseOptions) -> Result<Selection> {
    let mut f = Fitter::new(table.lists(), table.counts());
    let run = stepwise_run(&mut f, opts, &mut no_cache)?;
    let names = table.names();
    Ok(Selection {
        method: Rule::Stepwise,
        threshold: Some(opts.threshold),
        model: Model::from_terms(table.lists(), run.terms.iter().copied()),
        steps: run
            .steps
            .into_iter()
            .map(|(s, p, c)| Step {
                accepted: s.is_some(),
                added: s.map(|s| term_label(s, names, ":")),
                p_value: p,
                aic: None,
                candidates: named(c, names),
            })
            .collect(),
        models_examined: None,
    })
}
