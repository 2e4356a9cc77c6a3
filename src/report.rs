//! Machine-readable reports: the JSON objects printed by the CLI's `--json`.
//!
//! The key names are a contract with researchers' scripts (documented in README): keys are
//! only ever added, never renamed. Numbers that do not exist are `null`.

use crate::error::Error;
use crate::estimate::Estimate;
use crate::existence::Existence;
use crate::model::{term_label, Model};
use crate::table::CaptureTable;
use serde::Serialize;
use serde_json::{Map, Value};

/// `existence` object: `{code, finite, identifiable, rank, parameters}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExistenceReport {
    /// SparseMSE `checkident` code 0–3.
    pub code: u8,
    /// The MLE exists (LP optimum > 0).
    pub finite: bool,
    /// The model is identifiable.
    pub identifiable: bool,
    /// Rank of the reduced design.
    pub rank: usize,
    /// Finite parameters.
    pub parameters: usize,
}

impl From<&Existence> for ExistenceReport {
    fn from(e: &Existence) -> Self {
        Self {
            code: e.code,
            finite: e.finite,
            identifiable: e.identifiable,
            rank: e.rank,
            parameters: e.parameters,
        }
    }
}

/// `interval` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalReport {
    /// `wald`, `profile`, `bca`, `percentile`, `chapman`.
    pub method: String,
    /// Coverage level.
    pub level: f64,
    /// Lower limit.
    pub lower: Option<f64>,
    /// Upper limit (`null` when beyond the search range; see `flags`).
    pub upper: Option<f64>,
    /// Warnings about the limits.
    pub flags: Vec<String>,
    /// Profile only: the maximiser of the profile likelihood (multinomial MLE of N).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_mle: Option<f64>,
}

impl From<&crate::interval::Interval> for IntervalReport {
    fn from(i: &crate::interval::Interval) -> Self {
        Self {
            method: i.method.clone(),
            level: i.level,
            lower: i.lower.filter(|x| x.is_finite()),
            upper: i.upper.filter(|x| x.is_finite()),
            flags: i.flags.clone(),
            profile_mle: None,
        }
    }
}

/// The keys that open the JSON of `estimate` and `check`: the data and the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelHeader {
    /// List names.
    pub lists: Vec<String>,
    /// Observed cases `n_obs`.
    pub observed: u64,
    /// Canonical `[..]` notation (≤ 9 lists), else `null`.
    pub model: Option<String>,
    /// Name-based form, e.g. `LA*NG + NG*PF` (`main` for main effects).
    pub model_names: String,
    /// Every interaction term, as `A:B` / `A:B:C`.
    pub terms: Vec<String>,
    /// Terms fixed at −∞.
    pub infinite_terms: Vec<String>,
    /// Existence and identifiability.
    pub existence: ExistenceReport,
}

impl ModelHeader {
    /// Header for `model` on `table`, with the existence check if it ran.
    pub fn new(table: &CaptureTable, model: &Model, existence: Option<&Existence>) -> Self {
        let names = table.names();
        let label = |s: u32| term_label(s, names, ":");
        Self {
            lists: names.to_vec(),
            observed: table.observed(),
            model: model.notation(),
            model_names: model.describe(names),
            terms: model.interactions().map(label).collect(),
            infinite_terms: existence.map_or_else(Vec::new, |e| {
                e.infinite_terms.iter().map(|&s| label(s)).collect()
            }),
            existence: existence.map_or(
                ExistenceReport {
                    code: 0,
                    finite: true,
                    identifiable: true,
                    rank: 0,
                    parameters: model.parameters(),
                },
                ExistenceReport::from,
            ),
        }
    }
}

/// The JSON of `darkfigure estimate`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstimateReport {
    /// `lists`, `observed`, `model`, `model_names`, `terms`, `infinite_terms`, `existence`.
    #[serde(flatten)]
    pub header: ModelHeader,
    /// Coefficient name → estimate (`null` for −∞ terms).
    pub coefficients: Map<String, Value>,
    /// Coefficient name → standard error.
    pub standard_errors: Map<String, Value>,
    /// Residual deviance.
    pub deviance: Option<f64>,
    /// Residual df (kept cells − finite parameters).
    pub df: Option<i64>,
    /// Rcapture's df: `2^t − 1 − p`.
    pub df_full: Option<i64>,
    /// AIC (−∞ terms counted).
    pub aic: Option<f64>,
    /// BIC with `log n_obs` (−∞ terms counted).
    pub bic: Option<f64>,
    /// `exp(θ̂_∅)`.
    pub dark_figure: Option<f64>,
    /// `N̂ = n_obs + dark figure`; `null` when no estimate exists.
    pub estimate: Option<f64>,
    /// Rivest–Lévesque standard error of `N̂`.
    pub estimate_se: Option<f64>,
    /// The interval.
    pub interval: Option<IntervalReport>,
    /// IRLS iterations.
    pub iterations: Option<usize>,
    /// Why there is no estimate, when there is none.
    pub error: Option<String>,
    /// Model selection details (when a selection rule chose the model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<Value>,
    /// Bootstrap details (when a bootstrap interval was computed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<Value>,
    /// The full estimate behind the report (not serialised), e.g. for plotting.
    #[serde(skip)]
    pub detail: Option<Box<Estimate>>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn num(x: f64) -> Value {
    finite(x).map_or(Value::Null, Value::from)
}

impl EstimateReport {
    /// Report for `model` on `table` given the outcome of the estimate. When the estimate
    /// failed, `existence` is the check's result (or `None` if it did not run) and the
    /// numbers are `null`.
    pub fn new(
        table: &CaptureTable,
        model: &Model,
        outcome: &std::result::Result<Estimate, Error>,
        existence: Option<&Existence>,
    ) -> Self {
        let label = |s: u32| term_label(s, table.names(), ":");
        let mut r = Self {
            header: ModelHeader::new(table, model, existence),
            coefficients: Map::new(),
            standard_errors: Map::new(),
            deviance: None,
            df: None,
            df_full: None,
            aic: None,
            bic: None,
            dark_figure: None,
            estimate: None,
            estimate_se: None,
            interval: None,
            iterations: None,
            error: None,
            selection: None,
            bootstrap: None,
            detail: None,
        };
        match outcome {
            Ok(est) => {
                let f = &est.fit;
                r.header.existence = (&est.existence).into();
                r.header.infinite_terms = f.infinite_terms.iter().map(|&s| label(s)).collect();
                for c in &f.coefficients {
                    r.coefficients.insert(c.name.clone(), num(c.estimate));
                    r.standard_errors.insert(c.name.clone(), num(c.std_error));
                }
                r.deviance = finite(f.deviance);
                r.df = Some(f.df);
                r.df_full = Some(f.df_full);
                r.aic = finite(f.aic);
                r.bic = finite(f.bic);
                r.dark_figure = finite(f.dark_figure);
                r.estimate = finite(est.estimate);
                r.estimate_se = finite(f.estimate_se);
                let mut iv = IntervalReport::from(&est.interval);
                iv.profile_mle = est.profile.as_ref().map(|p| p.mle);
                r.interval = Some(iv);
                r.bootstrap = est.bootstrap.as_ref().map(bootstrap_json);
                r.iterations = Some(f.iterations);
            }
            Err(e) => r.error = Some(e.to_string()),
        }
        r
    }
}

/// The JSON of `darkfigure check`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// `lists`, `observed`, `model`, `model_names`, `terms`, `infinite_terms`, `existence`.
    #[serde(flatten)]
    pub header: ModelHeader,
    /// LP optimum (counts scaled to total 1); `null` if no LP was needed.
    pub lp_optimum: Option<f64>,
}

impl CheckReport {
    /// Build from a check.
    pub fn new(table: &CaptureTable, model: &Model, e: &Existence) -> Self {
        Self {
            header: ModelHeader::new(table, model, Some(e)),
            lp_optimum: e.lp_optimum,
        }
    }
}

/// Run a fixed-model estimate and build its report. Returns the report and, when there is no
/// estimate, the error (the report then has `estimate: null` and `error` set).
///
/// # Errors
/// The outer `Err` is for bad input or options (the CLI's exit status 2): an unparsable model
/// or an invalid option. A model whose MLE does not exist is *not* an outer error.
pub fn run_estimate(
    table: &CaptureTable,
    opts: &crate::estimate::EstimateOptions,
    progress: Option<&(dyn Fn(usize) + Sync)>,
) -> std::result::Result<(EstimateReport, Option<Error>), Error> {
    opts.validate()?;
    let (model, selection) = match &opts.select {
        Some(s) => match crate::select::select(table, s) {
            Ok(sel) => (sel.model.clone(), Some(sel)),
            // A selection that cannot start (main effects fail) or finds no admissible model
            // means no estimate (exit 3), reported against the main-effects model.
            Err(e) if e.is_no_estimate() => {
                let model = Model::main_effects(table.lists());
                let existence = crate::existence::check(table, &model)?;
                let outcome = Err(e);
                let report = EstimateReport::new(table, &model, &outcome, Some(&existence));
                return Ok((report, outcome.err()));
            }
            Err(e) => return Err(e),
        },
        None => (Model::parse(&opts.model, table.names())?, None),
    };
    let outcome = crate::estimate::estimate_model(table, &model, opts, progress);
    // A successful estimate carries its existence check; only a failure needs it run here.
    let existence = match &outcome {
        Ok(_) => None,
        Err(_) => Some(crate::existence::check(table, &model)?),
    };
    let mut report = EstimateReport::new(table, &model, &outcome, existence.as_ref());
    report.selection = selection.map(|s| serde_json::to_value(&s).expect("serialisable"));
    match outcome {
        Ok(est) => {
            report.detail = Some(Box::new(est));
            Ok((report, None))
        }
        Err(e) => Ok((report, Some(e))),
    }
}

/// One row of `darkfigure models --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRow {
    /// Canonical notation (≤ 9 lists) or the name-based form.
    pub model: String,
    /// Interaction terms `A:B`.
    pub terms: Vec<String>,
    /// Terms fixed at −∞.
    pub infinite_terms: Vec<String>,
    /// Existence code (0 for every ranked model).
    pub existence: u8,
    /// Residual deviance.
    pub deviance: f64,
    /// Residual df.
    pub df: i64,
    /// AIC.
    pub aic: f64,
    /// BIC.
    pub bic: f64,
    /// Population estimate.
    pub estimate: f64,
}

/// The JSON of `darkfigure models`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelsReport {
    /// List names.
    pub lists: Vec<String>,
    /// Observed cases.
    pub observed: u64,
    /// `bic` or `aic`.
    pub criterion: crate::search::Criterion,
    /// Number of models examined.
    pub count: u64,
    /// Models excluded (MLE does not exist or not identifiable).
    pub excluded: u64,
    /// The ranking, best first.
    pub models: Vec<ModelRow>,
}

impl ModelsReport {
    /// Build from a search result.
    pub fn new(table: &CaptureTable, r: &crate::search::SearchResult) -> Self {
        let names = table.names();
        let margins = table.margins();
        let models = r
            .models
            .iter()
            .map(|m| {
                let model = m.model(table.lists());
                ModelRow {
                    model: model.label(names),
                    terms: model
                        .interactions()
                        .map(|s| term_label(s, names, ":"))
                        .collect(),
                    infinite_terms: model
                        .interactions()
                        .filter(|&s| margins[s as usize] == 0)
                        .map(|s| term_label(s, names, ":"))
                        .collect(),
                    existence: m.code,
                    deviance: m.deviance,
                    df: m.df,
                    aic: m.aic,
                    bic: m.bic,
                    estimate: m.estimate,
                }
            })
            .collect();
        Self {
            lists: names.to_vec(),
            observed: table.observed(),
            criterion: r.criterion,
            count: r.examined,
            excluded: r.excluded,
            models,
        }
    }
}

/// The `bootstrap` object: `{replicates, failed, seed, kind, acceleration, z0, quantiles:
/// {level → BCa value}, percentile: {level → value}, adjusted_levels, at_extreme, lp_solved}`;
/// a replayed bootstrap has `kind` `"replay"` and `seed` null.
pub fn bootstrap_json(b: &crate::bootstrap::Bootstrap) -> Value {
    let key = |l: f64| format!("{}", (l * 1e6).round() / 1e6);
    let mut q = Map::new();
    let mut pc = Map::new();
    let mut adj = Map::new();
    let mut ext = Map::new();
    for x in &b.quantiles {
        q.insert(key(x.level), x.bca.map_or(Value::Null, Value::from));
        pc.insert(key(x.level), num(x.percentile));
        adj.insert(key(x.level), num(x.adjusted_level));
        ext.insert(key(x.level), Value::from(x.at_extreme));
    }
    serde_json::json!({
        "replicates": b.replicates.len(),
        "failed": b.failed,
        "seed": if b.replayed { Value::Null } else { Value::from(b.seed) },
        "kind": if b.replayed { Value::from("replay") } else { serde_json::to_value(b.kind).unwrap_or(Value::Null) },
        "point": b.point,
        "acceleration": num(b.acceleration),
        "z0": num(b.z0),
        "quantiles": q,
        "percentile": pc,
        "adjusted_levels": adj,
        "at_extreme": ext,
        "lp_solved": b.lp_solved,
        "replicate_estimates": b.replicates,
    })
}
