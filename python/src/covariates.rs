//! Tables of lists × covariates (the CLI's `--covariates`): reading them, and `estimate`,
//! `summary` and `report` over them, through the same library calls as the CLI
//! (`darkfigure::output::command::covariate_*`), so the JSON is the CLI's. No statistics.

use super::{failure_of, parse, py_err, run, Progress};
use darkfigure::output::command::{
    self, CovariateEstimateRequest, CovariateEstimateRun, CovariateInput, CovariateLoaded,
    CovariateReportRequest, CovariateReportRun, DgaRequest, LcmcrRequest,
};
use darkfigure::uncertainty::calibrate::World;
use darkfigure::uncertainty::Kind;
use darkfigure::{Error, IntervalMethod};
use pyo3::prelude::*;

/// A table of lists × covariates as loaded (by `covariates`, `levels`, `absent`, `missing`
/// and the input options), reused for many calls.
#[pyclass(module = "darkfigure._core", frozen)]
pub struct CovariateTable {
    loaded: CovariateLoaded,
}

#[allow(clippy::too_many_arguments)]
fn covariate_input(
    covariates: Vec<String>,
    levels: Option<Vec<String>>,
    absent: Option<Vec<String>>,
    missing: Option<String>,
    format: Option<&str>,
    delimiter: Option<String>,
    list_col: Option<String>,
    id_col: Option<String>,
    merge: Option<Vec<Vec<String>>>,
    omit: Option<Vec<String>>,
    lists: Option<Vec<String>>,
) -> PyResult<CovariateInput> {
    Ok(CovariateInput {
        covariates,
        levels: levels.unwrap_or_default(),
        absent: absent.unwrap_or_default(),
        missing,
        format: parse(format)?.unwrap_or_default(),
        delimiter,
        list_col,
        id_col,
        merge: merge.unwrap_or_default(),
        omit: omit.unwrap_or_default(),
        lists: lists.unwrap_or_default(),
    })
}

#[pymethods]
impl CovariateTable {
    /// Read a CSV file (frequency, records or long layout) as `--covariates` reads it.
    #[staticmethod]
    #[pyo3(signature = (path, covariates, *, levels=None, absent=None, missing=None, format=None,
        delimiter=None, list_col=None, id_col=None, merge=None, omit=None, lists=None))]
    #[allow(clippy::too_many_arguments)]
    fn read(
        py: Python<'_>,
        path: String,
        covariates: Vec<String>,
        levels: Option<Vec<String>>,
        absent: Option<Vec<String>>,
        missing: Option<String>,
        format: Option<&str>,
        delimiter: Option<String>,
        list_col: Option<String>,
        id_col: Option<String>,
        merge: Option<Vec<Vec<String>>>,
        omit: Option<Vec<String>>,
        lists: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let opts = covariate_input(
            covariates, levels, absent, missing, format, delimiter, list_col, id_col, merge, omit,
            lists,
        )?;
        let loaded = py
            .detach(|| command::load_covariates_path(&path, &opts))
            .map_err(py_err)?;
        Ok(Self { loaded })
    }

    /// Parse CSV bytes (e.g. written from a DataFrame); `source` names the input in
    /// messages.
    #[staticmethod]
    #[pyo3(signature = (data, source, covariates, *, levels=None, absent=None, missing=None,
        format=None, delimiter=None, list_col=None, id_col=None, merge=None, omit=None,
        lists=None))]
    #[allow(clippy::too_many_arguments)]
    fn parse(
        py: Python<'_>,
        data: &[u8],
        source: String,
        covariates: Vec<String>,
        levels: Option<Vec<String>>,
        absent: Option<Vec<String>>,
        missing: Option<String>,
        format: Option<&str>,
        delimiter: Option<String>,
        list_col: Option<String>,
        id_col: Option<String>,
        merge: Option<Vec<Vec<String>>>,
        omit: Option<Vec<String>>,
        lists: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let opts = covariate_input(
            covariates, levels, absent, missing, format, delimiter, list_col, id_col, merge, omit,
            lists,
        )?;
        let data = data.to_vec();
        let loaded = py
            .detach(|| command::load_covariates_bytes(&data, &source, &opts))
            .map_err(py_err)?;
        Ok(Self { loaded })
    }

    /// List names.
    #[getter]
    fn lists(&self) -> Vec<String> {
        self.loaded.table.list_names().to_vec()
    }

    /// The covariates as `(name, levels)`, levels in factor order (baseline first).
    #[getter]
    fn covariates(&self) -> Vec<(String, Vec<String>)> {
        self.loaded
            .table
            .covariates()
            .iter()
            .map(|c| (c.name.clone(), c.levels.clone()))
            .collect()
    }

    /// Observed cases.
    #[getter]
    fn observed(&self) -> u64 {
        self.loaded.table.observed()
    }

    /// The data set's name (a file's stem).
    #[getter]
    fn name(&self) -> String {
        self.loaded.name.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "CovariateTable(name={:?}, lists={:?}, covariates={:?}, observed={})",
            self.loaded.name,
            self.loaded.table.list_names(),
            self.loaded
                .table
                .covariates()
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            self.loaded.table.observed()
        )
    }
}

/// `estimate --covariates` as the CLI reports it.
#[pyclass(module = "darkfigure._core", frozen)]
pub struct CovariateRun {
    run: CovariateEstimateRun,
}

#[pymethods]
impl CovariateRun {
    /// The JSON object of `estimate --covariates … --json`, as a string.
    fn json(&self) -> String {
        self.run.json.to_string()
    }

    /// `(kind, message)` when there is no estimate (the CLI's exit status 3), else None.
    #[getter]
    fn failure(&self) -> Option<(String, String)> {
        self.run.failure.as_ref().map(failure_of)
    }

    /// The text the CLI prints without `--json`.
    fn text(&self) -> String {
        self.run.text()
    }
}

fn refused(name: &'static str, why: &str) -> PyErr {
    py_err(Error::InvalidOption {
        name,
        value: "given".into(),
        problem: format!("{why}; drop it"),
    })
}

/// `darkfigure estimate --covariates`: options by the CLI's names, `None` meaning its
/// default; the list-only options are taken only to be refused, as the CLI refuses them.
#[pyfunction]
#[pyo3(signature = (table, *, method=None, model=None, select=None, limit=None, year=None,
    degree_year=None, cross=None, fixed_model_bootstrap=false, interval=None, level=None,
    bootstrap=None, seed=None, bootstrap_kind=None, pthresh=None, max_order=None, ntop=None,
    max_replicates=None, replay=false, classes=None, chains=None, burnin=None, samples=None,
    thinning=None, alpha_prior=None, until_converged=false, max_sweeps=None,
    no_label_swaps=false, no_collapsed_moves=false, delta=None, prior=None, grid=None, max_clique=None, top=None,
    work_limit=None, calibration_tables=None, calibration_interval=None,
    calibration_truth=None, threads=None, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn covariate_estimate(
    py: Python<'_>,
    table: &CovariateTable,
    method: Option<String>,
    model: Option<String>,
    select: Option<String>,
    limit: Option<u64>,
    year: Option<String>,
    degree_year: Option<usize>,
    cross: Option<Vec<String>>,
    fixed_model_bootstrap: bool,
    interval: Option<&str>,
    level: Option<f64>,
    bootstrap: Option<usize>,
    seed: Option<u64>,
    bootstrap_kind: Option<&str>,
    pthresh: Option<f64>,
    max_order: Option<usize>,
    ntop: Option<usize>,
    max_replicates: Option<usize>,
    replay: bool,
    classes: Option<usize>,
    chains: Option<usize>,
    burnin: Option<u64>,
    samples: Option<u64>,
    thinning: Option<u64>,
    alpha_prior: Option<(f64, f64)>,
    until_converged: bool,
    max_sweeps: Option<u64>,
    no_label_swaps: bool,
    no_collapsed_moves: bool,
    delta: Option<f64>,
    prior: Option<String>,
    grid: Option<String>,
    max_clique: Option<usize>,
    top: Option<usize>,
    work_limit: Option<f64>,
    calibration_tables: Option<usize>,
    calibration_interval: Option<&str>,
    calibration_truth: Option<&str>,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<CovariateRun> {
    let req = CovariateEstimateRequest {
        method,
        model,
        select,
        limit,
        year,
        degree_year,
        cross: cross.unwrap_or_default(),
        fixed_model_bootstrap,
        interval: parse::<IntervalMethod>(interval)?,
        level,
        bootstrap,
        seed,
        kind: parse::<Kind>(bootstrap_kind)?,
        pthresh,
        max_order,
        ntop,
        max_replicates,
        calibration_tables,
        calibration_interval: parse::<IntervalMethod>(calibration_interval)?,
        calibration_truth: parse::<World>(calibration_truth)?,
        lcmcr: LcmcrRequest {
            classes,
            chains,
            burnin,
            samples,
            thinning,
            alpha_prior,
            until_converged,
            max_sweeps,
            no_label_swaps,
            no_collapsed_moves,
        },
        dga: DgaRequest {
            delta,
            prior,
            grid,
            max_clique,
            top,
            work_limit,
        },
    };
    req.check().map_err(py_err)?;
    if replay {
        return Err(refused(
            "replay",
            "it belongs to the list-only rules and bootstrap, not to models with `covariates`",
        ));
    }
    let progress = Progress::new(progress, bootstrap.map(|b| b as u64));
    let loaded = &table.loaded;
    let result = run(py, threads, || {
        let tick = |n: u64| {
            if let Some(p) = &progress {
                p.tick(n, None);
            }
        };
        command::covariate_estimate(loaded, &req, Some(&tick))
    })?;
    if let Some(p) = progress {
        p.finish()?;
    }
    Ok(CovariateRun {
        run: result.map_err(py_err)?,
    })
}

/// `darkfigure summary --covariates`: the JSON string and the text.
#[pyfunction]
pub fn covariate_summary(table: &CovariateTable) -> (String, String) {
    let (s, json) = command::covariate_summary(&table.loaded);
    (json.to_string(), s.to_text())
}

/// `report --covariates`: the table by category of a country brief.
#[pyclass(module = "darkfigure._core", frozen)]
pub struct CovariateReport {
    run: CovariateReportRun,
}

#[pymethods]
impl CovariateReport {
    /// The JSON object of `report --covariates … --json`, as a string.
    fn json(&self) -> String {
        self.run.json.to_string()
    }
    /// `(kind, message)` when there is no estimate (the CLI's exit status 3), else None.
    #[getter]
    fn failure(&self) -> Option<(String, String)> {
        self.run.failure.as_ref().map(failure_of)
    }
    /// `report --covariates --csv`.
    fn csv(&self) -> String {
        self.run.report.brief.to_csv()
    }
    /// `report --covariates --markdown`.
    fn markdown(&self) -> String {
        self.run.report.brief.to_markdown()
    }
    /// `report --covariates` (text).
    fn text(&self) -> String {
        self.run.report.brief.to_text()
    }
}

/// `darkfigure report --covariates`.
#[pyfunction]
#[pyo3(signature = (table, *, model=None, select=None, limit=None, year=None, degree_year=None,
    cross=None, fixed_model_bootstrap=false, level=None, bootstrap=None, seed=None,
    pthresh=None, max_order=None, ntop=None, leave_one_out=None, threads=None))]
#[allow(clippy::too_many_arguments)]
pub fn covariate_report(
    py: Python<'_>,
    table: &CovariateTable,
    model: Option<String>,
    select: Option<Vec<String>>,
    limit: Option<u64>,
    year: Option<String>,
    degree_year: Option<usize>,
    cross: Option<Vec<String>>,
    fixed_model_bootstrap: bool,
    level: Option<f64>,
    bootstrap: Option<usize>,
    seed: Option<u64>,
    pthresh: Option<f64>,
    max_order: Option<usize>,
    ntop: Option<usize>,
    leave_one_out: Option<bool>,
    threads: Option<usize>,
) -> PyResult<CovariateReport> {
    let req = CovariateReportRequest {
        model,
        select,
        limit,
        year,
        degree_year,
        cross: cross.unwrap_or_default(),
        fixed_model_bootstrap,
        level,
        bootstrap,
        seed,
        pthresh,
        max_order,
        ntop,
        leave_one_out,
    };
    let loaded = &table.loaded;
    let run = run(py, threads, || command::covariate_report(loaded, &req))?.map_err(py_err)?;
    Ok(CovariateReport { run })
}
