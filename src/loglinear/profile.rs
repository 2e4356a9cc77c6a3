//! The profile likelihood of the population size `N` under a fitted log-linear model
//! (Cormack 1992; Rcapture `closedpCI.t`): the model refitted with the unobserved cell added
//! as an observation `n₀ = N − n`.

use super::fit::Fit;
use super::irls::{mark_kept, newton, Start, Stop, Workspace};
use crate::data::table::CaptureTable;
use statrs::function::gamma::ln_gamma;

/// Profile log-likelihood of `N` for a fitted model (Rcapture `closedpCI.t`, Cormack 1992).
///
/// `ℓ(N) = −D(N)/2 + c(N)`, where `D(N)` is the deviance of the model refitted with the dark
/// cell added as an observation `n₀ = N − n` (its design row is the intercept alone) and
/// `c(N)` turns the Poisson deviance into the multinomial likelihood:
/// for `N > 100`, `c = −N + ½log(2πN)` if `n₀ ∈ {0, 1}`, else `n₀ − N − ½log(n₀/N)`;
/// otherwise `c = log(n₀^{n₀} Γ(N+1) / (N^N Γ(n₀+1)))`.
pub(crate) struct ProfileLikelihood {
    y: Vec<f64>,
    n: f64,
    finite: Vec<u32>,
    ws: Workspace,
    start: Vec<f64>,
}

impl ProfileLikelihood {
    /// Prepare the profile for a converged fit of `table`.
    pub(crate) fn new(table: &CaptureTable, fit: &Fit) -> Self {
        let t = table.lists();
        let mut ws = Workspace::new(t);
        let finite: Vec<u32> = fit
            .model
            .terms()
            .iter()
            .copied()
            .filter(|s| !fit.infinite_terms.contains(s))
            .collect();
        mark_kept_dark(&mut ws, t, &fit.infinite_terms);
        let start: Vec<f64> = fit
            .coefficients
            .iter()
            .filter(|c| c.estimate.is_finite())
            .map(|c| c.estimate)
            .collect();
        Self {
            y: table.counts().iter().map(|&c| c as f64).collect(),
            n: table.observed() as f64,
            finite,
            ws,
            start,
        }
    }

    /// `ℓ(N)`; `NaN` if the refit fails.
    pub(crate) fn loglik(&mut self, big_n: f64) -> f64 {
        let n0 = (big_n - self.n).max(0.0);
        self.y[0] = n0;
        self.ws.set_data(&self.y);
        // Start from the model's own fit (a good start for every N); fall back to glm's
        // start if Newton fails from there.
        let mut core = newton(
            &mut self.ws,
            &self.y,
            &self.finite,
            Start::Coefficients(&self.start),
            &Stop::r(1e-13, 200),
        );
        if !matches!(core, Ok(c) if c.converged && c.deviance.is_finite()) {
            core = newton(
                &mut self.ws,
                &self.y,
                &self.finite,
                Start::Glm,
                &Stop::r(1e-13, 200),
            );
        }
        let Ok(core) = core else { return f64::NAN };
        -core.deviance / 2.0 + cormack(big_n, n0)
    }
}

fn mark_kept_dark(ws: &mut Workspace, t: usize, infinite: &[u32]) {
    let mut kept = vec![false; 1 << t];
    mark_kept(&mut kept, t, infinite, true);
    ws.set_kept(&kept);
}

/// Cormack's (1992) correction `c(N)` turning the Poisson deviance into the multinomial
/// profile log-likelihood of `N` (see [`ProfileLikelihood`]).
pub(crate) fn cormack(big_n: f64, n0: f64) -> f64 {
    if big_n > 100.0 {
        if n0 == 0.0 || n0 == 1.0 {
            -big_n + 0.5 * (2.0 * std::f64::consts::PI * big_n).ln()
        } else {
            n0 - big_n - 0.5 * (n0 / big_n).ln()
        }
    } else {
        let xlogx = |x: f64| if x > 0.0 { x * x.ln() } else { 0.0 };
        xlogx(n0) + ln_gamma(big_n + 1.0) - xlogx(big_n) - ln_gamma(n0 + 1.0)
    }
}
