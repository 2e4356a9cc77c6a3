//! The report of a coverage study ([`crate::uncertainty::simulate()`]): the JSON of
//! `darkfigure simulate` and its text form.
//!
//! Keys are a contract (README): `truth`, `tables`, `coverage: {level → fraction}`,
//! `coverage_se`, `bias`, `rmse`, `median_width`, `failed`, and the additions documented on
//! [`SimulationReport`]. Level keys are the level rounded to 6 decimals (`"0.95"`).

use super::report::level_key;
use crate::estimators::IntervalMethod;
use crate::loglinear::Model;
use crate::uncertainty::{Scheme, Simulation};
use serde::Serialize;
use serde_json::{Map, Value};

/// The truth of the study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TruthReport {
    /// What was fitted (`stepwise p=0.02`, `[12,3]`, `Mth Chao (LB)`).
    pub label: String,
    /// The log-linear model, canonical (≤ 9 lists), else `null`.
    pub model: Option<String>,
    /// The log-linear model by list names, else `null`.
    pub model_names: Option<String>,
    /// `N̂` of the fit (the truth is its rounding).
    pub estimate: f64,
    /// The fitted mean of the unobserved cell `μ̂_∅`.
    pub dark_figure: f64,
    /// The fitted means of the observable histories, summed (the expected `n_obs`).
    pub expected_observed: f64,
}

/// One simulated table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableResult {
    /// Table number (1-based; drawn from stream `2^63 + table − 1`).
    pub table: usize,
    /// Seed of the estimation on the table (`seed + table − 1`).
    pub seed: u64,
    /// `N̂` (`null`: no estimate).
    pub estimate: Option<f64>,
    /// The model chosen (selection rules).
    pub model: Option<String>,
    /// Level → `[lower, upper]` (`null`: no interval).
    pub intervals: Map<String, Value>,
    /// Calibrated intervals: level → the nominal level used.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub nominal_used: Map<String, Value>,
    /// Why there is no estimate, or no interval at some level.
    pub failure: Option<String>,
}

/// Tables without an estimate or an interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedReport {
    /// Tables without an estimate or without an interval at some level.
    pub tables: usize,
    /// Tables without an estimate.
    pub no_estimate: usize,
    /// Level → tables without an interval (no estimate included).
    pub no_interval: Map<String, Value>,
    /// Reason → tables.
    pub reasons: Map<String, Value>,
}

/// The JSON of `darkfigure simulate`: `{truth, truth_model, tables, seed, scheme, method,
/// interval, levels, coverage, coverage_se, intervals, covered, miss_below, miss_above,
/// median_width, median_length, nominal_used, estimates, mean_estimate, median_estimate,
/// bias, bias_se, relative_bias, rmse, relative_rmse, failed, table_results, warnings}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulationReport {
    /// The true population `N = round(N̂)`.
    pub truth: u64,
    /// The model behind the truth.
    pub truth_model: TruthReport,
    /// Simulated tables.
    pub tables: usize,
    /// Seed of the study.
    pub seed: u64,
    /// `multinomial` or `poisson`.
    pub scheme: Scheme,
    /// The method studied, for people.
    pub method: String,
    /// Its interval.
    pub interval: Option<IntervalMethod>,
    /// Nominal levels studied.
    pub levels: Vec<f64>,
    /// Level → coverage of the truth (over the tables with an interval).
    pub coverage: Map<String, Value>,
    /// Level → Monte-Carlo standard error of the coverage.
    pub coverage_se: Map<String, Value>,
    /// Level → tables with an interval.
    pub intervals: Map<String, Value>,
    /// Level → intervals containing the truth.
    pub covered: Map<String, Value>,
    /// Level → intervals above the truth (truth below the lower limit).
    pub miss_below: Map<String, Value>,
    /// Level → intervals below the truth.
    pub miss_above: Map<String, Value>,
    /// Level → median of `(upper − lower) / truth`.
    pub median_width: Map<String, Value>,
    /// Level → median of `upper − lower`.
    pub median_length: Map<String, Value>,
    /// Calibrated intervals: level → mean nominal level used (else `null`).
    pub nominal_used: Map<String, Value>,
    /// Tables with an estimate.
    pub estimates: usize,
    /// Mean of the estimates.
    pub mean_estimate: Option<f64>,
    /// Median of the estimates.
    pub median_estimate: Option<f64>,
    /// `mean(N̂) − truth`.
    pub bias: Option<f64>,
    /// Monte-Carlo standard error of the bias.
    pub bias_se: Option<f64>,
    /// `bias / truth`.
    pub relative_bias: Option<f64>,
    /// `√mean((N̂ − truth)²)`.
    pub rmse: Option<f64>,
    /// `rmse / truth`.
    pub relative_rmse: Option<f64>,
    /// Failures.
    pub failed: FailedReport,
    /// Every table.
    pub table_results: Vec<TableResult>,
    /// Warnings about the input.
    pub warnings: Vec<String>,
}

fn opt(x: Option<f64>) -> Value {
    x.filter(|v| v.is_finite()).map_or(Value::Null, Value::from)
}

impl SimulationReport {
    /// The report of `sim`, a study of `method` (its label) with `interval`.
    pub fn new(sim: &Simulation, method: String, interval: Option<IntervalMethod>) -> Self {
        let t = &sim.truth;
        let names = t.table().names();
        let n = t.population as f64;
        let by = |f: &dyn Fn(&crate::uncertainty::simulate::LevelSummary) -> Value| {
            sim.levels
                .iter()
                .map(|l| (level_key(l.level), f(l)))
                .collect::<Map<String, Value>>()
        };
        let table_results = sim
            .trials
            .iter()
            .enumerate()
            .map(|(j, tr)| {
                let mut iv = Map::new();
                let mut nominal = Map::new();
                for (l, i) in sim.options.levels.iter().zip(&tr.intervals) {
                    iv.insert(
                        level_key(*l),
                        i.limits()
                            .map_or(Value::Null, |(a, b)| Value::from(vec![a, b])),
                    );
                    if let Some(x) = i.nominal {
                        nominal.insert(level_key(*l), Value::from(x));
                    }
                }
                let failure = tr.failure.clone().or_else(|| {
                    let p: Vec<&str> = tr
                        .intervals
                        .iter()
                        .filter_map(|i| i.problem.as_deref())
                        .collect();
                    (!p.is_empty()).then(|| {
                        let mut p = p;
                        p.dedup();
                        p.join("; ")
                    })
                });
                TableResult {
                    table: j + 1,
                    seed: sim.options.seed.wrapping_add(j as u64),
                    estimate: tr.estimate,
                    model: tr.model.clone(),
                    intervals: iv,
                    nominal_used: nominal,
                    failure,
                }
            })
            .collect();
        let e = &sim.estimates;
        Self {
            truth: t.population,
            truth_model: TruthReport {
                label: t.label.clone(),
                model: t.model.clone(),
                model_names: t
                    .model
                    .as_ref()
                    .and_then(|m| Model::parse(m, names).ok())
                    .map(|m| m.describe(names)),
                estimate: t.estimate,
                dark_figure: t.fitted[0],
                expected_observed: t.fitted[1..].iter().sum(),
            },
            tables: sim.options.tables,
            seed: sim.options.seed,
            scheme: sim.options.scheme,
            method,
            interval,
            levels: sim.options.levels.clone(),
            coverage: by(&|l| opt(l.coverage)),
            coverage_se: by(&|l| opt(l.coverage_se)),
            intervals: by(&|l| Value::from(l.intervals)),
            covered: by(&|l| Value::from(l.covered)),
            miss_below: by(&|l| Value::from(l.miss_below)),
            miss_above: by(&|l| Value::from(l.miss_above)),
            median_width: by(&|l| opt(l.median_width)),
            median_length: by(&|l| opt(l.median_length)),
            nominal_used: by(&|l| opt(l.mean_nominal)),
            estimates: e.estimates,
            mean_estimate: e.mean,
            median_estimate: e.median,
            bias: e.bias,
            bias_se: e.bias_se,
            relative_bias: e.bias.map(|b| b / n),
            rmse: e.rmse,
            relative_rmse: e.rmse.map(|r| r / n),
            failed: FailedReport {
                tables: sim.failed.tables,
                no_estimate: sim.failed.no_estimate,
                no_interval: by(&|l| Value::from(l.no_interval)),
                reasons: sim
                    .failed
                    .reasons
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from(*v)))
                    .collect(),
            },
            table_results,
            warnings: Vec::new(),
        }
    }

    /// Plain text: the truth, the method, a line per level, the estimates and the failures.
    pub fn to_text(&self) -> String {
        let f0 = |x: Option<f64>| x.map_or("-".into(), |v| format!("{v:.0}"));
        let pct = |v: &Value| {
            v.as_f64()
                .map_or("-".into(), |x| format!("{:.1}%", 100.0 * x))
        };
        let mut out = format!(
            "truth: N = {} ({}{}), {} tables ({}, seed {})\nstudied: {}{}\n",
            self.truth,
            self.truth_model.label,
            self.truth_model
                .model
                .as_ref()
                .map_or(String::new(), |m| format!(", model {m}")),
            self.tables,
            self.scheme,
            self.seed,
            self.method,
            self.interval
                .map_or(String::new(), |m| format!(", {m} interval")),
        );
        let calibrated = self.nominal_used.values().any(|v| !v.is_null());
        out.push_str(&format!(
            "{:>7}  {:>8}  {:>6}  {:>9}  {:>5}  {:>5}  {:>11}  {:>12}{}\n",
            "level",
            "coverage",
            "± se",
            "intervals",
            "below",
            "above",
            "no interval",
            "median width",
            if calibrated { "  nominal used" } else { "" }
        ));
        for l in &self.levels {
            let k = level_key(*l);
            out.push_str(&format!(
                "{:>7}  {:>8}  {:>6}  {:>9}  {:>5}  {:>5}  {:>11}  {:>12}{}\n",
                format!("{:.4}", l).trim_end_matches('0'),
                pct(&self.coverage[&k]),
                pct(&self.coverage_se[&k]),
                self.intervals[&k].to_string(),
                self.miss_below[&k].to_string(),
                self.miss_above[&k].to_string(),
                self.failed.no_interval[&k].to_string(),
                pct(&self.median_width[&k]),
                if calibrated {
                    format!(
                        "  {:>12}",
                        self.nominal_used[&k]
                            .as_f64()
                            .map_or("-".into(), |x| format!("{x:.4}"))
                    )
                } else {
                    String::new()
                }
            ));
        }
        out.push_str(&format!(
            "estimates: {} of {} tables; mean {}, median {}; bias {} (± {}), RMSE {}\n",
            self.estimates,
            self.tables,
            f0(self.mean_estimate),
            f0(self.median_estimate),
            f0(self.bias),
            f0(self.bias_se),
            f0(self.rmse)
        ));
        if self.failed.tables == 0 {
            out.push_str("failed: none\n");
        } else {
            out.push_str(&format!(
                "failed: {} tables ({} without an estimate)\n",
                self.failed.tables, self.failed.no_estimate
            ));
            for (r, n) in &self.failed.reasons {
                out.push_str(&format!("  {n:>5}  {r}\n"));
            }
        }
        out
    }
}
