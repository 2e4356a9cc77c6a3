//! The hyper-Dirichlet marginal likelihood of a decomposable graph for one value of the
//! unobserved count `m`, and the priors on `N = n + m`.
//!
//! # Formula
//!
//! With `α_A = δ·2^(t−|A|)` and `z_A` the number of observed records on none of the lists in
//! `A` (so the all-zero cell of margin `A` holds `z_A + m`),
//!
//! ```text
//! T_A(m) = lgamma(m + z_A + α_A) + K_A,     K_A = Σ_{c≠0} lgamma(n_A(c) + α_A) − 2^|A| lgamma(α_A)
//! D(m)   = lgamma(2^t δ) − lgamma(n + m + 2^t δ)
//! M(m)   = lgamma(n + m + 1) − lgamma(m + 1) − Σ_{x≠0} lgamma(Y_x + 1)
//! L_g(m) = Σ_C T_C(m) − Σ_S T_S(m) + (|𝒞| − |𝒮|)·D(m) + M(m) + log p(N) + log p(g)
//! ```
//!
//! (dga 2.0.2 `bma.cr`; method doc `dga.md` §3–4). Only the all-zero cell of each margin
//! depends on `m`, so `L_g(m+1) − L_g(m)` is the logarithm of a rational function of `m`:
//!
//! ```text
//! exp(L_g(m+1) − L_g(m)) = β(m) · Π_C (m + a_C) / [Π_S (m + a_S) · (n + m + 2^t δ)^k],
//! a_A = z_A + α_A,   β(m) = (n+m+1)/(m+1) · p(N+1)/p(N)
//! ```
//!
//! which is what lets the engine step along a contiguous grid with multiplications only.
//! As `m → ∞`, `L_g(m) = e_g log m + O(1)` with the tail exponent
//! `e_g = Σ_C a_C − Σ_S a_S − k (n + 2^t δ) + n` plus the prior's exponent (−1 for `1/N`);
//! for the saturated graph this is `δ − 1 − 2^t δ` (method doc §6).

use super::graphs::Graph;
use super::NPrior;
use crate::error::{Error, Result};

/// `lgamma` accurate to about 1 ulp, δ-sized arguments included (FreeBSD's `lgamma_r` as
/// ported by the `libm` crate). Checked against mpmath at 50 digits: libm is within 1 ulp at
/// x = 1/256, 1/32, 1/8, 0.5, 0.9, 1.1, 1.5, 2.1, 2.5, 10.03, 1000.06, 2744.03, 54880,
/// 137200.03, 10^6 (the test below keeps some of them); statrs 0.18's Lanczos `ln_gamma` is off by
/// 97, 75, 123 and 188 ulp at 1.1, 1.5, 1.9 and 2.1 (absolute 1–2·10^-15), and is slower
/// (26 vs 16 ns per call on this machine). Only the anchors call it, so its cost is minor.
#[inline]
pub(crate) fn lgamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// `½ log(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// The data-dependent constants of the marginal likelihood.
#[derive(Debug, Clone)]
pub(crate) struct Data {
    /// Number of lists.
    pub t: usize,
    /// `2^t`.
    pub nsub: usize,
    /// Observed records `n` (entry 0 of the counts ignored).
    pub n: f64,
    /// `2^t δ`.
    pub atot: f64,
    /// `a_A = z_A + α_A` for `A = 1..2^t` (`a[0]` unused).
    pub a: Vec<f64>,
    /// `K_A`.
    pub k: Vec<f64>,
    /// `lgamma(2^t δ)`.
    pub lg_atot: f64,
    /// `Σ_{x≠0} lgamma(Y_x + 1)`.
    pub lg_fact: f64,
    prior: PriorKind,
}

/// The prior on `N` as the engine evaluates it.
#[derive(Debug, Clone)]
pub(crate) enum PriorKind {
    /// `−log N`.
    Reciprocal,
    /// Log-normal density of `N`.
    LogNormal { mu: f64, sd: f64 },
    /// One value per grid point (looked up by the caller).
    Vector,
}

impl PriorKind {
    /// The prior's exponent as `N → ∞` (`−∞`: faster than any power; `None`: undefined
    /// outside the grid).
    pub fn tail_exponent(&self) -> Option<f64> {
        match self {
            PriorKind::Reciprocal => Some(-1.0),
            PriorKind::LogNormal { .. } => Some(f64::NEG_INFINITY),
            PriorKind::Vector => None,
        }
    }
}

impl Data {
    /// Constants for `t` lists with counts indexed by bitmask and hyper-parameter `delta`.
    pub fn new(t: usize, counts: &[u64], delta: f64, prior: &NPrior) -> Result<Self> {
        let nsub = 1usize << t;
        if counts.len() != nsub {
            return Err(Error::InvalidOption {
                name: "counts",
                value: format!("{} entries", counts.len()),
                problem: format!("expected 2^{t} = {nsub} counts indexed by capture pattern"),
            });
        }
        let n_u: u128 = counts[1..].iter().map(|&c| c as u128).sum();
        if n_u == 0 {
            return Err(Error::Undefined {
                what: "the posterior of N",
                reason: "no records were observed".into(),
            });
        }
        if n_u > 1u128 << 40 {
            return Err(Error::InvalidOption {
                name: "counts",
                value: n_u.to_string(),
                problem: "more than 2^40 observed records".into(),
            });
        }
        let n = n_u as f64;
        let atot = nsub as f64 * delta;
        let mut a = vec![0.0; nsub];
        let mut k = vec![0.0; nsub];
        let mut margin = vec![0u64; nsub];
        for s in 1..nsub {
            let size = (s as u32).count_ones() as i32;
            let alpha = delta * 2f64.powi(t as i32 - size);
            margin.iter_mut().for_each(|x| *x = 0);
            for (x, &c) in counts.iter().enumerate().skip(1) {
                margin[x & s] += c;
            }
            // Cells of margin s are the sub-masks c of s; c = 0 holds z_s (+ m).
            let mut sum = 0.0;
            let mut c = s;
            loop {
                if c != 0 {
                    sum += lgamma(margin[c] as f64 + alpha);
                }
                if c == 0 {
                    break;
                }
                c = (c - 1) & s;
            }
            k[s] = sum - (1u64 << size) as f64 * lgamma(alpha);
            a[s] = margin[0] as f64 + alpha;
        }
        let lg_fact = counts[1..].iter().map(|&c| lgamma(c as f64 + 1.0)).sum();
        let prior = match prior {
            NPrior::Reciprocal => PriorKind::Reciprocal,
            NPrior::LogNormal { mu, sd } => PriorKind::LogNormal { mu: *mu, sd: *sd },
            NPrior::Vector(_) => PriorKind::Vector,
        };
        Ok(Self {
            t,
            nsub,
            n,
            atot,
            a,
            k,
            lg_atot: lgamma(atot),
            lg_fact,
            prior,
        })
    }

    pub fn prior_kind(&self) -> &PriorKind {
        &self.prior
    }

    /// `T_A(m)`.
    #[inline]
    pub fn t_a(&self, s: usize, m: f64) -> f64 {
        lgamma(m + self.a[s]) + self.k[s]
    }

    /// `D(m)`.
    #[inline]
    pub fn d(&self, m: f64) -> f64 {
        self.lg_atot - lgamma(self.n + m + self.atot)
    }

    /// `M(m)`, the log multinomial coefficient.
    #[inline]
    pub fn mult(&self, m: f64) -> f64 {
        lgamma(self.n + m + 1.0) - lgamma(m + 1.0) - self.lg_fact
    }

    /// `log p(N)` at `N = n + m` for the formula priors (`NaN` for the vector prior, whose
    /// values the caller supplies).
    pub fn log_prior(&self, m: f64) -> f64 {
        let big_n = self.n + m;
        match self.prior {
            PriorKind::Reciprocal => -big_n.ln(),
            PriorKind::LogNormal { mu, sd } => {
                let z = (big_n.ln() - mu) / sd;
                -0.5 * z * z - big_n.ln() - sd.ln() - LN_SQRT_2PI
            }
            PriorKind::Vector => f64::NAN,
        }
    }

    /// `exp(base(m+1) − base(m))` where `base = M + log p(N)`; `prior` and `prior_next` are
    /// the prior's values at `m` and `m + 1` (ignored for the `1/N` prior, whose ratio is
    /// exactly `(n+m)/(n+m+1)`).
    #[inline]
    pub fn base_ratio(&self, m: f64, prior: f64, prior_next: f64) -> f64 {
        match self.prior {
            PriorKind::Reciprocal => (self.n + m) / (m + 1.0),
            _ => (self.n + m + 1.0) / (m + 1.0) * (prior_next - prior).exp(),
        }
    }

    /// The graph's log marginal likelihood plus `base` (`M(m) + log p(N) + log p(g)`),
    /// from the `T` values produced by `ta` — the one place the terms are combined, so
    /// table-based and on-the-fly evaluations agree bit for bit.
    #[inline]
    pub fn combine(&self, g: &Graph, ta: impl Fn(usize) -> f64, d: f64, base: f64) -> f64 {
        let mut plus = 0.0;
        for &c in g.cliques() {
            plus += ta(c as usize);
        }
        let mut minus = 0.0;
        for &s in g.separators() {
            minus += ta(s as usize);
        }
        (plus - minus) + g.components() as f64 * d + base
    }

    /// `L_g(m)` evaluated directly (`prior` is `log p(N)`, `model` is `log p(g)`).
    pub fn log_joint(&self, g: &Graph, m: f64, prior: f64, model: f64) -> f64 {
        self.combine(
            g,
            |s| self.t_a(s, m),
            self.d(m),
            self.mult(m) + prior + model,
        )
    }

    /// The tail exponent `e_g` of the graph's marginal likelihood in `m` (prior excluded).
    pub fn tail_exponent(&self, g: &Graph) -> f64 {
        let plus: f64 = g.cliques().iter().map(|&c| self.a[c as usize]).sum();
        let minus: f64 = g.separators().iter().map(|&s| self.a[s as usize]).sum();
        plus - minus - g.components() as f64 * (self.n + self.atot) + self.n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::dga::graphs::ChordalGraphs;

    #[test]
    fn lgamma_accuracy() {
        // Values from mpmath.loggamma at 50 digits.
        let cases = [
            (0.03125, 3.448_489_127_797_958_5),
            (0.125, 2.019_418_357_553_796_3),
            (1.5, -0.120_782_237_635_245_22),
            (2.5, 0.284_682_870_472_919_2),
            (0.9, 0.066_376_239_734_742_95),
            (1.1, -0.049_872_441_259_839_762),
            (2.1, 0.045_437_738_544_485_18),
            (10.03125, 12.872_246_043_129_286),
            (137_200.031_25, 1_485_760.927_218_258_8),
        ];
        for (x, want) in cases {
            let got = lgamma(x);
            assert!(
                (got - want).abs() <= 2.0 * f64::EPSILON * want.abs(),
                "lgamma({x})"
            );
        }
    }

    #[test]
    fn ratio_matches_difference_of_logs() {
        let counts = [0, 40, 30, 6, 20, 0, 0, 0];
        for prior in [NPrior::Reciprocal, NPrior::LogNormal { mu: 5.0, sd: 1.0 }] {
            let d = Data::new(3, &counts, 0.125, &prior).unwrap();
            for g in ChordalGraphs::new(3, None).unwrap() {
                for m in [0.0, 3.0, 250.0, 1e5] {
                    let l0 = d.log_joint(&g, m, d.log_prior(m), 0.0);
                    let l1 = d.log_joint(&g, m + 1.0, d.log_prior(m + 1.0), 0.0);
                    let mut r = d.base_ratio(m, d.log_prior(m), d.log_prior(m + 1.0));
                    for &c in g.cliques() {
                        r *= m + d.a[c as usize];
                    }
                    for &s in g.separators() {
                        r /= m + d.a[s as usize];
                    }
                    r /= (d.n + m + d.atot).powi(g.components() as i32);
                    assert!((r.ln() - (l1 - l0)).abs() < 1e-9, "{m} {:?}", g.cliques());
                }
            }
        }
    }

    #[test]
    fn tail_exponent_of_saturated_graph() {
        let counts = [0, 40, 30, 6, 20, 0, 0, 0];
        let d = Data::new(3, &counts, 0.125, &NPrior::Reciprocal).unwrap();
        let sat = ChordalGraphs::new(3, None).unwrap().last().unwrap();
        assert_eq!(sat.cliques(), &[7]);
        assert!((d.tail_exponent(&sat) - (0.125 - 1.0)).abs() < 1e-12);
        // Numerically: slope of L in log m far out.
        let (m1, m2) = (1e8, 2e8);
        let s = (d.log_joint(&sat, m2, 0.0, 0.0) - d.log_joint(&sat, m1, 0.0, 0.0)) / 2f64.ln();
        assert!((s - d.tail_exponent(&sat)).abs() < 1e-4, "{s}");
    }
}
