//! Benchmarks of the log-linear fit, the Cholesky solve and the existence check.
//!
//! Run with `cargo bench --bench fit` (add `-- --quick` for a fast pass).
//!
//! Groups:
//! * `fit`: per-fit time on synthetic tables of `t = 3..=8` lists (main effects and all
//!   pairs) and on bundled datasets. `main`/`pairs` time [`darkfigure::fit`] with the default
//!   options (existence check included, fresh workspace); `main_pure`/`pairs_pure` time
//!   [`darkfigure::fit::fit_with`] with a reused [`Workspace`] and
//!   `check_existence: false`, i.e. the Newton solve plus the assembly of the report.
//! * `cholesky`: [`darkfigure::linalg::cholesky`] + [`darkfigure::linalg::cholesky_solve`]
//!   against `nalgebra`'s `DMatrix::cholesky` + `solve` on SPD matrices `AᵀA + I`.
//! * `existence`: [`darkfigure::existence::check`] on models of the bundled datasets.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use darkfigure::internals as linalg;
use darkfigure::internals::{fit_with, Workspace};
use darkfigure::loglinear::existence;
use darkfigure::{datasets, fit, CaptureTable, FitOptions, Model};
use nalgebra::{DMatrix, DVector};

/// A minimal 64-bit linear congruential generator (Knuth's MMIX constants), so the inputs are
/// identical on every run and platform.
struct Lcg(u64);

impl Lcg {
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0
    }

    /// Uniform on `[0, 1)` from the top 53 bits.
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A deterministic `t`-list table: expected counts of an independence (main-effects) model
/// with capture probabilities in `[0.2, 0.5)`, perturbed by a multiplicative factor in
/// `[0.8, 1.2)` and rounded, floored at 1 so that all `2^t − 1` cells are positive; about
/// 3000 observed cases.
fn synthetic_table(t: usize) -> CaptureTable {
    let mut rng = Lcg(0x5eed_0000 + t as u64);
    let probs: Vec<f64> = (0..t).map(|_| 0.2 + 0.3 * rng.uniform()).collect();
    let n = 1usize << t;
    let shape: Vec<f64> = (0..n)
        .map(|h| {
            (0..t)
                .map(|i| {
                    if h >> i & 1 == 1 {
                        probs[i]
                    } else {
                        1.0 - probs[i]
                    }
                })
                .product()
        })
        .collect();
    let observed_mass: f64 = shape[1..].iter().sum();
    let scale = 3000.0 / observed_mass;
    let mut counts = vec![0u64; n];
    for h in 1..n {
        let noise = 0.8 + 0.4 * rng.uniform();
        counts[h] = ((scale * shape[h] * noise).round() as u64).max(1);
    }
    let names = (0..t).map(|i| format!("L{}", i + 1)).collect();
    CaptureTable::from_counts(names, &counts).expect("synthetic table is valid")
}

/// Options without the existence check (the pure fit).
fn pure() -> FitOptions {
    FitOptions {
        check_existence: false,
        ..FitOptions::default()
    }
}

/// Bench `fit` (default options) under `id` and the pure reused-workspace fit under
/// `{id}_pure`, after checking once that both succeed.
fn bench_fit_pair(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    function: &str,
    parameter: impl std::fmt::Display,
    table: &CaptureTable,
    model: &Model,
) {
    let parameter = parameter.to_string();
    let defaults = FitOptions::default();
    let pure = pure();
    let probe = fit(table, model, &defaults).unwrap_or_else(|e| {
        panic!("fit {function}/{parameter} failed: {e}");
    });
    assert_eq!(probe.model, *model);
    group.bench_with_input(
        BenchmarkId::new(function, &parameter),
        &(table, model),
        |b, &(table, model)| b.iter(|| fit(black_box(table), black_box(model), &defaults)),
    );
    let mut ws = Workspace::new(table.lists());
    fit_with(table, model, &pure, &mut ws).expect("pure fit succeeds");
    group.bench_with_input(
        BenchmarkId::new(format!("{function}_pure"), &parameter),
        &(table, model),
        |b, &(table, model)| {
            b.iter(|| fit_with(black_box(table), black_box(model), &pure, &mut ws))
        },
    );
}

fn bench_fit(c: &mut Criterion) {
    let mut group = c.benchmark_group("fit");
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(30);
    for t in 3..=8 {
        let table = synthetic_table(t);
        bench_fit_pair(&mut group, "main", t, &table, &Model::main_effects(t));
        bench_fit_pair(&mut group, "pairs", t, &table, &Model::all_of_order(t, 2));
    }
    let uk = datasets::uk_2013();
    bench_fit_pair(&mut group, "uk_2013", "main", &uk, &Model::main_effects(6));
    bench_fit_pair(
        &mut group,
        "uk_2013",
        "pairs",
        &uk,
        &Model::all_of_order(6, 2),
    );
    let no = datasets::new_orleans();
    bench_fit_pair(
        &mut group,
        "new_orleans",
        "main",
        &no,
        &Model::main_effects(8),
    );
    group.finish();
}

/// A row-major SPD matrix `AᵀA + I` (`A` uniform on `[−1, 1)`) and a right-hand side.
fn spd_system(p: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Lcg(seed);
    let a: Vec<f64> = (0..p * p).map(|_| 2.0 * rng.uniform() - 1.0).collect();
    let mut m = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..p {
            let s: f64 = (0..p).map(|k| a[k * p + i] * a[k * p + j]).sum();
            m[i * p + j] = s + if i == j { 1.0 } else { 0.0 };
        }
    }
    let b = (0..p).map(|_| 2.0 * rng.uniform() - 1.0).collect();
    (m, b)
}

fn ours(a: &[f64], b: &[f64], p: usize) -> Vec<f64> {
    let mut l = a.to_vec();
    let mut x = b.to_vec();
    assert!(linalg::cholesky(&mut l, p));
    linalg::cholesky_solve(&l, p, &mut x);
    x
}

fn theirs(a: &[f64], b: &[f64], p: usize) -> DVector<f64> {
    let m = DMatrix::from_row_slice(p, p, a);
    let rhs = DVector::from_column_slice(b);
    m.cholesky().expect("SPD").solve(&rhs)
}

fn bench_cholesky(c: &mut Criterion) {
    let mut group = c.benchmark_group("cholesky");
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(30);
    for p in [7usize, 22, 37] {
        let (a, b) = spd_system(p, 0xc0ff_ee00 + p as u64);
        // Both solvers give the same answer.
        let x = ours(&a, &b, p);
        let y = theirs(&a, &b, p);
        for (u, v) in x.iter().zip(y.iter()) {
            assert!((u - v).abs() <= 1e-9 * (1.0 + v.abs()), "{u} vs {v}");
        }
        group.bench_with_input(BenchmarkId::new("ours", p), &p, |bch, &p| {
            bch.iter(|| ours(black_box(&a), black_box(&b), p))
        });
        // As in the fit loop: factor into a reused buffer, no allocation.
        let mut l = vec![0.0; p * p];
        let mut rhs = vec![0.0; p];
        group.bench_with_input(BenchmarkId::new("ours_reused_buffers", p), &p, |bch, &p| {
            bch.iter(|| {
                l.copy_from_slice(black_box(&a));
                rhs.copy_from_slice(black_box(&b));
                assert!(linalg::cholesky(&mut l, p));
                linalg::cholesky_solve(&l, p, &mut rhs);
                black_box(&rhs);
            })
        });
        group.bench_with_input(BenchmarkId::new("nalgebra", p), &p, |bch, &p| {
            bch.iter(|| theirs(black_box(&a), black_box(&b), p))
        });
    }
    group.finish();
}

fn bench_existence(c: &mut Criterion) {
    let mut group = c.benchmark_group("existence");
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(30);
    let cases = [
        (
            "uk_2013_pairs",
            datasets::uk_2013(),
            Model::all_of_order(6, 2),
        ),
        (
            "artificial_3_pairs",
            datasets::artificial_3(),
            Model::all_of_order(3, 2),
        ),
        (
            "new_orleans_main",
            datasets::new_orleans(),
            Model::main_effects(8),
        ),
    ];
    for (name, table, model) in &cases {
        existence::check(table, model).expect("existence check runs");
        group.bench_with_input(
            BenchmarkId::from_parameter(name),
            &(table, model),
            |b, &(table, model)| b.iter(|| existence::check(black_box(table), black_box(model))),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_fit, bench_cholesky, bench_existence);
criterion_main!(benches);
