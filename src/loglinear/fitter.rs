//! The hot-path fitter used by model selection, model search and the bootstrap.
//!
//! [`Fitter`] holds one table's counts and a workspace, and fits models given as term lists,
//! optionally warm-started from the previous model's coefficients (a stepwise path or a
//! lattice walk changes one term at a time, so Newton then needs 2–4 iterations). It also
//! decides existence cheaply:
//!
//! * if Newton's information matrix is singular, the full check runs (rank test and LP);
//! * if the fit converges and no kept cell has a zero count, `x = y` proves existence;
//! * otherwise Newton is continued from the fit: at a genuine MLE it converges
//!   quadratically and its step falls below [`CERTIFICATE_STEP`] within a few iterations —
//!   a stationary point at finite θ, whose fitted means are a strictly positive table with
//!   the observed margins, the certificate that the MLE exists;
//! * if the step does not shrink, the Fienberg–Rinaldo LP decides, as in the R packages.
//!
//! When the MLE does not exist the log-likelihood keeps rising along a recession direction
//! where it behaves like `−c·e^{−s}`, and the Newton step there is exactly 1 forever, so the
//! continued iteration never certifies; the LP then runs. `tests/select_reference.rs`
//! confirms the shortcut against the LP on every model of the bundled datasets.

use super::criteria::Criterion;
use super::irls::{
    infinite_terms_into, log_factorial_sum, mark_kept, newton, Start, Stop, Workspace,
};
use super::lp::{check_uncertified, identifiable, Existence};
use crate::data::table::superset_sums;
use crate::error::{Error, Result};
use crate::numeric::linalg;

/// Newton steps (largest |Δθ|) below this certify a stationary point at finite θ.
pub const CERTIFICATE_STEP: f64 = 1e-7;
/// Newton iterations allowed to reach [`CERTIFICATE_STEP`] after R's stopping rule.
pub const CERTIFICATE_ITERATIONS: usize = 12;

/// The information matrix of a fit was numerically singular (the model is not identifiable,
/// or fitted means collapse towards 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SingularInformation;

impl std::fmt::Display for SingularInformation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the information matrix is numerically singular")
    }
}

impl std::error::Error for SingularInformation {}

/// Where a fit starts.
#[derive(Debug, Clone, Copy)]
pub enum Warm<'a> {
    /// From the coefficients saved by [`Fitter::snapshot`].
    Snapshot,
    /// From given terms and coefficients (missing terms start at 0).
    Given(&'a [u32], &'a [f64]),
}

/// Continued Newton steps at least this large mean divergence (see
/// [`Fitter::assess`] with [`Fitter::trust_divergence`]).
pub const DIVERGENCE_STEP: f64 = 0.25;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Exists,
    Diverges,
    Unknown,
}

/// Outcome of a quick fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quick {
    /// `n_obs + exp(θ̂_∅)`.
    pub estimate: f64,
    /// Residual deviance.
    pub deviance: f64,
    /// Log-likelihood including `−log y!`.
    pub loglik: f64,
    /// All parameters including −∞ terms.
    pub parameters: usize,
    /// Newton iterations.
    pub iterations: usize,
    /// Convergence flag.
    pub converged: bool,
}

impl Quick {
    /// `−2ℓ + 2p`.
    pub fn aic(&self) -> f64 {
        Criterion::Aic.value(self.loglik, self.parameters, 0.0)
    }

    /// `−2ℓ + p log n`.
    pub fn bic(&self, n_obs: f64) -> f64 {
        Criterion::Bic.value(self.loglik, self.parameters, n_obs)
    }
}

/// Existence code and, when it is 0, the fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessed {
    /// SparseMSE code 0–3.
    pub code: u8,
    /// The fit (code 0 and converged only).
    pub fit: Option<Quick>,
    /// Whether the LP/rank check had to run.
    pub full_check: bool,
}

/// Fits many models to one table, reusing buffers.
#[derive(Debug, Clone)]
pub struct Fitter {
    t: usize,
    counts: Vec<u64>,
    y: Vec<f64>,
    margins: Vec<u64>,
    n_obs: f64,
    lfact: f64,
    ws: Workspace,
    kept: Vec<bool>,
    finite: Vec<u32>,
    inf: Vec<u32>,
    start: Vec<f64>,
    snap_terms: Vec<u32>,
    snap_beta: Vec<f64>,
    /// Tolerance of the Newton stopping rule (R's 1e-8 by default).
    pub tolerance: f64,
    /// Iteration cap.
    pub max_iterations: usize,
    /// Let [`Fitter::assess`] accept Newton divergence as proof of non-existence
    /// (see [`Fitter::assess`]) instead of solving the LP. Off by default.
    pub trust_divergence: bool,
}

impl Fitter {
    /// A fitter for counts indexed by bitmask (`counts.len() == 2^t`).
    pub fn new(t: usize, counts: &[u64]) -> Self {
        let mut f = Self {
            t,
            counts: Vec::new(),
            y: Vec::new(),
            margins: Vec::new(),
            n_obs: 0.0,
            lfact: 0.0,
            ws: Workspace::new(t),
            kept: vec![false; 1 << t],
            finite: Vec::new(),
            inf: Vec::new(),
            start: Vec::new(),
            snap_terms: Vec::new(),
            snap_beta: Vec::new(),
            tolerance: 1e-8,
            max_iterations: 100,
            trust_divergence: false,
        };
        f.load(counts);
        f
    }

    /// Replace the counts (same number of lists), keeping the buffers.
    pub fn load(&mut self, counts: &[u64]) {
        debug_assert_eq!(counts.len(), 1 << self.t);
        self.counts.clear();
        self.counts.extend_from_slice(counts);
        self.counts[0] = 0;
        self.y.clear();
        self.y.extend(self.counts.iter().map(|&c| c as f64));
        self.margins.clear();
        self.margins.extend_from_slice(&self.counts);
        superset_sums(&mut self.margins, self.t);
        self.n_obs = self.margins[0] as f64;
        self.lfact = log_factorial_sum(&self.counts);
        self.ws.set_data(&self.y);
    }

    /// Number of lists.
    pub fn lists(&self) -> usize {
        self.t
    }

    /// Current counts.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Margin `n*(S)`.
    pub fn margin(&self, s: u32) -> u64 {
        self.margins[s as usize]
    }

    /// Observed total.
    pub fn observed(&self) -> f64 {
        self.n_obs
    }

    /// Fitted means of the last successful fit (0 on dropped cells; entry 0 unused).
    pub fn mu(&self) -> &[f64] {
        self.ws.mu_slice()
    }

    /// Finite terms and their coefficients from the last fit.
    pub fn coefficients(&self) -> (&[u32], &[f64]) {
        (&self.finite, self.ws.beta_slice())
    }

    /// Save the last fit's finite terms and coefficients as a warm start.
    pub fn snapshot(&mut self) {
        self.snap_terms.clear();
        self.snap_terms.extend_from_slice(&self.finite);
        self.snap_beta.clear();
        self.snap_beta.extend_from_slice(self.ws.beta_slice());
    }

    /// Fit the model with `terms` (sorted, intercept first), warm-started (missing terms
    /// start at 0) or from R's start (`None`).
    ///
    /// # Errors
    /// [`SingularInformation`] if the information matrix is numerically singular.
    pub fn fit(
        &mut self,
        terms: &[u32],
        warm: Option<Warm<'_>>,
    ) -> std::result::Result<Quick, SingularInformation> {
        let stop = Stop::r(self.tolerance, self.max_iterations);
        self.fit_until(terms, warm, &stop)
    }

    fn fit_until(
        &mut self,
        terms: &[u32],
        warm: Option<Warm<'_>>,
        stop: &Stop,
    ) -> std::result::Result<Quick, SingularInformation> {
        infinite_terms_into(&self.margins, terms, &mut self.inf);
        self.finite.clear();
        let inf = &self.inf;
        self.finite
            .extend(terms.iter().copied().filter(|s| !inf.contains(s)));
        mark_kept(&mut self.kept, self.t, &self.inf, false);
        self.ws.set_kept(&self.kept);
        let start = match warm {
            Some(w) => {
                let (wt, wb) = match w {
                    Warm::Snapshot => (&self.snap_terms[..], &self.snap_beta[..]),
                    Warm::Given(t, b) => (t, b),
                };
                self.start.clear();
                for &s in &self.finite {
                    self.start
                        .push(wt.iter().position(|&x| x == s).map_or(0.0, |i| wb[i]));
                }
                Start::Coefficients(&self.start)
            }
            None => Start::Glm,
        };
        let core = newton(&mut self.ws, &self.y, &self.finite, start, stop)
            .map_err(|()| SingularInformation)?;
        let (dev, ll) = self.ws.deviance_and_loglik(&self.y);
        Ok(Quick {
            estimate: self.n_obs + self.ws.beta_slice()[0].exp(),
            deviance: dev,
            loglik: ll - self.lfact,
            parameters: terms.len(),
            iterations: core.iterations,
            converged: core.converged,
        })
    }

    /// Wald statistic `β̂/se` of a finite term of the last fit (covariance from the last IRLS
    /// information, as R); `None` if the term is not finite in the fit.
    pub fn wald_z(&self, term: u32) -> Option<f64> {
        let a = self.finite.iter().position(|&s| s == term)?;
        let p = self.finite.len();
        let mut e = vec![0.0; p];
        e[a] = 1.0;
        linalg::cholesky_solve(self.ws.info_factor(p), p, &mut e);
        Some(self.ws.beta_slice()[a] / e[a].sqrt())
    }

    /// Whether the last fit has a positive count whose fitted mean sits at R's floor `ε`
    /// (`μ = max(e^η, ε)`): its deviance is then below the model's infimum.
    pub fn has_floored_count(&self) -> bool {
        // The floor is applied on the log scale, so `e^{ln ε}` may exceed ε in the last bit.
        let floor = f64::EPSILON * (1.0 + 1e-9);
        let mu = self.ws.mu_slice();
        (1..self.counts.len()).any(|h| self.kept[h] && self.counts[h] > 0 && mu[h] <= floor)
    }

    /// Whether a kept cell has a zero count (otherwise `x = y` proves existence).
    fn has_kept_zero(&self) -> bool {
        (1..self.counts.len()).any(|h| self.kept[h] && self.counts[h] == 0)
    }

    /// Continue Newton from the last fit until the step is below [`CERTIFICATE_STEP`]; true
    /// if it gets there within [`CERTIFICATE_ITERATIONS`] (a stationary point at finite θ).
    fn certify(&mut self) -> bool {
        self.certify_or_diverge() == Verdict::Exists
    }

    /// As [`Fitter::certify`], and also recognise divergence: Newton steps that stay at
    /// least [`DIVERGENCE_STEP`] after [`CERTIFICATE_ITERATIONS`] more iterations while the
    /// deviance no longer moves are a recession direction — along which the likelihood keeps
    /// rising towards a supremum at infinity, so the MLE does not exist.
    fn certify_or_diverge(&mut self) -> Verdict {
        self.start.clear();
        self.start.extend_from_slice(self.ws.beta_slice());
        let core = newton(
            &mut self.ws,
            &self.y,
            &self.finite,
            Start::Coefficients(&self.start),
            &Stop {
                tol: 0.0,
                max_iter: CERTIFICATE_ITERATIONS,
                step_tol: CERTIFICATE_STEP,
            },
        );
        match core {
            Ok(c) if c.converged && c.deviance.is_finite() => Verdict::Exists,
            Ok(c) if c.last_step >= DIVERGENCE_STEP && c.last_change < 1e-9 => Verdict::Diverges,
            _ => Verdict::Unknown,
        }
    }

    /// The LP decides a fit the certificate could not: code 0 with a converged fit, a
    /// non-existent or non-identifiable model, or (code 0 but no convergence) an error.
    fn decide_by_lp(
        &mut self,
        terms: &[u32],
        q: Quick,
        lp_cache: &mut dyn FnMut(&Self, &[u32]) -> Result<u8>,
    ) -> Result<Assessed> {
        let code = lp_cache(self, terms)?;
        if code == 0 && !q.converged {
            return Err(Error::NotConverged {
                model: format!("{terms:?}"),
                iterations: q.iterations,
                last_change: f64::NAN,
            });
        }
        Ok(Assessed {
            code,
            fit: (code == 0).then_some(q),
            full_check: true,
        })
    }

    /// Existence check (rank + LP) of a model on the current counts, for use after the fit
    /// failed to certify existence.
    ///
    /// # Errors
    /// [`Error::Lp`] if the LP solver fails.
    pub fn check(&self, terms: &[u32]) -> Result<Existence> {
        check_uncertified(self.t, &self.counts, terms)
    }

    /// Fit from R's start and try to certify existence (no LP).
    pub fn certified_fit(&mut self, terms: &[u32]) -> bool {
        matches!(self.fit(terms, None), Ok(q) if q.converged) && self.certify()
    }

    /// Existence code and fit, using the fit as a certificate where possible (module docs).
    /// `lp_cache` answers a full check when given (e.g. a cache keyed by support pattern).
    ///
    /// With [`Fitter::trust_divergence`] (the bootstrap's hot path) it also accepts Newton
    /// divergence as proof that the MLE does not exist (code 1), and rejects a model whose
    /// information is singular without the LP (code 2 if the design is rank deficient, else
    /// 1), so the LP runs only when Newton neither converges nor clearly diverges. A fit is
    /// then returned exactly as without it, except for models whose information is
    /// numerically singular although the LP would report code 0 (cells fitted ~1e-12 below
    /// the rest, seen in the eight-list New Orleans resamples), which are rejected.
    /// `tests/properties.rs` checks that it gives the LP's code on random sparse tables.
    ///
    /// # Errors
    /// [`Error::Lp`].
    pub fn assess(
        &mut self,
        terms: &[u32],
        warm: Option<Warm<'_>>,
        lp_cache: &mut dyn FnMut(&Self, &[u32]) -> Result<u8>,
    ) -> Result<Assessed> {
        let fast = self.trust_divergence;
        let q = match self.fit(terms, warm) {
            // Singular information. If the design itself is rank deficient the model is not
            // identifiable (code 2; the existence bit is not evaluated). Otherwise the
            // information is numerically singular at an identifiable design: fitted means
            // collapsing towards 0 (the MLE does not exist, or exists only with cells fitted
            // below ~1e-12 of the rest, which no double-precision fit resolves). Either way
            // the model cannot be fitted; the fast path rejects it as code 1 without the LP
            // (which may say 0 for the latter).
            Err(SingularInformation) if fast => {
                let code = if identifiable(self.t, &self.counts, terms) {
                    1
                } else {
                    2
                };
                return Ok(Assessed {
                    code,
                    fit: None,
                    full_check: false,
                });
            }
            Err(SingularInformation) => {
                return Ok(Assessed {
                    code: lp_cache(self, terms)?,
                    fit: None,
                    full_check: true,
                })
            }
            Ok(q) => q,
        };
        if q.converged {
            let verdict = if self.has_kept_zero() {
                self.certify_or_diverge()
            } else {
                Verdict::Exists
            };
            match verdict {
                Verdict::Exists => {
                    return Ok(Assessed {
                        code: 0,
                        fit: Some(q),
                        full_check: false,
                    })
                }
                Verdict::Diverges if fast => {
                    return Ok(Assessed {
                        code: 1,
                        fit: None,
                        full_check: false,
                    })
                }
                Verdict::Diverges | Verdict::Unknown => {}
            }
        }
        self.decide_by_lp(terms, q, lp_cache)
    }
}

/// The plain full check, as an `lp_cache` argument for [`Fitter::assess`].
pub fn no_cache(f: &Fitter, terms: &[u32]) -> Result<u8> {
    Ok(f.check(terms)?.code)
}
