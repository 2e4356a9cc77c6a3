//! LCMCR engine (issue: LCMCR engine). Run: `cargo bench --bench lcmcr`;
//! one thread: `RAYON_NUM_THREADS=1 cargo bench --bench lcmcr`.
//!
//! Anchors (LCMCR 0.4.14, shared/reference/lcmcr): one standard chain on UK five lists is
//! 20,500 sweeps in ≈ 0.22 CPU-s (≈ 90,000 sweeps/s). Targets: single-chain sweeps/s ≥
//! LCMCR's; ESS of N per second on UK five lists ≥ 660/s on both cores; a 4-chain
//! until-converged run on western reaching R-hat < 1.01 in under 10 s.
//!
//! Besides criterion's timings (throughput in sweeps), `report` prints, once, the bulk ESS of
//! N per wall-clock second of 4-chain runs (UK five lists with seeds 1–5, and once with
//! LCMCR's plain sampler) and the time an until-converged run takes.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use darkfigure::data::io::{read_table, Format};
use darkfigure::estimators::lcmcr::{lcmcr, LcmcrOptions};
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
    // LCMCR's own sweep (no collapsed moves, no label swaps), the unit of its timing.
    let plain = opts.clone().collapsed_moves(false).label_swaps(false);
    let t = table("ukdat_5");
    g.bench_function("ukdat_5_plain", |b| {
        b.iter(|| lcmcr(t.lists(), t.counts(), &plain, None).unwrap())
    });
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

/// CPU seconds (user + system) of this process so far, from `/proc/self/stat` (Linux; 10 ms
/// ticks), or NaN elsewhere. On a shared machine CPU time is steadier than wall time.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// One-off figures printed to stderr: sweeps per CPU-second of one chain, ESS of N per second
/// and time to convergence.
fn report(_: &mut Criterion) {
    for name in ["ukdat_5", "western"] {
        let t = table(name);
        for moves in [true, false] {
            let opts = LcmcrOptions::default()
                .chains(1)
                .seed(1)
                .collapsed_moves(moves)
                .label_swaps(moves);
            let (wall, cpu) = (Instant::now(), cpu_seconds());
            for _ in 0..10 {
                lcmcr(t.lists(), t.counts(), &opts, None).unwrap();
            }
            let (wall, cpu) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
            let sweeps = 10.0 * opts.sweeps_per_chain().unwrap() as f64;
            eprintln!(
                "{name}{}: 10 single-chain standard runs (20,500 sweeps each): {:.0} sweeps per \
                 CPU-s, {:.0} per wall-s",
                if moves { "" } else { " (LCMCR's plain sweep)" },
                sweeps / cpu,
                sweeps / wall
            );
        }
    }
    for (name, samples, seed, moves) in [
        ("ukdat_5", 25_000u64, 1, true),
        ("ukdat_5", 25_000, 2, true),
        ("ukdat_5", 25_000, 3, true),
        ("ukdat_5", 25_000, 4, true),
        ("ukdat_5", 25_000, 5, true),
        ("ukdat_5", 25_000, 1, false),
        ("kosovo", 10_000, 1, true),
        ("western", 1_000, 1, true),
    ] {
        let t = table(name);
        let opts = LcmcrOptions::default()
            .samples(samples)
            .seed(seed)
            .collapsed_moves(moves)
            .label_swaps(moves);
        let (start, cpu) = (Instant::now(), cpu_seconds());
        let p = lcmcr(t.lists(), t.counts(), &opts, None).unwrap();
        let (secs, cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        let ess = p.diagnostics.ess_bulk.unwrap_or(f64::NAN);
        eprintln!(
            "{name} seed {seed}{}: 4 chains x {samples} draws (thinning 10), {secs:.2} s wall \
             ({cpu:.2} CPU-s), R-hat {:.4}, bulk ESS {ess:.0} => {:.0} ESS per wall-s \
             ({:.0} per CPU-s / 2), {:.0} sweeps per wall-s",
            if moves {
                ""
            } else {
                " (LCMCR's plain sampler)"
            },
            p.diagnostics.rhat.unwrap_or(f64::NAN),
            ess / secs,
            2.0 * ess / cpu,
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
        let (start, cpu) = (Instant::now(), cpu_seconds());
        let p = lcmcr(t.lists(), t.counts(), &opts, None).unwrap();
        eprintln!(
            "{name}: until-converged, 4 chains: converged {} after {} sweeps per chain \
             ({} draws), {:.2} s wall ({:.2} CPU-s), R-hat {:.4}, bulk ESS {:.0}",
            p.converged,
            p.sweeps_per_chain,
            p.draws_per_chain,
            start.elapsed().as_secs_f64(),
            cpu_seconds() - cpu,
            p.diagnostics.rhat.unwrap_or(f64::NAN),
            p.diagnostics.ess_bulk.unwrap_or(f64::NAN)
        );
    }
}

criterion_group!(benches, single_chain, four_chains, report);
criterion_main!(benches);
