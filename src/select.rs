//! Forward model selection over pairwise interactions.
//!
//! * [`stepwise`] — Chan, Silverman & Vincent (2021), SparseMSE `stepwisefit` /
//!   MultipleSystemsEstimation `estimate_population_stepwise`: add the pair whose observed
//!   overlap is least compatible with the current model.
//! * [`aic_stepwise`] — the UK 2014 analysis (Silverman 2014; Bales, Hesketh & Silverman 2015):
//!   add the pair that lowers AIC most, while its Wald p-value stays below a threshold.
//!
//! Both start from the main-effects model and consider pairs in the order
//! (1,2), (1,3), …, (1,t), (2,3), … ; ties go to the first pair in that order.

use crate::error::{Error, Result};
use crate::fitter::{Fitter, Quick, Warm};
use crate::interval::pnorm;
use crate::model::{term_label, Model};
use crate::table::CaptureTable;
use serde::Serialize;
use statrs::distribution::{DiscreteCDF, Poisson};

/// Pairs of `t` lists in candidate order (1,2), (1,3), …, (1,t), (2,3), …
pub fn pairs(t: usize) -> Vec<u32> {
    let mut v = Vec::new();
    for i in 0..t {
        for j in i + 1..t {
            v.push((1u32 << i) | (1u32 << j));
        }
    }
    v
}

/// One candidate pair in one step of a selection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The pair (bitmask).
    #[serde(skip)]
    pub term: u32,
    /// `A:B`.
    pub name: String,
    /// Stepwise: observed overlap `n*`.
    pub observed: Option<u64>,
    /// Stepwise: expected overlap `λ*` under the current model.
    pub expected: Option<f64>,
    /// Stepwise: the smaller Poisson tail probability of `n*` (before the existence rule).
    pub p_raw: Option<f64>,
    /// AIC-stepwise: AIC of the current model plus this pair.
    pub aic: Option<f64>,
    /// Existence code of the model with this pair (`None` if not needed to decide).
    pub code: Option<u8>,
}

/// One step of a forward selection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The pair added (or, in a final AIC-stepwise step, rejected), `A:B`; `None` for a
    /// final step in which no candidate qualified.
    pub added: Option<String>,
    /// Whether the pair entered the model.
    pub accepted: bool,
    /// Stepwise: its p-value. AIC-stepwise: the Wald p-value of its coefficient.
    pub p_value: Option<f64>,
    /// AIC-stepwise: AIC after adding it.
    pub aic: Option<f64>,
    /// Every candidate considered in this step (when a trace was requested).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
}

/// A selected model and how it was chosen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selection {
    /// `stepwise`, `aic-stepwise`, `bic`, `aic`.
    pub method: String,
    /// The threshold (p-value) used, if any.
    pub threshold: Option<f64>,
    /// The chosen model.
    #[serde(skip)]
    pub model: Model,
    /// Steps (forward rules) in order.
    pub steps: Vec<Step>,
    /// Number of models examined (exhaustive rules; `null` for the forward rules).
    pub models_examined: Option<u64>,
}

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

fn check_threshold(p: f64) -> Result<()> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(Error::InvalidOption {
            name: "pthresh",
            value: p.to_string(),
            problem: "must be between 0 and 1".into(),
        })
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
/// rest — pass [`crate::fitter::no_cache`] or a caching closure). The candidate that passes is
/// then already fitted and becomes the current model.
///
/// # Errors
/// [`Error::MleDoesNotExist`] if the main-effects model fails (SparseMSE does not check it
/// and prints a meaningless number); [`Error::Lp`].
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
        return Err(Error::MleDoesNotExist {
            model: model.notation().unwrap_or_else(|| "main".into()),
            code: start.code,
        });
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
        crate::table::superset_sums(&mut lam, t);
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

fn singular(m: &Model) -> Error {
    Error::NotIdentifiable {
        model: m.notation().unwrap_or_default(),
        code: 2,
        rank: 0,
        parameters: m.parameters(),
    }
}

fn named(mut c: Vec<Candidate>, names: &[String]) -> Vec<Candidate> {
    for x in &mut c {
        x.name = term_label(x.term, names, ":");
    }
    c
}

/// Stepwise selection (Chan, Silverman & Vincent 2021) on a table.
///
/// # Errors
/// As [`stepwise_run`].
///
/// # Example
/// ```
/// use darkfigure::{datasets, select::{stepwise, StepwiseOptions}};
/// let s = stepwise(&datasets::uk_2013(), &StepwiseOptions::default()).unwrap();
/// assert_eq!(s.model.notation().unwrap(), "[12,13,24,25,35,36,45]");
/// ```
pub fn stepwise(table: &CaptureTable, opts: &StepwiseOptions) -> Result<Selection> {
    let mut f = Fitter::new(table.lists(), table.counts());
    let run = stepwise_run(&mut f, opts, &mut crate::fitter::no_cache)?;
    let names = table.names();
    Ok(Selection {
        method: "stepwise".into(),
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
/// If the main-effects model fails the existence check; [`Error::Lp`].
pub fn aic_stepwise(table: &CaptureTable, threshold: f64, trace: bool) -> Result<Selection> {
    let names = table.names();
    let mut f = Fitter::new(table.lists(), table.counts());
    let run = aic_stepwise_run(&mut f, threshold, trace, &mut crate::fitter::no_cache)?;
    Ok(Selection {
        method: "aic-stepwise".into(),
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
        return Err(Error::MleDoesNotExist {
            model: model.notation().unwrap_or_else(|| "main".into()),
            code: a0.code,
        });
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

/// A model-selection rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Stepwise p-value rule (threshold default 0.02).
    Stepwise,
    /// AIC-stepwise of the UK 2014 analysis (threshold default 0.05).
    AicStepwise,
    /// Best BIC over all hierarchical models up to a maximum order.
    Bic,
    /// Best AIC over all hierarchical models up to a maximum order.
    Aic,
    /// MultipleSystemsEstimation's `auto`: BIC for 2–5 lists (max order 1, 2, 3, 3),
    /// stepwise for 6 or more.
    Auto,
}

impl std::str::FromStr for Rule {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "stepwise" => Ok(Self::Stepwise),
            "aic-stepwise" => Ok(Self::AicStepwise),
            "bic" => Ok(Self::Bic),
            "aic" => Ok(Self::Aic),
            "auto" => Ok(Self::Auto),
            _ => Err(Error::InvalidOption {
                name: "select",
                value: s.into(),
                problem: "expected stepwise, aic-stepwise, bic, aic or auto".into(),
            }),
        }
    }
}

/// MultipleSystemsEstimation's default maximum order for BIC: 1, 2, 3, 3, 2 for 2–6 lists
/// (and 2 beyond).
pub fn mse_default_order(t: usize) -> usize {
    match t {
        0..=2 => 1,
        3 => 2,
        4 | 5 => 3,
        _ => 2,
    }
}

/// Options of [`select`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelectOptions {
    /// The rule.
    pub rule: Rule,
    /// p-value threshold (stepwise 0.02, AIC-stepwise 0.05 by default).
    pub threshold: Option<f64>,
    /// Maximum order for BIC/AIC (default [`mse_default_order`]).
    pub max_order: Option<usize>,
    /// Record every candidate of the forward rules.
    pub trace: bool,
}

impl SelectOptions {
    /// Defaults for a rule.
    pub fn new(rule: Rule) -> Self {
        Self {
            rule,
            threshold: None,
            max_order: None,
            trace: false,
        }
    }

    /// The rule actually applied to `t` lists (`auto` resolved).
    pub fn resolved(&self, t: usize) -> Rule {
        match self.rule {
            Rule::Auto if t <= 5 => Rule::Bic,
            Rule::Auto => Rule::Stepwise,
            r => r,
        }
    }

    /// The p-value threshold in force for `rule`: the one set, else 0.02 (stepwise) or 0.05
    /// (AIC-stepwise).
    pub fn threshold_for(&self, rule: Rule) -> f64 {
        self.threshold.unwrap_or(if rule == Rule::AicStepwise {
            0.05
        } else {
            0.02
        })
    }

    /// The `n` best models (all if `None`) by the criterion of a BIC/AIC `rule`, up to the
    /// maximum order in force ([`mse_default_order`] unless set).
    ///
    /// # Errors
    /// As [`crate::search::search`].
    pub(crate) fn ranking(
        &self,
        table: &CaptureTable,
        rule: Rule,
        n: Option<usize>,
    ) -> Result<crate::search::SearchResult> {
        let criterion = if rule == Rule::Aic {
            crate::search::Criterion::Aic
        } else {
            crate::search::Criterion::Bic
        };
        crate::search::search(
            table,
            &crate::search::SearchOptions {
                max_order: Some(
                    self.max_order
                        .unwrap_or_else(|| mse_default_order(table.lists())),
                ),
                criterion,
                top: n,
                ..Default::default()
            },
        )
    }
}

/// Choose a model by `opts.rule`.
///
/// # Errors
/// Invalid threshold; the main-effects model failing the existence check (forward rules);
/// a model space too large (BIC/AIC); no admissible model.
///
/// # Example
/// ```
/// use darkfigure::{datasets, select::{select, Rule, SelectOptions}};
/// let s = select(&datasets::korea(), &SelectOptions::new(Rule::Auto)).unwrap();
/// assert_eq!(s.method, "bic");
/// assert_eq!(s.model.notation().unwrap(), "[12,23]");
/// ```
pub fn select(table: &CaptureTable, opts: &SelectOptions) -> Result<Selection> {
    let t = table.lists();
    match opts.resolved(t) {
        rule @ Rule::Stepwise => stepwise(
            table,
            &StepwiseOptions {
                threshold: opts.threshold_for(rule),
                trace: opts.trace,
            },
        ),
        rule @ Rule::AicStepwise => aic_stepwise(table, opts.threshold_for(rule), opts.trace),
        rule @ (Rule::Bic | Rule::Aic) => {
            let r = opts.ranking(table, rule, Some(1))?;
            let best = r.models.first().ok_or_else(|| Error::Undefined {
                what: "the best model",
                reason: format!(
                    "none of the {} models passes the existence check",
                    r.examined
                ),
            })?;
            Ok(Selection {
                method: if rule == Rule::Bic { "bic" } else { "aic" }.into(),
                threshold: None,
                model: best.model(t),
                steps: Vec::new(),
                models_examined: Some(r.examined),
            })
        }
        Rule::Auto => unreachable!("resolved"),
    }
}
