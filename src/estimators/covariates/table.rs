//! Capture tables with categorical covariates.
//!
//! A cell is a capture history `h` (bitmask over the `t` lists, list 1 at bit 0, as in
//! [`crate::data::table`]) and one level per covariate. The *covariate combination* `c` of a cell is
//! its tuple of level indices, numbered in mixed radix with the **first covariate varying
//! fastest** (R's `expand.grid`/`table` order).
//!
//! * *Observable cells* `O`: every `(h, c)` with `h ≠ 0`, sampling zeros (count 0) included,
//!   minus the structural zeros. They are stored in canonical order: combination major,
//!   history minor (`h = 1, 2, …, 2^t − 1`), so the order of input rows never matters.
//! * *Unobserved cells* `U`: one all-lists-0 cell `(0, c)` per combination, the full product
//!   of the levels.
//! * *Structural zeros*: "list L did not operate for levels V of covariate C" — the cells with
//!   `L = 1` and `C ∈ V` cannot occur; they are neither fitted nor predicted.
//!
//! Levels are sorted as R's `factor()` sorts them — numerically when every value is a number,
//! otherwise in byte order — unless the caller gives an explicit order. The first level is the
//! baseline of the treatment contrasts.

use serde::Serialize;

/// Largest number of lists.
pub const MAX_LISTS: usize = 20;
/// Largest number of cells `2^t × Π K_v` a table may span.
pub const MAX_CELLS: usize = 1 << 24;
/// The level name given to missing values kept as their own level.
pub const MISSING_LEVEL: &str = "NA";

/// A categorical covariate: its name and levels (the first is the baseline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Covariate {
    /// Column name.
    pub name: String,
    /// Levels in factor order.
    pub levels: Vec<String>,
}

/// A variable of the table, in input column order (what `.` expands to in a formula).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Variable {
    /// List `i` (0-based).
    List(usize),
    /// Covariate `j` (0-based).
    Covariate(usize),
}

/// "List `list` did not operate for these `levels` of `covariate`."
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StructuralZero {
    /// List name.
    pub list: String,
    /// Covariate name.
    pub covariate: String,
    /// Levels of the covariate for which the list did not operate.
    pub levels: Vec<String>,
}

/// What to do with a missing covariate value (an empty field or `NA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum MissingValues {
    /// An error naming file, line and column (default).
    #[default]
    Error,
    /// Keep missing values as their own level `NA`, placed last.
    AsLevel,
}

/// How a table is read and which levels it has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableSpec {
    /// List columns, in this order; `None`: every column that is not a covariate, the count
    /// column or (long format) the list/id column.
    pub lists: Option<Vec<String>>,
    /// Covariate columns, in this order.
    pub covariates: Vec<String>,
    /// Name of the count column of a frequency table (default `count`).
    pub count: Option<String>,
    /// Explicit level orders (covariate name, every level in order).
    pub level_order: Vec<(String, Vec<String>)>,
    /// Structural zeros.
    pub structural_zeros: Vec<StructuralZero>,
    /// Missing covariate values.
    pub missing: MissingValues,
    /// Long format: the list column (default `list`) and the id column (default `id`).
    pub long_columns: Option<(String, String)>,
}

impl TableSpec {
    /// A spec naming the covariate columns.
    pub fn new<S: Into<String>>(covariates: impl IntoIterator<Item = S>) -> Self {
        Self {
            covariates: covariates.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Builder: the list columns.
    pub fn lists<S: Into<String>>(mut self, lists: impl IntoIterator<Item = S>) -> Self {
        self.lists = Some(lists.into_iter().map(Into::into).collect());
        self
    }

    /// Builder: the count column.
    pub fn count_column(mut self, name: impl Into<String>) -> Self {
        self.count = Some(name.into());
        self
    }

    /// Builder: an explicit level order for one covariate (every level, baseline first).
    pub fn level_order<S: Into<String>>(
        mut self,
        covariate: impl Into<String>,
        levels: impl IntoIterator<Item = S>,
    ) -> Self {
        self.level_order.push((
            covariate.into(),
            levels.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// Builder: list `list` did not operate for `levels` of `covariate`.
    pub fn structural_zero<S: Into<String>>(
        mut self,
        list: impl Into<String>,
        covariate: impl Into<String>,
        levels: impl IntoIterator<Item = S>,
    ) -> Self {
        self.structural_zeros.push(StructuralZero {
            list: list.into(),
            covariate: covariate.into(),
            levels: levels.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Builder: keep missing values as their own level.
    pub fn missing(mut self, missing: MissingValues) -> Self {
        self.missing = missing;
        self
    }

    /// Builder: the long-format list and id columns.
    pub fn long_columns(mut self, list: impl Into<String>, id: impl Into<String>) -> Self {
        self.long_columns = Some((list.into(), id.into()));
        self
    }

    pub(crate) fn count_name(&self) -> &str {
        self.count.as_deref().unwrap_or("count")
    }
}

/// One input row before validation: where it came from, its history, its covariate values
/// (with their 1-based columns) and its count.
#[derive(Debug, Clone)]
pub(crate) struct RawRow {
    pub line: u64,
    pub history: u32,
    pub values: Vec<String>,
    pub count: u64,
}

/// A validated capture table with covariates.
///
/// Invariants (checked once, when built): `2 ≤ t ≤ MAX_LISTS` distinct non-empty list names,
/// distinct covariate names, every covariate has at least one level, at least one observed
/// case, no count on a structural zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateTable {
    pub(super) lists: Vec<String>,
    pub(super) covariates: Vec<Covariate>,
    pub(super) variables: Vec<Variable>,
    pub(super) structural: Vec<StructuralZero>,
    /// `(list, covariate, level)` triples that are structural zeros.
    #[serde(skip)]
    pub(super) blocked: Vec<(usize, usize, usize)>,
    /// Observable cells: history and combination.
    pub(super) histories: Vec<u32>,
    pub(super) combinations: Vec<usize>,
    pub(super) counts: Vec<u64>,
    pub(super) n_combinations: usize,
    pub(super) n_obs: u64,
}

impl CovariateTable {
    /// Number of lists `t`.
    pub fn lists(&self) -> usize {
        self.lists.len()
    }

    /// List names.
    pub fn list_names(&self) -> &[String] {
        &self.lists
    }

    /// Covariates with their levels.
    pub fn covariates(&self) -> &[Covariate] {
        &self.covariates
    }

    /// Variables in input column order.
    pub fn variables(&self) -> &[Variable] {
        &self.variables
    }

    /// Name of a variable.
    pub fn variable_name(&self, v: Variable) -> &str {
        match v {
            Variable::List(i) => &self.lists[i],
            Variable::Covariate(j) => &self.covariates[j].name,
        }
    }

    /// Look a variable up by name.
    pub fn variable(&self, name: &str) -> Option<Variable> {
        self.variables
            .iter()
            .copied()
            .find(|&v| self.variable_name(v) == name)
    }

    /// The structural zeros as given.
    pub fn structural_zeros(&self) -> &[StructuralZero] {
        &self.structural
    }

    /// Number of observable cells `|O|`.
    pub fn n_cells(&self) -> usize {
        self.counts.len()
    }

    /// Number of covariate combinations (= unobserved cells `|U|`).
    pub fn n_combinations(&self) -> usize {
        self.n_combinations
    }

    /// Observed individuals `n`.
    pub fn observed(&self) -> u64 {
        self.n_obs
    }

    /// Histories of the observable cells (canonical order).
    pub fn histories(&self) -> &[u32] {
        &self.histories
    }

    /// Combination index of each observable cell.
    pub fn combinations(&self) -> &[usize] {
        &self.combinations
    }

    /// Counts of the observable cells.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Level index of covariate `j` in combination `c`.
    pub fn level_of(&self, c: usize, j: usize) -> usize {
        let mut c = c;
        for cov in &self.covariates[..j] {
            c /= cov.levels.len();
        }
        c % self.covariates[j].levels.len()
    }

    /// Level indices of combination `c`.
    pub fn levels_of(&self, c: usize) -> Vec<usize> {
        (0..self.covariates.len())
            .map(|j| self.level_of(c, j))
            .collect()
    }

    /// The same layout with other counts of the observable cells (a bootstrap replicate).
    ///
    /// # Errors
    /// [`crate::error::Error::Undefined`] if `counts` has the wrong length or no case.
    pub fn with_counts(&self, counts: &[u64]) -> crate::error::Result<Self> {
        let n: u64 = counts.iter().sum();
        if counts.len() != self.counts.len() || n == 0 {
            return Err(crate::error::Error::Undefined {
                what: "a table with these counts",
                reason: format!(
                    "{} counts with total {n} for {} observable cells",
                    counts.len(),
                    self.counts.len()
                ),
            });
        }
        let mut t = self.clone();
        t.counts = counts.to_vec();
        t.n_obs = n;
        Ok(t)
    }

    /// Whether cell `(h, c)` is a structural zero.
    pub fn is_structural(&self, h: u32, c: usize) -> bool {
        self.blocked
            .iter()
            .any(|&(l, j, lev)| h >> l & 1 == 1 && self.level_of(c, j) == lev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn structural_cells_are_absent() {
        let spec = TableSpec::new(["year"]).structural_zero("C", "year", ["2015"]);
        let rows = vec![
            (0b001, vec!["2015".to_string()], 3),
            (0b100, vec!["2016".to_string()], 2),
            (0b101, vec!["2015".to_string()], 0),
        ];
        let t = CovariateTable::from_rows(vec!["A".into(), "B".into(), "C".into()], rows, &spec)
            .unwrap();
        assert_eq!(t.n_cells(), 3 + 7);
        assert_eq!(t.n_combinations(), 2);
        assert!(t.is_structural(0b100, 0));
        assert!(!t.is_structural(0b100, 1));
        let bad = vec![(0b100, vec!["2015".to_string()], 1)];
        let e = CovariateTable::from_rows(vec!["A".into(), "B".into(), "C".into()], bad, &spec)
            .unwrap_err();
        assert!(e.to_string().contains("<memory>:1"), "{e}");
    }
}
