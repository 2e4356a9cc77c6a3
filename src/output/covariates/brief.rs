//! The table by category of a country brief (`report --covariates`): text, Markdown, CSV.

use crate::estimators::IntervalMethod;
use serde::Serialize;
use serde_json::Value;

use super::estimate::{CovariateEstimateReport, CovariateInfo};

/// One row of the brief's table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BriefRow {
    /// `Total`, a covariate, a pair `A:B`, or `change by Y`.
    pub section: String,
    /// The level (`all` for the total, `2015 to 2016` for a change).
    pub category: String,
    /// Observed cases (for a change, the change of the observed count).
    pub observed: f64,
    /// Estimated unobserved cases (`None` for a change).
    pub hidden: Option<f64>,
    /// Estimated total (or change).
    pub estimate: Option<f64>,
    /// Lower limit.
    pub lower: Option<f64>,
    /// Upper limit.
    pub upper: Option<f64>,
}

/// The table by category of a country brief (`report --covariates`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Brief {
    /// Title.
    pub title: String,
    /// The model.
    pub model: String,
    /// The interval, in words (`95% BCa bootstrap`).
    pub interval: String,
    /// Rows: the total, each covariate's levels, each pair, each change.
    pub rows: Vec<BriefRow>,
    /// Notes on the interval.
    pub notes: Vec<String>,
}

/// Group thousands: `8659.6` → `"8,660"`; a signed change keeps its sign.
fn thousands(x: f64, signed: bool) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let r = x.round();
    let digits = format!("{:.0}", r.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if r < 0.0 {
        format!("-{out}")
    } else if signed && r > 0.0 {
        format!("+{out}")
    } else {
        out
    }
}

impl BriefRow {
    fn is_change(&self) -> bool {
        self.section.starts_with("change by ")
    }

    /// Observed as a percentage of the estimate (detection rate).
    pub fn detected_percent(&self) -> Option<f64> {
        if self.is_change() {
            return None;
        }
        self.estimate
            .filter(|&e| e > 0.0)
            .map(|e| 100.0 * self.observed / e)
    }

    fn cells(&self) -> [String; 7] {
        let c = self.is_change();
        let opt = |x: Option<f64>| x.map_or("–".to_string(), |v| thousands(v, c));
        [
            self.category.clone(),
            thousands(self.observed, c),
            opt(self.hidden),
            opt(self.estimate),
            opt(self.lower),
            opt(self.upper),
            self.detected_percent()
                .map_or("–".into(), |p| format!("{p:.0}%")),
        ]
    }
}

const HEADER: [&str; 7] = [
    "category",
    "observed",
    "unobserved",
    "estimate",
    "lower",
    "upper",
    "detected",
];

impl Brief {
    /// Plain text, aligned columns, one block per section.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\nmodel: {}\ninterval: {}\n\n",
            self.title, self.model, self.interval
        );
        let cells: Vec<[String; 7]> = self.rows.iter().map(BriefRow::cells).collect();
        let mut width = HEADER.map(str::len);
        for r in &cells {
            for (w, c) in width.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count() + 2);
            }
        }
        let line = |r: &[String; 7]| -> String {
            let mut s = format!("{:<w$}", r[0], w = width[0]);
            for (k, c) in r.iter().enumerate().skip(1) {
                s.push_str(&format!("{:>w$}", c, w = width[k] + 2));
            }
            s.push('\n');
            s
        };
        out.push_str(&line(&HEADER.map(String::from)));
        let mut section = "";
        for (r, c) in self.rows.iter().zip(&cells) {
            if r.section != section && r.section != "Total" {
                out.push_str(&format!("{}\n", r.section));
            }
            section = &r.section;
            let mut c = c.clone();
            if r.section != "Total" {
                c[0] = format!("  {}", c[0]);
            } else {
                c[0] = "Total".into();
            }
            out.push_str(&line(&c));
        }
        for n in &self.notes {
            out.push_str(&format!("\nnote: {n}"));
        }
        if !self.notes.is_empty() {
            out.push('\n');
        }
        out
    }

    /// A Markdown table, sections in bold.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "**{}**\n\nModel: {}. Interval: {}.\n\n| {} |\n|{}|\n",
            self.title,
            self.model,
            self.interval,
            HEADER.join(" | "),
            ["---", "--:", "--:", "--:", "--:", "--:", "--:"].join("|")
        );
        let mut section = "";
        for r in &self.rows {
            if r.section != section && r.section != "Total" {
                out.push_str(&format!("| **{}** | | | | | | |\n", r.section));
            }
            section = &r.section;
            let mut c = r.cells();
            if r.section == "Total" {
                c[0] = "**Total**".into();
            }
            out.push_str(&format!("| {} |\n", c.join(" | ")));
        }
        for n in &self.notes {
            out.push_str(&format!("\nNote: {n}\n"));
        }
        out
    }

    /// CSV: `section,category,observed,unobserved,estimate,lower,upper,detected_percent`.
    pub fn to_csv(&self) -> String {
        let q = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let o = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v}"));
        let mut out = String::from(
            "section,category,observed,unobserved,estimate,lower,upper,detected_percent\n",
        );
        for r in &self.rows {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                q(&r.section),
                q(&r.category),
                r.observed,
                o(r.hidden),
                o(r.estimate),
                o(r.lower),
                o(r.upper),
                o(r.detected_percent())
            ));
        }
        out
    }
}

/// The JSON of `darkfigure report --covariates`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateReport {
    /// List names.
    pub lists: Vec<String>,
    /// Observed cases.
    pub observed: u64,
    /// Covariates with their levels.
    pub covariates: Vec<CovariateInfo>,
    /// The model and the interval, in words, and the rows.
    #[serde(flatten)]
    pub brief: Brief,
    /// The estimate behind the table.
    pub estimate: Option<f64>,
    /// Why there is no estimate.
    pub error: Option<String>,
    /// Bootstrap replicates and seed, or `null`.
    pub bootstrap: Option<Value>,
    /// Warnings.
    pub warnings: Vec<String>,
}

impl CovariateEstimateReport {
    /// The table by category of a country brief.
    pub fn brief(&self, title: &str) -> Brief {
        let mut rows = Vec::new();
        let interval = self.interval.as_ref();
        rows.push(BriefRow {
            section: "Total".into(),
            category: "all".into(),
            observed: self.observed as f64,
            hidden: self.dark_figure,
            estimate: self.estimate,
            lower: interval.and_then(|i| i.lower),
            upper: interval.and_then(|i| i.upper),
        });
        for (key, v) in &self.by {
            for r in v.as_array().into_iter().flatten() {
                rows.push(BriefRow {
                    section: key.clone(),
                    category: r["level"].as_str().unwrap_or_default().to_string(),
                    observed: r["observed"].as_f64().unwrap_or(f64::NAN),
                    hidden: r["dark_figure"].as_f64(),
                    estimate: r["estimate"].as_f64(),
                    lower: r["lower"].as_f64(),
                    upper: r["upper"].as_f64(),
                });
            }
        }
        for (key, v) in &self.changes {
            for r in v.as_array().into_iter().flatten() {
                rows.push(BriefRow {
                    section: format!("change by {key}"),
                    category: format!(
                        "{} to {}",
                        r["from"].as_str().unwrap_or_default(),
                        r["to"].as_str().unwrap_or_default()
                    ),
                    observed: r["observed"].as_f64().unwrap_or(f64::NAN),
                    hidden: None,
                    estimate: r["change"].as_f64(),
                    lower: r["lower"].as_f64(),
                    upper: r["upper"].as_f64(),
                });
            }
        }
        Brief {
            title: title.to_string(),
            model: self.label.clone(),
            interval: interval.map_or("none".into(), |i| {
                format!(
                    "{}% {}",
                    (i.level * 1000.0).round() / 10.0,
                    match i.method {
                        IntervalMethod::Bca => "BCa bootstrap",
                        IntervalMethod::Percentile => "percentile bootstrap",
                        _ => "Wald",
                    }
                )
            }),
            rows,
            notes: interval.map(|i| i.flags.clone()).unwrap_or_default(),
        }
    }
}
