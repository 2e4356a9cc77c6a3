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
//! use darkfigure::dga::{dga, DgaOptions, Grid};
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
//! `|𝒞| + |𝒮| + 3` multiply-adds per grid point (see `chunk.rs`). Memory is
//! O(#graphs + 2^t·piece), never #graphs × grid: the graphs are streamed from the
//! enumeration, the grid is processed in pieces of 4,096–8,192 points, and the pmf is kept in
//! full only up to 2^21 points (beyond that every other point is dropped as needed, and
//! quantiles are found by re-evaluating the one piece that contains them).
//!
//! # References
//!
//! Madigan, D. & York, J. C. (1997). Bayesian methods for estimation of the size of a closed
//! population. *Biometrika* 84, 19–31. dga 2.0.2 (Johndrow, Lum & Ball), `bma.cr`.

mod chunk;
pub mod data;
mod engine;
pub mod graphs;
mod posterior;
mod summary;

use std::sync::Arc;

use serde::Serialize;

use crate::error::{Error, Result};
pub use graphs::{graph_count, ChordalGraphs, Graph, CHORDAL_GRAPH_COUNTS, MAX_LISTS};

/// The grid of unobserved counts `m` (`N = n + m`), dga's `Nmissing`.
#[derive(Debug, Clone, PartialEq)]
pub enum Grid {
    /// Extend `0..=r·n` over `r = 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, …` until the
    /// estimated mass beyond the top is below [`DgaOptions::auto_tail`], or the cap
    /// ([`DgaOptions::auto_cap`]·n, or the work limit) is reached.
    Auto,
    /// `m = 0, 1, …, max` (dga's `Nmissing = 0:max`).
    Max(u64),
    /// `m = from, …, to`.
    Range {
        /// First value.
        from: u64,
        /// Last value.
        to: u64,
    },
    /// Any strictly increasing values (evaluated point by point; at most 2^21 of them).
    Values(Vec<u64>),
}

/// The prior on `N`.
#[derive(Debug, Clone, PartialEq)]
pub enum NPrior {
    /// `p(N) ∝ 1/N` (dga's default `logprior = −log(n + Nmissing)`).
    Reciprocal,
    /// Log-normal density of `N` (`dlnorm(N, mu, sd, log = TRUE)` as a user `logprior`).
    LogNormal {
        /// Mean of `log N`.
        mu: f64,
        /// Standard deviation of `log N`.
        sd: f64,
    },
    /// One `log p(N)` per grid point (dga's `logprior` vector); needs an explicit grid.
    Vector(Vec<f64>),
}

/// Log prior weight of a graph.
pub type ModelPriorFn = Arc<dyn Fn(&Graph) -> f64 + Send + Sync>;

/// The prior over graphs (dga's `log.prior.model.weights`).
#[derive(Clone, Default)]
pub enum ModelPrior {
    /// All graphs equally likely.
    #[default]
    Uniform,
    /// One log weight per graph, in enumeration order ([`ChordalGraphs`]); `−∞` excludes a
    /// graph.
    LogWeights(Vec<f64>),
    /// A function of the graph (its cliques, separators, edges).
    Function(ModelPriorFn),
}

impl std::fmt::Debug for ModelPrior {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelPrior::Uniform => write!(f, "Uniform"),
            ModelPrior::LogWeights(w) => write!(f, "LogWeights({} values)", w.len()),
            ModelPrior::Function(_) => write!(f, "Function(..)"),
        }
    }
}

/// Which points of the pmf the result carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PmfOutput {
    /// None.
    None,
    /// Every grid point (thinned, with a warning, beyond 2^21 points).
    All,
    /// About this many evenly spaced points (every `s`-th, `s` a power of two), plus the top.
    Thinned(usize),
}

/// Options of [`dga`].
#[derive(Debug, Clone)]
pub struct DgaOptions {
    /// Hyper-Dirichlet parameter δ (default `2^−t`, total prior mass 1).
    pub delta: Option<f64>,
    /// The grid of `m` (default [`Grid::Auto`]).
    pub grid: Grid,
    /// [`Grid::Auto`] stops when the estimated mass beyond the top is below this (1e-6).
    pub auto_tail: f64,
    /// [`Grid::Auto`] stops at `m = auto_cap·n` at the latest (10,000).
    pub auto_cap: u64,
    /// Prior on `N` (default `1/N`).
    pub prior: NPrior,
    /// Prior on graphs (default uniform).
    pub model_prior: ModelPrior,
    /// Only graphs whose cliques have at most this many lists.
    pub max_clique: Option<usize>,
    /// Quantile levels reported (default 0.005, 0.025, 0.5, 0.975, 0.995).
    pub quantiles: Vec<f64>,
    /// Number of top graphs reported, with `N` given each (default 5).
    pub top: usize,
    /// Which pmf points to report (default about 1,000).
    pub pmf: PmfOutput,
    /// Report every graph's posterior probability, in enumeration order.
    pub graph_probabilities: bool,
    /// Refuse (explicit grid) or stop extending (automatic grid) beyond this many
    /// graph × grid-point evaluations (default 2·10^11, a few minutes on 2 cores).
    pub work_limit: f64,
    /// Skip blocks certified below 1e-300 of the largest value (default true; off only to
    /// check that it changes nothing).
    pub prune: bool,
}

impl Default for DgaOptions {
    fn default() -> Self {
        Self {
            delta: None,
            grid: Grid::Auto,
            auto_tail: 1e-6,
            auto_cap: 10_000,
            prior: NPrior::Reciprocal,
            model_prior: ModelPrior::Uniform,
            max_clique: None,
            quantiles: vec![0.005, 0.025, 0.5, 0.975, 0.995],
            top: 5,
            pmf: PmfOutput::Thinned(1000),
            graph_probabilities: false,
            work_limit: 2e11,
            prune: true,
        }
    }
}

macro_rules! setter {
    ($(#[$doc:meta] $name:ident: $ty:ty => $field:ident $(= $wrap:ident)?;)*) => {
        $(#[$doc] pub fn $name(mut self, v: $ty) -> Self { self.$field = setter!(@w v $($wrap)?); self })*
    };
    (@w $v:ident) => { $v };
    (@w $v:ident Some) => { Some($v) };
}

impl DgaOptions {
    setter! {
        /// Set δ.
        delta: f64 => delta = Some;
        /// Set the grid.
        grid: Grid => grid;
        /// Set the automatic grid's tail target.
        auto_tail: f64 => auto_tail;
        /// Set the automatic grid's cap (a multiple of `n`).
        auto_cap: u64 => auto_cap;
        /// Set the prior on `N`.
        prior: NPrior => prior;
        /// Set the prior on graphs.
        model_prior: ModelPrior => model_prior;
        /// Only graphs with cliques of at most this many lists.
        max_clique: usize => max_clique = Some;
        /// Set the quantile levels.
        quantiles: Vec<f64> => quantiles;
        /// Set the number of top graphs.
        top: usize => top;
        /// Set the pmf output.
        pmf: PmfOutput => pmf;
        /// Report all graph probabilities.
        graph_probabilities: bool => graph_probabilities;
        /// Set the work limit.
        work_limit: f64 => work_limit;
        /// Turn block skipping on or off.
        prune: bool => prune;
    }

    /// Check the options that do not depend on the data.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] naming the first bad option.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, problem: &str| {
            Err(Error::InvalidOption {
                name,
                value,
                problem: problem.into(),
            })
        };
        if let Some(d) = self.delta {
            if !(d > 0.0 && d.is_finite()) {
                return bad("delta", d.to_string(), "must be positive and finite");
            }
        }
        let points = match &self.grid {
            Grid::Auto => None,
            Grid::Max(m) => Some(m.saturating_add(1)),
            Grid::Range { from, to } => {
                if from > to {
                    return bad("grid", format!("{from}..={to}"), "the range is empty");
                }
                Some(to - from + 1)
            }
            Grid::Values(v) => {
                if v.is_empty() || v.windows(2).any(|w| w[0] >= w[1]) {
                    return bad(
                        "grid",
                        format!("{} values", v.len()),
                        "must be non-empty and strictly increasing",
                    );
                }
                if v.len() > MAX_VALUES {
                    return bad(
                        "grid",
                        format!("{} values", v.len()),
                        "at most 2^21 listed values; use a range",
                    );
                }
                Some(v.len() as u64)
            }
        };
        let top_m = match &self.grid {
            Grid::Auto => 0,
            Grid::Max(m) | Grid::Range { to: m, .. } => *m,
            Grid::Values(v) => *v.last().unwrap_or(&0),
        };
        if top_m > MAX_M {
            return bad(
                "grid",
                top_m.to_string(),
                "the largest m is capped at 10^12",
            );
        }
        if !(self.auto_tail > 0.0 && self.auto_tail < 1.0) {
            return bad(
                "auto_tail",
                self.auto_tail.to_string(),
                "must lie in (0, 1)",
            );
        }
        if self.auto_cap < 1 || self.auto_cap > 100_000_000 {
            return bad(
                "auto_cap",
                self.auto_cap.to_string(),
                "must lie in 1..=10^8 (times n)",
            );
        }
        match &self.prior {
            NPrior::Reciprocal => {}
            NPrior::LogNormal { mu, sd } => {
                if !(mu.is_finite() && *sd > 0.0 && sd.is_finite()) {
                    return bad(
                        "prior",
                        format!("lognormal({mu}, {sd})"),
                        "mu must be finite and sd positive and finite",
                    );
                }
            }
            NPrior::Vector(v) => {
                let Some(p) = points else {
                    return bad("prior", "vector".into(), "a prior vector needs an explicit grid (Max, Range or Values) of the same length");
                };
                if v.len() as u64 != p {
                    return bad(
                        "prior",
                        format!("{} values", v.len()),
                        &format!("expected one per grid point ({p})"),
                    );
                }
                if v.iter().any(|x| x.is_nan() || *x == f64::INFINITY)
                    || v.iter().all(|x| !x.is_finite())
                {
                    return bad(
                        "prior",
                        "vector".into(),
                        "values must be finite or -inf (not NaN or +inf), at least one finite",
                    );
                }
            }
        }
        if let ModelPrior::LogWeights(w) = &self.model_prior {
            if w.iter().any(|x| x.is_nan() || *x == f64::INFINITY)
                || w.iter().all(|x| !x.is_finite())
            {
                return bad(
                    "model_prior",
                    format!("{} values", w.len()),
                    "log weights must be finite or -inf, at least one finite",
                );
            }
        }
        if self.max_clique == Some(0) {
            return bad("max_clique", "0".into(), "cliques have at least one list");
        }
        if let Some(q) = self.quantiles.iter().find(|q| !(**q > 0.0 && **q <= 1.0)) {
            return bad("quantiles", q.to_string(), "levels must lie in (0, 1]");
        }
        if self.top < 1 {
            return bad("top", "0".into(), "report at least one graph");
        }
        if self.pmf == PmfOutput::Thinned(0) {
            return bad(
                "pmf",
                "thinned(0)".into(),
                "ask for at least one point, or PmfOutput::None",
            );
        }
        if !(self.work_limit >= 1.0) {
            return bad(
                "work_limit",
                self.work_limit.to_string(),
                "must be at least 1",
            );
        }
        Ok(())
    }
}

/// Largest listed grid.
pub(crate) const MAX_VALUES: usize = 1 << 21;
/// Largest `m`.
pub(crate) const MAX_M: u64 = 1_000_000_000_000;

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
