//! Bayesian model averaging over decomposable graphical models — dga's `bma.cr`
//! (Madigan & York 1997), re-implemented from the method description.
//!
//! For every decomposable graph `g` on the `t` lists and every candidate number `m` of
//! unobserved individuals, the hyper-Dirichlet marginal likelihood of the completed table,
//! times the prior on `N = n + m` and on `g`, gives a joint weight `exp(L_g(m))`; normalised
//! over all graphs and the grid of `m` it yields the posterior of `N` (sum over graphs) and of
//! the graphs (sum over the grid). See [`data`] for the formula.
//!
//! The module takes raw data — `t` and the `2^t` counts indexed by capture pattern (list `i`
//! at bit `i`; entry 0 is ignored) — so that it does not depend on the crate's table types.
//!
//! ```
//! use darkfigure::estimators::dga::{dga, DgaOptions, Grid};
//! // Three lists: A only 40, B only 30, A and B 6, C only 20.
//! let counts = [0, 40, 30, 6, 20, 0, 0, 0];
//! let post = dga(3, &counts, &DgaOptions::default().grid(Grid::Max(1920))).unwrap();
//! assert_eq!(post.graphs, 8);
//! assert_eq!(post.median, 278); // dga 2.0.2: bma.cr(Y, 0:1920, 1/8, graphs3)
//! ```
//!
//! # Cost
//!
//! The per-subset tables are built once per piece of the grid; each graph then costs about
//! `|𝒞| + |𝒮| + 3` multiply-adds per grid point, with no `exp` or `lgamma` between the block
//! anchors; blocks certified negligible are skipped without changing any number beyond
//! rounding (see `chunk.rs`; 29–45 % of the graph × grid-point pairs of the bundled five- and
//! six-list data). Memory is
//! O(#graphs + 2^t·piece), never #graphs × grid: the graphs are streamed from the
//! enumeration, the grid is processed in pieces of 4,096–8,192 points, and the pmf is kept in
//! full only up to 2^21 points (beyond that every other point is dropped as needed, and
//! quantiles are found by re-evaluating the one piece that contains them).
//!
//! # References
//!
//! Madigan, D. & York, J. C. (1997). Bayesian methods for estimation of the size of a closed
//! population. *Biometrika* 84, 19–31. R package dga 2.0.2 (CRAN), `bma.cr`; the method
//! description `docs/methods/dga.md` of this project.

mod chunk;
pub mod data;
mod engine;
mod estimator;
pub mod graphs;
mod kernel;
mod options;
mod pieces;
mod posterior;
mod summary;

use serde::Serialize;

use crate::error::{Error, Result};
pub use estimator::{credible_interval, Dga};
pub use graphs::{graph_count, ChordalGraphs, Graph, CHORDAL_GRAPH_COUNTS, MAX_LISTS};
pub(crate) use options::MAX_M;
pub use options::{DgaOptions, Grid, ModelPrior, ModelPriorFn, NPrior, PmfOutput};

/// A quantile of `N`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantile {
    /// Level `q`.
    pub level: f64,
    /// Smallest grid `N` whose cumulative posterior mass is at least `q`.
    pub n: u64,
}

/// One point of the posterior pmf of `N`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PmfPoint {
    /// `N = n + m`.
    pub n: u64,
    /// Posterior probability.
    pub probability: f64,
}

/// The grid used and how much it may leave out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridReport {
    /// Smallest `m` (unobserved count).
    pub min: u64,
    /// Largest `m`.
    pub max: u64,
    /// Number of grid points.
    pub points: u64,
    /// Estimated posterior mass beyond the top, as a fraction of grid + beyond (see
    /// `tail_mass` in `summary.rs`: the pmf evaluated at 16 points per decade of `N` up to
    /// `max(10^5 n, 100 N_top)`, integrated as piecewise power laws, continued with the last
    /// slope). `None` for a vector prior, which is not defined beyond the grid.
    pub tail_mass: Option<f64>,
    /// Local log-log slope of the pmf just beyond the top.
    pub tail_slope: Option<f64>,
    /// Posterior probability at the top grid point.
    pub pmf_at_top: f64,
    /// For [`Grid::Auto`]: the multiple of `n` it stopped at, and whether the tail target
    /// was met.
    pub auto_ratio: Option<u64>,
    /// For [`Grid::Auto`]: `tail_mass < auto_tail`.
    pub target_met: Option<bool>,
}

/// A graph with its posterior probability and the posterior of `N` given it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopGraph {
    /// Position in the enumeration.
    pub index: u64,
    /// Maximal cliques (bitmasks, list `i` at bit `i`).
    pub cliques: Vec<u32>,
    /// Junction-tree separators (non-empty ones).
    pub separators: Vec<u32>,
    /// Posterior probability.
    pub probability: f64,
    /// Mean of `N` given the graph (over the grid).
    pub mean: f64,
    /// Standard deviation of `N` given the graph (over the grid).
    pub sd: f64,
    /// Median of `N` given the graph.
    pub median: u64,
    /// Quantiles of `N` given the graph, at the requested levels.
    pub quantiles: Vec<Quantile>,
}

/// What the evaluation did (for checking accuracy and speed).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Evaluation {
    /// Graph × block pairs visited.
    pub blocks: u64,
    /// Of those, skipped as certified negligible.
    pub skipped: u64,
    /// Graph × grid-point pairs visited.
    pub points: u64,
    /// Of those, in skipped blocks.
    pub skipped_points: u64,
    /// Of those, evaluated point by point (start far below underflow).
    pub direct: u64,
    /// Of those, run scaled up because they start near underflow and rise.
    pub rising: u64,
    /// Largest relative difference between the recurrence at a block end and the exact value.
    pub max_recurrence_error: f64,
}

/// The posterior of `N` and of the graphs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DgaPosterior {
    /// Number of lists.
    pub lists: usize,
    /// Observed records `n`.
    pub observed: u64,
    /// δ used.
    pub delta: f64,
    /// Posterior mean of `N` over the grid (dga's mean; see `mean_finite`).
    pub mean: f64,
    /// Posterior standard deviation of `N` over the grid.
    pub sd: f64,
    /// Posterior median of `N`.
    pub median: u64,
    /// Quantiles at the requested levels.
    pub quantiles: Vec<Quantile>,
    /// Whether the posterior mean without truncation is finite: the heaviest graph tail
    /// `N^e` (plus the prior's exponent) has `e < −2`. With δ = 2^−t and the `1/N` prior the
    /// saturated graph gives `e = δ − 2`, so this is false and the mean and sd grow with
    /// the grid; the median and quantiles are the stable summaries. True for a vector prior
    /// (defined on the grid only).
    pub mean_finite: bool,
    /// The heaviest tail exponent `e` (None for a vector prior).
    pub tail_exponent: Option<f64>,
    /// The grid used.
    pub grid: GridReport,
    /// Number of graphs averaged over.
    pub graphs: u64,
    /// The most probable graphs, best first.
    pub top_graphs: Vec<TopGraph>,
    /// The posterior pmf of `N` (see [`PmfOutput`]).
    pub pmf: Vec<PmfPoint>,
    /// Every graph's posterior probability in enumeration order, if asked for.
    pub graph_probabilities: Option<Vec<f64>>,
    /// `log Σ_{g, m} exp(L_g(m))` over the grid (dga's normaliser, for absolute checks).
    pub log_normaliser: f64,
    /// What the evaluation did.
    pub evaluation: Evaluation,
    /// Warnings (truncation, infinite mean, cap reached).
    pub warnings: Vec<String>,
}

/// The posterior of the population size `N` by averaging over all decomposable graphs.
///
/// `t ≥ 3` lists; `counts[h]` is the number of records with capture pattern `h` (list `i` at
/// bit `i`), `counts.len() == 2^t`, `counts[0]` ignored.
///
/// # Errors
/// * [`Error::InvalidOption`]: bad options, counts of the wrong length, `t < 3` (with two
///   lists the only decomposable graphs are independence and the saturated graph, which
///   says nothing about the unobserved cell; dga ships graphs for 3–5 lists).
/// * [`Error::ModelSpaceTooLarge`]: `t > 8` (the count of graphs is given), or more
///   graph × grid-point evaluations than `work_limit` for an explicit grid.
/// * [`Error::Undefined`]: no observed records, or every graph excluded by the model prior.
pub fn dga(t: usize, counts: &[u64], opts: &DgaOptions) -> Result<DgaPosterior> {
    posterior::run(t, counts, opts)
}

/// `L_g(m)`: the unnormalised log posterior weight of graph `g` at `m` (marginal likelihood,
/// multinomial coefficient, `log p(N)` and `log p(g)` = `model_log_weight`), as dga's `bma.cr`
/// forms it before normalising. For a vector prior, `m` must be a grid point.
///
/// # Errors
/// As [`dga`], and [`Error::InvalidOption`] if `m` is not on the grid of a vector prior.
pub fn log_joint(
    t: usize,
    counts: &[u64],
    opts: &DgaOptions,
    g: &Graph,
    m: u64,
    model_log_weight: f64,
) -> Result<f64> {
    posterior::log_joint(t, counts, opts, g, m, model_log_weight)
}

/// Indices of the `k` largest probabilities, largest first (ties: smaller index first).
pub fn rank_graphs(probabilities: &[f64], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..probabilities.len()).collect();
    let key = |i: &usize| (std::cmp::Reverse(OrdF64(probabilities[*i])), *i);
    if k < idx.len() {
        idx.select_nth_unstable_by_key(k, key);
        idx.truncate(k);
    }
    idx.sort_by_key(key);
    idx
}

/// Total order on f64 for ranking (NaN last).
#[derive(Debug, Clone, Copy, PartialEq)]
struct OrdF64(f64);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        let a = if self.0.is_nan() {
            f64::NEG_INFINITY
        } else {
            self.0
        };
        let b = if o.0.is_nan() { f64::NEG_INFINITY } else { o.0 };
        a.total_cmp(&b)
    }
}
