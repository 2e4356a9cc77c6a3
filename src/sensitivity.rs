//! The sensitivity table an analyst publishes: one row per established method.
//!
//! Rows (three or more lists): main effects (Wald); stepwise at p = 0.02 (Chan, Silverman &
//! Vincent 2021; Wald, and BCa with a bootstrap); AIC-stepwise at 0.05 (UK 2014; profile);
//! best BIC (MultipleSystemsEstimation's default maximum order; Wald, and BCa over the top
//! models with a bootstrap). Two lists: Lincoln–Petersen, Chapman and the log-linear
//! independence model. A method without an estimate keeps its row, with the reason.

use crate::bootstrap::BootstrapOptions;
use crate::estimate::{estimate_model, EstimateOptions, IntervalMethod};
use crate::model::Model;
use crate::select::{select, Rule, SelectOptions};
use crate::table::CaptureTable;
use serde::Serialize;

/// One method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Method, e.g. `stepwise p=0.02`.
    pub method: String,
    /// Model chosen, canonical (or name-based for > 9 lists).
    pub model: Option<String>,
    /// Point estimate.
    pub estimate: Option<f64>,
    /// Interval method (`wald`, `profile`, `bca`, …).
    pub interval: Option<String>,
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

fn row_from(
    table: &CaptureTable,
    method: &str,
    model: Option<&Model>,
    opts: &EstimateOptions,
    why: Option<String>,
) -> Row {
    let mut row = Row {
        method: method.into(),
        model: model.map(|m| m.label(table.names())),
        estimate: None,
        interval: None,
        lower: None,
        upper: None,
        notes: Vec::new(),
    };
    let Some(model) = model else {
        row.notes.push(why.unwrap_or_default());
        return row;
    };
    match estimate_model(table, model, opts, None) {
        Ok(e) => {
            row.estimate = Some(e.estimate);
            row.interval = Some(e.interval.method.clone());
            row.lower = e.interval.lower;
            row.upper = e.interval.upper;
            if !e.fit.infinite_terms.is_empty() {
                row.notes.push(format!(
                    "fixed at -inf: {}",
                    e.fit
                        .infinite_terms
                        .iter()
                        .map(|&s| crate::model::term_label(s, table.names(), ":"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            row.notes.extend(e.interval.flags.iter().cloned());
        }
        Err(e) => row.notes.push(format!("no estimate: {e}")),
    }
    row
}

/// Build the table at `level`, with BCa rows when `bootstrap` is given.
///
/// # Errors
/// Only for an invalid level; methods that fail are rows with notes.
pub fn sensitivity(
    table: &CaptureTable,
    level: f64,
    bootstrap: Option<&BootstrapOptions>,
) -> crate::Result<Sensitivity> {
    crate::interval::check_level(level)?;
    if let Some(b) = bootstrap {
        b.validate()?;
    }
    let t = table.lists();
    let base = EstimateOptions {
        level,
        ..EstimateOptions::default()
    };
    let mut rows = Vec::new();
    if t == 2 {
        for (name, r) in [
            (
                "Lincoln-Petersen",
                crate::petersen::lincoln_petersen(table, level),
            ),
            ("Chapman", crate::petersen::chapman(table, level)),
        ] {
            rows.push(match r {
                Ok(x) => Row {
                    method: name.into(),
                    model: None,
                    estimate: Some(x.estimate),
                    interval: Some("wald".into()),
                    lower: x.interval.lower,
                    upper: x.interval.upper,
                    notes: Vec::new(),
                },
                Err(e) => Row {
                    method: name.into(),
                    model: None,
                    estimate: None,
                    interval: None,
                    lower: None,
                    upper: None,
                    notes: vec![e.to_string()],
                },
            });
        }
    }
    let main = Model::main_effects(t);
    rows.push(row_from(table, "main effects", Some(&main), &base, None));
    if t >= 3 {
        let rules: [(&str, Rule, IntervalMethod); 3] = [
            ("stepwise p=0.02", Rule::Stepwise, IntervalMethod::Wald),
            (
                "AIC-stepwise p=0.05",
                Rule::AicStepwise,
                IntervalMethod::Profile,
            ),
            ("BIC", Rule::Bic, IntervalMethod::Wald),
        ];
        for (name, rule, iv) in rules {
            let sel = SelectOptions::new(rule);
            let label = if rule == Rule::Bic {
                format!("BIC (max order {})", crate::select::mse_default_order(t))
            } else {
                name.to_string()
            };
            let chosen = select(table, &sel);
            let (model, why) = match &chosen {
                Ok(s) => (Some(&s.model), None),
                Err(e) => (None, Some(format!("no estimate: {e}"))),
            };
            let opts = EstimateOptions {
                select: Some(sel),
                interval: Some(iv),
                ..base.clone()
            };
            rows.push(row_from(table, &label, model, &opts, why.clone()));
            if let Some(b) = bootstrap {
                if rule == Rule::AicStepwise {
                    continue;
                }
                let opts = EstimateOptions {
                    interval: Some(IntervalMethod::Bca),
                    bootstrap: Some(b.clone()),
                    ..opts
                };
                let bname = if rule == Rule::Bic {
                    format!("{label}, bootstrap top models")
                } else {
                    format!("{label}, bootstrap")
                };
                rows.push(row_from(table, &bname, model, &opts, why));
            }
        }
    }
    Ok(Sensitivity {
        lists: table.names().to_vec(),
        observed: table.observed(),
        level,
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
                            r.interval.clone().unwrap_or_default()
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
                r.interval.clone().unwrap_or_default(),
                format!("{}", self.level),
                num(r.lower),
                num(r.upper),
                r.notes.join("; "),
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}
