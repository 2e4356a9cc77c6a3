//! LCMCR engine (issue: LCMCR engine). Run: `cargo bench --bench lcmcr`;
//! one thread: `RAYON_NUM_THREADS=1 cargo bench --bench lcmcr`.
//!
//! Anchors (LCMCR 0.4.14, shared/reference/lcmcr): one standard chain on UK five lists is
//! 20,500 sweeps in ≈ 0.22 CPU-s (≈ 90,000 sweeps/s). Targets: single-chain sweeps/s ≥
//! LCMCR's; ESS of N per second on UK five lists ≥ 660/s on both cores; a 4-chain
//! until-converged run on western reaching R-hat < 1.01 in under 10 s.
//!
//! Besides criterion's timings (throughput in sweeps), `report` prints, once, the bulk ESS of
//! N per wall-clock second of 4-chain runs and the time an until-converged run takes.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use darkfigure::io::{read_table, Format};
use darkfigure::lcmcr::{lcmcr, LcmcrOptions};
use darkfigure::CaptureTable;
use std::time::{Duration, Instant};

fn table(name: &str) -> CaptureTable {
    read_table(
        format!("{}/data/{name}.csv", env!("CARGO_MANIFEST_DIR")),
        Format::Auto,
    )
    .unwrap()
}

fn single_chain(c: &mut Criterion) {
    let mut g = c.benchmark_group("lcmcr_single_chain_standard_run");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let opts = LcmcrOptions::default().chains(1).seed(1);
    g.throughput(Throughput::Elements(opts.sweeps_per_chain().unwrap()));
    for name in ["ukdat_5", "kosovo", "western", "artificial_3"] {
        let t = table(name);
        g.bench_with_input(BenchmarkId::from_parameter(name), &t, |b, t| {
            b.iter(|| lcmcr(t.lists(), t.counts(), &opts, None).unwrap())
        });
    }
    g.finish();
}

fn four_chains(c: &mut Criterion) {
    let mut g = c.benchmark_group("lcmcr_4_chains_standard_run");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    let opts = LcmcrOptions::default().seed(1);
    g.throughput(Throughput::Elements(4 * opts.sweeps_per_chain().unwrap()));
    let t = table("ukdat_5");
    g.bench_function("ukdat_5", |b| {
        b.iter(|| lcmcr(t.lists(), t.counts(), &opts, None).unwrap())
    });
    g.finish();
}

/// One-off figures printed to stderr: ESS of N per second and time to convergence.
fn report(_: &mut Criterion) {
    for (name, samples) in [
        ("ukdat_5", 25_000u64),
        ("kosovo", 10_000),
        ("western", 1_000),
    ] {
        let t = table(name);
        let opts = LcmcrOptions::default().samples(samples).seed(1);
        let start = Instant::now();
        let p = lcmcr(t.lists(), t.counts(), &opts, None).unwrap();
        let secs = start.elapsed().as_secs_f64();
        let ess = p.diagnostics.ess_bulk.unwrap_or(f64::NAN);
        eprintln!(
            "{name}: 4 chains x {samples} draws (thinning 10), {secs:.2} s wall, R-hat {:.4}, \
             bulk ESS {ess:.0} => {:.0} ESS/s, {:.0} sweeps/s",
            p.diagnostics.rhat.unwrap_or(f64::NAN),
            ess / secs,
            p.sweeps as f64 / secs
        );
    }
    // Maximum sweeps per chain: ukdat_5's (3·10^6) is about a minute on 2 cores.
    for (name, max) in [
        ("western", 2_000_000u64),
        ("kosovo", 2_000_000),
        ("ukdat_5", 3_000_000),
    ] {
        let t = table(name);
        let opts = LcmcrOptions::default().seed(1).until_converged(Some(max));
        let start = Instant::now();
        let p = lcmcr(t.lists(), t.counts(), &opts, None).unwrap();
        eprintln!(
            "{name}: until-converged, 4 chains: converged {} after {} sweeps per chain \
             ({} draws), {:.2} s wall, R-hat {:.4}, bulk ESS {:.0}",
            p.converged,
            p.sweeps_per_chain,
            p.draws_per_chain,
            start.elapsed().as_secs_f64(),
            p.diagnostics.rhat.unwrap_or(f64::NAN),
            p.diagnostics.ess_bulk.unwrap_or(f64::NAN)
        );
    }
}

criterion_group!(benches, single_chain, four_chains, report);
criterion_main!(benches);
