//! The options of [`super::dga`]: grid, priors, graph restriction and output, with one
//! `validate()` for everything that does not depend on the data.

use std::sync::Arc;

use super::graphs::Graph;
use crate::error::{Error, Result};

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

impl PartialEq for ModelPrior {
    /// Weights compare by value; functions by identity (the same `Arc`).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ModelPrior::Uniform, ModelPrior::Uniform) => true,
            (ModelPrior::LogWeights(a), ModelPrior::LogWeights(b)) => a == b,
            (ModelPrior::Function(a), ModelPrior::Function(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
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
#[derive(Debug, Clone, PartialEq)]
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
    /// graph × grid-point evaluations (default 10^11: about 2½ minutes on 2 cores at the
    /// ~3 ns per evaluation measured for 7 lists; 8 lists on `0:(20n)` with n = 185 needs
    /// 1.1·10^11).
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
            work_limit: 1e11,
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
