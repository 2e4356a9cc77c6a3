//! The CLI's commands as library calls, for every front end (the `darkfigure` program, the
//! Python and R packages): options by the CLI's names, `None` meaning the CLI's default, and
//! the same checks (an option given where it has no effect is an error) — so a call from
//! Python and the command line agree on defaults and produce the same JSON ([`stamp`]).
//!
//! Tables of lists × covariates have their own loaders and calls ([`load_covariates_path`],
//! [`load_covariates_bytes`], [`covariate_estimate`], [`covariate_summary`],
//! [`covariate_report`]).

mod covariates;
mod estimate;
mod others;
mod settings;
mod simulate;

pub use covariates::{
    covariate_estimate, covariate_report, covariate_stamp, covariate_summary,
    load_covariates_bytes, load_covariates_path, CovariateEstimateRequest, CovariateEstimateRun,
    CovariateInput, CovariateLoaded, CovariateReportRequest, CovariateReportRun,
};
pub use estimate::{
    draws_csv, estimate, replicates_csv, DgaRequest, EstimateRequest, EstimateRun, LcmcrRequest,
    LCMCR_MAX_SWEEPS,
};
pub use others::{
    check, convert, graphs, models, report, summary, GraphsReport, ModelsRequest, ReportRequest,
};
pub use simulate::{simulate, SimulateRequest, SimulationRun};

use super::report::{Provenance, Stamped};
use crate::data::io::{parse, read, Format, ReadOptions};
use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::Value;

/// How to read the input and which lists to use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputOptions {
    /// The layout (default `auto`).
    pub format: Format,
    /// The field separator (default: detected).
    pub delimiter: Option<u8>,
    /// Long format: the list column (default `list`).
    pub list_col: Option<String>,
    /// Long format: the id column; records: a column to ignore (default `id`).
    pub id_col: Option<String>,
    /// Lists to merge, one group per entry (each merged list takes the first one's place).
    pub merge: Vec<Vec<String>>,
    /// Lists to omit.
    pub omit: Vec<String>,
    /// The lists to use, in this order (after `merge`; the others are omitted).
    pub lists: Vec<String>,
}

/// A table as loaded, with the reader's and the lists' warnings and the data set's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The table (after merging, omitting and selecting lists).
    pub table: CaptureTable,
    /// Warnings of the reader and about the lists.
    pub warnings: Vec<String>,
    /// The data set's name for titles (a file's stem).
    pub name: String,
}

/// A field separator by its name: `,` / `comma`, `;` / `semicolon`, `tab`.
///
/// # Errors
/// [`Error::InvalidOption`] for any other.
pub fn delimiter(name: &str) -> Result<u8> {
    Ok(match name {
        "," | "comma" => b',',
        ";" | "semicolon" => b';',
        "tab" | "\t" | "\\t" => b'\t',
        other => {
            return Err(Error::InvalidOption {
                name: "delimiter",
                value: other.into(),
                problem: "expected ',', ';' or tab".into(),
            })
        }
    })
}

impl InputOptions {
    fn read(&self) -> ReadOptions {
        ReadOptions {
            format: self.format,
            delimiter: self.delimiter,
            list_col: self.list_col.clone(),
            id_col: self.id_col.clone(),
        }
    }

    /// Merge, omit and select lists of `table` as asked.
    ///
    /// # Errors
    /// Unknown or repeated list names, or fewer than two lists left.
    pub fn apply(&self, mut table: CaptureTable) -> Result<CaptureTable> {
        for m in &self.merge {
            let names: Vec<&str> = m.iter().map(|s| s.trim()).collect();
            table = table.merge_lists(&names, None)?;
        }
        if !self.omit.is_empty() {
            let names: Vec<&str> = self.omit.iter().map(|s| s.trim()).collect();
            table = table.omit_lists(&names)?;
        }
        if !self.lists.is_empty() {
            let names: Vec<&str> = self.lists.iter().map(|s| s.trim()).collect();
            table = table.select_lists(&names)?;
        }
        Ok(table)
    }
}

/// Load a table from bytes; `source` names the input in messages and gives the data set's
/// name (its file stem).
///
/// # Errors
/// Malformed input (file:line:column), bad list options.
pub fn load_bytes(bytes: &[u8], source: &str, opts: &InputOptions) -> Result<Loaded> {
    let r = parse(bytes, source, &opts.read())?;
    finish(r.table, r.warnings, source, opts)
}

/// Load a table from a file.
///
/// # Errors
/// As [`load_bytes`]; [`Error::Io`] if the file cannot be read.
pub fn load_path(path: &str, opts: &InputOptions) -> Result<Loaded> {
    let r = read(path, &opts.read())?;
    finish(r.table, r.warnings, path, opts)
}

/// A table already in memory (e.g. from a data frame), named `name`.
///
/// # Errors
/// Bad list options.
pub fn load_table(table: CaptureTable, name: &str, opts: &InputOptions) -> Result<Loaded> {
    finish(table, Vec::new(), name, opts)
}

fn finish(
    table: CaptureTable,
    mut warnings: Vec<String>,
    source: &str,
    opts: &InputOptions,
) -> Result<Loaded> {
    let table = opts.apply(table)?;
    warnings.extend(table.list_warnings());
    let name = std::path::Path::new(source)
        .file_stem()
        .map_or_else(|| source.to_string(), |s| s.to_string_lossy().into_owned());
    Ok(Loaded {
        table,
        warnings,
        name,
    })
}

/// A report with its provenance (version, options as resolved, the table's hash) as the one
/// JSON object the CLI prints.
pub fn stamp<T: Serialize>(report: &T, table: &CaptureTable, options: Value) -> Value {
    let provenance = Provenance::new(table, options);
    serde_json::to_value(Stamped {
        report,
        provenance: &provenance,
    })
    .expect("reports serialise")
}

/// An option given where it has no effect (the CLI's exit status 2): `why`, then "drop it".
pub fn no_effect(name: &'static str, value: String, why: String) -> Error {
    Error::InvalidOption {
        name,
        value,
        problem: format!("{why}; drop it"),
    }
}
