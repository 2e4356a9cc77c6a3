//! `check`, `models`, `summary`, `report` and `convert` as library calls.

use super::DgaRequest;
use super::{no_effect, settings, stamp, Loaded};
use crate::data::io::write_frequency_csv;
use crate::data::summary::{summarize, Summary};
use crate::error::Result;
use crate::estimators::dga::dga;
use crate::estimators::lcmcr::LcmcrOptions;
use crate::loglinear::{check as check_model, Criterion, Model};
use crate::numeric::Level;
use crate::output::report::{CheckReport, ModelsReport};
use crate::output::report::{DgaReport, TopGraphReport};
use crate::output::{report as build_report, ReportOptions, Sensitivity};
use crate::selection::search::{search_with_progress, SearchOptions, SearchResult};
use crate::selection::{Rule, SelectOptions};
use crate::uncertainty::BootstrapOptions;
use serde::Serialize;
use serde_json::Value;

/// `check`: the report, its JSON, and whether the model passes (code 0).
///
/// # Errors
/// A model that does not parse; [`crate::Error::Lp`].
pub fn check(loaded: &Loaded, model: &str) -> Result<(CheckReport, Value)> {
    let table = &loaded.table;
    let m = Model::parse(model, table.names())?;
    let ex = check_model(table, &m)?;
    let mut report = CheckReport::new(table, &m, &ex);
    report.warnings = loaded.warnings.clone();
    let json = stamp(&report, table, settings::check(model, table));
    Ok((report, json))
}

/// The options of `models` by the CLI's names (`None`: its default).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelsRequest {
    /// `--max-order` (default: all orders).
    pub max_order: Option<usize>,
    /// `--top` (default 20).
    pub top: Option<usize>,
    /// `--by` (default BIC).
    pub by: Option<Criterion>,
    /// `--limit` (default 10,000,000).
    pub limit: Option<u64>,
}

/// `models`: the ranking, its report and JSON.
///
/// # Errors
/// A model space over the limit; invalid options.
pub fn models(
    loaded: &Loaded,
    req: &ModelsRequest,
    progress: &(dyn Fn((usize, usize)) + Sync),
) -> Result<(SearchResult, ModelsReport, Value)> {
    let table = &loaded.table;
    let defaults = SearchOptions::default();
    let opts = SearchOptions {
        max_order: req.max_order,
        criterion: req.by.unwrap_or_default(),
        top: Some(req.top.unwrap_or(20)),
        limit: req.limit.unwrap_or(defaults.limit),
    };
    let res = search_with_progress(table, &opts, progress)?;
    let mut report = ModelsReport::new(table, &res);
    report.warnings = loaded.warnings.clone();
    let options = settings::models(
        opts.max_order,
        opts.criterion,
        opts.top.unwrap_or(20),
        opts.limit,
        table,
    );
    let json = stamp(&report, table, options);
    Ok((res, report, json))
}

/// `summary`: the summary (with the input's warnings) and its JSON.
pub fn summary(loaded: &Loaded) -> (Summary, Value) {
    let mut s = summarize(&loaded.table);
    for w in &loaded.warnings {
        if !s.warnings.contains(w) {
            s.warnings.push(w.clone());
        }
    }
    let json = stamp(&s, &loaded.table, settings::lists_only(&loaded.table));
    (s, json)
}

/// The options of `report` by the CLI's names (`None`: its default).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportRequest {
    /// `--level` (default 0.95).
    pub level: Option<f64>,
    /// `--bootstrap`.
    pub bootstrap: Option<usize>,
    /// `--seed` (default 1234; also LCMCR's).
    pub seed: Option<u64>,
    /// `--select` (default stepwise, AIC-stepwise, BIC).
    pub select: Option<Vec<Rule>>,
    /// `--pthresh`.
    pub pthresh: Option<f64>,
    /// `--max-order`.
    pub max_order: Option<usize>,
    /// `--limit`.
    pub limit: Option<u64>,
    /// `--ntop`.
    pub ntop: Option<usize>,
    /// `--no-leave-one-out` (default: the rows are there).
    pub leave_one_out: Option<bool>,
    /// `--max-replicates`: the largest `bootstrap` accepted (default 1,000,000).
    pub max_replicates: Option<usize>,
    /// `--coverage S`: a coverage column from S tables simulated from the stepwise fit
    /// (seed `seed`).
    pub coverage: Option<usize>,
}

/// `report`: the sensitivity table and its JSON.
///
/// # Errors
/// An option without effect; invalid options.
pub fn report(loaded: &Loaded, req: &ReportRequest) -> Result<(Sensitivity, Value)> {
    let table = &loaded.table;
    let t = table.lists();
    let rules = req
        .select
        .clone()
        .unwrap_or_else(|| ReportOptions::default().rules);
    let exhaustive = rules
        .iter()
        .any(|r| SelectOptions::new(*r).resolved(t).criterion().is_some());
    for (name, value) in [
        ("max_order", req.max_order.map(|x| x.to_string())),
        ("limit", req.limit.map(|x| x.to_string())),
        ("ntop", req.ntop.map(|x| x.to_string())),
    ] {
        if let (Some(v), false) = (value, exhaustive) {
            return Err(no_effect(
                name,
                v,
                "it is for the BIC/AIC rows, and `select` asks for none".into(),
            ));
        }
    }
    if let (Some(m), None) = (req.max_replicates, req.bootstrap) {
        return Err(no_effect(
            "max_replicates",
            m.to_string(),
            "it bounds `bootstrap` B, and no bootstrap is asked for".into(),
        ));
    }
    if let (Some(n), None) = (req.ntop, req.bootstrap) {
        return Err(no_effect(
            "ntop",
            n.to_string(),
            "it is for the BIC/AIC bootstrap rows, and no `bootstrap` is asked for".into(),
        ));
    }
    let seed = req.seed.unwrap_or(1234);
    let opts = ReportOptions {
        level: Level::new(req.level.unwrap_or(0.95))?,
        bootstrap: req.bootstrap.map(|b| {
            let o = BootstrapOptions::new(b, seed);
            match req.max_replicates {
                Some(m) => o.max_replicates(m),
                None => o,
            }
        }),
        rules,
        threshold: req.pthresh,
        max_order: req.max_order,
        limit: req.limit,
        ntop: req.ntop,
        leave_one_out: req.leave_one_out.unwrap_or(true),
        rcapture: true,
        lcmcr: Some(LcmcrOptions {
            seed,
            ..LcmcrOptions::default()
        }),
        dga: Some(crate::estimators::dga::DgaOptions::default()),
        coverage: req
            .coverage
            .map(|s| crate::uncertainty::SimulateOptions::new(s, seed)),
    };
    let mut r = build_report(table, &opts)?;
    r.warnings.splice(0..0, loaded.warnings.iter().cloned());
    let json = stamp(&r, table, settings::report(&opts, table));
    Ok((r, json))
}

/// The JSON of `models --method dga`: the decomposable graphs ranked by posterior
/// probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphsReport {
    /// List names.
    pub lists: Vec<String>,
    /// Observed cases.
    pub observed: u64,
    /// `dga`.
    pub method: &'static str,
    /// Graphs averaged over.
    pub count: u64,
    /// The most probable graphs, best first.
    pub models: Vec<TopGraphReport>,
    /// The graph-averaged posterior (median, quantiles, grid, …).
    pub posterior: DgaReport,
    /// Warnings.
    pub warnings: Vec<String>,
}

/// `models --method dga`: the graphs ranked by posterior probability, and the JSON.
///
/// # Errors
/// As [`crate::estimators::dga::dga`].
pub fn graphs(loaded: &Loaded, req: &DgaRequest) -> Result<(GraphsReport, Value)> {
    let table = &loaded.table;
    let opts = req.options(Level::default())?;
    let p = dga(table.lists(), table.counts(), &opts)?;
    let posterior = DgaReport::new(&p, table.names());
    let mut warnings = loaded.warnings.clone();
    warnings.extend(p.warnings.iter().cloned());
    let report = GraphsReport {
        lists: table.names().to_vec(),
        observed: table.observed(),
        method: "dga",
        count: p.graphs,
        models: posterior.top_graphs.clone(),
        posterior,
        warnings,
    };
    let json = stamp(&report, table, settings::lists_only(table));
    Ok((report, json))
}

/// `convert`: the table as the frequency CSV the R packages read.
pub fn convert(loaded: &Loaded) -> Vec<u8> {
    let mut buf = Vec::new();
    write_frequency_csv(&loaded.table, &mut buf, "<memory>")
        .expect("writing to memory does not fail");
    buf
}
