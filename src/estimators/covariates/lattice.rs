//! A fast Poisson fitter for designs whose columns are products of per-variable functions
//! (list membership, factor-level indicators, polynomial year columns) — every design of
//! this module — used by the model search.
//!
//! # Formula
//! The cells form a lattice: one axis per list (2 levels) and per covariate (`K_v`
//! levels). A column is `x_a(ℓ) = Π_v f_{a,v}(ℓ_v)`, so a Gram entry is
//! `(XᵀWX)_{ab} = Σ_ℓ μ_ℓ Π_v (f_{a,v} f_{b,v})(ℓ_v)`: a *moment* of `μ`. Collect, per axis,
//! the products `g` of two column functions that occur (for indicators with treatment
//! contrasts these are "1" and the non-baseline levels: `K_v` of them); one mode product per
//! axis, `M_v (|G_v| × K_v)`, turns the cell means into every moment at once, and each Gram
//! entry and score is then a lookup. The linear predictor is the transposed transform of the
//! coefficients. An IRLS iteration costs `O(Σ_v |cells| · K_v + p³)` instead of the dense
//! `O(|cells| · p²)`: for westeros about 30k operations against 8M.
//!
//! The iteration is R's (`glm.fit`): the first step from `μ = y + 0.1` solves the weighted
//! least-squares problem `XᵀWX β = Xᵀ(μη + y − μ)`, later ones the equivalent Newton form
//! `β ← β + (XᵀWX)⁻¹ Xᵀ(y − μ)`, by Cholesky; `μ = max(exp η, 2.22e-16)`; step halving on a
//! non-finite deviance; stop on `|D − D_old| / (|D| + 0.1) < ε`.

use super::design::{Column, Factor, Poly};
use super::kernels::dot;
use super::table::CovariateTable;

/// Gram pivots at or below this fraction of the column's squared norm are dependent (the
/// squared form of the aliasing rule's residual-norm test, loosened from `1e-14` to absorb
/// the rounding of the Gram matrix; exact dependencies of 0/1 columns give ~1e-16).
const ALIAS_PIVOT: f64 = 1e-10;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    One,
    Level(usize),
    Mono(Vec<u8>),
}

fn product(a: &Key, b: &Key) -> Option<Key> {
    match (a, b) {
        (Key::One, x) | (x, Key::One) => Some(x.clone()),
        (Key::Level(i), Key::Level(j)) => (i == j).then_some(Key::Level(*i)),
        (Key::Mono(e), Key::Mono(f)) => {
            Some(Key::Mono(e.iter().zip(f).map(|(x, y)| x + y).collect()))
        }
        _ => None,
    }
}

/// The lattice of a table and the moment transform of a set of candidate columns.
#[derive(Debug, Clone)]
pub(crate) struct Lattice {
    pub(super) dims: Vec<usize>,
    pub(super) gdims: Vec<usize>,
    /// Per axis, `M_v` row-major (`|G_v| × K_v`) and its transpose.
    pub(super) m: Vec<Vec<f64>>,
    pub(super) mt: Vec<Vec<f64>>,
    /// Axes whose functions are "1" and the levels 2..K in order: their transform is done in
    /// place (the baseline slot becomes the sum over the axis).
    pub(super) contrast: Vec<bool>,
    /// The first three axes are 2-level contrast axes (three lists): their transforms are
    /// done together on blocks of 8 cells.
    pub(super) binary3: bool,
    /// Cube index of each observable and each unobserved cell.
    pub(super) obs: Vec<usize>,
    pub(super) unobs: Vec<usize>,
    /// Cube indices of the cells that are not observable (every index not in `obs`).
    pub(super) holes: Vec<usize>,
    pub(super) y: Vec<f64>,
    pub(super) ylny: Vec<f64>,
    pub(super) lgamma_sum: f64,
    pub(super) col_state: Vec<usize>,
    /// `pair_state[a * P + b]`, `usize::MAX` for a product that is identically 0.
    pub(super) pair_state: Vec<usize>,
    pub(super) p_all: usize,
    pub(super) y_moments: Vec<f64>,
    pub(super) mask_moments: Vec<f64>,
    /// Cells removed from the fit (0) or kept (1), for the extended MLE of a replicate
    /// table; `None`: every cell is kept.
    pub(super) mask: Option<Vec<f64>>,
}

/// Scratch buffers of one fitting thread.
#[derive(Debug, Clone, Default)]
pub(crate) struct Work {
    pub(super) a: Vec<f64>,
    pub(super) b: Vec<f64>,
    pub(super) mu: Vec<f64>,
    pub(super) eta: Vec<f64>,
    pub(super) gram: Vec<f64>,
    pub(super) rhs: Vec<f64>,
    pub(super) wm: Vec<f64>,
    pub(super) rm: Vec<f64>,
}

/// The state shared by the candidates that add columns to one model (see
/// [`Lattice::shared`]).
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub(super) cols: Vec<usize>,
    pub(super) beta: Vec<f64>,
    pub(super) l: Vec<f64>,
    pub(super) wm: Vec<f64>,
    pub(super) score: Vec<f64>,
    pub(super) deviance: f64,
}

/// The unweighted Cholesky factor behind [`Lattice::alias`], to extend by new columns.
#[derive(Debug, Clone, Default)]
pub(crate) struct AliasFactor {
    /// Kept columns, in order.
    pub kept: Vec<usize>,
    /// The factor's rows, packed: row `i` (`i + 1` entries) starts at `i(i + 1)/2`.
    pub(super) rows: Vec<f64>,
}

/// A fit by the lattice fitter.
#[derive(Debug, Clone)]
pub(crate) struct LatticeFit {
    /// Coefficients of the columns fitted, in the order given.
    pub beta: Vec<f64>,
    pub deviance: f64,
    pub log_likelihood: f64,
    pub iterations: usize,
    pub converged: bool,
    /// Sum of the fitted means over observable and unobserved cells.
    pub nhat: f64,
    /// Stopped by the screen of [`super::lattice_fit::Rule::Screened`]: `deviance` is a
    /// lower estimate of the optimum's, `beta` the last point evaluated, and the
    /// log-likelihood and `nhat` are not computed (NaN).
    pub screened: bool,
}

impl LatticeFit {
    /// A fit stopped by a screen: at `beta`, with `lower` (a lower estimate of the optimum's
    /// deviance) as its deviance after `iterations`; no log-likelihood or `nhat` (NaN).
    pub(crate) fn screened(beta: Vec<f64>, lower: f64, iterations: usize) -> Self {
        Self {
            beta,
            deviance: lower,
            log_likelihood: f64::NAN,
            iterations,
            converged: true,
            nhat: f64::NAN,
            screened: true,
        }
    }
}

/// The moments transform of three 2-level contrast axes on one block of 8 cells (bit `b` of
/// the index is axis `b`): every slot becomes the sum over the cells at or above it,
/// `c[j] = Σ_{i ⊇ j} c[i]`.
#[inline]
fn sum_binary3(c: &mut [f64]) {
    for (j, bit) in [
        (0usize, 1usize),
        (2, 1),
        (4, 1),
        (6, 1),
        (0, 2),
        (1, 2),
        (4, 2),
        (5, 2),
    ] {
        c[j] += c[j + bit];
    }
    for j in 0..4 {
        c[j] += c[j + 4];
    }
}

/// The transposed transform of [`sum_binary3`]: `c[i] = Σ_{j ⊆ i} c[j]`.
#[inline]
fn spread_binary3(c: &mut [f64]) {
    for (j, bit) in [
        (0usize, 1usize),
        (2, 1),
        (4, 1),
        (6, 1),
        (0, 2),
        (1, 2),
        (4, 2),
        (5, 2),
    ] {
        c[j + bit] += c[j];
    }
    for j in 0..4 {
        c[j + 4] += c[j];
    }
}

/// `out = mode-v product of input` along `axis`: `out[.., r, ..] = Σ_l m[r][l] in[.., l, ..]`.
fn mode(
    input: &[f64],
    dims: &mut [usize],
    axis: usize,
    m: &[f64],
    rows: usize,
    out: &mut Vec<f64>,
) {
    let k = dims[axis];
    let inner: usize = dims[..axis].iter().product();
    let outer: usize = dims[axis + 1..].iter().product();
    out.clear();
    out.resize(inner * rows * outer, 0.0);
    for o in 0..outer {
        for r in 0..rows {
            let dst = &mut out[inner * (r + rows * o)..inner * (r + rows * o + 1)];
            for l in 0..k {
                let c = m[r * k + l];
                if c == 0.0 {
                    continue;
                }
                let src = &input[inner * (l + k * o)..inner * (l + k * o + 1)];
                for (d, s) in dst.iter_mut().zip(src) {
                    *d += c * s;
                }
            }
        }
    }
    dims[axis] = rows;
}

impl Lattice {
    /// The lattice of `table` for the candidate columns `cols` (all columns any model may
    /// use, e.g. those of the largest model of a search).
    pub fn new(table: &CovariateTable, cols: &[Column], poly: Option<&Poly>) -> Self {
        let t = table.lists();
        let nv = t + table.covariates().len();
        let mut dims: Vec<usize> = vec![2; t];
        dims.extend(table.covariates().iter().map(|c| c.levels.len()));
        let keys: Vec<Vec<Key>> = cols
            .iter()
            .map(|c| {
                let mut k = vec![Key::One; nv];
                for f in &c.factors {
                    match *f {
                        Factor::List(i) => k[i] = Key::Level(1),
                        Factor::Level { covariate, level } => k[t + covariate] = Key::Level(level),
                        Factor::Poly { covariate, degree } => {
                            let d = poly.map_or(0, |p| p.values.len());
                            let mut e = vec![0u8; d];
                            e[degree - 1] = 1;
                            k[t + covariate] = Key::Mono(e);
                        }
                    }
                }
                k
            })
            .collect();
        // Per axis: the products of two column functions.
        let mut g: Vec<Vec<Key>> = vec![vec![Key::One]; nv];
        for v in 0..nv {
            for a in &keys {
                for b in &keys {
                    if let Some(pk) = product(&a[v], &b[v]) {
                        if !g[v].contains(&pk) {
                            g[v].push(pk);
                        }
                    }
                }
            }
        }
        let value = |key: &Key, l: usize| -> f64 {
            match key {
                Key::One => 1.0,
                Key::Level(i) => f64::from(u8::from(*i == l)),
                Key::Mono(e) => {
                    let p = poly.expect("polynomial coding");
                    e.iter()
                        .enumerate()
                        .map(|(j, &pw)| p.values[j][l].powi(i32::from(pw)))
                        .product()
                }
            }
        };
        let mut m = Vec::with_capacity(nv);
        let mut mt = Vec::with_capacity(nv);
        for v in 0..nv {
            let (rows, k) = (g[v].len(), dims[v]);
            let mut mv = vec![0.0; rows * k];
            let mut mtv = vec![0.0; rows * k];
            for (r, key) in g[v].iter().enumerate() {
                for l in 0..k {
                    mv[r * k + l] = value(key, l);
                    mtv[l * rows + r] = mv[r * k + l];
                }
            }
            m.push(mv);
            mt.push(mtv);
        }
        let contrast: Vec<bool> = (0..nv)
            .map(|v| {
                g[v].len() == dims[v]
                    && g[v]
                        .iter()
                        .enumerate()
                        .all(|(r, k)| *k == if r == 0 { Key::One } else { Key::Level(r) })
            })
            .collect();
        let binary3 = nv >= 3 && (0..3).all(|v| contrast[v] && dims[v] == 2);
        let gdims: Vec<usize> = g.iter().map(Vec::len).collect();
        let gstride: Vec<usize> = (0..nv).map(|v| gdims[..v].iter().product()).collect();
        let state = |ks: &[Key]| -> usize {
            ks.iter()
                .enumerate()
                .map(|(v, k)| gstride[v] * g[v].iter().position(|x| x == k).expect("in closure"))
                .sum()
        };
        let col_state: Vec<usize> = keys.iter().map(|k| state(k)).collect();
        let p_all = cols.len();
        let mut pair_state = vec![usize::MAX; p_all * p_all];
        for a in 0..p_all {
            for b in 0..p_all {
                let prod: Option<Vec<Key>> =
                    (0..nv).map(|v| product(&keys[a][v], &keys[b][v])).collect();
                if let Some(pk) = prod {
                    pair_state[a * p_all + b] = state(&pk);
                }
            }
        }
        let obs: Vec<usize> = table
            .histories()
            .iter()
            .zip(table.combinations())
            .map(|(&h, &c)| h as usize + (c << t))
            .collect();
        let unobs: Vec<usize> = (0..table.n_combinations()).map(|c| c << t).collect();
        let mut observable = vec![false; dims.iter().product()];
        for &i in &obs {
            observable[i] = true;
        }
        let holes = (0..observable.len()).filter(|&i| !observable[i]).collect();
        let y: Vec<f64> = table.counts().iter().map(|&c| c as f64).collect();
        let ylny = y
            .iter()
            .map(|&v| if v > 0.0 { v * v.ln() } else { 0.0 })
            .collect();
        let lgamma_sum = y
            .iter()
            .filter(|&&v| v > 1.0)
            .map(|&v| statrs::function::gamma::ln_gamma(v + 1.0))
            .sum();
        let mut lat = Self {
            dims,
            gdims,
            m,
            mt,
            contrast,
            binary3,
            obs,
            unobs,
            holes,
            y,
            ylny,
            lgamma_sum,
            col_state,
            pair_state,
            p_all,
            y_moments: Vec::new(),
            mask_moments: Vec::new(),
            mask: None,
        };
        let mut ws = Work::default();
        let mut out = Vec::new();
        lat.moments(|i| lat.y[i], &mut out, &mut ws.b);
        lat.y_moments = out.clone();
        lat.moments(|_| 1.0, &mut out, &mut ws.b);
        lat.mask_moments = out;
        lat
    }

    /// Replace the counts of the observable cells (a replicate table of the same layout).
    pub(crate) fn set_counts(&mut self, counts: &[u64]) {
        self.y.clear();
        self.y.extend(counts.iter().map(|&c| c as f64));
        self.ylny = self
            .y
            .iter()
            .map(|&v| if v > 0.0 { v * v.ln() } else { 0.0 })
            .collect();
        self.lgamma_sum = self
            .y
            .iter()
            .filter(|&&v| v > 1.0)
            .map(|&v| statrs::function::gamma::ln_gamma(v + 1.0))
            .sum();
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        self.moments(|i| self.y[i], &mut out, &mut scratch);
        self.y_moments = out;
    }

    /// Remove the cells where `mask` is 0 from every later fit (their means are fixed at 0),
    /// or keep every cell (`None`); the aliasing moments follow.
    pub(crate) fn set_mask(&mut self, mask: Option<Vec<f64>>) {
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        match &mask {
            Some(m) => self.moments(|i| m[i], &mut out, &mut scratch),
            None => self.moments(|_| 1.0, &mut out, &mut scratch),
        }
        self.mask_moments = out;
        self.mask = mask;
    }

    /// The means of the unobserved cells at the coefficients of the last fit done with `ws`.
    pub(crate) fn unobserved_means(&self, ws: &Work) -> Vec<f64> {
        self.unobs
            .iter()
            .map(|&i| ws.a[i].exp().max(super::fit::MU_FLOOR))
            .collect()
    }

    /// Margin `Σ x_c y` of column `c` over the observable cells.
    pub(crate) fn margin(&self, c: usize) -> f64 {
        self.y_moments[self.col_state[c]]
    }

    /// `Σ x_c` over the kept cells.
    pub(crate) fn mass(&self, c: usize) -> f64 {
        self.mask_moments[self.col_state[c]]
    }

    /// Moments of the values `value(i)` of the observable cells, into `out`.
    pub(super) fn moments(
        &self,
        value: impl Fn(usize) -> f64,
        out: &mut Vec<f64>,
        scratch: &mut Vec<f64>,
    ) {
        let size: usize = self.dims.iter().product();
        // Every cell is written: the observable ones, then 0 on the others.
        out.resize(size, 0.0);
        for (k, &i) in self.obs.iter().enumerate() {
            out[i] = value(k);
        }
        for &i in &self.holes {
            out[i] = 0.0;
        }
        let mut dims = self.dims.clone();
        let skip = if self.binary3 {
            for c in out.chunks_exact_mut(8) {
                sum_binary3(c);
            }
            3
        } else {
            0
        };
        for v in skip..dims.len() {
            if self.contrast[v] {
                let (s, k) = (dims[..v].iter().product::<usize>(), dims[v]);
                for block in out.chunks_exact_mut(s * k) {
                    let (first, rest) = block.split_at_mut(s);
                    for chunk in rest.chunks_exact(s) {
                        for (f, r) in first.iter_mut().zip(chunk) {
                            *f += r;
                        }
                    }
                }
            } else {
                mode(out, &mut dims, v, &self.m[v], self.gdims[v], scratch);
                std::mem::swap(out, scratch);
            }
        }
    }

    /// `η` on every cell of the lattice for coefficients `beta` of columns `cols` (left in
    /// `ws.a`).
    pub(super) fn predict(&self, cols: &[usize], beta: &[f64], ws: &mut Work) {
        let size: usize = self.gdims.iter().product();
        ws.a.clear();
        ws.a.resize(size, 0.0);
        for (&c, &b) in cols.iter().zip(beta) {
            ws.a[self.col_state[c]] += b;
        }
        let mut dims = self.gdims.clone();
        let skip = if self.binary3 {
            for c in ws.a.chunks_exact_mut(8) {
                spread_binary3(c);
            }
            3
        } else {
            0
        };
        for v in skip..dims.len() {
            if self.contrast[v] {
                let (s, k) = (dims[..v].iter().product::<usize>(), dims[v]);
                for block in ws.a.chunks_exact_mut(s * k) {
                    let (first, rest) = block.split_at_mut(s);
                    for chunk in rest.chunks_exact_mut(s) {
                        for (r, f) in chunk.iter_mut().zip(first.iter()) {
                            *r += f;
                        }
                    }
                }
            } else {
                mode(&ws.a, &mut dims, v, &self.mt[v], self.dims[v], &mut ws.b);
                std::mem::swap(&mut ws.a, &mut ws.b);
            }
        }
    }

    /// The factor of the first `r` kept columns of `f` (what extending from nothing by the
    /// columns up to them gives).
    pub(crate) fn alias_prefix(f: &AliasFactor, r: usize) -> AliasFactor {
        AliasFactor {
            kept: f.kept[..r].to_vec(),
            rows: f.rows[..r * (r + 1) / 2].to_vec(),
        }
    }

    /// Extend the factor of the kept columns by `cols` (in order); returns those aliased.
    pub fn alias_extend(&self, f: &mut AliasFactor, cols: &[usize]) -> Vec<usize> {
        let mut aliased = Vec::new();
        for &c in cols {
            let g = |b: usize| {
                let s = self.pair_state[c * self.p_all + b];
                if s == usize::MAX {
                    0.0
                } else {
                    self.mask_moments[s]
                }
            };
            let gcc = g(c);
            let n = f.kept.len();
            let start = f.rows.len();
            debug_assert_eq!(start, n * (n + 1) / 2);
            for (i, &k) in f.kept.iter().enumerate() {
                let ri = i * (i + 1) / 2;
                let (done, row) = f.rows.split_at(start);
                let s = dot(&row[..i], &done[ri..ri + i]);
                let v = (g(k) - s) / done[ri + i];
                f.rows.push(v);
            }
            let row = &f.rows[start..];
            let d = gcc - dot(row, row);
            if !(gcc > 0.0) || !(d > ALIAS_PIVOT * gcc) {
                aliased.push(c);
                f.rows.truncate(start);
            } else {
                f.rows.push(d.sqrt());
                f.kept.push(c);
            }
        }
        aliased
    }
}
