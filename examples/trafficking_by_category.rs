//! How many victims of which category and year: the table of a UNODC country brief from four
//! lists with covariates (the bundled westeros data: lists R1–R4, categories X1–X4, year Y).
//!
//! 1. Choose the model as `mse::model_search` does (R 4.2.2, mse 1.0 selects the same model,
//!    N̂ = 8,660) and fit it: totals per year, per category and per category × year, and the
//!    change between consecutive years.
//! 2. Bootstrap every total (BCa): the model is kept fixed here, as `mse::boot_mse` does;
//!    set `fixed_model: false` to re-run the model search in every replicate (about a minute
//!    on two cores for B = 1,000).
//!
//! Run with `cargo run --release --example trafficking_by_category`.

use darkfigure::estimators::covariates::{
    Chosen, CovariateTable, FitOptions, ModelChoice, Pairs, SelectOptions, SelectRule, TableSpec,
};
use darkfigure::estimators::IntervalMethod;
use darkfigure::output::covariates::{CovariateEstimateReport, ReportSettings};
use darkfigure::uncertainty::covariates::{bootstrap_prepared, CovariateBootstrapOptions};

fn main() -> darkfigure::Result<()> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/covariates/westeros_cells.csv"
    );
    let spec = TableSpec::new(["X1", "X2", "X3", "X4", "Y"]);
    let table = CovariateTable::read_frequency(path, &spec)?;
    println!(
        "{} victims on {} lists, {} combinations of category and year\n",
        table.observed(),
        table.lists(),
        table.n_combinations()
    );

    // The model search of the R package, kept fixed in the bootstrap.
    let choice = ModelChoice::Select {
        options: SelectOptions::new(SelectRule::ModelSearch),
        fixed_model: true,
    };
    let chosen = Chosen::new(&table, &choice)?;
    // Totals by year, by each category, by category × year; changes from year to year.
    let pairs = Pairs::These(vec![("X1".into(), "Y".into())]);
    let fit_opts = FitOptions::default().pairs(pairs).ordered(["Y"]);
    let prepared = chosen.prepare(&fit_opts)?;
    let boot = bootstrap_prepared(
        &table,
        &prepared,
        &CovariateBootstrapOptions::new(1000, 2024),
        None,
    )?;

    let settings = ReportSettings {
        interval: IntervalMethod::Bca,
        level: 0.95,
        ordered: vec!["Y".into()],
        fixed_model: true,
    };
    let report = CovariateEstimateReport::new(
        &table,
        &prepared.fit,
        prepared.selected.as_ref(),
        Some(&boot),
        &settings,
    );
    let brief = report.brief("Estimated number of victims by category and year (westeros)");
    print!("{}", brief.to_text());
    println!(
        "\n{} bootstrap replicates ({} without an estimate); model fixed as in boot_mse",
        boot.replicates, boot.failed
    );
    Ok(())
}
