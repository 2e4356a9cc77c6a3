//! Graph averaging (`darkfigure::estimators::dga`, dga's `bma.cr`). Run: `cargo bench --bench dga`
//! (one group: `cargo bench --bench dga -- dga/uk5`).
//!
//! Targets (issue, 2 cores) and dga 2.0.2's own cost on this machine type (method doc §7):
//! * `uk5_20n`: UK five lists on dga's `0:(20n)` grid ≤ 80 ms (dga: 1.63 CPU-s);
//! * `ned5_20n`: Netherlands five lists on `0:(20n)` ≤ 0.36 s, bounded memory (dga: 7.26
//!   CPU-s, 1 GB);
//! * `uk6_auto`: UK six lists (18,154 graphs), automatic grid ≤ 2 s;
//! * `neworl7_20n`: New Orleans with the last list (H) summed out, 617,675 graphs,
//!   `0:(20n)` ≤ 60 s;
//! * `enumerate`: the chordal graphs on 6 and 7 vertices (18,154 and 617,675).
//!
//! Inputs are the bundled CSVs in `data/`; nothing is random.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use darkfigure::data::io::{read_table, Format};
use darkfigure::estimators::dga::{dga, ChordalGraphs, DgaOptions, Grid};

fn table(name: &str, omit: Option<&str>) -> (usize, Vec<u64>, u64) {
    let path = format!("{}/data/{name}.csv", env!("CARGO_MANIFEST_DIR"));
    let mut t = read_table(path, Format::Auto).expect("bundled data");
    if let Some(l) = omit {
        t = t.omit_lists(&[l]).expect("list exists");
    }
    (t.lists(), t.counts().to_vec(), t.observed())
}

fn posterior(c: &mut Criterion) {
    let mut g = c.benchmark_group("dga");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let cases: [(&str, &str, Option<&str>, Option<u64>); 3] = [
        ("uk5_20n", "ukdat_5", None, Some(20)),
        ("ned5_20n", "ned_5", None, Some(20)),
        ("uk6_auto", "ukdat", None, None),
    ];
    for (id, name, omit, ratio) in cases {
        let (t, counts, n) = table(name, omit);
        let grid = ratio.map_or(Grid::Auto, |r| Grid::Max(r * n));
        let opts = DgaOptions::default().grid(grid);
        g.bench_function(BenchmarkId::from_parameter(id), |b| {
            b.iter(|| dga(t, black_box(&counts), &opts).expect("runs"))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("dga_large");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    let (t, counts, n) = table("neworl", Some("H"));
    let opts = DgaOptions::default().grid(Grid::Max(20 * n));
    g.bench_function(BenchmarkId::from_parameter("neworl7_20n"), |b| {
        b.iter(|| dga(t, black_box(&counts), &opts).expect("runs"))
    });
    g.finish();
}

fn enumerate(c: &mut Criterion) {
    let mut g = c.benchmark_group("dga_enumerate");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for t in [6usize, 7] {
        g.bench_with_input(BenchmarkId::from_parameter(t), &t, |b, &t| {
            b.iter(|| {
                ChordalGraphs::new(t, None)
                    .expect("t ≤ 8")
                    .map(|g| g.cliques().len())
                    .sum::<usize>()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, posterior, enumerate);
criterion_main!(benches);
