//! The bootstrap of covariate models (`uncertainty::covariates`) and the selection rules of
//! covariate tables (`estimators::covariates::select`).
//!
//! * boot_mse's parametric intervals on westeros (`tests/reference/covariates/mse_westeros_boot.json`,
//!   R 4.2.2 with mse 1.0, `boot_mse(<search>, rep = 200, seed = 1)`) are compared
//!   statistically: R's random numbers are not reproduced, so each R limit (a type-7 quantile
//!   of 200 replicates) must lie within 3.5 standard deviations of the mean of the same
//!   limit over independent 200-replicate runs of ours — its Monte-Carlo error.
//! * Results are identical for any number of threads; re-selection is reported as such.
//! * The existence-aware rules refuse models whose MLE does not exist.

mod common;

use common::load;
use darkfigure::estimators::covariates::{
    select, CovariateTable, FitOptions, Formula, ModelChoice, Pairs, SelectOptions, SelectRule,
    TableSpec,
};
use darkfigure::numeric::quantile_type7;
use darkfigure::uncertainty::covariates::{
    covariate_bootstrap, CovariateBootstrapOptions, CovariateKind, Statistic,
};

fn westeros() -> CovariateTable {
    let path = format!(
        "{}/data/covariates/westeros_cells.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    CovariateTable::read_frequency(path, &TableSpec::new(["X1", "X2", "X3", "X4", "Y"])).unwrap()
}

/// Three lists × sex × year (3 levels), counts the rounded means of a model with a list ×
/// sex and a list × year interaction and a year trend (all cells positive).
fn synthetic() -> CovariateTable {
    let mut csv = String::from("A,B,C,sex,year,count\n");
    let p = [[0.30, 0.45], [0.25, 0.20], [0.35, 0.35]];
    for (s, sex) in ["f", "m"].iter().enumerate() {
        for (y, year) in ["2019", "2020", "2021"].iter().enumerate() {
            let n: f64 = [900.0, 700.0][s] * [1.0, 1.3, 1.7][y];
            for h in 1..8u32 {
                let mut mu: f64 = n;
                for (l, pl) in p.iter().enumerate() {
                    let mut q = pl[s];
                    if l == 1 {
                        q *= [1.0, 1.2, 1.5][y];
                    }
                    mu *= if h >> l & 1 == 1 { q } else { 1.0 - q };
                }
                csv.push_str(&format!(
                    "{},{},{},{sex},{year},{}\n",
                    h & 1,
                    h >> 1 & 1,
                    h >> 2 & 1,
                    mu.round()
                ));
            }
        }
    }
    CovariateTable::parse_frequency(
        csv.as_bytes(),
        "synthetic",
        &TableSpec::new(["sex", "year"]),
    )
    .unwrap()
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

#[test]
fn parametric_intervals_agree_with_boot_mse_within_monte_carlo_error() {
    let t = westeros();
    let r = load("covariates/mse_westeros_boot.json");
    // boot_mse keeps model 22 of the search fixed.
    let choice = ModelChoice::Select {
        options: SelectOptions::new(SelectRule::ModelSearch),
        fixed_model: true,
    };
    let pairs = Pairs::These(
        ["X1", "X2", "X3", "X4"]
            .iter()
            .map(|x| (x.to_string(), "Y".to_string()))
            .collect(),
    );
    let fit_opts = FitOptions::default().pairs(pairs);
    const RUNS: u64 = 12;
    let runs: Vec<_> = (0..RUNS)
        .map(|seed| {
            let mut o =
                CovariateBootstrapOptions::new(200, 100 + seed).kind(CovariateKind::Parametric);
            o.jackknife = false;
            covariate_bootstrap(&t, &choice, &fit_opts, &o, None).unwrap()
        })
        .collect();
    let fit = &runs[0].0;
    assert_eq!(runs[0].1.draw_size, Some(8659), "⌊round(8659.577, 1)⌋");
    // (statistic, R's row) for the total, the years and each X_i × year.
    let mut cases = vec![(Statistic::Total, &r["boot_tables"]["x"][0])];
    for row in r["boot_tables"]["Y"].as_array().unwrap() {
        cases.push((
            Statistic::Level {
                covariate: "Y".into(),
                level: row["row"].as_str().unwrap().into(),
            },
            row,
        ));
    }
    for x in ["X1", "X2", "X3", "X4"] {
        for row in r["boot_tables"][x].as_array().unwrap() {
            cases.push((
                Statistic::Pair {
                    covariates: [x.into(), "Y".into()],
                    levels: [
                        row["row"].as_str().unwrap().into(),
                        row["Year"].as_u64().unwrap().to_string(),
                    ],
                },
                row,
            ));
        }
    }
    assert_eq!(cases.len(), 1 + 4 + 3 * 8 + 12);
    let mut worst: f64 = 0.0;
    for (stat, row) in &cases {
        let b0 = runs[0].1.get(stat).unwrap_or_else(|| panic!("{stat:?}"));
        // The point estimate and the observed count are R's (rounded as boot_mse prints).
        assert!(
            (b0.point - row["Nhat"].as_f64().unwrap()).abs() <= 0.5,
            "{stat:?}: {} vs {}",
            b0.point,
            row["Nhat"]
        );
        let _ = row["nobs"].as_u64().unwrap();
        for (k, p, key) in [(0, 0.025, "min95"), (1, 0.975, "max95")] {
            let limits: Vec<f64> = runs
                .iter()
                .map(|(_, b)| {
                    let mut v: Vec<f64> = b
                        .get(stat)
                        .unwrap()
                        .values
                        .iter()
                        .flatten()
                        .copied()
                        .collect();
                    v.sort_by(f64::total_cmp);
                    quantile_type7(&v, p)
                })
                .collect();
            let mean = limits.iter().sum::<f64>() / RUNS as f64;
            let sd =
                (limits.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (RUNS - 1) as f64).sqrt();
            let want = row[key].as_f64().unwrap();
            let z = (want - mean).abs() / (sd + 0.5);
            worst = worst.max(z);
            assert!(
                z <= 3.5,
                "{stat:?} {key}: R {want}, ours {mean:.1} ± {sd:.1} over {RUNS} runs of 200 (limit {k})"
            );
        }
    }
    println!(
        "largest |R − mean| / sd over {} limits: {worst:.2}; N̂ {}",
        2 * cases.len(),
        fit.total.total
    );
}

#[test]
fn bootstrap_results_do_not_depend_on_the_number_of_threads() {
    let t = synthetic();
    let run = |threads: usize, choice: &ModelChoice, kind: CovariateKind| {
        pool(threads).install(|| {
            covariate_bootstrap(
                &t,
                choice,
                &FitOptions::default().ordered(["year"]),
                &CovariateBootstrapOptions::new(40, 7).kind(kind),
                None,
            )
            .unwrap()
        })
    };
    let reselect = ModelChoice::Select {
        options: SelectOptions::new(SelectRule::BicStepwise),
        fixed_model: false,
    };
    let terms = Formula::parse("A + B + C + sex + year + B:year")
        .unwrap()
        .terms(&t)
        .unwrap();
    let fixed = ModelChoice::Fixed { terms, poly: None };
    for (choice, kind) in [
        (&reselect, CovariateKind::Nonparametric),
        (&fixed, CovariateKind::Parametric),
    ] {
        let one = run(1, choice, kind);
        assert_eq!(one, run(3, choice, kind));
        assert_eq!(one.1.statistics.len(), 1 + 2 + 3 + 2);
        assert!(one.1.statistics.iter().all(|s| s.bca[0].is_some()));
    }
}

#[test]
fn reselection_is_reported_and_the_fixed_model_kept() {
    let t = synthetic();
    let opts = CovariateBootstrapOptions::new(30, 3);
    for fixed_model in [false, true] {
        let choice = ModelChoice::Select {
            options: SelectOptions::new(SelectRule::BicStepwise),
            fixed_model,
        };
        let (fit, b) =
            covariate_bootstrap(&t, &choice, &FitOptions::default(), &opts, None).unwrap();
        assert_eq!(b.reselected, !fixed_model);
        assert_eq!(b.models.is_empty(), fixed_model);
        if !fixed_model {
            assert_eq!(
                b.models.iter().map(|m| m.replicates).sum::<usize>(),
                30 - b.failed
            );
        }
        let total = b.get(&Statistic::Total).unwrap();
        assert_eq!(total.point, fit.total.total);
        let (lo, hi) = (total.percentile[0].unwrap(), total.percentile[1].unwrap());
        assert!(lo < fit.total.total && fit.total.total < hi, "{lo} {hi}");
    }
}

/// Three lists with strong pairwise dependence and no case on all three: the model with all
/// three pairs is saturated on the observable cells with a zero cell, so its MLE does not
/// exist, though no margin is zero. It has the best BIC (its deviance tends to 0) and is
/// refused by the existence check.
#[test]
fn existence_aware_rules_refuse_a_model_without_mle() {
    let csv = b"A,B,C,g,count\n1,0,0,x,10\n0,1,0,x,10\n0,0,1,x,10\n1,1,0,x,50\n1,0,1,x,50\n0,1,1,x,50\n1,1,1,x,0\n";
    let t = CovariateTable::parse_frequency(csv, "mem", &TableSpec::new(["g"])).unwrap();
    let all = Formula::parse("(A + B + C)^2 + g").unwrap();
    assert!(
        darkfigure::estimators::covariates::fit(&t, &all, &FitOptions::default())
            .unwrap_err()
            .is_no_estimate()
    );
    let ex = select(&t, &SelectOptions::new(SelectRule::Bic)).unwrap();
    assert_eq!(ex.models_examined, 8);
    assert_eq!(ex.ranking[0].admissible, Some(false));
    assert_eq!(ex.rejected.len(), 1);
    assert!(
        ex.rejected[0].what.contains("A:B + A:C + B:C"),
        "{:?}",
        ex.rejected
    );
    assert_eq!(ex.terms.len(), 4 + 2, "{}", ex.formula);
    let sw = select(&t, &SelectOptions::new(SelectRule::BicStepwise)).unwrap();
    assert_eq!(sw.rejected.len(), 1, "{:?}", sw.rejected);
    assert_eq!(sw.terms.len(), 6, "{}", sw.formula);
    // The model search does not check: it walks into the saturated model (R's behaviour).
    let ms = select(&t, &SelectOptions::new(SelectRule::ModelSearch)).unwrap();
    assert!(ms.rejected.is_empty());
}

#[test]
fn exhaustive_rules_say_when_they_are_not_feasible() {
    let e = select(&westeros(), &SelectOptions::new(SelectRule::Aic)).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("2^36") && msg.contains("bic-stepwise"),
        "{msg}"
    );
}

#[test]
fn bic_stepwise_on_westeros_is_the_model_search_bic_phase() {
    // The BIC phase of mse::model_search ends at its selected model 22 (no model on its path
    // fails the existence check).
    let t = westeros();
    let sw = select(&t, &SelectOptions::new(SelectRule::BicStepwise)).unwrap();
    let ms = select(&t, &SelectOptions::new(SelectRule::ModelSearch)).unwrap();
    assert_eq!(sw.formula, ms.formula);
    assert!(sw.rejected.is_empty());
    assert_eq!(sw.steps.len(), 22);
}

/// The re-selecting bootstrap of the benchmark, B = 1,000 on westeros (model search re-run in
/// every replicate and jackknife table).
#[test]
#[ignore = "long: cargo test --release --test covariates_bootstrap -- --ignored"]
fn westeros_reselecting_bootstrap_runs() {
    let t = westeros();
    let choice = ModelChoice::Select {
        options: SelectOptions::new(SelectRule::ModelSearch),
        fixed_model: false,
    };
    let (fit, b) = covariate_bootstrap(
        &t,
        &choice,
        &FitOptions::default().ordered(["Y"]),
        &CovariateBootstrapOptions::new(1000, 1),
        None,
    )
    .unwrap();
    let total = b.get(&Statistic::Total).unwrap();
    println!(
        "N {} BCa {:?} percentile {:?} failed {} models {}",
        fit.total.total,
        total.bca,
        total.percentile,
        b.failed,
        b.models.len()
    );
    assert!(b.failed < 100);
}
