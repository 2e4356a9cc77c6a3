//! One contiguous piece of the grid (`m0, m0+1, …, m0+len−1`): the per-subset tables and the
//! per-graph kernel that turns them into `exp(L_g(m) − shift)` for every `m` of the piece.
//!
//! # How a graph is evaluated
//!
//! The piece is cut into blocks (1 point near `m = 0`, growing to 256 points from `m = 1024`
//! on; a block never exceeds a quarter of its first `m`). At both ends of every block
//! `L_g` is computed exactly from `T_A` tables of `lgamma` values (the *anchors*). Inside a
//! block the kernel starts from `exp(L_g(lo) − shift)` and multiplies by the exact ratio
//! `exp(L_g(m+1) − L_g(m))` (see [`super::data`]): a product of `|𝒞| + |𝒮| + 1` precomputed
//! factors per point, no `exp`, `log` or `lgamma`. Each step adds at most a few ulp of
//! relative error, so after at most 255 steps the value agrees with the exact `exp` to
//! ~1e-13 — and the kernel checks that at every block end against the exact anchor
//! (`max_recurrence_error` in the report).
//!
//! # Skipping negligible blocks
//!
//! `lgamma(m + a)` is convex, so on a block each term lies below its chord, and a term with
//! a minus sign exceeds minus its chord by at most `ψ'(x₀)·span²/8 ≤ (1/x₀ + 1/x₀²)·span²/8`
//! (`x₀` its smallest argument). Summing over the graph's terms gives a certified upper bound
//! `UB = max(L(lo), L(hi)) + slack` of `L_g` on the block (prior terms: their exact largest
//! excess over the chord). A block whose bound is more than `ln 10^300 ≈ 690.8` below the
//! largest anchor value of the piece contributes less than 1e-300 of a value that is
//! attained, and is skipped; dga itself keeps only values above `e^−745` absolute.

use super::data::Data;
use super::graphs::Graph;

/// `ln(1e300)`: blocks certified below `max·1e-300` are skipped.
pub(crate) const SKIP_LOG: f64 = 690.775_527_898_213_7;

/// `ln(1e-280)`: below this a block's starting value is too close to underflow to seed the
/// recurrence directly; it is run [`RISE`] higher (or, if even that underflows, evaluated
/// point by point with `exp`).
const SEED_LOG: f64 = -644.7238260383328;
/// The lift for rising blocks (`e^700` keeps values ≤ 1 below overflow).
const RISE: f64 = 700.0;

/// Block length for a block starting at `m`.
fn block_len(m: u64) -> u64 {
    let q = (m / 4).max(1);
    (1u64 << (63 - q.leading_zeros())).min(256)
}

/// The tables of one contiguous piece of the grid.
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    /// First `m`.
    pub m0: u64,
    /// Number of points.
    pub len: usize,
    /// Anchor indices: the start of every block, then the last point. Block `b` covers
    /// `aidx[b] .. aidx[b+1]` (the last block includes `aidx[B]`, the last point); its
    /// bound uses the anchors at both ends.
    aidx: Vec<usize>,
    ta: Vec<f64>,
    da: Vec<f64>,
    ba: Vec<f64>,
    slack_s: Vec<f64>,
    slack_d: Vec<f64>,
    slack_b: Vec<f64>,
    u: Vec<f64>,
    v: Vec<f64>,
    bd: Vec<f64>,
    /// `log p(N)` at each point.
    prior: Vec<f64>,
}

/// Counters of what the kernel did (summed over graphs and pieces).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Stats {
    pub blocks: u64,
    pub skipped: u64,
    pub direct: u64,
    pub rising: u64,
    pub max_recurrence_error: f64,
}

impl Stats {
    pub fn merge(&mut self, o: &Stats) {
        self.blocks += o.blocks;
        self.skipped += o.skipped;
        self.direct += o.direct;
        self.rising += o.rising;
        self.max_recurrence_error = self.max_recurrence_error.max(o.max_recurrence_error);
    }
}

/// Per-task scratch space.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    anchors: Vec<f64>,
    rho: Vec<f64>,
}

impl Chunk {
    /// Tables for `m = m0 .. m0+len−1`; `prior[i]` is `log p(N)` at `m0 + i` for
    /// `i = 0..=len` (the last one at the next point, `NaN` if that is beyond the grid).
    pub fn new(data: &Data, m0: u64, len: usize, prior: &[f64]) -> Self {
        debug_assert_eq!(prior.len(), len + 1);
        let nsub = data.nsub;
        let mut aidx = Vec::new();
        let mut i = 0usize;
        while i < len {
            aidx.push(i);
            i += block_len(m0 + i as u64) as usize;
        }
        aidx.push(len - 1);
        let na = aidx.len();
        let nb = na - 1;
        let mut ta = vec![0.0; nsub * na];
        let mut da = vec![0.0; na];
        let mut ba = vec![0.0; na];
        for (j, &idx) in aidx.iter().enumerate() {
            let m = (m0 + idx as u64) as f64;
            for s in 1..nsub {
                ta[s * na + j] = data.t_a(s, m);
            }
            da[j] = data.d(m);
            ba[j] = data.mult(m) + prior[idx];
        }
        // Slack of the minus-sign convex terms, and of the prior (numerically).
        let e = |x: f64, span: f64| (1.0 / x + 1.0 / (x * x)) * span * span / 8.0;
        let mut slack_s = vec![0.0; nsub * nb];
        let mut slack_d = vec![0.0; nb];
        let mut slack_b = vec![0.0; nb];
        for b in 0..nb {
            let (lo, hi) = (aidx[b], aidx[b + 1]);
            let span = (hi - lo) as f64;
            let ml = (m0 + lo as u64) as f64;
            for s in 1..nsub {
                slack_s[s * nb + b] = e(ml + data.a[s], span);
            }
            slack_d[b] = e(data.n + ml + data.atot, span);
            let mut excess: f64 = 0.0;
            if hi > lo {
                let (p0, p1) = (prior[lo], prior[hi]);
                for i in lo..=hi {
                    let chord = p0 + (p1 - p0) * (i - lo) as f64 / span;
                    excess = excess.max(prior[i] - chord);
                }
            }
            // 1e-6: room for rounding in the anchors (absolute errors ~1e-9).
            slack_b[b] = e(ml + 1.0, span) + excess + 1e-6;
        }
        // Ratio factors.
        let mut u = vec![0.0; nsub * len];
        let mut v = vec![0.0; nsub * len];
        for s in 1..nsub {
            let a = data.a[s];
            let (ur, vr) = (
                &mut u[s * len..(s + 1) * len],
                &mut v[s * len..(s + 1) * len],
            );
            for i in 0..len {
                let x = (m0 + i as u64) as f64 + a;
                ur[i] = x;
                vr[i] = 1.0 / x;
            }
        }
        let t = data.t;
        let mut bd = vec![0.0; t * len];
        for i in 0..len {
            let m = (m0 + i as u64) as f64;
            let beta = if prior[i + 1].is_nan() {
                1.0
            } else {
                data.base_ratio(m, prior[i], prior[i + 1])
            };
            let vd = 1.0 / (data.n + m + data.atot);
            let mut p = beta;
            for k in 0..t {
                p *= vd;
                bd[k * len + i] = p;
            }
        }
        Self {
            m0,
            len,
            aidx,
            ta,
            da,
            ba,
            slack_s,
            slack_d,
            slack_b,
            u,
            v,
            bd,
            prior: prior[..len].to_vec(),
        }
    }

    /// `L_g` at every anchor, into `out`.
    fn anchors(&self, data: &Data, g: &Graph, mp: f64, out: &mut Vec<f64>) {
        out.clear();
        let na = self.aidx.len();
        out.extend(
            (0..na).map(|j| data.combine(g, |s| self.ta[s * na + j], self.da[j], self.ba[j] + mp)),
        );
    }

    /// Upper bound of `L_g` on block `b` from its anchors.
    #[inline]
    fn bound(&self, g: &Graph, anchors: &[f64], b: usize) -> f64 {
        let nb = self.aidx.len() - 1;
        let mut slack = g.components() as f64 * self.slack_d[b] + self.slack_b[b];
        for &s in g.separators() {
            slack += self.slack_s[s as usize * nb + b];
        }
        anchors[b].max(anchors[b + 1]) + slack
    }

    /// The largest upper bound and the largest anchor value of `L_g` on the piece.
    pub fn extremes(&self, data: &Data, g: &Graph, mp: f64, scratch: &mut Scratch) -> (f64, f64) {
        let mut anchors = std::mem::take(&mut scratch.anchors);
        self.anchors(data, g, mp, &mut anchors);
        let mut ub = f64::NEG_INFINITY;
        for b in 0..self.aidx.len() - 1 {
            ub = ub.max(self.bound(g, &anchors, b));
        }
        let top = anchors.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        scratch.anchors = anchors;
        (ub, top)
    }

    /// Add `exp(L_g(m) − shift)` to `acc[m − m0]` for every point of the piece (blocks whose
    /// bound is below `skip_below` left out when `prune`); returns their sum.
    #[allow(clippy::too_many_arguments)]
    pub fn evaluate(
        &self,
        data: &Data,
        g: &Graph,
        mp: f64,
        shift: f64,
        skip_below: f64,
        prune: bool,
        scratch: &mut Scratch,
        acc: &mut [f64],
        stats: &mut Stats,
    ) -> f64 {
        let mut anchors = std::mem::take(&mut scratch.anchors);
        let mut rho = std::mem::take(&mut scratch.rho);
        self.anchors(data, g, mp, &mut anchors);
        let k = g.components();
        let bd = &self.bd[(k - 1) * self.len..k * self.len];
        let nb = self.aidx.len() - 1;
        let mut sum = 0.0;
        for b in 0..nb {
            let lo = self.aidx[b];
            let last_block = b + 1 == nb;
            let hi = if last_block {
                self.len - 1
            } else {
                self.aidx[b + 1] - 1
            };
            stats.blocks += 1;
            if prune && self.bound(g, &anchors, b) < skip_below {
                stats.skipped += 1;
                continue;
            }
            let x = anchors[b] - shift;
            if lo == hi {
                let w0 = x.exp();
                acc[lo] += w0;
                sum += w0;
                continue;
            }
            // A block whose start is within e^-644 of underflow but that rises: run the
            // recurrence e^700 higher and scale down when adding (values below e^-708
            // become subnormal, i.e. below 1e-300 of the largest).
            let lift = if x >= SEED_LOG { 0.0 } else { RISE };
            if x + lift < SEED_LOG {
                stats.direct += 1;
                for i in lo..=hi {
                    let m = (self.m0 + i as u64) as f64;
                    let w = (data.log_joint(g, m, self.prior[i], mp) - shift).exp();
                    acc[i] += w;
                    sum += w;
                }
                continue;
            }
            let w0 = (x + lift).exp();
            let n = hi - lo + 1;
            rho.resize(n, 0.0);
            let mut rows: [&[f64]; 16] = [&[]; 16];
            let mut r = 0;
            for &c in g.cliques() {
                let s = c as usize;
                rows[r] = &self.u[s * self.len + lo..s * self.len + hi + 1];
                r += 1;
            }
            for &s in g.separators() {
                let s = s as usize;
                rows[r] = &self.v[s * self.len + lo..s * self.len + hi + 1];
                r += 1;
            }
            product(&mut rho[..n], &bd[lo..=hi], &rows[..r]);
            if lift > 0.0 {
                stats.rising += 1;
                sum += scan_scaled(w0, (-lift).exp(), &rho[..n], &mut acc[lo..=hi]);
                continue;
            }
            let (s, last, next) = scan(w0, &rho[..n], &mut acc[lo..=hi]);
            sum += s;
            // The recurrence's value at the end anchor against the exact one.
            let (got, exact) = if last_block {
                (last, (anchors[b + 1] - shift).exp())
            } else {
                (next, (anchors[b + 1] - shift).exp())
            };
            if exact > 1e-250 {
                let err = ((got - exact) / exact).abs();
                stats.max_recurrence_error = stats.max_recurrence_error.max(err);
            }
        }
        scratch.anchors = anchors;
        scratch.rho = rho;
        sum
    }
}

/// `out[i] = first[i] · Π_r rows[r][i]`, dispatched on the number of rows so that the inner
/// product is unrolled and the loop over `i` vectorises.
fn product(out: &mut [f64], first: &[f64], rows: &[&[f64]]) {
    macro_rules! go {
        ($($n:literal)*) => {
            match rows.len() {
                0 => out.copy_from_slice(first),
                $($n => product_n::<$n>(out, first, rows.try_into().expect("row count")),)*
                _ => unreachable!("at most 15 cliques and separators"),
            }
        };
    }
    go!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
}

#[inline(always)]
fn product_n<const R: usize>(out: &mut [f64], first: &[f64], rows: &[&[f64]; R]) {
    let n = out.len();
    let first = &first[..n];
    let rows: [&[f64]; R] = std::array::from_fn(|r| &rows[r][..n]);
    for i in 0..n {
        let mut p = first[i];
        for row in &rows {
            p *= row[i];
        }
        out[i] = p;
    }
}

/// The recurrence from `w_0`, adding `w_i·scale` (serial; for the rare rising blocks).
fn scan_scaled(w0: f64, scale: f64, rho: &[f64], acc: &mut [f64]) -> f64 {
    let (mut w, mut s) = (w0, 0.0);
    for (a, r) in acc.iter_mut().zip(rho) {
        let v = w * scale;
        *a += v;
        s += v;
        w *= r;
    }
    s
}

/// The recurrence `w_{i+1} = w_i·ρ_i` from `w_0`, adding each `w_i` to `acc[i]`; returns
/// `(Σ w_i, w_last, w_last·ρ_last)`. Four independent chains (the block cut in quarters, each started from
/// the product of the ratios before it) keep the multiplier busy.
fn scan(w0: f64, rho: &[f64], acc: &mut [f64]) -> (f64, f64, f64) {
    let n = acc.len();
    if n < 16 {
        let (mut w, mut s, mut last) = (w0, 0.0, w0);
        for i in 0..n {
            acc[i] += w;
            s += w;
            last = w;
            w *= rho[i];
        }
        return (s, last, w);
    }
    let q = n / 4;
    let (r0, rest) = rho.split_at(q);
    let (r1, rest) = rest.split_at(q);
    let (r2, rest) = rest.split_at(q);
    let (r3, tail_r) = rest.split_at(q);
    let (mut p0, mut p1, mut p2) = (1.0, 1.0, 1.0);
    for i in 0..q {
        p0 *= r0[i];
        p1 *= r1[i];
        p2 *= r2[i];
    }
    let mut w = [w0, 0.0, 0.0, 0.0];
    w[1] = w[0] * p0;
    w[2] = w[1] * p1;
    w[3] = w[2] * p2;
    let (a0, rest) = acc.split_at_mut(q);
    let (a1, rest) = rest.split_at_mut(q);
    let (a2, rest) = rest.split_at_mut(q);
    let (a3, tail_a) = rest.split_at_mut(q);
    let mut s = [0.0; 4];
    let mut last = w0;
    for i in 0..q {
        a0[i] += w[0];
        a1[i] += w[1];
        a2[i] += w[2];
        a3[i] += w[3];
        s[0] += w[0];
        s[1] += w[1];
        s[2] += w[2];
        s[3] += w[3];
        last = w[3];
        w[0] *= r0[i];
        w[1] *= r1[i];
        w[2] *= r2[i];
        w[3] *= r3[i];
    }
    // w[3] is now the value at index 4q; continue serially over the remainder.
    let mut x = w[3];
    for i in 0..tail_a.len() {
        tail_a[i] += x;
        s[3] += x;
        last = x;
        x *= tail_r[i];
    }
    ((s[0] + s[1]) + (s[2] + s[3]), last, x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_grow_and_stay_below_a_quarter() {
        assert_eq!(block_len(0), 1);
        assert_eq!(block_len(7), 1);
        assert_eq!(block_len(8), 2);
        assert_eq!(block_len(1023), 128);
        assert_eq!(block_len(1024), 256);
        assert_eq!(block_len(1 << 40), 256);
        for m in 8..5000 {
            assert!(block_len(m) * 4 <= m.max(4));
        }
    }

    #[test]
    fn scan_equals_serial_recurrence() {
        for n in [1, 5, 16, 17, 63, 64, 255, 256] {
            let rho: Vec<f64> = (0..n)
                .map(|i| 1.0 + 0.01 * ((i * 7 % 13) as f64 - 6.0))
                .collect();
            let mut acc = vec![0.0; n];
            let (s, last, _) = scan(0.5, &rho, &mut acc);
            let mut w = 0.5;
            let mut want_s = 0.0;
            for i in 0..n {
                assert!((acc[i] - w).abs() <= 1e-14 * w, "n {n} i {i}");
                want_s += w;
                if i + 1 < n {
                    w *= rho[i];
                }
            }
            assert!((s - want_s).abs() <= 1e-14 * want_s);
            assert!((last - w).abs() <= 1e-14 * w, "n {n}: {last} vs {w}");
        }
    }
}
