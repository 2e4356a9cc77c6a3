//! From a design to a [`Fit`]: aliasing, the extended MLE, identification and existence
//! ([`super::existence`]), IRLS ([`super::fit`]), and the report with its totals.

use super::design::Design;
use super::existence::{
    dependencies, fr_lp, in_cone, zero_margin_columns, CERTIFICATE_ITERATIONS, CERTIFICATE_STEP,
    ESTIMABLE_TOL, LP_ZERO,
};
use super::fit::{irls, log_likelihood, Irls, Stop, MU_FLOOR};
use super::formula::Terms;
use super::table::CovariateTable;
use super::{
    Coefficient, CoefficientStatus, ExistenceReport, Fit, FitOptions, GroupTotal, Pairs, Status,
    Totals,
};
use crate::error::{Error, Result};

/// The structure of a model on a table after aliasing and the `−∞` columns.
pub(crate) struct Reduced {
    /// Rows (observable cells) kept.
    pub rows: Vec<usize>,
    /// Columns estimated, in order.
    pub kept: Vec<usize>,
    /// Columns aliased on all cells.
    pub aliased: Vec<usize>,
    /// Columns aliased only on the kept cells.
    pub aliased_late: Vec<usize>,
    /// Columns fixed at `−∞`.
    pub infinite: Vec<usize>,
}

pub(crate) fn reduce(design: &Design, y: &[f64], extended: bool) -> Reduced {
    let n = design.n_rows;
    let all: Vec<usize> = (0..n).collect();
    let cols: Vec<usize> = (0..design.p()).collect();
    let (kept0, aliased) = design.alias(&all, &cols);
    if !extended {
        return Reduced {
            rows: all,
            kept: kept0,
            aliased,
            aliased_late: Vec::new(),
            infinite: Vec::new(),
        };
    }
    let infinite = zero_margin_columns(&design.x, n, y, &kept0);
    if infinite.is_empty() {
        return Reduced {
            rows: all,
            kept: kept0,
            aliased,
            aliased_late: Vec::new(),
            infinite,
        };
    }
    let rows: Vec<usize> = (0..n)
        .filter(|&i| infinite.iter().all(|&j| design.x[j * n + i] == 0.0))
        .collect();
    let rest: Vec<usize> = kept0
        .into_iter()
        .filter(|j| !infinite.contains(j))
        .collect();
    let (kept, aliased_late) = design.alias(&rows, &rest);
    Reduced {
        rows,
        kept,
        aliased,
        aliased_late,
        infinite,
    }
}

/// Which unobserved cells have mean 0 (a `−∞` column), after checking that every
/// unobserved cell's dark figure is identified (module docs of [`super::existence`]).
fn identify(design: &Design, r: &Reduced, model: &str) -> Result<Vec<bool>> {
    let nu = design.n_unobserved;
    let not_identified = || Error::NotIdentifiable {
        model: model.to_string(),
        code: 2,
        rank: r.kept.len(),
        parameters: r.kept.len() + r.aliased.len() + r.aliased_late.len() + r.infinite.len(),
    };
    let dependent: Vec<usize> = r.aliased.iter().chain(&r.aliased_late).copied().collect();
    if !dependent.is_empty() {
        let xk = design.sub(&r.rows, &r.kept);
        let xd = design.sub(&r.rows, &dependent);
        let c = dependencies(&xk, &xd, r.rows.len(), r.kept.len(), dependent.len());
        for u in 0..nu {
            for (d, &j) in dependent.iter().enumerate() {
                let (mut pred, mut scale) = (0.0, 1.0);
                for (k, &jk) in r.kept.iter().enumerate() {
                    let t = c[d][k] * design.ucol(jk)[u];
                    pred += t;
                    scale += t.abs();
                }
                if (design.ucol(j)[u] - pred).abs() > ESTIMABLE_TOL * scale {
                    return Err(not_identified());
                }
            }
        }
    }
    let mut zero = vec![false; nu];
    if r.infinite.is_empty() {
        return Ok(zero);
    }
    let n = design.n_rows;
    let mut removed: Vec<Vec<f64>> = Vec::new();
    for i in 0..n {
        let row: Vec<f64> = r.infinite.iter().map(|&j| design.x[j * n + i]).collect();
        if row.iter().any(|&v| v != 0.0) && !removed.contains(&row) {
            removed.push(row);
        }
    }
    for (u, z) in zero.iter_mut().enumerate() {
        let target: Vec<f64> = r.infinite.iter().map(|&j| design.ucol(j)[u]).collect();
        if target.iter().any(|&v| v != 0.0) {
            if !in_cone(&target, &removed)? {
                return Err(not_identified());
            }
            *z = true;
        }
    }
    Ok(zero)
}

pub(crate) fn fit_design(
    table: &CovariateTable,
    terms: &Terms,
    design: &Design,
    opts: &FitOptions,
) -> Result<Fit> {
    let model = terms.formula();
    if let Pairs::These(v) = &opts.pairs {
        for (a, b) in v {
            for name in [a, b] {
                if !table.covariates().iter().any(|c| c.name == *name) {
                    return Err(Error::InvalidOption {
                        name: "pairs",
                        value: format!("{a}:{b}"),
                        problem: format!("'{name}' is not a covariate of the table"),
                    });
                }
            }
            if a == b {
                return Err(Error::InvalidOption {
                    name: "pairs",
                    value: format!("{a}:{b}"),
                    problem: "a pair needs two different covariates".into(),
                });
            }
        }
    }
    for name in &opts.ordered {
        if !table.covariates().iter().any(|c| c.name == *name) {
            return Err(Error::InvalidOption {
                name: "ordered",
                value: name.clone(),
                problem: "not a covariate of the table".into(),
            });
        }
    }
    let y_all: Vec<f64> = table.counts().iter().map(|&c| c as f64).collect();
    let r = reduce(design, &y_all, opts.extended_mle);
    let zero_u = if opts.check_existence {
        identify(design, &r, &model)?
    } else {
        (0..design.n_unobserved)
            .map(|u| r.infinite.iter().any(|&j| design.ucol(j)[u] != 0.0))
            .collect()
    };
    let (nf, pf) = (r.rows.len(), r.kept.len());
    let xf = design.sub(&r.rows, &r.kept);
    let yf: Vec<f64> = r.rows.iter().map(|&i| y_all[i]).collect();
    let not_converged = |iterations: usize, last_change: f64| Error::NotConverged {
        model: model.clone(),
        iterations,
        last_change,
    };
    let fit = irls(
        &xf,
        nf,
        pf,
        &yf,
        None,
        Stop::Deviance(opts.tolerance),
        opts.max_iterations,
    )
    .map_err(|_| not_converged(0, f64::NAN))?;
    let fit = if r.infinite.is_empty() {
        fit
    } else {
        // R's own fit of such a model keeps iterating while the −∞ coefficient drifts, so
        // its last step is taken at converged weights; here IRLS on the kept cells stops
        // after a few iterations, and the weights of its last step are not yet converged.
        // The covariance is taken from one more step, at the final μ.
        match irls(
            &xf,
            nf,
            pf,
            &yf,
            Some(&fit.beta),
            Stop::Step(f64::INFINITY),
            1,
        ) {
            Ok(extra) => Irls {
                pivoted: extra.pivoted,
                qr_kept: extra.qr_kept,
                cov: extra.cov,
                ..fit
            },
            Err(_) => fit,
        }
    };
    if !fit.converged && !opts.allow_non_convergence {
        return Err(not_converged(fit.iterations, fit.last_change));
    }
    let mut existence = ExistenceReport {
        checked: opts.check_existence,
        certified: false,
        lp_optimum: None,
        zero_unobserved: zero_u.iter().filter(|&&z| z).count(),
    };
    if opts.check_existence && yf.contains(&0.0) {
        let cont = irls(
            &xf,
            nf,
            pf,
            &yf,
            Some(&fit.beta),
            Stop::Step(CERTIFICATE_STEP),
            CERTIFICATE_ITERATIONS,
        );
        existence.certified = matches!(cont, Ok(ref c) if c.converged && c.pivoted.is_empty());
        if !existence.certified {
            let s = fr_lp(&xf, nf, pf, &yf)?;
            existence.lp_optimum = Some(s);
            if !(s > LP_ZERO) {
                return Err(Error::MleDoesNotExist {
                    model: model.clone(),
                    code: 1,
                });
            }
        }
    }
    Ok(assemble(
        table, terms, design, &r, &fit, &y_all, zero_u, existence, opts,
    ))
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    table: &CovariateTable,
    terms: &Terms,
    design: &Design,
    r: &Reduced,
    fit: &Irls,
    y_all: &[f64],
    zero_u: Vec<bool>,
    existence: ExistenceReport,
    opts: &FitOptions,
) -> Fit {
    let labels = terms.labels();
    let p = design.p();
    // Per design column: estimate, se.
    let mut est = vec![(f64::NAN, f64::NAN, CoefficientStatus::Aliased); p];
    let q = fit.qr_kept.len();
    for (pos, &l) in fit.qr_kept.iter().enumerate() {
        let j = r.kept[l];
        est[j] = (
            fit.beta[l],
            fit.cov[pos * q + pos].sqrt(),
            CoefficientStatus::Estimated,
        );
    }
    for &j in &r.infinite {
        est[j] = (f64::NEG_INFINITY, f64::NAN, CoefficientStatus::Infinite);
    }
    let coefficients: Vec<Coefficient> = design
        .columns
        .iter()
        .zip(&est)
        .map(|(c, &(e, s, st))| Coefficient {
            name: c.name.clone(),
            term: c.term.map_or("(Intercept)".into(), |t| labels[t].clone()),
            estimate: e,
            std_error: s,
            status: st,
        })
        .collect();
    let names = |v: &[usize]| -> Vec<String> {
        v.iter().map(|&j| design.columns[j].name.clone()).collect()
    };
    let mut aliased: Vec<usize> = r.aliased.iter().chain(&r.aliased_late).copied().collect();
    aliased.extend(fit.pivoted.iter().map(|&l| r.kept[l]));
    aliased.sort_unstable();
    // Fitted values and likelihood.
    let mut fitted = vec![0.0; design.n_rows];
    for (k, &i) in r.rows.iter().enumerate() {
        fitted[i] = fit.mu[k];
    }
    let yf: Vec<f64> = r.rows.iter().map(|&i| y_all[i]).collect();
    let loglik = log_likelihood(&yf, &fit.mu);
    let rank = q + r.infinite.len() + r.aliased_late.len();
    let n_obs = table.observed();
    // Unobserved cells.
    let nu = design.n_unobserved;
    let n0: Vec<f64> = (0..nu)
        .map(|u| {
            if zero_u[u] {
                return 0.0;
            }
            let eta: f64 = fit
                .qr_kept
                .iter()
                .map(|&l| design.ucol(r.kept[l])[u] * fit.beta[l])
                .sum();
            eta.exp().max(MU_FLOOR)
        })
        .collect();
    let unobserved = (0..nu)
        .map(|u| super::UnobservedCell {
            levels: table
                .levels_of(u)
                .iter()
                .enumerate()
                .map(|(j, &l)| table.covariates()[j].levels[l].clone())
                .collect(),
            n0: n0[u],
        })
        .collect();
    let converged = fit.converged;
    let z = {
        use statrs::distribution::ContinuousCDF;
        statrs::distribution::Normal::standard().inverse_cdf(0.5 + opts.level / 2.0)
    };
    // Σ_c w_c (observed_c + n̂0_c) and the variance gᵀVg of its dark-figure part.
    let observed_by: Vec<u64> = {
        let mut v = vec![0u64; nu];
        for (&c, &k) in table.combinations().iter().zip(table.counts()) {
            v[c] += k;
        }
        v
    };
    let contrast = |w: &dyn Fn(usize) -> f64| -> (f64, f64, f64) {
        let observed: f64 = (0..nu).map(|u| w(u) * observed_by[u] as f64).sum();
        let hidden: f64 = (0..nu).filter(|&u| !zero_u[u]).map(|u| w(u) * n0[u]).sum();
        let g: Vec<f64> = fit
            .qr_kept
            .iter()
            .map(|&l| {
                let col = design.ucol(r.kept[l]);
                (0..nu)
                    .filter(|&u| !zero_u[u])
                    .map(|u| w(u) * n0[u] * col[u])
                    .sum()
            })
            .collect();
        let v: f64 = (0..q)
            .map(|a| {
                (0..q)
                    .map(|b| g[a] * fit.cov[a * q + b] * g[b])
                    .sum::<f64>()
            })
            .sum();
        (observed, hidden, v)
    };
    let group = |in_group: &dyn Fn(usize) -> bool, levels: Vec<String>| -> GroupTotal {
        let (observed, hidden, v) = contrast(&|u| f64::from(u8::from(in_group(u))));
        let observed = observed as u64;
        let defined = converged && hidden > 0.0 && v.is_finite() && v >= 0.0;
        let (se, lower, upper) = if defined {
            let sl = v.sqrt() / hidden;
            (
                Some((hidden + v).sqrt()),
                Some(observed as f64 + hidden * (-z * sl).exp()),
                Some(observed as f64 + hidden * (z * sl).exp()),
            )
        } else {
            (None, None, None)
        };
        GroupTotal {
            levels,
            observed,
            hidden,
            total: observed as f64 + hidden,
            std_error: se,
            lower,
            upper,
        }
    };
    let covs = table.covariates();
    let total = group(&|_| true, Vec::new());
    let by_level = (0..covs.len())
        .map(|j| Totals {
            covariates: vec![covs[j].name.clone()],
            rows: (0..covs[j].levels.len())
                .map(|l| {
                    group(
                        &|c| table.level_of(c, j) == l,
                        vec![covs[j].levels[l].clone()],
                    )
                })
                .collect(),
        })
        .collect();
    let pairs: Vec<(usize, usize)> = match &opts.pairs {
        Pairs::None => Vec::new(),
        Pairs::All => (0..covs.len())
            .flat_map(|i| (i + 1..covs.len()).map(move |j| (i, j)))
            .collect(),
        Pairs::These(v) => v
            .iter()
            .filter_map(|(a, b)| {
                let i = covs.iter().position(|c| c.name == *a)?;
                let j = covs.iter().position(|c| c.name == *b)?;
                Some((i, j))
            })
            .collect(),
    };
    let by_pair = pairs
        .into_iter()
        .map(|(i, j)| {
            let mut rows = Vec::new();
            for lj in 0..covs[j].levels.len() {
                for li in 0..covs[i].levels.len() {
                    rows.push(group(
                        &|c| table.level_of(c, i) == li && table.level_of(c, j) == lj,
                        vec![covs[i].levels[li].clone(), covs[j].levels[lj].clone()],
                    ));
                }
            }
            Totals {
                covariates: vec![covs[i].name.clone(), covs[j].name.clone()],
                rows,
            }
        })
        .collect();
    let changes = opts
        .ordered
        .iter()
        .filter_map(|name| covs.iter().position(|c| c.name == *name))
        .map(|j| {
            let levels = &covs[j].levels;
            let rows = (1..levels.len())
                .map(|l| {
                    let w = |u: usize| {
                        let lu = table.level_of(u, j);
                        if lu == l {
                            1.0
                        } else if lu == l - 1 {
                            -1.0
                        } else {
                            0.0
                        }
                    };
                    let (observed, hidden, v) = contrast(&w);
                    let [n_from, n_to] = [l - 1, l].map(|k| {
                        (0..nu)
                            .filter(|&u| table.level_of(u, j) == k && !zero_u[u])
                            .map(|u| n0[u])
                            .sum::<f64>()
                    });
                    let change = observed + hidden;
                    let defined = converged && v.is_finite() && v >= 0.0;
                    super::Change {
                        from: levels[l - 1].clone(),
                        to: levels[l].clone(),
                        observed: observed as i64,
                        change,
                        std_error: defined.then(|| (n_from + n_to + v).sqrt()),
                        lower: defined.then(|| change - z * v.sqrt()),
                        upper: defined.then(|| change + z * v.sqrt()),
                    }
                })
                .collect();
            super::Changes {
                covariate: covs[j].name.clone(),
                rows,
            }
        })
        .collect();
    Fit {
        formula: terms.formula(),
        terms: labels.clone(),
        coefficients,
        deviance: fit.deviance,
        df: design.n_rows as i64 - rank as i64,
        df_reduced: r.rows.len() as i64 - q as i64,
        rank,
        log_likelihood: loglik,
        aic: -2.0 * loglik + 2.0 * rank as f64,
        bic: -2.0 * loglik + (n_obs as f64).ln() * rank as f64,
        iterations: fit.iterations,
        status: if fit.converged {
            Status::Converged
        } else {
            Status::MaxIterations
        },
        n_cells: design.n_rows,
        kept_cells: r.rows.len(),
        infinite: names(&r.infinite),
        aliased: names(&aliased),
        existence,
        unobserved,
        total,
        by_level,
        by_pair,
        changes,
        fitted,
        covariance: fit.cov.clone(),
    }
}
