//! Kosovo war killings, four lists (Ball et al. 2002): summary and sensitivity table.
//!
//! `cargo run --release --example kosovo`

use darkfigure::prelude::*;

fn main() -> Result<()> {
    let table = datasets::kosovo();
    let s = summarize(&table);
    println!(
        "Kosovo war killings, four lists (Ball et al. 2002): {} cases, {} of {} histories observed",
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
