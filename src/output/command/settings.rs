//! The options of a run as resolved (defaults included), for the `options` key of every JSON
//! object: enough to rerun it. Input-reading options (file, layout, delimiter) are left out
//! — the table's hash (`input_sha256`) stands for the input — so the same table read from a
//! frequency file or a long file gives the same JSON.

use crate::data::table::CaptureTable;
use crate::estimators::lcmcr::LcmcrOptions;
use crate::estimators::loglinear::ModelSpec;
use crate::estimators::{IntervalMethod, Method};
use crate::loglinear::Criterion;
use crate::output::report::EstimateReport;
use crate::output::ReportOptions;
use crate::selection::{mse_default_ntop, Rule};
use crate::uncertainty::{CalibrationOptions, EstimateOptions, SimulateOptions};
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
struct Selection {
    rule: Rule,
    resolved: Rule,
    threshold: Option<f64>,
    max_order: Option<usize>,
    limit: Option<u64>,
}

#[derive(Serialize)]
struct Resampling {
    replicates: usize,
    seed: Option<u64>,
    kind: &'static str,
    ntop: Option<usize>,
}

#[derive(Serialize)]
struct Estimate<'a> {
    method: &'static str,
    model: Option<&'a str>,
    select: Option<Selection>,
    interval: Option<IntervalMethod>,
    level: f64,
    bootstrap: Option<Resampling>,
    lcmcr: Option<&'a LcmcrOptions>,
    dga: Option<DgaSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    calibration: Option<&'a CalibrationOptions>,
    lists: &'a [String],
}

#[derive(Serialize)]
struct DgaSettings {
    delta: Option<f64>,
    prior: String,
    grid: String,
    max_clique: Option<usize>,
    top: usize,
    work_limit: f64,
}

fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).expect("settings serialise")
}

/// The resolved options of an estimate; `ntop` is the request's `--ntop`.
pub(super) fn estimate(
    ntop: Option<usize>,
    opts: &EstimateOptions,
    table: &CaptureTable,
    report: &EstimateReport,
) -> Value {
    let t = table.lists();
    let (model, select) = match &opts.method {
        Method::Loglinear(l) => match &l.model {
            ModelSpec::Model(spec) => (Some(spec.as_str()), None),
            ModelSpec::Select(s) => {
                let resolved = s.resolved(t);
                let exhaustive = resolved.criterion().is_some();
                (
                    None,
                    Some(Selection {
                        rule: s.rule,
                        resolved,
                        threshold: (!exhaustive).then(|| s.threshold_for(resolved)),
                        max_order: exhaustive.then(|| s.max_order_for(t)),
                        limit: exhaustive.then(|| s.limit.unwrap_or(10_000_000)),
                    }),
                )
            }
            ModelSpec::Among(..) => (None, None),
        },
        _ => (None, None),
    };
    let exhaustive = select
        .as_ref()
        .is_some_and(|s| s.resolved.criterion().is_some());
    let bootstrap = report.bootstrap.as_ref().map(|b| Resampling {
        replicates: b.replicates,
        seed: b.seed,
        kind: b.kind,
        ntop: exhaustive
            .then(|| ntop.or_else(|| mse_default_ntop(t)))
            .flatten(),
    });
    to_value(Estimate {
        method: opts.method.id(),
        model,
        select,
        interval: report.interval.as_ref().map(|i| i.method),
        level: opts.level.get(),
        bootstrap,
        lcmcr: match &opts.method {
            Method::Lcmcr(o) => Some(o),
            _ => None,
        },
        dga: match &opts.method {
            Method::Dga(o) => Some(DgaSettings {
                delta: o.delta,
                prior: match &o.prior {
                    crate::estimators::dga::NPrior::Reciprocal => "improper".into(),
                    crate::estimators::dga::NPrior::LogNormal { mu, sd } => {
                        format!("lognormal:{mu},{sd}")
                    }
                    crate::estimators::dga::NPrior::Vector(v) => format!("vector of {}", v.len()),
                },
                grid: match &o.grid {
                    crate::estimators::dga::Grid::Max(m) => m.to_string(),
                    other => format!("{other:?}").to_lowercase(),
                },
                max_clique: o.max_clique,
                top: o.top,
                work_limit: o.work_limit,
            }),
            _ => None,
        },
        calibration: opts.calibration.as_ref(),
        lists: table.names(),
    })
}

#[derive(Serialize)]
struct Check<'a> {
    model: &'a str,
    lists: &'a [String],
}

pub(super) fn check(model: &str, table: &CaptureTable) -> Value {
    to_value(Check {
        model,
        lists: table.names(),
    })
}

#[derive(Serialize)]
struct Models<'a> {
    max_order: usize,
    by: Criterion,
    top: usize,
    limit: u64,
    lists: &'a [String],
}

pub(super) fn models(
    max_order: Option<usize>,
    by: Criterion,
    top: usize,
    limit: u64,
    table: &CaptureTable,
) -> Value {
    to_value(Models {
        max_order: max_order.unwrap_or(table.lists()).min(table.lists()),
        by,
        top,
        limit,
        lists: table.names(),
    })
}

#[derive(Serialize)]
struct Report<'a> {
    level: f64,
    bootstrap: Option<Resampling>,
    select: &'a [Rule],
    threshold: Option<f64>,
    max_order: Option<usize>,
    limit: Option<u64>,
    leave_one_out: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<&'a SimulateOptions>,
    lists: &'a [String],
}

pub(super) fn report(o: &ReportOptions, table: &CaptureTable) -> Value {
    to_value(Report {
        level: o.level.get(),
        bootstrap: o.bootstrap.as_ref().map(|b| Resampling {
            replicates: b.replicates,
            seed: Some(b.seed),
            kind: "nonparametric",
            ntop: o.ntop.or_else(|| mse_default_ntop(table.lists())),
        }),
        select: &o.rules,
        threshold: o.threshold,
        max_order: o.max_order,
        limit: o.limit,
        leave_one_out: o.leave_one_out,
        coverage: o.coverage.as_ref(),
        lists: table.names(),
    })
}

#[derive(Serialize)]
struct Lists<'a> {
    lists: &'a [String],
}

pub(super) fn lists_only(table: &CaptureTable) -> Value {
    to_value(Lists {
        lists: table.names(),
    })
}
