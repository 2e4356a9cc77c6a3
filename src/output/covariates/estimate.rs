//! The JSON of `estimate --covariates`.

use super::{finite, num};
use crate::error::Error;
use crate::estimators::covariates::{
    CoefficientStatus, CovariateTable, Fit, GroupTotal, Selected, StructuralZero,
};
use crate::estimators::IntervalMethod;
use crate::output::report::IntervalReport;
use crate::uncertainty::covariates::{BootStatistic, CovariateBootstrap, ModelCount, Statistic};
use serde::Serialize;
use serde_json::{Map, Value};

/// A covariate and its levels (`covariates` array).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateInfo {
    /// Column name.
    pub name: String,
    /// Levels in order (the first is the baseline).
    pub levels: Vec<String>,
    /// Ordered (`--year`, or an explicit level order): changes between consecutive levels
    /// are reported.
    pub ordered: bool,
}

/// `existence` object of a covariate model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateExistence {
    /// 0 ok, 1 the MLE does not exist, 2 the dark figure is not identified (SparseMSE's codes).
    pub code: u8,
    /// The (extended) MLE exists.
    pub finite: bool,
    /// The dark figure of every unobserved cell is identified.
    pub identifiable: bool,
    /// R's rank (estimated, `−∞` and late-aliased columns).
    pub rank: Option<usize>,
    /// Design columns.
    pub parameters: Option<usize>,
    /// Continued Newton steps certified the MLE.
    pub certified: bool,
    /// The Fienberg–Rinaldo LP optimum, when it ran.
    pub lp_optimum: Option<f64>,
    /// Unobserved cells whose mean is 0 because of a `−∞` column.
    pub zero_unobserved: usize,
}

/// One row of `by`: a level (or a pair of levels) with its totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ByRow {
    /// The level; for a pair the two levels joined by `:`.
    pub level: String,
    /// The levels, one per covariate of the group.
    pub levels: Vec<String>,
    /// Observed cases.
    pub observed: u64,
    /// Fitted unobserved cases.
    pub dark_figure: f64,
    /// `observed + dark_figure`.
    pub estimate: f64,
    /// Standard error (Rivest–Lévesque form).
    pub std_error: Option<f64>,
    /// Lower limit of the reported interval (`interval.method`).
    pub lower: Option<f64>,
    /// Upper limit.
    pub upper: Option<f64>,
    /// With a bootstrap: every kind of limit.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
}

/// All limits of a bootstrapped statistic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limits {
    /// Wald (on the log dark figure; for changes on the difference).
    pub wald_lower: Option<f64>,
    /// Wald upper.
    pub wald_upper: Option<f64>,
    /// Bootstrap percentile lower.
    pub percentile_lower: Option<f64>,
    /// Bootstrap percentile upper.
    pub percentile_upper: Option<f64>,
    /// BCa lower.
    pub bca_lower: Option<f64>,
    /// BCa upper.
    pub bca_upper: Option<f64>,
}

/// One row of `changes`: from one level of an ordered covariate to the next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRow {
    /// The earlier level.
    pub from: String,
    /// The later level.
    pub to: String,
    /// Change of the observed count.
    pub observed: i64,
    /// Change of the estimated total.
    pub change: f64,
    /// Standard error.
    pub std_error: Option<f64>,
    /// Lower limit of the reported interval.
    pub lower: Option<f64>,
    /// Upper limit.
    pub upper: Option<f64>,
    /// With a bootstrap: every kind of limit.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
}

/// One unobserved cell (`cells`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellRow {
    /// Covariate name → level.
    pub levels: Map<String, Value>,
    /// Fitted count `n̂0`.
    pub fitted: f64,
}

/// The `selection` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectionReport {
    /// The rule (`model-search`, `bic-stepwise`, …).
    pub method: String,
    /// `bic` or `aic`.
    pub criterion: &'static str,
    /// Penalty per parameter.
    pub penalty: f64,
    /// The chosen model as the rule wrote it.
    pub formula: String,
    /// Models fitted.
    pub models_examined: usize,
    /// `model-search`: the path (unrounded), R's printed table, its minima and the selected
    /// row.
    pub search: Option<crate::estimators::covariates::Search>,
    /// Stepwise rules: the accepted models.
    pub steps: Vec<crate::estimators::covariates::select::SelectStep>,
    /// Moves or models refused by the existence check.
    pub rejected: Vec<crate::estimators::covariates::select::RejectedMove>,
    /// Exhaustive rules: the best models.
    pub ranking: Vec<crate::estimators::covariates::select::RankedModel>,
}

impl From<&Selected> for SelectionReport {
    fn from(s: &Selected) -> Self {
        Self {
            method: s.rule.name().into(),
            criterion: s.criterion,
            penalty: s.penalty,
            formula: s.formula.clone(),
            models_examined: s.models_examined,
            search: s.search.clone(),
            steps: s.steps.clone(),
            rejected: s.rejected.clone(),
            ranking: s.ranking.clone(),
        }
    }
}

/// The `bootstrap` object of a covariate estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateBootstrapReport {
    /// `B`.
    pub replicates: usize,
    /// Replicates without an estimate.
    pub failed: usize,
    /// Seed.
    pub seed: u64,
    /// `nonparametric` or `parametric`.
    pub kind: crate::uncertainty::covariates::CovariateKind,
    /// The selection rule was re-run in every replicate.
    pub reselected: bool,
    /// The model was kept fixed (a fixed `--model`, or `--fixed-model-bootstrap`).
    pub fixed_model: bool,
    /// Coverage.
    pub level: f64,
    /// Parametric: the multinomial size `⌊round(N̂, 1)⌋`.
    pub draw_size: Option<u64>,
    /// Jackknife tables (BCa acceleration) and how many had no estimate.
    pub jackknife_tables: usize,
    /// Jackknife tables without an estimate.
    pub jackknife_failed: usize,
    /// The overall total: point, limits, z0 and acceleration.
    pub total: Option<BootStatistic>,
    /// Models chosen in the replicates (re-selection), most chosen first.
    pub models: Vec<ModelCount>,
    /// Fits decided by the dense engine (the rest on the lattice).
    pub dense_fits: usize,
}

/// The JSON of `darkfigure estimate --covariates`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateEstimateReport {
    /// List names.
    pub lists: Vec<String>,
    /// Observed cases.
    pub observed: u64,
    /// Covariates with their levels.
    pub covariates: Vec<CovariateInfo>,
    /// Structural zeros (`--absent`).
    pub absent: Vec<StructuralZero>,
    /// The model in R's printed form (`R1 + R2 + X1 + R1:X1`); `null` if none was chosen.
    pub model: Option<String>,
    /// The same (the key of list-only reports).
    pub model_names: Option<String>,
    /// `count ~ model`.
    pub formula: Option<String>,
    /// Term labels in R's order.
    pub terms: Vec<String>,
    /// Columns fixed at `−∞` (zero margins).
    pub infinite_terms: Vec<String>,
    /// Aliased columns (R's `NA` coefficients).
    pub aliased: Vec<String>,
    /// Existence and identification.
    pub existence: CovariateExistence,
    /// Column → estimate (`null`: `−∞` or aliased).
    pub coefficients: Map<String, Value>,
    /// Column → standard error.
    pub standard_errors: Map<String, Value>,
    /// Residual deviance.
    pub deviance: Option<f64>,
    /// R's residual df (`|O| − rank`).
    pub df: Option<i64>,
    /// Kept cells − estimated coefficients.
    pub df_reduced: Option<i64>,
    /// AIC.
    pub aic: Option<f64>,
    /// BIC (`log n`).
    pub bic: Option<f64>,
    /// Log-likelihood.
    pub log_likelihood: Option<f64>,
    /// IRLS iterations.
    pub iterations: Option<usize>,
    /// Total dark figure.
    pub dark_figure: Option<f64>,
    /// `N̂`; `null` when no estimate exists.
    pub estimate: Option<f64>,
    /// Standard error of `N̂`.
    pub estimate_se: Option<f64>,
    /// The interval of `N̂`.
    pub interval: Option<IntervalReport>,
    /// Per covariate, and per `--cross` pair (`"A:B"`), one row per level.
    pub by: Map<String, Value>,
    /// Per ordered covariate, the changes between consecutive levels.
    pub changes: Map<String, Value>,
    /// Every unobserved cell.
    pub cells: Vec<CellRow>,
    /// Why there is no estimate.
    pub error: Option<String>,
    /// With `--select`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<SelectionReport>,
    /// With `--bootstrap`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<CovariateBootstrapReport>,
    /// `loglinear`.
    pub method: &'static str,
    /// What was estimated (the model or the rule).
    pub label: String,
    /// Warnings.
    pub warnings: Vec<String>,
}

/// Which interval the rows report and the options that shape the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSettings {
    /// Wald, BCa or percentile.
    pub interval: IntervalMethod,
    /// Coverage.
    pub level: f64,
    /// Ordered covariates.
    pub ordered: Vec<String>,
    /// The model was kept fixed in the bootstrap.
    pub fixed_model: bool,
}

fn covariate_info(table: &CovariateTable, ordered: &[String]) -> Vec<CovariateInfo> {
    table
        .covariates()
        .iter()
        .map(|c| CovariateInfo {
            name: c.name.clone(),
            levels: c.levels.clone(),
            ordered: ordered.contains(&c.name),
        })
        .collect()
}

fn limits(b: Option<&BootStatistic>, wald: (Option<f64>, Option<f64>)) -> Option<Limits> {
    b.map(|b| Limits {
        wald_lower: wald.0,
        wald_upper: wald.1,
        percentile_lower: b.percentile[0],
        percentile_upper: b.percentile[1],
        bca_lower: b.bca[0],
        bca_upper: b.bca[1],
    })
}

fn chosen(
    method: IntervalMethod,
    b: Option<&BootStatistic>,
    wald: (Option<f64>, Option<f64>),
) -> (Option<f64>, Option<f64>) {
    match (method, b) {
        (IntervalMethod::Bca, Some(b)) => (b.bca[0], b.bca[1]),
        (IntervalMethod::Percentile, Some(b)) => (b.percentile[0], b.percentile[1]),
        _ => wald,
    }
}

impl CovariateEstimateReport {
    fn empty(table: &CovariateTable, settings: &ReportSettings) -> Self {
        Self {
            lists: table.list_names().to_vec(),
            observed: table.observed(),
            covariates: covariate_info(table, &settings.ordered),
            absent: table.structural_zeros().to_vec(),
            model: None,
            model_names: None,
            formula: None,
            terms: Vec::new(),
            infinite_terms: Vec::new(),
            aliased: Vec::new(),
            existence: CovariateExistence {
                code: 0,
                finite: true,
                identifiable: true,
                rank: None,
                parameters: None,
                certified: false,
                lp_optimum: None,
                zero_unobserved: 0,
            },
            coefficients: Map::new(),
            standard_errors: Map::new(),
            deviance: None,
            df: None,
            df_reduced: None,
            aic: None,
            bic: None,
            log_likelihood: None,
            iterations: None,
            dark_figure: None,
            estimate: None,
            estimate_se: None,
            interval: None,
            by: Map::new(),
            changes: Map::new(),
            cells: Vec::new(),
            error: None,
            selection: None,
            bootstrap: None,
            method: "loglinear",
            label: String::new(),
            warnings: Vec::new(),
        }
    }

    /// The report of a fit (with its selection and bootstrap, if any).
    pub fn new(
        table: &CovariateTable,
        fit: &Fit,
        selected: Option<&Selected>,
        boot: Option<&CovariateBootstrap>,
        settings: &ReportSettings,
    ) -> Self {
        let mut r = Self::empty(table, settings);
        r.model = Some(fit.formula.clone());
        r.model_names = Some(fit.formula.clone());
        r.formula = Some(format!("count ~ {}", fit.formula));
        r.terms = fit.terms.clone();
        r.infinite_terms = fit.infinite.clone();
        r.aliased = fit.aliased.clone();
        r.existence = CovariateExistence {
            code: 0,
            finite: true,
            identifiable: true,
            rank: Some(fit.rank),
            parameters: Some(fit.coefficients.len()),
            certified: fit.existence.certified,
            lp_optimum: fit.existence.lp_optimum,
            zero_unobserved: fit.existence.zero_unobserved,
        };
        for c in &fit.coefficients {
            let (e, s) = match c.status {
                CoefficientStatus::Estimated => (num(c.estimate), num(c.std_error)),
                _ => (Value::Null, Value::Null),
            };
            r.coefficients.insert(c.name.clone(), e);
            r.standard_errors.insert(c.name.clone(), s);
        }
        r.deviance = finite(fit.deviance);
        r.df = Some(fit.df);
        r.df_reduced = Some(fit.df_reduced);
        r.aic = finite(fit.aic);
        r.bic = finite(fit.bic);
        r.log_likelihood = finite(fit.log_likelihood);
        r.iterations = Some(fit.iterations);
        r.dark_figure = finite(fit.total.hidden);
        r.estimate = finite(fit.total.total);
        r.estimate_se = fit.total.std_error;
        let method = if boot.is_some() {
            settings.interval
        } else {
            IntervalMethod::Wald
        };
        let stat = |s: &Statistic| boot.and_then(|b| b.get(s));
        let total_b = stat(&Statistic::Total);
        let (lo, hi) = chosen(method, total_b, (fit.total.lower, fit.total.upper));
        let mut flags = Vec::new();
        if let Some(b) = boot {
            if b.failed > 0 {
                flags.push(format!(
                    "{} of {} replicates have no estimate (the MLE of the model does not exist or its dark figure is not identified for them); they are left out of the quantiles",
                    b.failed, b.replicates
                ));
            }
            if method == IntervalMethod::Bca && total_b.is_some_and(|t| t.acceleration.is_none()) {
                flags.push("the acceleration is undefined (a jackknife table has no estimate); BCa limits are missing".into());
            }
        }
        r.interval = Some(IntervalReport {
            method,
            level: settings.level,
            lower: lo,
            upper: hi,
            flags,
            profile_mle: None,
            calibration: None,
        });
        let row = |g: &GroupTotal, s: Statistic| -> Value {
            let b = stat(&s);
            let (lower, upper) = chosen(method, b, (g.lower, g.upper));
            serde_json::to_value(ByRow {
                level: g.levels.join(":"),
                levels: g.levels.clone(),
                observed: g.observed,
                dark_figure: g.hidden,
                estimate: g.total,
                std_error: g.std_error,
                lower,
                upper,
                limits: limits(b, (g.lower, g.upper)),
            })
            .expect("rows serialise")
        };
        for t in &fit.by_level {
            let rows: Vec<Value> = t
                .rows
                .iter()
                .map(|g| {
                    row(
                        g,
                        Statistic::Level {
                            covariate: t.covariates[0].clone(),
                            level: g.levels[0].clone(),
                        },
                    )
                })
                .collect();
            r.by.insert(t.covariates[0].clone(), Value::Array(rows));
        }
        for t in &fit.by_pair {
            let rows: Vec<Value> = t
                .rows
                .iter()
                .map(|g| {
                    row(
                        g,
                        Statistic::Pair {
                            covariates: [t.covariates[0].clone(), t.covariates[1].clone()],
                            levels: [g.levels[0].clone(), g.levels[1].clone()],
                        },
                    )
                })
                .collect();
            r.by.insert(t.covariates.join(":"), Value::Array(rows));
        }
        for ch in &fit.changes {
            let rows: Vec<Value> = ch
                .rows
                .iter()
                .map(|c| {
                    let b = stat(&Statistic::Change {
                        covariate: ch.covariate.clone(),
                        from: c.from.clone(),
                        to: c.to.clone(),
                    });
                    let (lower, upper) = chosen(method, b, (c.lower, c.upper));
                    serde_json::to_value(ChangeRow {
                        from: c.from.clone(),
                        to: c.to.clone(),
                        observed: c.observed,
                        change: c.change,
                        std_error: c.std_error,
                        lower,
                        upper,
                        limits: limits(b, (c.lower, c.upper)),
                    })
                    .expect("rows serialise")
                })
                .collect();
            r.changes.insert(ch.covariate.clone(), Value::Array(rows));
        }
        let covs = table.covariates();
        r.cells = fit
            .unobserved
            .iter()
            .map(|u| CellRow {
                levels: covs
                    .iter()
                    .zip(&u.levels)
                    .map(|(c, l)| (c.name.clone(), Value::from(l.clone())))
                    .collect(),
                fitted: u.n0,
            })
            .collect();
        r.selection = selected.map(SelectionReport::from);
        r.label = match selected {
            Some(s) => format!("{} ({})", s.rule.name(), fit.formula),
            None => fit.formula.clone(),
        };
        r.bootstrap = boot.map(|b| CovariateBootstrapReport {
            replicates: b.replicates,
            failed: b.failed,
            seed: b.seed,
            kind: b.kind,
            reselected: b.reselected,
            fixed_model: !b.reselected,
            level: b.level,
            draw_size: b.draw_size,
            jackknife_tables: b.jackknife_tables,
            jackknife_failed: b.jackknife_failed,
            total: total_b.cloned(),
            models: b.models.clone(),
            dense_fits: b.dense_fits,
        });
        let _ = settings.fixed_model;
        r
    }

    /// The report of a model without an estimate: what was chosen and why there is none.
    pub fn failure(
        table: &CovariateTable,
        model: Option<&str>,
        terms: Vec<String>,
        selected: Option<&Selected>,
        error: &Error,
        settings: &ReportSettings,
    ) -> Self {
        let mut r = Self::empty(table, settings);
        r.model = model.map(String::from);
        r.model_names = r.model.clone();
        r.formula = model.map(|m| format!("count ~ {m}"));
        r.terms = terms;
        let (code, finite, identifiable) = match error {
            Error::MleDoesNotExist { code, .. } => (*code, false, true),
            Error::NotIdentifiable { code, .. } => (*code, true, false),
            _ => (0, false, true),
        };
        r.existence.code = code;
        r.existence.finite = finite;
        r.existence.identifiable = identifiable;
        r.error = Some(error.to_string());
        r.selection = selected.map(SelectionReport::from);
        r.label = match (selected, model) {
            (Some(s), Some(m)) => format!("{} ({m})", s.rule.name()),
            (_, Some(m)) => m.to_string(),
            _ => String::new(),
        };
        r
    }
}
