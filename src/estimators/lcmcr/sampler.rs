//! The NPLCM Gibbs sampler of LCMCR 0.4.14 (`CNPLCM_CR_Basic_Freq`), one chain.
//!
//! The steps, their order, the initialisation (with its 500-sweep warm-up at α = 0.3/K and the
//! relabelling by decreasing ν) and the log-space state follow
//! `shared/docs/methods/lcmcr.md` §2–§5; the step numbers in the comments are those of §3.
//! The sampler targets the same posterior as LCMCR; its random numbers are not GSL's, so the
//! draws agree in distribution, not bit for bit. [`Sampler::label_swap`] and the collapsed
//! moves of [`collapsed`] (run inside the sweep after step 3 when switched on) are extra
//! Metropolis–Hastings moves (not in LCMCR) that leave the posterior unchanged.
//!
//! A sweep costs O(M·K·J) for the M distinct observed histories (plus the binomial draws of
//! the multinomials) and allocates nothing: every buffer is sized in [`Sampler::new`].

use super::random::{draw_n0, exp_shifted, gamma, log_beta, multinomial, sort_by_weight};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Truncation of the unobserved count relative to the observed one (`n0 ≤ 20·n`).
pub(crate) const CAP_FACTOR: u64 = 20;

/// One chain of the sampler: data, state in log space, and preallocated scratch buffers.
pub(crate) struct Sampler {
    j: usize,
    k: usize,
    /// Observed individuals.
    n: u64,
    /// Largest allowed n0 (`20·n`).
    cap: u64,
    a_alpha: f64,
    b_alpha: f64,
    /// Distinct observed histories (bitmask, list `j` at bit `j`), in LCMCR's order.
    patterns: Vec<u32>,
    /// Their counts `f_m`.
    freqs: Vec<u64>,
    /// log ν_k.
    log_nu: Vec<f64>,
    /// log λ_jk at `j·K + k`.
    log_lam: Vec<f64>,
    /// log(1 − λ_jk) at `j·K + k`.
    log_1m_lam: Vec<f64>,
    /// count_zIK: individuals of history m in class k, at `m·K + k`.
    count_z: Vec<u64>,
    /// count0K: unobserved individuals in class k.
    count0: Vec<u64>,
    /// Scratch: countK, s1 (`j·K + k`), weights, cumulative/suffix sums.
    count_k: Vec<u64>,
    s1: Vec<u64>,
    w: Vec<f64>,
    sums: Vec<f64>,
    /// Classes by decreasing ν: the order in which multinomials visit them (any order gives
    /// the same distribution; this one exhausts the count soonest).
    order: Vec<usize>,
    n0: u64,
    alpha: f64,
    k_star: u32,
    /// Run the collapsed moves of [`collapsed`] in every sweep.
    collapsed: bool,
    moves: collapsed::Scratch,
    rng: ChaCha8Rng,
}

/// The state after a sweep, as traced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Draw {
    /// N = n + n0.
    pub n_total: u64,
    /// α.
    pub alpha: f64,
    /// k*: classes with at least one individual (observed or not).
    pub k_star: u32,
}

impl Sampler {
    /// A chain on validated data: `counts` indexed by bitmask over `t` lists, with at least one
    /// observed case; `k ≥ 2` classes; prior α ~ Gamma(a, b). The random stream is ChaCha8
    /// seeded by `seed` with stream `stream`. Call [`Sampler::initialise`] before sweeping.
    pub(crate) fn new(
        t: usize,
        counts: &[u64],
        k: usize,
        a_alpha: f64,
        b_alpha: f64,
        seed: u64,
        stream: u64,
    ) -> Self {
        // LCMCR tabulates histories in a std::map keyed by the 0/1 vector: lexicographic
        // order with list 1 (bit 0) most significant.
        let key = |h: u32| (0..t).fold(0u32, |acc, j| (acc << 1) | ((h >> j) & 1));
        let mut patterns: Vec<u32> = (1..counts.len() as u32)
            .filter(|&h| counts[h as usize] > 0)
            .collect();
        patterns.sort_by_key(|&h| key(h));
        let freqs: Vec<u64> = patterns.iter().map(|&h| counts[h as usize]).collect();
        let n: u64 = freqs.iter().sum();
        let m = patterns.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        Sampler {
            j: t,
            k,
            n,
            cap: CAP_FACTOR * n,
            a_alpha,
            b_alpha,
            patterns,
            freqs,
            log_nu: vec![-(k as f64).ln(); k],
            log_lam: vec![0.0; t * k],
            log_1m_lam: vec![0.0; t * k],
            count_z: vec![0; m * k],
            count0: vec![0; k],
            count_k: vec![0; k],
            s1: vec![0; t * k],
            w: vec![0.0; k],
            sums: vec![0.0; k],
            order: (0..k).collect(),
            n0: 0,
            alpha: 1.0,
            k_star: 0,
            collapsed: false,
            moves: collapsed::Scratch::new(t, k),
            rng,
        }
    }

    /// Whether every sweep runs the collapsed moves of [`collapsed`] after step 3.
    pub(crate) fn set_collapsed(&mut self, on: bool) {
        self.collapsed = on;
    }

    /// LCMCR's `Initializes` (lcmcr.md §4): ν from the stick-breaking prior at α = 1, every
    /// class's λ_j at list j's observed share, `warmup` sweeps of steps 1–6 at α = 0.3/K, then
    /// the classes relabelled by decreasing ν.
    pub(crate) fn initialise(&mut self, warmup: u64) {
        self.alpha = 1.0;
        self.n0 = 0;
        self.count0.fill(0);
        self.count_z.fill(0);
        let mut acc = 0.0;
        for k in 0..self.k - 1 {
            let (lv, l1mv) = log_beta(&mut self.rng, 1.0, 1.0);
            self.log_nu[k] = lv + acc;
            acc += l1mv;
        }
        self.log_nu[self.k - 1] = acc;
        for j in 0..self.j {
            let on_list: u64 = self
                .patterns
                .iter()
                .zip(&self.freqs)
                .filter(|(&h, _)| (h >> j) & 1 == 1)
                .map(|(_, &f)| f)
                .sum();
            let lam = on_list as f64 / self.n as f64;
            for k in 0..self.k {
                self.log_lam[j * self.k + k] = lam.ln();
                self.log_1m_lam[j * self.k + k] = (1.0 - lam).ln();
            }
        }
        self.alpha = 0.3 / self.k as f64;
        for _ in 0..warmup {
            self.sweep(false);
        }
        self.relabel();
    }

    /// One Gibbs sweep (lcmcr.md §3, steps 1–7; step 7 only when `update_alpha`).
    pub(crate) fn sweep(&mut self, update_alpha: bool) {
        let (jn, kn) = (self.j, self.k);
        sort_by_weight(&mut self.order, &self.log_nu);
        // Step 1: classes of the observed individuals, history by history.
        for m in 0..self.patterns.len() {
            let h = self.patterns[m];
            let w = &mut self.w;
            w.copy_from_slice(&self.log_nu);
            for j in 0..jn {
                let row = if (h >> j) & 1 == 1 {
                    &self.log_lam[j * kn..(j + 1) * kn]
                } else {
                    &self.log_1m_lam[j * kn..(j + 1) * kn]
                };
                for (wk, r) in w.iter_mut().zip(row) {
                    *wk += r;
                }
            }
            exp_shifted(w);
            let out = &mut self.count_z[m * kn..(m + 1) * kn];
            multinomial(
                &mut self.rng,
                self.freqs[m],
                w,
                &self.order,
                &mut self.sums,
                out,
            );
        }
        // countK (with count0K of the previous sweep) and s1.
        self.count_k.copy_from_slice(&self.count0);
        self.s1.fill(0);
        for m in 0..self.patterns.len() {
            let h = self.patterns[m];
            let row = &self.count_z[m * kn..(m + 1) * kn];
            for (c, r) in self.count_k.iter_mut().zip(row) {
                *c += r;
            }
            for j in 0..jn {
                if (h >> j) & 1 == 1 {
                    for (s, r) in self.s1[j * kn..(j + 1) * kn].iter_mut().zip(row) {
                        *s += r;
                    }
                }
            }
        }
        // Step 2: λ_jk ~ Beta(1 + s1, 1 + s0), s0 = countK − s1; j outer, k inner.
        for i in 0..jn * kn {
            let s1 = self.s1[i];
            let s0 = self.count_k[i % kn] - s1;
            let (a, b) = log_beta(&mut self.rng, 1.0 + s1 as f64, 1.0 + s0 as f64);
            self.log_lam[i] = a;
            self.log_1m_lam[i] = b;
        }
        // Step 3: stick-breaking weights V_k ~ Beta(1 + countK, α + Σ_{l>k} countK).
        self.k_star = self.count_k.iter().filter(|&&c| c > 0).count() as u32;
        let total = self.n + self.n0;
        let mut below = 0u64;
        let mut acc = 0.0;
        for k in 0..kn - 1 {
            below += self.count_k[k];
            let (lv, l1mv) = log_beta(
                &mut self.rng,
                1.0 + self.count_k[k] as f64,
                self.alpha + (total - below) as f64,
            );
            self.log_nu[k] = lv + acc;
            acc += l1mv;
        }
        self.log_nu[kn - 1] = acc;
        if self.collapsed {
            self.collapsed_moves();
        }
        // Step 4: π0 = Σ_k ν_k Π_j (1 − λ_jk); w keeps the log terms for step 6.
        let w = &mut self.w;
        w.copy_from_slice(&self.log_nu);
        for j in 0..jn {
            for (wk, r) in w.iter_mut().zip(&self.log_1m_lam[j * kn..(j + 1) * kn]) {
                *wk += r;
            }
        }
        let pi0: f64 = w.iter().map(|v| v.exp()).sum();
        // Step 5: n0 ~ NegBin(n, 1 − π0) truncated at 20·n.
        self.n0 = draw_n0(&mut self.rng, self.n, self.cap, pi0);
        // Step 6: classes of the unobserved.
        if self.n0 == 0 {
            self.count0.fill(0);
        } else {
            exp_shifted(&mut self.w);
            multinomial(
                &mut self.rng,
                self.n0,
                &self.w,
                &self.order,
                &mut self.sums,
                &mut self.count0,
            );
        }
        // Step 7: α ~ Gamma(a + K − 1, rate b − log ν_K).
        if update_alpha {
            let shape = self.a_alpha + (kn - 1) as f64;
            let rate = self.b_alpha - self.log_nu[kn - 1];
            self.alpha = gamma(&mut self.rng, shape) / rate;
        }
    }

    /// Label-swap Metropolis–Hastings move (Papaspiliopoulos & Roberts 2008; Hastie, Liverani
    /// & Richardson 2015, move 1): pick two distinct occupied classes j, l at random and
    /// propose to exchange their individuals (observed and unobserved) and their λ columns,
    /// ν staying with the labels. Likelihood and the λ prior are unchanged; the class
    /// allocation prior Π ν_k^{c_k} gives the acceptance probability
    /// `min(1, (ν_j/ν_l)^{c_l − c_j})`. Returns whether the swap was accepted.
    pub(crate) fn label_swap(&mut self) -> bool {
        let kn = self.k;
        self.count_k.copy_from_slice(&self.count0);
        for m in 0..self.patterns.len() {
            for (c, r) in self
                .count_k
                .iter_mut()
                .zip(&self.count_z[m * kn..(m + 1) * kn])
            {
                *c += r;
            }
        }
        let occupied = self.count_k.iter().filter(|&&c| c > 0).count();
        if occupied < 2 {
            return false;
        }
        let a = self.rng.random_range(0..occupied);
        let mut b = self.rng.random_range(0..occupied - 1);
        if b >= a {
            b += 1;
        }
        let nth = |i: usize, c: &[u64]| {
            c.iter()
                .enumerate()
                .filter(|(_, &v)| v > 0)
                .nth(i)
                .map_or(0, |(k, _)| k)
        };
        let (j, l) = (nth(a, &self.count_k), nth(b, &self.count_k));
        let (cj, cl) = (self.count_k[j] as f64, self.count_k[l] as f64);
        let log_ratio = (cl - cj) * (self.log_nu[j] - self.log_nu[l]);
        let u: f64 = self.rng.random();
        if !(log_ratio >= 0.0 || u.ln() < log_ratio) {
            return false;
        }
        for m in 0..self.patterns.len() {
            self.count_z.swap(m * kn + j, m * kn + l);
        }
        self.count0.swap(j, l);
        self.count_k.swap(j, l);
        for jj in 0..self.j {
            self.log_lam.swap(jj * kn + j, jj * kn + l);
            self.log_1m_lam.swap(jj * kn + j, jj * kn + l);
        }
        true
    }

    /// The traced quantities after the last sweep.
    pub(crate) fn draw(&self) -> Draw {
        Draw {
            n_total: self.n + self.n0,
            alpha: self.alpha,
            k_star: self.k_star,
        }
    }

    /// Relabel the classes by decreasing ν (stable for ties), permuting every per-class array.
    fn relabel(&mut self) {
        let kn = self.k;
        let mut order: Vec<usize> = (0..kn).collect();
        order.sort_by(|&a, &b| self.log_nu[b].total_cmp(&self.log_nu[a]));
        let permute_f = |v: &mut [f64]| {
            let old = v.to_vec();
            for (new, &o) in order.iter().enumerate() {
                v[new] = old[o];
            }
        };
        let permute_u = |v: &mut [u64]| {
            let old = v.to_vec();
            for (new, &o) in order.iter().enumerate() {
                v[new] = old[o];
            }
        };
        permute_f(&mut self.log_nu);
        for j in 0..self.j {
            permute_f(&mut self.log_lam[j * kn..(j + 1) * kn]);
            permute_f(&mut self.log_1m_lam[j * kn..(j + 1) * kn]);
        }
        for m in 0..self.patterns.len() {
            permute_u(&mut self.count_z[m * kn..(m + 1) * kn]);
        }
        permute_u(&mut self.count0);
        permute_u(&mut self.count_k);
        for (i, o) in self.order.iter_mut().enumerate() {
            *o = i;
        }
    }
}

#[path = "collapsed.rs"]
mod collapsed;

#[cfg(test)]
#[path = "sampler_tests.rs"]
mod tests;
