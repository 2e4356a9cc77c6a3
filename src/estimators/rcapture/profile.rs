//! The profile-likelihood interval of `closedpCI.t`.

use super::glm::{chao_nca, design, fit_chao, rcapture_histories};
use super::*;
use crate::loglinear::profile::cormack;
use crate::numeric::profile::profile_limits;
use crate::numeric::Level;

/// The profile log-likelihood of `closedpCI.t` as a reusable closure state.
pub(super) struct ProfileLik {
    pub(super) names: Vec<String>,
    pub(super) cols: Vec<Vec<f64>>,
    pub(super) y: Vec<f64>,
    pub(super) n: f64,
    pub(super) nca: Option<usize>,
    pub(super) epsilon: f64,
    pub(super) maxit: usize,
}

impl ProfileLik {
    fn new(table: &CaptureTable, model: RcaptureModel, epsilon: f64, maxit: usize) -> Self {
        let t = table.lists();
        let mut hist = rcapture_histories(t);
        hist.push(0); // the dark cell, appended last as in Rcapture
        let (names, cols) = design(model, t, &hist);
        let y = hist.iter().map(|&h| table.count(h) as f64).collect();
        Self {
            names,
            cols,
            y,
            n: table.observed() as f64,
            nca: chao_nca(model, t),
            epsilon,
            maxit,
        }
    }

    fn loglik(&mut self, big_n: f64) -> f64 {
        let n0 = big_n - self.n;
        let last = self.y.len() - 1;
        self.y[last] = n0;
        match fit_chao(
            &self.names,
            &self.cols,
            &self.y,
            self.nca,
            self.epsilon,
            self.maxit,
        ) {
            Ok(f) => -f.glm.deviance / 2.0 + cormack(big_n, n0),
            Err(_) => f64::NAN,
        }
    }
}

pub(super) fn check_profile_model(model: RcaptureModel) -> Result<()> {
    if model.is_behavioural() {
        return Err(Error::InvalidOption {
            name: "model",
            value: model.name().into(),
            problem: "the profile-likelihood interval (Rcapture closedpCI.t) is defined for M0, Mt, Mh and Mth models only".into(),
        });
    }
    Ok(())
}

/// Rcapture's profile log-likelihood of `N` (`closedpCI.t`) at one point, with R's default
/// IRLS settings (tolerance `1e-8`, 25 iterations), i.e. the values Rcapture evaluates.
///
/// # Formula
/// Append the unobserved history as a cell with count `n0 = N − n` and design row
/// `(1, 0, …, 0)`, refit the model (Chao rule re-run from the full eta set), and return
/// `ℓ(N) = −D(N)/2 + c(N)` with Cormack's correction: for `N > 100`,
/// `c = −N + ½ log(2πN)` if `n0 ∈ {0, 1}`, else `c = n0 − N − ½ log(n0/N)`; otherwise
/// `c = log(n0^{n0} Γ(N+1) / (N^N Γ(n0+1)))`. `NaN` if the refit fails.
///
/// # Errors
/// [`Error::InvalidOption`] for Mb and Mbh, for fewer than 3 lists with a heterogeneity
/// model, or for `N < n`.
///
/// # References
/// Cormack (1992), Biometrics 48; Baillargeon & Rivest (2007).
pub fn profile_loglik(table: &CaptureTable, model: RcaptureModel, big_n: f64) -> Result<f64> {
    check_model(table, model)?;
    check_profile_model(model)?;
    if !(big_n >= table.observed() as f64) {
        return Err(Error::InvalidOption {
            name: "N",
            value: big_n.to_string(),
            problem: format!(
                "must be at least the number observed ({})",
                table.observed()
            ),
        });
    }
    Ok(ProfileLik::new(table, model, GLM_EPSILON, GLM_MAXIT).loglik(big_n))
}

/// Profile-likelihood interval for `N` (Rcapture `closedpCI.t`, Cormack 1992).
///
/// # Formula
/// With `N_P` the Poisson estimate of [`closedp`] and `ℓ` as in [`profile_loglik`] (here with
/// IRLS tolerance `1e-13`, up to 200 iterations): `N_max` maximises `ℓ` on `[n, 1.5 N_P]`
/// (Brent), the cut-off is `ℓ(N_max) − χ²₁(level)/2`, and the limits are the crossings on
/// `[n, N_max]` and `[N_max, 3 N_P]` (Brent–Dekker), searched to `1e-9` in N. A crossing
/// without a sign change is flagged (`lower_at_observed`, `upper_beyond`) and its limit is
/// `None`.
///
/// # Errors
/// [`Error::InvalidOption`] for an invalid level, for Mb and Mbh (not offered by
/// `closedpCI.t`) or for a heterogeneity model with fewer than 3 lists;
/// [`Error::Undefined`] if the Poisson fit fails or its design is not of full rank
/// (Rcapture then computes no interval).
///
/// # References
/// Cormack (1992), Biometrics 48; Baillargeon & Rivest (2007), J. Stat. Softw. 19(5).
pub fn closedp_profile(
    table: &CaptureTable,
    model: RcaptureModel,
    level: f64,
) -> Result<RcaptureProfile> {
    let level = Level::new(level)?;
    check_model(table, model)?;
    check_profile_model(model)?;
    let fit = closedp(table, model)?;
    if fit.coefficients.iter().any(|c| c.1.is_nan()) {
        return Err(Error::Undefined {
            what: "profile-likelihood interval",
            reason: format!(
                "the design of {} is not of full rank (rank {} < {} coefficients)",
                model.name(),
                fit.rank,
                fit.coefficients.len()
            ),
        });
    }
    let n = table.observed() as f64;
    let np = fit.abundance;
    let mut pl = ProfileLik::new(table, model, PROFILE_EPSILON, PROFILE_MAXIT);
    let lim = profile_limits(|x| pl.loglik(x), n, np, FMAX_SUP_CL, level, PROFILE_TOL);
    Ok(RcaptureProfile {
        model,
        level: level.get(),
        poisson_abundance: np,
        abundance: lim.mle,
        lower: lim.lower,
        upper: lim.upper,
        lower_at_observed: lim.lower.is_none(),
        upper_beyond: lim.upper.is_none().then_some(lim.upper_end),
        max_loglik: lim.max_loglik,
        cutoff: lim.cutoff,
    })
}
