//! `estimate`, `summary` and `report` of tables with covariates (the CLI's `--covariates`) as
//! library calls: reading a table of lists × covariates from a file or from bytes (a CSV
//! written from a data frame), the model or rule, the bootstrap by category, and the JSON
//! the CLI prints.
//!
//! As everywhere in [`crate::output::command`], options go by the CLI's names, `None` means
//! the CLI's default, and an option given where it has no effect is an error naming it.
//! Inside, `input` (reading), `model` (the model or rule, the resolved options), `estimate`
//! and `report` (with `summary`); each imports only the items of this file, `input`'s and
//! `model`'s through it.

mod estimate;
mod input;
mod model;
mod report;

pub use estimate::{covariate_estimate, CovariateEstimateRequest, CovariateEstimateRun};
pub use input::{load_covariates_bytes, load_covariates_path, CovariateInput, CovariateLoaded};
use model::{ordered, pairs, settings, ModelRequest};
pub use report::{covariate_report, covariate_summary, CovariateReportRequest, CovariateReportRun};

use super::no_effect;
use crate::error::{Error, Result};
use crate::estimators::covariates::CovariateTable;
use crate::output::covariates::provenance;
use crate::output::report::Stamped;
use serde::Serialize;
use serde_json::{json, Value};

/// The seed of a bootstrap when none is given (the CLI's `--seed` default).
const DEFAULT_SEED: u64 = 1234;

fn split_once<'a>(
    s: &'a str,
    sep: char,
    what: &'static str,
    form: &str,
) -> Result<(&'a str, &'a str)> {
    s.split_once(sep)
        .map(|(a, b)| (a.trim(), b.trim()))
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .ok_or_else(|| Error::InvalidOption {
            name: what,
            value: s.to_string(),
            problem: format!("expected {form}"),
        })
}

fn levels_list(s: &str) -> Vec<String> {
    s.split(',').map(|l| l.trim().to_string()).collect()
}

fn refused(name: &'static str, why: &str) -> Error {
    no_effect(name, "given".into(), why.to_string())
}

/// A report with the provenance of a covariate table, as the one JSON object the CLI prints.
pub fn covariate_stamp<T: Serialize>(report: &T, table: &CovariateTable, options: Value) -> Value {
    let p = provenance(table, options);
    serde_json::to_value(Stamped {
        report,
        provenance: &p,
    })
    .expect("reports serialise")
}

fn covariates_json(table: &CovariateTable) -> Vec<Value> {
    table
        .covariates()
        .iter()
        .map(|c| json!({"name": c.name, "levels": c.levels}))
        .collect()
}
