//! From the lists agencies actually hold — one row per (list, case id) sighting — to a
//! frequency table and an estimate. The file `data/examples/sightings_long.csv` is a small
//! made-up example (32 cases on four lists).
//!
//! `cargo run --release --example from_raw_lists`

use darkfigure::data::io::write_frequency_csv;
use darkfigure::prelude::*;

fn main() -> Result<()> {
    let raw = include_str!("../data/examples/sightings_long.csv");
    let table = parse_table(
        raw.as_bytes(),
        "data/examples/sightings_long.csv",
        Format::Long,
    )?;
    println!("Frequency table (the layout the R packages read):");
    write_frequency_csv(&table, std::io::stdout().lock(), "<stdout>")?;
    for w in summarize(&table).warnings {
        println!("warning: {w}");
    }
    let t = sensitivity(&table, Level::default(), None)?;
    print!("{}", t.to_text());
    Ok(())
}
