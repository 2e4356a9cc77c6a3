//! R's model-formula language over list and covariate names.
//!
//! Supported: `+` (union of terms), `:` (interaction; `a:a = a`), `*` (`a*b = a + b + a:b`),
//! `^n` (every product of up to `n` of the terms), parentheses, `.` (every variable of the
//! table in column order), `- term` (remove a term), an optional response `count ~`, and `1`
//! (the intercept, which is always present). `/`, `%in%`, functions and removing the
//! intercept (`0`, `- 1`) are errors.
//!
//! # Term order (R's `terms.formula`)
//! Terms are sets of variables. Expansion keeps the first occurrence of a repeated term:
//! `a + b` is `a`'s terms then `b`'s; `a:b` is every `l ∪ r` with `l` from `a` in the outer
//! loop; `a*b` is `a + b + a:b`; `(a)^n` multiplies the running list by `a`'s terms `n − 1`
//! times. The result is sorted by degree (number of variables), stably, so within a degree
//! terms keep their order of first appearance: `(a+b+c+d)^2` gives a:b, a:c, a:d, b:c, b:d,
//! c:d. Variables are numbered in order of first appearance in the formula (`.` expands in
//! place), and a term's label lists its variables in that order: `A*b + B*a + a*b` gives A,
//! b, B, a, A:b, B:a, b:a.
//!
//! Nothing is added behind the user's back: every list's main effect must be written (an
//! error names a missing one), and covariates not in the formula are simply not in the model.

use super::parse::{syntax, tokenize, Expr, Parser, Tok};
use super::table::{CovariateTable, Variable};
use crate::error::Result;
use serde::Serialize;

/// A parsed formula (not yet tied to a table).
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    text: String,
    response: Option<String>,
    rhs: Expr,
}

/// The terms of a formula resolved against a table: variables in formula order and terms as
/// bitsets over them (bit `i` = the `i`-th variable), sorted as R sorts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Terms {
    /// Variables in order of first appearance in the formula.
    pub variables: Vec<Variable>,
    /// Their names.
    pub names: Vec<String>,
    /// Terms (bitsets over `variables`), by degree then first appearance.
    pub sets: Vec<u64>,
}

impl Terms {
    /// Term labels (`R1`, `X1:Y`).
    pub fn labels(&self) -> Vec<String> {
        self.sets.iter().map(|&s| self.label(s)).collect()
    }

    /// The label of one term: its variables in formula order joined by `:`.
    pub fn label(&self, set: u64) -> String {
        (0..self.names.len())
            .filter(|i| set >> i & 1 == 1)
            .map(|i| self.names[i].as_str())
            .collect::<Vec<_>>()
            .join(":")
    }

    /// The right-hand side in R's printed form, `R1 + R2 + R1:X1`.
    pub fn formula(&self) -> String {
        self.labels().join(" + ")
    }

    /// Number of terms (the intercept not counted).
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    /// No terms.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// The bitset of a term given by variable names (in any order), if every name is a
    /// variable of these terms.
    pub fn set_of(&self, names: &[&str]) -> Option<u64> {
        names.iter().try_fold(0u64, |acc, n| {
            self.names.iter().position(|x| x == n).map(|i| acc | 1 << i)
        })
    }

    /// Add a term at the end of its degree block (R's `update(f, . ~ . + term)`); no-op if
    /// present.
    pub fn add(&mut self, set: u64) {
        if !self.sets.contains(&set) {
            self.sets.push(set);
            self.sets.sort_by_key(|s| s.count_ones());
        }
    }

    /// The terms with indices `model` (in that order, then stably by degree, as R orders an
    /// updated formula), over the same variables.
    pub fn subset(&self, model: &[usize]) -> Terms {
        let mut sets: Vec<u64> = model.iter().map(|&t| self.sets[t]).collect();
        sets.sort_by_key(|s| s.count_ones());
        Terms {
            variables: self.variables.clone(),
            names: self.names.clone(),
            sets,
        }
    }

    /// Remove a term; no-op if absent.
    pub fn remove(&mut self, set: u64) {
        self.sets.retain(|&s| s != set);
    }
}

impl Formula {
    /// Parse `count ~ rhs` or just `rhs`.
    ///
    /// # Errors
    /// [`Error::ModelSyntax`] naming the position (1-based character) of the problem.
    ///
    /// # Example
    /// ```
    /// use darkfigure::estimators::covariates::Formula;
    /// assert!(Formula::parse("count ~ (A + B + C)^2 + A:sex").is_ok());
    /// let e = Formula::parse("A + * B").unwrap_err();
    /// assert!(e.to_string().contains("position 5"));
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        let toks = tokenize(text)?;
        let tilde = toks.iter().position(|t| t.0 == Tok::Op('~'));
        let (response, rhs_toks) = match tilde {
            None => (None, toks),
            Some(0) => (None, toks[1..].to_vec()),
            Some(1) => match &toks[0].0 {
                Tok::Name(n) => (Some(n.clone()), toks[2..].to_vec()),
                _ => return Err(syntax(text, "at position 1: the response must be a name")),
            },
            Some(k) => {
                return Err(syntax(
                    text,
                    format!(
                        "at position {}: the response (left of '~') must be a single name",
                        toks[k].1
                    ),
                ))
            }
        };
        let mut p = Parser {
            text,
            toks: rhs_toks,
            at: 0,
        };
        let rhs = p.sum()?;
        if p.at != p.toks.len() {
            return Err(p.err("'+', '-', '*', ':', '^' or the end"));
        }
        Ok(Self {
            text: text.to_string(),
            response,
            rhs,
        })
    }

    /// The formula as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Expand the formula on `table`'s variables.
    ///
    /// # Errors
    /// [`Error::ModelSyntax`] for a name that is not a list or covariate of the table, a
    /// response that is one, a missing list main effect, or more than 64 variables.
    pub fn terms(&self, table: &CovariateTable) -> Result<Terms> {
        let mut vars: Vec<Variable> = Vec::new();
        if let Some(r) = &self.response {
            if table.variable(r).is_some() {
                return Err(syntax(
                    &self.text,
                    format!("the response '{r}' is a list or covariate; write 'count ~ …' or leave the response out"),
                ));
            }
        }
        let sets = self.encode(&self.rhs, table, &mut vars)?;
        let mut sets: Vec<u64> = sets.into_iter().filter(|&s| s != 0).collect();
        sets.sort_by_key(|s| s.count_ones());
        let names: Vec<String> = vars
            .iter()
            .map(|&v| table.variable_name(v).to_string())
            .collect();
        for (i, l) in table.list_names().iter().enumerate() {
            let present = vars
                .iter()
                .position(|&v| v == Variable::List(i))
                .is_some_and(|b| sets.contains(&(1 << b)));
            if !present {
                return Err(syntax(
                    &self.text,
                    format!("the main effect of list '{l}' is missing; every list must enter the model as a main effect"),
                ));
            }
        }
        Ok(Terms {
            variables: vars,
            names,
            sets,
        })
    }

    fn install(&self, v: Variable, vars: &mut Vec<Variable>) -> Result<u64> {
        let i = match vars.iter().position(|&x| x == v) {
            Some(i) => i,
            None => {
                vars.push(v);
                vars.len() - 1
            }
        };
        if i >= 64 {
            return Err(syntax(&self.text, "more than 64 variables"));
        }
        Ok(1 << i)
    }

    fn encode(
        &self,
        e: &Expr,
        table: &CovariateTable,
        vars: &mut Vec<Variable>,
    ) -> Result<Vec<u64>> {
        Ok(match e {
            Expr::Name(n, pos) => {
                let v = table.variable(n).ok_or_else(|| {
                    let covs: Vec<&str> = table.covariates().iter().map(|c| c.name.as_str()).collect();
                    syntax(
                        &self.text,
                        format!(
                            "at position {pos}: '{n}' is neither a list nor a covariate of the table (lists {:?}, covariates {covs:?})",
                            table.list_names()
                        ),
                    )
                })?;
                vec![self.install(v, vars)?]
            }
            Expr::Dot => {
                let mut out = Vec::new();
                for &v in table.variables() {
                    out.push(self.install(v, vars)?);
                }
                out
            }
            Expr::One => Vec::new(),
            Expr::Plus(a, b) => {
                let mut l = self.encode(a, table, vars)?;
                l.extend(self.encode(b, table, vars)?);
                trim(l)
            }
            Expr::Minus(a, b) => {
                let l = self.encode(a, table, vars)?;
                let r = self.encode(b, table, vars)?;
                l.into_iter().filter(|s| !r.contains(s)).collect()
            }
            Expr::Neg(a) => {
                self.encode(a, table, vars)?;
                Vec::new()
            }
            Expr::Colon(a, b) => {
                let l = self.encode(a, table, vars)?;
                let r = self.encode(b, table, vars)?;
                interact(&l, &r)
            }
            Expr::Star(a, b) => {
                let l = self.encode(a, table, vars)?;
                let r = self.encode(b, table, vars)?;
                let mut out = l.clone();
                out.extend(&r);
                out.extend(interact(&l, &r));
                trim(out)
            }
            Expr::Power(a, k) => {
                let base = self.encode(a, table, vars)?;
                let mut cur = base.clone();
                for _ in 1..*k {
                    cur = interact(&base, &cur);
                }
                cur
            }
        })
    }
}

fn interact(l: &[u64], r: &[u64]) -> Vec<u64> {
    trim(
        l.iter()
            .flat_map(|&a| r.iter().map(move |&b| a | b))
            .collect(),
    )
}

fn trim(v: Vec<u64>) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::with_capacity(v.len());
    for s in v {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::covariates::table::TableSpec;

    fn table(lists: &[&str], covs: &[&str]) -> CovariateTable {
        let vals: Vec<String> = covs.iter().map(|_| "1".to_string()).collect();
        CovariateTable::from_rows(
            lists.iter().map(|s| s.to_string()).collect(),
            vec![(1, vals, 1)],
            &TableSpec::new(covs.iter().copied()),
        )
        .unwrap()
    }

    fn labels(f: &str, t: &CovariateTable) -> Vec<String> {
        Formula::parse(f).unwrap().terms(t).unwrap().labels()
    }

    #[test]
    fn r_term_order() {
        let t = table(&["A", "B"], &["a", "b"]);
        assert_eq!(
            labels("Freq ~ A*b + B*a + a*b", &t),
            ["A", "b", "B", "a", "A:b", "B:a", "b:a"]
        );
        let t = table(&["a", "b", "c", "d"], &[]);
        assert_eq!(
            labels("(a+b+c+d)^2", &t),
            ["a", "b", "c", "d", "a:b", "a:c", "a:d", "b:c", "b:d", "c:d"]
        );
        assert_eq!(labels(". + a:b - a:b", &t), ["a", "b", "c", "d"]);
    }

    #[test]
    fn distribution_dot_and_removal() {
        let t = table(&["A", "B", "C"], &["x", "y"]);
        assert_eq!(
            labels("A + B + C + (A + B):(x + y)", &t),
            ["A", "B", "C", "A:x", "A:y", "B:x", "B:y"]
        );
        assert_eq!(labels(".", &t), ["A", "B", "C", "x", "y"]);
        assert_eq!(
            labels(".^2 - A:B - x:y", &t),
            ["A", "B", "C", "x", "y", "A:C", "A:x", "A:y", "B:C", "B:x", "B:y", "C:x", "C:y"]
        );
        assert_eq!(labels("A + B + C + x:A:x", &t), ["A", "B", "C", "A:x"]);
        assert_eq!(labels("1 + A + B + C", &t), ["A", "B", "C"]);
    }

    #[test]
    fn errors_name_position() {
        let t = table(&["A", "B"], &["x"]);
        let e = Formula::parse("A + B + z").unwrap().terms(&t).unwrap_err();
        assert!(
            e.to_string().contains("position 9") && e.to_string().contains("'z'"),
            "{e}"
        );
        let e = Formula::parse("A + x").unwrap().terms(&t).unwrap_err();
        assert!(e.to_string().contains("'B' is missing"), "{e}");
        for (f, pos) in [
            ("A + (B", 7),
            ("A + B - 1", 9),
            ("A ^ x", 5),
            ("A + B / x", 7),
            ("A B", 3),
        ] {
            let e = Formula::parse(f).unwrap_err().to_string();
            assert!(e.contains(&format!("position {pos}")), "{f}: {e}");
        }
    }
}
