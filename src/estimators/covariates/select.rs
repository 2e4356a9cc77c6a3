//! Model-selection rules for covariate tables.
//!
//! Every rule chooses among the models made of the main effects of every variable (lists and
//! covariates, always present) and any set of two-way terms — list×list, list×covariate and
//! covariate×covariate (R's `. ^ 2`). All these models are hierarchical. With `degree_year`
//! one covariate enters as orthogonal polynomial columns ([`super::Poly`]) in every model.
//!
//! * [`Rule::ModelSearch`] — `mse::model_search` exactly ([`super::model_search`]): three
//!   `step()` runs (penalty `log n`, then 2, then 1), the selected model the first with the
//!   smallest rounded BIC on the path. Like R it does not check existence: a path may pass
//!   through models whose MLE does not exist (westeros rows 30–33, N̂ ≈ 5·10⁹); if the
//!   *selected* model has none, the estimate is reported as not existing.
//! * [`Rule::BicStepwise`], [`Rule::AicStepwise`] — one `step()` run in both directions
//!   from the main effects, with penalty `k = log n` or `k = 2` on `−2ℓ + k·rank` (R's
//!   `extractAIC`): drop candidates are the two-way terms of the model, add candidates the
//!   two-way terms not in it; each candidate is scored as `step()` scores it, candidates
//!   that change no rank are ignored, and the best (ties: drops before adds, each in term
//!   order) is taken if its criterion is below the current one by more than `1e-7` **and**
//!   its extended MLE exists with an identified dark figure ([`super::existence`]). A move
//!   refused by that check is recorded in `rejected`, its term is not offered again in the
//!   run (a larger model cannot regain existence), and the next best move is tried. The run
//!   ends when no admissible move lowers the criterion.
//! * [`Rule::Bic`], [`Rule::Aic`] — exhaustive: every one of the `2^m` models (`m` two-way
//!   terms with columns) is fitted, when `2^m` is at most [`SelectOptions::limit`] (default 4,096; an
//!   error says so otherwise), and the admissible model with the smallest criterion is chosen
//!   (models are checked for existence from the best down).
//!
//! The fits inside the rules use R's `glm` settings (`ε = 1e-8`, 25 iterations).

use super::design::Poly;
use super::fast::FastFitter;
use super::formula::Terms;
use super::lattice::Work;
use super::search::{mse_path, Engine, Fitted, Phase, Search, SearchOptions, Space, Step};
use super::table::CovariateTable;
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;

/// A selection rule for covariate models (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// `mse::model_search`.
    ModelSearch,
    /// Stepwise in both directions by BIC, existence checked.
    BicStepwise,
    /// Stepwise in both directions by AIC, existence checked.
    AicStepwise,
    /// Exhaustive by BIC.
    Bic,
    /// Exhaustive by AIC.
    Aic,
}

impl Rule {
    /// Every rule's name.
    pub const NAMES: [&'static str; 5] =
        ["model-search", "bic-stepwise", "aic-stepwise", "bic", "aic"];

    /// The rule's name as written on the command line (`bic-stepwise`).
    pub fn name(self) -> &'static str {
        match self {
            Rule::ModelSearch => "model-search",
            Rule::BicStepwise => "bic-stepwise",
            Rule::AicStepwise => "aic-stepwise",
            Rule::Bic => "bic",
            Rule::Aic => "aic",
        }
    }

    /// The criterion the rule minimises (`bic` or `aic`; the model search selects by BIC).
    pub fn criterion(self) -> &'static str {
        match self {
            Rule::AicStepwise | Rule::Aic => "aic",
            _ => "bic",
        }
    }
}

impl std::str::FromStr for Rule {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "model-search" => Rule::ModelSearch,
            "bic-stepwise" => Rule::BicStepwise,
            "aic-stepwise" => Rule::AicStepwise,
            "bic" => Rule::Bic,
            "aic" => Rule::Aic,
            _ => {
                return Err(Error::InvalidOption {
                    name: "select",
                    value: s.into(),
                    problem: format!(
                        "with covariates, expected one of {}",
                        Rule::NAMES.join(", ")
                    ),
                })
            }
        })
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Options of [`select`].
#[derive(Debug, Clone, PartialEq)]
pub struct SelectOptions {
    /// The rule.
    pub rule: Rule,
    /// `degree_year`: code this covariate by orthogonal polynomials of this degree.
    pub degree_year: Option<(String, usize)>,
    /// Exhaustive rules: the most models to fit (default 4,096).
    pub limit: u64,
    /// IRLS tolerance (R's `glm` default `1e-8`).
    pub tolerance: f64,
    /// IRLS iteration limit (R's default 25).
    pub max_iterations: usize,
}

impl SelectOptions {
    /// The rule with R's `glm` settings.
    pub fn new(rule: Rule) -> Self {
        Self {
            rule,
            degree_year: None,
            limit: 4096,
            tolerance: 1e-8,
            max_iterations: 25,
        }
    }

    /// Builder: polynomial coding of one covariate.
    pub fn degree_year(mut self, covariate: impl Into<String>, degree: usize) -> Self {
        self.degree_year = Some((covariate.into(), degree));
        self
    }

    /// Builder: the limit of the exhaustive rules.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = limit;
        self
    }

    fn search_options(&self) -> SearchOptions {
        SearchOptions {
            degree_year: self.degree_year.clone(),
            tolerance: self.tolerance,
            max_iterations: self.max_iterations,
            ..SearchOptions::default()
        }
    }
}

/// One accepted model of a stepwise rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectStep {
    /// The move (`+ X1:X4`, `- R1:Y`; empty for the start).
    pub step: String,
    /// The model (`Freq ~ …`).
    pub formula: String,
    /// `−2ℓ + k·rank`.
    pub criterion: f64,
    /// Residual deviance.
    pub deviance: f64,
    /// Rank.
    pub rank: usize,
    /// `N̂`: the sum of the fitted means over observable and unobserved cells.
    pub estimate: f64,
}

/// A move or model refused because its extended MLE does not exist or its dark figure is not
/// identified.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectedMove {
    /// Accepted models before it (1 = offered to the start model).
    pub after: usize,
    /// The move or the model.
    pub what: String,
}

/// One model of an exhaustive ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedModel {
    /// The model (`Freq ~ …`).
    pub formula: String,
    /// `−2ℓ + k·rank`.
    pub criterion: f64,
    /// Residual deviance.
    pub deviance: f64,
    /// Rank.
    pub rank: usize,
    /// Sum of the fitted means.
    pub estimate: f64,
    /// `Some(true)`: checked and admissible; `Some(false)`: checked and rejected; `None`:
    /// not checked (ranked below the chosen model).
    pub admissible: Option<bool>,
}

/// The result of [`select`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selected {
    /// The rule.
    pub rule: Rule,
    /// The criterion (`bic` or `aic`) and its penalty per parameter.
    pub criterion: &'static str,
    /// Penalty `k` (`log n` or 2).
    pub penalty: f64,
    /// The chosen model's terms in R's order.
    pub terms: Terms,
    /// The chosen model, `Freq ~ …` as the rule wrote it.
    pub formula: String,
    /// The polynomial coding of the year, if asked for.
    #[serde(skip)]
    pub poly: Option<Poly>,
    /// The model search's table ([`Rule::ModelSearch`]).
    pub search: Option<Search>,
    /// The stepwise path.
    pub steps: Vec<SelectStep>,
    /// Moves or models refused by the existence check.
    pub rejected: Vec<RejectedMove>,
    /// The exhaustive ranking (best 20).
    pub ranking: Vec<RankedModel>,
    /// Models fitted.
    pub models_examined: usize,
    /// The chosen model as term indices of the candidate space.
    #[serde(skip)]
    pub(crate) model: Vec<usize>,
}

/// What a run of a rule on the data leaves for the replicates' runs.
#[derive(Debug, Clone)]
pub(crate) struct DataRun {
    /// The start model fitted to the data.
    start: Fitted,
    /// The steps of the search ([`Engine::recording`]).
    steps: Vec<Step>,
}

/// A rule prepared on one table layout, to be run on the data and on replicate tables.
#[derive(Debug, Clone)]
pub(crate) struct Selector {
    pub(crate) space: Space,
    opts: SelectOptions,
    search_opts: SearchOptions,
    /// The start model fitted to the data (warm start of replicate searches).
    start: Option<Fitted>,
    /// The steps of the search on the data (their candidate fits start a replicate's).
    steps: Vec<Step>,
}

impl Selector {
    /// Prepare `opts` on `table`.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for bad options or an exhaustive space over the limit.
    pub(crate) fn new(table: &CovariateTable, opts: &SelectOptions) -> Result<Self> {
        let search_opts = opts.search_options();
        search_opts.validate()?;
        let space = Space::new(table, opts.degree_year.as_ref())?;
        let m = (0..space.terms.len())
            .filter(|&t| !space.mains.contains(&t) && !space.groups[t].is_empty())
            .count();
        if matches!(opts.rule, Rule::Bic | Rule::Aic) {
            let count = 1u128 << m.min(127);
            if count > u128::from(opts.limit) {
                return Err(Error::InvalidOption {
                    name: "select",
                    value: opts.rule.name().into(),
                    problem: format!(
                        "an exhaustive search over the {m} two-way terms fits 2^{m} = {count} models, more than `limit` {}; use bic-stepwise, aic-stepwise or model-search, or raise `limit`",
                        opts.limit
                    ),
                });
            }
        }
        Ok(Self {
            space,
            opts: opts.clone(),
            search_opts,
            start: None,
            steps: Vec::new(),
        })
    }

    /// A fitter of this space for `table`'s layout (the existence checks).
    pub(crate) fn fitter<'a>(&'a self, table: &'a CovariateTable) -> FastFitter<'a> {
        FastFitter::new(
            table,
            &self.space.terms,
            &self.space.columns,
            self.space.poly.as_ref(),
            self.space.lattice.clone(),
            self.opts.tolerance,
            self.opts.max_iterations,
        )
    }

    /// Run the rule on the data (`table`'s own counts): the full report, and the start model
    /// and the search's steps (for [`Selector::set_start`]).
    pub(crate) fn run_data(&self, table: &CovariateTable) -> Result<(Selected, DataRun)> {
        let engine = Engine::new(&self.space, table.counts(), &self.search_opts, false).recording();
        let mut ff = self.fitter(table);
        let counts = table.counts();
        let rule = self.opts.rule;
        let penalty = match rule.criterion() {
            "aic" => 2.0,
            _ => engine.log_n,
        };
        let mut out = Selected {
            rule,
            criterion: rule.criterion(),
            penalty,
            terms: self.space.terms.clone(),
            formula: String::new(),
            poly: self.space.poly.clone(),
            search: None,
            steps: Vec::new(),
            rejected: Vec::new(),
            ranking: Vec::new(),
            models_examined: 0,
            model: Vec::new(),
        };
        let mut ws = Work::default();
        let start = engine.fit(self.space.mains.clone(), None, &mut ws)?;
        match rule {
            Rule::ModelSearch => {
                let (search, model) = mse_path(&engine, None)?;
                out.models_examined = search.candidate_fits + search.models.len();
                out.search = Some(search);
                out.model = model;
            }
            Rule::BicStepwise | Rule::AicStepwise => {
                let mut path = vec![(start.clone(), String::new(), Phase::Start)];
                let mut fits = 0;
                let mut rejected = Vec::new();
                let mut admit =
                    |m: &[usize], c: &[usize], b: &[f64]| admissible(&mut ff, counts, m, c, b);
                let mains = self.space.mains.clone();
                let end = engine.run(
                    start.clone(),
                    &mains,
                    penalty,
                    Phase::Bic,
                    &mut path,
                    &mut fits,
                    &mut admit,
                    &mut rejected,
                    &mut None,
                )?;
                out.models_examined = fits + path.len();
                out.steps = path
                    .iter()
                    .map(|(f, step, _)| SelectStep {
                        step: step.clone(),
                        formula: engine.formula(&f.model),
                        criterion: f.criterion(penalty),
                        deviance: f.fit.deviance,
                        rank: f.rank(),
                        estimate: f.fit.nhat,
                    })
                    .collect();
                out.rejected = rejected
                    .into_iter()
                    .map(|r| RejectedMove {
                        after: r.at,
                        what: r.term,
                    })
                    .collect();
                out.model = end.model;
            }
            Rule::Bic | Rule::Aic => {
                let fits = exhaustive(&engine, penalty)?;
                out.models_examined = fits.len();
                let mut order: Vec<usize> = (0..fits.len()).collect();
                order.sort_by(|&a, &b| fits[a].1.total_cmp(&fits[b].1));
                let mut chosen = None;
                let mut checked: Vec<(usize, bool)> = Vec::new();
                for &i in &order {
                    let f = &fits[i].0;
                    let ok = admissible(&mut ff, counts, &f.model, &f.cols, &f.fit.beta)?;
                    checked.push((i, ok));
                    if ok {
                        chosen = Some(i);
                        break;
                    }
                    out.rejected.push(RejectedMove {
                        after: 0,
                        what: engine.formula(&f.model),
                    });
                }
                let chosen = chosen.ok_or_else(|| Error::MleDoesNotExist {
                    model: format!("every one of the {} models", fits.len()),
                    code: 1,
                })?;
                out.ranking = order
                    .iter()
                    .take(20.max(checked.len()))
                    .map(|&i| {
                        let (f, c) = &fits[i];
                        RankedModel {
                            formula: engine.formula(&f.model),
                            criterion: *c,
                            deviance: f.fit.deviance,
                            rank: f.rank(),
                            estimate: f.fit.nhat,
                            admissible: checked.iter().find(|x| x.0 == i).map(|x| x.1),
                        }
                    })
                    .collect();
                out.model = fits[chosen].0.model.clone();
            }
        }
        out.formula = engine.formula(&out.model);
        out.terms = self.space.terms.subset(&out.model);
        let steps = engine.into_steps();
        Ok((out, DataRun { start, steps }))
    }

    /// Warm-start replicate searches from the run on the data.
    pub(crate) fn set_start(&mut self, run: DataRun) {
        self.start = Some(run.start);
        self.steps = run.steps;
    }

    /// Run the rule on replicate counts (warm-started from the data's start model): the
    /// chosen model's term indices.
    pub(crate) fn run_counts(&self, counts: &[u64], ff: &mut FastFitter<'_>) -> Result<Vec<usize>> {
        let engine =
            Engine::new(&self.space, counts, &self.search_opts, true).with_data_steps(&self.steps);
        let rule = self.opts.rule;
        let mut ws = Work::default();
        let start = engine.fit(self.space.mains.clone(), self.start.as_ref(), &mut ws)?;
        let penalty = match rule.criterion() {
            "aic" => 2.0,
            _ => engine.log_n,
        };
        Ok(match rule {
            Rule::ModelSearch => mse_path(&engine, self.start.as_ref())?.1,
            Rule::BicStepwise | Rule::AicStepwise => {
                let mut path = vec![(start.clone(), String::new(), Phase::Start)];
                let (mut fits, mut rejected) = (0, Vec::new());
                let mut admit =
                    |m: &[usize], c: &[usize], b: &[f64]| admissible(ff, counts, m, c, b);
                let mains = self.space.mains.clone();
                engine
                    .run(
                        start,
                        &mains,
                        penalty,
                        Phase::Bic,
                        &mut path,
                        &mut fits,
                        &mut admit,
                        &mut rejected,
                        &mut None,
                    )?
                    .model
            }
            Rule::Bic | Rule::Aic => {
                let fits = exhaustive(&engine, penalty)?;
                let mut order: Vec<usize> = (0..fits.len()).collect();
                order.sort_by(|&a, &b| fits[a].1.total_cmp(&fits[b].1));
                let mut chosen = None;
                for i in order {
                    let f = &fits[i].0;
                    if admissible(ff, counts, &f.model, &f.cols, &f.fit.beta)? {
                        chosen = Some(f.model.clone());
                        break;
                    }
                }
                chosen.ok_or_else(|| Error::MleDoesNotExist {
                    model: format!("every one of the {} models", fits.len()),
                    code: 1,
                })?
            }
        })
    }
}

/// The existence check of the rules: the full fit of `model` on `counts`.
fn admissible(
    ff: &mut FastFitter<'_>,
    counts: &[u64],
    model: &[usize],
    cols: &[usize],
    beta: &[f64],
) -> Result<bool> {
    match ff.fit(counts, model, Some((cols, beta))) {
        Ok(_) => Ok(true),
        Err(e) if e.is_no_estimate() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Every model of the space (main effects plus any set of two-way terms), fitted in Gray-code
/// order (each from its predecessor's coefficients) in fixed chunks, with its criterion;
/// models whose fit fails are left out.
fn exhaustive(engine: &Engine<'_>, k: f64) -> Result<Vec<(Fitted, f64)>> {
    let space = engine.space;
    // Two-way terms with columns (a term of a single-level covariate has none).
    let two: Vec<usize> = (0..space.terms.len())
        .filter(|&t| !space.mains.contains(&t) && !space.groups[t].is_empty())
        .collect();
    let m = two.len();
    let total = 1usize << m;
    const CHUNK: usize = 64;
    let chunks: Vec<Vec<(Fitted, f64)>> = (0..total.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut ws = Work::default();
            let mut prev: Option<Fitted> = None;
            let mut out = Vec::new();
            for i in c * CHUNK..((c + 1) * CHUNK).min(total) {
                let g = i ^ (i >> 1);
                let mut model = space.mains.clone();
                model.extend((0..m).filter(|b| g >> b & 1 == 1).map(|b| two[b]));
                if let Ok(f) = engine.fit(model, prev.as_ref(), &mut ws) {
                    let crit = f.criterion(k);
                    out.push((f.clone(), crit));
                    prev = Some(f);
                }
            }
            out
        })
        .collect();
    Ok(chunks.into_iter().flatten().collect())
}

/// Choose a model for `table` by `opts.rule` (module docs).
///
/// # Errors
/// [`Error::InvalidOption`] for bad options or an exhaustive space over the limit;
/// [`Error::MleDoesNotExist`] if no model of an exhaustive rule is admissible; errors of the
/// fits.
///
/// # Example
/// ```
/// use darkfigure::estimators::covariates::{select, CovariateTable, SelectOptions, SelectRule, TableSpec};
/// let csv = b"A,B,C,sex,count\n1,0,0,f,30\n0,1,0,f,20\n1,1,0,f,10\n0,0,1,f,9\n1,0,1,f,4\n0,1,1,f,3\n1,1,1,f,1\n\
///             1,0,0,m,25\n0,1,0,m,30\n1,1,0,m,8\n0,0,1,m,12\n1,0,1,m,2\n0,1,1,m,6\n1,1,1,m,2\n";
/// let t = CovariateTable::parse_frequency(csv, "mem", &TableSpec::new(["sex"])).unwrap();
/// let s = select(&t, &SelectOptions::new(SelectRule::Bic)).unwrap();
/// assert_eq!(s.models_examined, 64); // 2^6 sets of the six two-way terms
/// ```
pub fn select(table: &CovariateTable, opts: &SelectOptions) -> Result<Selected> {
    Ok(Selector::new(table, opts)?.run_data(table)?.0)
}
