//! The posterior of an LCMCR run: draws, pooled and per-chain summaries, diagnostics.

use super::LcmcrOptions;
use crate::numeric::mcmc::{self as diagnostics, quantile_sorted};

/// R-hat at or below this, together with [`ESS_TARGET`], counts as converged.
pub const RHAT_TARGET: f64 = 1.01;
/// Bulk ESS of N at or above this, together with [`RHAT_TARGET`], counts as converged.
pub const ESS_TARGET: f64 = 400.0;

/// Quantile levels always reported (type 7, as R's default `quantile()`).
pub const DEFAULT_LEVELS: [f64; 9] = [0.005, 0.025, 0.05, 0.1, 0.5, 0.9, 0.95, 0.975, 0.995];

/// One posterior quantile.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Quantile {
    /// Probability level.
    pub prob: f64,
    /// Type-7 quantile of the pooled draws.
    pub value: f64,
}

/// Convergence diagnostics of one traced quantity over all chains (Vehtari et al. 2021);
/// `None` where undefined (e.g. R-hat of draws that are all equal).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diagnostics {
    /// Rank-normalised split R-hat (max of bulk and folded).
    pub rhat: Option<f64>,
    /// Bulk effective sample size.
    pub ess_bulk: Option<f64>,
    /// Tail effective sample size (5 % and 95 % quantiles).
    pub ess_tail: Option<f64>,
}

/// Summary of one chain's draws of a quantity.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChainSummary {
    /// Mean.
    pub mean: f64,
    /// Median (type 7).
    pub median: f64,
    /// Standard deviation (denominator n − 1).
    pub sd: f64,
    /// 2.5 % quantile (type 7).
    pub q025: f64,
    /// 97.5 % quantile (type 7).
    pub q975: f64,
}

/// Pooled summary and diagnostics of a secondary quantity (α, k*).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParamSummary {
    /// Pooled summary over all chains.
    pub pooled: ChainSummary,
    /// Diagnostics over the chains.
    pub diagnostics: Diagnostics,
}

/// The retained draws, one vector per chain, in sampling order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Draws {
    /// Population size N = n + n0.
    pub n: Vec<Vec<u64>>,
    /// Dirichlet-process concentration α.
    pub alpha: Vec<Vec<f64>>,
    /// k*: number of occupied latent classes.
    pub k_star: Vec<Vec<u32>>,
}

/// Posterior of the population size N from [`lcmcr`](super::lcmcr).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LcmcrPosterior {
    /// The options of the run (after any until-converged extension, `samples` is still the
    /// initial number; see `draws_per_chain`).
    pub options: LcmcrOptions,
    /// Observed individuals n.
    pub observed: u64,
    /// Number of chains.
    pub chains: usize,
    /// Retained draws per chain.
    pub draws_per_chain: usize,
    /// Posterior mean of N (pooled draws).
    pub mean: f64,
    /// Posterior median of N (pooled, type 7).
    pub median: f64,
    /// Posterior standard deviation of N (pooled, denominator n − 1).
    pub sd: f64,
    /// Pooled type-7 quantiles of N at [`DEFAULT_LEVELS`] and any extra levels, sorted.
    pub quantiles: Vec<Quantile>,
    /// Diagnostics of N.
    pub diagnostics: Diagnostics,
    /// α: pooled summary and diagnostics.
    pub alpha: ParamSummary,
    /// k*: pooled summary and diagnostics.
    pub k_star: ParamSummary,
    /// Per-chain summaries of N.
    pub per_chain: Vec<ChainSummary>,
    /// R-hat of N ≤ 1.01 and bulk ESS of N ≥ 400.
    pub converged: bool,
    /// What failed (with the values), and other notes.
    pub warnings: Vec<String>,
    /// Sweeps run per chain, including warm-up and burn-in.
    pub sweeps_per_chain: u64,
    /// Sweeps run over all chains.
    pub sweeps: u64,
    /// The retained draws.
    pub draws: Draws,
}

impl LcmcrPosterior {
    /// The pooled quantile of N at `prob`, if it was computed.
    pub fn quantile(&self, prob: f64) -> Option<f64> {
        self.quantiles
            .iter()
            .find(|q| (q.prob - prob).abs() < 1e-12)
            .map(|q| q.value)
    }
}

/// Summary of a set of draws.
pub(crate) fn chain_summary(x: &[f64]) -> ChainSummary {
    let mut s = x.to_vec();
    s.sort_by(f64::total_cmp);
    ChainSummary {
        mean: diagnostics::mean(x),
        median: quantile_sorted(&s, 0.5),
        sd: diagnostics::variance(x).sqrt(),
        q025: quantile_sorted(&s, 0.025),
        q975: quantile_sorted(&s, 0.975),
    }
}

/// Diagnostics of chains, NaN mapped to `None`.
pub(crate) fn diagnose(chains: &[Vec<f64>]) -> Diagnostics {
    let s: Vec<&[f64]> = chains.iter().map(Vec::as_slice).collect();
    let some = |v: f64| v.is_finite().then_some(v);
    Diagnostics {
        rhat: some(diagnostics::rhat_rank(&s)),
        ess_bulk: some(diagnostics::ess_bulk(&s)),
        ess_tail: some(diagnostics::ess_tail(&s)),
    }
}

/// Whether the diagnostics of N meet the targets.
pub(crate) fn meets_targets(d: &Diagnostics) -> bool {
    matches!((d.rhat, d.ess_bulk), (Some(r), Some(e)) if r <= RHAT_TARGET && e >= ESS_TARGET)
}

/// Build the posterior from the draws of every chain.
pub(crate) fn summarise(
    options: &LcmcrOptions,
    observed: u64,
    draws: Draws,
    sweeps_per_chain: u64,
    mut warnings: Vec<String>,
) -> LcmcrPosterior {
    let to_f = |v: &Vec<Vec<u64>>| -> Vec<Vec<f64>> {
        v.iter()
            .map(|c| c.iter().map(|&x| x as f64).collect())
            .collect()
    };
    let n_draws = to_f(&draws.n);
    let k_draws: Vec<Vec<f64>> = draws
        .k_star
        .iter()
        .map(|c| c.iter().map(|&x| f64::from(x)).collect())
        .collect();
    let pooled: Vec<f64> = n_draws.iter().flatten().copied().collect();
    let mut sorted = pooled.clone();
    sorted.sort_by(f64::total_cmp);
    let mut levels: Vec<f64> = DEFAULT_LEVELS.to_vec();
    for &l in &options.levels {
        if !levels.iter().any(|&x| (x - l).abs() < 1e-12) {
            levels.push(l);
        }
    }
    levels.sort_by(f64::total_cmp);
    let quantiles = levels
        .iter()
        .map(|&p| Quantile {
            prob: p,
            value: quantile_sorted(&sorted, p),
        })
        .collect();
    let diag = diagnose(&n_draws);
    let converged = meets_targets(&diag);
    match diag.rhat {
        Some(r) if r > RHAT_TARGET => warnings.push(format!(
            "R-hat of N is {r:.4} > {RHAT_TARGET}: the chains disagree; run longer"
        )),
        None => warnings.push("R-hat of N is undefined (the draws of N are all equal)".into()),
        _ => {}
    }
    match diag.ess_bulk {
        Some(e) if e < ESS_TARGET => warnings.push(format!(
            "bulk ESS of N is {e:.0} < {ESS_TARGET:.0}: too few effective draws; run longer"
        )),
        None => warnings.push("bulk ESS of N is undefined".into()),
        _ => {}
    }
    let cap = observed as f64 * (1.0 + super::sampler::CAP_FACTOR as f64);
    let near_cap = pooled.iter().filter(|&&v| v > 0.9 * cap).count();
    if near_cap as f64 >= 0.005 * pooled.len() as f64 {
        warnings.push(format!(
            "{:.1} % of the draws of N exceed 90 % of the truncation N <= 21·n = {cap}: \
             the upper tail is shaped by the sampler's cap",
            100.0 * near_cap as f64 / pooled.len() as f64
        ));
    }
    let all = chain_summary(&pooled);
    let param = |chains: &[Vec<f64>]| ParamSummary {
        pooled: chain_summary(&chains.concat()),
        diagnostics: diagnose(chains),
    };
    LcmcrPosterior {
        options: options.clone(),
        observed,
        chains: draws.n.len(),
        draws_per_chain: draws.n.first().map_or(0, Vec::len),
        mean: all.mean,
        median: all.median,
        sd: all.sd,
        quantiles,
        diagnostics: diag,
        alpha: param(&draws.alpha),
        k_star: param(&k_draws),
        per_chain: n_draws.iter().map(|c| chain_summary(c)).collect(),
        converged,
        warnings,
        sweeps_per_chain,
        sweeps: sweeps_per_chain * draws.n.len() as u64,
        draws,
    }
}
