//! Greater New Orleans, eight sparse lists (Bales, Murphy & Silverman 2020): 185 cases on
//! 19 of 255 possible histories, 18 of 28 pairs never overlapping. Shows what darkfigure says
//! when the data cannot support a model: the existence check of the all-pairs model, the
//! terms fixed at −∞, and stepwise selection with a BCa bootstrap (Chan et al. 2021).
//!
//! `cargo run --release --example new_orleans`

use darkfigure::prelude::*;

fn main() -> Result<()> {
    let no = datasets::new_orleans();
    let s = summarize(&no);
    println!(
        "New Orleans: {} cases on {} lists, {} of {} histories observed",
        s.observed,
        no.lists(),
        s.histories_observed,
        s.histories_possible
    );
    for w in &s.warnings {
        println!("  warning: {w}");
    }
    let all_pairs = Model::all_of_order(8, 2);
    let ex = darkfigure::loglinear::check(&no, &all_pairs)?;
    println!(
        "All-pairs model: existence code {} (finite MLE: {}, identifiable: {}, rank {} of {}); {} terms fixed at -inf",
        ex.code,
        ex.finite,
        ex.identifiable,
        ex.rank,
        ex.parameters,
        ex.infinite_terms.len()
    );
    if let Err(e) = darkfigure::fit(&no, &all_pairs, &FitOptions::default()) {
        println!("Fitting it anyway: {e}");
    }
    let t = sensitivity(
        &no,
        Level::default(),
        Some(&BootstrapOptions::new(1000, 1234)),
    )?;
    print!("{}", t.to_text());
    Ok(())
}
