//! The grid walked piece by piece: each piece's bounds pass and evaluation, its record (own
//! scale, moments, last value), the kept pmf points, the graph weights, and the tail
//! estimate beyond the top.

use std::collections::BTreeMap;

use super::chunk::{Chunk, Scratch, Stats, SKIP_LOG};
use super::engine::{Engine, Points};
use super::graphs::Graph;
use super::summary;
use super::{DgaOptions, Grid, NPrior};

/// Points per piece of a listed grid.
const VALUES_PIECE: usize = 1024;
/// Grid points kept for the pmf (beyond: every other one dropped, as often as needed).
pub(super) const STORE_LIMIT: usize = 1 << 21;

fn piece_len(t: usize) -> u64 {
    if t <= 6 {
        8192
    } else {
        4096
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Contiguous,
    /// Indices into the listed grid.
    Values(usize, usize),
}

/// One evaluated piece of the grid, in its own scale `exp(−shift)`.
#[derive(Debug, Clone)]
pub(super) struct Record {
    pub(super) kind: Kind,
    pub(super) m_first: u64,
    pub(super) m_last: u64,
    pub(super) shift: f64,
    pub(super) skip: f64,
    /// Per block, the lower bound of the log pmf used for skipping.
    pub(super) lower: Vec<f64>,
    pub(super) total: f64,
    pub(super) s1: f64,
    pub(super) s2: f64,
    pub(super) last: f64,
}

/// The pmf points kept: those with `(m − first) % stride == 0`, with their piece.
#[derive(Debug, Default)]
pub(super) struct Store {
    pub(super) stride: u64,
    pub(super) first: u64,
    pub(super) pts: Vec<(u64, f64, usize)>,
}

impl Store {
    pub(super) fn push(&mut self, m: u64, p: f64, rec: usize) {
        if (m - self.first) % self.stride == 0 {
            self.pts.push((m, p, rec));
            if self.pts.len() > STORE_LIMIT {
                self.stride *= 2;
                let (first, stride) = (self.first, self.stride);
                self.pts.retain(|&(m, _, _)| (m - first) % stride == 0);
            }
        }
    }

    pub(super) fn of_piece(&self, rec: usize) -> &[(u64, f64, usize)] {
        let a = self.pts.partition_point(|p| p.2 < rec);
        let b = self.pts.partition_point(|p| p.2 <= rec);
        &self.pts[a..b]
    }
}

pub(super) struct Accum<'a> {
    pub(super) eng: &'a Engine,
    /// Vector prior and the grid it belongs to.
    pub(super) prior_vec: Option<&'a [f64]>,
    pub(super) grid: &'a Grid,
    pub(super) weights: Vec<f64>,
    /// Per graph, the largest anchor value of `L_g` seen (a lower bound of its weight).
    pub(super) gmax: Vec<f64>,
    pub(super) s_ref: f64,
    pub(super) recs: Vec<Record>,
    pub(super) store: Store,
    pub(super) stats: Stats,
}

impl<'a> Accum<'a> {
    pub(super) fn new(eng: &'a Engine, opts: &'a DgaOptions, first: u64, points: u64) -> Self {
        let prior_vec = match &opts.prior {
            NPrior::Vector(v) => Some(v.as_slice()),
            _ => None,
        };
        Self {
            eng,
            prior_vec,
            grid: &opts.grid,
            weights: vec![0.0; eng.graphs],
            gmax: vec![f64::NEG_INFINITY; eng.graphs],
            s_ref: f64::NEG_INFINITY,
            recs: Vec::new(),
            store: Store {
                stride: 1,
                first,
                pts: Vec::with_capacity(points.min(STORE_LIMIT as u64 + 1) as usize),
            },
            stats: Stats::default(),
        }
    }

    /// `log p(N)` at `m` (NaN beyond a vector prior's grid).
    pub(super) fn prior_at(&self, m: u64) -> f64 {
        match (self.prior_vec, self.grid) {
            (None, _) => self.eng.data.log_prior(m as f64),
            (Some(v), Grid::Max(_)) => v.get(m as usize).copied().unwrap_or(f64::NAN),
            (Some(v), Grid::Range { from, .. }) => m
                .checked_sub(*from)
                .and_then(|i| v.get(i as usize).copied())
                .unwrap_or(f64::NAN),
            (Some(v), Grid::Values(g)) => g.binary_search(&m).map_or(f64::NAN, |i| v[i]),
            (Some(_), Grid::Auto) => f64::NAN,
        }
    }

    pub(super) fn rescale_to(&mut self, shift: f64) {
        if shift > self.s_ref {
            let f = (self.s_ref - shift).exp();
            self.weights.iter_mut().for_each(|w| *w *= f);
            self.s_ref = shift;
        }
    }

    pub(super) fn chunk(&self, m0: u64, len: usize) -> Chunk {
        let prior: Vec<f64> = (0..=len as u64).map(|i| self.prior_at(m0 + i)).collect();
        Chunk::new(&self.eng.data, m0, len, &prior)
    }

    pub(super) fn points(&self, lo: usize, hi: usize) -> Points {
        let Grid::Values(v) = self.grid else {
            unreachable!("listed pieces come from a listed grid")
        };
        let prior: Vec<f64> = v[lo..hi].iter().map(|&m| self.prior_at(m)).collect();
        Points::new(&self.eng.data, &v[lo..hi], &prior)
    }

    pub(super) fn record(
        &mut self,
        kind: Kind,
        shift: f64,
        skip: f64,
        lower: Vec<f64>,
        ms: &[u64],
        pmf: &[f64],
    ) {
        let pts = || ms.iter().copied().zip(pmf.iter().copied());
        let (m_first, m_last) = (ms[0], ms[ms.len() - 1]);
        let (total, s1, s2) = summary::moments(m_first, pts());
        let r = self.recs.len();
        for (m, p) in pts() {
            self.store.push(m, p, r);
        }
        let last = pmf[pmf.len() - 1];
        self.recs.push(Record {
            kind,
            m_first,
            m_last,
            shift,
            skip,
            lower,
            total,
            s1,
            s2,
            last,
        });
    }

    /// Evaluate `m = lo..=hi`: first the bounds of every piece (so that each graph's largest
    /// value on the grid so far is known), then the pieces.
    pub(super) fn contiguous(&mut self, lo: u64, hi: u64) {
        let ch = piece_len(self.eng.data.t);
        let mut ranges = Vec::new();
        let mut m = lo;
        while m <= hi {
            let end = hi.min((m / ch + 1) * ch - 1);
            ranges.push((m, (end - m + 1) as usize));
            m = end + 1;
        }
        let mut bounds = Vec::with_capacity(ranges.len());
        for &(m, len) in &ranges {
            let chunk = self.chunk(m, len);
            let gmax = &mut self.gmax;
            let b = self
                .eng
                .chunk_extremes(&chunk, |g, top| gmax[g] = gmax[g].max(top));
            bounds.push(b);
        }
        let mut old: Option<Chunk> = None;
        for (&(m, len), (ub, top, lower)) in ranges.iter().zip(bounds) {
            let (shift, skip) = (ub.max(top), top - SKIP_LOG);
            let pmf = if shift.is_finite() {
                let chunk = self.chunk(m, len).with_ratios(&self.eng.data, old.take());
                self.rescale_to(shift);
                let f = (shift - self.s_ref).exp();
                let w = &mut self.weights;
                let sk = self.eng.prune.then_some((skip, lower.as_slice()));
                let st = &mut self.stats;
                let pmf =
                    self.eng
                        .chunk_pmf(&chunk, shift, sk, &self.gmax, |g, s| w[g] += s * f, st);
                old = Some(chunk);
                pmf
            } else {
                vec![0.0; len]
            };
            let ms: Vec<u64> = (m..m + len as u64).collect();
            self.record(Kind::Contiguous, shift, skip, lower, &ms, &pmf);
        }
    }

    /// Evaluate the listed grid point by point.
    pub(super) fn values(&mut self, n_values: usize) {
        let Grid::Values(v) = self.grid else {
            unreachable!("a listed grid")
        };
        for lo in (0..n_values).step_by(VALUES_PIECE) {
            let hi = (lo + VALUES_PIECE).min(n_values);
            let pts = self.points(lo, hi);
            let shift = self
                .eng
                .points_max(&pts)
                .into_iter()
                .fold(f64::NEG_INFINITY, f64::max);
            let pmf = if shift.is_finite() {
                self.rescale_to(shift);
                let f = (shift - self.s_ref).exp();
                let w = &mut self.weights;
                self.eng
                    .points_pmf(&pts, &vec![shift; hi - lo], |g, s| w[g] += s * f)
            } else {
                vec![0.0; hi - lo]
            };
            self.record(
                Kind::Values(lo, hi),
                shift,
                f64::NAN,
                Vec::new(),
                &v[lo..hi],
                &pmf,
            );
        }
    }

    pub(super) fn scale(&self, r: &Record) -> f64 {
        if r.shift.is_finite() {
            (r.shift - self.s_ref).exp()
        } else {
            0.0
        }
    }

    pub(super) fn log_total(&self) -> f64 {
        self.s_ref
            + self
                .recs
                .iter()
                .map(|r| r.total * self.scale(r))
                .sum::<f64>()
                .ln()
    }

    /// The piece's pmf points, scaled (from the store, or re-evaluated if it was thinned).
    pub(super) fn piece_values(&self, ri: usize) -> Vec<(u64, f64)> {
        let r = &self.recs[ri];
        let f = self.scale(r);
        if self.store.stride == 1 {
            return self
                .store
                .of_piece(ri)
                .iter()
                .map(|&(m, p, _)| (m, p * f))
                .collect();
        }
        let pmf = match r.kind {
            Kind::Contiguous => {
                let chunk = self
                    .chunk(r.m_first, (r.m_last - r.m_first + 1) as usize)
                    .with_ratios(&self.eng.data, None);
                let mut st = Stats::default();
                let sk = self.eng.prune.then_some((r.skip, r.lower.as_slice()));
                self.eng
                    .chunk_pmf(&chunk, r.shift, sk, &self.gmax, |_, _| {}, &mut st)
            }
            Kind::Values(lo, hi) => {
                let pts = self.points(lo, hi);
                self.eng
                    .points_pmf(&pts, &vec![r.shift; hi - lo], |_, _| {})
            }
        };
        self.grid_ms(r).zip(pmf).map(|(m, p)| (m, p * f)).collect()
    }

    pub(super) fn grid_ms(&self, r: &Record) -> Box<dyn Iterator<Item = u64> + '_> {
        match (r.kind, self.grid) {
            (Kind::Values(lo, hi), Grid::Values(v)) => Box::new(v[lo..hi].iter().copied()),
            _ => Box::new(r.m_first..=r.m_last),
        }
    }

    /// One graph's `exp(L_g(m) − shift)` on piece `ri` (scaled), with a reusable chunk.
    pub(super) fn graph_values(
        &self,
        ri: usize,
        chunk: Option<&Chunk>,
        g: &Graph,
        mp: f64,
        gi: usize,
    ) -> Vec<f64> {
        let r = &self.recs[ri];
        let f = self.scale(r);
        let vals: Vec<f64> = match r.kind {
            Kind::Contiguous => {
                let own;
                let chunk = match chunk {
                    Some(c) => c,
                    None => {
                        own = self
                            .chunk(r.m_first, (r.m_last - r.m_first + 1) as usize)
                            .with_ratios(&self.eng.data, None);
                        &own
                    }
                };
                let mut acc = vec![0.0; chunk.len];
                let (mut scr, mut st) = (Scratch::default(), Stats::default());
                let d = &self.eng.data;
                if r.shift.is_finite() {
                    let sk = self.eng.prune.then_some((r.skip, r.lower.as_slice()));
                    chunk.evaluate(
                        d,
                        g,
                        mp,
                        r.shift,
                        sk,
                        self.gmax[gi],
                        &mut scr,
                        &mut acc,
                        &mut st,
                    );
                }
                acc
            }
            Kind::Values(lo, hi) => {
                let pts = self.points(lo, hi);
                (0..hi - lo)
                    .map(|j| (pts.log_joint(&self.eng.data, g, mp, j) - r.shift).exp())
                    .collect()
            }
        };
        vals.into_iter().map(|p| p * f).collect()
    }

    /// Estimated tail mass beyond the top and the slope there (`None` for a vector prior).
    pub(super) fn tail(&self, cache: &mut BTreeMap<u64, f64>) -> (Option<f64>, Option<f64>) {
        if self.prior_vec.is_some() {
            return (None, None);
        }
        let d = &self.eng.data;
        let top = self.recs.last().map_or(0, |r| r.m_last);
        let mut ms = summary::tail_grid(d.n, top);
        ms.push(top);
        let missing: Vec<u64> = ms
            .iter()
            .copied()
            .filter(|m| !cache.contains_key(m))
            .collect();
        if !missing.is_empty() {
            let prior: Vec<f64> = missing.iter().map(|&m| d.log_prior(m as f64)).collect();
            for (m, l) in missing.iter().zip(self.eng.log_pmf_at(&missing, &prior)) {
                cache.insert(*m, l);
            }
        }
        ms.pop();
        let pts: Vec<(f64, f64)> = ms.iter().map(|m| (d.n + *m as f64, cache[m])).collect();
        let (frac, slope) =
            summary::tail_mass(self.log_total(), d.n + top as f64, cache[&top], &pts);
        (Some(frac), slope)
    }
}
