//! `darkfigure._core`: the Python extension over the library's front door,
//! [`darkfigure::output::command`] — the same calls as the `darkfigure` program, so a Python
//! call and the command line agree on defaults, checks and JSON. No statistics here: this
//! crate converts arguments, releases the GIL while the library computes, forwards progress
//! to a Python callable, and turns the library's errors into the exceptions of
//! `darkfigure.errors`. The friendly Python API lives in `darkfigure/__init__.py`.

mod covariates;

use darkfigure::data::replay;
use darkfigure::loglinear::Criterion;
use darkfigure::output::command::{
    self, DgaRequest, EstimateRequest, EstimateRun, InputOptions, LcmcrRequest, Loaded,
    ModelsRequest, ReportRequest, SimulateRequest,
};
use darkfigure::output::Sensitivity;
use darkfigure::selection::Rule;
use darkfigure::uncertainty::calibrate::World;
use darkfigure::uncertainty::{Kind, Scheme};
use darkfigure::{CaptureTable, Error, IntervalMethod};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Mutex;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// Errors

/// The library's error as an exception of `darkfigure.errors` (built there by
/// `_from_core(kind, message, fields)`), so that the Python classes carry the fields.
fn py_err(e: Error) -> PyErr {
    Python::attach(|py| match build_exception(py, &e) {
        Ok(err) => err,
        Err(import_failed) => import_failed,
    })
}

fn build_exception(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let fields = PyDict::new(py);
    let kind = match e {
        Error::InvalidInput {
            location,
            problem,
            fix,
        } => {
            fields.set_item("file", &location.file)?;
            fields.set_item("line", location.line)?;
            fields.set_item("column", location.column)?;
            fields.set_item("problem", problem)?;
            fields.set_item("fix", fix)?;
            "input"
        }
        Error::Io { file, source } => {
            fields.set_item("file", file)?;
            fields.set_item("not_found", source.kind() == std::io::ErrorKind::NotFound)?;
            fields.set_item("reason", source.to_string())?;
            "io"
        }
        Error::ModelSyntax { spec, problem } => {
            fields.set_item("spec", spec)?;
            fields.set_item("problem", problem)?;
            "model"
        }
        Error::InvalidOption {
            name,
            value,
            problem,
        } => {
            fields.set_item("name", *name)?;
            fields.set_item("value", value)?;
            fields.set_item("problem", problem)?;
            "option"
        }
        Error::ModelSpaceTooLarge { .. }
        | Error::ModelTooLarge { .. }
        | Error::TooCostly { .. } => "too_costly",
        other if other.is_no_estimate() => "no_estimate",
        _ => "other",
    };
    let errors = py.import("darkfigure.errors")?;
    let exc = errors.call_method1("_from_core", (kind, e.to_string(), fields))?;
    Ok(PyErr::from_value(exc))
}

/// The kind and message of a "no estimate" failure, for the result object.
fn failure_of(e: &Error) -> (String, String) {
    let kind = if e.is_no_estimate() {
        "no_estimate"
    } else {
        "other"
    };
    (kind.to_string(), e.to_string())
}

fn parse<T: std::str::FromStr<Err = Error>>(s: Option<&str>) -> PyResult<Option<T>> {
    s.map(str::parse).transpose().map_err(py_err)
}

// ---------------------------------------------------------------------------------------
// Running: threads, the GIL, progress

/// Run `f` without the GIL, on a pool of `threads` workers (`None`: rayon's global pool,
/// all cores). Results do not depend on the number of threads.
fn run<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    match threads {
        None => Ok(py.detach(f)),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
            Ok(py.detach(|| pool.install(f)))
        }
    }
}

/// Progress forwarded to a Python callable `callback(done, total)`, at most every 100 ms
/// (and at the end); an exception it raises is kept and raised after the computation.
struct Progress {
    callback: Py<PyAny>,
    total: Option<u64>,
    last: Mutex<Option<Instant>>,
    error: Mutex<Option<PyErr>>,
}

impl Progress {
    fn new(callback: Option<Py<PyAny>>, total: Option<u64>) -> Option<Self> {
        callback.map(|callback| Self {
            callback,
            total,
            last: Mutex::new(None),
            error: Mutex::new(None),
        })
    }

    fn tick(&self, done: u64, total: Option<u64>) {
        let total = total.or(self.total);
        let finished = total.is_some_and(|t| done >= t);
        // Another thread reporting now: skip this tick (a later one comes).
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        if !finished && last.is_some_and(|l| l.elapsed() < Duration::from_millis(100)) {
            return;
        }
        *last = Some(Instant::now());
        drop(last);
        Python::attach(|py| {
            if let Err(e) = self.callback.call1(py, (done, total)) {
                let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
                slot.get_or_insert(e);
            }
        });
    }

    fn finish(self) -> PyResult<()> {
        match self.error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Tables

/// A capture table as loaded (lists merged, omitted or selected), with the reader's warnings
/// and the data set's name. Build it with `Table.read`, `Table.parse` or `Table.from_counts`.
#[pyclass(module = "darkfigure._core", frozen)]
struct Table {
    loaded: Loaded,
}

#[allow(clippy::too_many_arguments)]
fn input_options(
    format: Option<&str>,
    delimiter: Option<&str>,
    list_col: Option<String>,
    id_col: Option<String>,
    merge: Option<Vec<Vec<String>>>,
    omit: Option<Vec<String>>,
    lists: Option<Vec<String>>,
) -> PyResult<InputOptions> {
    Ok(InputOptions {
        format: parse(format)?.unwrap_or_default(),
        delimiter: delimiter
            .map(command::delimiter)
            .transpose()
            .map_err(py_err)?,
        list_col,
        id_col,
        merge: merge.unwrap_or_default(),
        omit: omit.unwrap_or_default(),
        lists: lists.unwrap_or_default(),
    })
}

#[pymethods]
impl Table {
    /// Read a CSV file (frequency, records or long layout) as the CLI reads it.
    #[staticmethod]
    #[pyo3(signature = (path, *, format=None, delimiter=None, list_col=None, id_col=None, merge=None, omit=None, lists=None))]
    #[allow(clippy::too_many_arguments)]
    fn read(
        py: Python<'_>,
        path: String,
        format: Option<&str>,
        delimiter: Option<&str>,
        list_col: Option<String>,
        id_col: Option<String>,
        merge: Option<Vec<Vec<String>>>,
        omit: Option<Vec<String>>,
        lists: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let opts = input_options(format, delimiter, list_col, id_col, merge, omit, lists)?;
        let loaded = py
            .detach(|| command::load_path(&path, &opts))
            .map_err(py_err)?;
        Ok(Self { loaded })
    }

    /// Parse CSV bytes; `source` names the input in messages.
    #[staticmethod]
    #[pyo3(signature = (data, source, *, format=None, delimiter=None, list_col=None, id_col=None, merge=None, omit=None, lists=None))]
    #[allow(clippy::too_many_arguments)]
    fn parse(
        py: Python<'_>,
        data: &[u8],
        source: String,
        format: Option<&str>,
        delimiter: Option<&str>,
        list_col: Option<String>,
        id_col: Option<String>,
        merge: Option<Vec<Vec<String>>>,
        omit: Option<Vec<String>>,
        lists: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let opts = input_options(format, delimiter, list_col, id_col, merge, omit, lists)?;
        let data = data.to_vec();
        let loaded = py
            .detach(|| command::load_bytes(&data, &source, &opts))
            .map_err(py_err)?;
        Ok(Self { loaded })
    }

    /// A table from list names and a count per capture history, indexed by bitmask (list
    /// `i` is bit `i`; `len(counts) == 2**len(names)`, `counts[0]` ignored).
    #[staticmethod]
    #[pyo3(signature = (names, counts, name="table".to_string(), *, merge=None, omit=None, lists=None))]
    fn from_counts(
        names: Vec<String>,
        counts: Vec<u64>,
        name: String,
        merge: Option<Vec<Vec<String>>>,
        omit: Option<Vec<String>>,
        lists: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let opts = input_options(None, None, None, None, merge, omit, lists)?;
        let table = CaptureTable::from_counts(names, &counts).map_err(py_err)?;
        let loaded = command::load_table(table, &name, &opts).map_err(py_err)?;
        Ok(Self { loaded })
    }

    /// The same lists with other counts (by bitmask, as `from_counts`).
    fn with_counts(&self, counts: Vec<u64>) -> PyResult<Self> {
        let table = self.loaded.table.with_counts(&counts).map_err(py_err)?;
        let loaded = command::load_table(table, &self.loaded.name, &InputOptions::default())
            .map_err(py_err)?;
        Ok(Self { loaded })
    }

    /// Merge, omit or select lists (as the input options of the CLI).
    #[pyo3(signature = (*, merge=None, omit=None, lists=None))]
    fn select(
        &self,
        merge: Option<Vec<Vec<String>>>,
        omit: Option<Vec<String>>,
        lists: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let opts = input_options(None, None, None, None, merge, omit, lists)?;
        let table = opts.apply(self.loaded.table.clone()).map_err(py_err)?;
        let mut loaded = self.loaded.clone();
        loaded.warnings.extend(
            table
                .list_warnings()
                .into_iter()
                .filter(|w| !self.loaded.warnings.contains(w)),
        );
        loaded.table = table;
        Ok(Self { loaded })
    }

    /// List names.
    #[getter]
    fn lists(&self) -> Vec<String> {
        self.loaded.table.names().to_vec()
    }

    /// Observed cases.
    #[getter]
    fn observed(&self) -> u64 {
        self.loaded.table.observed()
    }

    /// Counts by bitmask (`counts[0]` is 0).
    #[getter]
    fn counts(&self) -> Vec<u64> {
        self.loaded.table.counts().to_vec()
    }

    /// The reader's and the lists' warnings.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.loaded.warnings.clone()
    }

    /// The data set's name (a file's stem).
    #[getter]
    fn name(&self) -> String {
        self.loaded.name.clone()
    }

    /// The table as the frequency CSV `darkfigure convert` writes.
    fn to_csv(&self) -> String {
        String::from_utf8_lossy(&command::convert(&self.loaded)).into_owned()
    }

    fn __len__(&self) -> usize {
        self.loaded.table.lists()
    }

    fn __repr__(&self) -> String {
        format!(
            "Table(name={:?}, lists={:?}, observed={})",
            self.loaded.name,
            self.loaded.table.names(),
            self.loaded.table.observed()
        )
    }

    /// Pickling (for Dask and multiprocessing): the names, counts, name and warnings.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let py = slf.py();
        let this = slf.get();
        let ctor = py
            .import("darkfigure._core")?
            .getattr("_table_from_state")?;
        let state = (this.lists(), this.counts(), this.name(), this.warnings())
            .into_pyobject(py)?
            .into_any();
        Ok((ctor, state))
    }
}

#[pyfunction]
fn _table_from_state(
    names: Vec<String>,
    counts: Vec<u64>,
    name: String,
    warnings: Vec<String>,
) -> PyResult<Table> {
    let table = CaptureTable::from_counts(names, &counts).map_err(py_err)?;
    Ok(Table {
        loaded: Loaded {
            table,
            warnings,
            name,
        },
    })
}

// ---------------------------------------------------------------------------------------
// estimate

/// An estimate as the CLI reports it; the JSON and the files of `--replicates-out` and
/// `--draws-out` are made when asked for.
#[pyclass(module = "darkfigure._core", frozen)]
struct Run {
    run: EstimateRun,
    table: Py<Table>,
}

#[pymethods]
impl Run {
    /// The JSON object of `darkfigure estimate --json`, as a string.
    fn json(&self) -> String {
        self.run.json(&self.table.get().loaded).to_string()
    }

    /// `(kind, message)` when there is no estimate (the CLI's exit status 3), else None.
    #[getter]
    fn failure(&self) -> Option<(String, String)> {
        self.run.failure.as_ref().map(failure_of)
    }

    /// `replicate,estimate,model` CSV of the bootstrap (`--replicates-out`), or None.
    fn replicates_csv(&self) -> Option<String> {
        self.run.bootstrap().map(command::replicates_csv)
    }

    /// `chain,draw,N,alpha,occupied_classes` CSV of an LCMCR run (`--draws-out`), or None.
    fn draws_csv(&self) -> Option<String> {
        use darkfigure::estimators::Detail;
        match &self.run.report.detail.as_ref()?.point.detail {
            Detail::Lcmcr(p) => Some(command::draws_csv(p)),
            _ => None,
        }
    }
}

/// `darkfigure estimate`: options by the CLI's names, `None` meaning the CLI's default.
#[pyfunction]
#[pyo3(signature = (table, *, method=None, model=None, select=None, pthresh=None, max_order=None,
    limit=None, interval=None, level=None, bootstrap=None, seed=None, bootstrap_kind=None,
    ntop=None, max_replicates=None, replay=None, classes=None, chains=None, burnin=None,
    samples=None, thinning=None, alpha_prior=None, until_converged=false, max_sweeps=None,
    no_label_swaps=false, no_collapsed_moves=false, delta=None, prior=None, grid=None, max_clique=None, top=None,
    work_limit=None, calibration_tables=None, calibration_interval=None, calibration_truth=None,
    threads=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn estimate(
    py: Python<'_>,
    table: Py<Table>,
    method: Option<String>,
    model: Option<String>,
    select: Option<&str>,
    pthresh: Option<f64>,
    max_order: Option<usize>,
    limit: Option<u64>,
    interval: Option<&str>,
    level: Option<f64>,
    bootstrap: Option<usize>,
    seed: Option<u64>,
    bootstrap_kind: Option<&str>,
    ntop: Option<usize>,
    max_replicates: Option<usize>,
    replay: Option<String>,
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
) -> PyResult<Run> {
    let t = table.get();
    let replay = replay
        .map(|p| replay::read_replicates(p, t.loaded.table.names()))
        .transpose()
        .map_err(py_err)?;
    let req = EstimateRequest {
        method,
        model,
        select: parse::<Rule>(select)?,
        pthresh,
        max_order,
        limit,
        interval: parse::<IntervalMethod>(interval)?,
        level,
        bootstrap,
        seed,
        bootstrap_kind: parse::<Kind>(bootstrap_kind)?,
        ntop,
        max_replicates,
        replay,
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
        calibration_tables,
        calibration_interval: parse::<IntervalMethod>(calibration_interval)?,
        calibration_truth: parse::<World>(calibration_truth)?,
    };
    let loaded = &t.loaded;
    let progress = match progress {
        Some(cb) => Progress::new(Some(cb), req.work(loaded).map_err(py_err)?),
        None => None,
    };
    let result = run(py, threads, || {
        let tick = |n: u64| {
            if let Some(p) = &progress {
                p.tick(n, None);
            }
        };
        command::estimate(loaded, &req, Some(&tick))
    })?;
    if let Some(p) = progress {
        p.finish()?;
    }
    let run = result.map_err(py_err)?;
    Ok(Run {
        run,
        table: table.clone_ref(py),
    })
}

// ---------------------------------------------------------------------------------------
// models, graphs, check, summary, report

/// `darkfigure models --json` (log-linear ranking): the JSON string, and the number of
/// models ranked (0: every model excluded, the CLI's exit status 3).
#[pyfunction]
#[pyo3(signature = (table, *, max_order=None, top=None, by=None, limit=None, threads=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn models(
    py: Python<'_>,
    table: &Table,
    max_order: Option<usize>,
    top: Option<usize>,
    by: Option<&str>,
    limit: Option<u64>,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<(String, usize)> {
    let req = ModelsRequest {
        max_order,
        top,
        by: parse::<Criterion>(by)?,
        limit,
    };
    let progress = Progress::new(progress, None);
    let result = run(py, threads, || {
        let tick = |(done, total): (usize, usize)| {
            if let Some(p) = &progress {
                p.tick(done as u64, Some(total as u64));
            }
        };
        command::models(&table.loaded, &req, &tick)
    })?;
    if let Some(p) = progress {
        p.finish()?;
    }
    let (res, _, json) = result.map_err(py_err)?;
    Ok((json.to_string(), res.models.len()))
}

/// `darkfigure models --method dga --json`: the decomposable graphs by posterior
/// probability.
#[pyfunction]
#[pyo3(signature = (table, *, delta=None, prior=None, grid=None, max_clique=None, top=None, work_limit=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn graphs(
    py: Python<'_>,
    table: &Table,
    delta: Option<f64>,
    prior: Option<String>,
    grid: Option<String>,
    max_clique: Option<usize>,
    top: Option<usize>,
    work_limit: Option<f64>,
    threads: Option<usize>,
) -> PyResult<String> {
    let req = DgaRequest {
        delta,
        prior,
        grid,
        max_clique,
        // The CLI's `models --top` default.
        top: Some(top.unwrap_or(20)),
        work_limit,
    };
    let (_, json) = run(py, threads, || command::graphs(&table.loaded, &req))?.map_err(py_err)?;
    Ok(json.to_string())
}

/// `darkfigure check --json`: the JSON string and the existence code (0: the model passes).
#[pyfunction]
fn check(py: Python<'_>, table: &Table, model: String) -> PyResult<(String, u8)> {
    let (report, json) = py
        .detach(|| command::check(&table.loaded, &model))
        .map_err(py_err)?;
    Ok((json.to_string(), report.header.existence.code))
}

/// `darkfigure summary --json`.
#[pyfunction]
fn summary(table: &Table) -> String {
    command::summary(&table.loaded).1.to_string()
}

/// The sensitivity table of `darkfigure report`.
#[pyclass(module = "darkfigure._core", frozen)]
struct Report {
    report: Sensitivity,
    json: String,
}

#[pymethods]
impl Report {
    /// The JSON object of `report --json`, as a string.
    fn json(&self) -> String {
        self.json.clone()
    }
    /// `report --csv`.
    fn csv(&self) -> String {
        self.report.to_csv()
    }
    /// `report --markdown`.
    fn markdown(&self) -> String {
        self.report.to_markdown()
    }
    /// `report` (text).
    fn text(&self) -> String {
        self.report.to_text()
    }
}

/// `darkfigure report`.
#[pyfunction]
#[pyo3(signature = (table, *, level=None, bootstrap=None, seed=None, select=None, pthresh=None,
    max_order=None, limit=None, ntop=None, leave_one_out=None, max_replicates=None, coverage=None,
    threads=None))]
#[allow(clippy::too_many_arguments)]
fn report(
    py: Python<'_>,
    table: &Table,
    level: Option<f64>,
    bootstrap: Option<usize>,
    seed: Option<u64>,
    select: Option<Vec<String>>,
    pthresh: Option<f64>,
    max_order: Option<usize>,
    limit: Option<u64>,
    ntop: Option<usize>,
    leave_one_out: Option<bool>,
    max_replicates: Option<usize>,
    coverage: Option<usize>,
    threads: Option<usize>,
) -> PyResult<Report> {
    let select = select
        .map(|v| v.iter().map(|s| s.trim().parse::<Rule>()).collect())
        .transpose()
        .map_err(py_err)?;
    let req = ReportRequest {
        level,
        bootstrap,
        seed,
        select,
        pthresh,
        max_order,
        limit,
        ntop,
        leave_one_out,
        max_replicates,
        coverage,
    };
    let (report, json) =
        run(py, threads, || command::report(&table.loaded, &req))?.map_err(py_err)?;
    Ok(Report {
        report,
        json: json.to_string(),
    })
}

fn item<'py, T: FromPyObjectOwned<'py>>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Option<T>> {
    match d.get_item(key)? {
        Some(v) if !v.is_none() => Ok(Some(v.extract().map_err(Into::into)?)),
        _ => Ok(None),
    }
}

/// The estimation studied by `simulate`, from `darkfigure.estimate`'s keyword arguments.
fn request_from(d: &Bound<'_, PyDict>) -> PyResult<EstimateRequest> {
    const KNOWN: &[&str] = &[
        "method",
        "model",
        "select",
        "pthresh",
        "max_order",
        "limit",
        "interval",
        "level",
        "bootstrap",
        "bootstrap_kind",
        "ntop",
        "max_replicates",
        "classes",
        "chains",
        "burnin",
        "samples",
        "thinning",
        "alpha_prior",
        "until_converged",
        "max_sweeps",
        "no_label_swaps",
        "no_collapsed_moves",
        "delta",
        "prior",
        "grid",
        "max_clique",
        "top",
        "work_limit",
        "calibration_tables",
        "calibration_interval",
        "calibration_truth",
    ];
    for k in d.keys() {
        let k: String = k.extract()?;
        if !KNOWN.contains(&k.as_str()) {
            return Err(py_err(Error::InvalidOption {
                name: "estimate",
                value: k,
                problem: "not an option of the estimate studied (a keyword of darkfigure.estimate other than seed, replay, threads, progress and the input options)".into(),
            }));
        }
    }
    let s = |k: &str| item::<String>(d, k);
    Ok(EstimateRequest {
        method: s("method")?,
        model: s("model")?,
        select: parse::<Rule>(s("select")?.as_deref())?,
        pthresh: item(d, "pthresh")?,
        max_order: item(d, "max_order")?,
        limit: item(d, "limit")?,
        interval: parse::<IntervalMethod>(s("interval")?.as_deref())?,
        level: item(d, "level")?,
        bootstrap: item(d, "bootstrap")?,
        seed: None,
        bootstrap_kind: parse::<Kind>(s("bootstrap_kind")?.as_deref())?,
        ntop: item(d, "ntop")?,
        max_replicates: item(d, "max_replicates")?,
        replay: None,
        lcmcr: LcmcrRequest {
            classes: item(d, "classes")?,
            chains: item(d, "chains")?,
            burnin: item(d, "burnin")?,
            samples: item(d, "samples")?,
            thinning: item(d, "thinning")?,
            alpha_prior: item(d, "alpha_prior")?,
            until_converged: item(d, "until_converged")?.unwrap_or(false),
            max_sweeps: item(d, "max_sweeps")?,
            no_label_swaps: item(d, "no_label_swaps")?.unwrap_or(false),
            no_collapsed_moves: item(d, "no_collapsed_moves")?.unwrap_or(false),
        },
        dga: DgaRequest {
            delta: item(d, "delta")?,
            prior: s("prior")?,
            grid: s("grid")?,
            max_clique: item(d, "max_clique")?,
            top: item(d, "top")?,
            work_limit: item(d, "work_limit")?,
        },
        calibration_tables: item(d, "calibration_tables")?,
        calibration_interval: parse::<IntervalMethod>(s("calibration_interval")?.as_deref())?,
        calibration_truth: parse::<World>(s("calibration_truth")?.as_deref())?,
    })
}

/// `darkfigure simulate --json`: a coverage study of the estimation `estimate` (the keyword
/// arguments of `darkfigure.estimate`) on tables simulated from a fit to the data. The
/// `estimate_text` and `estimate_words` are the `--estimate` text recorded in the provenance.
#[pyfunction]
#[pyo3(signature = (table, estimate, *, model=None, select=None, method=None, pthresh=None,
    max_order=None, tables=None, seed=None, scheme=None, coverage_levels=None,
    estimate_text=None, estimate_words=None, threads=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn simulate(
    py: Python<'_>,
    table: &Table,
    estimate: &Bound<'_, PyDict>,
    model: Option<String>,
    select: Option<&str>,
    method: Option<String>,
    pthresh: Option<f64>,
    max_order: Option<usize>,
    tables: Option<usize>,
    seed: Option<u64>,
    scheme: Option<&str>,
    coverage_levels: Option<Vec<f64>>,
    estimate_text: Option<String>,
    estimate_words: Option<Vec<String>>,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let req = SimulateRequest {
        model,
        select: parse::<Rule>(select)?,
        method,
        pthresh,
        max_order,
        tables,
        seed,
        scheme: parse::<Scheme>(scheme)?,
        coverage_levels,
        estimate: request_from(estimate)?,
        estimate_text,
        estimate_words,
    };
    let total = req.options().map(|o| o.tables as u64).ok();
    let progress = Progress::new(progress, total);
    let result = run(py, threads, || {
        let tick = |n: u64| {
            if let Some(p) = &progress {
                p.tick(n, None);
            }
        };
        command::simulate(&table.loaded, &req, Some(&tick))
    })?;
    if let Some(p) = progress {
        p.finish()?;
    }
    let run = result.map_err(py_err)?;
    Ok(run.json(&table.loaded).to_string())
}

/// Threads this machine can run at once.
#[pyfunction]
fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |p| p.get())
}

/// The extension module.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Table>()?;
    m.add_class::<Run>()?;
    m.add_class::<Report>()?;
    m.add_function(wrap_pyfunction!(estimate, m)?)?;
    m.add_function(wrap_pyfunction!(models, m)?)?;
    m.add_function(wrap_pyfunction!(graphs, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(summary, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_class::<covariates::CovariateTable>()?;
    m.add_class::<covariates::CovariateRun>()?;
    m.add_class::<covariates::CovariateReport>()?;
    m.add_function(wrap_pyfunction!(covariates::covariate_estimate, m)?)?;
    m.add_function(wrap_pyfunction!(covariates::covariate_summary, m)?)?;
    m.add_function(wrap_pyfunction!(covariates::covariate_report, m)?)?;
    m.add_function(wrap_pyfunction!(available_threads, m)?)?;
    m.add_function(wrap_pyfunction!(_table_from_state, m)?)?;
    Ok(())
}
