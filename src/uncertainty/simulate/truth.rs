//! The truth of a simulation — a fitted model's population and cell means — and the draws of
//! the simulated tables (module docs of [`super`]).

use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::estimators::{Detail, Estimator, PointEstimate};
use crate::numeric::sampling::{draw_parametric, draw_poisson, stream};
use serde::Serialize;

/// The stream index of simulated table 0 (see the module docs).
pub const TABLE_STREAMS: u64 = 1 << 63;

/// How simulated tables are drawn from the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// `n_obs ~ Binomial(N, 1 − p₀)`, then the cells multinomial over the fitted cells.
    #[default]
    Multinomial,
    /// Independent Poisson cells with the fitted means.
    Poisson,
}

impl Scheme {
    /// The scheme's name (`multinomial`, `poisson`).
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Multinomial => "multinomial",
            Scheme::Poisson => "poisson",
        }
    }
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Scheme {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "multinomial" => Ok(Self::Multinomial),
            "poisson" => Ok(Self::Poisson),
            _ => Err(Error::InvalidOption {
                name: "scheme",
                value: s.into(),
                problem: "expected multinomial or poisson".into(),
            }),
        }
    }
}

/// A fitted model taken as the truth of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Truth {
    /// The true population `N = round(N̂)`.
    pub population: u64,
    /// `N̂` of the fit.
    pub estimate: f64,
    /// Fitted means by history bitmask (index 0: the unobserved cell `μ̂_∅`).
    pub fitted: Vec<f64>,
    /// What was fitted, for people (`stepwise p=0.02`, `[12,3]`).
    pub label: String,
    /// The log-linear model fitted, in canonical notation (log-linear methods only).
    pub model: Option<String>,
    /// The data the truth was fitted to: names, list order and row order of the tables.
    #[serde(skip)]
    table: CaptureTable,
    /// The observable cells in the order of [`CaptureTable::cells_by_name`].
    #[serde(skip)]
    order: Vec<u32>,
}

impl Truth {
    /// The fit of `est` on `table` as the truth: `N = round(N̂)` and the method's fitted means
    /// (log-linear and Rcapture methods have them).
    ///
    /// # Errors
    /// As [`Estimator::estimate`]; [`Error::InvalidOption`] (named `truth`) for a method
    /// without fitted means.
    ///
    /// # Example
    /// ```
    /// use darkfigure::prelude::*;
    /// use darkfigure::uncertainty::simulate::Truth;
    /// let uk = datasets::uk_2013_5();
    /// let truth = Truth::fit(&uk, &Loglinear::stepwise(0.02)).unwrap();
    /// assert_eq!(truth.population, 11313);
    /// ```
    pub fn fit(table: &CaptureTable, est: &dyn Estimator) -> Result<Self> {
        Self::from_point(table, est, &est.estimate(table)?)
    }

    /// [`Truth::fit`] from the method's point estimate `point` on `table`.
    ///
    /// # Errors
    /// As [`Estimator::replicates`]; [`Error::InvalidOption`] (named `truth`) for a method
    /// without fitted means.
    pub fn from_point(
        table: &CaptureTable,
        est: &dyn Estimator,
        point: &PointEstimate,
    ) -> Result<Self> {
        let none = || {
            Error::InvalidOption {
            name: "truth",
            value: point.label.clone(),
            problem: format!(
                "the {} method has no fitted cell means to simulate tables from; take a log-linear or Rcapture model as the truth",
                point.method
            ),
        }
        };
        let reps = match est.replicates(table, point) {
            Ok(r) => r,
            Err(Error::InvalidOption { .. }) => return Err(none()),
            Err(e) => return Err(e),
        };
        let fitted = reps.fitted_means().ok_or_else(none)?.to_vec();
        let model = match &point.detail {
            Detail::Loglinear(d) => Some(d.model.label(table.names())),
            _ => None,
        };
        let mut t = Self::from_fitted(table, fitted, point.label.clone())?;
        t.estimate = point.estimate;
        t.population = round_population(point.estimate)?;
        t.model = model;
        Ok(t)
    }

    /// The observed cells of `table` as the truth's cell means, with the method's dark figure
    /// `N̂ − n_obs` for the unobserved cell and `N = round(N̂)` (`point` is the method's
    /// estimate on `table`): the world of the nonparametric bootstrap, in which every
    /// interaction the data show — also those the method's model leaves out — is present.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] (named `truth`) for an estimate that is not a finite number
    /// of at least the observed cases.
    pub fn observed(table: &CaptureTable, point: &PointEstimate) -> Result<Self> {
        let n = table.observed() as f64;
        if !(point.estimate.is_finite() && point.estimate >= n) {
            return Err(Error::InvalidOption {
                name: "truth",
                value: point.estimate.to_string(),
                problem: format!(
                    "the estimate must be a finite number of at least the {n} observed cases"
                ),
            });
        }
        let mut fitted: Vec<f64> = table.counts().iter().map(|&c| c as f64).collect();
        fitted[0] = point.estimate - n;
        let mut t = Self::from_fitted(table, fitted, format!("{} (observed cells)", point.label))?;
        t.estimate = point.estimate;
        t.population = round_population(point.estimate)?;
        Ok(t)
    }

    /// Fitted means `fitted` (indexed by bitmask, index 0 the unobserved cell) on the lists of
    /// `table` as the truth, with `N = round(Σ_h μ̂_h)`.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] (named `truth`) for means of the wrong length, negative or
    /// not finite, or with no observable mass.
    pub fn from_fitted(table: &CaptureTable, fitted: Vec<f64>, label: String) -> Result<Self> {
        let bad = |problem: String| Error::InvalidOption {
            name: "truth",
            value: label.clone(),
            problem,
        };
        if fitted.len() != table.counts().len() {
            return Err(bad(format!(
                "{} fitted means for {} lists (expected {})",
                fitted.len(),
                table.lists(),
                table.counts().len()
            )));
        }
        if let Some(x) = fitted.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
            return Err(bad(format!(
                "a fitted mean is {x}; every mean must be finite and non-negative"
            )));
        }
        if !(fitted[1..].iter().sum::<f64>() > 0.0) {
            return Err(bad("no observable history has a positive mean".into()));
        }
        let estimate: f64 = fitted.iter().sum();
        Ok(Self {
            population: round_population(estimate)?,
            estimate,
            fitted,
            label,
            model: None,
            order: table.cells_by_name(),
            table: table.clone(),
        })
    }

    /// The data the truth was fitted to (the lists and their order).
    pub fn table(&self) -> &CaptureTable {
        &self.table
    }

    /// The counts of simulated table `j` (0-based) of `seed` by `scheme`, indexed by bitmask.
    pub fn draw(&self, scheme: Scheme, seed: u64, j: usize) -> Vec<u64> {
        let mut out = vec![0; self.fitted.len()];
        let mut rng = stream(seed, TABLE_STREAMS + j as u64);
        match scheme {
            Scheme::Multinomial => draw_parametric(
                &self.fitted,
                self.population,
                &self.order,
                &mut rng,
                &mut out,
            ),
            Scheme::Poisson => draw_poisson(&self.fitted, &self.order, &mut rng, &mut out),
        }
        out
    }

    /// Simulated table `j` (0-based) as a table, or `None` when no case was drawn.
    pub fn simulated_table(&self, scheme: Scheme, seed: u64, j: usize) -> Option<CaptureTable> {
        let counts = self.draw(scheme, seed, j);
        if counts.iter().all(|&c| c == 0) {
            return None;
        }
        self.table.with_counts(&counts).ok()
    }
}

fn round_population(x: f64) -> Result<u64> {
    if (0.5..9.0e15).contains(&x) {
        Ok(x.round() as u64)
    } else {
        Err(Error::InvalidOption {
            name: "truth",
            value: x.to_string(),
            problem: "the true population must be a finite number of at least 1".into(),
        })
    }
}
