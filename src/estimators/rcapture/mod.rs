//! Rcapture's closed-population models (`closedp.t`) and their profile-likelihood interval
//! (`closedpCI.t`), fitted as dense-design Poisson GLMs on the capture-history table.
//!
//! # Models
//! Every model is a Poisson log-linear model `log E[Y_h] = x_h'β` on the `2^t − 1`
//! capture histories `h` (unobserved histories included as zero counts). With `k(h)` the
//! number of lists in `h`, `c_j(h)` the indicator of list `j` and `first(h)` the index of the
//! first list in `h`, the columns after the intercept are
//!
//! | model | columns |
//! |---|---|
//! | M0 | `beta = k` |
//! | Mt | `beta1..betat = c_1..c_t` |
//! | Mh Chao (LB) | `beta = k`, `eta_j = max(k − j + 1, 0)`, `j = 3..t` |
//! | Mh Poisson2 / Darroch / Gamma3.5 | `beta = k`, `tau = 2^k − 1` / `k²/2` / `log 3.5 − log(3.5 + k)` |
//! | Mth … | `beta1..betat`, then the eta / tau column(s) of the Mh version |
//! | Mb | `beta1 = first − 1`, `beta2 = k − 1` |
//! | Mbh | `eta = 1 − c_1`, `beta1 = first − 1`, `beta2 = k − 1` |
//!
//! For the Chao models a negative eta coefficient is removed (the first one, then refit,
//! until none is negative): this keeps `log μ` convex in `k`, Chao's lower-bound condition.
//!
//! # Formula
//! The fit is R's `glm.fit` IRLS replayed step by step (start `μ = y + 0.1`, stop when
//! `|D − D_old| / (|D| + 0.1) < 1e-8`, at most 25 iterations, `μ ≥ 2.22e-16`, step halving
//! on a non-finite deviance; weighted least squares by Householder QR with LINPACK's limited
//! column pivoting at relative tolerance `1e-11`; covariance `(X'WX)⁻¹` from the QR of the
//! last iteration). Then, with `b0` the intercept and `V` the covariance,
//!
//! ```text
//! N̂ = n + exp(b0),   SE = sqrt( exp(b0) + exp(2 b0) V_00 )
//! ```
//!
//! (the special formulas of Mb and Mbh are in [`closedp`]), `df = 2^t − 1 − rank`,
//! `AIC = −2 Σ log dpois(y_h; μ_h) + 2 rank`, `BIC = AIC + (log n − 2) rank` with `n` the
//! number of observed units.
//!
//! # References
//! * Baillargeon, S. & Rivest, L.-P. (2007). Rcapture: loglinear models for
//!   capture-recapture in R. *Journal of Statistical Software* 19(5).
//! * Rivest, L.-P. & Lévesque, T. (2001). Improved log-linear model estimators of abundance
//!   in capture-recapture experiments. *Canadian Journal of Statistics* 29, 555–572.
//! * Cormack, R. M. (1992). Interval estimation for mark-recapture studies of closed
//!   populations. *Biometrics* 48, 567–576.
//! * Chao, A. (1987). Estimating the population size for capture-recapture data with unequal
//!   catchability. *Biometrics* 43, 783–791.

mod estimator;
mod glm;
mod profile;

pub use estimator::Rcapture;
pub use profile::{closedp_profile, profile_loglik};

use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::loglinear::irls::log_factorial_sum;
use glm::{chao_nca, design, first_list, fit_chao, info_code, rcapture_histories};
use serde::Serialize;

/// R's `.Machine$double.eps`: the floor of the fitted means (R's log-link inverse).
const DBL_EPS: f64 = f64::EPSILON;
/// R `glm.control()` defaults.
const GLM_EPSILON: f64 = 1e-8;
const GLM_MAXIT: usize = 25;
/// IRLS settings inside the profile likelihood (those of the reference `CI_tight`).
const PROFILE_EPSILON: f64 = 1e-13;
const PROFILE_MAXIT: usize = 200;
/// Tolerance on N of the profile maximisation and root searches.
const PROFILE_TOL: f64 = 1e-9;
/// Rcapture's `fmaxSupCL`: the upper limit is searched up to this multiple of the Poisson N̂.
const FMAX_SUP_CL: f64 = 3.0;

/// The twelve models of Rcapture's `closedp.t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RcaptureModel {
    /// Equal capture probabilities: `log μ_h = b0 + beta k(h)`.
    M0,
    /// Time (list) effects: one indicator per list.
    Mt,
    /// Heterogeneity, Chao's lower bound: piecewise-linear in `k`, convex.
    MhChao,
    /// Heterogeneity, Poisson mixture with θ = 2: `tau = 2^k − 1`.
    MhPoisson2,
    /// Heterogeneity, Darroch's quadratic: `tau = k²/2`.
    MhDarroch,
    /// Heterogeneity, Gamma mixture with θ = 3.5: `tau = log 3.5 − log(3.5 + k)`.
    MhGamma35,
    /// List effects plus Chao's heterogeneity columns.
    MthChao,
    /// List effects plus the Poisson2 heterogeneity column.
    MthPoisson2,
    /// List effects plus Darroch's heterogeneity column.
    MthDarroch,
    /// List effects plus the Gamma3.5 heterogeneity column.
    MthGamma35,
    /// Behavioural response: first capture versus recapture.
    Mb,
    /// Behavioural response with heterogeneity (removal-type model of the first list).
    Mbh,
}

impl RcaptureModel {
    /// All twelve models in `closedp.t`'s order.
    pub const ALL: [RcaptureModel; 12] = [
        RcaptureModel::M0,
        RcaptureModel::Mt,
        RcaptureModel::MhChao,
        RcaptureModel::MhPoisson2,
        RcaptureModel::MhDarroch,
        RcaptureModel::MhGamma35,
        RcaptureModel::MthChao,
        RcaptureModel::MthPoisson2,
        RcaptureModel::MthDarroch,
        RcaptureModel::MthGamma35,
        RcaptureModel::Mb,
        RcaptureModel::Mbh,
    ];

    /// Rcapture's label of the model (the row names of `closedp.t`'s results table).
    pub fn name(self) -> &'static str {
        match self {
            RcaptureModel::M0 => "M0",
            RcaptureModel::Mt => "Mt",
            RcaptureModel::MhChao => "Mh Chao (LB)",
            RcaptureModel::MhPoisson2 => "Mh Poisson2",
            RcaptureModel::MhDarroch => "Mh Darroch",
            RcaptureModel::MhGamma35 => "Mh Gamma3.5",
            RcaptureModel::MthChao => "Mth Chao (LB)",
            RcaptureModel::MthPoisson2 => "Mth Poisson2",
            RcaptureModel::MthDarroch => "Mth Darroch",
            RcaptureModel::MthGamma35 => "Mth Gamma3.5",
            RcaptureModel::Mb => "Mb",
            RcaptureModel::Mbh => "Mbh",
        }
    }

    /// The model's name on the command line and in reports (`m0`, `mh-chao`, `mth-gamma`).
    pub fn id(self) -> &'static str {
        match self {
            RcaptureModel::M0 => "m0",
            RcaptureModel::Mt => "mt",
            RcaptureModel::MhChao => "mh-chao",
            RcaptureModel::MhPoisson2 => "mh-poisson",
            RcaptureModel::MhDarroch => "mh-darroch",
            RcaptureModel::MhGamma35 => "mh-gamma",
            RcaptureModel::MthChao => "mth-chao",
            RcaptureModel::MthPoisson2 => "mth-poisson",
            RcaptureModel::MthDarroch => "mth-darroch",
            RcaptureModel::MthGamma35 => "mth-gamma",
            RcaptureModel::Mb => "mb",
            RcaptureModel::Mbh => "mbh",
        }
    }

    /// The model with the given [`RcaptureModel::id`].
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.id() == id)
    }

    fn has_list_effects(self) -> bool {
        matches!(
            self,
            RcaptureModel::Mt
                | RcaptureModel::MthChao
                | RcaptureModel::MthPoisson2
                | RcaptureModel::MthDarroch
                | RcaptureModel::MthGamma35
        )
    }

    fn is_behavioural(self) -> bool {
        matches!(self, RcaptureModel::Mb | RcaptureModel::Mbh)
    }
}

impl std::fmt::Display for RcaptureModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One fitted `closedp.t` model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RcaptureFit {
    /// The model.
    pub model: RcaptureModel,
    /// `(name, estimate, standard error)` in design order, starting with `Intercept`. Eta
    /// columns removed by the Chao rule are absent; aliased coefficients are `NaN`.
    pub coefficients: Vec<(String, f64, f64)>,
    /// Estimated population size `N̂` (may be negative for Mb, reported as it comes).
    pub abundance: f64,
    /// Standard error of `N̂` (`NaN` when the variance formula is negative or undefined).
    pub stderr: f64,
    /// Poisson deviance over the `2^t − 1` histories.
    pub deviance: f64,
    /// `2^t − 1 − rank`.
    pub df: i64,
    /// `−2 Σ log dpois(y_h; μ_h) + 2 rank`.
    pub aic: f64,
    /// `AIC + (log n − 2) rank`, `n` = number of observed units.
    pub bic: f64,
    /// Rank of the final design (as found by the pivoted QR).
    pub rank: usize,
    /// R's IRLS convergence criterion was met.
    pub converged: bool,
    /// IRLS iterations of the final fit.
    pub iterations: usize,
    /// Chao models: the eta columns removed because their coefficient was negative, in
    /// removal order.
    pub neg_eta_removed: Vec<String>,
    /// Asymptotic bias `½ exp(b0) [V (e_1 − Σ_h μ_h q_h x_h)]_1` with `q_h = x_h'V x_h`
    /// (`NaN` if a coefficient is aliased).
    pub bias: f64,
    /// Fitted means indexed by bitmask (length `2^t`); entry 0 is the estimated number of
    /// unobserved units `N̂ − n`, which is `exp(b0)` except for Mb and Mbh.
    pub fitted: Vec<f64>,
    /// Capture-probability parameters as in Rcapture: `("N", N̂)` then `p`, `p1..pt`, `c`.
    pub parameters: Vec<(String, f64)>,
    /// Warnings in the spirit of Rcapture's (non-convergence, rank deficiency, large bias,
    /// fitted rates numerically 0, failed Chao refits).
    pub warnings: Vec<String>,
    /// Rcapture's `infoFit` code built from `warnings` (0 = no warning).
    pub info_fit: u32,
}

impl RcaptureFit {
    /// Estimate and standard error of a coefficient by name.
    pub fn coefficient(&self, name: &str) -> Option<(f64, f64)> {
        self.coefficients
            .iter()
            .find(|c| c.0 == name)
            .map(|c| (c.1, c.2))
    }
}

/// Profile-likelihood interval of `closedpCI.t` for one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RcaptureProfile {
    /// The model.
    pub model: RcaptureModel,
    /// Coverage level.
    pub level: f64,
    /// The Poisson estimate `N_P` of [`closedp`] (sets the search ranges).
    pub poisson_abundance: f64,
    /// Maximiser of the profile likelihood: the multinomial (conditional) MLE of N,
    /// Rcapture's `CI$abundance`.
    pub abundance: f64,
    /// Lower limit; `None` when the profile stays above the cut-off down to `n`
    /// (Rcapture then reports `n`), see `lower_at_observed`.
    pub lower: Option<f64>,
    /// Upper limit; `None` when it lies beyond `3 N_P` (see `upper_beyond`).
    pub upper: Option<f64>,
    /// The lower limit was not found in `[n, N_max]`.
    pub lower_at_observed: bool,
    /// `Some(3 N_P)` when the upper limit was not found in `[N_max, 3 N_P]` (Rcapture
    /// prints `">" + round(3 N_P, 1)`).
    pub upper_beyond: Option<f64>,
    /// Profile log-likelihood at the maximum.
    pub max_loglik: f64,
    /// The cut-off `max_loglik − χ²₁(level)/2`.
    pub cutoff: f64,
}

fn check_model(table: &CaptureTable, model: RcaptureModel) -> Result<()> {
    let t = table.lists();
    if t < 3
        && !matches!(
            model,
            RcaptureModel::M0 | RcaptureModel::Mt | RcaptureModel::Mb
        )
    {
        return Err(Error::InvalidOption {
            name: "model",
            value: model.name().into(),
            problem: format!(
                "with {t} lists only M0, Mt and Mb can be fitted (Rcapture closedp.t); the heterogeneity models need at least 3 lists"
            ),
        });
    }
    Ok(())
}

/// Fit one of Rcapture's `closedp.t` models to `table`.
///
/// # Formula
/// The model (see the [module docs](self)) is fitted by R's IRLS on all `2^t − 1` histories.
/// For every model but Mb and Mbh, `N̂ = n + exp(b0)` and
/// `SE = sqrt(exp(b0) + exp(2 b0) V_00)` (delta method plus a Poisson term for the unseen
/// count; Rivest & Lévesque 2001).
///
/// * Mb (`b0, b1, b2`): `N̂ = e^{b0} (1 + e^{b2})^t / (1 + e^{b2} − e^{b1})`,
///   `v = N̂ (1, e^{b1}/D, t e^{b2}/(1 + e^{b2}) − e^{b2}/D)` with `D = 1 + e^{b2} − e^{b1}`,
///   `SE = sqrt(v'Vv − N̂)`.
/// * Mbh (`b0, b1 = eta, b2, b3`): with `D = 1 + e^{b3} − e^{b2}`, `G = e^{b1+b2}` and
///   `A = e^{b0} (1 + e^{b3})^{t−1}`, `N̂ = A (1 + G/D)`,
///   `v = A (1 + G/D, G/D, G/D + e^{b1+2b2}/D², (t−1) e^{b3}/(1 + e^{b3}) − G e^{b3}/D²)`,
///   `SE = sqrt(v'Vv − N̂)`.
///
/// A rank-deficient design is reported (warning `design matrix not of full rank`, `rank`
/// below the number of coefficients, aliased coefficients `NaN`), not rejected.
///
/// # Errors
/// [`Error::InvalidOption`] for a heterogeneity or Mbh model with fewer than 3 lists;
/// [`Error::Undefined`] when R's IRLS itself fails (no valid start or step halving failed).
///
/// # Example
/// ```
/// use darkfigure::datasets;
/// use darkfigure::estimators::rcapture::{closedp, RcaptureModel};
/// let fit = closedp(&datasets::rcapture_lesbian(), RcaptureModel::MhChao).unwrap();
/// // No eta is negative: Chao's bound n + f1² (t − 1) / (2 t f2) with f1 = 1612, f2 = 436.
/// let chao = 2185.0 + 1612.0_f64.powi(2) * 3.0 / (8.0 * 436.0);
/// assert!((fit.abundance - chao).abs() < 1e-6 * chao);
/// ```
///
/// # References
/// Baillargeon & Rivest (2007), J. Stat. Softw. 19(5); Rivest & Lévesque (2001).
pub fn closedp(table: &CaptureTable, model: RcaptureModel) -> Result<RcaptureFit> {
    check_model(table, model)?;
    let t = table.lists();
    let hist = rcapture_histories(t);
    let y: Vec<f64> = hist.iter().map(|&h| table.count(h) as f64).collect();
    let n = table.observed() as f64;
    let (names, cols) = design(model, t, &hist);
    let cf = fit_chao(
        &names,
        &cols,
        &y,
        chao_nca(model, t),
        GLM_EPSILON,
        GLM_MAXIT,
    )
    .map_err(|e| Error::Undefined {
        what: "Rcapture model fit",
        reason: format!("{}: glm: {e}", model.name()),
    })?;
    let glm = &cf.glm;
    let mut warnings = cf.warnings.clone();
    let p = cf.kept.len();
    let x: Vec<&Vec<f64>> = cf.kept.iter().map(|&j| &cols[j]).collect();
    let b = &glm.coef;
    let v = |i: usize, j: usize| glm.cov[i * p + j];
    if b.iter().any(|c| c.is_nan()) {
        let mut w = "design matrix not of full rank".to_string();
        if hist.len() < p + 1 {
            w.push_str(" (fewer rows than columns)");
        }
        warnings.push(w);
    }
    let quad = |g: &[f64]| -> f64 {
        let mut s = 0.0;
        for i in 0..p {
            for j in 0..p {
                s += g[i] * v(i, j) * g[j];
            }
        }
        s
    };
    let tf = t as f64;
    let (abundance, stderr) = match model {
        RcaptureModel::Mb => {
            let (e1, e2) = (b[1].exp(), b[2].exp());
            let d = 1.0 + e2 - e1;
            let nn = b[0].exp() * (1.0 + e2).powf(tf) / d;
            let g = [nn, nn * e1 / d, nn * (tf * e2 / (1.0 + e2) - e2 / d)];
            (nn, (quad(&g) - nn).sqrt())
        }
        RcaptureModel::Mbh => {
            let e3 = b[3].exp();
            let d = 1.0 + e3 - b[2].exp();
            let gg = (b[1] + b[2]).exp();
            let a = b[0].exp() * (1.0 + e3).powf(tf - 1.0);
            let nn = a * (1.0 + gg / d);
            let g = [
                a * (1.0 + gg / d),
                a * gg / d,
                a * (gg / d + (b[1] + 2.0 * b[2]).exp() / (d * d)),
                a * ((tf - 1.0) * e3 / (1.0 + e3) - gg * e3 / (d * d)),
            ];
            (nn, (quad(&g) - nn).sqrt())
        }
        _ => {
            let m0 = b[0].exp();
            (n + m0, (m0 + m0 * m0 * v(0, 0)).sqrt())
        }
    };
    // Asymptotic bias.
    let bias = if b.iter().any(|c| c.is_nan()) {
        f64::NAN
    } else {
        let mut s = vec![0.0; p];
        let mut xh = vec![0.0; p];
        for (h, &mu) in glm.mu.iter().enumerate() {
            for j in 0..p {
                xh[j] = x[j][h];
            }
            let q = quad(&xh);
            for j in 0..p {
                s[j] += mu * q * xh[j];
            }
        }
        let g: Vec<f64> = (0..p)
            .map(|j| if j == 0 { 1.0 - s[0] } else { -s[j] })
            .collect();
        let vg0: f64 = (0..p).map(|j| v(0, j) * g[j]).sum();
        0.5 * b[0].exp() * vg0
    };
    if bias.abs() > 0.1 * abundance {
        warnings.push("the asymptotic bias is large".into());
    }
    let rank = glm.rank;
    let loglik: f64 = glm
        .mu
        .iter()
        .zip(&y)
        .map(|(&m, &y)| if y > 0.0 { y * m.ln() - m } else { -m })
        .sum::<f64>()
        - log_factorial_sum(table.counts());
    let aic = -2.0 * loglik + 2.0 * rank as f64;
    let bic = aic + (n.ln() - 2.0) * rank as f64;
    let mut fitted = vec![0.0; 1 << t];
    for (&h, &m) in hist.iter().zip(&glm.mu) {
        fitted[h as usize] = m;
    }
    fitted[0] = abundance - n;
    let coefficients = cf
        .kept
        .iter()
        .enumerate()
        .map(|(i, &j)| (names[j].clone(), b[i], v(i, i).sqrt()))
        .collect();
    let parameters = capture_parameters(model, table, &fitted, abundance, b);
    let info_fit = info_code(&warnings);
    Ok(RcaptureFit {
        model,
        coefficients,
        abundance,
        stderr,
        deviance: glm.deviance,
        df: hist.len() as i64 - rank as i64,
        aic,
        bic,
        rank,
        converged: glm.converged,
        iterations: glm.iterations,
        neg_eta_removed: cf.removed,
        bias,
        fitted,
        parameters,
        warnings,
        info_fit,
    })
}

/// Rcapture's capture-probability parameters (`N` first).
fn capture_parameters(
    model: RcaptureModel,
    table: &CaptureTable,
    fitted: &[f64],
    big_n: f64,
    b: &[f64],
) -> Vec<(String, f64)> {
    let t = table.lists();
    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
    let mut out = vec![("N".to_string(), big_n)];
    let by_first = |i: usize| -> f64 {
        (1..fitted.len())
            .filter(|&h| first_list(h as u32) == i)
            .map(|h| fitted[h])
            .sum()
    };
    match model {
        RcaptureModel::M0 => out.push(("p".into(), expit(b[1]))),
        RcaptureModel::Mt => {
            for j in 1..=t {
                out.push((format!("p{j}"), expit(b[j])));
            }
        }
        RcaptureModel::Mb => {
            out.push(("p".into(), 1.0 - b[1].exp() / (1.0 + b[2].exp())));
            out.push(("c".into(), expit(b[2])));
        }
        RcaptureModel::Mbh => {
            let p = by_first(1) / big_n;
            let all = fitted[(1usize << t) - 1];
            out.push(("p".into(), p));
            out.push(("c".into(), (all / (big_n * p)).powf(1.0 / (t as f64 - 1.0))));
        }
        _ if model.has_list_effects() => {
            let mut seen = 0.0;
            for i in 1..=t {
                let u = by_first(i);
                out.push((format!("p{i}"), u / (big_n - seen)));
                seen += u;
            }
        }
        _ => {
            // Mh models: the mean capture probability from the observed f_k.
            let captures: f64 = table
                .counts()
                .iter()
                .enumerate()
                .map(|(h, &c)| (h as u32).count_ones() as f64 * c as f64)
                .sum();
            out.push(("p".into(), captures / (t as f64 * big_n)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::glm::{glm_poisson, qr_least_squares};
    use super::*;
    use crate::data::datasets;
    use crate::loglinear::profile::cormack;

    #[test]
    fn histories_follow_rcapture_order() {
        // t = 3: 111, 110, 101, 100, 011, 010, 001 with list 1 the leftmost digit.
        assert_eq!(rcapture_histories(3), vec![7, 3, 5, 1, 6, 2, 4]);
        assert_eq!(first_list(6), 2);
        assert_eq!(first_list(1), 1);
    }

    #[test]
    fn design_columns() {
        let hist = [0u32, 1, 3, 7, 6, 4];
        let (names, cols) = design(RcaptureModel::MthChao, 4, &hist);
        assert_eq!(
            names,
            [
                "Intercept",
                "beta1",
                "beta2",
                "beta3",
                "beta4",
                "eta3",
                "eta4"
            ]
        );
        assert_eq!(cols[5], vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        assert_eq!(cols[6], vec![0.0; 6]);
        let (names, cols) = design(RcaptureModel::Mbh, 3, &hist);
        assert_eq!(names, ["Intercept", "eta", "beta1", "beta2"]);
        assert_eq!(cols[1], vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0]);
        assert_eq!(cols[2], vec![0.0, 0.0, 0.0, 0.0, 1.0, 2.0]);
        assert_eq!(cols[3], vec![0.0, 0.0, 1.0, 2.0, 1.0, 0.0]);
        let (_, cols) = design(RcaptureModel::MhGamma35, 3, &hist);
        assert_eq!(cols[2][0], 0.0);
        assert!((cols[2][3] - (3.5f64 / 6.5).ln()).abs() < 1e-15);
    }

    #[test]
    fn qr_detects_dependent_columns() {
        let c0 = vec![1.0, 1.0, 1.0, 1.0];
        let c1 = vec![0.0, 1.0, 2.0, 3.0];
        let c2: Vec<f64> = c0.iter().zip(&c1).map(|(a, b)| 2.0 * a - b).collect();
        let c3 = vec![0.0, 1.0, 4.0, 9.0];
        let y = vec![1.0, 2.0, 5.0, 10.0];
        let qr = qr_least_squares(vec![c0, c1, c2, c3], y, 1e-11);
        assert_eq!(qr.rank, 3);
        assert_eq!(qr.pivot, vec![0, 1, 3, 2]);
        // y = 1 + 0·x + 1·x²
        assert!((qr.coef[0] - 1.0).abs() < 1e-12);
        assert!(qr.coef[1].abs() < 1e-12);
        assert!((qr.coef[2] - 1.0).abs() < 1e-12);
        assert_eq!(qr.coef[3], 0.0);
    }

    #[test]
    fn aliased_glm_coefficient_is_reported() {
        let x = vec![
            vec![1.0; 5],
            vec![0.0, 1.0, 2.0, 3.0, 4.0],
            vec![0.0, 2.0, 4.0, 6.0, 8.0],
        ];
        let y = [3.0, 5.0, 9.0, 14.0, 30.0];
        let g = glm_poisson(&x, &y, 1e-8, 25).unwrap();
        assert_eq!(g.rank, 2);
        assert!(g.coef[2].is_nan());
        assert!(g.cov[2 * 3 + 2].is_nan());
        assert!(g.converged);
        // Score equations of the reduced model: Σ (y − μ) = 0 and Σ x (y − μ) = 0.
        let r: Vec<f64> = y.iter().zip(&g.mu).map(|(a, b)| a - b).collect();
        assert!(r.iter().sum::<f64>().abs() < 1e-6);
        assert!(r.iter().zip(&x[1]).map(|(a, b)| a * b).sum::<f64>().abs() < 1e-6);
    }

    #[test]
    fn chao_closed_form_when_no_eta_is_removed() {
        // Rcapture lesbian data (t = 4): f1 = 1612, f2 = 436; with both etas kept the model
        // is saturated in k and μ0 = f1² (t − 1) / (2 t f2).
        let fit = closedp(&datasets::rcapture_lesbian(), RcaptureModel::MhChao).unwrap();
        assert!(fit.neg_eta_removed.is_empty());
        let want = 2185.0 + 1612.0f64.powi(2) * 3.0 / (8.0 * 436.0);
        assert!((fit.abundance - want).abs() < 1e-6 * want);
        assert_eq!(fit.df, 15 - 4);
        assert_eq!(fit.info_fit, 0);
    }

    #[test]
    fn info_codes() {
        assert_eq!(info_code(&[]), 0);
        let w = |s: &str| s.to_string();
        assert_eq!(
            info_code(&[
                w("glm: fitted rates numerically 0 occurred"),
                w("the asymptotic bias is large")
            ]),
            13
        );
        assert_eq!(
            info_code(&[
                w("the CI upper bound is larger"),
                w("the CI lower bound is set to n")
            ]),
            56
        );
    }

    #[test]
    fn profile_rejects_behavioural_models_and_bad_levels() {
        let uk = datasets::artificial_3();
        assert!(closedp_profile(&uk, RcaptureModel::Mb, 0.95).is_err());
        assert!(closedp_profile(&uk, RcaptureModel::M0, 1.5).is_err());
        assert!(profile_loglik(&uk, RcaptureModel::M0, 10.0).is_err());
    }

    #[test]
    fn cormack_branches_agree_near_100() {
        // Stirling's form and the exact Gamma form agree closely for moderate n0.
        let a = cormack(100.0, 40.0);
        let b = cormack(100.0 + 1e-9, 40.0 + 1e-9);
        assert!((a - b).abs() < 1e-2, "{a} {b}");
    }
}
