//! Re-selection among a fixed list of models (BIC or AIC among the top of the data's
//! ranking, as MultipleSystemsEstimation's bootstrap does) by branch and bound.
//!
//! Every model gets certified lower bounds on its criterion on the table (see
//! [`super::screen`]: a cheap one, then a tight one); models are fitted exactly in increasing
//! order of the tight bound until it exceeds the best criterion found, starting from the
//! first model of the list (the data's best). A skipped model's exact criterion is above the
//! best, so the choice equals fitting all of them. Candidates are the models whose MLE exists
//! and whose fit converged without a count fitted at R's floor `ε` of the fitted means (that
//! fit's deviance is below the model's infimum, so it is no MLE). Ties go to the earlier
//! model, as in MultipleSystemsEstimation.

use super::screen::{Screen, Target};
use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::loglinear::fitter::{Assessed, Fitter, Warm};
use crate::loglinear::Model;

/// Criterion gap on the data beyond which a model is first tried with the cheap bound (its
/// looseness on bootstrap tables of the UK five lists: median 20 deviance units, see
/// `screen::tests`).
const CHEAP_GAP: f64 = 20.0;

/// One model fitted to the data: warm start and deviance bounds.
#[derive(Debug, Clone)]
pub(crate) struct Among {
    pub(crate) terms: Vec<u32>,
    pub(crate) beta: Vec<f64>,
    /// Deviance on the data (`NaN` if the fit failed).
    pub(crate) deviance: f64,
    pub(crate) screen: Option<Screen>,
}

/// Fit every model to the data.
pub(crate) fn among_fits(table: &CaptureTable, models: &[Model]) -> Vec<Among> {
    let mut f = Fitter::new(table.lists(), table.counts());
    models
        .iter()
        .map(|m| match f.fit(m.terms(), None) {
            Ok(q) => {
                let (t, b) = f.coefficients();
                Among {
                    terms: t.to_vec(),
                    beta: b.to_vec(),
                    deviance: q.deviance,
                    screen: Screen::from_fit(&f),
                }
            }
            Err(_) => Among {
                terms: Vec::new(),
                beta: Vec::new(),
                deviance: f64::NAN,
                screen: None,
            },
        })
        .collect()
}

/// Reused buffers of [`best_among`].
#[derive(Debug, Clone)]
pub(crate) struct Scratch {
    target: Target,
    /// (criterion lower bound, model index).
    order: Vec<(f64, usize)>,
}

impl Scratch {
    pub(crate) fn new(t: usize) -> Self {
        Self {
            target: Target::new(t),
            order: Vec::new(),
        }
    }
}

/// The estimate and index of the model with the smallest `deviance + penalty × parameters`
/// among `models` (fitted to the data as `among`) on the table loaded in `f`; `None` if no
/// model is a candidate. `lp` answers existence checks (see [`Fitter::assess`]).
///
/// # Errors
/// [`Error::Lp`].
pub(crate) fn best_among(
    f: &mut Fitter,
    models: &[Model],
    among: &[Among],
    penalty: f64,
    scratch: &mut Scratch,
    lp: &mut dyn FnMut(&Fitter, &[u32]) -> Result<u8>,
) -> Result<Option<(f64, usize)>> {
    let Scratch { target, order } = scratch;
    target.load(f.counts());
    // Slack for rounding: in the criteria themselves, and in the bounds' sums of `y ln y`
    // and `m ln m`, which cancel to a small deviance.
    let slack = 1e-12 * target.magnitude();
    let above = |lower: f64, best: &Option<(f64, usize, f64)>| {
        best.is_some_and(|(bv, _, _)| lower > bv + 1e-9 * bv.abs().max(1.0) + slack)
    };
    let mut best: Option<(f64, usize, f64)> = None;
    let mut consider = |f: &mut Fitter, i: usize, best: &mut Option<(f64, usize, f64)>| {
        let warm = Some(Warm::Given(&among[i].terms, &among[i].beta));
        let q = match f.assess(models[i].terms(), warm, lp) {
            Ok(Assessed {
                code: 0,
                fit: Some(q),
                ..
            }) => q,
            Ok(_) => return Ok(()),
            // The MLE exists (the LP says so) but Newton did not reach it on these counts.
            Err(Error::NotConverged { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        let v = q.deviance + models[i].parameters() as f64 * penalty;
        if q.converged
            && !f.has_floored_count()
            && v.is_finite()
            && best.is_none_or(|(bv, bi, _)| v < bv || (v == bv && i < bi))
        {
            *best = Some((v, i, q.estimate));
        }
        Ok(())
    };
    debug_assert_eq!(models.len(), among.len());
    if models.is_empty() {
        return Ok(None);
    }
    consider(f, 0, &mut best)?;
    let data_best = among[0].deviance + models[0].parameters() as f64 * penalty;
    order.clear();
    for (i, (m, a)) in models.iter().zip(among).enumerate().skip(1) {
        let k = m.parameters() as f64 * penalty;
        let lower = match &a.screen {
            None => f64::NEG_INFINITY,
            Some(s) => {
                // The cheap bound is about CHEAP_GAP loose: try it only on models that far
                // behind on the data (which models get which bound changes no choice).
                if a.deviance + k > data_best + CHEAP_GAP
                    && above(s.cheap_deviance_lower_bound(f, target) + k, &best)
                {
                    continue;
                }
                s.deviance_lower_bound(f, target)
            }
        };
        let lower = if lower.is_nan() {
            f64::NEG_INFINITY
        } else {
            lower
        };
        order.push((lower + k, i));
    }
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for &(lower, i) in order.iter() {
        if above(lower, &best) {
            break;
        }
        consider(f, i, &mut best)?;
    }
    Ok(best.map(|b| (b.2, b.1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::sampling::{draw_nonparametric, draw_parametric};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// The `n` best models of `table` up to `order` (`None` if the search fails).
    fn top_models(table: &CaptureTable, order: usize, n: usize) -> Option<Vec<Model>> {
        let top = crate::selection::search(
            table,
            &crate::selection::SearchOptions {
                max_order: Some(order),
                top: Some(n),
                ..Default::default()
            },
        )
        .ok()?;
        Some(top.models.iter().map(|m| m.model(table.lists())).collect())
    }

    fn observed_cells(table: &CaptureTable) -> Vec<(u32, u64)> {
        table
            .observed_cells()
            .into_iter()
            .map(|h| (h, table.count(h)))
            .collect()
    }

    /// The BIC (or AIC) choice among `models` on `y`.
    fn choose(
        table: &CaptureTable,
        models: &[Model],
        among: &[Among],
        bic: bool,
        y: &[u64],
    ) -> Result<Option<f64>> {
        let mut f = Fitter::new(table.lists(), table.counts());
        f.trust_divergence = true;
        f.load(y);
        let penalty = if bic { f.observed().ln() } else { 2.0 };
        let mut scratch = Scratch::new(table.lists());
        best_among(
            &mut f,
            models,
            among,
            penalty,
            &mut scratch,
            &mut |f, terms| Ok(f.check(terms)?.code),
        )
        .map(|best| best.map(|(estimate, _)| estimate))
    }

    /// The BIC and AIC choices among `models` on every table of `tables(b, out)`,
    /// `b < replicates`, with and without screening, are identical.
    fn assert_same_choice(
        table: &CaptureTable,
        models: &[Model],
        replicates: u64,
        mut tables: impl FnMut(u64, &mut [u64]),
    ) {
        let among = among_fits(table, models);
        let blind: Vec<Among> = among
            .iter()
            .cloned()
            .map(|a| Among { screen: None, ..a })
            .collect();
        let mut y = vec![0; table.counts().len()];
        for b in 0..replicates {
            tables(b, &mut y);
            for bic in [true, false] {
                match (
                    choose(table, models, &among, bic, &y),
                    choose(table, models, &blind, bic, &y),
                ) {
                    (Ok(a), Ok(e)) => assert_eq!(
                        a.map(f64::to_bits),
                        e.map(f64::to_bits),
                        "table {y:?}: {a:?} vs {e:?}"
                    ),
                    (a, e) => assert_eq!(a.is_ok(), e.is_ok(), "table {y:?}"),
                }
            }
        }
    }

    /// Screened and unscreened choices agree on random four- and five-list tables with counts
    /// from tens to tens of millions and up to 40% empty cells (where fits reach R's floor of
    /// the fitted means, or Newton stops short of an existing MLE).
    #[test]
    fn screening_changes_no_choice_on_random_tables() {
        screening_on_random_tables(40, 10);
    }

    /// The same on 300 tables with 20 replicates each (80 s).
    #[test]
    #[ignore = "long: cargo test --release -- --ignored screening"]
    fn screening_changes_no_choice_on_many_random_tables() {
        screening_on_random_tables(300, 20);
    }

    fn screening_on_random_tables(tables: usize, replicates: u64) {
        use rand::Rng;
        let mut g = ChaCha8Rng::seed_from_u64(7);
        for rep in 0..tables {
            let t = if rep % 3 == 0 { 5 } else { 4 };
            let scale = [10.0, 1e3, 1e5, 1e7][rep % 4];
            let empty = [0.0, 0.2, 0.4][rep % 3];
            let mut counts = vec![0u64; 1 << t];
            for c in counts.iter_mut().skip(1) {
                if g.random::<f64>() >= empty {
                    *c = (scale * g.random::<f64>().powi(4)).round() as u64;
                }
            }
            let names = (0..t).map(|i| format!("L{i}")).collect::<Vec<_>>();
            let Ok(table) = CaptureTable::from_counts(names, &counts) else {
                continue;
            };
            let Some(models) = top_models(&table, t - 1, 40) else {
                continue;
            };
            let cells = observed_cells(&table);
            assert_same_choice(&table, &models, replicates, |b, y| {
                let mut rng = ChaCha8Rng::seed_from_u64(b);
                draw_nonparametric(&cells, table.observed(), &mut rng, y);
            });
        }
    }

    /// A replicate on which one of the 40 models "converges" with an observed cell fitted at
    /// R's floor ε (N̂ ≈ 1.4e14): that fit is not an MLE — its deviance is below the model's
    /// infimum, and below the screening bound — so it is no candidate, screened or not.
    #[test]
    fn fits_at_the_floor_are_no_candidates() {
        let data: [u64; 32] = [
            0, 197, 11, 990, 291, 0, 234, 0, 1, 1, 481, 2, 996, 810, 3, 223, 351, 104, 78, 176, 0,
            1, 0, 535, 0, 375, 5, 5, 0, 7, 861, 18,
        ];
        let y: [u64; 32] = [
            0, 220, 7, 963, 281, 0, 220, 0, 2, 0, 476, 5, 1024, 781, 2, 207, 361, 117, 83, 174, 0,
            2, 0, 530, 0, 362, 3, 2, 0, 4, 900, 30,
        ];
        let names = (0..5).map(|i| format!("L{i}")).collect::<Vec<_>>();
        let table = CaptureTable::from_counts(names, &data).unwrap();
        let models = top_models(&table, 4, 40).unwrap();
        assert_same_choice(&table, &models, 1, |_, out| out.copy_from_slice(&y));
        let among = among_fits(&table, &models);
        for bic in [true, false] {
            let a = choose(&table, &models, &among, bic, &y).unwrap();
            assert!(a.unwrap() < 1e5, "{a:?}");
        }
    }

    /// Skipping models by their deviance bounds picks exactly what fitting all of them picks,
    /// on nonparametric tables (support within the data's) and parametric ones (cells empty
    /// in the data may be filled), for BIC and AIC.
    #[test]
    fn screening_changes_no_choice() {
        for (table, order, ntop) in [
            (crate::data::datasets::uk_2013_5(), 3, 100),
            (crate::data::datasets::korea(), 3, 30),
            (crate::data::datasets::new_orleans_5(), 2, 60),
            (crate::data::datasets::western(), 3, 100),
            (crate::data::datasets::netherlands_5(), 3, 100),
            (crate::data::datasets::artificial_3(), 3, 8),
        ] {
            let models = top_models(&table, order, ntop).unwrap();
            assert!(among_fits(&table, &models)
                .iter()
                .any(|a| a.screen.is_some()));
            let fitted =
                crate::loglinear::fit(&table, &models[0], &crate::loglinear::FitOptions::default())
                    .unwrap()
                    .fitted;
            let total = fitted.iter().sum::<f64>().round() as u64;
            let cells = observed_cells(&table);
            assert_same_choice(&table, &models, 150, |b, y| {
                let mut rng = ChaCha8Rng::seed_from_u64(b);
                if b % 2 == 0 {
                    draw_nonparametric(&cells, table.observed(), &mut rng, y);
                } else {
                    draw_parametric(&fitted, total, &table.cells_by_name(), &mut rng, y);
                }
            });
        }
    }
}
