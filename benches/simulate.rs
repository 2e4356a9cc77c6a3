//! Coverage studies and calibrated intervals (issue 15).
//! Run: `cargo bench --bench simulate`; one of them: `cargo bench --bench simulate -- simulate_uk5`
//! or `-- calibrated_uk5`. Each iteration takes several seconds (10 samples, short
//! measurement time: criterion warns that it needs longer, which is expected); each has its
//! own group so that it can be run alone.
//!
//! Targets (issue 15, 2 cores): `simulate` with 200 tables × stepwise + BCa, B = 1,000, on UK
//! five lists ≤ 15 s (in R: ~200 × 63 CPU-s ≈ 3.5 h); a calibrated stepwise + BCa interval
//! for UK five lists (S = 200 calibration tables, B = 1,000) ≤ 20 s.

use criterion::{criterion_group, criterion_main, Criterion};
use darkfigure::prelude::*;
use std::time::Duration;

fn stepwise_bca() -> EstimateOptions {
    EstimateOptions::default()
        .select(Rule::Stepwise)
        .bootstrap(BootstrapOptions::new(1000, 1234))
}

fn simulate_uk5(c: &mut Criterion) {
    let mut g = c.benchmark_group("simulate_uk5");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    let uk = datasets::uk_2013_5();
    let stepwise = Loglinear::stepwise(0.02);
    let truth = Truth::fit(&uk, &stepwise).unwrap();
    let opts = stepwise_bca();
    g.bench_function("200_tables_stepwise_bca_B1000", |b| {
        b.iter(|| {
            simulate(
                &truth,
                &stepwise,
                &opts,
                &SimulateOptions::new(200, 1234),
                None,
            )
            .unwrap()
        })
    });
    g.finish();
}

fn calibrated_uk5(c: &mut Criterion) {
    let mut g = c.benchmark_group("calibrated_uk5");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    let uk = datasets::uk_2013_5();
    let opts = stepwise_bca().calibrated(CalibrationOptions::new(200));
    g.bench_function("stepwise_bca_S200_B1000", |b| {
        b.iter(|| estimate(&uk, &opts).unwrap())
    });
    g.finish();
}

criterion_group!(benches, simulate_uk5, calibrated_uk5);
criterion_main!(benches);
