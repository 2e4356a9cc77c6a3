//! The passes over all graphs: enumeration in fixed batches, parallel evaluation in fixed
//! tasks, and reduction in task order, so that every result is bit-identical for any number of
//! threads.
//!
//! Graphs are streamed from [`ChordalGraphs`] (never stored): each pass over a piece of the
//! grid pulls up to [`BATCH_TASKS`] tasks' worth of graphs, evaluates the tasks with rayon,
//! and adds their partial pmfs and per-graph sums in task order.

use std::sync::Mutex;

use rayon::prelude::*;

use super::chunk::{Chunk, Job, Scratch, Stats};
use super::data::Data;
use super::graphs::{ChordalGraphs, Graph};

/// Tasks evaluated in parallel between two enumeration steps.
const BATCH_TASKS: usize = 64;

/// The model and the graph space.
#[derive(Debug)]
pub(crate) struct Engine {
    pub data: Data,
    pub max_clique: Option<usize>,
    /// Number of graphs.
    pub graphs: usize,
    /// `log p(g)` in enumeration order (`None`: uniform, 0).
    pub model_prior: Option<Vec<f64>>,
    pub prune: bool,
    /// Graphs per task (depends only on the number of graphs).
    task: usize,
    /// Spare per-task buffers (reused across pieces: fresh pages cost more than the work).
    pool: Mutex<Vec<Vec<f64>>>,
}

/// Arbitrary grid points with their `T_A` values (`Grid::Values`, tail points).
#[derive(Debug, Clone)]
pub(crate) struct Points {
    pub ms: Vec<u64>,
    ta: Vec<f64>,
    d: Vec<f64>,
    base: Vec<f64>,
}

impl Points {
    /// Tables at `ms` with `log p(N)` values `prior`.
    pub fn new(data: &Data, ms: &[u64], prior: &[f64]) -> Self {
        let p = ms.len();
        let mut ta = vec![0.0; data.nsub * p];
        for s in 1..data.nsub {
            for (j, &m) in ms.iter().enumerate() {
                ta[s * p + j] = data.t_a(s, m as f64);
            }
        }
        let d = ms.iter().map(|&m| data.d(m as f64)).collect();
        let base = ms
            .iter()
            .zip(prior)
            .map(|(&m, &pr)| data.mult(m as f64) + pr)
            .collect();
        Self {
            ms: ms.to_vec(),
            ta,
            d,
            base,
        }
    }

    /// `L_g` at point `j` (bit-identical to [`Data::log_joint`]).
    #[inline]
    pub fn log_joint(&self, data: &Data, g: &Graph, mp: f64, j: usize) -> f64 {
        let p = self.ms.len();
        data.combine(g, |s| self.ta[s * p + j], self.d[j], self.base[j] + mp)
    }
}

impl Engine {
    pub fn new(
        data: Data,
        max_clique: Option<usize>,
        graphs: usize,
        model_prior: Option<Vec<f64>>,
        prune: bool,
    ) -> Self {
        let task = (graphs / 64).clamp(16, 512);
        Self {
            data,
            max_clique,
            graphs,
            model_prior,
            prune,
            task,
            pool: Mutex::new(Vec::new()),
        }
    }

    /// A zeroed buffer of `len` values, from the pool if one is spare.
    fn buffer(&self, len: usize) -> Vec<f64> {
        let mut b = self
            .pool
            .lock()
            .map(|mut p| p.pop())
            .ok()
            .flatten()
            .unwrap_or_default();
        b.clear();
        b.resize(len, 0.0);
        b
    }

    fn recycle(&self, b: Vec<f64>) {
        if let Ok(mut p) = self.pool.lock() {
            if p.len() < 2 * BATCH_TASKS {
                p.push(b);
            }
        }
    }

    /// The enumeration (the engine's graphs, in its order).
    pub fn enumerate(&self) -> ChordalGraphs {
        ChordalGraphs::new(self.data.t, self.max_clique).expect("checked when the engine was built")
    }

    #[inline]
    pub fn mp(&self, index: usize) -> f64 {
        self.model_prior.as_ref().map_or(0.0, |v| v[index])
    }

    /// Run `task` on every task of graphs (first graph index, graphs, scratch) and hand the
    /// results to `reduce` in task order.
    fn run<R, F, G>(&self, task: F, mut reduce: G)
    where
        R: Send,
        F: Fn(usize, &[Graph], &mut Scratch) -> R + Sync,
        G: FnMut(R),
    {
        let mut it = self.enumerate();
        let batch = BATCH_TASKS * self.task;
        let mut graphs: Vec<Graph> = Vec::with_capacity(batch);
        let mut start = 0usize;
        loop {
            graphs.clear();
            graphs.extend(it.by_ref().take(batch));
            if graphs.is_empty() {
                break;
            }
            let results: Vec<R> = graphs
                .par_chunks(self.task)
                .enumerate()
                .map_init(Scratch::default, |scr, (j, gs)| {
                    task(start + j * self.task, gs, scr)
                })
                .collect();
            results.into_iter().for_each(&mut reduce);
            start += graphs.len();
        }
    }

    /// Largest upper bound and largest anchor value of `L` over all graphs on the piece, and
    /// per block a lower bound of `log Σ_g exp(L_g)`; `on_graph(index, largest anchor value)`.
    pub fn chunk_extremes(
        &self,
        chunk: &Chunk,
        mut on_graph: impl FnMut(usize, f64),
    ) -> (f64, f64, Vec<f64>) {
        let nb = chunk.blocks();
        let mut out = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        let mut lower = vec![f64::NEG_INFINITY; nb];
        self.run(
            |first, gs, scr| {
                let mut e = (f64::NEG_INFINITY, f64::NEG_INFINITY);
                let mut lw = vec![f64::NEG_INFINITY; nb];
                let mut tops = Vec::with_capacity(gs.len());
                for (i, g) in gs.iter().enumerate() {
                    let mp = self.mp(first + i);
                    if mp == f64::NEG_INFINITY {
                        tops.push(f64::NEG_INFINITY);
                        continue;
                    }
                    let (ub, top) = chunk.extremes(&self.data, g, mp, scr, &mut lw);
                    e = (e.0.max(ub), e.1.max(top));
                    tops.push(top);
                }
                (first, e, lw, tops)
            },
            |(first, e, lw, tops)| {
                out = (out.0.max(e.0), out.1.max(e.1));
                lower.iter_mut().zip(lw).for_each(|(a, b)| *a = a.max(b));
                for (i, t) in tops.into_iter().enumerate() {
                    on_graph(first + i, t);
                }
            },
        );
        (out.0, out.1, lower)
    }

    /// The unnormalised pmf `Σ_g exp(L_g(m) − shift)` on the piece; `on_graph(index, sum)`
    /// receives each graph's sum over the piece, in enumeration order. `skip`: see
    /// [`Chunk::evaluate`] (`None` when pruning is off), with `gmax[g]` the largest anchor
    /// value of graph `g` seen on the grid.
    #[allow(clippy::too_many_arguments)]
    pub fn chunk_pmf(
        &self,
        chunk: &Chunk,
        shift: f64,
        skip: Option<(f64, &[f64])>,
        gmax: &[f64],
        mut on_graph: impl FnMut(usize, f64),
        stats: &mut Stats,
    ) -> Vec<f64> {
        let mut pmf = vec![0.0; chunk.len];
        self.run(
            |first, gs, scr| {
                let mut acc = self.buffer(chunk.len);
                let mut st = Stats::default();
                let mut jobs: Vec<Job> = gs
                    .iter()
                    .enumerate()
                    .map(|(i, g)| Job::new(g, self.mp(first + i), gmax[first + i]))
                    .collect();
                let d = &self.data;
                chunk.evaluate_many(d, &mut jobs, shift, skip, scr, &mut acc, &mut st);
                let sums: Vec<f64> = jobs.iter().map(|j| j.sum).collect();
                (first, acc, sums, st)
            },
            |(first, acc, sums, st)| {
                pmf.iter_mut().zip(&acc).for_each(|(p, a)| *p += a);
                self.recycle(acc);
                for (i, s) in sums.into_iter().enumerate() {
                    on_graph(first + i, s);
                }
                stats.merge(&st);
            },
        );
        pmf
    }

    /// Per point, the largest `L_g` over all graphs.
    pub fn points_max(&self, pts: &Points) -> Vec<f64> {
        let p = pts.ms.len();
        let mut out = vec![f64::NEG_INFINITY; p];
        self.run(
            |first, gs, _| {
                let mut mx = vec![f64::NEG_INFINITY; p];
                for (i, g) in gs.iter().enumerate() {
                    let mp = self.mp(first + i);
                    if mp == f64::NEG_INFINITY {
                        continue;
                    }
                    for (j, x) in mx.iter_mut().enumerate() {
                        *x = x.max(pts.log_joint(&self.data, g, mp, j));
                    }
                }
                mx
            },
            |mx| out.iter_mut().zip(&mx).for_each(|(o, x)| *o = o.max(*x)),
        );
        out
    }

    /// `Σ_g exp(L_g(m_j) − shift_j)` per point; `on_graph(index, Σ_j exp(L_g(m_j) − shift_j))`.
    pub fn points_pmf(
        &self,
        pts: &Points,
        shifts: &[f64],
        mut on_graph: impl FnMut(usize, f64),
    ) -> Vec<f64> {
        let p = pts.ms.len();
        let mut out = vec![0.0; p];
        self.run(
            |first, gs, _| {
                let mut acc = vec![0.0; p];
                let mut sums = Vec::with_capacity(gs.len());
                for (i, g) in gs.iter().enumerate() {
                    let mp = self.mp(first + i);
                    let mut s = 0.0;
                    if mp != f64::NEG_INFINITY {
                        for (j, a) in acc.iter_mut().enumerate() {
                            let w = (pts.log_joint(&self.data, g, mp, j) - shifts[j]).exp();
                            *a += w;
                            s += w;
                        }
                    }
                    sums.push(s);
                }
                (first, acc, sums)
            },
            |(first, acc, sums)| {
                out.iter_mut().zip(&acc).for_each(|(o, a)| *o += a);
                for (i, s) in sums.into_iter().enumerate() {
                    on_graph(first + i, s);
                }
            },
        );
        out
    }

    /// `log Σ_g exp(L_g(m))` at each of `ms` (absolute, unnormalised).
    pub fn log_pmf_at(&self, ms: &[u64], prior: &[f64]) -> Vec<f64> {
        let pts = Points::new(&self.data, ms, prior);
        let mx = self.points_max(&pts);
        let acc = self.points_pmf(&pts, &mx, |_, _| {});
        mx.iter().zip(&acc).map(|(m, a)| m + a.ln()).collect()
    }

    /// The graphs at the given enumeration indices (sorted ascending in the output).
    pub fn graphs_at(&self, indices: &[usize]) -> Vec<(usize, Graph)> {
        let mut want: Vec<usize> = indices.to_vec();
        want.sort_unstable();
        want.dedup();
        let mut out = Vec::with_capacity(want.len());
        let mut k = 0;
        for (i, g) in self.enumerate().enumerate() {
            if k == want.len() {
                break;
            }
            if i == want[k] {
                out.push((i, g));
                k += 1;
            }
        }
        out
    }
}
