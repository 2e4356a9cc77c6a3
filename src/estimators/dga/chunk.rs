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
//! On a block `[lo, hi]`, `L_g'' = Σ_C ψ'(m+a_C) − Σ_S ψ'(m+a_S) − k ψ'(n+m+2^tδ) +
//! ψ'(n+m+1) − ψ'(m+1)` (+ the prior's); `ψ'` is decreasing and bracketed by explicit bounds,
//! so `L_g'' ≥ −K` with `K` from the plus terms at `hi` and the minus terms at `lo`, and
//! `L_g ≤ max(L(lo), L(hi)) + K·span²/8` (the prior's exact largest excess over its chord
//! added). The same argument gives a lower bound. Both are certified (up to 1e-6 of room for
//! rounding in the anchors). A block of a graph is skipped when its bound is
//! * more than `ln 10^300 ≈ 690.8` below the largest anchor value of the piece (less than
//!   1e-300 of a value that is attained; dga itself keeps only values above `e^−745`), or
//! * more than `ln 10^30` below both the graph's largest anchor value in the piece and a
//!   certified lower bound of the pmf on the block (the largest of the graphs' lower bounds):
//!   then what is left out is below 1e-30 of that pmf value for each graph, and below
//!   1e-30 of the graph's weight for each point, so summed over up to 3·10^7 graphs or 10^9
//!   grid points it changes no reported number by more than 1e-20 relative.

use rayon::prelude::*;

use super::data::Data;
use super::graphs::Graph;
use super::kernel::{product, scan, scan_scaled};

/// `ln(1e300)`: blocks certified below `max·1e-300` are skipped.
pub(crate) const SKIP_LOG: f64 = 690.775_527_898_213_7;

/// `ln(1e-280)`: below this a block's starting value is too close to underflow to seed the
/// recurrence directly; it is run [`RISE`] higher (or, if even that underflows, evaluated
/// point by point with `exp`).
const SEED_LOG: f64 = -644.7238260383328;
/// `ln(1e-30)`: a graph's block is negligible when certified below 1e-30 of both the pmf
/// there and the graph's own largest value. Summed over up to 3·10^7 graphs, or over up to
/// 10^9 grid points, what is left out stays below 1e-20 of any reported number.
pub(crate) const REL_LOG: f64 = -69.077_552_789_821_37;

/// The lift for rising blocks (`e^700` keeps values ≤ 1 below overflow).
const RISE: f64 = 700.0;

/// Bounds `(ψL, ψU)` of the trigamma function `ψ'(x)`, `x > 0`:
/// `ψL = max(1/x + 1/(2x²), 1/x + 1/(2x²) + 1/(6x³) − 1/(30x⁵)) < ψ'(x) < 1/x + 1/(2x²) +
/// 1/(6x³) = ψU` (partial sums of the asymptotic series, which bracket `ψ'` for `x > 0`;
/// checked against mpmath over `10^−4 ≤ x ≤ 10^6`).
#[inline]
fn psi1_bounds(x: f64) -> (f64, f64) {
    let r = 1.0 / x;
    let r2 = r * r;
    let base = r + 0.5 * r2;
    let up = base + r2 * r / 6.0;
    let lo = base.max(up - r2 * r2 * r / 30.0);
    (lo, up)
}

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
    /// Per subset and block, upper bound of `ψ'(m + a_A)` (at the block start) and lower
    /// bound (at its end anchor).
    psi_up: Vec<f64>,
    psi_lo: Vec<f64>,
    /// Per block: the same for `n + m + 2^t δ` (the `D` term), the base's own curvature
    /// bounds (`lgamma(n+m+1) − lgamma(m+1)`: lower, upper), `span²/8`, and the prior's
    /// largest excess over / deficit below its chord.
    d_up: Vec<f64>,
    d_lo: Vec<f64>,
    base_min: Vec<f64>,
    base_max: Vec<f64>,
    sq: Vec<f64>,
    prior_excess: Vec<f64>,
    prior_deficit: Vec<f64>,
    u: Vec<f64>,
    v: Vec<f64>,
    bd: Vec<f64>,
    /// `log p(N)` at each point and the next.
    prior: Vec<f64>,
}

/// Counters of what the kernel did (summed over graphs and pieces).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Stats {
    pub blocks: u64,
    pub skipped: u64,
    pub points: u64,
    pub skipped_points: u64,
    pub direct: u64,
    pub rising: u64,
    pub max_recurrence_error: f64,
}

impl Stats {
    /// Record the recurrence's value `got` against the exact `exact`.
    #[inline]
    fn check(&mut self, got: f64, exact: f64) {
        if exact > 1e-250 {
            let err = ((got - exact) / exact).abs();
            self.max_recurrence_error = self.max_recurrence_error.max(err);
        }
    }

    pub fn merge(&mut self, o: &Stats) {
        self.blocks += o.blocks;
        self.skipped += o.skipped;
        self.points += o.points;
        self.skipped_points += o.skipped_points;
        self.direct += o.direct;
        self.rising += o.rising;
        self.max_recurrence_error = self.max_recurrence_error.max(o.max_recurrence_error);
    }
}

/// Per-task scratch space.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    anchors: Vec<f64>,
    one: Vec<f64>,
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
        // Curvature bounds: ψ' is decreasing, between ψL and ψU (see `psi1_bounds`).
        let mut psi_up = vec![0.0; nsub * nb];
        let mut psi_lo = vec![0.0; nsub * nb];
        let (mut d_up, mut d_lo) = (vec![0.0; nb], vec![0.0; nb]);
        let (mut base_min, mut base_max) = (vec![0.0; nb], vec![0.0; nb]);
        let mut sq = vec![0.0; nb];
        let (mut prior_excess, mut prior_deficit) = (vec![0.0; nb], vec![0.0; nb]);
        for b in 0..nb {
            let (lo, hi) = (aidx[b], aidx[b + 1]);
            let span = (hi - lo) as f64;
            let (ml, mh) = ((m0 + lo as u64) as f64, (m0 + hi as u64) as f64);
            for s in 1..nsub {
                psi_up[s * nb + b] = psi1_bounds(ml + data.a[s]).1;
                psi_lo[s * nb + b] = psi1_bounds(mh + data.a[s]).0;
            }
            d_up[b] = psi1_bounds(data.n + ml + data.atot).1;
            d_lo[b] = psi1_bounds(data.n + mh + data.atot).0;
            base_min[b] = psi1_bounds(data.n + mh + 1.0).0 - psi1_bounds(ml + 1.0).1;
            base_max[b] = psi1_bounds(data.n + ml + 1.0).1 - psi1_bounds(mh + 1.0).0;
            sq[b] = span * span / 8.0;
            let (mut excess, mut deficit): (f64, f64) = (0.0, 0.0);
            if hi > lo {
                let (p0, p1) = (prior[lo], prior[hi]);
                for i in lo..=hi {
                    let chord = p0 + (p1 - p0) * (i - lo) as f64 / span;
                    excess = excess.max(prior[i] - chord);
                    deficit = deficit.max(chord - prior[i]);
                }
            }
            // 1e-6: room for rounding in the anchors (absolute errors ~1e-9).
            prior_excess[b] = excess + 1e-6;
            prior_deficit[b] = deficit + 1e-6;
        }
        Self {
            m0,
            len,
            aidx,
            ta,
            da,
            ba,
            psi_up,
            psi_lo,
            d_up,
            d_lo,
            base_min,
            base_max,
            sq,
            prior_excess,
            prior_deficit,
            u: Vec::new(),
            v: Vec::new(),
            bd: Vec::new(),
            prior: prior.to_vec(),
        }
    }

    /// Add the ratio factors (needed by [`Chunk::evaluate`], not by [`Chunk::extremes`]),
    /// reusing the buffers of `old` if given.
    pub fn with_ratios(mut self, data: &Data, old: Option<Chunk>) -> Self {
        let (len, m0, nsub) = (self.len, self.m0, data.nsub);
        let (mut u, mut v, mut bd) = old.map_or_else(Default::default, |c| (c.u, c.v, c.bd));
        u.resize(nsub * len, 0.0);
        v.resize(nsub * len, 0.0);
        // Row by row in parallel (elementwise, so the same for any number of threads).
        u.par_chunks_mut(len)
            .zip(v.par_chunks_mut(len))
            .enumerate()
            .skip(1)
            .for_each(|(s, (ur, vr))| {
                let a = data.a[s];
                for i in 0..len {
                    let x = (m0 + i as u64) as f64 + a;
                    ur[i] = x;
                    vr[i] = 1.0 / x;
                }
            });
        let t = data.t;
        let prior = &self.prior;
        bd.resize(t * len, 0.0);
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
        self.u = u;
        self.v = v;
        self.bd = bd;
        self
    }

    /// `L_g` at every anchor, into `out`.
    fn anchors(&self, data: &Data, g: &Graph, mp: f64, out: &mut Vec<f64>) {
        out.clear();
        let na = self.aidx.len();
        out.extend(
            (0..na).map(|j| data.combine(g, |s| self.ta[s * na + j], self.da[j], self.ba[j] + mp)),
        );
    }

    /// Upper bound of `L_g` on block `b` from its anchors: `L ≤ chord + K·span²/8` when
    /// `L'' ≥ −K` on the block, with `L''` bounded below term by term.
    #[inline]
    fn bound(&self, g: &Graph, anchors: &[f64], b: usize) -> f64 {
        let nb = self.aidx.len() - 1;
        let mut curv = self.base_min[b] - g.components() as f64 * self.d_up[b];
        for &c in g.cliques() {
            curv += self.psi_lo[c as usize * nb + b];
        }
        for &s in g.separators() {
            curv -= self.psi_up[s as usize * nb + b];
        }
        let ub =
            anchors[b].max(anchors[b + 1]) + (-curv).max(0.0) * self.sq[b] + self.prior_excess[b];
        // δ-sized arguments can overflow the ψ' bounds (∞ − ∞): then no bound.
        if ub.is_nan() {
            f64::INFINITY
        } else {
            ub
        }
    }

    /// Lower bound of `L_g` on block `b`: `L ≥ chord − K·span²/8` when `L'' ≤ K`.
    #[inline]
    fn lower(&self, g: &Graph, anchors: &[f64], b: usize) -> f64 {
        let nb = self.aidx.len() - 1;
        let mut curv = self.base_max[b] - g.components() as f64 * self.d_lo[b];
        for &c in g.cliques() {
            curv += self.psi_up[c as usize * nb + b];
        }
        for &s in g.separators() {
            curv -= self.psi_lo[s as usize * nb + b];
        }
        let lb =
            anchors[b].min(anchors[b + 1]) - curv.max(0.0) * self.sq[b] - self.prior_deficit[b];
        if lb.is_nan() {
            f64::NEG_INFINITY
        } else {
            lb
        }
    }

    /// Number of blocks.
    pub fn blocks(&self) -> usize {
        self.aidx.len() - 1
    }

    /// The largest (finite) upper bound and the largest anchor value of `L_g` on the piece; raises
    /// `lower[b]` to the graph's lower bound on block `b` (so that `lower` ends as the
    /// largest over graphs, itself a lower bound of the log pmf there).
    pub fn extremes(
        &self,
        data: &Data,
        g: &Graph,
        mp: f64,
        scratch: &mut Scratch,
        lower: &mut [f64],
    ) -> (f64, f64) {
        let mut anchors = std::mem::take(&mut scratch.anchors);
        self.anchors(data, g, mp, &mut anchors);
        let mut ub = f64::NEG_INFINITY;
        for (b, l) in lower.iter_mut().enumerate() {
            let u = self.bound(g, &anchors, b);
            if u.is_finite() {
                ub = ub.max(u);
            }
            *l = l.max(self.lower(g, &anchors, b));
        }
        let top = anchors.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        scratch.anchors = anchors;
        (ub, top)
    }

    /// Add `exp(L_g(m) − shift)` to `acc[m − m0]` for every point of the piece; returns
    /// their sum. With `skip = Some((skip_below, pmf_lower))` a block is left out when its
    /// bound is below `skip_below` or more than [`REL_LOG`] below both `pmf_lower[b]` (a
    /// lower bound of `log Σ_g exp(L_g)` on the block) and `gmax` (a value of `L_g` attained
    /// on the grid).
    #[allow(clippy::too_many_arguments)]
    pub fn evaluate(
        &self,
        data: &Data,
        g: &Graph,
        mp: f64,
        shift: f64,
        skip: Option<(f64, &[f64])>,
        gmax: f64,
        scratch: &mut Scratch,
        acc: &mut [f64],
        stats: &mut Stats,
    ) -> f64 {
        let mut jobs = [Job::new(g, mp, gmax)];
        self.evaluate_many(data, &mut jobs, shift, skip, scratch, acc, stats);
        jobs[0].sum
    }

    /// [`Chunk::evaluate`] for several graphs at once, block by block (so that a block's
    /// table rows stay in cache while every graph uses them); each job's `sum` receives its
    /// graph's sum. Per graph, the arithmetic is the same as one graph at a time.
    #[allow(clippy::too_many_arguments)]
    pub fn evaluate_many(
        &self,
        data: &Data,
        jobs: &mut [Job<'_>],
        shift: f64,
        skip: Option<(f64, &[f64])>,
        scratch: &mut Scratch,
        acc: &mut [f64],
        stats: &mut Stats,
    ) {
        let na = self.aidx.len();
        let mut anchors = std::mem::take(&mut scratch.anchors);
        let mut one = std::mem::take(&mut scratch.one);
        let mut rho = std::mem::take(&mut scratch.rho);
        anchors.clear();
        for job in jobs.iter() {
            if job.mp == f64::NEG_INFINITY {
                anchors.extend(std::iter::repeat_n(f64::NEG_INFINITY, na));
            } else {
                self.anchors(data, job.g, job.mp, &mut one);
                anchors.extend_from_slice(&one);
            }
        }
        for b in 0..na - 1 {
            for (k, job) in jobs.iter_mut().enumerate() {
                if job.mp == f64::NEG_INFINITY {
                    continue;
                }
                let a = &anchors[k * na..(k + 1) * na];
                self.block(data, job, a, b, shift, skip, &mut rho, acc, stats);
            }
        }
        scratch.anchors = anchors;
        scratch.one = one;
        scratch.rho = rho;
    }

    /// One graph on block `b`.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn block(
        &self,
        data: &Data,
        job: &mut Job<'_>,
        anchors: &[f64],
        b: usize,
        shift: f64,
        skip: Option<(f64, &[f64])>,
        rho: &mut Vec<f64>,
        acc: &mut [f64],
        stats: &mut Stats,
    ) {
        let (g, mp) = (job.g, job.mp);
        let nb = self.aidx.len() - 1;
        let expect = job.pending.take();
        let lo = self.aidx[b];
        let last_block = b + 1 == nb;
        let hi = if last_block {
            self.len - 1
        } else {
            self.aidx[b + 1] - 1
        };
        stats.blocks += 1;
        stats.points += (hi - lo + 1) as u64;
        if let Some((skip_below, pmf_lower)) = skip {
            let ub = self.bound(g, anchors, b);
            if ub < skip_below || ub < REL_LOG + pmf_lower[b].min(job.gmax) {
                stats.skipped += 1;
                stats.skipped_points += (hi - lo + 1) as u64;
                return;
            }
        }
        let x = anchors[b] - shift;
        if lo == hi {
            let w0 = x.exp();
            if let Some(e) = expect {
                stats.check(e, w0);
            }
            acc[lo] += w0;
            job.sum += w0;
            return;
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
                job.sum += w;
            }
            return;
        }
        let w0 = (x + lift).exp();
        if let (Some(e), true) = (expect, lift == 0.0) {
            stats.check(e, w0);
        }
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
        let k = g.components();
        let bd = &self.bd[(k - 1) * self.len + lo..(k - 1) * self.len + hi + 1];
        product(&mut rho[..n], bd, &rows[..r]);
        if lift > 0.0 {
            stats.rising += 1;
            job.sum += scan_scaled(w0, (-lift).exp(), &rho[..n], &mut acc[lo..=hi]);
            return;
        }
        let (s, last, next) = scan(w0, &rho[..n], &mut acc[lo..=hi]);
        job.sum += s;
        if last_block {
            stats.check(last, (anchors[b + 1] - shift).exp());
        } else {
            job.pending = Some(next);
        }
    }
}

/// One graph's state while a piece is walked block by block.
#[derive(Debug, Clone)]
pub(crate) struct Job<'g> {
    pub g: &'g Graph,
    pub mp: f64,
    pub gmax: f64,
    /// The graph's sum over the piece so far.
    pub sum: f64,
    /// The recurrence's value at the next block's start, checked against the exact one when
    /// that block is evaluated.
    pending: Option<f64>,
}

impl<'g> Job<'g> {
    pub fn new(g: &'g Graph, mp: f64, gmax: f64) -> Self {
        Self {
            g,
            mp,
            gmax,
            sum: 0.0,
            pending: None,
        }
    }
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
}
