//! darkfigure embedded in another program, from one import: read a CSV, choose the model by
//! stepwise selection, put a 1,000-replicate BCa bootstrap interval around the estimate (the
//! model re-selected in every replicate), and print the result with the lists' names.
//!
//! `cargo run --release --example embed [FILE.csv]` (default `data/ukdat_5.csv`)

use darkfigure::prelude::*;

fn main() -> Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/ukdat_5.csv".into());
    let table = read_table(&path, Format::Auto)?;

    let opts = EstimateOptions::default()
        .select(Rule::Stepwise)
        .bootstrap(BootstrapOptions::new(1000, 1234));
    let est = estimate(&table, &opts)?;

    let model = est.model().expect("a log-linear method");
    let (lower, upper) = (est.interval.lower, est.interval.upper);
    println!(
        "{path}: {} cases on {} lists",
        table.observed(),
        table.lists()
    );
    println!("model (stepwise): {}", model.display(table.names()));
    println!("estimate: {:.0}", est.estimate);
    println!(
        "{}% {} interval: {:.0} to {:.0}",
        est.interval.level * 100.0,
        est.interval.method,
        lower.unwrap_or(f64::NAN),
        upper.unwrap_or(f64::NAN)
    );
    for note in &est.interval.flags {
        println!("  note: {note}");
    }
    Ok(())
}
