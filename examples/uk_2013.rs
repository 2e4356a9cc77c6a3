//! The Home Office analysis of the UK 2013 strategic assessment, end to end:
//! the lists, AIC-stepwise with its profile-likelihood interval (the published
//! "10,000 to 13,000"), stepwise selection with a 1,000-replicate BCa bootstrap that re-selects
//! the model in every replicate, and the sensitivity table.
//!
//! `cargo run --release --example uk_2013`

use darkfigure::bootstrap::BootstrapOptions;
use darkfigure::estimate::{estimate_model, EstimateOptions, IntervalMethod};
use darkfigure::select::{select, Rule, SelectOptions};
use darkfigure::{datasets, sensitivity, summary};

fn main() -> darkfigure::Result<()> {
    let uk = datasets::uk_2013();
    let s = summary::summarize(&uk);
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
    let aic = select(&uk, &SelectOptions::new(Rule::AicStepwise))?;
    let opts = EstimateOptions::default().interval(IntervalMethod::Profile);
    let e = estimate_model(&uk, &aic.model, &opts, None)?;
    println!(
        "\nAIC-stepwise model {} ({}): N = {:.0}, 95% profile interval {:.0} to {:.0}",
        aic.model.notation().unwrap_or_default(),
        aic.model.describe(uk.names()),
        e.estimate,
        e.interval.lower.unwrap_or(f64::NAN),
        e.interval.upper.unwrap_or(f64::NAN)
    );

    // Stepwise (Chan, Silverman & Vincent 2021) with the bootstrap.
    let sel = SelectOptions::new(Rule::Stepwise);
    let opts = EstimateOptions {
        select: Some(sel),
        bootstrap: Some(BootstrapOptions::new(1000, 1234)),
        ..EstimateOptions::default()
    };
    let model = select(&uk, &sel)?.model;
    let e = estimate_model(&uk, &model, &opts, None)?;
    let b = e.bootstrap.as_ref().expect("bootstrap requested");
    println!(
        "Stepwise model {}: N = {:.0}, 95% BCa interval {:.0} to {:.0} (B = {}, â = {:.4}, z0 = {:.4})",
        model.notation().unwrap_or_default(),
        e.estimate,
        e.interval.lower.unwrap_or(f64::NAN),
        e.interval.upper.unwrap_or(f64::NAN),
        b.replicates.len(),
        b.acceleration,
        b.z0
    );

    println!("\nSensitivity table:");
    let t = sensitivity::sensitivity(&uk, 0.95, Some(&BootstrapOptions::new(1000, 1234)))?;
    print!("{}", t.to_text());
    Ok(())
}
