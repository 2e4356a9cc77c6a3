//! Collapsed Metropolis–Hastings moves of the class parameters (not in LCMCR; they leave its
//! posterior unchanged).
//!
//! # Why
//! With most of the population unobserved (UK five lists: n = 2,744 against N ≈ 20,000,
//! π₀ ≈ 0.87) the data-augmentation Gibbs sampler mixes slowly: given n0 and the classes of
//! the unobserved (`count0K`), the λ and ν of a class that holds them are pinned by those
//! counts, and given λ and ν the counts are pinned in turn — a long, narrow ridge along
//! which N moves by small steps.
//!
//! # The target with n0 summed out
//! With p(N) ∝ 1/N, summing n0 and the classes of the unobserved out of the complete-data
//! likelihood (lcmcr.md §2) leaves, given the classes of the observed individuals
//! (`count_zIK`: `c_k` observed in class k, `s1_jk` of them on list j) and α,
//!
//! ```text
//! p(ν, λ | z_obs, α) ∝ p(ν | α) · Π_k ν_k^{c_k} Π_j λ_jk^{s1_jk} (1 − λ_jk)^{c_k − s1_jk}
//!                      · (1 − π₀)^{−n} · P(NB(n, 1 − π₀) ≤ 20·n),
//! ```
//!
//! since `Σ_{n0} Γ(n + n0)/Γ(n0 + 1) · π₀^{n0} = Γ(n) (1 − π₀)^{−n}` over all n0 ≥ 0. The
//! stick-breaking prior as a density of ν on the simplex (V_k = ν_k / R_k with
//! R_k = Σ_{l≥k} ν_l, Jacobian Π_{k<K} R_k) is
//! `log p(ν | α) = Σ_{k<K} [(α − 1) log R_{k+1} − α log R_k] + const`; λ's Beta(1, 1) prior is
//! flat.
//!
//! # The move
//! For every class k (empty ones included), one random-walk proposal on this target, the
//! **ridge**: logit λ_jk − δ for every list j and ν_k · e^δ with the simplex renormalised
//! (ν' = w⊙ν/⟨w, ν⟩, w_k = e^δ, other w_l = 1). For small λ it keeps the class's share of the
//! observed cells about constant while its share of the unobserved cell changes — the
//! direction the Gibbs steps explore slowly. It is accepted by the Metropolis–Hastings rule
//! with the Jacobians of both maps: Π_j λ'(1 − λ')/λ(1 − λ) for the logits and
//! `e^δ / ⟨w, ν⟩^K` on the K − 1 free coordinates of the simplex.
//!
//! δ ~ N(0, σ²) with σ = s/√(1 + c_k) and s drawn from {1, 4, 16} (a mixture of symmetric
//! proposals; c_k is fixed during the moves, so the proposal stays symmetric).
//!
//! How these choices were made (UK five lists, 4 chains × 5,000 draws, bulk ESS of N by seed;
//! the plain sampler: 10 for seed 1, R-hat 1.30): the ridge on every class, as here, seeds 1–6:
//! 1,858, 1,394, 13, 507, 248, 1,495; the ridge only on the classes with observed members,
//! seeds 1–4: 38, 1,722, 1,403, 260; adding a λ shift (the logits plus δ) and a ν shift (ν_k ·
//! e^δ) of every class, seeds 1–8: 464, 1,607, 1,134, 1,008, 1,144, 1,517, 1,906, 139, at three
//! times the cost. Runs this short are dominated by how long a chain stays in the posterior's
//! small second mode (N near 12,000, with a class of people found almost only by list 5), which
//! no move here changes directly. [`Sampler::propose`] takes the two shifts as well (the tests
//! use them).
//!
//! The moves run after step 3 of the sweep (λ and ν drawn given the counts) and are followed
//! by steps 4–6, which draw n0 and `count0K` afresh from their conditional given the new λ and
//! ν: a move on the marginal target followed by an exact draw of what was summed out, which
//! leaves the joint posterior invariant (partially collapsed Gibbs, van Dyk & Park 2008).
//!
//! # The truncation
//! The factor `P(NB ≤ 20·n)` is taken as 1 where the cap lies more than 40 standard
//! deviations above the negative binomial's mean (`cap·(1 − π₀) > n·π₀ + 40·√(n·π₀)`; the
//! tail beyond is below e^−40 even for n = 1, a change of the log density below 1e-17). A
//! proposal from or to a state outside that region is rejected: the flux between such a pair
//! is zero in both directions, so the rule is still reversible; the Gibbs steps keep moving
//! the chain there (the truncation binds for the Netherlands' six lists).

use super::Sampler;
use rand::Rng;
use rand_distr::StandardNormal;

/// Standard deviations between the negative binomial's mean and the cap within which the
/// truncation is treated as absent (see the module docs).
const TAIL_SDS: f64 = 40.0;
/// Step-size multipliers, one drawn per proposal.
const SCALES: [f64; 3] = [1.0, 4.0, 16.0];

/// The per-chain scratch of the moves, sized once.
#[derive(Debug, Clone)]
pub(super) struct Scratch {
    /// c_k: observed individuals in class k.
    cobs: Vec<f64>,
    /// ν_k.
    nu: Vec<f64>,
    /// Π_j (1 − λ_jk) and 1 − Π_j (1 − λ_jk).
    p0: Vec<f64>,
    q: Vec<f64>,
    /// R_k = Σ_{l≥k} ν_l (R_l ≥ ν_k > 0 for l ≤ k whenever ν_k > 0).
    r: Vec<f64>,
    /// Proposed R_l for l up to the moved class.
    r_new: Vec<f64>,
    /// log(1 − π₀) and π₀ of the current state.
    log_seen: f64,
    pi0: f64,
    /// Proposed (log λ_jk, log(1 − λ_jk)) of one class, j = 0..J.
    lam: Vec<(f64, f64)>,
}

impl Scratch {
    pub(super) fn new(j: usize, k: usize) -> Self {
        Self {
            cobs: vec![0.0; k],
            nu: vec![0.0; k],
            p0: vec![0.0; k],
            q: vec![0.0; k],
            r: vec![0.0; k],
            log_seen: 0.0,
            pi0: 0.0,
            r_new: vec![0.0; k],
            lam: vec![(0.0, 0.0); j],
        }
    }
}

/// Coefficient of log R_l in `log p(ν | α) = Σ_{l<K−1} [(α − 1) log R_{l+1} − α log R_l]`
/// (classes 0-based): −α for l = 0, −1 in between, α − 1 for the last.
fn prior_coef(l: usize, kn: usize, alpha: f64) -> f64 {
    if l == 0 {
        -alpha
    } else if l == kn - 1 {
        alpha - 1.0
    } else {
        -1.0
    }
}

impl Sampler {
    /// Whether the truncation `n0 ≤ cap` can be ignored at π₀ (module docs).
    fn far_from_cap(&self, pi0: f64) -> bool {
        let n = self.n as f64;
        let m = n * pi0;
        pi0 < 1.0 && self.cap as f64 * (1.0 - pi0) > m + TAIL_SDS * m.sqrt()
    }

    /// The collapsed moves of every class (module docs), given the observed classes in
    /// `count_z`, `count_k − count0` and `s1` as left by steps 1–3 of the sweep. The step
    /// sizes depend on the observed classes only, which the moves condition on.
    pub(super) fn collapsed_moves(&mut self) {
        let kn = self.k;
        let mut sc = std::mem::replace(&mut self.moves, Scratch::new(0, 0));
        self.prepare(&mut sc);
        for k in 0..kn {
            let s = SCALES[self.rng.random_range(0..SCALES.len())];
            let z: f64 = self.rng.sample(StandardNormal);
            let delta = z * s / (1.0 + sc.cobs[k]).sqrt();
            let (dl, dn) = (-delta, delta);
            let p = self.propose(&mut sc, k, dl, dn);
            // A uniform is drawn only when the ratio is below 1.
            let ok = p.admissible
                && p.log_ratio.is_finite()
                && (p.log_ratio >= 0.0 || self.rng.random::<f64>().ln() < p.log_ratio);
            if ok {
                self.accept(&mut sc, k, dl, dn, &p);
            }
        }
        self.moves = sc;
    }

    /// Fill the caches of `sc` from the current state.
    fn prepare(&self, sc: &mut Scratch) {
        let (jn, kn) = (self.j, self.k);
        for k in 0..kn {
            sc.cobs[k] = (self.count_k[k] - self.count0[k]) as f64;
            let lp0: f64 = (0..jn).map(|j| self.log_1m_lam[j * kn + k]).sum();
            sc.nu[k] = self.log_nu[k].exp();
            sc.p0[k] = lp0.exp();
            sc.q[k] = -lp0.exp_m1();
        }
        let mut r = 0.0;
        for k in (0..kn).rev() {
            r += sc.nu[k];
            sc.r[k] = r;
        }
        let seen: f64 = (0..kn).map(|k| sc.nu[k] * sc.q[k]).sum();
        sc.log_seen = seen.ln();
        sc.pi0 = (0..kn).map(|k| sc.nu[k] * sc.p0[k]).sum();
    }

    /// The proposal moving class k's logits by `dl` and ν_k by the factor e^`dn`: its log
    /// acceptance ratio (target ratio times Jacobian) and what [`Sampler::accept`] needs;
    /// the proposed λ column is left in `sc.lam`, the proposed R_l (l ≤ k) in `sc.r_new`.
    fn propose(&self, sc: &mut Scratch, k: usize, dl: f64, dn: f64) -> Proposal {
        let (jn, kn) = (self.j, self.k);
        let n = self.n as f64;
        let c = sc.cobs[k];
        let mut log_ratio = 0.0;
        let (mut p0k, mut qk) = (sc.p0[k], sc.q[k]);
        if dl != 0.0 {
            let mut lp0 = 0.0;
            for j in 0..jn {
                let i = j * kn + k;
                let (la, lb) = (self.log_lam[i], self.log_1m_lam[i]);
                let l = la - lb + dl;
                // log λ' = l − softplus(l), log(1 − λ') = −softplus(l), with
                // softplus(l) = max(l, 0) + log(1 + e^−|l|).
                let sp = l.max(0.0) + (-l.abs()).exp().ln_1p();
                let (na, nb) = (l - sp, -sp);
                let s1 = self.s1[i] as f64;
                // Likelihood λ^s1 (1 − λ)^(c − s1) times the Jacobian λ(1 − λ) of the logit.
                log_ratio += (s1 + 1.0) * (na - la) + (c - s1 + 1.0) * (nb - lb);
                lp0 += nb;
                sc.lam[j] = (na, nb);
            }
            p0k = lp0.exp();
            qk = -lp0.exp_m1();
        }
        let nuk = sc.nu[k];
        let (mut log_d, mut grow) = (0.0, 1.0);
        // A ν_k that underflowed to 0 stays (the move is then one of λ only).
        let moves_nu = dn != 0.0 && nuk > 0.0;
        if moves_nu {
            let em1 = dn.exp_m1();
            // ν' = w⊙ν / D, D = 1 + ν_k (e^dn − 1).
            log_d = (nuk * em1).ln_1p();
            grow = em1 + 1.0;
            // Π ν_l^{c_l} (Σ c_l = n) and the Jacobian e^dn / D^K.
            log_ratio += c * dn - n * log_d + dn - kn as f64 * log_d;
            // Prior: log R'_l = log R_l − log D beyond k; up to k, R_l gains ν_k (e^dn − 1).
            // The coefficients of the log R_l sum to −(K − 1).
            log_ratio += (kn - 1) as f64 * log_d;
            let shift = nuk * em1;
            for l in 0..=k {
                // R_l ≥ ν_k > 0.
                let g = (shift / sc.r[l]).ln_1p();
                sc.r_new[l] = (sc.r[l] + shift) / (1.0 + shift);
                log_ratio += prior_coef(l, kn, self.alpha) * g;
            }
        }
        let (mut seen_rest, mut pi0_rest) = (0.0, 0.0);
        for l in (0..kn).filter(|&l| l != k) {
            seen_rest += sc.nu[l] * sc.q[l];
            pi0_rest += sc.nu[l] * sc.p0[l];
        }
        let d = log_d.exp();
        let log_seen_new = ((seen_rest + nuk * grow * qk) / d).ln();
        let pi0_new = (pi0_rest + nuk * grow * p0k) / d;
        // (1 − π₀)^−n.
        log_ratio -= n * (log_seen_new - sc.log_seen);
        Proposal {
            log_ratio,
            admissible: self.far_from_cap(sc.pi0) && self.far_from_cap(pi0_new),
            log_seen_new,
            pi0_new,
            moves_nu,
            p0k,
            qk,
            log_d,
            grow,
        }
    }

    /// Apply an accepted [`Sampler::propose`].
    fn accept(&mut self, sc: &mut Scratch, k: usize, dl: f64, dn: f64, p: &Proposal) {
        debug_assert!(dn != 0.0 || !p.moves_nu);
        let (jn, kn) = (self.j, self.k);
        if dl != 0.0 {
            for j in 0..jn {
                let (na, nb) = sc.lam[j];
                self.log_lam[j * kn + k] = na;
                self.log_1m_lam[j * kn + k] = nb;
            }
            sc.p0[k] = p.p0k;
            sc.q[k] = p.qk;
        }
        sc.log_seen = p.log_seen_new;
        sc.pi0 = p.pi0_new;
        if p.moves_nu {
            let d = p.log_d.exp();
            let nuk = sc.nu[k];
            for l in 0..kn {
                self.log_nu[l] -= p.log_d;
                sc.nu[l] /= d;
                sc.r[l] = if l > k { sc.r[l] / d } else { sc.r_new[l] };
            }
            self.log_nu[k] += dn;
            sc.nu[k] = nuk * p.grow / d;
        }
    }
}

/// A proposal of [`Sampler::propose`].
struct Proposal {
    log_ratio: f64,
    /// Both states far enough from the cap (module docs).
    admissible: bool,
    /// log(1 − π₀) and π₀ after the move.
    log_seen_new: f64,
    pi0_new: f64,
    /// ν changes.
    moves_nu: bool,
    /// Proposed Π_j (1 − λ_jk) and its complement.
    p0k: f64,
    qk: f64,
    /// log D and e^dn.
    log_d: f64,
    grow: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// UK-like five-list counts (a small artificial table).
    fn sampler() -> Sampler {
        let mut counts = vec![0u64; 32];
        for (h, c) in counts.iter_mut().enumerate().skip(1) {
            *c = [0, 40, 30, 6, 20, 3, 2, 1][h % 8] + (h as u64 % 5);
        }
        let mut s = Sampler::new(5, &counts, 6, 0.25, 0.25, 11, 0);
        s.initialise(100);
        for _ in 0..20 {
            s.sweep(true);
        }
        // The counts as steps 1–3 leave them: countK with count0, s1.
        s.count_k.copy_from_slice(&s.count0);
        for m in 0..s.patterns.len() {
            for k in 0..s.k {
                s.count_k[k] += s.count_z[m * s.k + k];
            }
        }
        s
    }

    /// The collapsed log target (module docs), written directly: the stick-breaking density
    /// through V, the class likelihood, and (1 − π₀)^−n.
    fn log_target(s: &Sampler, log_nu: &[f64], log_lam: &[f64], log_1m: &[f64]) -> f64 {
        let (jn, kn) = (s.j, s.k);
        let nu: Vec<f64> = log_nu.iter().map(|v| v.exp()).collect();
        let mut t = 0.0;
        // V_k = ν_k / R_k, 1 − V_k = R_{k+1} / R_k (not 1 − V_k: ν falls to 1e-35 here).
        for k in 0..kn - 1 {
            let r: f64 = nu[k..].iter().sum();
            let r_next: f64 = nu[k + 1..].iter().sum();
            t += (s.alpha - 1.0) * (r_next / r).ln() - r.ln();
        }
        let mut seen = 0.0;
        for k in 0..kn {
            let c = (s.count_k[k] - s.count0[k]) as f64;
            t += c * log_nu[k];
            let mut p0 = 1.0;
            for j in 0..jn {
                let i = j * kn + k;
                let s1 = s.s1[i] as f64;
                t += s1 * log_lam[i] + (c - s1) * log_1m[i];
                p0 *= log_1m[i].exp();
            }
            seen += nu[k] * (1.0 - p0);
        }
        t - s.n as f64 * seen.ln()
    }

    #[test]
    fn proposal_ratio_is_the_target_ratio_times_the_jacobian() {
        let s = sampler();
        let (jn, kn) = (s.j, s.k);
        let mut sc = Scratch::new(jn, kn);
        s.prepare(&mut sc);
        for (k, dl, dn) in [
            (0, -0.3, 0.3),
            (2, 1.1, -1.1),
            (kn - 1, -2.0, 2.0),
            (1, 0.4, 0.0),
            (3, 0.0, -0.7),
            (0, 0.0, 0.3),
            (0, -0.3, 0.0),
            (kn - 1, 0.0, 2.0),
            (kn - 1, 0.0, 0.01),
            (kn - 2, 0.0, 2.0),
        ] {
            let p = s.propose(&mut sc, k, dl, dn);
            let (mut lam, mut l1m, mut lnu) =
                (s.log_lam.clone(), s.log_1m_lam.clone(), s.log_nu.clone());
            let mut jac = 0.0;
            for j in 0..jn {
                let i = j * kn + k;
                let lam_new = 1.0 / (1.0 + (-(lam[i] - l1m[i] + dl)).exp());
                jac += (lam_new * (1.0 - lam_new)).ln() - (lam[i] + l1m[i]);
                lam[i] = lam_new.ln();
                l1m[i] = (1.0 - lam_new).ln();
            }
            let d: f64 = 1.0 + lnu[k].exp() * dn.exp_m1();
            for (l, v) in lnu.iter_mut().enumerate() {
                *v += if l == k { dn } else { 0.0 } - d.ln();
            }
            jac += dn - kn as f64 * d.ln();
            let want = log_target(&s, &lnu, &lam, &l1m)
                - log_target(&s, &s.log_nu, &s.log_lam, &s.log_1m_lam)
                + jac;
            assert!(
                (p.log_ratio - want).abs() < 1e-8 * (1.0 + want.abs()),
                "k {k}: {} vs {want}",
                p.log_ratio
            );
        }
    }

    #[test]
    fn accepted_moves_keep_the_caches_exact() {
        let mut s = sampler();
        let (jn, kn) = (s.j, s.k);
        let mut sc = Scratch::new(jn, kn);
        s.prepare(&mut sc);
        for (k, d) in [(0, 0.2), (4, -1.5), (kn - 1, 3.0), (1, -0.05)] {
            let p = s.propose(&mut sc, k, -d, d);
            s.accept(&mut sc, k, -d, d, &p);
            let mut fresh = Scratch::new(jn, kn);
            s.prepare(&mut fresh);
            let close = |a: &[f64], b: &[f64]| {
                a.iter()
                    .zip(b)
                    .all(|(x, y)| (x - y).abs() <= 1e-12 * (1.0 + y.abs()))
            };
            assert!(close(&sc.nu, &fresh.nu), "ν");
            assert!(close(&sc.r, &fresh.r), "R");
            assert!(
                close(&sc.p0, &fresh.p0) && close(&sc.q, &fresh.q),
                "π₀ of a class"
            );
            assert!((sc.log_seen - fresh.log_seen).abs() < 1e-12);
            assert!((sc.pi0 - fresh.pi0).abs() < 1e-12);
            let total: f64 = s.log_nu.iter().map(|v| v.exp()).sum();
            assert!((total - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn the_cap_region_is_conservative() {
        let s = sampler();
        // Far: π₀ = 0.5 with n ≈ 300 and a cap of 20·n.
        assert!(s.far_from_cap(0.5));
        // Near: the negative binomial's mean is at the cap.
        let pi0 = 20.0 / 21.0;
        assert!(!s.far_from_cap(pi0));
        assert!(!s.far_from_cap(1.0));
    }
}
