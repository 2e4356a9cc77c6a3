//! From the lists agencies actually hold — one row per (list, case id) sighting — to a
//! frequency table and an estimate. The file `data/examples/sightings_long.csv` is a small
//! made-up example (32 cases on four lists).
//!
//! `cargo run --release --example from_raw_lists`

use darkfigure::io::{parse_table, write_frequency_csv, Format};
use darkfigure::{sensitivity, summary};

fn main() -> darkfigure::Result<()> {
    let raw = include_str!("../data/examples/sightings_long.csv");
    let table = parse_table(
        raw.as_bytes(),
        "data/examples/sightings_long.csv",
        Format::Long,
    )?;
    println!("Frequency table (the layout the R packages read):");
    write_frequency_csv(&table, std::io::stdout().lock(), "<stdout>")?;
    for w in summary::summarize(&table).warnings {
        println!("warning: {w}");
    }
    let t = sensitivity::sensitivity(&table, 0.95, None)?;
    print!("{}", t.to_text());
    Ok(())
}
