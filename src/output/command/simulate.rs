//! `simulate`: a coverage study of an `estimate` request on tables simulated from a fit to
//! the data (the truth), by the CLI's names.

use super::{stamp, EstimateRequest, Loaded};
use crate::error::{Error, Result};
use crate::estimators::Method;
use crate::output::simulation::SimulationReport;
use crate::selection::{Rule, SelectOptions};
use crate::uncertainty::{Scheme, SimulateOptions, Simulation, Truth};
use serde::Serialize;
use serde_json::Value;

/// The options of `simulate` by the CLI's names (`None`: its default). The truth is one of
/// `model`, `select` or `method` (none: the main-effects model).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SimulateRequest {
    /// `--model`: the truth is this log-linear model's fit.
    pub model: Option<String>,
    /// `--select`: the truth is the fit of the model this rule chooses.
    pub select: Option<Rule>,
    /// `--method`: the truth is this method's fit (an Rcapture model; `loglinear` is the
    /// main-effects model).
    pub method: Option<String>,
    /// `--pthresh`: the truth's rule's threshold.
    pub pthresh: Option<f64>,
    /// `--max-order`: the truth's rule's maximum order (bic, aic).
    pub max_order: Option<usize>,
    /// `--tables` (default 200).
    pub tables: Option<usize>,
    /// `--seed` (default 1234): table j (1-based) is drawn from stream 2^63 + j − 1 and
    /// estimated with seed `seed + j − 1`.
    pub seed: Option<u64>,
    /// `--scheme` (default multinomial).
    pub scheme: Option<Scheme>,
    /// `--coverage-levels` (default 0.8, 0.9, 0.95).
    pub coverage_levels: Option<Vec<f64>>,
    /// The estimation studied (`--estimate`); its `seed` and `replay` must be `None`.
    pub estimate: EstimateRequest,
    /// The `--estimate` text as given on the command line, for the provenance.
    pub estimate_text: Option<String>,
    /// Its words, as split.
    pub estimate_words: Option<Vec<String>>,
}

/// A coverage study as the CLI reports it.
#[derive(Debug)]
pub struct SimulationRun {
    /// The report (the JSON's body).
    pub report: SimulationReport,
    /// The study itself (every table's result).
    pub simulation: Simulation,
    /// The truth the tables were drawn from.
    pub truth: Truth,
    /// The options as resolved.
    pub options: Value,
    /// The label of the method studied.
    pub method: String,
}

impl SimulationRun {
    /// The JSON object the CLI prints.
    pub fn json(&self, loaded: &Loaded) -> Value {
        stamp(&self.report, &loaded.table, self.options.clone())
    }
}

#[derive(Serialize)]
struct TruthSettings<'a> {
    model: Option<&'a str>,
    select: Option<Rule>,
    threshold: Option<f64>,
    max_order: Option<usize>,
    method: Option<&'a str>,
}

#[derive(Serialize)]
struct Settings<'a> {
    truth: TruthSettings<'a>,
    tables: usize,
    seed: u64,
    scheme: Scheme,
    coverage_levels: &'a [f64],
    estimate: Option<&'a str>,
    estimate_words: Option<&'a [String]>,
    lists: &'a [String],
}

impl SimulateRequest {
    /// The simulation's options, checked.
    ///
    /// # Errors
    /// No tables, levels outside (0, 1).
    pub fn options(&self) -> Result<SimulateOptions> {
        let d = SimulateOptions::default();
        let o = SimulateOptions {
            tables: self.tables.unwrap_or(d.tables),
            seed: self.seed.unwrap_or(d.seed),
            scheme: self.scheme.unwrap_or(d.scheme),
            levels: self.coverage_levels.clone().unwrap_or(d.levels),
        };
        o.validate()?;
        Ok(o)
    }

    /// The truth's method.
    ///
    /// # Errors
    /// More than one of `model`, `select`, `method`; a method without fitted cell means; a
    /// rule's option without `select`.
    pub fn truth_method(&self) -> Result<Method> {
        let given = [
            self.model.is_some(),
            self.select.is_some(),
            self.method.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(Error::InvalidOption {
                name: "model",
                value: "more than one truth".into(),
                problem: "give one of `model`, `select` or `method` as the truth".into(),
            });
        }
        if self.select.is_none() {
            for (name, set) in [
                ("pthresh", self.pthresh.is_some()),
                ("max_order", self.max_order.is_some()),
            ] {
                if set {
                    return Err(super::no_effect(
                        name,
                        "given".into(),
                        "it is an option of the truth's selection rule, and `select` is not given"
                            .into(),
                    ));
                }
            }
        }
        Ok(match (&self.model, self.select, &self.method) {
            (Some(spec), _, _) => Method::model(spec),
            (None, Some(rule), _) => Method::select(SelectOptions {
                rule,
                threshold: self.pthresh,
                max_order: self.max_order,
                limit: None,
                trace: false,
            }),
            (None, None, Some(name)) => {
                let m: Method = name.parse()?;
                if matches!(
                    m,
                    Method::Lcmcr(_) | Method::Dga(_) | Method::LincolnPetersen | Method::Chapman
                ) {
                    return Err(Error::InvalidOption {
                        name: "method",
                        value: name.clone(),
                        problem: "the truth is a model's fitted cell means, which this method does not have; take a log-linear or Rcapture model (`model`, `select`, or `method` m0, mth-chao, …)".into(),
                    });
                }
                m
            }
            (None, None, None) => Method::default(),
        })
    }
}

/// Run `simulate` as the CLI does. `progress` receives the number of tables done.
///
/// # Errors
/// Bad options, a truth that cannot be fitted (CLI exit status 2 or 3).
pub fn simulate(
    loaded: &Loaded,
    req: &SimulateRequest,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<SimulationRun> {
    let table = &loaded.table;
    for (name, set, why) in [
        (
            "seed",
            req.estimate.seed.is_some(),
            "the simulation seeds table j with its `seed` + j − 1",
        ),
        (
            "replay",
            req.estimate.replay.is_some(),
            "replayed resamples belong to the data, not to simulated tables",
        ),
    ] {
        if set {
            return Err(Error::InvalidOption {
                name,
                value: "given in the estimate studied".into(),
                problem: format!("it has no place in the estimate studied: {why}"),
            });
        }
    }
    let opts = req.estimate.options(table.lists())?;
    let sim_opts = req.options()?;
    let truth_method = req.truth_method()?;
    truth_method.validate()?;
    let truth = Truth::fit(table, &*truth_method.build(table)?)?;
    let est = opts.method.build(table)?;
    let simulation = crate::uncertainty::simulate(&truth, &*est, &opts, &sim_opts, progress)?;
    let method = est.label(table);
    let mut report = SimulationReport::new(
        &simulation,
        method.clone(),
        Some(opts.interval_method(&*est)),
    );
    report
        .warnings
        .splice(0..0, loaded.warnings.iter().cloned());
    let settings = Settings {
        truth: TruthSettings {
            model: req.model.as_deref(),
            select: req.select,
            threshold: req.pthresh,
            max_order: req.max_order,
            method: req.method.as_deref(),
        },
        tables: sim_opts.tables,
        seed: sim_opts.seed,
        scheme: sim_opts.scheme,
        coverage_levels: &sim_opts.levels,
        estimate: req.estimate_text.as_deref(),
        estimate_words: req.estimate_words.as_deref(),
        lists: table.names(),
    };
    let options = serde_json::to_value(settings).expect("settings serialise");
    Ok(SimulationRun {
        report,
        simulation,
        truth,
        options,
        method,
    })
}
