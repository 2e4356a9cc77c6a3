//! Summaries of a posterior held as pieces with their own scale: quantiles in dga's
//! definition, and the estimate of the mass beyond the grid top.

/// dga's quantiles: for each level `q`, the smallest grid point whose cumulative mass
/// reaches `q·total`. `pieces[r]` is the (scaled) mass of piece `r` and `last[r]` its last
/// grid point; `values(r)` gives the piece's `(m, scaled mass)` points in order (called at
/// most once per piece that contains a quantile, in increasing `r`).
pub(crate) fn quantiles(
    levels: &[f64],
    pieces: &[f64],
    last: &[u64],
    mut values: impl FnMut(usize) -> Vec<(u64, f64)>,
) -> Vec<u64> {
    let total: f64 = pieces.iter().sum();
    let mut order: Vec<usize> = (0..levels.len()).collect();
    order.sort_by(|&a, &b| levels[a].total_cmp(&levels[b]));
    let mut out = vec![0u64; levels.len()];
    let (mut r, mut cum) = (0usize, 0.0);
    let mut cached: Option<(usize, Vec<(u64, f64)>)> = None;
    for &k in &order {
        let target = levels[k] * total;
        while r < pieces.len() && cum + pieces[r] < target {
            cum += pieces[r];
            r += 1;
        }
        if r == pieces.len() {
            out[k] = *last.last().unwrap_or(&0);
            continue;
        }
        if cached.as_ref().is_none_or(|(c, _)| *c != r) {
            cached = Some((r, values(r)));
        }
        let vals = &cached.as_ref().expect("just set").1;
        let mut c = cum;
        out[k] = last[r];
        for &(m, p) in vals {
            c += p;
            if c >= target {
                out[k] = m;
                break;
            }
        }
    }
    out
}

/// Moments of a piece about its first point `m_first`: `(Σ p, Σ (m − m_first) p,
/// Σ (m − m_first)² p)`.
pub(crate) fn moments(m_first: u64, pts: impl Iterator<Item = (u64, f64)>) -> (f64, f64, f64) {
    let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
    for (m, p) in pts {
        let d = (m - m_first) as f64;
        s0 += p;
        s1 += d * p;
        s2 += d * d * p;
    }
    (s0, s1, s2)
}

/// Mean and standard deviation of `m` from per-piece moments `(m_first, scale, s0, s1, s2)`.
pub(crate) fn mean_sd(pieces: &[(u64, f64, f64, f64, f64)]) -> (f64, f64) {
    let total: f64 = pieces.iter().map(|p| p.1 * p.2).sum();
    let mean = pieces
        .iter()
        .map(|&(m0, f, s0, s1, _)| f * (m0 as f64 * s0 + s1))
        .sum::<f64>()
        / total;
    let var = pieces
        .iter()
        .map(|&(m0, f, s0, s1, s2)| {
            let d = m0 as f64 - mean;
            f * (s2 + 2.0 * d * s1 + d * d * s0)
        })
        .sum::<f64>()
        / total;
    (mean, var.max(0.0).sqrt())
}

/// Points per decade of `N` at which the pmf is evaluated beyond the grid top.
pub(crate) const TAIL_POINTS_PER_DECADE: f64 = 16.0;

/// The unobserved counts `m` beyond `m_top` at which the tail is evaluated: `N = n·10^(j/16)`
/// for integer `j` with `N > 1.05·(n + m_top)`, up to `N_max = max(10^5·n, 100·(n + m_top))`
/// (the last point exactly at `N_max`). Fixed positions, so that a longer grid reuses them.
pub(crate) fn tail_grid(n: f64, m_top: u64) -> Vec<u64> {
    let top = n + m_top as f64;
    let n_max = (1e5 * n).max(100.0 * top);
    let mut out = Vec::new();
    let mut j = ((1.05 * top / n).log10() * TAIL_POINTS_PER_DECADE).floor() as i64;
    loop {
        let big_n = n * 10f64.powf(j as f64 / TAIL_POINTS_PER_DECADE);
        j += 1;
        if big_n <= 1.05 * top {
            continue;
        }
        let m = (big_n.min(n_max) - n).round() as u64;
        if out.last().is_none_or(|&l| m > l) && m > m_top {
            out.push(m);
        }
        if big_n >= n_max {
            break;
        }
    }
    out
}

/// `log ∫_{x₀}^{x₁} p` for `p` a power law through `(x₀, e^{l₀})` and `(x₁, e^{l₁})`, and the
/// slope.
fn log_segment(x0: f64, l0: f64, x1: f64, l1: f64) -> (f64, f64) {
    let lr = (x1 / x0).ln();
    let s = (l1 - l0) / lr;
    let c = (s + 1.0) * lr;
    // ∫_1^r y^s dy = expm1(c)/(s+1), written stably in log form.
    let log_factor = if c.abs() < 1e-10 {
        lr.ln()
    } else if c > 30.0 {
        c - (s + 1.0).ln()
    } else {
        (c.exp_m1() / (s + 1.0)).ln()
    };
    (l0 + x0.ln() + log_factor, s)
}

/// `log(Σ exp(x))`.
pub(crate) fn log_sum_exp(xs: &[f64]) -> f64 {
    let mx = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !mx.is_finite() {
        return mx;
    }
    mx + xs.iter().map(|x| (x - mx).exp()).sum::<f64>().ln()
}

/// The estimated posterior mass beyond the grid top and the local log-log slope of the pmf
/// there.
///
/// `log_total`: log of the (unnormalised) mass on the grid; `(n_top, log_p_top)`: the top
/// grid point `N` and log of its unnormalised pmf; `tail`: `(N, log pmf)` at the points of
/// [`tail_grid`]. The pmf is taken as a power law between consecutive points (exact for the
/// power-law tails of §6 of the method doc), integrated exactly, continued beyond the last
/// point with the last slope, and the sum over integers `N > n_top` is the integral from
/// `n_top` minus half the top value (Euler–Maclaurin). Returns the mass as a fraction of
/// grid + beyond (`+∞` when the last slope is ≥ −1: the tail does not converge).
pub(crate) fn tail_mass(
    log_total: f64,
    n_top: f64,
    log_p_top: f64,
    tail: &[(f64, f64)],
) -> (f64, Option<f64>) {
    let mut terms = Vec::with_capacity(tail.len() + 1);
    let (mut x0, mut l0) = (n_top, log_p_top);
    let mut first_slope = None;
    let mut slope = f64::NAN;
    for &(x1, l1) in tail {
        let (t, s) = log_segment(x0, l0, x1, l1);
        terms.push(t);
        first_slope.get_or_insert(s);
        slope = s;
        (x0, l0) = (x1, l1);
    }
    if tail.is_empty() {
        return (f64::NAN, None);
    }
    if !(slope < -1.0) {
        return (f64::INFINITY, first_slope);
    }
    terms.push(l0 + x0.ln() - (-slope - 1.0).ln());
    let log_int = log_sum_exp(&terms);
    // Σ_{N > n_top} p(N) ≈ ∫_{n_top}^∞ p − p(n_top)/2.
    let half = log_p_top - std::f64::consts::LN_2;
    let log_beyond = if log_int > half {
        log_int + (-(half - log_int).exp()).ln_1p()
    } else {
        log_int
    };
    let frac = 1.0 / (1.0 + (log_total - log_beyond).exp());
    (frac, first_slope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_dga_definition() {
        // Two pieces: masses 0.1 0.2 | 0.3 0.4 at m = 0 1 | 2 3.
        let pieces = [0.3, 0.7];
        let last = [1, 3];
        let vals = |r: usize| {
            if r == 0 {
                vec![(0, 0.1), (1, 0.2)]
            } else {
                vec![(2, 0.3), (3, 0.4)]
            }
        };
        let q = quantiles(&[0.5, 0.1, 0.3, 0.61, 1.0], &pieces, &last, vals);
        assert_eq!(q, vec![2, 0, 1, 3, 3]);
    }

    #[test]
    fn tail_of_an_exact_power_law() {
        // p(N) = N^-3 for N ≥ 100; grid N ≤ 1000: Σ_{N>1000} N^-3 ≈ 1/(2·1000²) − ...
        let p = |x: f64| -3.0 * x.ln();
        let grid: f64 = (100..=1000).map(|x| (x as f64).powi(-3)).sum();
        let beyond: f64 =
            (1001..2_000_000).map(|x| (x as f64).powi(-3)).sum::<f64>() + 0.5 / 2e6f64.powi(2);
        let n = 100.0;
        let tail: Vec<(f64, f64)> = tail_grid(n, 900)
            .into_iter()
            .map(|m| (n + m as f64, p(n + m as f64)))
            .collect();
        let (frac, slope) = tail_mass(grid.ln(), 1000.0, p(1000.0), &tail);
        let want = beyond / (grid + beyond);
        assert!((frac / want - 1.0).abs() < 1e-3, "{frac} vs {want}");
        assert!((slope.unwrap() + 3.0).abs() < 1e-9);
        // Slope ≥ −1: divergent.
        let flat: Vec<(f64, f64)> = tail.iter().map(|&(x, _)| (x, -x.ln())).collect();
        assert_eq!(
            tail_mass(0.0, 1000.0, -(1000f64).ln(), &flat).0,
            f64::INFINITY
        );
    }

    #[test]
    fn tail_grid_is_increasing_and_reaches_the_end() {
        let g = tail_grid(2744.0, 20 * 2744);
        assert!(g.windows(2).all(|w| w[0] < w[1]));
        assert!(g[0] as f64 > 1.05 * 21.0 * 2744.0 - 2744.0);
        assert_eq!(*g.last().unwrap(), (1e5f64 * 2744.0 - 2744.0) as u64);
        // Positions are shared between tops.
        let h = tail_grid(2744.0, 50 * 2744);
        assert!(h.iter().all(|m| g.contains(m)));
    }

    #[test]
    fn mean_sd_of_pieces() {
        // Points 10, 11, 12 (masses 1, 2, 1) split over two pieces with scales.
        let a = moments(10, [(10, 1.0), (11, 2.0)].into_iter());
        let b = moments(12, [(12, 2.0)].into_iter());
        let (m, sd) = mean_sd(&[(10, 1.0, a.0, a.1, a.2), (12, 0.5, b.0, b.1, b.2)]);
        assert!((m - 11.0).abs() < 1e-12);
        assert!((sd - 0.5f64.sqrt()).abs() < 1e-12);
    }
}
