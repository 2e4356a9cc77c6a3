//! The sensitivity table as text, Markdown and CSV.

use super::{CoverageInfo, Row, Sensitivity};

impl CoverageInfo {
    /// One line saying what the coverage column is.
    pub(super) fn describe(&self, level: f64) -> String {
        format!(
            "coverage: how often the {:.0}% interval covers N = {} on {} tables simulated ({}, seed {}) from the stepwise fit{}",
            100.0 * level,
            self.truth,
            self.tables,
            self.scheme,
            self.seed,
            self.truth_model
                .as_ref()
                .map_or(String::new(), |m| format!(" {m}"))
        )
    }
}

fn fmt(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.0}", v))
}

/// The coverage cell: `93.5% ± 1.7%`, or `-`.
fn fmt_coverage(r: &Row) -> String {
    match (r.coverage, r.coverage_se) {
        (Some(c), Some(se)) => format!("{:.1}% ± {:.1}%", 100.0 * c, 100.0 * se),
        (Some(c), None) => format!("{:.1}%", 100.0 * c),
        _ => "-".into(),
    }
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
                    r.model_names.clone().unwrap_or_else(|| "-".into()),
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
            "model by list names".into(),
            "notes".into(),
        ]
    }

    /// The key of the `[..]` notation: `1 = LA, 2 = NG, …`.
    fn key(&self) -> String {
        self.lists
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{} = {n}", i + 1))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Aligned plain text (with a coverage column after the interval when a coverage study
    /// was run).
    pub fn to_text(&self) -> String {
        let cov = self.coverage.is_some();
        let mut all = vec![self.header()];
        all.extend(self.cells());
        let mut covs = vec!["coverage".to_string()];
        covs.extend(self.rows.iter().map(fmt_coverage));
        let w: Vec<usize> = (0..4)
            .map(|j| all.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
            .collect();
        let wc = covs.iter().map(|c| c.chars().count()).max().unwrap_or(0);
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
        out.push_str(&format!("models: {}\n", self.key()));
        if let Some(c) = &self.coverage {
            out.push_str(&format!("{}\n", c.describe(self.level)));
        }
        for (r, c) in all.iter().zip(&covs) {
            out.push_str(&format!(
                "{:<w0$}  {:<w1$}  {:>w2$}  {:<w3$}  {}{}\n",
                r[0],
                r[1],
                r[2],
                r[3],
                if cov {
                    format!("{c:>wc$}  ")
                } else {
                    String::new()
                },
                r[5],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3]
            ));
        }
        out
    }

    /// Markdown table (with a model column by list names), then a line naming the lists and
    /// the key of the `[..]` notation.
    pub fn to_markdown(&self) -> String {
        let h = self.header();
        let cov = self.coverage.is_some();
        let mut out = format!(
            "| {} | {} | {} | {} | {} |{} {} |\n",
            h[0],
            h[1],
            h[4],
            h[2],
            h[3],
            if cov { " coverage |" } else { "" },
            h[5]
        );
        out.push_str(if cov {
            "|---|---|---|---:|---|---:|---|\n"
        } else {
            "|---|---|---|---:|---|---|\n"
        });
        for (r, row) in self.cells().into_iter().zip(&self.rows) {
            out.push_str(&format!(
                "| {} | `{}` | {} | {} | {} |{} {} |\n",
                r[0],
                r[1],
                r[4],
                r[2],
                r[3],
                if cov {
                    format!(" {} |", fmt_coverage(row))
                } else {
                    String::new()
                },
                r[5].replace('|', "/")
            ));
        }
        out.push_str(&format!(
            "\n{} lists ({}), {} cases observed{}. Models: {}.\n",
            self.lists.len(),
            self.lists.join(", "),
            self.observed,
            self.bootstrap.map_or(String::new(), |b| format!(
                "; bootstrap {} replicates, seed {}",
                b.replicates, b.seed
            )),
            self.key()
        ));
        if let Some(c) = &self.coverage {
            out.push_str(&format!("{}.\n", c.describe(self.level)));
        }
        out
    }

    /// CSV with numeric columns; after the original eight columns `id`, the model by list
    /// names and the lists (space-separated, in every row), and with a coverage study
    /// `coverage` and `coverage_se`.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let cov = self.coverage.is_some();
        let mut head = vec![
            "method",
            "model",
            "estimate",
            "interval",
            "level",
            "lower",
            "upper",
            "notes",
            "id",
            "model_names",
            "lists",
        ];
        if cov {
            head.extend(["coverage", "coverage_se"]);
        }
        let _ = w.write_record(&head);
        let num = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v}"));
        for r in &self.rows {
            let mut rec = vec![
                r.method.clone(),
                r.model.clone().unwrap_or_default(),
                num(r.estimate),
                r.interval.map_or(String::new(), |m| m.name().to_string()),
                format!("{}", self.level),
                num(r.lower),
                num(r.upper),
                r.notes.join("; "),
                r.id.clone(),
                r.model_names.clone().unwrap_or_default(),
                self.lists.join(" "),
            ];
            if cov {
                rec.extend([num(r.coverage), num(r.coverage_se)]);
            }
            let _ = w.write_record(&rec);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}
