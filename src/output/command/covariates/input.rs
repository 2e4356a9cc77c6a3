//! Reading a table of lists × covariates as the options say.

use super::{levels_list, no_effect, refused, split_once};
use crate::data::io::Format;
use crate::error::{Error, Location, Result};
use crate::estimators::covariates::{CovariateTable, MissingValues, TableSpec};

/// Header names of a count column (as the list-only reader's).
const COUNT_NAMES: [&str; 9] = [
    "count",
    "counts",
    "n",
    "freq",
    "frequency",
    "number",
    "cases",
    "total",
    "weight",
];

/// How to read a table of lists × covariates, by the CLI's names.
///
/// The covariate columns are named in `covariates`; every other column is a list (or the
/// count of a frequency table). Tables with covariates are read as comma-separated;
/// merging, omitting or selecting lists is not available for them yet (`merge`, `omit` and
/// `lists` are an error when given).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CovariateInput {
    /// `--covariates`: the covariate columns, e.g. `["sex", "age", "year"]` (at least one).
    pub covariates: Vec<String>,
    /// `--levels`: level orders, baseline first, each `COV=L1,L2,…` (e.g.
    /// `year=2015,2016,2017`); an explicit order also marks the covariate as ordered.
    pub levels: Vec<String>,
    /// `--absent`: structural zeros, each `LIST@COV=L1,L2` (list LIST did not operate at
    /// these levels, e.g. `L5@year=2015,2016`).
    pub absent: Vec<String>,
    /// `--missing`: `level` keeps missing values (an empty field or NA) as their own level
    /// NA; `None`: they are an error with the line.
    pub missing: Option<String>,
    /// `--format` (default `auto`: long if the header has the list and id columns, frequency
    /// if it has a count column, else records).
    pub format: Format,
    /// `--delimiter`: only `,` (or `comma`) is accepted.
    pub delimiter: Option<String>,
    /// `--list-col`: long format's list column (default `list`).
    pub list_col: Option<String>,
    /// `--id-col`: long format's id column (default `id`).
    pub id_col: Option<String>,
    /// `--merge`: not available with covariates (an error when given).
    pub merge: Vec<Vec<String>>,
    /// `--omit`: not available with covariates (an error when given).
    pub omit: Vec<String>,
    /// `--lists`: not available with covariates (an error when given).
    pub lists: Vec<String>,
}

/// A table of lists × covariates as loaded, with what the options need to know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateLoaded {
    /// The table.
    pub table: CovariateTable,
    /// The data set's name for titles (a file's stem).
    pub name: String,
    /// Covariates given an explicit level order (`levels`): they are ordered.
    pub explicit_order: Vec<String>,
    /// `--missing` as given (`None`: missing values are an error).
    pub missing: Option<String>,
}

impl CovariateInput {
    /// The checks that need no input (the CLI runs them before it reads standard input).
    ///
    /// # Errors
    /// As [`load_covariates_bytes`] for the options.
    pub fn check(&self) -> Result<()> {
        self.spec().map(|_| ())
    }

    /// The reader's specification and the covariates with an explicit level order.
    fn spec(&self) -> Result<(TableSpec, Vec<String>)> {
        if self.covariates.is_empty() {
            return Err(Error::InvalidOption {
                name: "covariates",
                value: String::new(),
                problem: "name at least one covariate column (a table of lists only is read by `load_path` or `load_bytes`)".into(),
            });
        }
        for (name, set) in [
            ("merge", !self.merge.is_empty()),
            ("omit", !self.omit.is_empty()),
            ("lists", !self.lists.is_empty()),
        ] {
            if set {
                return Err(refused(
                    name,
                    "merging, omitting or selecting lists is not available with `covariates` yet (prepare the table with those lists)",
                ));
            }
        }
        if let Some(d) = self
            .delimiter
            .as_deref()
            .filter(|d| !matches!(*d, "," | "comma"))
        {
            return Err(no_effect(
                "delimiter",
                d.into(),
                "tables with `covariates` are read as comma-separated".into(),
            ));
        }
        let mut spec = TableSpec::new(self.covariates.iter().map(|c| c.trim().to_string()));
        let mut explicit_order = Vec::new();
        for l in &self.levels {
            let (c, levels) =
                split_once(l, '=', "levels", "COV=L1,L2,… (e.g. year=2015,2016,2017)")?;
            if !spec.covariates.iter().any(|x| x == c) {
                return Err(Error::InvalidOption {
                    name: "levels",
                    value: l.clone(),
                    problem: format!(
                        "'{c}' is not one of the covariates {:?} named by `covariates`",
                        spec.covariates
                    ),
                });
            }
            explicit_order.push(c.to_string());
            spec = spec.level_order(c, levels_list(levels));
        }
        const ABSENT: &str = "LIST@COV=L1,L2 (e.g. L5@year=2015,2016)";
        for z in &self.absent {
            let (list, rest) = split_once(z, '@', "absent", ABSENT)?;
            let (c, levels) = split_once(rest, '=', "absent", ABSENT)?;
            if !spec.covariates.iter().any(|x| x == c) {
                return Err(Error::InvalidOption {
                    name: "absent",
                    value: z.clone(),
                    problem: format!(
                        "'{c}' is not one of the covariates {:?} named by `covariates`",
                        spec.covariates
                    ),
                });
            }
            spec = spec.structural_zero(list, c, levels_list(levels));
        }
        spec = match self.missing.as_deref() {
            None => spec,
            Some("level") => spec.missing(MissingValues::AsLevel),
            Some(other) => {
                return Err(Error::InvalidOption {
                    name: "missing",
                    value: other.into(),
                    problem: "expected 'level' (keep missing values as a level NA); without the option they are an error".into(),
                })
            }
        };
        if self.list_col.is_some() || self.id_col.is_some() {
            spec = spec.long_columns(
                self.list_col.clone().unwrap_or_else(|| "list".into()),
                self.id_col.clone().unwrap_or_else(|| "id".into()),
            );
        }
        Ok((spec, explicit_order))
    }

    fn parse(
        &self,
        bytes: &[u8],
        source: &str,
        spec: TableSpec,
        explicit_order: Vec<String>,
    ) -> Result<CovariateLoaded> {
        let header: Vec<String> = String::from_utf8_lossy(bytes)
            .trim_start_matches('\u{feff}')
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .split(',')
            .map(|f| f.trim().trim_matches('"').to_string())
            .collect();
        let (lc, ic) = spec
            .long_columns
            .clone()
            .unwrap_or_else(|| ("list".into(), "id".into()));
        let count_col = header
            .iter()
            .rev()
            .find(|h| {
                !spec.covariates.contains(h)
                    && COUNT_NAMES.contains(&h.to_ascii_lowercase().as_str())
            })
            .cloned();
        let format = match self.format {
            Format::Auto if header.contains(&lc) && header.contains(&ic) => Format::Long,
            Format::Auto if count_col.is_some() => Format::Frequency,
            Format::Auto => Format::Records,
            f => f,
        };
        let table = match format {
            Format::Frequency => {
                let c = count_col.ok_or_else(|| {
                    Error::input(
                        Location::at(source, 1, None),
                        format!("no count column in the header ({})", header.join(", ")),
                        format!("name the count column one of {}", COUNT_NAMES.join(", ")),
                    )
                })?;
                CovariateTable::parse_frequency(bytes, source, &spec.count_column(c))?
            }
            Format::Long => CovariateTable::parse_long(bytes, source, &spec)?,
            _ => CovariateTable::parse_records(bytes, source, &spec)?,
        };
        let name = std::path::Path::new(source)
            .file_stem()
            .map_or_else(|| source.to_string(), |s| s.to_string_lossy().into_owned());
        Ok(CovariateLoaded {
            table,
            name,
            explicit_order,
            missing: self.missing.clone(),
        })
    }
}

/// Load a table of lists × covariates from a file (frequency, records or long layout).
///
/// ```
/// use darkfigure::output::command::{load_covariates_path, CovariateInput};
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/covariates/westeros_cells.csv");
/// let input = CovariateInput {
///     covariates: ["X1", "X2", "X3", "X4", "Y"].map(String::from).to_vec(),
///     ..CovariateInput::default()
/// };
/// let loaded = load_covariates_path(path, &input).unwrap();
/// assert_eq!(loaded.name, "westeros_cells");
/// ```
///
/// # Errors
/// Bad options (before the file is read); [`Error::Io`]; malformed input, conflicting or
/// missing covariate values and unknown names, with file:line.
pub fn load_covariates_path(path: &str, input: &CovariateInput) -> Result<CovariateLoaded> {
    let (spec, explicit_order) = input.spec()?;
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        file: path.to_string(),
        source,
    })?;
    input.parse(&bytes, path, spec, explicit_order)
}

/// Load a table of lists × covariates from the bytes of a CSV (e.g. written from a data
/// frame); `source` names the input in messages and gives the data set's name (its stem).
///
/// # Errors
/// As [`load_covariates_path`], without the I/O.
pub fn load_covariates_bytes(
    bytes: &[u8],
    source: &str,
    input: &CovariateInput,
) -> Result<CovariateLoaded> {
    let (spec, explicit_order) = input.spec()?;
    input.parse(bytes, source, spec, explicit_order)
}
