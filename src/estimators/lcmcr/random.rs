//! Random draws for the sampler: gamma and log-gamma (with the small-shape boost), Beta in
//! log space, multinomials, and the truncated negative binomial of n0. No allocation.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Gamma, Open01, Poisson};

/// Counts up to this size are allocated to classes by sequential categorical draws rather than
/// by conditional binomials (the same multinomial distribution, fewer random numbers).
const SEQUENTIAL_MAX: u64 = 8;

/// Negative-binomial draws tried by rejection (`n0 ≤ 20·n`) before the exact inversion of the
/// truncated distribution takes over. Both give exact draws of the truncated law.
const REJECTION_TRIES: usize = 64;

/// `w_k ← exp(w_k − max w)` (unnormalised probabilities; the largest is 1).
pub(super) fn exp_shifted(w: &mut [f64]) {
    let max = w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for v in w.iter_mut() {
        *v = (*v - max).exp();
    }
}

/// Gamma(shape, 1) draw; `shape > 0` finite (a programmer error otherwise).
pub(super) fn gamma(rng: &mut ChaCha8Rng, shape: f64) -> f64 {
    Gamma::new(shape, 1.0)
        .expect("gamma shape is positive and finite")
        .sample(rng)
}

/// log of a Gamma(s, 1) draw; for s < 0.5 by the boost `log U / s + log Gamma(1 + s, 1)`
/// (`dan_log_gamma_1`), which stays accurate when the draw would underflow.
fn log_gamma(rng: &mut ChaCha8Rng, s: f64) -> f64 {
    if s >= 0.5 {
        gamma(rng, s).ln()
    } else {
        let u: f64 = rng.sample(Open01);
        u.ln() / s + gamma(rng, 1.0 + s).ln()
    }
}

/// (log X, log(1 − X)) for X ~ Beta(a, b), from two gamma draws (a's first).
pub(super) fn log_beta(rng: &mut ChaCha8Rng, a: f64, b: f64) -> (f64, f64) {
    if a >= 0.5 && b >= 0.5 {
        // No underflow possible in practice: use the draws directly (two logs).
        let ga = gamma(rng, a);
        let gb = gamma(rng, b);
        let inv = 1.0 / (ga + gb);
        ((ga * inv).ln(), (gb * inv).ln())
    } else {
        let la = log_gamma(rng, a);
        let lb = log_gamma(rng, b);
        let (hi, lo) = if la >= lb { (la, lb) } else { (lb, la) };
        let lse = hi + (lo - hi).exp().ln_1p();
        (la - lse, lb - lse)
    }
}

/// Insertion sort of class indices by decreasing weight (ties keep their order). The previous
/// sweep's order is nearly sorted, so this is about K comparisons.
pub(super) fn sort_by_weight(order: &mut [usize], w: &[f64]) {
    for i in 1..order.len() {
        let mut j = i;
        while j > 0 && w[order[j - 1]] < w[order[j]] {
            order.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// `out ~ Multinomial(total, p / Σp)` for unnormalised `p ≥ 0` with at least one positive
/// entry, visiting the classes in `order`: sequential categorical draws for small totals,
/// otherwise conditional binomials with suffix sums (no cancellation in the remaining mass),
/// stopping once the total is used up. `sums` is scratch of `p`'s length.
pub(super) fn multinomial(
    rng: &mut ChaCha8Rng,
    total: u64,
    p: &[f64],
    order: &[usize],
    sums: &mut [f64],
    out: &mut [u64],
) {
    out.fill(0);
    let mut acc = 0.0;
    for (s, &k) in sums.iter_mut().zip(order).rev() {
        acc += p[k];
        *s = acc;
    }
    // Conditional binomials while many remain; once few remain, the rest are a multinomial
    // over the classes not yet visited, drawn one by one (so BINV's set-up is rarely paid).
    let mut rem = total;
    for (i, &k) in order.iter().enumerate() {
        if rem <= SEQUENTIAL_MAX {
            sequential(rng, rem, p, &order[i..], &sums[i..], out);
            return;
        }
        if !(p[k] > 0.0) {
            continue;
        }
        let q = p[k] / sums[i];
        let x = if q >= 1.0 {
            rem
        } else {
            Binomial::new(rem, q)
                .expect("probability in (0, 1)")
                .sample(rng)
        };
        out[k] = x;
        rem -= x;
    }
}

/// Add `count` categorical draws over the classes `order` (weights `p`; `suffix[0]` is their
/// total) to `out`, by inversion from the front.
fn sequential(
    rng: &mut ChaCha8Rng,
    count: u64,
    p: &[f64],
    order: &[usize],
    suffix: &[f64],
    out: &mut [u64],
) {
    let total = suffix[0];
    for _ in 0..count {
        // The first class whose cumulative weight exceeds u (the last positive one should
        // rounding leave u above the forward sum).
        let u = rng.random::<f64>() * total;
        let mut c = 0.0;
        let mut pick = None;
        for &k in order {
            if p[k] > 0.0 {
                c += p[k];
                pick = Some(k);
                if c > u {
                    break;
                }
            }
        }
        if let Some(k) = pick {
            out[k] += 1;
        }
    }
}

/// n0 ~ NegBin(size n, success probability 1 − π0) truncated to `n0 ≤ cap` (lcmcr.md §3
/// step 5): gamma–Poisson draws by rejection, then — should `REJECTION_TRIES` draws all exceed
/// the cap — an exact inversion of the truncated law.
pub(super) fn draw_n0(rng: &mut ChaCha8Rng, n: u64, cap: u64, pi0: f64) -> u64 {
    if !(pi0 > 0.0) {
        return 0;
    }
    if pi0 < 1.0 {
        let odds = pi0 / (1.0 - pi0);
        // Above this Poisson mean a draw ≤ cap has probability below e^-1500: count it as
        // rejected without drawing (also keeps the mean within rand_distr's range).
        let hopeless = 2.0 * cap as f64 + 1e4;
        for _ in 0..REJECTION_TRIES {
            let rate = gamma(rng, n as f64) * odds;
            if !(rate <= hopeless) {
                continue;
            }
            let y = if rate > 0.0 {
                Poisson::new(rate)
                    .expect("finite positive mean")
                    .sample(rng) as u64
            } else {
                0
            };
            if y <= cap {
                return y;
            }
        }
    }
    truncated_nb(rng, n, cap, pi0.min(1.0))
}

/// Exact draw from NegBin(n, 1 − π0) restricted to `0..=cap` by inversion, walking out from
/// the (truncated) mode with the pmf ratio `(n + k − 1)/k · π0` until the terms are negligible
/// (below 1e-18 of the running sum). Two passes over the same terms; no allocation.
pub(super) fn truncated_nb(rng: &mut ChaCha8Rng, n: u64, cap: u64, pi0: f64) -> u64 {
    let nf = n as f64;
    let mode = if pi0 >= 1.0 {
        cap
    } else {
        let m = ((nf - 1.0) * pi0 / (1.0 - pi0)).floor();
        if m >= cap as f64 {
            cap
        } else {
            m.max(0.0) as u64
        }
    };
    // Visit start, then upwards, then downwards; `f` sees each (k, weight) in that order and
    // returns true to stop.
    let walk = |f: &mut dyn FnMut(u64, f64, f64) -> bool| {
        let mut sum = 1.0;
        if f(mode, 1.0, sum) {
            return;
        }
        let mut w = 1.0;
        for k in mode + 1..=cap {
            w *= (nf + k as f64 - 1.0) / k as f64 * pi0;
            sum += w;
            if f(k, w, sum) {
                return;
            }
            if w < 1e-18 * sum {
                break;
            }
        }
        let mut w = 1.0;
        for k in (0..mode).rev() {
            let next = k + 1;
            w /= (nf + next as f64 - 1.0) / next as f64 * pi0;
            sum += w;
            if f(k, w, sum) || w < 1e-18 * sum {
                break;
            }
        }
    };
    let mut total = 0.0;
    walk(&mut |_, _, s| {
        total = s;
        false
    });
    let u = rng.random::<f64>() * total;
    let mut pick = mode;
    let mut acc = 0.0;
    walk(&mut |k, w, _| {
        acc += w;
        if acc > u {
            pick = k;
            true
        } else {
            false
        }
    });
    pick
}
