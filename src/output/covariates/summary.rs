//! The counts by level and list of `summary --covariates`.

use crate::estimators::covariates::{CovariateTable, StructuralZero};
use serde::Serialize;
use serde_json::{Map, Value};

/// One level of a covariate in `summary --covariates`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelCounts {
    /// The level.
    pub level: String,
    /// Cases with this level.
    pub observed: u64,
    /// Cases with this level on each list (list name → count).
    pub by_list: Map<String, Value>,
    /// Lists that did not operate at this level (`--absent`).
    pub absent_lists: Vec<String>,
}

/// `summary --covariates --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateSummary {
    /// Observed cases.
    pub observed: u64,
    /// Each list with its size.
    pub lists: Vec<Map<String, Value>>,
    /// Covariates, each with its levels and their counts.
    pub covariates: Vec<Map<String, Value>>,
    /// Structural zeros.
    pub absent: Vec<StructuralZero>,
    /// Observable cells (histories × combinations, structural zeros excluded).
    pub cells_observable: usize,
    /// Observable cells with count 0.
    pub cells_empty: usize,
    /// Covariate combinations (= unobserved cells).
    pub combinations: usize,
    /// Combinations with no observed case.
    pub combinations_empty: usize,
    /// Warnings.
    pub warnings: Vec<String>,
}

impl CovariateSummary {
    /// Counts of `table` by list and by level.
    pub fn new(table: &CovariateTable) -> Self {
        let lists = table.list_names();
        let (h, cs, y) = (table.histories(), table.combinations(), table.counts());
        let size = |l: usize, keep: &dyn Fn(usize) -> bool| -> u64 {
            (0..y.len())
                .filter(|&i| h[i] >> l & 1 == 1 && keep(cs[i]))
                .map(|i| y[i])
                .sum()
        };
        let list_rows = lists
            .iter()
            .enumerate()
            .map(|(l, name)| {
                let mut m = Map::new();
                m.insert("name".into(), Value::from(name.clone()));
                m.insert("size".into(), Value::from(size(l, &|_| true)));
                m
            })
            .collect();
        let mut warnings = Vec::new();
        let covariates = table
            .covariates()
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let levels: Vec<LevelCounts> = c
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(k, lev)| {
                        let keep = |comb: usize| table.level_of(comb, j) == k;
                        let observed: u64 = (0..y.len()).filter(|&i| keep(cs[i])).map(|i| y[i]).sum();
                        let mut by_list = Map::new();
                        for (l, name) in lists.iter().enumerate() {
                            by_list.insert(name.clone(), Value::from(size(l, &keep)));
                        }
                        let absent_lists = table
                            .structural_zeros()
                            .iter()
                            .filter(|z| z.covariate == c.name && z.levels.contains(lev))
                            .map(|z| z.list.clone())
                            .collect();
                        if observed < 5 {
                            warnings.push(format!(
                                "{} = '{lev}' has {observed} observed case(s): its estimate rests on the model's assumptions almost alone",
                                c.name
                            ));
                        }
                        LevelCounts {
                            level: lev.clone(),
                            observed,
                            by_list,
                            absent_lists,
                        }
                    })
                    .collect();
                let mut m = Map::new();
                m.insert("name".into(), Value::from(c.name.clone()));
                m.insert(
                    "levels".into(),
                    serde_json::to_value(levels).expect("levels serialise"),
                );
                m
            })
            .collect();
        let mut per_comb = vec![0u64; table.n_combinations()];
        for (&c, &k) in cs.iter().zip(y) {
            per_comb[c] += k;
        }
        Self {
            observed: table.observed(),
            lists: list_rows,
            covariates,
            absent: table.structural_zeros().to_vec(),
            cells_observable: table.n_cells(),
            cells_empty: y.iter().filter(|&&k| k == 0).count(),
            combinations: table.n_combinations(),
            combinations_empty: per_comb.iter().filter(|&&k| k == 0).count(),
            warnings,
        }
    }

    /// Plain text.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{} observed cases on {} lists; {} covariate combinations ({} without a case); {} observable cells ({} empty)\n\nlists:\n",
            self.observed,
            self.lists.len(),
            self.combinations,
            self.combinations_empty,
            self.cells_observable,
            self.cells_empty
        );
        let names: Vec<String> = self
            .lists
            .iter()
            .map(|l| l["name"].as_str().unwrap_or_default().to_string())
            .collect();
        for l in &self.lists {
            out.push_str(&format!(
                "  {:<12} {:>8}\n",
                l["name"].as_str().unwrap_or_default(),
                l["size"].to_string()
            ));
        }
        for c in &self.covariates {
            out.push_str(&format!(
                "\n{}:\n  {:<12} {:>8}",
                c["name"].as_str().unwrap_or_default(),
                "level",
                "cases"
            ));
            for n in &names {
                out.push_str(&format!(" {n:>8}"));
            }
            out.push('\n');
            for lv in c["levels"].as_array().into_iter().flatten() {
                out.push_str(&format!(
                    "  {:<12} {:>8}",
                    lv["level"].as_str().unwrap_or_default(),
                    lv["observed"].to_string()
                ));
                for n in &names {
                    let absent = lv["absent_lists"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(n)));
                    let v = if absent {
                        "absent".to_string()
                    } else {
                        lv["by_list"][n].to_string()
                    };
                    out.push_str(&format!(" {v:>8}"));
                }
                out.push('\n');
            }
        }
        for w in &self.warnings {
            out.push_str(&format!("\nwarning: {w}"));
        }
        if !self.warnings.is_empty() {
            out.push('\n');
        }
        out
    }
}
