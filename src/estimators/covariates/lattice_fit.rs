//! IRLS on the lattice ([`Lattice`]): R's iteration, the first step shared by the candidates
//! that add columns to one model, and continuation from a loose fit.

use super::fit::MU_FLOOR;
use super::kernels::{backward, cholesky, dot, exp_floor, forward, solve};
use super::lattice::{Lattice, LatticeFit, Shared, Work};

/// When the lattice IRLS stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Rule {
    /// R's rule `|D − D_old| / (|D| + 0.1) < ε`.
    R(f64),
    /// R's rule at `eps`, or: the last two deviance changes `c₁ > c₂` extrapolate (as a
    /// geometric series, exact for linear convergence and conservative for quadratic) to a
    /// remaining decrease `c₂² / (c₁ − c₂)` below `remaining`.
    Loose {
        /// Relative tolerance.
        eps: f64,
        /// Absolute bound on the extrapolated remaining decrease of the deviance.
        remaining: f64,
    },
    /// Largest `|Δβ|` of an iteration below this (the existence certificate of
    /// [`super::existence`]).
    Step(f64),
    /// [`Rule::Loose`], and a screen: stop as soon as the deviance is estimated to stay
    /// above `above` whatever the remaining iterations do (see [`screen_bound`]); the fit
    /// is then returned with `screened` set and that lower estimate as its deviance.
    Screened {
        /// Relative tolerance.
        eps: f64,
        /// Absolute bound on the extrapolated remaining decrease of the deviance.
        remaining: f64,
        /// The deviance above which the fit is of no further interest.
        above: f64,
    },
}

/// How far below the current deviance `D` the optimum may lie, estimated from the Newton
/// step `Δ = H⁻¹s` at the current point: `D* ≥ D − SCREEN_FACTOR·sᵀΔ − SCREEN_SLACK`.
///
/// `sᵀΔ = sᵀH⁻¹s` (`s = Xᵀ(y − μ)`, `H = XᵀWX`) is the decrease the quadratic model of
/// the deviance predicts. For one Poisson cell with `r = μ/μ*` the decrease still to come is
/// `D − D* = 2μ*(r − 1 − ln r)` and `sᵀH⁻¹s = μ*(r − 1)²/r`; since
/// `(r − 1)²/r − (r − 1 − ln r) = 1/r − 1 + ln r ≥ 0`, it is at most `2·sᵀH⁻¹s`, and a mean
/// drifting to 0 (an extended MLE) is the limit `r → ∞` of that bound. Coupled cells have no
/// such bound in general: over the ~200,000 loose candidate fits of a 100-replicate
/// re-selecting bootstrap on westeros the largest ratio of the decrease still to come to
/// `sᵀΔ` (decreases above 1e-3) was 2.43, 2.00 for the fits that failed from the close
/// start (measured against the usual start's fit), and 2.06 for additions from the current
/// fit with their new coefficients at 0 (the score statistic's screen). The factor 4 and the slack 0.01 leave
/// room above both; whether a screened candidate could have decided is what the search's
/// threshold asks (see the search engine).
pub(crate) fn screen_bound(deviance: f64, predicted: f64) -> f64 {
    deviance - SCREEN_FACTOR * predicted.max(0.0) - SCREEN_SLACK
}

/// The forward half of a bordered Newton step ([`Lattice::border`]).
#[derive(Debug, Clone)]
pub(crate) struct Border {
    w: Vec<f64>,
    schur: Vec<f64>,
    z0: Vec<f64>,
    z1: Vec<f64>,
}

impl Border {
    /// The decrease of the deviance the step's quadratic model predicts, `sᵀH⁻¹s =
    /// |z0|² + |z1|²` (at the current model's optimum `s0 ≈ 0`: the score statistic of the
    /// new columns).
    pub(crate) fn predicted(&self) -> f64 {
        dot(&self.z0, &self.z0) + dot(&self.z1, &self.z1)
    }
}

/// See [`screen_bound`].
const SCREEN_FACTOR: f64 = 4.0;
/// See [`screen_bound`].
const SCREEN_SLACK: f64 = 0.01;

impl Rule {
    fn done(self, dev: f64, devold: f64, prev: Option<f64>, step: f64) -> bool {
        let c = (dev - devold).abs();
        match self {
            Rule::R(eps) => c / (dev.abs() + 0.1) < eps,
            Rule::Step(s) => step < s,
            Rule::Loose { eps, remaining } | Rule::Screened { eps, remaining, .. } => {
                c / (dev.abs() + 0.1) < eps
                    || prev.is_some_and(|p| c < p && c * c / (p - c) < remaining)
            }
        }
    }
}

impl Lattice {
    /// Fit the columns `cols` (independent, intercept included) from `start` (their
    /// coefficients) or R's start; `None` if the information is singular.
    pub fn fit(
        &self,
        cols: &[usize],
        start: Option<&[f64]>,
        rule: Rule,
        max_iterations: usize,
        ws: &mut Work,
    ) -> Option<LatticeFit> {
        let p = cols.len();
        let n = self.obs.len();
        ws.mu.resize(n, 0.0);
        ws.eta.resize(n, 0.0);
        let beta = match start {
            None => {
                for i in 0..n {
                    ws.mu[i] = self.y[i] + 0.1;
                    ws.eta[i] = ws.mu[i].ln();
                }
                vec![0.0; p]
            }
            Some(b) => {
                self.update_mu(cols, b, ws);
                b.to_vec()
            }
        };
        if let (None, Some(m)) = (start, &self.mask) {
            for i in 0..n {
                if m[i] == 0.0 {
                    ws.mu[i] = 0.0;
                    ws.eta[i] = 0.0;
                }
            }
        }
        let devold = self.deviance(ws);
        self.iterate(
            cols,
            beta,
            devold,
            start.is_none(),
            0,
            rule,
            None,
            max_iterations,
            ws,
        )
    }

    /// The IRLS loop from the state in `ws` (μ, η of `beta`; R's start if `first`), after
    /// `done` iterations.
    #[allow(clippy::too_many_arguments)]
    fn iterate(
        &self,
        cols: &[usize],
        mut beta: Vec<f64>,
        mut devold: f64,
        mut first: bool,
        done: usize,
        rule: Rule,
        mut prev: Option<f64>,
        max_iterations: usize,
        ws: &mut Work,
    ) -> Option<LatticeFit> {
        let p = cols.len();
        let n = self.obs.len();
        let mut old = vec![0.0; p];
        let mut converged = false;
        let mut iterations = done;
        let mut dev = devold;
        for iter in done + 1..=max_iterations {
            iterations = iter;
            // Moments of μ (and, on the first step, of μη + y − μ).
            let mut wm = std::mem::take(&mut ws.wm);
            let mut rm = std::mem::take(&mut ws.rm);
            self.moments(|i| ws.mu[i], &mut wm, &mut ws.b);
            if first {
                let (mu, eta) = (&ws.mu, &ws.eta);
                self.moments(|i| mu[i] * eta[i] + self.y[i] - mu[i], &mut rm, &mut ws.b);
            }
            // Only the lower triangle is written and read (Cholesky, solve).
            ws.gram.resize(p * p, 0.0);
            ws.rhs.clear();
            for (i, &a) in cols.iter().enumerate() {
                let pa = &self.pair_state[a * self.p_all..(a + 1) * self.p_all];
                for (j, &b) in cols.iter().enumerate().take(i + 1) {
                    let s = pa[b];
                    ws.gram[i * p + j] = if s == usize::MAX { 0.0 } else { wm[s] };
                }
                let s = self.col_state[a];
                ws.rhs.push(if first {
                    rm[s]
                } else {
                    self.y_moments[s] - wm[s]
                });
            }
            ws.wm = wm;
            ws.rm = rm;
            if !cholesky(&mut ws.gram, p) {
                return None;
            }
            if let (Rule::Screened { above, .. }, false) = (rule, first) {
                // The predicted decrease sᵀH⁻¹s = |L⁻¹s|², from the forward half of the solve.
                forward(&ws.gram, p, &mut ws.rhs);
                let predicted = dot(&ws.rhs, &ws.rhs);
                let lower = screen_bound(devold, predicted);
                if lower > above {
                    return Some(LatticeFit::screened(beta, lower, iter - 1));
                }
                backward(&ws.gram, p, &mut ws.rhs);
            } else {
                solve(&ws.gram, p, &mut ws.rhs);
            }
            old.copy_from_slice(&beta);
            for i in 0..p {
                beta[i] = if first {
                    ws.rhs[i]
                } else {
                    beta[i] + ws.rhs[i]
                };
            }
            self.update_mu(cols, &beta, ws);
            dev = self.deviance(ws);
            let mut halvings = 0;
            while !dev.is_finite() && !first && halvings < max_iterations {
                for (b, &o) in beta.iter_mut().zip(&old) {
                    *b = 0.5 * (*b + o);
                }
                self.update_mu(cols, &beta, ws);
                dev = self.deviance(ws);
                halvings += 1;
            }
            if !dev.is_finite() {
                return None;
            }
            first = false;
            let step = beta
                .iter()
                .zip(&old)
                .map(|(b, o)| (b - o).abs())
                .fold(0.0, f64::max);
            if rule.done(dev, devold, prev, step) {
                converged = true;
                break;
            }
            prev = Some((dev - devold).abs());
            devold = dev;
        }
        let _ = n;
        Some(self.finish(beta, dev, iterations, converged, ws))
    }

    fn finish(
        &self,
        beta: Vec<f64>,
        dev: f64,
        iterations: usize,
        converged: bool,
        ws: &Work,
    ) -> LatticeFit {
        let log_eps = MU_FLOOR.ln();
        let loglik: f64 = (0..self.obs.len())
            .map(|i| self.y[i] * ws.eta[i].max(log_eps) - ws.mu[i])
            .sum::<f64>()
            - self.lgamma_sum;
        // `ws.a` holds η on every lattice cell for the final β (from `update_mu`).
        let nhat: f64 = ws.mu.iter().sum::<f64>()
            + self
                .unobs
                .iter()
                .map(|&i| ws.a[i].exp().max(MU_FLOOR))
                .sum::<f64>();
        LatticeFit {
            beta,
            deviance: dev,
            log_likelihood: loglik,
            iterations,
            converged,
            nhat,
            screened: false,
        }
    }

    /// What every candidate that adds columns to the model `cols` at `beta` shares: the
    /// moments of its μ and the Cholesky factor of its information. The first IRLS step of
    /// such a candidate, started at `beta` with the new coefficients at 0, has the same μ.
    pub fn shared(&self, cols: &[usize], beta: &[f64], ws: &mut Work) -> Option<Shared> {
        let n = self.obs.len();
        ws.mu.resize(n, 0.0);
        ws.eta.resize(n, 0.0);
        self.update_mu(cols, beta, ws);
        let deviance = self.deviance(ws);
        let mut wm = Vec::new();
        self.moments(|i| ws.mu[i], &mut wm, &mut ws.b);
        let p = cols.len();
        let mut l = vec![0.0; p * p];
        let mut score = Vec::with_capacity(p);
        for (i, &a) in cols.iter().enumerate() {
            for (j, &b) in cols.iter().enumerate().take(i + 1) {
                let s = self.pair_state[a * self.p_all + b];
                l[i * p + j] = if s == usize::MAX { 0.0 } else { wm[s] };
            }
            score.push(self.y_moments[self.col_state[a]] - wm[self.col_state[a]]);
        }
        if !cholesky(&mut l, p) {
            return None;
        }
        Some(Shared {
            cols: cols.to_vec(),
            beta: beta.to_vec(),
            l,
            wm,
            score,
            deviance,
        })
    }

    /// A start for `shared`'s model without the columns at positions `gone` (of `sh.cols`):
    /// the minimiser of the quadratic model of the deviance at `sh.beta` (its information
    /// `H`) with those coefficients fixed at 0, `β − H⁻¹E (EᵀH⁻¹E)⁻¹ β_gone` — the
    /// conditional shift of the other coefficients, as a Newton step of the reduced model
    /// taken with the current information. Coefficients in `sh.cols` order (`gone` ones 0);
    /// `None` if `EᵀH⁻¹E` is numerically singular.
    pub fn drop_start(&self, sh: &Shared, gone: &[usize]) -> Option<Vec<f64>> {
        let (p, m) = (sh.cols.len(), gone.len());
        // X = H⁻¹E, column j in x[j·p..].
        let mut x = vec![0.0; m * p];
        for (j, &g) in gone.iter().enumerate() {
            let xj = &mut x[j * p..(j + 1) * p];
            xj[g] = 1.0;
            solve(&sh.l, p, xj);
        }
        let mut vtt = vec![0.0; m * m];
        for j in 0..m {
            for (k, &g) in gone.iter().enumerate() {
                vtt[j * m + k] = x[k * p + g];
            }
        }
        for j in 0..m {
            for k in 0..j {
                let v = 0.5 * (vtt[j * m + k] + vtt[k * m + j]);
                vtt[j * m + k] = v;
                vtt[k * m + j] = v;
            }
        }
        if !cholesky(&mut vtt, m) {
            return None;
        }
        let mut w: Vec<f64> = gone.iter().map(|&g| sh.beta[g]).collect();
        solve(&vtt, m, &mut w);
        let mut beta = sh.beta.clone();
        for (j, &wj) in w.iter().enumerate() {
            for (b, &xv) in beta.iter_mut().zip(&x[j * p..(j + 1) * p]) {
                *b -= xv * wj;
            }
        }
        for &g in gone {
            beta[g] = 0.0;
        }
        beta.iter().all(|b| b.is_finite()).then_some(beta)
    }

    /// The forward half of the first Newton step of `shared`'s model plus the columns `new`
    /// (kept, independent) from `(sh.beta, 0)`, by bordering the shared factor: with the
    /// information `[[H0, B], [Bᵀ, C]]` and score `(s0, s1)`, `W = L0⁻¹B`, the Schur
    /// complement `S = C − WᵀW = LS LSᵀ`, `z0 = L0⁻¹s0`, `z1 = LS⁻¹(s1 − Wᵀz0)`.
    /// `None` if `S` is numerically singular.
    pub fn border(&self, sh: &Shared, new: &[usize]) -> Option<Border> {
        let (p0, m) = (sh.cols.len(), new.len());
        let g = |a: usize, b: usize| {
            let s = self.pair_state[a * self.p_all + b];
            if s == usize::MAX {
                0.0
            } else {
                sh.wm[s]
            }
        };
        // W = L0⁻¹ B (column j for new column j), S = C − WᵀW.
        let mut w = vec![0.0; m * p0];
        for (j, &c) in new.iter().enumerate() {
            let wj = &mut w[j * p0..(j + 1) * p0];
            for (i, &a) in sh.cols.iter().enumerate() {
                wj[i] = g(a, c);
            }
            for i in 0..p0 {
                let s = dot(&sh.l[i * p0..i * p0 + i], &wj[..i]);
                wj[i] = (wj[i] - s) / sh.l[i * p0 + i];
            }
        }
        let mut schur = vec![0.0; m * m];
        for j in 0..m {
            for k in 0..=j {
                let v = g(new[j], new[k]) - dot(&w[j * p0..(j + 1) * p0], &w[k * p0..(k + 1) * p0]);
                schur[j * m + k] = v;
                schur[k * m + j] = v;
            }
        }
        if !cholesky(&mut schur, m) {
            return None;
        }
        let mut z0 = sh.score.clone();
        for i in 0..p0 {
            let s = dot(&sh.l[i * p0..i * p0 + i], &z0[..i]);
            z0[i] = (z0[i] - s) / sh.l[i * p0 + i];
        }
        let mut z1: Vec<f64> = new
            .iter()
            .enumerate()
            .map(|(j, &c)| {
                self.y_moments[self.col_state[c]]
                    - sh.wm[self.col_state[c]]
                    - dot(&w[j * p0..(j + 1) * p0], &z0)
            })
            .collect();
        forward(&schur, m, &mut z1);
        Some(Border { w, schur, z0, z1 })
    }

    /// Fit `shared`'s model plus the columns `new` (kept, independent), the first step done by
    /// extending the shared factor (block Cholesky, [`Lattice::border`]), the rest by
    /// [`Lattice::fit`]'s loop.
    pub fn fit_extended(
        &self,
        sh: &Shared,
        new: &[usize],
        rule: Rule,
        max_iterations: usize,
        ws: &mut Work,
    ) -> Option<LatticeFit> {
        let (p0, m) = (sh.cols.len(), new.len());
        let Border { w, schur, z0, z1 } = self.border(sh, new)?;
        // Back: Δ1 = LS⁻ᵀ z1, Δ0 = L0⁻ᵀ (z0 − W Δ1).
        let mut d1 = z1;
        backward(&schur, m, &mut d1);
        let mut d0 = z0;
        for (j, &dj) in d1.iter().enumerate() {
            for (x, &wv) in d0.iter_mut().zip(&w[j * p0..(j + 1) * p0]) {
                *x -= wv * dj;
            }
        }
        for i in (0..p0).rev() {
            d0[i] /= sh.l[i * p0 + i];
            let di = d0[i];
            for (x, &lik) in d0[..i].iter_mut().zip(&sh.l[i * p0..i * p0 + i]) {
                *x -= lik * di;
            }
        }
        let d0_abs_max = d0.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let d1_abs_max = d1.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let cols: Vec<usize> = sh.cols.iter().chain(new).copied().collect();
        let beta: Vec<f64> = sh
            .beta
            .iter()
            .zip(&d0)
            .map(|(b, d)| b + d)
            .chain(d1)
            .collect();
        let n = self.obs.len();
        ws.mu.resize(n, 0.0);
        ws.eta.resize(n, 0.0);
        self.update_mu(&cols, &beta, ws);
        let dev = self.deviance(ws);
        if !dev.is_finite() {
            return None;
        }
        let step = d0_abs_max.max(d1_abs_max);
        let conv = rule.done(dev, sh.deviance, None, step);
        if conv || max_iterations == 1 {
            return Some(self.finish(beta, dev, 1, conv, ws));
        }
        self.iterate(
            &cols,
            beta,
            dev,
            false,
            1,
            rule,
            Some((dev - sh.deviance).abs()),
            max_iterations,
            ws,
        )
    }

    /// Continue a fit of `cols` from its coefficients until `rule` holds.
    pub fn refine(
        &self,
        cols: &[usize],
        fit: &LatticeFit,
        rule: Rule,
        max_iterations: usize,
        ws: &mut Work,
    ) -> Option<LatticeFit> {
        let n = self.obs.len();
        ws.mu.resize(n, 0.0);
        ws.eta.resize(n, 0.0);
        self.update_mu(cols, &fit.beta, ws);
        self.iterate(
            cols,
            fit.beta.clone(),
            fit.deviance,
            false,
            fit.iterations,
            rule,
            None,
            max_iterations,
            ws,
        )
    }

    fn update_mu(&self, cols: &[usize], beta: &[f64], ws: &mut Work) {
        self.predict(cols, beta, ws);
        for (e, &i) in ws.eta.iter_mut().zip(&self.obs) {
            *e = ws.a[i];
        }
        exp_floor(&ws.eta, &mut ws.mu);
        if let Some(m) = &self.mask {
            for (mu, &k) in ws.mu.iter_mut().zip(m) {
                *mu *= k;
            }
        }
    }

    fn deviance(&self, ws: &Work) -> f64 {
        let log_eps = MU_FLOOR.ln();
        2.0 * (0..self.obs.len())
            .map(|i| self.ylny[i] - self.y[i] * ws.eta[i].max(log_eps) - self.y[i] + ws.mu[i])
            .sum::<f64>()
    }
}
