//! Netherlands, six lists (Silverman 2020): summary and sensitivity table.
//!
//! `cargo run --release --example netherlands`

use darkfigure::prelude::*;

fn main() -> Result<()> {
    let table = datasets::netherlands();
    let s = summarize(&table);
    println!(
        "Netherlands, six lists (Silverman 2020): {} cases, {} of {} histories observed",
        s.observed, s.histories_observed, s.histories_possible
    );
    for w in &s.warnings {
        println!("  warning: {w}");
    }
    let t = sensitivity(
        &table,
        Level::default(),
        Some(&BootstrapOptions::new(1000, 1234)),
    )?;
    print!("{}", t.to_text());
    Ok(())
}
