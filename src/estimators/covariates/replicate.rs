//! What the bootstrap of a covariate model needs from the engine: the model chosen on the
//! data, its fit, and workers that refit — or re-select and refit — on replicate tables.
//!
//! A worker's result on a table depends on that table alone (every fit starts from the
//! data's coefficients, never from an earlier replicate), so replicates can run in any
//! grouping and any number of threads.

use super::design::{Design, Poly};
use super::estimate::fit_design;
use super::fast::FastFitter;
use super::formula::Terms;
use super::lattice::Lattice;
use super::select::{SelectOptions, Selected, Selector};
use super::table::CovariateTable;
use super::{Fit, FitOptions};
use crate::error::Result;

/// How the model of a covariate bootstrap is chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelChoice {
    /// A fixed model (terms in R's order; one covariate coded by polynomials if given).
    Fixed {
        /// The model's terms.
        terms: Terms,
        /// Polynomial coding of one covariate.
        poly: Option<Poly>,
    },
    /// A selection rule, re-run in every replicate unless `fixed_model` (then the model it
    /// chose on the data is kept, as `mse::boot_mse` does).
    Select {
        /// The rule.
        options: SelectOptions,
        /// Keep the data's model in the replicates.
        fixed_model: bool,
    },
}

/// The model on the data and what its replicates share.
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    table: &'a CovariateTable,
    /// The fit on the data.
    pub fit: Fit,
    /// The selection on the data, if a rule chose the model.
    pub selected: Option<Selected>,
    /// The model's terms and polynomial coding.
    pub terms: Terms,
    poly: Option<Poly>,
    /// `Some`: re-select in the replicates.
    selector: Option<Selector>,
    /// The column space the workers fit in: the model's own design, or the selector's.
    space_terms: Terms,
    space_columns: Vec<super::design::Column>,
    lattice: Lattice,
    /// The data's model as term indices of the space.
    model: Vec<usize>,
    /// Start coefficients (columns of the space, values).
    start: (Vec<usize>, Vec<f64>),
    tolerance: f64,
    max_iterations: usize,
}

/// A replicate's result.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicateFit {
    /// The dark figure of every unobserved cell.
    pub n0: Vec<f64>,
    /// The model chosen (re-selection only), in R's printed form.
    pub model: Option<String>,
}

/// The model chosen on the data (by a rule, or given), before it is fitted.
#[derive(Debug, Clone)]
pub struct Chosen<'a> {
    table: &'a CovariateTable,
    /// The selection on the data, if a rule chose the model.
    pub selected: Option<Selected>,
    /// The model's terms (R's order).
    pub terms: Terms,
    /// Its polynomial coding.
    pub poly: Option<Poly>,
    selector: Option<Selector>,
    fixed_model: bool,
    tolerance: Option<(f64, usize)>,
}

impl<'a> Chosen<'a> {
    /// Choose the model on `table` (run the rule, if any).
    ///
    /// # Errors
    /// As [`super::select`].
    pub fn new(table: &'a CovariateTable, choice: &ModelChoice) -> Result<Self> {
        Ok(match choice {
            ModelChoice::Fixed { terms, poly } => Self {
                table,
                selected: None,
                terms: terms.clone(),
                poly: poly.clone(),
                selector: None,
                fixed_model: true,
                tolerance: None,
            },
            ModelChoice::Select {
                options,
                fixed_model,
            } => {
                let mut sel = Selector::new(table, options)?;
                let (s, start) = sel.run_data(table)?;
                sel.set_start(start);
                Self {
                    table,
                    terms: s.terms.clone(),
                    poly: s.poly.clone(),
                    selected: Some(s),
                    selector: Some(sel),
                    fixed_model: *fixed_model,
                    tolerance: Some((options.tolerance, options.max_iterations)),
                }
            }
        })
    }

    /// Fit the chosen model on the data (`opts`: totals, pairs, ordered covariates, level)
    /// and prepare the replicates.
    ///
    /// # Errors
    /// As [`super::fit`]; a model without an estimate on the data is a no-estimate error.
    pub fn prepare(&self, opts: &FitOptions) -> Result<Prepared<'a>> {
        opts.validate()?;
        let table = self.table;
        let (terms, poly) = (self.terms.clone(), self.poly.clone());
        let design = Design::with_poly(table, &terms, poly.clone());
        let fit = fit_design(table, &terms, &design, opts)?;
        let selector = self.selector.clone().filter(|_| !self.fixed_model);
        // The workers' column space: the selector's (re-selection), else the model's own.
        let (space_terms, space_columns, lattice, model) = match (&selector, &self.selected) {
            (Some(sel), Some(s)) => (
                sel.space.terms.clone(),
                sel.space.columns.clone(),
                sel.space.lattice.clone(),
                s.model.clone(),
            ),
            _ => {
                let lat = Lattice::new(table, &design.columns, poly.as_ref());
                (
                    terms.clone(),
                    design.columns.clone(),
                    lat,
                    (0..terms.len()).collect(),
                )
            }
        };
        let mut start = (Vec::new(), Vec::new());
        for c in fit.coefficients.iter().filter(|c| c.estimate.is_finite()) {
            if let Some(j) = space_columns.iter().position(|s| s.name == c.name) {
                start.0.push(j);
                start.1.push(c.estimate);
            }
        }
        let (tolerance, max_iterations) = self
            .tolerance
            .unwrap_or((opts.tolerance, opts.max_iterations));
        Ok(Prepared {
            table,
            fit,
            selected: self.selected.clone(),
            terms,
            poly,
            selector,
            space_terms,
            space_columns,
            lattice,
            model,
            start,
            tolerance,
            max_iterations,
        })
    }
}

impl<'a> Prepared<'a> {
    /// Choose and fit the model on the data ([`Chosen::new`], [`Chosen::prepare`]).
    ///
    /// # Errors
    /// As [`Chosen::new`] and [`Chosen::prepare`].
    pub fn new(table: &'a CovariateTable, choice: &ModelChoice, opts: &FitOptions) -> Result<Self> {
        Chosen::new(table, choice)?.prepare(opts)
    }

    /// Whether the replicates re-select the model.
    pub fn reselects(&self) -> bool {
        self.selector.is_some()
    }

    /// The polynomial coding of the model, if any.
    pub fn poly(&self) -> Option<&Poly> {
        self.poly.as_ref()
    }

    /// A worker (one per chunk of replicates).
    pub fn worker(&self) -> Worker<'_> {
        let (terms, columns, poly) = match &self.selector {
            Some(sel) => (
                &sel.space.terms,
                sel.space.columns.as_slice(),
                sel.space.poly.as_ref(),
            ),
            None => (
                &self.space_terms,
                self.space_columns.as_slice(),
                self.poly.as_ref(),
            ),
        };
        Worker {
            prepared: self,
            ff: FastFitter::new(
                self.table,
                terms,
                columns,
                poly,
                self.lattice.clone(),
                self.tolerance,
                self.max_iterations,
            ),
        }
    }
}

/// Refits (or re-selects and refits) on replicate tables.
#[derive(Debug, Clone)]
pub struct Worker<'a> {
    prepared: &'a Prepared<'a>,
    ff: FastFitter<'a>,
}

impl Worker<'_> {
    /// The dark figures on `counts` (a table of the data's layout); `None` when the model
    /// (or the model chosen) has no estimate on it.
    ///
    /// # Errors
    /// Failures other than "no estimate" (e.g. the existence LP failing).
    pub fn estimate(&mut self, counts: &[u64]) -> Result<Option<ReplicateFit>> {
        let p = self.prepared;
        let (model, label) = match &p.selector {
            Some(sel) => match sel.run_counts(counts, &mut self.ff) {
                Ok(m) => {
                    let label = sel.space.terms.subset(&m).formula();
                    (m, Some(label))
                }
                Err(e) if e.is_no_estimate() => return Ok(None),
                Err(e) => return Err(e),
            },
            None => (p.model.clone(), None),
        };
        match self.ff.fit(counts, &model, Some((&p.start.0, &p.start.1))) {
            Ok(f) => Ok(Some(ReplicateFit {
                n0: f.n0,
                model: label,
            })),
            Err(e) if e.is_no_estimate() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Fits the dense engine decided so far.
    pub fn dense_fits(&self) -> usize {
        self.ff.dense_fits
    }
}
