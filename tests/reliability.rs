//! Regression tests for the reliability defects of issue 11 (library side): each test names
//! the defect it guards against.

use darkfigure::datasets;
use darkfigure::estimators::loglinear::{profile, ProfileOptions};
use darkfigure::estimators::rcapture::{closedp_profile, RcaptureModel};
use darkfigure::{fit, CaptureTable, FitOptions, Level, Model};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Defect 1: profile intervals at every level in (0, 1)
// ---------------------------------------------------------------------------------------------

/// `(table, model)` pairs whose profile intervals are checked.
fn profile_cases() -> Vec<(&'static str, CaptureTable, Model)> {
    let uk = datasets::uk_2013();
    // The AIC-stepwise model of the UK data (`estimate data/ukdat.csv --select aic-stepwise`).
    let uk_aic = Model::parse("[12,13,24,25,35,36,45]", uk.names()).unwrap();
    let a3 = datasets::artificial_3();
    let kosovo = datasets::kosovo();
    let western = datasets::western();
    vec![
        ("ukdat aic-stepwise", uk.clone(), uk_aic),
        ("ukdat main", uk.clone(), Model::main_effects(6)),
        ("artificial_3 main", a3, Model::main_effects(3)),
        ("kosovo main", kosovo, Model::main_effects(4)),
        ("western main", western, Model::main_effects(5)),
    ]
}

/// `(lower, upper, mle)` of the log-linear profile interval; a missing limit is `None`.
fn loglinear_limits(
    table: &CaptureTable,
    model: &Model,
    level: f64,
) -> (Option<f64>, Option<f64>, f64) {
    let f = fit(table, model, &FitOptions::default()).unwrap();
    let opts = ProfileOptions {
        level: Level::new(level).unwrap(),
        ..ProfileOptions::default()
    };
    let p = profile(table, &f, &opts).unwrap();
    let lower = (!p.lower_at_observed).then(|| p.interval.lower.unwrap());
    (lower, p.interval.upper, p.mle)
}

/// Issue 11, defect 1: `--level 0.01` on the UK data gave lower = n_obs and no upper limit
/// (the χ² drop was NaN below a level of about 0.03).
#[test]
fn profile_interval_at_level_001_is_inside_the_005_one() {
    let uk = datasets::uk_2013();
    let m = Model::parse("[12,13,24,25,35,36,45]", uk.names()).unwrap();
    let (l1, u1, mle) = loglinear_limits(&uk, &m, 0.01);
    let (l5, u5, _) = loglinear_limits(&uk, &m, 0.05);
    let (l1, u1, l5, u5) = (l1.unwrap(), u1.unwrap(), l5.unwrap(), u5.unwrap());
    assert!(
        l5 < l1 && l1 < mle && mle < u1 && u1 < u5,
        "{l5} {l1} {mle} {u1} {u5}"
    );
    // The interval of level 0.05 is 11,358–11,460 (before and after the fix).
    assert!(
        (l5 - 11358.4).abs() < 0.1 && (u5 - 11459.8).abs() < 0.1,
        "{l5} {u5}"
    );
}

/// Levels from 0.001 to 0.999.
const LEVELS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.3, 0.5, 0.8, 0.95, 0.999,
];

#[track_caller]
fn assert_nested(what: &str, n: f64, levels: &[f64], limits: &[(Option<f64>, Option<f64>, f64)]) {
    // The search tolerance is 1e-9 in N; allow a little more for the roots.
    let tol = 1e-6;
    for (i, (&level, &(lo, up, mle))) in levels.iter().zip(limits).enumerate() {
        if let Some(lo) = lo {
            assert!(
                lo <= mle + tol,
                "{what} level {level}: lower {lo} > mle {mle}"
            );
        }
        if let Some(up) = up {
            assert!(
                up >= mle - tol,
                "{what} level {level}: upper {up} < mle {mle}"
            );
        }
        // Both limits exist for the small levels on every dataset here (the lower one unless
        // the maximum is at n itself).
        if level <= 0.5 {
            assert!(
                lo.is_some() || mle < n + 1e-3,
                "{what} level {level}: lower {lo:?}"
            );
            assert!(up.is_some(), "{what} level {level}: upper {up:?}");
        }
        if i > 0 {
            let (plo, pup, _) = limits[i - 1];
            match (plo, lo) {
                (Some(a), Some(b)) => assert!(b <= a + tol, "{what}: lower {b} at {level} > {a}"),
                (None, Some(b)) => panic!("{what}: lower {b} at {level} after none"),
                _ => {}
            }
            match (pup, up) {
                (Some(a), Some(b)) => assert!(b >= a - tol, "{what}: upper {b} at {level} < {a}"),
                (None, Some(b)) => panic!("{what}: upper {b} at {level} after none"),
                _ => {}
            }
        }
    }
}

/// Issue 11, defect 1: log-linear profile intervals are nested as the level grows, from
/// 0.001 to 0.999, on several datasets.
#[test]
fn loglinear_profile_intervals_are_nested() {
    for (what, table, model) in profile_cases() {
        let limits: Vec<_> = LEVELS
            .iter()
            .map(|&l| loglinear_limits(&table, &model, l))
            .collect();
        assert_nested(what, table.observed() as f64, &LEVELS, &limits);
    }
}

/// Issue 11, defect 1: the same for Rcapture's profile intervals (`closedpCI.t`), which share
/// the search.
#[test]
fn rcapture_profile_intervals_are_nested() {
    for (what, table) in [
        ("hare", datasets::rcapture_hare()),
        ("lesbian", datasets::rcapture_lesbian()),
        ("artificial_3", datasets::artificial_3()),
    ] {
        for model in [
            RcaptureModel::M0,
            RcaptureModel::Mt,
            RcaptureModel::MhDarroch,
        ] {
            let limits: Vec<_> = LEVELS
                .iter()
                .map(|&l| {
                    let p = closedp_profile(&table, model, l).unwrap();
                    (p.lower, p.upper, p.abundance)
                })
                .collect();
            assert_nested(
                &format!("{what} {}", model.name()),
                table.observed() as f64,
                &LEVELS,
                &limits,
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Issue 11, defect 1: for two random levels, the interval of the larger contains the
    /// interval of the smaller.
    #[test]
    fn profile_nesting_at_random_levels(a in 0.0005f64..0.9995, b in 0.0005f64..0.9995, which in 0usize..5) {
        let (what, table, model) = profile_cases().swap_remove(which);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let limits = [loglinear_limits(&table, &model, lo), loglinear_limits(&table, &model, hi)];
        assert_nested(what, table.observed() as f64, &[lo, hi], &limits);
    }
}
