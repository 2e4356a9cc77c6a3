//! What the CLI prints for tables with covariates: the JSON of `estimate --covariates`, the
//! table by category of a country brief (text, Markdown, CSV) for `report --covariates`, and
//! the counts by level and list of `summary --covariates`.
//!
//! The JSON keys are a contract (README, "Covariates"): they are only ever added to. Every
//! object carries the [`Provenance`] keys, with `input_sha256` the SHA-256 of the table as
//! [`covariate_table_csv`] writes it.
//!
//! * [`estimate`]: the JSON of `estimate --covariates` ([`CovariateEstimateReport`]);
//! * [`brief`]: the table by category of a country brief ([`Brief`], [`CovariateReport`]);
//! * [`summary`]: `summary --covariates` ([`CovariateSummary`]);
//! * here: the canonical CSV of a table and the provenance of its reports.

mod brief;
mod estimate;
mod summary;

pub use brief::{Brief, BriefRow, CovariateReport};
pub use estimate::{
    ByRow, CellRow, ChangeRow, CovariateBootstrapReport, CovariateEstimateReport,
    CovariateExistence, CovariateInfo, Limits, ReportSettings, SelectionReport,
};
pub use summary::{CovariateSummary, LevelCounts};

use crate::estimators::covariates::CovariateTable;
use crate::output::report::Provenance;
use serde_json::Value;

pub(super) fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

pub(super) fn num(x: f64) -> Value {
    finite(x).map_or(Value::Null, Value::from)
}

/// The table as a frequency CSV in canonical order: lists, covariates, `count`, one row per
/// observable cell (combination major, history minor). Its SHA-256 is `input_sha256`.
pub fn covariate_table_csv(table: &CovariateTable) -> String {
    let q = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut header: Vec<String> = table.list_names().iter().map(|s| q(s)).collect();
    header.extend(table.covariates().iter().map(|c| q(&c.name)));
    header.push("count".into());
    let mut out = header.join(",");
    out.push('\n');
    let t = table.lists();
    for ((&h, &c), &k) in table
        .histories()
        .iter()
        .zip(table.combinations())
        .zip(table.counts())
    {
        let mut row: Vec<String> = (0..t).map(|l| (h >> l & 1).to_string()).collect();
        for (j, lev) in table.levels_of(c).iter().enumerate() {
            row.push(q(&table.covariates()[j].levels[*lev]));
        }
        row.push(k.to_string());
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// [`Provenance`] of a report on a covariate table.
pub fn provenance(table: &CovariateTable, options: Value) -> Provenance {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(covariate_table_csv(table).as_bytes());
    Provenance {
        darkfigure_version: env!("CARGO_PKG_VERSION"),
        options,
        input_sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
    }
}
