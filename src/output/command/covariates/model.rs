//! The model or rule of a run, its totals and ordered covariates, and its options as
//! resolved (the `options` key).

use super::{covariates_json, no_effect, split_once, CovariateLoaded};
use crate::error::{Error, Result};
use crate::estimators::covariates::{
    CovariateTable, Formula, ModelChoice, Pairs, Poly, SelectOptions, SelectRule,
};
use crate::estimators::IntervalMethod;
use crate::output::covariates::ReportSettings;
use crate::uncertainty::covariates::{CovariateBootstrapOptions, CovariateKind};
use serde_json::{json, Value};

/// The model and totals shared by `estimate` and `report`.
pub(super) struct ModelRequest<'a> {
    pub(super) model: Option<&'a str>,
    pub(super) select: Option<&'a str>,
    pub(super) limit: Option<u64>,
    pub(super) year: Option<&'a String>,
    pub(super) degree_year: Option<usize>,
    pub(super) cross: &'a [String],
    pub(super) fixed_model_bootstrap: bool,
}

/// The ordered covariates: `year`, then those with an explicit level order, in the table's
/// covariate order.
pub(super) fn ordered(loaded: &CovariateLoaded, year: Option<&String>) -> Result<Vec<String>> {
    let covs = loaded.table.covariates();
    if let Some(y) = year {
        if !covs.iter().any(|c| c.name == *y) {
            return Err(Error::InvalidOption {
                name: "year",
                value: y.clone(),
                problem: format!(
                    "not one of the covariates {:?}",
                    covs.iter().map(|c| c.name.as_str()).collect::<Vec<_>>()
                ),
            });
        }
    }
    Ok(covs
        .iter()
        .map(|c| c.name.clone())
        .filter(|n| year == Some(n) || loaded.explicit_order.contains(n))
        .collect())
}

pub(super) fn pairs(table: &CovariateTable, cross: &[String]) -> Result<Pairs> {
    if cross.is_empty() {
        return Ok(Pairs::None);
    }
    let mut v = Vec::new();
    for c in cross {
        let (a, b) = split_once(c, ':', "pairs", "A:B, two covariates (e.g. year:expl)")?;
        for n in [a, b] {
            if !table.covariates().iter().any(|x| x.name == n) {
                return Err(Error::InvalidOption {
                    name: "pairs",
                    value: c.clone(),
                    problem: format!("'{n}' is not one of the covariates"),
                });
            }
        }
        v.push((a.to_string(), b.to_string()));
    }
    Ok(Pairs::These(v))
}

impl ModelRequest<'_> {
    /// The model: `select` (a rule), `model` (a fixed formula; `main` is every main effect),
    /// or every main effect.
    pub(super) fn choice(&self, table: &CovariateTable) -> Result<ModelChoice> {
        let degree = match (self.year, self.degree_year) {
            (Some(y), Some(d)) => Some((y.clone(), d)),
            (None, Some(d)) => {
                return Err(no_effect(
                    "degree_year",
                    d.to_string(),
                    "it codes the `year` covariate, and none is named".into(),
                ))
            }
            _ => None,
        };
        if let Some(rule) = self.select {
            let rule: SelectRule = rule.parse()?;
            let mut options = SelectOptions::new(rule);
            options.degree_year = degree;
            if let Some(l) = self.limit {
                if !matches!(rule, SelectRule::Bic | SelectRule::Aic) {
                    return Err(no_effect(
                        "limit",
                        l.to_string(),
                        format!(
                            "it bounds the exhaustive rules bic and aic; `select` {rule} is stepwise"
                        ),
                    ));
                }
                options = options.limit(l);
            }
            return Ok(ModelChoice::Select {
                options,
                fixed_model: self.fixed_model_bootstrap,
            });
        }
        if let Some(l) = self.limit {
            return Err(no_effect(
                "limit",
                l.to_string(),
                "it bounds the exhaustive rules of `select`".into(),
            ));
        }
        let text = match self.model {
            None | Some("main") => ".",
            Some(m) => m,
        };
        let terms = Formula::parse(text)?.terms(table)?;
        let poly = match degree {
            None => None,
            Some((y, d)) => {
                let j = table
                    .covariates()
                    .iter()
                    .position(|c| c.name == y)
                    .ok_or_else(|| Error::InvalidOption {
                        name: "year",
                        value: y.clone(),
                        problem: "not a covariate".into(),
                    })?;
                Some(Poly::new(table, j, d)?)
            }
        };
        Ok(ModelChoice::Fixed { terms, poly })
    }

    /// The options of a run as resolved, for the `options` key.
    pub(super) fn options_json(
        &self,
        loaded: &CovariateLoaded,
        choice: &ModelChoice,
        ordered: &[String],
        interval: IntervalMethod,
        level: f64,
        boot: Option<&CovariateBootstrapOptions>,
    ) -> Value {
        let table = &loaded.table;
        let (model, select) = match choice {
            ModelChoice::Fixed { terms, .. } => (Some(terms.formula()), None),
            ModelChoice::Select { options, .. } => (
                None,
                Some(json!({
                    "rule": options.rule.name(),
                    "limit": matches!(options.rule, SelectRule::Bic | SelectRule::Aic).then_some(options.limit),
                    "tolerance": options.tolerance,
                    "max_iterations": options.max_iterations,
                })),
            ),
        };
        json!({
            "method": "loglinear",
            "covariates": covariates_json(table),
            "absent": table.structural_zeros(),
            "missing": loaded.missing.as_deref().unwrap_or("error"),
            "model": model,
            "select": select,
            "year": self.year,
            "degree_year": self.degree_year,
            "ordered": ordered,
            "cross": self.cross,
            "interval": Some(interval.name()),
            "level": level,
            "bootstrap": boot.map(|b| json!({
                "replicates": b.replicates,
                "seed": b.seed,
                "kind": match b.kind { CovariateKind::Parametric => "parametric", CovariateKind::Nonparametric => "nonparametric" },
                "reselect": matches!(choice, ModelChoice::Select { fixed_model: false, .. }),
            })),
            "lists": table.list_names(),
        })
    }
}

pub(super) fn settings(
    choice: &ModelChoice,
    interval: IntervalMethod,
    level: f64,
    ordered: &[String],
) -> ReportSettings {
    ReportSettings {
        interval,
        level,
        ordered: ordered.to_vec(),
        fixed_model: !matches!(
            choice,
            ModelChoice::Select {
                fixed_model: false,
                ..
            }
        ),
    }
}
