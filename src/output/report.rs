//! Machine-readable reports: the JSON objects printed by the CLI's `--json`.
//!
//! The key names are a contract with researchers' scripts (documented in README): keys are
//! only ever added, never renamed. Numbers that do not exist are `null`.

use crate::data::table::{term_label, CaptureTable};
use crate::error::Error;
use crate::estimators::{Detail, Estimator, FailureContext, Interval, IntervalMethod};
use crate::loglinear::{Criterion, Existence, Model};
use crate::numeric::Level;
use crate::selection::{SearchResult, Selection};
use crate::uncertainty::{estimate_with, Bootstrap, Calibration, Estimate, EstimateOptions, Kind};
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
    /// `wald`, `profile`, `bca`, `percentile`.
    pub method: IntervalMethod,
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
    /// Calibrated only: `{target, nominal_used, nominal_se, estimated_coverage,
    /// coverage_se, reached, tables, failed, replicates, interval, truth, seed, scheme,
    /// curve, flags}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

impl From<&Interval> for IntervalReport {
    fn from(i: &Interval) -> Self {
        Self {
            method: i.method,
            level: i.level,
            lower: i.lower.filter(|x| x.is_finite()),
            upper: i.upper.filter(|x| x.is_finite()),
            flags: i.flags.clone(),
            profile_mle: None,
            calibration: None,
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

    /// Header for a method without a log-linear model (`model` null, `model_names` the
    /// method's label, no terms).
    fn without_model(table: &CaptureTable, label: &str, existence: ExistenceReport) -> Self {
        Self {
            lists: table.names().to_vec(),
            observed: table.observed(),
            model: None,
            model_names: label.to_string(),
            terms: Vec::new(),
            infinite_terms: Vec::new(),
            existence,
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
    pub selection: Option<Selection>,
    /// Bootstrap details (when a bootstrap interval was computed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<BootstrapReport>,
    /// The method (`loglinear`, `m0`, `mh-chao`, …, `petersen`, `chapman`).
    pub method: &'static str,
    /// What was estimated, for people (the model, the rule or the method's name).
    pub label: String,
    /// Warnings of the method's fit (e.g. Rcapture's).
    pub warnings: Vec<String>,
    /// Bayesian methods: the posterior of N.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posterior: Option<PosteriorReport>,
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
    fn empty(header: ModelHeader, method: &'static str, label: String) -> Self {
        Self {
            header,
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
            method,
            label,
            warnings: Vec::new(),
            posterior: None,
            detail: None,
        }
    }

    /// The report of an estimate.
    pub fn from_estimate(table: &CaptureTable, est: &Estimate) -> Self {
        let p = &est.point;
        let mut r = match &p.detail {
            Detail::Loglinear(d) => {
                let f = &d.fit;
                let mut r = Self::empty(
                    ModelHeader::new(table, &d.model, Some(&d.existence)),
                    p.method,
                    p.label.clone(),
                );
                r.header.infinite_terms = f
                    .infinite_terms
                    .iter()
                    .map(|&s| term_label(s, table.names(), ":"))
                    .collect();
                for c in &f.coefficients {
                    r.coefficients.insert(c.name.clone(), num(c.estimate));
                    r.standard_errors.insert(c.name.clone(), num(c.std_error));
                }
                r.deviance = finite(f.deviance);
                r.df = Some(f.df);
                r.df_full = Some(f.df_full);
                r.aic = finite(f.aic);
                r.bic = finite(f.bic);
                r.iterations = Some(f.iterations);
                r.selection = d.selection.clone();
                r
            }
            Detail::Rcapture(f) => {
                let existence = ExistenceReport {
                    code: if f.rank < f.coefficients.len() { 2 } else { 0 },
                    finite: true,
                    identifiable: f.rank == f.coefficients.len(),
                    rank: f.rank,
                    parameters: f.coefficients.len(),
                };
                let mut r = Self::empty(
                    ModelHeader::without_model(table, &p.label, existence),
                    p.method,
                    p.label.clone(),
                );
                for (name, b, se) in &f.coefficients {
                    r.coefficients.insert(name.clone(), num(*b));
                    r.standard_errors.insert(name.clone(), num(*se));
                }
                r.deviance = finite(f.deviance);
                r.df = Some(f.df);
                r.df_full = Some(f.df);
                r.aic = finite(f.aic);
                r.bic = finite(f.bic);
                r.iterations = Some(f.iterations);
                r.warnings = f.warnings.clone();
                r
            }
            Detail::Lcmcr(post) => {
                let mut r = Self::empty(
                    ModelHeader::without_model(table, &p.label, no_existence()),
                    p.method,
                    p.label.clone(),
                );
                r.warnings = post.warnings.clone();
                r.posterior = Some(PosteriorReport::Lcmcr(Box::new(LcmcrReport::from(&**post))));
                r
            }
            Detail::Dga(post) => {
                let mut r = Self::empty(
                    ModelHeader::without_model(table, &p.label, no_existence()),
                    p.method,
                    p.label.clone(),
                );
                r.warnings = post.warnings.clone();
                r.posterior = Some(PosteriorReport::Dga(Box::new(DgaReport::new(
                    post,
                    table.names(),
                ))));
                r
            }
            _ => Self::empty(
                ModelHeader::without_model(
                    table,
                    &p.label,
                    ExistenceReport {
                        code: 0,
                        finite: true,
                        identifiable: true,
                        rank: 0,
                        parameters: 0,
                    },
                ),
                p.method,
                p.label.clone(),
            ),
        };
        r.dark_figure = finite(p.dark_figure);
        r.estimate = finite(est.estimate);
        r.estimate_se = p.std_error.and_then(finite);
        let mut iv = IntervalReport::from(&est.interval);
        iv.profile_mle = est.profile.as_ref().map(|p| p.mle);
        iv.calibration = est.calibration.clone();
        r.interval = Some(iv);
        r.bootstrap = est.bootstrap.as_ref().map(|b| {
            BootstrapReport::new(
                b,
                table.names(),
                Level::new(est.interval.level).unwrap_or_default(),
            )
        });
        r
    }

    /// The report of a method that has no estimate for the table: what it knew (the model it
    /// tried and its existence check, the selection path) and why; the numbers are `null`.
    pub fn from_failure(
        table: &CaptureTable,
        est: &dyn Estimator,
        context: Option<&FailureContext>,
        error: &Error,
    ) -> Self {
        let header = match context {
            Some(c) => ModelHeader::new(table, &c.model, Some(&c.existence)),
            None => ModelHeader::without_model(
                table,
                &est.label(table),
                ExistenceReport {
                    code: 0,
                    finite: false,
                    identifiable: true,
                    rank: 0,
                    parameters: 0,
                },
            ),
        };
        let mut r = Self::empty(header, est.id(), est.label(table));
        r.selection = context.and_then(|c| c.selection.clone());
        r.error = Some(error.to_string());
        r
    }
}

/// The existence object of a method without a log-linear model.
fn no_existence() -> ExistenceReport {
    ExistenceReport {
        code: 0,
        finite: true,
        identifiable: true,
        rank: 0,
        parameters: 0,
    }
}

/// The `posterior` object of a Bayesian method.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PosteriorReport {
    /// LCMCR.
    Lcmcr(Box<LcmcrReport>),
    /// dga.
    Dga(Box<DgaReport>),
}

/// One of the most probable graphs of dga's average.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopGraphReport {
    /// Maximal cliques by list names, e.g. `["LA:NG", "GP"]`.
    pub cliques: Vec<String>,
    /// Separators of a junction tree by list names (a multiset; empty ones left out, so
    /// a graph with `k` components has `k − 1` fewer separators than a tree would).
    pub separators: Vec<String>,
    /// The graph as a log-linear model by list names (`LA*NG + GP`, `main`).
    pub model_names: String,
    /// Posterior probability of the graph.
    pub probability: f64,
    /// Posterior median of N given the graph.
    pub estimate: u64,
    /// Posterior mean of N given the graph (over the grid).
    pub mean: f64,
    /// Quantiles of N given the graph.
    pub quantiles: Map<String, Value>,
}

/// The `posterior` object of dga: `{mean, median, sd, quantiles, mean_finite, grid: {max,
/// points, tail_mass, pmf_at_top, …}, graphs, top_graphs, pmf, delta, warnings}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DgaReport {
    /// Posterior mean of N over the grid (infinite without truncation if `mean_finite` is
    /// false).
    pub mean: f64,
    /// Posterior median of N (the estimate).
    pub median: u64,
    /// Posterior standard deviation of N over the grid.
    pub sd: f64,
    /// Quantiles (smallest grid N reaching the level) by level.
    pub quantiles: Map<String, Value>,
    /// Whether the untruncated mean is finite.
    pub mean_finite: bool,
    /// The grid of unobserved counts used and the mass estimated beyond it.
    pub grid: crate::estimators::dga::GridReport,
    /// Number of graphs averaged over.
    pub graphs: u64,
    /// The most probable graphs.
    pub top_graphs: Vec<TopGraphReport>,
    /// The pmf of N (thinned to about 1,000 points): `[N, probability]` pairs.
    pub pmf: Vec<(u64, f64)>,
    /// δ of the hyper-Dirichlet prior.
    pub delta: f64,
    /// Warnings.
    pub warnings: Vec<String>,
}

impl DgaReport {
    /// The report of `p` on lists `names`.
    pub fn new(p: &crate::estimators::dga::DgaPosterior, names: &[String]) -> Self {
        let qmap = |qs: &[crate::estimators::dga::Quantile]| {
            let mut m = Map::new();
            for q in qs {
                m.insert(level_key(q.level), Value::from(q.n));
            }
            m
        };
        let t = names.len();
        Self {
            mean: p.mean,
            median: p.median,
            sd: p.sd,
            quantiles: qmap(&p.quantiles),
            mean_finite: p.mean_finite,
            grid: p.grid.clone(),
            graphs: p.graphs,
            top_graphs: p
                .top_graphs
                .iter()
                .map(|g| TopGraphReport {
                    cliques: g
                        .cliques
                        .iter()
                        .map(|&c| term_label(c, names, ":"))
                        .collect(),
                    separators: g
                        .separators
                        .iter()
                        .map(|&c| term_label(c, names, ":"))
                        .collect(),
                    model_names: Model::from_terms(t, g.cliques.iter().copied()).describe(names),
                    probability: g.probability,
                    estimate: g.median,
                    mean: g.mean,
                    quantiles: qmap(&g.quantiles),
                })
                .collect(),
            pmf: p.pmf.iter().map(|x| (x.n, x.probability)).collect(),
            delta: p.delta,
            warnings: p.warnings.clone(),
        }
    }
}

/// Diagnostics and pooled summary of one traced quantity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TracedReport {
    /// Pooled mean.
    pub mean: f64,
    /// Pooled median.
    pub median: f64,
    /// Pooled standard deviation.
    pub sd: f64,
    /// Pooled 2.5% quantile.
    pub q025: f64,
    /// Pooled 97.5% quantile.
    pub q975: f64,
    /// Rank-normalised split R-hat.
    pub rhat: Option<f64>,
    /// Bulk ESS.
    pub ess_bulk: Option<f64>,
    /// Tail ESS.
    pub ess_tail: Option<f64>,
}

impl From<&crate::estimators::lcmcr::ParamSummary> for TracedReport {
    fn from(p: &crate::estimators::lcmcr::ParamSummary) -> Self {
        Self {
            mean: p.pooled.mean,
            median: p.pooled.median,
            sd: p.pooled.sd,
            q025: p.pooled.q025,
            q975: p.pooled.q975,
            rhat: p.diagnostics.rhat,
            ess_bulk: p.diagnostics.ess_bulk,
            ess_tail: p.diagnostics.ess_tail,
        }
    }
}

/// The `posterior` object of LCMCR: `{chains, draws_per_chain, mean, median, sd,
/// quantiles: {level → value}, rhat, ess_bulk, ess_tail, per_chain, alpha, occupied_classes,
/// converged, warnings, sweeps_per_chain, classes, label_swaps, collapsed_moves}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LcmcrReport {
    /// Chains.
    pub chains: usize,
    /// Retained draws per chain.
    pub draws_per_chain: usize,
    /// Posterior mean of N.
    pub mean: f64,
    /// Posterior median of N (the estimate).
    pub median: f64,
    /// Posterior standard deviation of N.
    pub sd: f64,
    /// Pooled quantiles (R's type 7) by level.
    pub quantiles: Map<String, Value>,
    /// R-hat of N.
    pub rhat: Option<f64>,
    /// Bulk ESS of N.
    pub ess_bulk: Option<f64>,
    /// Tail ESS of N.
    pub ess_tail: Option<f64>,
    /// Per chain: mean, median, sd, q025, q975 of N.
    pub per_chain: Vec<crate::estimators::lcmcr::ChainSummary>,
    /// The Dirichlet-process concentration α.
    pub alpha: TracedReport,
    /// The number of occupied classes k*.
    pub occupied_classes: TracedReport,
    /// R-hat ≤ 1.01 and bulk ESS ≥ 400 for N.
    pub converged: bool,
    /// What failed, with the values.
    pub warnings: Vec<String>,
    /// Sweeps per chain (warm-up and burn-in included).
    pub sweeps_per_chain: u64,
    /// The truncation K.
    pub classes: usize,
    /// Whether label-swap moves were added to LCMCR's Gibbs sweep.
    pub label_swaps: bool,
    /// Whether the collapsed moves of each class's λ and ν were added.
    pub collapsed_moves: bool,
}

impl From<&crate::estimators::lcmcr::LcmcrPosterior> for LcmcrReport {
    fn from(p: &crate::estimators::lcmcr::LcmcrPosterior) -> Self {
        let mut q = Map::new();
        for x in &p.quantiles {
            q.insert(level_key(x.prob), num(x.value));
        }
        Self {
            chains: p.chains,
            draws_per_chain: p.draws_per_chain,
            mean: p.mean,
            median: p.median,
            sd: p.sd,
            quantiles: q,
            rhat: p.diagnostics.rhat,
            ess_bulk: p.diagnostics.ess_bulk,
            ess_tail: p.diagnostics.ess_tail,
            per_chain: p.per_chain.clone(),
            alpha: (&p.alpha).into(),
            occupied_classes: (&p.k_star).into(),
            converged: p.converged,
            warnings: p.warnings.clone(),
            sweeps_per_chain: p.sweeps_per_chain,
            classes: p.options.classes,
            label_swaps: p.options.label_swaps,
            collapsed_moves: p.options.collapsed_moves,
        }
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
    /// Warnings about the input.
    pub warnings: Vec<String>,
}

impl CheckReport {
    /// Build from a check.
    pub fn new(table: &CaptureTable, model: &Model, e: &Existence) -> Self {
        Self {
            header: ModelHeader::new(table, model, Some(e)),
            lp_optimum: e.lp_optimum,
            warnings: Vec::new(),
        }
    }
}

/// Run an estimate and build its report. Returns the report and, when there is no
/// estimate, the error (the report then has `estimate: null` and `error` set).
///
/// # Errors
/// The outer `Err` is for bad input or options (the CLI's exit status 2): an unparsable model
/// or an invalid option. A model whose MLE does not exist is *not* an outer error.
pub fn run_estimate(
    table: &CaptureTable,
    opts: &EstimateOptions,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> std::result::Result<(EstimateReport, Option<Error>), Error> {
    opts.validate()?;
    let est = opts.method.build(table)?;
    match estimate_with(table, &*est, opts, progress) {
        Ok(e) => {
            let mut report = EstimateReport::from_estimate(table, &e);
            report.detail = Some(Box::new(e));
            Ok((report, None))
        }
        Err(e) if e.is_no_estimate() => {
            let context = est.failure_context(table)?;
            let report = EstimateReport::from_failure(table, &*est, context.as_ref(), &e);
            Ok((report, Some(e)))
        }
        Err(e) => Err(e),
    }
}

/// One row of `darkfigure models --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRow {
    /// Canonical notation (≤ 9 lists) or the name-based form.
    pub model: String,
    /// The name-based form (`LA*NG + NG*PF`, `main`).
    pub model_names: String,
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
    pub criterion: Criterion,
    /// Number of models examined.
    pub count: u64,
    /// Models excluded (MLE does not exist or not identifiable).
    pub excluded: u64,
    /// The ranking, best first.
    pub models: Vec<ModelRow>,
    /// Warnings about the input.
    pub warnings: Vec<String>,
}

impl ModelsReport {
    /// Build from a search result.
    pub fn new(table: &CaptureTable, r: &SearchResult) -> Self {
        let names = table.names();
        let margins = table.margins();
        let models = r
            .models
            .iter()
            .map(|m| {
                let model = m.model(table.lists());
                ModelRow {
                    model: model.label(names),
                    model_names: model.describe(names),
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
            warnings: Vec::new(),
        }
    }
}

/// The `bootstrap` object: `{replicates, failed, seed, kind, point, acceleration, z0,
/// quantiles: {level → BCa value}, percentile: {level → value}, adjusted_levels, at_extreme,
/// lp_solved, replicate_estimates}`; a replayed bootstrap has `kind` `"replay"` and `seed`
/// null. Level keys are the level rounded to 6 decimals (`"0.025"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootstrapReport {
    /// `B`.
    pub replicates: usize,
    /// Replicates without an estimate.
    pub failed: usize,
    /// Seed (`null` when replayed).
    pub seed: Option<u64>,
    /// `nonparametric`, `parametric` or `replay`.
    pub kind: &'static str,
    /// The estimate on the data.
    pub point: f64,
    /// Acceleration `â`.
    pub acceleration: Option<f64>,
    /// Bias correction `z0`.
    pub z0: Option<f64>,
    /// BCa limits by level.
    pub quantiles: Map<String, Value>,
    /// Percentile limits by level.
    pub percentile: Map<String, Value>,
    /// BCa-adjusted levels by level.
    pub adjusted_levels: Map<String, Value>,
    /// Whether each BCa limit is set by the smallest or largest replicate.
    pub at_extreme: Map<String, Value>,
    /// Existence LPs solved.
    pub lp_solved: usize,
    /// Every replicate's estimate (`null`: none exists).
    pub replicate_estimates: Vec<Option<f64>>,
    /// The models chosen in the replicates (selection rules), most chosen first.
    pub models: Vec<ModelShareReport>,
    /// Warnings about the bootstrap interval (bias correction, acceleration, limits at the
    /// ends or in the middle of the replicates).
    pub warnings: Vec<String>,
}

/// One model chosen in the replicates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelShareReport {
    /// The model, as printed.
    pub model: String,
    /// By list names.
    pub model_names: String,
    /// Replicates that chose it.
    pub replicates: usize,
    /// Their share of all replicates.
    pub share: f64,
    /// The median estimate of those replicates.
    pub median: f64,
}

/// A bootstrap level as a JSON key: rounded to 6 decimals, shortest form (`"0.025"`).
pub fn level_key(l: f64) -> String {
    format!("{}", (l * 1e6).round() / 1e6)
}

impl BootstrapReport {
    /// The report of `b` on lists `names`, with the warnings of an interval at `level`.
    pub fn new(b: &Bootstrap, names: &[String], level: Level) -> Self {
        let mut q = Map::new();
        let mut pc = Map::new();
        let mut adj = Map::new();
        let mut ext = Map::new();
        for x in &b.quantiles {
            let k = level_key(x.level);
            q.insert(k.clone(), x.bca.map_or(Value::Null, Value::from));
            pc.insert(k.clone(), num(x.percentile));
            adj.insert(k.clone(), num(x.adjusted_level));
            ext.insert(k, Value::from(x.at_extreme));
        }
        Self {
            replicates: b.replicates.len(),
            failed: b.failed,
            seed: (!b.replayed).then_some(b.seed),
            kind: if b.replayed {
                "replay"
            } else {
                match b.kind {
                    Kind::Nonparametric => "nonparametric",
                    Kind::Parametric => "parametric",
                }
            },
            point: b.point,
            acceleration: finite(b.acceleration),
            z0: finite(b.z0),
            quantiles: q,
            percentile: pc,
            adjusted_levels: adj,
            at_extreme: ext,
            lp_solved: b.lp_solved,
            replicate_estimates: b.replicates.clone(),
            models: b
                .model_shares()
                .into_iter()
                .map(|m| ModelShareReport {
                    model_names: Model::parse(&m.model, names)
                        .map_or_else(|_| m.model.clone(), |x| x.describe(names)),
                    model: m.model,
                    replicates: m.replicates,
                    share: m.share,
                    median: m.median,
                })
                .collect(),
            warnings: b.warnings(level),
        }
    }
}

/// What makes a published number reproducible, added to every JSON object of the CLI: the
/// version, the options as resolved (defaults included) and the SHA-256 of the table
/// ([`input_sha256`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// `darkfigure`'s version.
    pub darkfigure_version: &'static str,
    /// The options as resolved.
    pub options: Value,
    /// SHA-256 of the table as `darkfigure convert` writes it.
    pub input_sha256: String,
}

impl Provenance {
    /// Provenance of a report on `table` made with `options`.
    pub fn new(table: &CaptureTable, options: Value) -> Self {
        Self {
            darkfigure_version: env!("CARGO_PKG_VERSION"),
            options,
            input_sha256: input_sha256(table),
        }
    }
}

/// A report with its [`Provenance`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stamped<'a, T: Serialize> {
    /// The report.
    #[serde(flatten)]
    pub report: &'a T,
    /// Version, options, input hash.
    #[serde(flatten)]
    pub provenance: &'a Provenance,
}

/// SHA-256 (hex) of the table as a frequency CSV in canonical order — the bytes of
/// `darkfigure convert FILE`, so `darkfigure convert FILE | sha256sum` reproduces it. The
/// same lists in the same order give the same hash whatever the input layout.
pub fn input_sha256(table: &CaptureTable) -> String {
    use sha2::{Digest, Sha256};
    let mut buf = Vec::new();
    crate::data::io::write_frequency_csv(table, &mut buf, "<hash>")
        .expect("writing to memory does not fail");
    Sha256::digest(&buf)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
