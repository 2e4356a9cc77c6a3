//! Dense-design Poisson IRLS replaying R's `glm.fit`, the `closedp.t` design matrices and the
//! Chao negative-eta rule.

use super::*;

/// Histories in Rcapture's row order: row `r = 1..2^t−1` is the history whose bits, list 1
/// most significant, read `2^t − r`; returned as bitmasks with list `i` at bit `i`.
pub(super) fn rcapture_histories(t: usize) -> Vec<u32> {
    let full = 1u32 << t;
    (1..full)
        .map(|r| {
            let v = full - r;
            (0..t).fold(0u32, |m, j| m | (((v >> (t - 1 - j)) & 1) << j))
        })
        .collect()
}

/// `first(h)`: 1-based index of the first list in `h` (0 for the empty history).
pub(super) fn first_list(h: u32) -> usize {
    if h == 0 {
        0
    } else {
        h.trailing_zeros() as usize + 1
    }
}

/// Names and columns (each evaluated on `hist`) of the model's full design, intercept first.
/// Every column except the intercept is 0 on the empty history.
pub(super) fn design(model: RcaptureModel, t: usize, hist: &[u32]) -> (Vec<String>, Vec<Vec<f64>>) {
    let k = |h: u32| h.count_ones() as f64;
    let mut names = vec!["Intercept".to_string()];
    let mut cols: Vec<Vec<f64>> = vec![vec![1.0; hist.len()]];
    let mut push = |name: String, f: &dyn Fn(u32) -> f64| {
        names.push(name);
        cols.push(hist.iter().map(|&h| f(h)).collect());
    };
    use RcaptureModel::*;
    match model {
        Mb => {
            push("beta1".into(), &|h| first_list(h).saturating_sub(1) as f64);
            push("beta2".into(), &|h| (k(h) - 1.0).max(0.0));
        }
        Mbh => {
            push("eta".into(), &|h| {
                if h == 0 {
                    0.0
                } else {
                    1.0 - (h & 1) as f64
                }
            });
            push("beta1".into(), &|h| first_list(h).saturating_sub(1) as f64);
            push("beta2".into(), &|h| (k(h) - 1.0).max(0.0));
        }
        _ => {
            if model.has_list_effects() {
                for j in 0..t {
                    push(format!("beta{}", j + 1), &|h| ((h >> j) & 1) as f64);
                }
            } else {
                push("beta".into(), &k);
            }
            match model {
                MhChao | MthChao => {
                    for j in 3..=t {
                        push(format!("eta{j}"), &|h| (k(h) - j as f64 + 1.0).max(0.0));
                    }
                }
                MhPoisson2 | MthPoisson2 => push("tau".into(), &|h| 2f64.powf(k(h)) - 1.0),
                MhDarroch | MthDarroch => push("tau".into(), &|h| k(h) * k(h) / 2.0),
                MhGamma35 | MthGamma35 => push("tau".into(), &|h| 3.5f64.ln() - (3.5 + k(h)).ln()),
                _ => {}
            }
        }
    }
    (names, cols)
}

/// Result of one Householder QR least-squares solve.
pub(super) struct Qr {
    /// `pivot[j]` = original index of the column in position `j`.
    pub(super) pivot: Vec<usize>,
    pub(super) rank: usize,
    /// Upper-triangular factor of the first `rank` pivoted columns, `r[i][j]` for `i ≤ j`.
    pub(super) r: Vec<Vec<f64>>,
    /// Least-squares coefficients in pivoted order (0 beyond `rank`, as LINPACK's `dqrls`).
    pub(super) coef: Vec<f64>,
}

/// Least squares `min ||a β − b||` by Householder QR with LINPACK `dqrdc2`'s limited column
/// pivoting: before column `l` is reduced, if the norm of its not-yet-reduced part is below
/// `tol` times its original norm it is moved to the end and declared linearly dependent.
/// `a` holds the columns (each of length `n`).
pub(super) fn qr_least_squares(mut a: Vec<Vec<f64>>, mut b: Vec<f64>, tol: f64) -> Qr {
    let p = a.len();
    let n = b.len();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let mut orig: Vec<f64> = a
        .iter()
        .map(|c| {
            let s = norm(c);
            if s == 0.0 {
                1.0
            } else {
                s
            }
        })
        .collect();
    let mut pivot: Vec<usize> = (0..p).collect();
    let mut k = p; // columns not (yet) declared dependent
    let mut l = 0;
    while l < k.min(n) {
        while l < k && norm(&a[l][l..]) < tol * orig[l] {
            let col = a.remove(l);
            a.push(col);
            let o = orig.remove(l);
            orig.push(o);
            let pv = pivot.remove(l);
            pivot.push(pv);
            k -= 1;
        }
        if l >= k {
            break;
        }
        // Householder reflection zeroing a[l][l+1..].
        let s = norm(&a[l][l..]);
        if s > 0.0 {
            let alpha = if a[l][l] >= 0.0 { -s } else { s };
            let mut v: Vec<f64> = a[l][l..].to_vec();
            v[0] -= alpha;
            let vv: f64 = v.iter().map(|x| x * x).sum();
            if vv > 0.0 {
                let apply = |col: &mut [f64]| {
                    let d: f64 = v.iter().zip(col.iter()).map(|(x, y)| x * y).sum();
                    let f = 2.0 * d / vv;
                    for (c, x) in col.iter_mut().zip(&v) {
                        *c -= f * x;
                    }
                };
                for col in a.iter_mut().skip(l + 1) {
                    apply(&mut col[l..]);
                }
                apply(&mut b[l..]);
                a[l][l] = alpha;
                for x in a[l][l + 1..].iter_mut() {
                    *x = 0.0;
                }
            }
        }
        l += 1;
    }
    let rank = k.min(n);
    let r: Vec<Vec<f64>> = (0..rank)
        .map(|i| {
            (0..rank)
                .map(|j| if j >= i { a[j][i] } else { 0.0 })
                .collect()
        })
        .collect();
    let mut coef = vec![0.0; p];
    for i in (0..rank).rev() {
        let mut s = b[i];
        for j in i + 1..rank {
            s -= r[i][j] * coef[j];
        }
        coef[i] = s / r[i][i];
    }
    Qr {
        pivot,
        rank,
        r,
        coef,
    }
}

/// A Poisson GLM fitted by [`glm_poisson`].
#[derive(Debug, Clone)]
pub(super) struct Glm {
    /// Coefficients in design order; `NaN` for aliased columns.
    pub(super) coef: Vec<f64>,
    /// Covariance `(X'WX)⁻¹` (row-major `p × p`), `NaN` in rows/columns of aliased columns.
    pub(super) cov: Vec<f64>,
    pub(super) mu: Vec<f64>,
    pub(super) deviance: f64,
    pub(super) rank: usize,
    pub(super) converged: bool,
    pub(super) iterations: usize,
    pub(super) warnings: Vec<String>,
}

pub(super) fn poisson_deviance(y: &[f64], mu: &[f64]) -> f64 {
    y.iter()
        .zip(mu)
        .map(|(&y, &m)| {
            if y > 0.0 {
                2.0 * (y * (y / m).ln() - (y - m))
            } else {
                2.0 * m
            }
        })
        .sum()
}

pub(super) fn linear_predictor(x: &[Vec<f64>], beta: &[f64], n: usize) -> Vec<f64> {
    let mut eta = vec![0.0; n];
    for (col, &b) in x.iter().zip(beta) {
        if b != 0.0 {
            for (e, &v) in eta.iter_mut().zip(col) {
                *e += v * b;
            }
        }
    }
    eta
}

/// Poisson GLM with log link fitted as R's `glm.fit` does (see the module docs). `x` holds the
/// design columns. An `Err` carries R's error text (no valid start, step halving failed).
pub(super) fn glm_poisson(
    x: &[Vec<f64>],
    y: &[f64],
    epsilon: f64,
    maxit: usize,
) -> std::result::Result<Glm, String> {
    let n = y.len();
    let p = x.len();
    let tol = 1e-7f64.min(epsilon / 1000.0);
    let inv_link = |eta: &[f64]| -> Vec<f64> { eta.iter().map(|e| e.exp().max(DBL_EPS)).collect() };
    let mut eta: Vec<f64> = y.iter().map(|&v| (v + 0.1).ln()).collect();
    let mut mu = inv_link(&eta);
    let mut devold = poisson_deviance(y, &mu);
    let mut dev = devold;
    let mut coefold: Option<Vec<f64>> = None;
    let mut start = vec![0.0; p];
    let mut last_qr: Option<Qr> = None;
    let mut converged = false;
    let mut boundary = false;
    let mut iterations = 0;
    let mut warnings = Vec::new();
    for iter in 1..=maxit {
        iterations = iter;
        let mut a = vec![vec![0.0; n]; p];
        let mut b = vec![0.0; n];
        for i in 0..n {
            let mu_eta = eta[i].exp().max(DBL_EPS);
            let z = eta[i] + (y[i] - mu[i]) / mu_eta;
            let w = (mu_eta * mu_eta / mu[i]).sqrt();
            b[i] = z * w;
            for j in 0..p {
                a[j][i] = x[j][i] * w;
            }
        }
        let qr = qr_least_squares(a, b, tol);
        if qr.coef.iter().any(|c| !c.is_finite()) {
            warnings.push(format!(
                "glm.fit: non-finite coefficients at iteration {iter}"
            ));
            converged = false;
            break;
        }
        for (j, &orig) in qr.pivot.iter().enumerate() {
            start[orig] = qr.coef[j];
        }
        eta = linear_predictor(x, &start, n);
        mu = inv_link(&eta);
        dev = poisson_deviance(y, &mu);
        boundary = false;
        let valid = |dev: f64, mu: &[f64]| dev.is_finite() && mu.iter().all(|m| m.is_finite());
        if !valid(dev, &mu) {
            let Some(old) = &coefold else {
                return Err(
                    "no valid set of coefficients has been found: please supply starting values"
                        .into(),
                );
            };
            let mut ii = 1;
            while !valid(dev, &mu) {
                if ii > maxit {
                    return Err("inner loop 1; cannot correct step size".into());
                }
                ii += 1;
                for (s, o) in start.iter_mut().zip(old) {
                    *s = (*s + o) / 2.0;
                }
                eta = linear_predictor(x, &start, n);
                mu = inv_link(&eta);
                dev = poisson_deviance(y, &mu);
            }
            boundary = true;
        }
        last_qr = Some(qr);
        if (dev - devold).abs() / (dev.abs() + 0.1) < epsilon {
            converged = true;
            break;
        }
        devold = dev;
        coefold = Some(start.clone());
    }
    if !converged {
        warnings.push("glm.fit: algorithm did not converge".into());
    }
    if boundary {
        warnings.push("glm.fit: algorithm stopped at boundary value".into());
    }
    if mu.iter().any(|&m| m < 10.0 * DBL_EPS) {
        warnings.push("glm.fit: fitted rates numerically 0 occurred".into());
    }
    let mut coef = start;
    let mut cov = vec![f64::NAN; p * p];
    let mut rank = 0;
    if let Some(qr) = last_qr {
        rank = qr.rank;
        for &j in &qr.pivot[rank..] {
            coef[j] = f64::NAN;
        }
        // (R'R)⁻¹ = R⁻¹ R⁻ᵀ; R⁻¹ by back substitution, column by column.
        let r = &qr.r;
        let mut rinv = vec![vec![0.0; rank]; rank];
        for c in 0..rank {
            for i in (0..=c).rev() {
                let mut s = if i == c { 1.0 } else { 0.0 };
                for j in i + 1..=c {
                    s -= r[i][j] * rinv[j][c];
                }
                rinv[i][c] = s / r[i][i];
            }
        }
        for i in 0..rank {
            for j in 0..rank {
                let s: f64 = (i.max(j)..rank).map(|m| rinv[i][m] * rinv[j][m]).sum();
                cov[qr.pivot[i] * p + qr.pivot[j]] = s;
            }
        }
    } else {
        coef.iter_mut().for_each(|c| *c = f64::NAN);
    }
    Ok(Glm {
        coef,
        cov,
        mu,
        deviance: dev,
        rank,
        converged,
        iterations,
        warnings,
    })
}

/// A GLM fit after the Chao negative-eta rule.
pub(super) struct ChaoFit {
    pub(super) glm: Glm,
    /// Indices (into the full design) of the columns kept.
    pub(super) kept: Vec<usize>,
    pub(super) removed: Vec<String>,
    pub(super) warnings: Vec<String>,
}

/// Fit the design `cols` (names `names`); when `nca` is `Some`, apply the Chao rule: while a
/// coefficient after position `nca` is negative, drop the first such column and refit from
/// scratch. A failed refit stops the loop and keeps the previous fit (with a warning).
pub(super) fn fit_chao(
    names: &[String],
    cols: &[Vec<f64>],
    y: &[f64],
    nca: Option<usize>,
    epsilon: f64,
    maxit: usize,
) -> std::result::Result<ChaoFit, String> {
    let mut kept: Vec<usize> = (0..cols.len()).collect();
    let sub = |kept: &[usize]| kept.iter().map(|&j| cols[j].clone()).collect::<Vec<_>>();
    let mut glm = glm_poisson(&sub(&kept), y, epsilon, maxit)?;
    let mut warnings: Vec<String> = glm.warnings.iter().map(|w| format!("glm: {w}")).collect();
    let mut removed = Vec::new();
    if let Some(nca) = nca {
        while let Some(pos) =
            (nca..kept.len()).find(|&i| glm.coef[i].is_finite() && glm.coef[i] < 0.0)
        {
            let name = names[kept[pos]].clone();
            let mut trial = kept.clone();
            trial.remove(pos);
            match glm_poisson(&sub(&trial), y, epsilon, maxit) {
                Ok(g) => {
                    warnings.extend(
                        g.warnings
                            .iter()
                            .map(|w| format!("glm (after removing {name}): {w}")),
                    );
                    glm = g;
                    kept = trial;
                    removed.push(name);
                }
                Err(e) => {
                    warnings.push(format!(
                        "the negative eta parameter {name} was not removed: glm: {e}"
                    ));
                    break;
                }
            }
        }
    }
    Ok(ChaoFit {
        glm,
        kept,
        removed,
        warnings,
    })
}

/// Number of leading non-eta coefficients (intercept included) for the Chao rule.
pub(super) fn chao_nca(model: RcaptureModel, t: usize) -> Option<usize> {
    match model {
        RcaptureModel::MhChao => Some(2),
        RcaptureModel::MthChao => Some(t + 1),
        _ => None,
    }
}

/// Rcapture's `infoFit` code of a list of warnings (0 when there is none).
pub(super) fn info_code(warnings: &[String]) -> u32 {
    let mut codes: Vec<u32> = warnings
        .iter()
        .map(|w| {
            if w.contains("converge")
                || w.contains("the sigma estimate is non-positive")
                || w.contains("the asymptotic bias is large")
            {
                1
            } else if w.contains("design matrix not of full rank") {
                2
            } else if w.contains("multinomial estimation") {
                4
            } else if w.contains("lower bound") {
                5
            } else if w.contains("upper bound") {
                6
            } else {
                3
            }
        })
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes.iter().fold(0, |acc, &c| acc * 10 + c)
}
