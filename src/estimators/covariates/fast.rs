//! The full fit of a model — extended MLE, identification, existence — on many tables of one
//! layout (bootstrap replicates, the candidates of the existence-aware rules), by the
//! lattice fitter ([`super::lattice`]) with the dense engine ([`super::fit_design`]) as the
//! judge of every unusual case.
//!
//! # What the fast path decides, and when it hands over
//! For a model (a set of design columns of one [`Lattice`]) and counts `y`:
//! 1. R's aliasing rule on the unweighted columns (the lattice's Gram factor). Any aliased
//!    column → dense engine (its estimability test of the unobserved cells is needed).
//! 2. Zero-margin columns (non-negative columns with `Σ x y = 0` that are non-zero somewhere)
//!    are fixed at `−∞`: the cells where they are non-zero are masked out and the rest
//!    re-checked for aliasing on the kept cells. A zero-margin column that is non-zero in an
//!    unobserved cell (a covariate-only term: no case has that combination of levels) puts
//!    that cell's mean at 0 when some removed observable cell of the same combination has the
//!    same values on every `−∞` column (then the unobserved cell's row is in the cone of the
//!    removed rows, the identification test of [`super::existence`]); when there is none, or
//!    a column is aliased only on the kept cells → dense engine.
//! 3. IRLS (R's iteration and stopping rule) on the kept cells, from the given coefficients;
//!    a singular information or no convergence → dense engine.
//! 4. Existence when a kept cell has count 0: the continued Newton steps of
//!    [`super::existence`] must shrink below `1e-7` within 12 iterations; otherwise → dense
//!    engine (which solves the Fienberg–Rinaldo LP and may reject the model).
//!
//! Every decision of the fast path is one the dense engine makes the same way, so the result
//! (a dark figure per unobserved cell, or no estimate) does not depend on which path ran,
//! up to the IRLS stopping error.

use super::design::{Column, Design, Poly};
use super::estimate::fit_design;
use super::existence::{CERTIFICATE_ITERATIONS, CERTIFICATE_STEP};
use super::formula::Terms;
use super::lattice::{AliasFactor, Lattice, Work};
use super::lattice_fit::Rule;
use super::table::CovariateTable;
use super::FitOptions;
use crate::error::Result;

/// A model fitted by [`FastFitter::fit`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FastFit {
    /// Dark figure of every unobserved cell.
    pub n0: Vec<f64>,
    /// Columns estimated (lattice column indices) and their coefficients; empty after the
    /// dense engine ran.
    pub cols: Vec<usize>,
    /// Coefficients of `cols`.
    pub beta: Vec<f64>,
    /// The dense engine decided.
    pub dense: bool,
}

/// Fits models of one column space to tables of one layout (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct FastFitter<'a> {
    table: &'a CovariateTable,
    terms: &'a Terms,
    columns: &'a [Column],
    poly: Option<&'a Poly>,
    lat: Lattice,
    ws: Work,
    /// Level indices of each combination.
    levels: Vec<Vec<usize>>,
    /// The observable cells of each combination (a range: cells are combination-major).
    cells_of: Vec<std::ops::Range<usize>>,
    opts: FitOptions,
    /// Fits the dense engine decided.
    pub dense_fits: usize,
}

impl<'a> FastFitter<'a> {
    /// A fitter for the columns `columns` of the terms `terms` (the lattice `lat` was built
    /// from them) on tables shaped as `table`.
    pub fn new(
        table: &'a CovariateTable,
        terms: &'a Terms,
        columns: &'a [Column],
        poly: Option<&'a Poly>,
        lat: Lattice,
        tolerance: f64,
        max_iterations: usize,
    ) -> Self {
        let levels = (0..table.n_combinations())
            .map(|c| table.levels_of(c))
            .collect();
        let mut cells_of = vec![0..0; table.n_combinations()];
        for (i, &c) in table.combinations().iter().enumerate() {
            if cells_of[c].is_empty() {
                cells_of[c] = i..i + 1;
            } else {
                cells_of[c].end = i + 1;
            }
        }
        Self {
            table,
            terms,
            columns,
            poly,
            lat,
            ws: Work::default(),
            levels,
            cells_of,
            opts: FitOptions::default()
                .tolerance(tolerance)
                .max_iterations(max_iterations),
            dense_fits: 0,
        }
    }

    /// Fit the model of the terms `model` (indices into the fitter's terms) to `counts`,
    /// started at `start` (columns and coefficients; missing columns start at 0) or R's
    /// start.
    ///
    /// # Errors
    /// The no-estimate errors of [`super::fit`] (not identified, no MLE, no convergence) and
    /// [`crate::error::Error::Lp`].
    pub fn fit(
        &mut self,
        counts: &[u64],
        model: &[usize],
        start: Option<(&[usize], &[f64])>,
    ) -> Result<FastFit> {
        let mut cols = vec![0];
        for (j, c) in self.columns.iter().enumerate() {
            if c.term.is_some_and(|t| model.contains(&t)) {
                cols.push(j);
            }
        }
        if let Some(f) = self.fast(counts, &cols, start) {
            return Ok(f);
        }
        self.dense_fits += 1;
        self.dense(counts, model)
    }

    fn fast(
        &mut self,
        counts: &[u64],
        cols: &[usize],
        start: Option<(&[usize], &[f64])>,
    ) -> Option<FastFit> {
        let lat = &mut self.lat;
        lat.set_counts(counts);
        if lat.mask.is_some() {
            lat.set_mask(None);
        }
        let mut f = AliasFactor::default();
        if !lat.alias_extend(&mut f, cols).is_empty() {
            return None;
        }
        let columns = self.columns;
        let nonneg = |c: usize| {
            columns[c]
                .factors
                .iter()
                .all(|f| !matches!(f, super::design::Factor::Poly { .. }))
        };
        let infinite: Vec<usize> = f.kept[1..]
            .iter()
            .copied()
            .filter(|&c| nonneg(c) && lat.margin(c) == 0.0 && lat.mass(c) > 0.0)
            .collect();
        let mut zero_u: Vec<usize> = Vec::new();
        let kept = if infinite.is_empty() {
            f.kept
        } else {
            let (h, cs) = (self.table.histories(), self.table.combinations());
            let row = |i: usize| -> Vec<f64> {
                infinite
                    .iter()
                    .map(|&j| columns[j].value(h[i], &self.levels[cs[i]], self.poly))
                    .collect()
            };
            for (u, lv) in self.levels.iter().enumerate() {
                let target: Vec<f64> = infinite
                    .iter()
                    .map(|&j| columns[j].value(0, lv, self.poly))
                    .collect();
                if target.iter().all(|&v| v == 0.0) {
                    continue;
                }
                if !self.cells_of[u].clone().any(|i| row(i) == target) {
                    return None;
                }
                zero_u.push(u);
            }
            let mask: Vec<f64> = self
                .table
                .histories()
                .iter()
                .zip(self.table.combinations())
                .map(|(&h, &c)| {
                    let removed = infinite
                        .iter()
                        .any(|&j| columns[j].value(h, &self.levels[c], self.poly) != 0.0);
                    if removed {
                        0.0
                    } else {
                        1.0
                    }
                })
                .collect();
            lat.set_mask(Some(mask));
            let rest: Vec<usize> = f
                .kept
                .iter()
                .copied()
                .filter(|c| !infinite.contains(c))
                .collect();
            let mut g = AliasFactor::default();
            if !lat.alias_extend(&mut g, &rest).is_empty() {
                return None;
            }
            g.kept
        };
        let beta0: Option<Vec<f64>> = start.map(|(sc, sb)| {
            kept.iter()
                .map(|c| sc.iter().position(|x| x == c).map_or(0.0, |i| sb[i]))
                .collect()
        });
        let ws = &mut self.ws;
        let maxit = self.opts.max_iterations;
        let fit = lat.fit(
            &kept,
            beta0.as_deref(),
            Rule::R(self.opts.tolerance),
            maxit,
            ws,
        )?;
        if !fit.converged {
            return None;
        }
        let mask = lat.mask.as_deref();
        let zero_kept = lat
            .y
            .iter()
            .enumerate()
            .any(|(i, &y)| y == 0.0 && mask.is_none_or(|m| m[i] != 0.0));
        let fit = if zero_kept {
            let cert = lat.refine(
                &kept,
                &fit,
                Rule::Step(CERTIFICATE_STEP),
                fit.iterations + CERTIFICATE_ITERATIONS,
                ws,
            )?;
            if !cert.converged {
                return None;
            }
            cert
        } else {
            fit
        };
        let mut n0 = lat.unobserved_means(ws);
        for u in zero_u {
            n0[u] = 0.0;
        }
        Some(FastFit {
            n0,
            cols: kept,
            beta: fit.beta,
            dense: false,
        })
    }

    fn dense(&self, counts: &[u64], model: &[usize]) -> Result<FastFit> {
        let table = self.table.with_counts(counts)?;
        let terms = self.terms.subset(model);
        let design = Design::with_poly(&table, &terms, self.poly.cloned());
        let fit = fit_design(&table, &terms, &design, &self.opts)?;
        Ok(FastFit {
            n0: fit.unobserved.iter().map(|u| u.n0).collect(),
            cols: Vec::new(),
            beta: Vec::new(),
            dense: true,
        })
    }
}
