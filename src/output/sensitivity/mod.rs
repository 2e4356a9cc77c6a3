//! The sensitivity table an analyst publishes: one row per established method.
//!
//! Rows (three or more lists): main effects (Wald); the log-linear rules asked for — by
//! default stepwise at p = 0.02 (Chan, Silverman & Vincent 2021; Wald, and BCa with a
//! bootstrap), AIC-stepwise at 0.05 (UK 2014; profile) and best BIC (MultipleSystemsEstimation's
//! default maximum order; Wald, and BCa over the top models with a bootstrap; for six or more
//! lists whose pairwise model space is too large to search, MultipleSystemsEstimation's `auto`
//! rule, i.e. stepwise); Rcapture's closed-population models (profile intervals where Rcapture
//! offers them, else Wald); and the leave-one-list-out rows: the stepwise estimate with each
//! list omitted in turn, the robustness check every MSE study reports. Two lists:
//! Lincoln–Petersen, Chapman, the log-linear independence model and Rcapture's M0, Mt and Mb.
//! Also the Bayesian latent-class model (LCMCR; posterior median and credible interval).
//! A method without an estimate keeps its row, with the reason. Every row has a stable `id`.

use crate::data::table::{term_label, CaptureTable};
use crate::error::{Error, Result};
use crate::estimators::loglinear::Loglinear;
use crate::estimators::petersen::TwoListEstimator;
use crate::estimators::rcapture::{Rcapture, RcaptureModel};
use crate::estimators::{Estimator, IntervalMethod};
use crate::loglinear::Model;
use crate::numeric::Level;
use crate::selection::{count_models, Rule, SelectOptions};
use crate::uncertainty::{estimate_with, simulate, BootstrapOptions, EstimateOptions};
use crate::uncertainty::{Scheme, SimulateOptions, Truth};
use serde::Serialize;

mod format;

/// One method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Stable identifier of the row (`main`, `stepwise`, `stepwise-bca`, `aic-stepwise`,
    /// `bic`, `bic-bca`, `aic`, `aic-bca`, `auto`, `auto-bca`, `petersen`, `chapman`, `m0`,
    /// `mh-chao`, …, `lcmcr`, `dga`, and `omit-NAME` for the leave-one-list-out rows).
    pub id: String,
    /// Method, e.g. `stepwise p=0.02`.
    pub method: String,
    /// Model chosen, canonical (or name-based for > 9 lists).
    pub model: Option<String>,
    /// Model chosen, by list names (`LA*NG + NG*PF`).
    pub model_names: Option<String>,
    /// Point estimate.
    pub estimate: Option<f64>,
    /// Interval method (`wald`, `profile`, `bca`, …).
    pub interval: Option<IntervalMethod>,
    /// Lower limit.
    pub lower: Option<f64>,
    /// Upper limit.
    pub upper: Option<f64>,
    /// Notes: terms fixed at −∞, interval flags, why there is no estimate.
    pub notes: Vec<String>,
    /// With a coverage study: how often the row's interval covers the truth on tables
    /// simulated from the stepwise fit (`null` when not simulated).
    pub coverage: Option<f64>,
    /// Its Monte-Carlo standard error.
    pub coverage_se: Option<f64>,
}

/// The coverage study behind the `coverage` column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageInfo {
    /// Simulated tables.
    pub tables: usize,
    /// Seed of the study.
    pub seed: u64,
    /// How tables were drawn.
    pub scheme: Scheme,
    /// The true population (`round(N̂)` of the stepwise fit).
    pub truth: u64,
    /// The model behind the truth.
    pub truth_model: Option<String>,
}

/// The truth and the simulation of the coverage column.
struct Study {
    truth: Truth,
    sim: SimulateOptions,
}

impl Row {
    /// A row without an estimate, with one note saying why.
    fn without_estimate(id: impl Into<String>, method: impl Into<String>, note: String) -> Self {
        Self {
            id: id.into(),
            method: method.into(),
            model: None,
            model_names: None,
            estimate: None,
            interval: None,
            lower: None,
            upper: None,
            notes: vec![note],
            coverage: None,
            coverage_se: None,
        }
    }
}

/// Replicates and seed of the bootstrap rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BootstrapInfo {
    /// Replicates.
    pub replicates: usize,
    /// Seed.
    pub seed: u64,
}

/// The table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// List names.
    pub lists: Vec<String>,
    /// Observed cases.
    pub observed: u64,
    /// Interval level.
    pub level: f64,
    /// The bootstrap behind the BCa rows, if any.
    pub bootstrap: Option<BootstrapInfo>,
    /// The coverage study behind the `coverage` column, if any.
    pub coverage: Option<CoverageInfo>,
    /// Rows.
    pub rows: Vec<Row>,
    /// Warnings about the input.
    pub warnings: Vec<String>,
}

/// Which rows, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Interval level (default 0.95).
    pub level: Level,
    /// A bootstrap for BCa rows of the rules (default none).
    pub bootstrap: Option<BootstrapOptions>,
    /// The log-linear rules with a row (default stepwise, AIC-stepwise, BIC).
    pub rules: Vec<Rule>,
    /// The p-value threshold of the forward rules (default each rule's: 0.02, 0.05).
    pub threshold: Option<f64>,
    /// The maximum order of the BIC/AIC rows (default MultipleSystemsEstimation's).
    pub max_order: Option<usize>,
    /// The largest model space the BIC/AIC rows search (default 10,000,000).
    pub limit: Option<u64>,
    /// BIC/AIC bootstrap rows re-select among the top `ntop` models.
    pub ntop: Option<usize>,
    /// Leave-one-list-out rows (default on for three or more lists).
    pub leave_one_out: bool,
    /// Rows of Rcapture's closed-population models (default on).
    pub rcapture: bool,
    /// The LCMCR row (default: LCMCR's standard run on 4 chains, seed 1234); `None` for none.
    pub lcmcr: Option<crate::estimators::lcmcr::LcmcrOptions>,
    /// The dga row (default: dga's improper `1/N` prior, `δ = 2^−t`, the automatic grid) for
    /// up to [`DGA_ROW_MAX_LISTS`] lists; `None` for none.
    pub dga: Option<crate::estimators::dga::DgaOptions>,
    /// A coverage column: every row's method run on these simulated tables (their `levels`
    /// are replaced by `level`), the truth being the stepwise fit of the data (default none;
    /// the leave-one-list-out and LCMCR rows are not simulated).
    pub coverage: Option<SimulateOptions>,
}

/// The report's dga row is run for at most this many lists: 6 lists (18,154 graphs) take
/// about 2 s, 7 lists (617,675 graphs) about 10 s on two cores, longer than the rest of
/// the report; 8 lists (30,888,596 graphs) are left to `estimate --method dga`.
pub const DGA_ROW_MAX_LISTS: usize = 7;

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            level: Level::default(),
            bootstrap: None,
            rules: vec![Rule::Stepwise, Rule::AicStepwise, Rule::Bic],
            threshold: None,
            max_order: None,
            limit: None,
            ntop: None,
            leave_one_out: true,
            rcapture: true,
            lcmcr: Some(crate::estimators::lcmcr::LcmcrOptions::default()),
            dga: Some(crate::estimators::dga::DgaOptions::default()),
            coverage: None,
        }
    }
}

impl ReportOptions {
    /// Check the options.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for invalid bootstrap or selection options, or no rule.
    pub fn validate(&self) -> Result<()> {
        if let Some(b) = &self.bootstrap {
            b.validate()?;
        }
        if let Some(c) = &self.coverage {
            c.validate()?;
        }
        self.select(Rule::Stepwise).validate()?;
        if self.ntop == Some(0) {
            return Err(Error::InvalidOption {
                name: "ntop",
                value: "0".into(),
                problem: "re-select among at least one model".into(),
            });
        }
        Ok(())
    }

    fn select(&self, rule: Rule) -> SelectOptions {
        SelectOptions {
            threshold: self.threshold,
            max_order: self.max_order,
            limit: self.limit,
            ..SelectOptions::new(rule)
        }
    }
}

/// The row of a Bayesian estimator: its credible interval, `note` first, and a note that its
/// coverage is not simulated when there is a study (an MCMC run or a graph average on every
/// simulated table).
fn posterior_row(
    table: &CaptureTable,
    id: &str,
    est: &dyn Estimator,
    opts: &EstimateOptions,
    note: &str,
    study: Option<&Study>,
) -> Row {
    let mut r = row(table, id, &est.label(table), est, opts, None);
    r.notes.insert(0, note.to_string());
    if study.is_some() {
        r.notes
            .push("coverage not simulated (a posterior run on every simulated table)".into());
    }
    r
}

/// One row: `est` with `opts`, and its coverage when `study` is given.
fn row(
    table: &CaptureTable,
    id: &str,
    method: &str,
    est: &dyn Estimator,
    opts: &EstimateOptions,
    study: Option<&Study>,
) -> Row {
    let mut row = Row::without_estimate(id, method, String::new());
    row.notes.clear();
    let name = |row: &mut Row, m: &Model| {
        row.model = Some(m.label(table.names()));
        row.model_names = Some(m.describe(table.names()));
    };
    match estimate_with(table, est, opts, None) {
        Ok(e) => {
            if let Some(m) = e.model() {
                name(&mut row, m);
            }
            row.estimate = Some(e.estimate);
            row.interval = Some(e.interval.method);
            row.lower = e.interval.lower;
            row.upper = e.interval.upper;
            if let Some(f) = e.fit().filter(|f| !f.infinite_terms.is_empty()) {
                row.notes.push(format!(
                    "fixed at -inf: {}",
                    f.infinite_terms
                        .iter()
                        .map(|&s| term_label(s, table.names(), ":"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            row.notes.extend(e.interval.flags.iter().cloned());
        }
        Err(err) => {
            // The model tried, when a rule chose it or it was fixed.
            if let Ok(Some(c)) = est.failure_context(table) {
                if c.chosen {
                    name(&mut row, &c.model);
                }
            }
            row.notes.push(format!("no estimate: {err}"));
        }
    }
    if let Some(s) = study {
        match simulate(&s.truth, est, opts, &s.sim, None) {
            Ok(sim) => {
                let l = &sim.levels[0];
                row.coverage = l.coverage;
                row.coverage_se = l.coverage_se;
                if l.intervals == 0 {
                    row.notes.push(format!(
                        "coverage: none of the {} simulated tables has an interval",
                        s.sim.tables
                    ));
                } else if l.no_interval > 0 {
                    row.notes.push(format!(
                        "coverage over the {} of {} simulated tables with an interval",
                        l.intervals, s.sim.tables
                    ));
                }
            }
            Err(e) => row.notes.push(format!("coverage not simulated: {e}")),
        }
    }
    row
}

/// The label and rule of a rule's row on `t` lists (BIC/AIC with their maximum order).
fn rule_row(opts: &ReportOptions, rule: Rule, t: usize) -> (String, Rule, Option<String>) {
    let sel = opts.select(rule);
    match rule {
        Rule::Stepwise | Rule::AicStepwise => {
            let name = if rule == Rule::Stepwise {
                "stepwise"
            } else {
                "AIC-stepwise"
            };
            (format!("{name} p={}", sel.threshold_for(rule)), rule, None)
        }
        Rule::Bic | Rule::Aic => {
            let k = sel.max_order_for(t);
            let limit = sel.limit.unwrap_or(10_000_000);
            let label = format!("{} (max order {k})", rule.criterion().unwrap_or_default());
            if opts.max_order.is_none() && t >= 6 && count_models(t, k, limit).is_none() {
                let note = format!(
                    "{label} would search more than {limit} models; MultipleSystemsEstimation's auto rule (stepwise for six or more lists) instead — give a lower maximum order or a larger limit for {}",
                    rule.criterion().unwrap_or_default()
                );
                (
                    format!("auto (stepwise p={})", sel.threshold_for(Rule::Stepwise)),
                    Rule::Auto,
                    Some(note),
                )
            } else {
                (label, rule, None)
            }
        }
        Rule::Auto => match sel.resolved(t) {
            Rule::Bic => (
                format!("auto (BIC, max order {})", sel.max_order_for(t)),
                rule,
                None,
            ),
            _ => (
                format!("auto (stepwise p={})", sel.threshold_for(Rule::Stepwise)),
                rule,
                None,
            ),
        },
    }
}

/// Build the table at `level`, with BCa rows when `bootstrap` is given and the default rows.
///
/// # Errors
/// Only for invalid bootstrap options; methods that fail are rows with notes.
pub fn sensitivity(
    table: &CaptureTable,
    level: Level,
    bootstrap: Option<&BootstrapOptions>,
) -> Result<Sensitivity> {
    report(
        table,
        &ReportOptions {
            level,
            bootstrap: bootstrap.cloned(),
            ..ReportOptions::default()
        },
    )
}

/// Build the table as `opts` say.
///
/// # Errors
/// Only for invalid options; methods that fail are rows with notes.
pub fn report(table: &CaptureTable, opts: &ReportOptions) -> Result<Sensitivity> {
    opts.validate()?;
    let t = table.lists();
    let mut warnings = Vec::new();
    let study = match &opts.coverage {
        Some(sim) if t >= 3 => {
            let stepwise = Loglinear::select(opts.select(Rule::Stepwise));
            match Truth::fit(table, &stepwise) {
                Ok(truth) => Some(Study {
                    truth,
                    sim: sim.clone().levels(vec![opts.level.get()]),
                }),
                Err(e) => {
                    warnings.push(format!("no coverage column: the stepwise fit, the truth of the simulation, failed: {e}"));
                    None
                }
            }
        }
        Some(_) => {
            warnings.push("no coverage column: the truth is the stepwise fit, which needs three or more lists".into());
            None
        }
        None => None,
    };
    let base = EstimateOptions {
        level: opts.level,
        ..EstimateOptions::default()
    };
    let with = |interval| EstimateOptions {
        interval: Some(interval),
        ..base.clone()
    };
    let mut rows = Vec::new();
    if t == 2 {
        for chapman in [false, true] {
            let est = TwoListEstimator { chapman };
            rows.push(row(
                table,
                est.id(),
                &est.label(table),
                &est,
                &with(IntervalMethod::Wald),
                study.as_ref(),
            ));
        }
    }
    let main = Loglinear::fixed(Model::main_effects(t));
    rows.push(row(
        table,
        "main",
        "main effects",
        &main,
        &with(IntervalMethod::Wald),
        study.as_ref(),
    ));
    if t >= 3 {
        for &rule in &opts.rules {
            let (label, applied, note) = rule_row(opts, rule, t);
            let id = match rule {
                Rule::Stepwise => "stepwise",
                Rule::AicStepwise => "aic-stepwise",
                Rule::Bic => "bic",
                Rule::Aic => "aic",
                Rule::Auto => "auto",
            };
            let est = Loglinear::select(opts.select(applied)).with_ntop(opts.ntop);
            let iv = if applied == Rule::AicStepwise {
                IntervalMethod::Profile
            } else {
                IntervalMethod::Wald
            };
            let mut r = row(table, id, &label, &est, &with(iv), study.as_ref());
            r.notes.extend(note.clone());
            rows.push(r);
            if let Some(b) = &opts.bootstrap {
                if rule == Rule::AicStepwise {
                    continue;
                }
                let bopts = EstimateOptions {
                    bootstrap: Some(b.clone()),
                    ..with(IntervalMethod::Bca)
                };
                let bname = if applied.criterion().is_some() {
                    format!("{label}, bootstrap top models")
                } else {
                    format!("{label}, bootstrap")
                };
                let mut r = row(
                    table,
                    &format!("{id}-bca"),
                    &bname,
                    &est,
                    &bopts,
                    study.as_ref(),
                );
                r.notes.extend(note);
                rows.push(r);
            }
        }
    }
    if opts.rcapture {
        for m in RcaptureModel::ALL {
            if t < 3 && !matches!(m, RcaptureModel::M0 | RcaptureModel::Mt | RcaptureModel::Mb) {
                continue;
            }
            let est = Rcapture(m);
            let opts = with(est.default_interval());
            rows.push(row(
                table,
                est.id(),
                &format!("Rcapture {}", m.name()),
                &est,
                &opts,
                study.as_ref(),
            ));
        }
    }
    if let Some(o) = &opts.lcmcr {
        let est = crate::estimators::lcmcr::Lcmcr(o.clone());
        rows.push(posterior_row(
            table,
            "lcmcr",
            &est,
            &with(IntervalMethod::Credible),
            "posterior median, equal-tailed credible interval",
            study.as_ref(),
        ));
    }
    if let Some(o) = &opts.dga {
        let est = crate::estimators::dga::Dga(o.clone());
        if t <= DGA_ROW_MAX_LISTS {
            rows.push(posterior_row(
                table,
                "dga",
                &est,
                &with(IntervalMethod::Credible),
                "posterior median over decomposable graphs, equal-tailed credible interval",
                study.as_ref(),
            ));
        } else {
            let why = if t == 8 {
                "not run in the report for 8 lists: averaging over its 30,888,596 \
                 decomposable graphs takes minutes; run `estimate --method dga` (with \
                 `--max-clique` to restrict the graphs)"
                    .to_string()
            } else {
                format!(
                    "not run for {t} lists: dga averages over every decomposable graph, \
                     which is feasible for at most 8 lists"
                )
            };
            rows.push(Row::without_estimate("dga", est.label(table), why));
        }
    }
    if opts.leave_one_out && t >= 3 {
        let sel = opts.select(Rule::Stepwise);
        for name in table.names() {
            let label = format!(
                "stepwise p={} without {name}",
                sel.threshold_for(Rule::Stepwise)
            );
            let id = format!("omit-{name}");
            match table.omit_lists(&[name.as_str()]) {
                Ok(sub) => {
                    let est = Loglinear::select(sel);
                    let mut r = row(&sub, &id, &label, &est, &with(IntervalMethod::Wald), None);
                    r.notes.insert(
                        0,
                        format!(
                            "{} of {} cases are on the other lists",
                            sub.observed(),
                            table.observed()
                        ),
                    );
                    rows.push(r);
                }
                Err(e) => rows.push(Row::without_estimate(
                    id,
                    label,
                    format!("no estimate: {e}"),
                )),
            }
        }
    }
    Ok(Sensitivity {
        lists: table.names().to_vec(),
        observed: table.observed(),
        level: opts.level.get(),
        bootstrap: opts.bootstrap.as_ref().map(|b| BootstrapInfo {
            replicates: b.replicates,
            seed: b.seed,
        }),
        coverage: study.as_ref().map(|s| CoverageInfo {
            tables: s.sim.tables,
            seed: s.sim.seed,
            scheme: s.sim.scheme,
            truth: s.truth.population,
            truth_model: s.truth.model.clone(),
        }),
        rows,
        warnings,
    })
}
