//! The Home Office analysis of the UK 2013 strategic assessment, end to end:
//! the lists, AIC-stepwise with its profile-likelihood interval (the published
//! "10,000 to 13,000"), stepwise selection with a 1,000-replicate BCa bootstrap that re-selects
//! the model in every replicate, and the sensitivity table.
//!
//! `cargo run --release --example uk_2013`

use darkfigure::prelude::*;

fn main() -> Result<()> {
    let uk = datasets::uk_2013();
    let s = summarize(&uk);
    println!(
        "UK 2013: {} possible victims on {} lists",
        s.observed,
        uk.lists()
    );
    for l in &s.lists {
        println!("  {:<4} {:>5} cases", l.name, l.size);
    }
    for w in &s.warnings {
        println!("  warning: {w}");
    }

    // AIC-stepwise (Silverman 2014), profile-likelihood interval.
    let e = estimate(&uk, &EstimateOptions::default().select(Rule::AicStepwise))?;
    let model = e.model().expect("a log-linear model");
    println!(
        "\nAIC-stepwise model {} ({}): N = {:.0}, 95% {} interval {:.0} to {:.0}",
        model.notation().unwrap_or_default(),
        model.display(uk.names()),
        e.estimate,
        e.interval.method,
        e.interval.lower.unwrap_or(f64::NAN),
        e.interval.upper.unwrap_or(f64::NAN)
    );

    // Stepwise (Chan, Silverman & Vincent 2021) with the bootstrap.
    let opts = EstimateOptions::default()
        .select(Rule::Stepwise)
        .bootstrap(BootstrapOptions::new(1000, 1234));
    let e = estimate(&uk, &opts)?;
    let b = e.bootstrap.as_ref().expect("bootstrap requested");
    println!(
        "Stepwise model {}: N = {:.0}, 95% BCa interval {:.0} to {:.0} (B = {}, â = {:.4}, z0 = {:.4})",
        e.model().and_then(Model::notation).unwrap_or_default(),
        e.estimate,
        e.interval.lower.unwrap_or(f64::NAN),
        e.interval.upper.unwrap_or(f64::NAN),
        b.replicates.len(),
        b.acceleration,
        b.z0
    );

    println!("\nSensitivity table:");
    let t = sensitivity(
        &uk,
        Level::default(),
        Some(&BootstrapOptions::new(1000, 1234)),
    )?;
    print!("{}", t.to_text());
    Ok(())
}
