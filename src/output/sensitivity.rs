//! The sensitivity table an analyst publishes: one row per established method.
//!
//! Rows (three or more lists): main effects (Wald); stepwise at p = 0.02 (Chan, Silverman &
//! Vincent 2021; Wald, and BCa with a bootstrap); AIC-stepwise at 0.05 (UK 2014; profile);
//! best BIC (MultipleSystemsEstimation's default maximum order; Wald, and BCa over the top
//! models with a bootstrap); Rcapture's closed-population models (profile intervals where
//! Rcapture offers them, else Wald). Two lists: Lincoln–Petersen, Chapman, the log-linear
//! independence model and Rcapture's M0, Mt and Mb. A method without an estimate keeps its
//! row, with the reason. Every row has a stable `id`.

use crate::data::table::{term_label, CaptureTable};
use crate::estimators::loglinear::Loglinear;
use crate::estimators::petersen::TwoListEstimator;
use crate::estimators::rcapture::{Rcapture, RcaptureModel};
use crate::estimators::{Estimator, IntervalMethod};
use crate::loglinear::Model;
use crate::numeric::Level;
use crate::selection::{mse_default_order, Rule, SelectOptions};
use crate::uncertainty::{estimate_with, BootstrapOptions, EstimateOptions};
use serde::Serialize;

/// One method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Stable identifier of the row (`main`, `stepwise`, `stepwise-bca`, `aic-stepwise`,
    /// `bic`, `bic-bca`, `petersen`, `chapman`, `m0`, `mh-chao`, …).
    pub id: String,
    /// Method, e.g. `stepwise p=0.02`.
    pub method: String,
    /// Model chosen, canonical (or name-based for > 9 lists).
    pub model: Option<String>,
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
    /// Rows.
    pub rows: Vec<Row>,
}

/// One row: `est` with `interval` (and the bootstrap, for a BCa row).
fn row(
    table: &CaptureTable,
    id: &str,
    method: &str,
    est: &dyn Estimator,
    opts: &EstimateOptions,
) -> Row {
    let mut row = Row {
        id: id.into(),
        method: method.into(),
        model: None,
        estimate: None,
        interval: None,
        lower: None,
        upper: None,
        notes: Vec::new(),
    };
    match estimate_with(table, est, opts, None) {
        Ok(e) => {
            row.model = e.model().map(|m| m.label(table.names()));
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
                    row.model = Some(c.model.label(table.names()));
                }
            }
            row.notes.push(format!("no estimate: {err}"));
        }
    }
    row
}

/// Build the table at `level`, with BCa rows when `bootstrap` is given.
///
/// # Errors
/// Only for invalid bootstrap options; methods that fail are rows with notes.
pub fn sensitivity(
    table: &CaptureTable,
    level: Level,
    bootstrap: Option<&BootstrapOptions>,
) -> crate::error::Result<Sensitivity> {
    if let Some(b) = bootstrap {
        b.validate()?;
    }
    let t = table.lists();
    let base = EstimateOptions {
        level,
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
    ));
    if t >= 3 {
        let rules: [(&str, Rule, IntervalMethod); 3] = [
            ("stepwise", Rule::Stepwise, IntervalMethod::Wald),
            ("aic-stepwise", Rule::AicStepwise, IntervalMethod::Profile),
            ("bic", Rule::Bic, IntervalMethod::Wald),
        ];
        for (id, rule, iv) in rules {
            let est = Loglinear::select(SelectOptions::new(rule));
            let label = match rule {
                Rule::Bic => format!("BIC (max order {})", mse_default_order(t)),
                Rule::Stepwise => "stepwise p=0.02".into(),
                _ => "AIC-stepwise p=0.05".into(),
            };
            rows.push(row(table, id, &label, &est, &with(iv)));
            if let Some(b) = bootstrap {
                if rule == Rule::AicStepwise {
                    continue;
                }
                let opts = EstimateOptions {
                    bootstrap: Some(b.clone()),
                    ..with(IntervalMethod::Bca)
                };
                let bname = if rule == Rule::Bic {
                    format!("{label}, bootstrap top models")
                } else {
                    format!("{label}, bootstrap")
                };
                rows.push(row(table, &format!("{id}-bca"), &bname, &est, &opts));
            }
        }
    }
    for m in RcaptureModel::ALL {
        let est = Rcapture(m);
        if t < 3 && !matches!(m, RcaptureModel::M0 | RcaptureModel::Mt | RcaptureModel::Mb) {
            continue;
        }
        let opts = with(est.default_interval());
        rows.push(row(
            table,
            est.id(),
            &format!("Rcapture {}", m.name()),
            &est,
            &opts,
        ));
    }
    Ok(Sensitivity {
        lists: table.names().to_vec(),
        observed: table.observed(),
        level: level.get(),
        bootstrap: bootstrap.map(|b| BootstrapInfo {
            replicates: b.replicates,
            seed: b.seed,
        }),
        rows,
    })
}

fn fmt(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.0}", v))
}

impl Sensitivity {
    fn cells(&self) -> Vec<[String; 6]> {
        self.rows
            .iter()
            .map(|r| {
                [
                    r.method.clone(),
                    r.model.clone().unwrap_or_else(|| "-".into()),
                    fmt(r.estimate),
                    match (r.lower, r.upper) {
                        (None, None) => "-".into(),
                        (l, u) => format!(
                            "{} to {} ({})",
                            fmt(l),
                            u.map_or("not found".into(), |u| format!("{u:.0}")),
                            r.interval.map_or("", |m| m.name())
                        ),
                    },
                    String::new(),
                    r.notes.join("; "),
                ]
            })
            .collect()
    }

    fn header(&self) -> [String; 6] {
        [
            "method".into(),
            "model".into(),
            "estimate".into(),
            format!("{:.0}% interval", self.level * 100.0),
            String::new(),
            "notes".into(),
        ]
    }

    /// Aligned plain text.
    pub fn to_text(&self) -> String {
        let mut all = vec![self.header()];
        all.extend(self.cells());
        let w: Vec<usize> = (0..4)
            .map(|j| all.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = format!(
            "{} lists ({}), {} cases observed{}\n",
            self.lists.len(),
            self.lists.join(", "),
            self.observed,
            self.bootstrap.map_or(String::new(), |b| format!(
                "; bootstrap {} replicates, seed {}",
                b.replicates, b.seed
            ))
        );
        for r in &all {
            out.push_str(&format!(
                "{:<w0$}  {:<w1$}  {:>w2$}  {:<w3$}  {}\n",
                r[0],
                r[1],
                r[2],
                r[3],
                r[5],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3]
            ));
        }
        out
    }

    /// Markdown table.
    pub fn to_markdown(&self) -> String {
        let h = self.header();
        let mut out = format!("| {} | {} | {} | {} | {} |\n", h[0], h[1], h[2], h[3], h[5]);
        out.push_str("|---|---|---:|---|---|\n");
        for r in self.cells() {
            out.push_str(&format!(
                "| {} | `{}` | {} | {} | {} |\n",
                r[0],
                r[1],
                r[2],
                r[3],
                r[5].replace('|', "/")
            ));
        }
        out
    }

    /// CSV with numeric columns.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record([
            "method", "model", "estimate", "interval", "level", "lower", "upper", "notes",
        ]);
        let num = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v}"));
        for r in &self.rows {
            let _ = w.write_record([
                r.method.clone(),
                r.model.clone().unwrap_or_default(),
                num(r.estimate),
                r.interval.map_or(String::new(), |m| m.name().to_string()),
                format!("{}", self.level),
                num(r.lower),
                num(r.upper),
                r.notes.join("; "),
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}
