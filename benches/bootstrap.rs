//! Bootstrap with model re-selection (issue: bootstrap engine).
//! Run: `cargo bench --bench bootstrap`; one thread: `RAYON_NUM_THREADS=1 cargo bench --bench bootstrap`.
//!
//! Anchors, CPU seconds for B = 1,000 (SparseMSE 2.0.1 / MultipleSystemsEstimation 1.2.0):
//! stepwise + BCa UK 6 lists 178 / 99; UK 5 lists 80 / 39; New Orleans 8 lists 478 / 441;
//! Netherlands 6 lists 245 / 140; BIC top-100 + BCa UK 5 lists max order 3: — / 92.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use darkfigure::datasets;
use darkfigure::prelude::{bootstrap, BootstrapOptions, Loglinear};
use darkfigure::selection::{search, SearchOptions};
use std::time::Duration;

fn stepwise(c: &mut Criterion) {
    let mut g = c.benchmark_group("stepwise_bca_B1000");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    for (name, table) in [
        ("uk6", datasets::uk_2013()),
        ("uk5", datasets::uk_2013_5()),
        ("neworl8", datasets::new_orleans()),
        ("ned6", datasets::netherlands()),
        ("western5", datasets::western()),
    ] {
        g.bench_with_input(BenchmarkId::from_parameter(name), &table, |b, t| {
            b.iter(|| {
                bootstrap(
                    t,
                    &Loglinear::stepwise(0.02),
                    &BootstrapOptions::new(1000, 1234),
                    None,
                    None,
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

fn bic_top100(c: &mut Criterion) {
    let mut g = c.benchmark_group("bic_top100_bca_B1000");
    g.sample_size(10).measurement_time(Duration::from_secs(6));
    let t = datasets::uk_2013_5();
    let top = search(
        &t,
        &SearchOptions {
            max_order: Some(3),
            top: Some(100),
            ..Default::default()
        },
    )
    .unwrap();
    let models = top.models.iter().map(|m| m.model(5)).collect();
    let est = Loglinear::among(darkfigure::prelude::Criterion::Bic, models);
    g.bench_function("uk5_order3", |b| {
        b.iter(|| bootstrap(&t, &est, &BootstrapOptions::new(1000, 1234), None, None).unwrap())
    });
    g.finish();
}

fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("stepwise_uk6_scaling_B");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let t = datasets::uk_2013();
    for b_reps in [100usize, 1_000, 10_000, 100_000] {
        g.bench_with_input(BenchmarkId::from_parameter(b_reps), &b_reps, |b, &n| {
            b.iter(|| {
                bootstrap(
                    &t,
                    &Loglinear::stepwise(0.02),
                    &BootstrapOptions::new(n, 1234),
                    None,
                    None,
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, stepwise, bic_top100, scaling);
criterion_main!(benches);
