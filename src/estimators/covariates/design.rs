//! The model matrix of a formula on the observable cells, in R's column order and names,
//! the aliasing rule, and the design rows of the unobserved cells.
//!
//! # Columns (R's `model.matrix` with treatment contrasts)
//! * `(Intercept)` first, then the terms in order.
//! * A list is one numeric 0/1 column named after the list.
//! * A factor with `K` levels gives `K − 1` indicator columns `var+level` (levels 2..K) when
//!   coded by contrasts, or `K` indicators when not. R's rule (`TermCode` in `terms.formula`):
//!   factor `F` of term `T` is coded by contrasts if `T ∖ {F}` is empty or contained in a term
//!   before `T`; otherwise it gets all `K` indicators. In hierarchical models contrasts are
//!   always used.
//! * An interaction is the product of its members' columns with the **first variable varying
//!   fastest** (`X42:Y2, X43:Y2, X42:Y3, …`), named by joining the members' names with `:`.
//!
//! # Aliasing
//! The unweighted matrix is factorised by [`Qr`] with tolerance `1e-7` (R's `dqrdc2` rule):
//! a column whose residual norm after the columns kept before it is below `1e-7` of its own
//! norm is *aliased* — its coefficient is reported as NaN (R's `NA`) and prediction uses the
//! kept coefficients only, as R's `predict` does.
//!
//! Dense `f64` storage: westeros (1,440 cells × up to 75 columns) is 0.9 MB.

use super::formula::Terms;
use super::qr::Qr;
use super::table::{CovariateTable, Variable};
use serde::Serialize;

/// Tolerance of the aliasing rule (R's `lm`/reference rule).
pub const ALIAS_TOL: f64 = 1e-7;

/// One factor of a design column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Factor {
    /// List `i` (value 0/1).
    List(usize),
    /// Indicator of `covariate == level`.
    Level {
        /// Covariate index.
        covariate: usize,
        /// Level index.
        level: usize,
    },
    /// Orthogonal polynomial of degree `degree` (1-based) in the level codes of `covariate`
    /// (see [`Poly`]).
    Poly {
        /// Covariate index.
        covariate: usize,
        /// Degree, 1..d.
        degree: usize,
    },
}

/// R's `poly(codes, d)` for one covariate: the level codes `1..K` enter as `d` orthogonal
/// polynomial columns (`Y1`, `Y2`, …) instead of `K − 1` indicators, as `mse::model_search`
/// does with `degree_year`.
///
/// # Formula
/// Over all rows of the table (observable and unobserved cells), column `j` is the residual
/// of `(t − t̄)^j` after regressing on the lower powers (constant included), scaled to unit
/// length. The values depend only on the level, so they are stored per level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Poly {
    /// Covariate index.
    pub covariate: usize,
    /// `values[j − 1][ℓ]`: degree `j` at level `ℓ`.
    pub values: Vec<Vec<f64>>,
}

impl Poly {
    /// The basis of degree `degree` for covariate `covariate` of `table`.
    ///
    /// # Errors
    /// [`crate::error::Error::InvalidOption`] if `degree` is 0 or not below the number of levels.
    pub fn new(
        table: &CovariateTable,
        covariate: usize,
        degree: usize,
    ) -> crate::error::Result<Self> {
        let k = table.covariates()[covariate].levels.len();
        if degree == 0 || degree >= k {
            return Err(crate::error::Error::InvalidOption {
                name: "degree_year",
                value: degree.to_string(),
                problem: format!(
                    "must be at least 1 and below the number of levels ({k}) of '{}'",
                    table.covariates()[covariate].name
                ),
            });
        }
        // Rows per level: observable cells and one unobserved cell per combination.
        let mut weight = vec![0.0f64; k];
        for &c in table.combinations() {
            weight[table.level_of(c, covariate)] += 1.0;
        }
        for c in 0..table.n_combinations() {
            weight[table.level_of(c, covariate)] += 1.0;
        }
        let total: f64 = weight.iter().sum();
        let mean = (0..k).map(|l| weight[l] * (l + 1) as f64).sum::<f64>() / total;
        let dotw = |a: &[f64], b: &[f64]| -> f64 { (0..k).map(|l| weight[l] * a[l] * b[l]).sum() };
        let mut basis: Vec<Vec<f64>> = vec![vec![1.0; k]];
        for j in 1..=degree {
            let mut v: Vec<f64> = (0..k)
                .map(|l| ((l + 1) as f64 - mean).powi(j as i32))
                .collect();
            for b in &basis {
                let c = dotw(&v, b) / dotw(b, b);
                for l in 0..k {
                    v[l] -= c * b[l];
                }
            }
            basis.push(v);
        }
        let values = basis[1..]
            .iter()
            .map(|v| {
                let norm = dotw(v, v).sqrt();
                v.iter().map(|x| x / norm).collect()
            })
            .collect();
        Ok(Self { covariate, values })
    }
}

/// One column of the design.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// R's name: `(Intercept)`, `R1`, `X42`, `R1:X42`.
    pub name: String,
    /// Index into the terms (`None` for the intercept).
    pub term: Option<usize>,
    /// The column is the product of these indicators (empty for the intercept).
    pub factors: Vec<Factor>,
}

impl Column {
    /// Value of the column in cell `(h, levels)`: the product of its factors (indicators are
    /// 0/1; polynomial factors take their values from `poly`).
    ///
    /// # Panics
    /// If the column has a polynomial factor and `poly` is `None`.
    pub fn value(&self, h: u32, levels: &[usize], poly: Option<&Poly>) -> f64 {
        let mut v = 1.0;
        for f in &self.factors {
            match *f {
                Factor::List(i) => {
                    if h >> i & 1 == 0 {
                        return 0.0;
                    }
                }
                Factor::Level { covariate, level } => {
                    if levels[covariate] != level {
                        return 0.0;
                    }
                }
                Factor::Poly { covariate, degree } => {
                    v *= poly.expect("polynomial coding given").values[degree - 1]
                        [levels[covariate]];
                }
            }
        }
        v
    }

    /// Whether the column involves a list (and so is 0 in every unobserved cell).
    pub fn has_list(&self) -> bool {
        self.factors.iter().any(|f| matches!(f, Factor::List(_)))
    }
}

/// The model matrix on the observable cells and the unobserved cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Columns in R's order.
    pub columns: Vec<Column>,
    /// Observable cells (rows of `x`), in the table's order.
    pub n_rows: usize,
    /// `n_rows × p`, column-major.
    pub x: Vec<f64>,
    /// Unobserved cells (one per combination) × p, column-major.
    pub u: Vec<f64>,
    /// Number of unobserved cells.
    pub n_unobserved: usize,
    /// Polynomial coding of one covariate, if any.
    pub poly: Option<Poly>,
}

/// Build the columns of `terms` for `table` (names and factors, no values); the covariate of
/// `poly`, if any, enters as polynomial columns.
pub fn columns(table: &CovariateTable, terms: &Terms, poly: Option<&Poly>) -> Vec<Column> {
    let mut cols = vec![Column {
        name: "(Intercept)".into(),
        term: None,
        factors: Vec::new(),
    }];
    for (ti, &set) in terms.sets.iter().enumerate() {
        // Each variable in formula order: its alternatives (factor, name part).
        let mut parts: Vec<Vec<(Factor, String)>> = Vec::new();
        for (b, &v) in terms.variables.iter().enumerate() {
            if set >> b & 1 == 0 {
                continue;
            }
            match v {
                Variable::List(i) => {
                    parts.push(vec![(Factor::List(i), table.list_names()[i].clone())])
                }
                Variable::Covariate(j) if poly.is_some_and(|p| p.covariate == j) => {
                    let name = &table.covariates()[j].name;
                    let d = poly.map_or(0, |p| p.values.len());
                    parts.push(
                        (1..=d)
                            .map(|degree| {
                                (
                                    Factor::Poly {
                                        covariate: j,
                                        degree,
                                    },
                                    format!("{name}{degree}"),
                                )
                            })
                            .collect(),
                    );
                }
                Variable::Covariate(j) => {
                    let cov = &table.covariates()[j];
                    let reduced = set & !(1u64 << b);
                    let contrasts =
                        reduced == 0 || terms.sets[..ti].iter().any(|&s| s & reduced == reduced);
                    let first = usize::from(contrasts);
                    parts.push(
                        (first..cov.levels.len())
                            .map(|l| {
                                (
                                    Factor::Level {
                                        covariate: j,
                                        level: l,
                                    },
                                    format!("{}{}", cov.name, cov.levels[l]),
                                )
                            })
                            .collect(),
                    );
                }
            }
        }
        // Cartesian product, first variable fastest.
        let total: usize = parts.iter().map(Vec::len).product();
        for mut idx in 0..total {
            let mut factors = Vec::with_capacity(parts.len());
            let mut names = Vec::with_capacity(parts.len());
            for part in &parts {
                let (f, n) = &part[idx % part.len()];
                idx /= part.len();
                factors.push(*f);
                names.push(n.as_str());
            }
            cols.push(Column {
                name: names.join(":"),
                term: Some(ti),
                factors,
            });
        }
    }
    cols
}

impl Design {
    /// The design of `terms` on `table`'s observable and unobserved cells.
    pub fn new(table: &CovariateTable, terms: &Terms) -> Self {
        Self::with_poly(table, terms, None)
    }

    /// [`Design::new`] with one covariate coded by orthogonal polynomials.
    pub fn with_poly(table: &CovariateTable, terms: &Terms, poly: Option<Poly>) -> Self {
        let columns = columns(table, terms, poly.as_ref());
        let n = table.n_cells();
        let nu = table.n_combinations();
        let p = columns.len();
        let levels: Vec<Vec<usize>> = (0..nu).map(|c| table.levels_of(c)).collect();
        let mut x = vec![0.0; n * p];
        let mut u = vec![0.0; nu * p];
        for (j, col) in columns.iter().enumerate() {
            for (i, (&h, &c)) in table
                .histories()
                .iter()
                .zip(table.combinations())
                .enumerate()
            {
                x[j * n + i] = col.value(h, &levels[c], poly.as_ref());
            }
            for (c, lv) in levels.iter().enumerate() {
                u[j * nu + c] = col.value(0, lv, poly.as_ref());
            }
        }
        Self {
            columns,
            n_rows: n,
            x,
            u,
            n_unobserved: nu,
            poly,
        }
    }

    /// Number of columns.
    pub fn p(&self) -> usize {
        self.columns.len()
    }

    /// Column `j` on the observable cells.
    pub fn col(&self, j: usize) -> &[f64] {
        &self.x[j * self.n_rows..(j + 1) * self.n_rows]
    }

    /// Column `j` on the unobserved cells.
    pub fn ucol(&self, j: usize) -> &[f64] {
        &self.u[j * self.n_unobserved..(j + 1) * self.n_unobserved]
    }

    /// The submatrix of rows `rows` and columns `cols` (column-major).
    pub fn sub(&self, rows: &[usize], cols: &[usize]) -> Vec<f64> {
        let mut out = Vec::with_capacity(rows.len() * cols.len());
        for &j in cols {
            let c = self.col(j);
            out.extend(rows.iter().map(|&i| c[i]));
        }
        out
    }

    /// R's aliasing rule on the rows `rows`, among the columns `cols`: returns (kept,
    /// aliased) as indices into the design's columns.
    pub fn alias(&self, rows: &[usize], cols: &[usize]) -> (Vec<usize>, Vec<usize>) {
        let qr = Qr::new(self.sub(rows, cols), rows.len(), cols.len(), ALIAS_TOL);
        (
            qr.kept.iter().map(|&k| cols[k]).collect(),
            qr.aliased.iter().map(|&k| cols[k]).collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::covariates::formula::Formula;
    use crate::estimators::covariates::table::TableSpec;

    fn table() -> CovariateTable {
        let rows = vec![
            (1, vec!["1".to_string(), "a".into()], 2),
            (2, vec!["2".to_string(), "b".into()], 1),
            (3, vec!["3".to_string(), "c".into()], 1),
        ];
        CovariateTable::from_rows(
            vec!["L1".into(), "L2".into()],
            rows,
            &TableSpec::new(["X", "Y"]),
        )
        .unwrap()
    }

    fn names(f: &str) -> Vec<String> {
        let t = table();
        let terms = Formula::parse(f).unwrap().terms(&t).unwrap();
        columns(&t, &terms, None)
            .into_iter()
            .map(|c| c.name)
            .collect()
    }

    #[test]
    fn r_column_names() {
        assert_eq!(
            names("L1 + L2 + X*Y"),
            [
                "(Intercept)",
                "L1",
                "L2",
                "X2",
                "X3",
                "Yb",
                "Yc",
                "X2:Yb",
                "X3:Yb",
                "X2:Yc",
                "X3:Yc"
            ]
        );
        assert_eq!(
            names("L1 + L2 + L1:X"),
            ["(Intercept)", "L1", "L2", "L1:X2", "L1:X3"]
        );
        // Not hierarchical: X gets full dummy coding in X:Y when neither X nor Y is present.
        assert_eq!(
            names("L1 + L2 + X:Y")[3..5],
            ["X1:Ya".to_string(), "X2:Ya".into()]
        );
    }

    #[test]
    fn unobserved_rows_and_alias() {
        let t = table();
        let terms = Formula::parse("L1 + L2 + X + L1:X")
            .unwrap()
            .terms(&t)
            .unwrap();
        let d = Design::new(&t, &terms);
        assert_eq!((d.n_rows, d.p(), d.n_unobserved), (27, 7, 9));
        // Unobserved cells: lists 0 → list columns 0.
        assert!(d.ucol(1).iter().all(|&v| v == 0.0));
        assert_eq!(d.ucol(0), [1.0; 9]);
        let rows: Vec<usize> = (0..d.n_rows).collect();
        let cols: Vec<usize> = (0..d.p()).collect();
        let (kept, aliased) = d.alias(&rows, &cols);
        assert_eq!(kept.len(), 7);
        assert!(aliased.is_empty());
    }
}
