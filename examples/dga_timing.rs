//! Time one graph-averaging run on a bundled CSV (wall time per repetition; run it under
//! `/usr/bin/time` for CPU time and peak memory).
//!
//! `cargo run --release --example dga_timing -- data/ukdat_5.csv 20 [-|LIST_TO_OMIT] [reps]`
//! (`20`: the grid `0:(20n)`; `auto`: the automatic grid).

use darkfigure::dga::{dga, DgaOptions, Grid};
use darkfigure::io::{read_table, Format};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: dga_timing FILE.csv (RATIO|auto) [-|OMIT] [REPS]");
        std::process::exit(2);
    }
    let mut tab = read_table(&args[1], Format::Auto).expect("readable table");
    if let Some(l) = args.get(3).filter(|l| *l != "-") {
        tab = tab.omit_lists(&[l.as_str()]).expect("list exists");
    }
    let (t, n) = (tab.lists(), tab.observed());
    let grid = match args[2].as_str() {
        "auto" => Grid::Auto,
        r => Grid::Max(r.parse::<u64>().expect("a ratio") * n),
    };
    let opts = DgaOptions::default().grid(grid);
    let reps: usize = args.get(4).map_or(1, |s| s.parse().expect("a count"));
    for _ in 0..reps {
        let t0 = Instant::now();
        let p = dga(t, tab.counts(), &opts).expect("runs");
        println!(
            "{} lists={t} n={n} graphs={} grid 0..={} ({} points): {:.4} s; median {}, tail {:.2e}, skipped {:.0}% of graph x point pairs",
            args[1],
            p.graphs,
            p.grid.max,
            p.grid.points,
            t0.elapsed().as_secs_f64(),
            p.median,
            p.grid.tail_mass.unwrap_or(f64::NAN),
            100.0 * p.evaluation.skipped_points as f64 / p.evaluation.points as f64
        );
    }
}
