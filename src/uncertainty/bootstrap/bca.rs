//! BCa and percentile limits from bootstrap replicates (Efron 1987), as SparseMSE and
//! MultipleSystemsEstimation compute them.
//!
//! # Formula
//! `z0 = Φ⁻¹(#{θ*_b < θ̂} / B)` (strict), acceleration from the delete-one jackknife over
//! observed cells weighted by their counts: `J̄ = Σ c_j J_j / n`, `r_j = J̄ − J_j`,
//! `â = Σ c_j r_j³ / (6 (Σ c_j r_j²)^{3/2})`; the limit for level `α` is the type-8 quantile
//! (Hyndman & Fan 1996; R's `quantile(type = 8)`) of the replicates at
//! `Φ(z0 + (z0 + z_α)/(1 − â(z0 + z_α)))`.

use crate::numeric::{pnorm, qnorm, quantile_type8};
use serde::Serialize;

/// One quantile of the bootstrap distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantile {
    /// Nominal level α.
    pub level: f64,
    /// BCa-adjusted level.
    pub adjusted_level: f64,
    /// BCa limit (type-8 quantile at the adjusted level); `None` if undefined.
    pub bca: Option<f64>,
    /// Percentile limit (type-8 quantile at α).
    pub percentile: f64,
    /// The BCa limit is set by the smallest or largest replicate (its type-8 position is
    /// below 2 or above B − 1): the interval end is as far as the bootstrap reaches.
    pub at_extreme: bool,
}

/// Jackknife acceleration `â` from estimates `J_j` with weights (counts) `c_j`.
pub fn acceleration(jack: &[(u64, f64)]) -> f64 {
    let n: f64 = jack.iter().map(|&(c, _)| c as f64).sum();
    let jbar: f64 = jack.iter().map(|&(c, j)| c as f64 * j).sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for &(c, j) in jack {
        let r = jbar - j;
        num += c as f64 * r * r * r;
        den += c as f64 * r * r;
    }
    num / (6.0 * den.powf(1.5))
}

/// `z0` and the BCa and percentile quantiles of `reps` (finite values) for `point` and
/// acceleration `a` at `levels`.
pub fn bca_quantiles(reps: &[f64], point: f64, a: f64, levels: &[f64]) -> (f64, Vec<Quantile>) {
    let mut sorted: Vec<f64> = reps.to_vec();
    sorted.sort_by(f64::total_cmp);
    let below = sorted.iter().filter(|&&x| x < point).count();
    let z0 = qnorm(below as f64 / sorted.len() as f64);
    let (min, max) = (
        sorted.first().copied().unwrap_or(f64::NAN),
        sorted.last().copied().unwrap_or(f64::NAN),
    );
    let q = levels
        .iter()
        .map(|&alpha| {
            let za = qnorm(alpha);
            let adj = pnorm(z0 + (z0 + za) / (1.0 - a * (z0 + za)));
            let bca = quantile_type8(&sorted, adj);
            // Type-8 position h = 1/3 + p (n + 1/3): the limit is set by the smallest or
            // largest replicate when h < 2 or h > n − 1 (or it equals one of them).
            let n = sorted.len() as f64;
            let h = 1.0 / 3.0 + adj * (n + 1.0 / 3.0);
            Quantile {
                level: alpha,
                adjusted_level: adj,
                bca: bca.is_finite().then_some(bca),
                percentile: quantile_type8(&sorted, alpha),
                at_extreme: bca.is_finite() && (h < 2.0 || h > n - 1.0 || bca == min || bca == max),
            }
        })
        .collect();
    (z0, q)
}
