//! Log-linear methods as [`Estimator`]s: a fixed hierarchical model, or the model chosen by a
//! selection rule (stepwise, AIC-stepwise, BIC or AIC over all models, `auto`), or the best
//! by BIC/AIC among given models; Wald and profile intervals; re-selection in every
//! bootstrap replicate.

mod interval;
mod replicate;

pub use interval::{profile, wald, ProfileOptions};

use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::estimators::{
    unsupported_interval, Detail, Estimator, FailureContext, IntervalMethod, ModelInterval,
    PointEstimate, Replicates,
};
use crate::loglinear::{check, fit, Criterion, Existence, Fit, FitOptions, Model};
use crate::numeric::Level;
use crate::selection::{mse_default_ntop, select, Rule, SelectOptions, Selection};
use replicate::{LoglinearReplicates, Refit};
use serde::Serialize;

/// How the model is chosen, as a user states it (before the table is known).
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSpec {
    /// A model specification, parsed against the table's list names: `main`, `[12,3]`
    /// (≤ 9 lists), `LA*NG + NG*PF`, `LA:NG,NG:PF`.
    Model(String),
    /// A selection rule.
    Select(SelectOptions),
    /// The best model by a criterion among these.
    Among(Criterion, Vec<Model>),
}

/// Options of a log-linear method.
#[derive(Debug, Clone, PartialEq)]
pub struct LoglinearOptions {
    /// The model or how to choose it (default: `main`, the independence model).
    pub model: ModelSpec,
    /// Fitting options.
    pub fit: FitOptions,
    /// BIC/AIC rules: the bootstrap re-selects among the top `ntop` models of the data's
    /// ranking (default: MultipleSystemsEstimation's, [`mse_default_ntop`]).
    pub ntop: Option<usize>,
    /// Profile interval: the upper limit is sought up to this multiple of `N̂` (default 3).
    pub profile_upper_factor: f64,
}

impl Default for LoglinearOptions {
    fn default() -> Self {
        Self {
            model: ModelSpec::Model("main".into()),
            fit: FitOptions::default(),
            ntop: None,
            profile_upper_factor: 3.0,
        }
    }
}

impl LoglinearOptions {
    /// Check the options.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for invalid fit or selection options, `ntop = 0`, an upper
    /// factor not above 1, or `ntop` with a rule that does not rank models.
    pub fn validate(&self) -> Result<()> {
        self.fit.validate()?;
        if let ModelSpec::Select(s) = &self.model {
            s.validate()?;
        }
        if self.ntop == Some(0) {
            return Err(Error::InvalidOption {
                name: "ntop",
                value: "0".into(),
                problem: "re-select among at least one model".into(),
            });
        }
        ProfileOptions {
            upper_factor: self.profile_upper_factor,
            ..ProfileOptions::default()
        }
        .validate()
    }

    /// The method for `table` (the model specification parsed against its list names).
    ///
    /// # Errors
    /// [`Error::ModelSyntax`] for a model that does not parse.
    pub fn build(&self, table: &CaptureTable) -> Result<Loglinear> {
        let choice = match &self.model {
            ModelSpec::Model(spec) => Choice::Fixed(Model::parse(spec, table.names())?),
            ModelSpec::Select(s) => Choice::Select(*s),
            ModelSpec::Among(c, models) => Choice::Among(*c, models.clone()),
        };
        Ok(Loglinear {
            choice,
            fit: self.fit.clone(),
            ntop: self.ntop,
            profile_upper_factor: self.profile_upper_factor,
        })
    }
}

/// The model, fixed or chosen.
#[derive(Debug, Clone, PartialEq)]
enum Choice {
    Fixed(Model),
    Select(SelectOptions),
    Among(Criterion, Vec<Model>),
}

/// A log-linear method: fit a fixed model, or the one a rule chooses.
#[derive(Debug, Clone, PartialEq)]
pub struct Loglinear {
    choice: Choice,
    fit: FitOptions,
    ntop: Option<usize>,
    profile_upper_factor: f64,
}

/// The log-linear results of a [`PointEstimate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoglinearDetail {
    /// The model fitted.
    #[serde(skip)]
    pub model: Model,
    /// Its existence and identifiability check.
    pub existence: Existence,
    /// The fit.
    pub fit: Fit,
    /// How the model was chosen (selection rules only): the path of the rule.
    pub selection: Option<Selection>,
}

impl Loglinear {
    fn new(choice: Choice) -> Self {
        Self {
            choice,
            fit: FitOptions::default(),
            ntop: None,
            profile_upper_factor: 3.0,
        }
    }

    /// A fixed model.
    pub fn fixed(model: Model) -> Self {
        Self::new(Choice::Fixed(model))
    }

    /// The model a selection rule chooses (re-chosen in every bootstrap replicate).
    pub fn select(opts: SelectOptions) -> Self {
        Self::new(Choice::Select(opts))
    }

    /// Stepwise selection (Chan, Silverman & Vincent 2021) with this p-value threshold.
    pub fn stepwise(threshold: f64) -> Self {
        Self::select(SelectOptions {
            threshold: Some(threshold),
            ..SelectOptions::new(Rule::Stepwise)
        })
    }

    /// AIC-stepwise selection (the UK 2014 analysis) with this Wald p-value threshold.
    pub fn aic_stepwise(threshold: f64) -> Self {
        Self::select(SelectOptions {
            threshold: Some(threshold),
            ..SelectOptions::new(Rule::AicStepwise)
        })
    }

    /// The best model by `criterion` among `models` (as MultipleSystemsEstimation's BIC
    /// bootstrap over the top models of the data's ranking).
    pub fn among(criterion: Criterion, models: Vec<Model>) -> Self {
        Self::new(Choice::Among(criterion, models))
    }

    /// Builder: the fitting options.
    pub fn with_fit(mut self, fit: FitOptions) -> Self {
        self.fit = fit;
        self
    }

    /// Builder: BIC/AIC rules re-select among the top `ntop` models in the bootstrap.
    pub fn with_ntop(mut self, ntop: Option<usize>) -> Self {
        self.ntop = ntop;
        self
    }

    /// The given models (fixed, or among which to choose) are for the table's lists and not
    /// too large to fit.
    fn check_models(&self, table: &CaptureTable) -> Result<()> {
        let models: &[Model] = match &self.choice {
            Choice::Fixed(m) => std::slice::from_ref(m),
            Choice::Among(_, models) => models,
            Choice::Select(_) => &[],
        };
        for m in models {
            if m.lists() != table.lists() {
                return Err(Error::ModelSyntax {
                    spec: m.label(table.names()),
                    problem: format!(
                        "model is for {} lists, the table has {}",
                        m.lists(),
                        table.lists()
                    ),
                });
            }
            m.check_size(table.names())?;
        }
        Ok(())
    }

    /// The model on `table` and, for a rule, how it was chosen.
    fn choose(&self, table: &CaptureTable) -> Result<(Model, Option<Selection>)> {
        self.check_models(table)?;
        match &self.choice {
            Choice::Fixed(m) => Ok((m.clone(), None)),
            Choice::Select(s) => {
                let sel = select(table, s)?;
                Ok((sel.model.clone(), Some(sel)))
            }
            Choice::Among(criterion, models) => {
                let n_obs = table.observed() as f64;
                let mut best: Option<(f64, &Model)> = None;
                for m in models {
                    match fit(table, m, &self.fit) {
                        Ok(f) => {
                            let v = criterion.value(f.log_likelihood, f.parameters, n_obs);
                            if best.is_none_or(|(b, _)| v < b) {
                                best = Some((v, m));
                            }
                        }
                        // A model without an estimate is no candidate; anything else (the LP
                        // solver failing) is an error, not a silently skipped model.
                        Err(e) if e.is_no_estimate() => {}
                        Err(e) => return Err(e),
                    }
                }
                let (_, model) = best.ok_or_else(|| Error::Undefined {
                    what: "the best model",
                    reason: format!(
                        "none of the {} models passes the existence check",
                        models.len()
                    ),
                })?;
                Ok((
                    model.clone(),
                    Some(Selection {
                        method: if *criterion == Criterion::Bic {
                            Rule::Bic
                        } else {
                            Rule::Aic
                        },
                        threshold: None,
                        model: model.clone(),
                        steps: Vec::new(),
                        models_examined: Some(models.len() as u64),
                    }),
                ))
            }
        }
    }

    fn detail(point: &PointEstimate) -> &LoglinearDetail {
        match &point.detail {
            Detail::Loglinear(d) => d,
            _ => unreachable!("a log-linear method's point estimate has log-linear detail"),
        }
    }
}

impl Estimator for Loglinear {
    fn id(&self) -> &'static str {
        "loglinear"
    }

    fn label(&self, table: &CaptureTable) -> String {
        let t = table.lists();
        match &self.choice {
            Choice::Fixed(m) => m.label(table.names()),
            Choice::Select(s) => match s.resolved(t) {
                rule @ Rule::Stepwise => format!("stepwise p={}", s.threshold_for(rule)),
                rule @ Rule::AicStepwise => format!("AIC-stepwise p={}", s.threshold_for(rule)),
                rule => format!(
                    "{} (max order {})",
                    rule.criterion().unwrap_or_default(),
                    s.max_order_for(t)
                ),
            },
            Choice::Among(c, models) => format!("{c} among {} models", models.len()),
        }
    }

    fn estimate(&self, table: &CaptureTable) -> Result<PointEstimate> {
        let (model, selection) = self.choose(table)?;
        let existence = check(table, &model)?;
        existence.require(&model.label(table.names()))?;
        let fit_opts = FitOptions {
            check_existence: false,
            ..self.fit.clone()
        };
        let f = fit(table, &model, &fit_opts)?;
        Ok(PointEstimate {
            method: self.id(),
            label: self.label(table),
            observed: table.observed(),
            estimate: f.estimate,
            dark_figure: f.dark_figure,
            std_error: Some(f.estimate_se),
            detail: Detail::Loglinear(Box::new(LoglinearDetail {
                model,
                existence,
                fit: f,
                selection,
            })),
        })
    }

    fn failure_context(&self, table: &CaptureTable) -> Result<Option<FailureContext>> {
        let ((model, selection), chosen) = match self.choose(table) {
            Ok(c) => (c, true),
            // A rule that cannot start (main effects fail) or finds no admissible model:
            // the failure is reported against the main-effects model.
            Err(e) if e.is_no_estimate() => ((Model::main_effects(table.lists()), None), false),
            Err(e) => return Err(e),
        };
        let existence = check(table, &model)?;
        Ok(Some(FailureContext {
            model,
            existence,
            selection,
            chosen,
        }))
    }

    fn default_interval(&self) -> IntervalMethod {
        match &self.choice {
            Choice::Select(s) if s.rule == Rule::AicStepwise => IntervalMethod::Profile,
            _ => IntervalMethod::Wald,
        }
    }

    fn interval(
        &self,
        table: &CaptureTable,
        point: &PointEstimate,
        method: IntervalMethod,
        level: Level,
    ) -> Result<ModelInterval> {
        let fit = &Self::detail(point).fit;
        match method {
            IntervalMethod::Wald => Ok(wald(fit, level).into()),
            IntervalMethod::Profile => Ok(profile(
                table,
                fit,
                &ProfileOptions {
                    level,
                    upper_factor: self.profile_upper_factor,
                    ..ProfileOptions::default()
                },
            )?
            .into()),
            other => Err(unsupported_interval(self.id(), other)),
        }
    }

    fn replicates<'a>(
        &'a self,
        table: &'a CaptureTable,
        point: &PointEstimate,
    ) -> Result<Box<dyn Replicates + 'a>> {
        self.check_models(table)?;
        let t = table.lists();
        let refit = match &self.choice {
            Choice::Fixed(m) => Refit::Fixed(m.clone()),
            Choice::Select(s) => match s.resolved(t) {
                rule @ Rule::Stepwise => Refit::Stepwise(s.threshold_for(rule)),
                rule @ Rule::AicStepwise => Refit::AicStepwise(s.threshold_for(rule)),
                rule => {
                    let n = self.ntop.or_else(|| mse_default_ntop(t));
                    let r = s.ranking(table, rule, n)?;
                    Refit::Among(
                        rule.criterion().unwrap_or_default(),
                        r.models.iter().map(|m| m.model(t)).collect(),
                    )
                }
            },
            Choice::Among(c, models) => Refit::Among(*c, models.clone()),
        };
        let fitted = Self::detail(point).fit.fitted.clone();
        Ok(Box::new(LoglinearReplicates::new(table, refit, fitted)))
    }
}
