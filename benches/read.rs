//! Reading large inputs: 10^6-row long-format and records files (generated in memory with a
//! fixed seed), read in one pass.
//!
//! `cargo bench --bench read`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use darkfigure::data::io::{parse_table, Format};
use rand::{Rng, SeedableRng};
use std::time::Duration;

/// `rows` sightings `list,id` of 400,000 case ids on five lists.
fn long(rows: usize) -> Vec<u8> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut s = String::from("list,id\n");
    for _ in 0..rows {
        let l = rng.random_range(1..=5);
        let id = rng.random_range(1..=400_000);
        s.push_str(&format!("L{l},case{id}\n"));
    }
    s.into_bytes()
}

/// `rows` cases on five lists, one row each.
fn records(rows: usize) -> Vec<u8> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
    let mut s = String::from("A,B,C,D,E\n");
    for _ in 0..rows {
        let mut h: u32 = rng.random_range(0..32);
        if h == 0 {
            h = 1;
        }
        let fields: Vec<&str> = (0..5)
            .map(|i| if h >> i & 1 == 1 { "1" } else { "0" })
            .collect();
        s.push_str(&fields.join(","));
        s.push('\n');
    }
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("read");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let n = 1_000_000;
    let (l, r) = (long(n), records(n));
    g.bench_with_input(BenchmarkId::new("long", n), &l, |b, bytes| {
        b.iter(|| parse_table(bytes, "long.csv", Format::Long).unwrap())
    });
    g.bench_with_input(BenchmarkId::new("records", n), &r, |b, bytes| {
        b.iter(|| parse_table(bytes, "records.csv", Format::Records).unwrap())
    });
    g.bench_with_input(BenchmarkId::new("auto_records", n), &r, |b, bytes| {
        b.iter(|| parse_table(bytes, "records.csv", Format::Auto).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
