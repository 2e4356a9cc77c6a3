//! Bootstrap behaviour: identical results for any number of threads, Monte-Carlo agreement
//! with the R packages' intervals, the parametric scheme.
//!
//! R values: SparseMSE 2.0.1 `estimatepopulation(nboot = 1000, pthresh = 0.02, iseed = 1234)`
//! BCa limits (`tests/reference/sparsemse/<dataset>.json`, `bootstrap.BCaquantiles`).

mod common;
use common::*;
use darkfigure::prelude::{bootstrap, Bootstrap, BootstrapOptions, Criterion, Kind, Loglinear};
use darkfigure::{datasets, CaptureTable};

fn run_in_pool(
    threads: usize,
    table: &CaptureTable,
    est: &Loglinear,
    opts: &BootstrapOptions,
) -> Bootstrap {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| bootstrap(table, est, opts, None, None).unwrap())
}

#[test]
fn identical_for_one_and_two_threads() {
    for (table, est) in [
        (datasets::uk_2013(), Loglinear::stepwise(0.02)),
        (datasets::western(), Loglinear::stepwise(0.02)),
        (datasets::kosovo(), Loglinear::aic_stepwise(0.05)),
        (datasets::new_orleans(), Loglinear::stepwise(0.02)),
        (datasets::korea(), korea_bic_top()),
    ] {
        let opts = BootstrapOptions::new(300, 99);
        let a = run_in_pool(1, &table, &est, &opts);
        let b = run_in_pool(2, &table, &est, &opts);
        // Bit-identical: compare the bit patterns of every replicate.
        let bits = |x: &Bootstrap| -> Vec<Option<u64>> {
            x.replicates.iter().map(|r| r.map(f64::to_bits)).collect()
        };
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(a.acceleration.to_bits(), b.acceleration.to_bits());
        assert_eq!(a.quantiles, b.quantiles);
        assert_eq!(a.lp_solved, b.lp_solved);
    }
}

/// BIC among the best models of Korea (the case where existence LPs are solved and cached).
fn korea_bic_top() -> Loglinear {
    let t = datasets::korea();
    let top = darkfigure::selection::search(
        &t,
        &darkfigure::selection::SearchOptions {
            top: Some(20),
            ..Default::default()
        },
    )
    .unwrap();
    Loglinear::among(
        Criterion::Bic,
        top.models.iter().map(|m| m.model(t.lists())).collect(),
    )
}

#[test]
fn same_seed_same_result_other_seed_other_result() {
    let t = datasets::uk_2013_5();
    let e = Loglinear::stepwise(0.02);
    let a = bootstrap(&t, &e, &BootstrapOptions::new(200, 5), None, None).unwrap();
    let b = bootstrap(&t, &e, &BootstrapOptions::new(200, 5), None, None).unwrap();
    let c = bootstrap(&t, &e, &BootstrapOptions::new(200, 6), None, None).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.replicates, c.replicates);
    // The first replicates do not depend on B (replicate b has its own stream).
    let d = bootstrap(&t, &e, &BootstrapOptions::new(50, 5), None, None).unwrap();
    assert_eq!(&a.replicates[..50], &d.replicates[..]);
    // Also with BIC among the top models, whose workers skip most fits (chunks of 4 and 50
    // replicates).
    let e = korea_bic_top();
    let k = datasets::korea();
    let a = bootstrap(&k, &e, &BootstrapOptions::new(1000, 5), None, None).unwrap();
    let d = bootstrap(&k, &e, &BootstrapOptions::new(50, 5), None, None).unwrap();
    assert_eq!(&a.replicates[..50], &d.replicates[..]);
}

/// With our own resampling and B = 10,000 the stepwise BCa 2.5% and 97.5% limits are within
/// 5% of SparseMSE's B = 1,000 values (Monte-Carlo tolerance) — except the UK five-list lower
/// limit, 5.3% above R's (ours 9,270, R 8,785). That limit is read at an adjusted level of
/// about 0.0013, i.e. near the smallest of R's 1,000 replicates, so R's value is essentially a
/// sample minimum; `r_lower_limit_is_a_plausible_b1000_draw` shows it is within the spread of
/// our own B = 1,000 runs, the KS test below finds R's and our replicate distributions
/// indistinguishable, and replaying R's own resamples gives R's limits exactly
/// (`bootstrap_reference.rs`). That limit is held to 6%.
#[test]
fn stepwise_bca_limits_agree_with_r_within_monte_carlo_error() {
    for ds in ["ukdat", "ukdat_5"] {
        let r = load(&format!("sparsemse/{ds}.json"));
        let table = datasets::by_name(ds).unwrap().table();
        let b = bootstrap(
            &table,
            &Loglinear::stepwise(0.02),
            &BootstrapOptions::new(10_000, 2026),
            None,
            None,
        )
        .unwrap();
        assert_eq!(b.failed, 0);
        close(b.acceleration, num(&r["bootstrap"]["ahat"]), 1e-6, ds);
        for level in [0.025, 0.975] {
            let ours = b.quantile(level).unwrap().bca.unwrap();
            let want = num(&r["bootstrap"]["BCaquantiles"][format!("{level}")]);
            let tol = if ds == "ukdat_5" && level == 0.025 {
                0.06
            } else {
                0.05
            };
            assert!(
                (ours / want - 1.0).abs() < tol,
                "{ds} {level}: ours {ours}, R {want}"
            );
        }
        // The whole distribution: R's 1,000 replicate estimates against our 10,000
        // (two-sample Kolmogorov–Smirnov).
        let boot = load(&format!("sparsemse/bootcounts/{ds}_bootcounts.json"));
        let theirs: Vec<f64> = boot["bootreps"]
            .as_array()
            .unwrap()
            .iter()
            .map(num)
            .collect();
        let ours: Vec<f64> = b.replicates.iter().flatten().copied().collect();
        let (d, p) = kolmogorov_smirnov(&ours, &theirs);
        eprintln!("{ds}: KS D = {d:.4}, p = {p:.3}");
        assert!(p > 0.01, "{ds}: KS D = {d}, p = {p}");
    }
}

/// R's UK five-list lower BCa limit (8,785, B = 1,000) as one draw of the B = 1,000 Monte-Carlo
/// distribution: among our own B = 1,000 runs with seeds 1–100, some fall at or below it
/// (a helper's run over seeds 1–2,000 put it at the 3.0th percentile, mean 9,219, sd 197).
#[test]
fn r_lower_limit_is_a_plausible_b1000_draw() {
    let r = load("sparsemse/ukdat_5.json");
    let want = num(&r["bootstrap"]["BCaquantiles"]["0.025"]);
    let table = datasets::uk_2013_5();
    let lows: Vec<f64> = (1..=100)
        .map(|seed| {
            let b = bootstrap(
                &table,
                &Loglinear::stepwise(0.02),
                &BootstrapOptions::new(1_000, seed),
                None,
                None,
            )
            .unwrap();
            b.quantile(0.025).unwrap().bca.unwrap()
        })
        .collect();
    let below = lows.iter().filter(|&&l| l <= want).count();
    let mean = lows.iter().sum::<f64>() / lows.len() as f64;
    eprintln!("R {want:.0}: {below} of 100 seeds at or below; our mean {mean:.0}");
    assert!(
        (1..=20).contains(&below),
        "{below} of 100 at or below R's {want}"
    );
}

/// Two-sample Kolmogorov–Smirnov statistic and its asymptotic p-value (Stephens' correction;
/// Numerical Recipes §14.3).
fn kolmogorov_smirnov(a: &[f64], b: &[f64]) -> (f64, f64) {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (n, m) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / n - j as f64 / m).abs());
    }
    let ne = (n * m / (n + m)).sqrt();
    let lambda = (ne + 0.12 + 0.11 / ne) * d;
    let p: f64 = (1..=100)
        .map(|k| {
            let k = f64::from(k);
            2.0 * (-1f64).powf(k - 1.0) * (-2.0 * k * k * lambda * lambda).exp()
        })
        .sum();
    (d, p.clamp(0.0, 1.0))
}

#[test]
fn parametric_bootstrap_is_centred_on_the_estimate() {
    let t = datasets::uk_2013_5();
    let opts = BootstrapOptions {
        kind: Kind::Parametric,
        ..BootstrapOptions::new(2000, 3)
    };
    let model = darkfigure::Model::main_effects(5);
    let b = bootstrap(&t, &Loglinear::fixed(model), &opts, None, None).unwrap();
    let reps: Vec<f64> = b.replicates.iter().flatten().copied().collect();
    let mean = reps.iter().sum::<f64>() / reps.len() as f64;
    assert!(
        (mean / b.point - 1.0).abs() < 0.05,
        "mean {mean}, point {}",
        b.point
    );
    let lo = b.quantile(0.025).unwrap().percentile;
    let hi = b.quantile(0.975).unwrap().percentile;
    assert!(lo < b.point && b.point < hi);
}
