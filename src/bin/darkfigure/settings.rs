//! The options of a run as resolved (defaults included), for the `options` key of every JSON
//! object: enough to rerun it. Input-reading options (file, layout, delimiter) are left out
//! — the table's hash (`input_sha256`) stands for the input — so the same table read from a
//! frequency file or a long file gives the same JSON.

use crate::args::{CheckArgs, EstimateArgs, ModelsArgs};
use darkfigure::estimators::loglinear::ModelSpec;
use darkfigure::estimators::Method;
use darkfigure::output::report::EstimateReport;
use darkfigure::output::ReportOptions;
use darkfigure::prelude::*;
use darkfigure::selection::mse_default_ntop;
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
    lcmcr: Option<&'a darkfigure::estimators::lcmcr::LcmcrOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    calibration: Option<&'a CalibrationOptions>,
    lists: &'a [String],
}

fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).expect("settings serialise")
}

pub fn estimate(
    a: &EstimateArgs,
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
            .then(|| a.boot.ntop.or_else(|| mse_default_ntop(t)))
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
        calibration: opts.calibration.as_ref(),
        lists: table.names(),
    })
}

#[derive(Serialize)]
struct Check<'a> {
    model: &'a str,
    lists: &'a [String],
}

pub fn check(a: &CheckArgs, table: &CaptureTable) -> Value {
    to_value(Check {
        model: &a.model,
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

pub fn models(a: &ModelsArgs, table: &CaptureTable) -> Value {
    to_value(Models {
        max_order: a.max_order.unwrap_or(table.lists()).min(table.lists()),
        by: a.by,
        top: a.top,
        limit: a.limit,
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

pub fn report(o: &ReportOptions, table: &CaptureTable) -> Value {
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

pub fn lists_only(table: &CaptureTable) -> Value {
    to_value(Lists {
        lists: table.names(),
    })
}
