//! Model selection: the rules that choose a hierarchical log-linear model for a table.
//!
//! * [`stepwise`] — Chan, Silverman & Vincent (2021), SparseMSE `stepwisefit` /
//!   MultipleSystemsEstimation `estimate_population_stepwise`: add the pair whose observed
//!   overlap is least compatible with the current model.
//! * [`aic_stepwise`] — the UK 2014 analysis (Silverman 2014; Bales, Hesketh & Silverman 2015):
//!   add the pair that lowers AIC most, while its Wald p-value stays below a threshold.
//! * [`search`] — exhaustive BIC/AIC ranking of every hierarchical model up to an order
//!   (MultipleSystemsEstimation `estimate_population_bic`, Rcapture `closedpMS.t`).
//! * `among` and `screen` — re-selection among a fixed list of models (the BIC/AIC bootstrap)
//!   by branch and bound on certified deviance bounds.
//!
//! The forward rules start from the main-effects model and consider pairs in the order
//! (1,2), (1,3), …, (1,t), (2,3), … ; ties go to the first pair in that order.
//!
//! Imports [`crate::loglinear`], [`crate::data`] and [`crate::numeric`] only.

pub(crate) mod aic_stepwise;
pub(crate) mod among;
pub(crate) mod screen;
pub mod search;
pub(crate) mod stepwise;

pub use aic_stepwise::aic_stepwise;
pub use search::{count_models, search, RankedModel, SearchOptions, SearchResult};
pub use stepwise::{poisson_tail, stepwise, StepwiseOptions};

use crate::data::table::{term_label, CaptureTable};
use crate::error::{Error, Result};
use crate::loglinear::{Criterion, Model};
use serde::Serialize;

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
    /// The rule applied (`auto` resolved): serialised `stepwise`, `aic-stepwise`, `bic`, `aic`.
    pub method: Rule,
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

fn check_threshold(p: f64) -> Result<()> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(Error::InvalidOption {
            name: "threshold",
            value: p.to_string(),
            problem: "must be between 0 and 1".into(),
        })
    }
}

/// The error of a forward rule whose starting model (main effects) has no fit: the full
/// existence check (rank and LP) says why, so that the message and the code agree —
/// not identifiable (code 2 or 3), or the MLE does not exist (code 1). A model that passes
/// the check but could not be fitted is reported as such.
fn start_failed(f: &crate::loglinear::fitter::Fitter, model: &Model) -> Error {
    let name = model.notation().unwrap_or_else(|| "main".into());
    match f.check(model.terms()) {
        Ok(ex) => match ex.require(&name) {
            Err(e) => e,
            Ok(()) => Error::Undefined {
                what: "the starting model of the selection",
                reason: format!(
                    "the main-effects model {name} passes the existence check (code 0) but its fit failed (singular information)"
                ),
            },
        },
        Err(e) => e,
    }
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

/// A model-selection rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

impl Rule {
    /// The rule's name as written on the command line and in JSON (`aic-stepwise`).
    pub fn name(self) -> &'static str {
        match self {
            Rule::Stepwise => "stepwise",
            Rule::AicStepwise => "aic-stepwise",
            Rule::Bic => "bic",
            Rule::Aic => "aic",
            Rule::Auto => "auto",
        }
    }

    /// The criterion of an exhaustive rule (`bic`, `aic`); `None` for the forward rules and
    /// `auto`.
    pub fn criterion(self) -> Option<Criterion> {
        match self {
            Rule::Bic => Some(Criterion::Bic),
            Rule::Aic => Some(Criterion::Aic),
            _ => None,
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
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

/// MultipleSystemsEstimation's default number of top models re-selected in the BIC
/// bootstrap: all for ≤ 3 lists, 20 for 4, 100 for 5 or more.
pub fn mse_default_ntop(t: usize) -> Option<usize> {
    match t {
        0..=3 => None,
        4 => Some(20),
        _ => Some(100),
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
    /// BIC/AIC: the largest model space searched (default 10,000,000).
    pub limit: Option<u64>,
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
            limit: None,
            trace: false,
        }
    }

    /// Check the options.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for a threshold outside `[0, 1]` or a maximum order of 0.
    pub fn validate(&self) -> Result<()> {
        if let Some(p) = self.threshold {
            check_threshold(p)?;
        }
        if self.max_order == Some(0) {
            return Err(Error::InvalidOption {
                name: "max_order",
                value: "0".into(),
                problem: "the smallest order is 1 (main effects)".into(),
            });
        }
        Ok(())
    }

    /// The maximum order of the BIC/AIC rules for `t` lists: the one set, else
    /// [`mse_default_order`].
    pub fn max_order_for(&self, t: usize) -> usize {
        self.max_order.unwrap_or_else(|| mse_default_order(t))
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
    /// As [`search()`].
    pub(crate) fn ranking(
        &self,
        table: &CaptureTable,
        rule: Rule,
        n: Option<usize>,
    ) -> Result<SearchResult> {
        let criterion = rule.criterion().unwrap_or_default();
        search(
            table,
            &SearchOptions {
                max_order: Some(self.max_order_for(table.lists())),
                limit: self.limit.unwrap_or(SearchOptions::default().limit),
                criterion,
                top: n,
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
/// use darkfigure::{datasets, selection::{select, Rule, SelectOptions}};
/// let s = select(&datasets::korea(), &SelectOptions::new(Rule::Auto)).unwrap();
/// assert_eq!(s.method, Rule::Bic);
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
                method: rule,
                threshold: None,
                model: best.model(t),
                steps: Vec::new(),
                models_examined: Some(r.examined),
            })
        }
        Rule::Auto => unreachable!("resolved"),
    }
}
