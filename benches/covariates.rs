//! Benchmarks of the covariate engine on the bundled westeros data (4 lists, covariates X1–X4
//! and year Y: 1,440 observable cells).
//!
//! Run with `cargo bench --bench covariates` (add `-- --quick` for a fast pass).
//!
//! Groups:
//! * `model_search`: `mse::model_search(westeros, lists = 1:4, year = "Y")` reproduced by
//!   [`darkfigure::estimators::covariates::model_search`] (34 accepted models, ~960 candidate fits). R
//!   4.2.2 with mse 1.0 took 25.6 CPU-seconds (`timing_model_search` in
//!   `tests/reference/covariates/mse_westeros_search.json`). `threads/1` runs it in a
//!   one-thread rayon pool, `threads/2` in a two-thread pool.
//! * `fit`: one fixed model by [`darkfigure::estimators::covariates::fit`] at the reference settings
//!   (ε = 1e-10): `w3` (18 columns), `w6` (72 columns), `w8` (54 columns, extended MLE and
//!   existence certificate).
//! * `select`: the stepwise rules `bic-stepwise` and `aic-stepwise` (existence checked).
//! * `bootstrap`: [`darkfigure::uncertainty::covariates::bootstrap_prepared`] on westeros with
//!   the jackknife (117 non-empty cells) for BCa: `fixed/1000` keeps the model-search model
//!   fixed (boot_mse's bootstrap, nonparametric draws); `reselect/B` re-runs the model search in
//!   every replicate and jackknife table (B + 117 searches).
//! * `bootstrap_long`: `reselect/1000`, the workload of issue 12's target (≤ 30 s on 2
//!   cores); about 30 s a run, ten runs (criterion's minimum) after one warm-up run: some
//!   five and a half minutes. Skip it with `cargo bench --bench covariates -- --skip
//!   bootstrap_long`, or run it alone with `-- bootstrap_long`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use darkfigure::estimators::covariates::{
    self, Chosen, CovariateTable, FitOptions, Formula, ModelChoice, SearchOptions, SelectOptions,
    SelectRule, TableSpec,
};
use darkfigure::uncertainty::covariates::{bootstrap_prepared, CovariateBootstrapOptions};

fn westeros() -> CovariateTable {
    let path = format!(
        "{}/data/covariates/westeros_cells.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    CovariateTable::read_frequency(path, &TableSpec::new(["X1", "X2", "X3", "X4", "Y"])).unwrap()
}

fn bench_search(c: &mut Criterion) {
    let t = westeros();
    let mut g = c.benchmark_group("model_search");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_with_input(BenchmarkId::new("threads", threads), &threads, |b, _| {
            b.iter(|| {
                pool.install(|| {
                    covariates::model_search(black_box(&t), &SearchOptions::default()).unwrap()
                })
            })
        });
    }
    g.finish();
}

fn bench_fit(c: &mut Criterion) {
    let t = westeros();
    let models = [
        ("w3", "R1 + R2 + R3 + R4 + R1:R2 + R1:R3 + R1:R4 + R2:R3 + R2:R4 + X1 + X2 + X3 + X4 + Y"),
        ("w6", "R1 + R2 + R3 + R4 + R1:R2 + R1:R3 + R1:R4 + R2:R3 + R2:R4 + (R1 + R2 + R3):(X1 + X2 + X3 + X4) + R4:(X1 + X2 + X3) + (R1 + R2 + R3 + R4):Y + (X1 + X2 + X3 + X4 + Y)^2"),
        ("w8", "R1 + R2 + R3 + R4 + X1 + X2 + X3 + X4 + Y + X1:X4 + R3:X2 + X1:Y + R1:Y + X2:X4 + X1:X2 + R1:X2 + X4:Y + X2:X3 + X3:X4 + X3:Y + R2:R4 + X1:X3 + R4:X4 + R4:X3 + R2:Y + R2:X2 + R1:X4 + R1:X1 + X2:Y + R1:R4"),
    ];
    let mut g = c.benchmark_group("fit");
    g.sample_size(10);
    for (id, f) in models {
        let f = Formula::parse(f).unwrap();
        g.bench_with_input(BenchmarkId::new("westeros", id), &f, |b, f| {
            b.iter(|| covariates::fit(black_box(&t), f, &FitOptions::reference()).unwrap())
        });
    }
    g.finish();
}

fn bench_select(c: &mut Criterion) {
    let t = westeros();
    let mut g = c.benchmark_group("select");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for rule in [SelectRule::BicStepwise, SelectRule::AicStepwise] {
        g.bench_with_input(
            BenchmarkId::new("westeros", rule.name()),
            &rule,
            |b, &rule| {
                b.iter(|| covariates::select(black_box(&t), &SelectOptions::new(rule)).unwrap())
            },
        );
    }
    g.finish();
}

fn bench_bootstrap(c: &mut Criterion) {
    let t = westeros();
    let mut g = c.benchmark_group("bootstrap");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (id, fixed_model, b) in [("fixed", true, 1000usize), ("reselect", false, 10)] {
        let choice = ModelChoice::Select {
            options: SelectOptions::new(SelectRule::ModelSearch),
            fixed_model,
        };
        let chosen = Chosen::new(&t, &choice).unwrap();
        let prepared = chosen
            .prepare(&FitOptions::default().ordered(["Y"]))
            .unwrap();
        g.bench_with_input(BenchmarkId::new(id, b), &b, |bench, &b| {
            bench.iter(|| {
                bootstrap_prepared(&t, &prepared, &CovariateBootstrapOptions::new(b, 1), None)
                    .unwrap()
            })
        });
    }
    g.finish();
}

fn bench_bootstrap_long(c: &mut Criterion) {
    let t = westeros();
    let mut g = c.benchmark_group("bootstrap_long");
    // Ten samples of one run each: flat sampling, and a measurement time below ten runs'
    // (criterion's linear plan would make it 55 runs; 300 s, two runs a sample).
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(200));
    let choice = ModelChoice::Select {
        options: SelectOptions::new(SelectRule::ModelSearch),
        fixed_model: false,
    };
    let prepared = Chosen::new(&t, &choice)
        .unwrap()
        .prepare(&FitOptions::default().ordered(["Y"]))
        .unwrap();
    g.bench_function("reselect/1000", |bench| {
        bench.iter(|| {
            bootstrap_prepared(
                &t,
                &prepared,
                &CovariateBootstrapOptions::new(1000, 1),
                None,
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_search,
    bench_fit,
    bench_select,
    bench_bootstrap,
    bench_bootstrap_long
);
criterion_main!(benches);
