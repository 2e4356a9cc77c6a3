//! The R package's glue over `darkfigure::output::command`, the library's front door that the
//! CLI also calls — so an R call and the command line agree on defaults, checks and JSON.
//! No statistics here: R passes the input (a path, or CSV text written from a data frame) and
//! the options as one JSON object by the CLI's option names; the glue builds the same requests
//! the CLI builds and returns `[status, payload, message, extra]`, which R turns into objects
//! and conditions.
//!
//! Statuses: `ok`; `no_estimate` (the CLI's exit status 3: the JSON is there, `message` says
//! why); `error` (exit status 2: `message` is the library's, with option names as the R
//! arguments); `interrupted` (the user pressed Ctrl-C / Esc: the call returns at once, the
//! computation finishes in the background and its result is dropped).

use darkfigure::data::replay;
use darkfigure::error::Error;
use darkfigure::estimators::Detail;
use darkfigure::output::command::{
    self, CovariateEstimateRequest, CovariateInput, CovariateLoaded, CovariateReportRequest,
    DgaRequest, EstimateRequest, InputOptions, LcmcrRequest, Loaded, ModelsRequest, ReportRequest,
    SimulateRequest,
};
use darkfigure::uncertainty::calibrate::World;
use extendr_api::prelude::*;
use serde_json::Value;
use std::sync::mpsc;
use std::time::Duration;

type Res<T> = std::result::Result<T, Error>;

/// What a command returns to R.
struct Out {
    status: &'static str,
    payload: String,
    message: String,
    extra: String,
}

impl Out {
    fn ok(payload: String) -> Self {
        Out {
            status: "ok",
            payload,
            message: String::new(),
            extra: String::new(),
        }
    }
}

/// An option given with a value of the wrong type.
fn bad(name: &'static str, v: &Value, want: &str) -> Error {
    Error::InvalidOption {
        name,
        value: v.to_string(),
        problem: format!("expected {want}"),
    }
}

struct Opts<'a>(&'a serde_json::Map<String, Value>);

impl Opts<'_> {
    fn get(&self, k: &str) -> Option<&Value> {
        self.0.get(k).filter(|v| !v.is_null())
    }
    fn string(&self, k: &'static str) -> Res<Option<String>> {
        self.get(k)
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(k, v, "a string"))
            })
            .transpose()
    }
    fn f64(&self, k: &'static str) -> Res<Option<f64>> {
        self.get(k)
            .map(|v| v.as_f64().ok_or_else(|| bad(k, v, "a number")))
            .transpose()
    }
    fn u64(&self, k: &'static str) -> Res<Option<u64>> {
        self.get(k)
            .map(|v| {
                v.as_u64()
                    .or_else(|| {
                        v.as_f64()
                            .filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x < 1.8e19)
                            .map(|x| x as u64)
                    })
                    .ok_or_else(|| bad(k, v, "a non-negative whole number"))
            })
            .transpose()
    }
    fn usize(&self, k: &'static str) -> Res<Option<usize>> {
        Ok(self.u64(k)?.map(|x| x as usize))
    }
    fn bool(&self, k: &'static str) -> Res<Option<bool>> {
        self.get(k)
            .map(|v| v.as_bool().ok_or_else(|| bad(k, v, "TRUE or FALSE")))
            .transpose()
    }
    fn strings(&self, k: &'static str) -> Res<Vec<String>> {
        match self.get(k) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| bad(k, v, "strings"))
                })
                .collect(),
            Some(v) => Err(bad(k, v, "strings")),
        }
    }
    fn parsed<T: std::str::FromStr<Err = Error>>(&self, k: &'static str) -> Res<Option<T>> {
        self.string(k)?.map(|s| s.parse()).transpose()
    }
}

fn merge_groups(o: &Opts) -> Res<Vec<Vec<String>>> {
    Ok(match o.get("merge") {
        None => Vec::new(),
        Some(Value::Array(groups)) => groups
            .iter()
            .map(|g| match g {
                Value::String(s) => Ok(s.split(',').map(|x| x.trim().to_string()).collect()),
                Value::Array(a) => a
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(|s| s.trim().to_string())
                            .ok_or_else(|| bad("merge", v, "list names"))
                    })
                    .collect(),
                other => Err(bad("merge", other, "list names")),
            })
            .collect::<Res<Vec<Vec<String>>>>()?,
        Some(Value::String(s)) => vec![s.split(',').map(|x| x.trim().to_string()).collect()],
        Some(v) => return Err(bad("merge", v, "groups of list names")),
    })
}

fn input_options(o: &Opts) -> Res<InputOptions> {
    let merge = merge_groups(o)?;
    Ok(InputOptions {
        format: o.parsed("format")?.unwrap_or_default(),
        delimiter: o
            .string("delimiter")?
            .as_deref()
            .map(command::delimiter)
            .transpose()?,
        list_col: o.string("list_col")?,
        id_col: o.string("id_col")?,
        merge,
        omit: o.strings("omit")?,
        lists: o.strings("lists")?,
    })
}

fn load(input: &str, text: bool, o: &Opts) -> Res<Loaded> {
    let opts = input_options(o)?;
    if text {
        let source = o.string("source")?.unwrap_or_else(|| "data".into());
        command::load_bytes(input.as_bytes(), &source, &opts)
    } else {
        command::load_path(input, &opts)
    }
}

#[allow(clippy::needless_update)]
fn estimate_request(o: &Opts, loaded: &Loaded) -> Res<EstimateRequest> {
    let names = loaded.table.names();
    let replay = match (o.string("replay_path")?, o.string("replay_text")?) {
        (Some(p), _) => Some(replay::read_replicates(&p, names)?),
        (None, Some(t)) => Some(replay::parse_replicates(t.as_bytes(), "replay", names)?),
        (None, None) => None,
    };
    Ok(EstimateRequest {
        method: o.string("method")?,
        model: o.string("model")?,
        select: o.parsed("select")?,
        pthresh: o.f64("pthresh")?,
        max_order: o.usize("max_order")?,
        limit: o.u64("limit")?,
        interval: o.parsed("interval")?,
        level: o.f64("level")?,
        bootstrap: o.usize("bootstrap")?,
        seed: o.u64("seed")?,
        bootstrap_kind: o.parsed("kind")?,
        ntop: o.usize("ntop")?,
        max_replicates: o.usize("max_replicates")?,
        replay,
        lcmcr: lcmcr_request(o)?,
        dga: dga_request(o)?,
        calibration_tables: o.usize("calibration_tables")?,
        calibration_interval: o.parsed("calibration_interval")?,
        calibration_truth: o.parsed::<World>("calibration_truth")?,
        // Fields the library adds later keep their CLI defaults.
        ..EstimateRequest::default()
    })
}

/// The options of the estimate a coverage study runs on every table (R's names, as
/// `estimate_population` passes them); anything else there is an error naming it.
fn studied_request(o: &Opts, loaded: &Loaded) -> Res<EstimateRequest> {
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
        "kind",
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
        "top_graphs",
        "work_limit",
        "calibration_tables",
        "calibration_interval",
        "calibration_truth",
    ];
    if let Some(k) = o.0.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(Error::InvalidOption {
            name: "estimate",
            value: k.clone(),
            problem: "not an option of the estimate studied (an argument of estimate_population other than data, seed, replay, threads and the input options)".into(),
        });
    }
    estimate_request(o, loaded)
}

fn lcmcr_request(o: &Opts) -> Res<LcmcrRequest> {
    let alpha_prior = match o.get("alpha_prior") {
        None => None,
        Some(Value::Array(a)) if a.len() == 2 && a.iter().all(Value::is_number) => {
            Some((a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0)))
        }
        Some(v) => return Err(bad("alpha_prior", v, "two numbers c(A, B)")),
    };
    Ok(LcmcrRequest {
        classes: o.usize("classes")?,
        chains: o.usize("chains")?,
        burnin: o.u64("burnin")?,
        samples: o.u64("samples")?,
        thinning: o.u64("thinning")?,
        alpha_prior,
        until_converged: o.bool("until_converged")?.unwrap_or(false),
        max_sweeps: o.u64("max_sweeps")?,
        no_label_swaps: o.bool("no_label_swaps")?.unwrap_or(false),
        no_collapsed_moves: o.bool("no_collapsed_moves")?.unwrap_or(false),
    })
}

fn dga_request(o: &Opts) -> Res<DgaRequest> {
    Ok(DgaRequest {
        delta: o.f64("delta")?,
        prior: o.string("prior")?,
        grid: o.string("grid")?,
        max_clique: o.usize("max_clique")?,
        top: o.usize("top_graphs")?,
        work_limit: o.f64("work_limit")?,
    })
}

fn json(v: &Value) -> String {
    serde_json::to_string(v).expect("reports serialise")
}

#[allow(clippy::needless_update)]
fn run(command: &str, input: &str, text: bool, o: &Opts) -> Res<Out> {
    if o.get("covariates").is_some() {
        return run_covariates(command, input, text, o);
    }
    let loaded = load(input, text, o)?;
    match command {
        "estimate" => {
            let req = estimate_request(o, &loaded)?;
            let run = command::estimate(&loaded, &req, None)?;
            let mut out = Out::ok(json(&run.json(&loaded)));
            if let Some(e) = &run.failure {
                out.status = "no_estimate";
                out.message = r_message(e);
            }
            if let Some(est) = &run.report.detail {
                if let Detail::Lcmcr(p) = &est.point.detail {
                    out.extra = command::draws_csv(p);
                }
            }
            Ok(out)
        }
        "models" => {
            if o.string("method")?.as_deref() == Some("dga") {
                let mut req = dga_request(o)?;
                req.top = o.usize("top")?.or(Some(20));
                let (_, v) = command::graphs(&loaded, &req)?;
                return Ok(Out::ok(json(&v)));
            }
            let req = ModelsRequest {
                max_order: o.usize("max_order")?,
                top: o.usize("top")?,
                by: o.parsed("by")?,
                limit: o.u64("limit")?,
            };
            let (res, _, v) = command::models(&loaded, &req, &|_| {})?;
            let mut out = Out::ok(json(&v));
            if res.models.is_empty() {
                out.status = "no_estimate";
                out.message = format!("every one of the {} models examined fails the existence check (the MLE does not exist or the model is not identifiable); no model is ranked", res.examined);
            }
            Ok(out)
        }
        "check" => {
            let model = o.string("model")?.unwrap_or_else(|| "main".into());
            let (_, v) = command::check(&loaded, &model)?;
            Ok(Out::ok(json(&v)))
        }
        "summary" => Ok(Out::ok(json(&command::summary(&loaded).1))),
        "report" => {
            let select = match o.get("select") {
                None => None,
                Some(_) => Some(
                    o.strings("select")?
                        .iter()
                        .flat_map(|s| s.split(','))
                        .map(|s| s.trim().parse())
                        .collect::<Res<Vec<_>>>()?,
                ),
            };
            let req = ReportRequest {
                level: o.f64("level")?,
                bootstrap: o.usize("bootstrap")?,
                seed: o.u64("seed")?,
                select,
                pthresh: o.f64("pthresh")?,
                max_order: o.usize("max_order")?,
                limit: o.u64("limit")?,
                ntop: o.usize("ntop")?,
                leave_one_out: o.bool("leave_one_out")?,
                max_replicates: o.usize("max_replicates")?,
                coverage: o.usize("coverage")?,
            };
            let (r, v) = command::report(&loaded, &req)?;
            let mut out = Out::ok(json(&v));
            if !r.rows.iter().any(|r| r.estimate.is_some()) {
                out.status = "no_estimate";
                out.message = "no row of the report has an estimate".into();
            }
            Ok(out)
        }
        "simulate" => {
            let empty = serde_json::Map::new();
            let studied = match o.get("estimate") {
                None => &empty,
                Some(Value::Object(m)) => m,
                Some(v) => {
                    return Err(bad(
                        "estimate",
                        v,
                        "a list of estimate_population's arguments",
                    ))
                }
            };
            let studied = Opts(studied);
            // The estimate studied is checked first, so that its errors say they are its own
            // (simulate_coverage has a `pthresh` and a `select` of its own, for the truth).
            let estimate = studied_request(&studied, &loaded)
                .and_then(|r| r.options(loaded.table.lists()).map(|_| r))
                .map_err(|e| Error::InvalidOption {
                    name: "estimate",
                    value: o
                        .string("estimate_text")
                        .ok()
                        .flatten()
                        .map_or_else(String::new, |t| format!("\"{t}\"")),
                    problem: format!("in the estimate studied: {}", r_message(&e)),
                })?;
            let levels = match o.get("coverage_levels") {
                None => None,
                Some(Value::Number(n)) => Some(vec![n.as_f64().unwrap_or(f64::NAN)]),
                Some(Value::Array(a)) => Some(
                    a.iter()
                        .map(|v| {
                            v.as_f64()
                                .ok_or_else(|| bad("coverage_levels", v, "numbers"))
                        })
                        .collect::<Res<Vec<f64>>>()?,
                ),
                Some(v) => return Err(bad("coverage_levels", v, "numbers")),
            };
            let req = SimulateRequest {
                model: o.string("model")?,
                select: o.parsed("select")?,
                method: o.string("method")?,
                pthresh: o.f64("pthresh")?,
                max_order: o.usize("max_order")?,
                tables: o.usize("tables")?,
                seed: o.u64("seed")?,
                scheme: o.parsed("scheme")?,
                coverage_levels: levels,
                estimate,
                estimate_text: o.string("estimate_text")?,
                estimate_words: Some(o.strings("estimate_words")?),
                ..SimulateRequest::default()
            };
            let run = command::simulate(&loaded, &req, None)?;
            Ok(Out::ok(json(&run.json(&loaded))))
        }
        "convert" => {
            let mut out = Out::ok(String::from_utf8_lossy(&command::convert(&loaded)).into_owned());
            out.extra = loaded.warnings.join("\n");
            Ok(out)
        }
        other => Err(Error::InvalidOption {
            name: "command",
            value: other.into(),
            problem: "unknown command".into(),
        }),
    }
}

/// Options given where they have no effect: an error naming the first (as the CLI's).
fn refuse(o: &Opts, names: &[(&'static str, &str)]) -> Res<()> {
    for (name, why) in names {
        if o.get(name).is_some() {
            return Err(Error::InvalidOption {
                name,
                value: "given".into(),
                problem: format!("{why}; drop it"),
            });
        }
    }
    Ok(())
}

/// `covariates`, `levels`, `absent`, `missing` and the input options, as the CLI's
/// `--covariates A,B --levels COV=L1,L2 --absent LIST@COV=L1 --missing level`.
fn covariate_input(o: &Opts) -> Res<CovariateInput> {
    Ok(CovariateInput {
        covariates: o
            .strings("covariates")?
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::to_string)
            .collect(),
        levels: o.strings("levels")?,
        absent: o.strings("absent")?,
        missing: o.string("missing")?,
        format: o.parsed("format")?.unwrap_or_default(),
        delimiter: o.string("delimiter")?,
        list_col: o.string("list_col")?,
        id_col: o.string("id_col")?,
        merge: merge_groups(o)?,
        omit: o.strings("omit")?,
        lists: o.strings("lists")?,
    })
}

fn load_covariates(input: &str, text: bool, o: &Opts) -> Res<CovariateLoaded> {
    let opts = covariate_input(o)?;
    if text {
        let source = o.string("source")?.unwrap_or_else(|| "data".into());
        command::load_covariates_bytes(input.as_bytes(), &source, &opts)
    } else {
        command::load_covariates_path(input, &opts)
    }
}

/// The options of a model over lists × covariates that are not the CLI's for that command.
const NOT_COVARIATE: &str =
    "it belongs to the list-only rules and bootstrap, not to models with `covariates`";

/// `estimate`, `summary` and `report` with `covariates`: the requests the CLI builds from
/// `--covariates` (src/bin/darkfigure/covariates.rs), so the JSON is the CLI's.
fn run_covariates(command: &str, input: &str, text: bool, o: &Opts) -> Res<Out> {
    match command {
        "estimate" => {
            let req = CovariateEstimateRequest {
                method: Some(o.string("method")?.unwrap_or_else(|| "loglinear".into())),
                model: o.string("model")?,
                select: o.string("select")?,
                limit: o.u64("limit")?,
                year: o.string("year")?,
                degree_year: o.usize("degree_year")?,
                cross: o.strings("cross")?,
                fixed_model_bootstrap: o.bool("fixed_model_bootstrap")?.unwrap_or(false),
                interval: o.parsed("interval")?,
                level: Some(o.f64("level")?.unwrap_or(0.95)),
                bootstrap: o.usize("bootstrap")?,
                seed: o.u64("seed")?,
                kind: o.parsed("kind")?,
                pthresh: o.f64("pthresh")?,
                max_order: o.usize("max_order")?,
                ntop: o.usize("ntop")?,
                max_replicates: o.usize("max_replicates")?,
                calibration_tables: o.usize("calibration_tables")?,
                calibration_interval: o.parsed("calibration_interval")?,
                calibration_truth: o.parsed::<World>("calibration_truth")?,
                lcmcr: lcmcr_request(o)?,
                dga: dga_request(o)?,
            };
            req.check()?;
            refuse(o, &[("replay_path", NOT_COVARIATE), ("replay_text", NOT_COVARIATE)])?;
            let loaded = load_covariates(input, text, o)?;
            let run = command::covariate_estimate(&loaded, &req, None)?;
            let mut out = Out::ok(json(&run.json));
            if let Some(e) = &run.failure {
                out.status = "no_estimate";
                out.message = r_message(e);
            }
            Ok(out)
        }
        "summary" => {
            let loaded = load_covariates(input, text, o)?;
            Ok(Out::ok(json(&command::covariate_summary(&loaded).1)))
        }
        "report" => {
            let req = CovariateReportRequest {
                model: o.string("model")?,
                select: match o.get("select") {
                    None => None,
                    Some(_) => Some(o.strings("select")?),
                },
                limit: o.u64("limit")?,
                year: o.string("year")?,
                degree_year: o.usize("degree_year")?,
                cross: o.strings("cross")?,
                fixed_model_bootstrap: o.bool("fixed_model_bootstrap")?.unwrap_or(false),
                level: Some(o.f64("level")?.unwrap_or(0.95)),
                bootstrap: o.usize("bootstrap")?,
                seed: o.u64("seed")?,
                pthresh: o.f64("pthresh")?,
                max_order: o.usize("max_order")?,
                ntop: o.usize("ntop")?,
                leave_one_out: o.bool("leave_one_out")?.filter(|l| !l),
            };
            req.check()?;
            refuse(
                o,
                &[
                    ("max_replicates", NOT_COVARIATE),
                    (
                        "coverage",
                        "the coverage column is computed for list-only tables",
                    ),
                ],
            )?;
            let loaded = load_covariates(input, text, o)?;
            let run = command::covariate_report(&loaded, &req)?;
            let mut out = Out::ok(json(&run.json));
            if let Some(e) = &run.failure {
                out.status = "no_estimate";
                out.message = r_message(e);
            }
            Ok(out)
        }
        other => Err(Error::InvalidOption {
            name: "covariates",
            value: "given".into(),
            problem: format!("`{other}` takes list-only tables (covariates are for estimate_population, summarise_lists and sensitivity_report); drop it"),
        }),
    }
}

/// The R argument of a library option (or field) name, where it differs or exists.
fn argument(name: &str) -> Option<&'static str> {
    Some(match name {
        "bootstrap" | "replicates" => "nboot",
        "kind" => "kind",
        "threshold" | "pthresh" => "pthresh",
        "max_order" => "max_order",
        "replay" => "replay",
        "seed" => "seed",
        "ntop" => "ntop",
        "interval" => "interval",
        "level" => "level",
        "method" => "method",
        "model" => "model",
        "select" => "select",
        "format" => "format",
        "delimiter" => "delimiter",
        "list_col" => "list_col",
        "id_col" => "id_col",
        "merge" => "merge",
        "omit" => "omit",
        "lists" => "lists",
        "limit" => "limit",
        "top" => "top",
        "by" => "by",
        "threads" => "threads",
        "classes" => "classes",
        "chains" => "chains",
        "burnin" => "burnin",
        "samples" => "samples",
        "thinning" => "thinning",
        "alpha_prior" => "alpha_prior",
        "until_converged" => "until_converged",
        "max_sweeps" => "max_sweeps",
        "no_label_swaps" => "label_swaps",
        "no_collapsed_moves" => "collapsed_moves",
        "delta" => "delta",
        "prior" => "prior",
        "grid" => "grid",
        "max_clique" => "max_clique",
        "max_replicates" => "max_replicates",
        "work_limit" => "work_limit",
        "calibration_tables" => "calibration_tables",
        "calibration_interval" => "calibration_interval",
        "calibration_truth" => "calibration_truth",
        "tables" => "tables",
        "scheme" => "scheme",
        "coverage_levels" => "coverage_levels",
        "estimate" => "estimate",
        "coverage" => "coverage",
        "leave_one_out" | "no_leave_one_out" => "leave_one_out",
        "covariates" => "covariates",
        "levels" => "levels",
        "absent" => "absent",
        "missing" => "missing",
        "year" => "year",
        "degree_year" => "degree_year",
        "cross" => "cross",
        "fixed_model_bootstrap" => "fixed_model_bootstrap",
        "draws_out" => "draws_out",
        "replay_path" | "replay_text" => "replay",
        _ => return None,
    })
}

/// A library error in R's words: the option an `InvalidOption` is about, and every option
/// named in backticks, become the R function's arguments.
fn r_message(e: &Error) -> String {
    let text = match e {
        Error::InvalidOption {
            name,
            value,
            problem,
        } => format!(
            "argument {} = {value}: {problem}",
            argument(name).unwrap_or(name)
        ),
        other => other.to_string(),
    };
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find('`') {
        let Some(j) = rest[i + 1..].find('`') else {
            break;
        };
        let word = &rest[i + 1..i + 1 + j];
        out.push_str(&rest[..i]);
        match argument(word) {
            Some(a) => out.push_str(&format!("`{a}`")),
            None => out.push_str(&rest[i..i + 2 + j]),
        }
        rest = &rest[i + 2 + j..];
    }
    out.push_str(rest);
    out
}

fn guarded(command: &str, input: &str, text: bool, opts: &str) -> Out {
    let err = |message: String| Out {
        status: "error",
        payload: String::new(),
        message,
        extra: String::new(),
    };
    let parsed: Value = match serde_json::from_str(opts) {
        Ok(v) => v,
        Err(e) => return err(format!("options do not parse as JSON: {e}")),
    };
    let Some(map) = parsed.as_object() else {
        return err("options must be a JSON object".into());
    };
    let o = Opts(map);
    let threads = match o.usize("threads") {
        Ok(t) => t,
        Err(e) => return err(r_message(&e)),
    };
    let work = || match run(command, input, text, &o) {
        Ok(out) => out,
        Err(e) if e.is_no_estimate() => Out {
            status: "no_estimate",
            payload: String::new(),
            message: r_message(&e),
            extra: String::new(),
        },
        Err(e) => err(r_message(&e)),
    };
    match threads {
        Some(0) => err("argument threads = 0: expected at least 1".into()),
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
            Ok(pool) => pool.install(work),
            Err(e) => err(format!("cannot start {n} threads: {e}")),
        },
        None => work(),
    }
}

extern "C" {
    fn R_ToplevelExec(
        fun: Option<unsafe extern "C" fn(*mut std::ffi::c_void)>,
        data: *mut std::ffi::c_void,
    ) -> std::ffi::c_int;
    fn R_CheckUserInterrupt();
}

unsafe extern "C" fn check_interrupt(_: *mut std::ffi::c_void) {
    R_CheckUserInterrupt();
}

/// Whether the user asked R to interrupt (checked without a long jump through Rust frames).
fn interrupted() -> bool {
    // SAFETY: R_ToplevelExec runs the check in a top-level context on R's main thread (this
    // is only called from the thread that entered `.Call`) and returns FALSE (0) if the check
    // jumped, i.e. an interrupt was pending.
    unsafe { R_ToplevelExec(Some(check_interrupt), std::ptr::null_mut()) == 0 }
}

/// Run a darkfigure command: `command` is `estimate`, `models`, `check`, `summary`, `report`,
/// `simulate` or `convert`; `input` a path, or the CSV text itself when `text`; `opts` a JSON object of
/// options by the CLI's names (with `covariates`: the covariate paths of `estimate`,
/// `summary` and `report`). Returns `c(status, payload, message, extra)`.
/// @export
#[extendr]
fn df_call(command: &str, input: &str, text: bool, opts: &str) -> Vec<String> {
    let (command, input, opts) = (command.to_string(), input.to_string(), opts.to_string());
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name("darkfigure".into())
        .spawn(move || {
            let out = std::panic::catch_unwind(|| guarded(&command, &input, text, &opts))
                .unwrap_or_else(|p| Out {
                    status: "error",
                    payload: String::new(),
                    message: format!(
                        "internal error (a bug in darkfigure; please report it): {}",
                        p.downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| p.downcast_ref::<String>().cloned())
                            .unwrap_or_default()
                    ),
                    extra: String::new(),
                });
            let _ = tx.send(out);
        });
    if let Err(e) = worker {
        return vec![
            "error".into(),
            String::new(),
            format!("cannot start a thread: {e}"),
            String::new(),
        ];
    }
    let out = loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(out) => break out,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if interrupted() {
                    break Out {
                        status: "interrupted",
                        payload: String::new(),
                        message: "interrupted".into(),
                        extra: String::new(),
                    };
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break Out {
                    status: "error",
                    payload: String::new(),
                    message: "the computation ended without a result".into(),
                    extra: String::new(),
                }
            }
        }
    };
    vec![out.status.to_string(), out.payload, out.message, out.extra]
}

extendr_module! {
    mod darkfigurer;
    fn df_call;
}
