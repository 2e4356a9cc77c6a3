//! MCMC convergence diagnostics and R's type-7 quantile, as pure functions on draws.
//!
//! Nothing here depends on the rest of the crate (only `statrs`' inverse complementary error
//! function), so the file can move to a shared folder unchanged.
//!
//! Chains are given as `&[&[f64]]`, one slice per chain, all of the same length. The
//! diagnostics follow Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021) as implemented in
//! Stan, the R package `posterior` and ArviZ (`arviz.rhat(method="rank")`,
//! `arviz.ess(method="bulk")`, `arviz.ess(method="tail")`):
//!
//! * chains are split in halves (the middle draw of an odd-length chain is dropped);
//! * rank normalisation: `z = Φ⁻¹((r − 3/8) / (S + 1/4))` with average ranks `r` of the
//!   pooled `S` draws (Blom's offset);
//! * R̂ = max(R̂ of the rank-normalised split chains, R̂ of the rank-normalised
//!   `|x − median(x)|`), each the classic `sqrt(((n−1)/n·W + B/n) / W)`;
//! * ESS from the autocovariances (by FFT, normalised by `n`) with Geyer's initial positive
//!   and initial monotone sequences, `τ̂ ≥ 1/log10(S)`;
//! * bulk ESS = ESS of the rank-normalised split chains; tail ESS = min of the ESS of the
//!   split indicators `I(x ≤ q₀.₀₅)` and `I(x ≤ q₀.₉₅)` (type-7 quantiles).
//!
//! Undefined values are `NaN`, as in ArviZ: fewer than 4 draws per chain, unequal chain
//! lengths, non-finite draws, or an R̂ of draws that are all equal. Unlike ArviZ (which
//! requires two chains for R̂), a single chain gets the split R̂ of its two halves, as in
//! `posterior`. ESS of draws that are all equal is the number of draws (ArviZ's convention).
//!
//! # References
//! Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. and Bürkner, P.-C. (2021).
//! Rank-normalization, folding, and localization: an improved R̂ for assessing convergence of
//! MCMC. *Bayesian Analysis* 16(2), 667–718.

use statrs::function::erf::erfc_inv;

/// Minimum draws per chain for any diagnostic (ArviZ's `min_draws`).
pub const MIN_DRAWS: usize = 4;

/// R's default sample quantile (`quantile(x, p)`, type 7) of **sorted** data.
///
/// `h = 1 + (n − 1)·p`, `q = (1 − γ)·x[⌊h⌋] + γ·x[⌈h⌉]` with `γ = h − ⌊h⌋` (1-based), computed
/// with R's own expression so that results agree to the last bit. Returns `NaN` for empty
/// input or `p` outside `[0, 1]`.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let index = 1.0 + (n - 1) as f64 * p;
    let lo = index.floor();
    let hi = index.ceil();
    let x_lo = sorted[lo as usize - 1];
    let x_hi = sorted[(hi as usize).min(n) - 1];
    if index > lo && x_hi != x_lo {
        let h = index - lo;
        (1.0 - h) * x_lo + h * x_hi
    } else {
        x_lo
    }
}

/// R's default quantile (type 7) of unsorted data; sorts a copy (`NaN`s last).
pub fn quantile(x: &[f64], p: f64) -> f64 {
    let mut s = x.to_vec();
    s.sort_by(f64::total_cmp);
    quantile_sorted(&s, p)
}

/// Median (type-7 quantile at 0.5) of unsorted data.
pub fn median(x: &[f64]) -> f64 {
    quantile(x, 0.5)
}

/// Mean of `x` (`NaN` for empty input).
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample variance with denominator `n − 1` (`NaN` for fewer than two values).
pub fn variance(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64
}

/// Rank-normalised split R̂: the maximum of the bulk and the folded R̂.
pub fn rhat_rank(chains: &[&[f64]]) -> f64 {
    let Some(split) = split_chains(chains) else {
        return f64::NAN;
    };
    let bulk = rhat_basic(&as_slices(&z_scale(&split)));
    let pooled: Vec<f64> = split.iter().flatten().copied().collect();
    let med = median(&pooled);
    let folded: Vec<Vec<f64>> = split
        .iter()
        .map(|c| c.iter().map(|v| (v - med).abs()).collect())
        .collect();
    let tail = rhat_basic(&as_slices(&z_scale(&folded)));
    if bulk.is_nan() || tail.is_nan() {
        f64::NAN
    } else {
        bulk.max(tail)
    }
}

/// Bulk effective sample size: ESS of the rank-normalised split chains.
pub fn ess_bulk(chains: &[&[f64]]) -> f64 {
    match split_chains(chains) {
        Some(split) => ess_basic(&as_slices(&z_scale(&split))),
        None => f64::NAN,
    }
}

/// Tail effective sample size: the smaller ESS of the split indicators `I(x ≤ q₀.₀₅)` and
/// `I(x ≤ q₀.₉₅)`, the quantiles being type-7 quantiles of all draws.
pub fn ess_tail(chains: &[&[f64]]) -> f64 {
    if !valid(chains) {
        return f64::NAN;
    }
    let low = ess_quantile(chains, 0.05);
    let high = ess_quantile(chains, 0.95);
    if low.is_nan() || high.is_nan() {
        f64::NAN
    } else {
        low.min(high)
    }
}

/// ESS of the split indicator `I(x ≤ q_p)`, `q_p` the type-7 quantile of all draws.
pub fn ess_quantile(chains: &[&[f64]], p: f64) -> f64 {
    if !valid(chains) {
        return f64::NAN;
    }
    let pooled: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
    let q = quantile(&pooled, p);
    let ind: Vec<Vec<f64>> = chains
        .iter()
        .map(|c| c.iter().map(|&v| f64::from(u8::from(v <= q))).collect())
        .collect();
    match split_chains(&as_slices(&ind)) {
        Some(split) => ess_basic(&as_slices(&split)),
        None => f64::NAN,
    }
}

/// Classic (unsplit, untransformed) potential scale reduction factor:
/// `sqrt((B/W + n − 1) / n)` with `B` = n × variance of the chain means and `W` the mean of
/// the chain variances. `NaN` when `W = 0` or the input is invalid (at least two draws per
/// chain are needed here).
pub fn rhat_basic(chains: &[&[f64]]) -> f64 {
    if chains.is_empty() || !equal_finite(chains) || chains[0].len() < 2 {
        return f64::NAN;
    }
    let n = chains[0].len() as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let b = if chains.len() > 1 {
        n * variance(&means)
    } else {
        0.0
    };
    let w = chains.iter().map(|c| variance(c)).sum::<f64>() / chains.len() as f64;
    let r = ((b / w + n - 1.0) / n).sqrt();
    if r.is_finite() {
        r
    } else {
        f64::NAN
    }
}

/// Effective sample size of the chains as given (no split, no transformation): Geyer's
/// initial monotone sequence estimator, as ArviZ's `_ess`. Draws that are all equal give the
/// number of draws.
pub fn ess_basic(chains: &[&[f64]]) -> f64 {
    if chains.is_empty() || !equal_finite(chains) || chains[0].len() < 2 {
        return f64::NAN;
    }
    let m = chains.len();
    let n = chains[0].len();
    let (lo, hi) = chains
        .iter()
        .flat_map(|c| c.iter())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if hi - lo < 1e-15 {
        return (m * n) as f64;
    }
    let acov: Vec<Vec<f64>> = chains.iter().map(|c| autocov(c)).collect();
    let nf = n as f64;
    let mean_acov = |t: usize| acov.iter().map(|a| a[t]).sum::<f64>() / m as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let mean_var = mean_acov(0) * nf / (nf - 1.0);
    let mut var_plus = mean_var * (nf - 1.0) / nf;
    if m > 1 {
        var_plus += variance(&means);
    }
    let rho = |t: usize| 1.0 - (mean_var - mean_acov(t)) / var_plus;
    let mut rho_hat = vec![0.0; n];
    let mut even = 1.0;
    rho_hat[0] = even;
    let mut odd = rho(1);
    rho_hat[1] = odd;
    // Geyer's initial positive sequence.
    let mut t = 1;
    while t + 3 < n && even + odd > 0.0 {
        even = rho(t + 1);
        odd = rho(t + 2);
        if even + odd >= 0.0 {
            rho_hat[t + 1] = even;
            rho_hat[t + 2] = odd;
        }
        t += 2;
    }
    // Same indices as ArviZ: `max_t` may be -1 when the first pair is already negative.
    let max_t = t as isize - 2;
    if even > 0.0 {
        rho_hat[(max_t + 1) as usize] = even;
    }
    // Geyer's initial monotone sequence.
    let mut t: isize = 1;
    while t <= max_t - 2 {
        let (i, j) = (t as usize, (t + 1) as usize);
        if rho_hat[j] + rho_hat[j + 1] > rho_hat[i - 1] + rho_hat[i] {
            rho_hat[j] = (rho_hat[i - 1] + rho_hat[i]) / 2.0;
            rho_hat[j + 1] = rho_hat[j];
        }
        t += 2;
    }
    let total = (m * n) as f64;
    let upto = (max_t + 1).max(0) as usize;
    let mut tau = -1.0 + 2.0 * rho_hat[..upto].iter().sum::<f64>();
    if upto < n {
        tau += rho_hat[upto];
    }
    let tau = tau.max(1.0 / total.log10());
    let ess = total / tau;
    if rho_hat.iter().any(|r| r.is_nan()) {
        f64::NAN
    } else {
        ess
    }
}

/// Autocovariances `γ_t = (1/n) Σ_i (x_i − x̄)(x_{i+t} − x̄)`, `t = 0..n−1`, by FFT.
pub fn autocov(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    if n == 0 {
        return Vec::new();
    }
    let m = mean(x);
    let size = (2 * n).next_power_of_two();
    let mut re = vec![0.0; size];
    let mut im = vec![0.0; size];
    for (r, v) in re.iter_mut().zip(x) {
        *r = v - m;
    }
    fft(&mut re, &mut im, false);
    for (r, i) in re.iter_mut().zip(im.iter_mut()) {
        *r = *r * *r + *i * *i;
        *i = 0.0;
    }
    fft(&mut re, &mut im, true);
    let scale = 1.0 / (size as f64 * n as f64);
    re.truncate(n);
    for r in &mut re {
        *r *= scale;
    }
    re
}

/// In-place iterative radix-2 FFT (length a power of two); `inverse` uses `e^{+2πi/n}` and does
/// not scale.
fn fft(re: &mut [f64], im: &mut [f64], inverse: bool) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let sign = if inverse { 1.0 } else { -1.0 };
    let mut len = 2;
    while len <= n {
        let ang = sign * 2.0 * std::f64::consts::PI / len as f64;
        let half = len / 2;
        // Twiddles computed directly (not by recurrence) to keep rounding at ~1 ulp.
        let tw: Vec<(f64, f64)> = (0..half).map(|k| (ang * k as f64).sin_cos()).collect();
        for start in (0..n).step_by(len) {
            for (k, &(s, c)) in tw.iter().enumerate() {
                let (a, b) = (start + k, start + k + half);
                let tr = re[b] * c - im[b] * s;
                let ti = re[b] * s + im[b] * c;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

/// Split every chain in two halves (dropping the middle draw of an odd length).
fn split_chains(chains: &[&[f64]]) -> Option<Vec<Vec<f64>>> {
    if !valid(chains) {
        return None;
    }
    let n = chains[0].len();
    let half = n / 2;
    let mut out = Vec::with_capacity(2 * chains.len());
    for c in chains {
        out.push(c[..half].to_vec());
        out.push(c[n - half..].to_vec());
    }
    Some(out)
}

/// Rank-normalise the pooled draws (average ranks, Blom's 3/8 offset), keeping the shape.
fn z_scale(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let pooled: Vec<f64> = chains.iter().flatten().copied().collect();
    let s = pooled.len();
    let mut order: Vec<usize> = (0..s).collect();
    order.sort_by(|&a, &b| pooled[a].total_cmp(&pooled[b]));
    let mut rank = vec![0.0; s];
    let mut i = 0;
    while i < s {
        let mut j = i + 1;
        while j < s && pooled[order[j]] == pooled[order[i]] {
            j += 1;
        }
        // 1-based ranks i+1..=j share their average.
        let avg = (i + 1 + j) as f64 / 2.0;
        for &o in &order[i..j] {
            rank[o] = avg;
        }
        i = j;
    }
    let denom = s as f64 + 0.25;
    let mut it = rank.into_iter();
    chains
        .iter()
        .map(|c| {
            c.iter()
                .map(|_| {
                    let p = (it.next().unwrap_or(f64::NAN) - 0.375) / denom;
                    -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p)
                })
                .collect()
        })
        .collect()
}

fn as_slices(v: &[Vec<f64>]) -> Vec<&[f64]> {
    v.iter().map(Vec::as_slice).collect()
}

/// At least one chain, equal lengths of at least [`MIN_DRAWS`], finite draws.
fn valid(chains: &[&[f64]]) -> bool {
    !chains.is_empty() && chains[0].len() >= MIN_DRAWS && equal_finite(chains)
}

fn equal_finite(chains: &[&[f64]]) -> bool {
    let n = chains[0].len();
    chains
        .iter()
        .all(|c| c.len() == n && c.iter().all(|v| v.is_finite()))
}

#[cfg(test)]
#[path = "mcmc_tests.rs"]
mod tests;
