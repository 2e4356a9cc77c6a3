//! Exhaustive model search (issue: model selection). Run: `cargo bench --bench search`.
//!
//! Anchors (R, same machine type): Rcapture `closedpMS.t` on the 32,768 pairwise models of the
//! UK six lists: 146 CPU-s; MultipleSystemsEstimation BIC over 6,212 five-list models:
//! 8–12 CPU-s. The 7,785,061-model six-list space (all orders, group `search_all_orders`,
//! 7.7 s median on 2 cores, see README) is something no R package can do.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use darkfigure::datasets;
use darkfigure::selection::{search, SearchOptions};
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("search");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let cases = [
        ("uk6_order2_32768", datasets::uk_2013(), Some(2)),
        ("uk5_all_6893", datasets::uk_2013_5(), None),
        ("uk5_order3_6212", datasets::uk_2013_5(), Some(3)),
        ("western5_all_6893", datasets::western(), None),
    ];
    for (name, table, order) in &cases {
        g.bench_with_input(BenchmarkId::from_parameter(name), table, |b, t| {
            b.iter(|| {
                search(
                    t,
                    &SearchOptions {
                        max_order: *order,
                        top: Some(20),
                        ..Default::default()
                    },
                )
                .unwrap()
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("search_all_orders");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    let uk = datasets::uk_2013();
    g.bench_function("uk6_all_7785061", |b| {
        b.iter(|| {
            search(
                &uk,
                &SearchOptions {
                    top: Some(20),
                    ..Default::default()
                },
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
