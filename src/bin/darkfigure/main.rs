//! `darkfigure` — the command-line shell over the library. No statistics here: parse
//! arguments into the library's command requests (`darkfigure::output::command`), call
//! them, print and write files.
//!
//! Exit status: 0 success; 2 bad usage or bad input; 3 the requested estimate does not exist
//! or is not identifiable (the JSON is still printed, with `estimate: null`).

mod args;
mod covariates;
mod human;
mod simulate;
mod write;

use args::{Cli, Command, EstimateArgs, Input, ModelsArgs, ReportArgs};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use darkfigure::data::replay;
use darkfigure::estimators::Detail;
use darkfigure::output::command::{
    self, draws_csv, no_effect, replicates_csv, DgaRequest, EstimateRequest, InputOptions,
    LcmcrRequest, Loaded, ModelsRequest, ReportRequest,
};
use darkfigure::output::plot;
use darkfigure::prelude::*;
use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let sub = matches.subcommand().map(|(_, m)| m.clone());
    match run(cli, sub.as_ref()) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", cli_message(&e));
            ExitCode::from(if e.is_no_estimate() { 3 } else { 2 })
        }
    }
}

/// The command-line flag of a library option (or field) name, where it has one.
fn flag(name: &str) -> Option<&'static str> {
    Some(match name {
        "bootstrap" | "replicates" => "--bootstrap",
        "kind" => "--bootstrap-kind",
        "threshold" | "pthresh" => "--pthresh",
        "max_order" => "--max-order",
        "replay" => "--replay",
        "seed" => "--seed",
        "ntop" => "--ntop",
        "interval" => "--interval",
        "level" => "--level",
        "method" => "--method",
        "model" => "--model",
        "select" => "--select",
        "format" => "--format",
        "delimiter" => "--delimiter",
        "list_col" => "--list-col",
        "id_col" => "--id-col",
        "merge" => "--merge",
        "omit" => "--omit",
        "lists" => "--lists",
        "limit" => "--limit",
        "top" => "--top",
        "by" => "--by",
        "threads" => "--threads",
        "plot" => "--plot",
        "classes" => "--classes",
        "chains" => "--chains",
        "burnin" => "--burnin",
        "samples" => "--samples",
        "thinning" => "--thinning",
        "alpha_prior" => "--alpha-prior",
        "until_converged" => "--until-converged",
        "max_sweeps" => "--max-sweeps",
        "no_label_swaps" => "--no-label-swaps",
        "no_collapsed_moves" => "--no-collapsed-moves",
        "draws_out" => "--draws-out",
        "delta" => "--delta",
        "prior" => "--prior",
        "grid" => "--grid",
        "max_clique" => "--max-clique",
        "max_replicates" => "--max-replicates",
        "work_limit" => "--work-limit",
        "calibration_tables" => "--calibration-tables",
        "calibration_interval" => "--calibration-interval",
        "calibration_truth" => "--calibration-truth",
        "tables" => "--tables",
        "scheme" => "--scheme",
        "coverage_levels" => "--coverage-levels",
        "estimate" => "--estimate",
        "tables_out" => "--tables-out",
        "coverage" => "--coverage",
        "degree_year" => "--degree-year",
        "pairs" => "--cross",
        "ordered" => "--year",
        "covariates" => "--covariates",
        "absent" => "--absent",
        "levels" => "--levels",
        "missing" => "--missing",
        "year" => "--year",
        "fixed_model_bootstrap" => "--fixed-model-bootstrap",
        "replicates_out" => "--replicates-out",
        "no_leave_one_out" => "--no-leave-one-out",
        _ => return None,
    })
}

/// A library error in the CLI's words: the option an `InvalidOption` is about, and every
/// option the message names in backticks, become the command-line flags.
fn cli_message(e: &Error) -> String {
    let text = match e {
        Error::InvalidOption {
            name,
            value,
            problem,
        } => format!("option {} = {value}: {problem}", flag(name).unwrap_or(name)),
        other => other.to_string(),
    };
    translate(&text)
}

/// `text` with every backticked option name replaced by its flag.
fn translate(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('`') {
        let Some(j) = rest[i + 1..].find('`') else {
            break;
        };
        let word = &rest[i + 1..i + 1 + j];
        out.push_str(&rest[..i]);
        match flag(word) {
            Some(f) => out.push_str(f),
            None => out.push_str(&rest[i..i + 2 + j]),
        }
        rest = &rest[i + 2 + j..];
    }
    out.push_str(rest);
    out
}

/// `value` if the user set the option `id` on the command line (not its default).
fn given<T>(m: Option<&ArgMatches>, id: &str, value: T) -> Option<T> {
    let set = m
        .and_then(|m| m.try_get_raw(id).ok().flatten().map(|_| m.value_source(id)))
        .flatten()
        == Some(ValueSource::CommandLine);
    set.then_some(value)
}

/// Whether the user set the option `id` on the command line.
fn explicit(m: Option<&ArgMatches>, id: &str) -> bool {
    given(m, id, ()).is_some()
}

/// The warnings printed on stderr (text output); JSON carries them in `warnings`.
fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {}", translate(w));
    }
}

/// A progress bar on stderr when it is a terminal (and not --quiet).
fn progress_bar(len: Option<u64>, quiet: bool, what: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    let len = len?;
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what} {{bar:40}} {{pos}}/{{len}} [{{elapsed}} < {{eta}}]"
        ))
        .expect("valid template"),
    );
    Some(bar)
}

fn print_json(v: &serde_json::Value) -> Result<()> {
    let mut s = serde_json::to_string_pretty(v).expect("reports serialise");
    s.push('\n');
    emit(&s)
}

use write::emit;

fn emit_with(f: impl FnOnce(&mut String)) -> Result<()> {
    let mut s = String::new();
    f(&mut s);
    emit(&s)
}

/// Read the input as `--format`, `--delimiter`, `--list-col`, `--id-col`, `--merge`,
/// `--omit` and `--lists` say.
fn load(input: &Input) -> Result<Loaded> {
    let opts = InputOptions {
        format: input.format,
        delimiter: input
            .delimiter
            .as_deref()
            .map(command::delimiter)
            .transpose()?,
        list_col: input.list_col.clone(),
        id_col: input.id_col.clone(),
        merge: input
            .merge
            .iter()
            .map(|m| m.split(',').map(|s| s.trim().to_string()).collect())
            .collect(),
        omit: input.omit.clone(),
        lists: input.lists.clone(),
    };
    if input.file == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|source| Error::Io {
                file: "<stdin>".into(),
                source,
            })?;
        let mut loaded = command::load_bytes(&buf, "<stdin>", &opts)?;
        loaded.name = "stdin".into();
        Ok(loaded)
    } else {
        command::load_path(&input.file, &opts)
    }
}

/// The LCMCR options as the library's request (shared by `estimate` with and without
/// covariates).
fn lcmcr_request(mc: &args::McmcArgs) -> Result<LcmcrRequest> {
    Ok(LcmcrRequest {
        classes: mc.classes,
        chains: mc.chains,
        burnin: mc.burnin,
        samples: mc.samples,
        thinning: mc.thinning,
        alpha_prior: mc.alpha_prior.as_deref().map(alpha_prior).transpose()?,
        until_converged: mc.until_converged,
        max_sweeps: mc.max_sweeps,
        no_label_swaps: mc.no_label_swaps,
        no_collapsed_moves: mc.no_collapsed_moves,
    })
}

/// `estimate`'s dga options as the library's request.
fn dga_request(d: &args::DgaArgs) -> DgaRequest {
    DgaRequest {
        delta: d.delta,
        prior: d.prior.clone(),
        grid: d.grid.clone(),
        max_clique: d.max_clique,
        top: d.top_graphs,
        work_limit: d.work_limit,
    }
}

/// `--alpha-prior A,B`.
fn alpha_prior(s: &str) -> Result<(f64, f64)> {
    let bad = || Error::InvalidOption {
        name: "alpha_prior",
        value: s.into(),
        problem: "expected two positive numbers A,B (shape and rate), e.g. 0.25,0.25".into(),
    };
    let (x, y) = s.split_once(',').ok_or_else(bad)?;
    Ok((
        x.trim().parse().map_err(|_| bad())?,
        y.trim().parse().map_err(|_| bad())?,
    ))
}

/// The library's request for `estimate`'s arguments (`m`: the matches, to tell a given
/// `--seed` or `--bootstrap-kind` from its default).
fn estimate_request(
    a: &EstimateArgs,
    m: Option<&ArgMatches>,
    replay: Option<Vec<Vec<u64>>>,
) -> Result<EstimateRequest> {
    let mc = &a.mcmc;
    Ok(EstimateRequest {
        method: Some(a.method.clone()),
        model: a.model.clone(),
        select: a.select.as_deref().map(str::parse).transpose()?,
        pthresh: a.pthresh,
        max_order: a.max_order,
        limit: a.limit,
        interval: a.interval,
        level: Some(a.level),
        bootstrap: a.boot.bootstrap,
        seed: given(m, "seed", a.boot.seed),
        bootstrap_kind: given(m, "bootstrap_kind", a.boot.bootstrap_kind),
        ntop: a.boot.ntop,
        max_replicates: a.boot.max_replicates,
        replay,
        calibration_tables: a.calibration.calibration_tables,
        calibration_interval: a.calibration.calibration_interval,
        calibration_truth: a.calibration.calibration_truth,
        lcmcr: lcmcr_request(mc)?,
        dga: dga_request(&a.dga),
    })
}

fn estimate_cmd(a: EstimateArgs, m: Option<&ArgMatches>) -> Result<u8> {
    if !a.cov.covariates.is_empty() {
        return covariates::run_estimate(&a, m);
    }
    let loaded = load(&a.input)?;
    let [replicates_out, plot_out, draws_out] = write::check_all([
        a.boot.replicates_out.as_ref(),
        a.plot.as_ref(),
        a.mcmc.draws_out.as_ref(),
    ])?;
    let parallel = a.boot.bootstrap.is_some()
        || a.boot.replay.is_some()
        || matches!(a.select.as_deref(), Some("bic" | "aic" | "auto"))
        || matches!(a.method.as_str(), "lcmcr" | "dga");
    write::set_threads(a.boot.threads, parallel)?;
    let replay = a
        .boot
        .replay
        .as_ref()
        .map(|p| replay::read_replicates(p, loaded.table.names()))
        .transpose()?;
    let req = estimate_request(&a, m, replay)?;
    let lcmcr = a.method == "lcmcr";
    let bayes = lcmcr || a.method == "dga";
    if a.mcmc.draws_out.is_some() && !lcmcr {
        return Err(Error::InvalidOption {
            name: "method",
            value: a.method.clone(),
            problem: "`draws_out` writes the draws of the lcmcr method".into(),
        });
    }
    if a.plot.is_some() && req.bootstrap.is_none() && req.replay.is_none() && !bayes {
        return Err(Error::InvalidOption {
            name: "plot",
            value: a.plot.clone().unwrap_or_default(),
            problem:
                "the plot shows the bootstrap distribution: add `bootstrap` B (or `replay` FILE)"
                    .into(),
        });
    }
    let what = if a.interval == Some(IntervalMethod::Calibrated) {
        "calibration tables"
    } else if lcmcr {
        "sweeps"
    } else {
        "bootstrap"
    };
    let bar = progress_bar(req.work(&loaded)?, a.boot.quiet, what);
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.set_position(n);
        }
    };
    let run = command::estimate(&loaded, &req, Some(&tick))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let (Some(out), Some(b)) = (&replicates_out, run.bootstrap()) {
        out.write(replicates_csv(b).as_bytes())?;
    }
    let name = &loaded.name;
    if let (Some(out), Some(est)) = (&plot_out, &run.report.detail) {
        if let Some(b) = &est.bootstrap {
            let title = a.title.clone().unwrap_or_else(|| {
                format!("{name}: bootstrap of N ({} replicates)", b.replicates.len())
            });
            out.write(plot::bootstrap_svg(b, Some(&est.interval), &title)?.as_bytes())?;
        } else if let Detail::Dga(p) = &est.point.detail {
            let title = a
                .title
                .clone()
                .unwrap_or_else(|| format!("{name}: posterior of N averaged over graphs"));
            out.write(
                plot::graphs_svg(p, &est.interval, loaded.table.names(), &title)?.as_bytes(),
            )?;
        } else if let Detail::Lcmcr(p) = &est.point.detail {
            let title = a
                .title
                .clone()
                .unwrap_or_else(|| format!("{name}: LCMCR posterior of N"));
            out.write(plot::posterior_svg(&p.draws.n, &est.interval, &title)?.as_bytes())?;
        }
    }
    if let (Some(out), Some(est)) = (&draws_out, &run.report.detail) {
        if let Detail::Lcmcr(p) = &est.point.detail {
            out.write(draws_csv(p).as_bytes())?;
        }
    }
    if a.json {
        print_json(&run.json(&loaded))?;
    } else {
        warn(&run.report.warnings);
        emit_with(|o| human::estimate(o, &run.report))?;
    }
    Ok(match &run.failure {
        None => 0,
        Some(e) => {
            if a.json {
                eprintln!("error: {}", cli_message(e));
            }
            3
        }
    })
}

fn models_cmd(a: ModelsArgs) -> Result<u8> {
    let loaded = load(&a.input)?;
    let [plot_out] = write::check_all([a.plot.as_ref()])?;
    write::set_threads(a.threads, true)?;
    match a.method.as_str() {
        "loglinear" => {}
        "dga" => {
            for (option, value) in [
                ("plot", a.plot.clone()),
                ("max_order", a.max_order.map(|k| k.to_string())),
            ] {
                if let Some(value) = value {
                    return Err(Error::InvalidOption {
                        name: option,
                        value,
                        problem: "it is an option of the log-linear ranking, not of `method` dga (for dga's plot, use `estimate --method dga --plot`)".into(),
                    });
                }
            }
            let req = DgaRequest {
                delta: a.delta,
                prior: a.prior.clone(),
                grid: a.grid.clone(),
                max_clique: a.max_clique,
                top: Some(a.top),
                work_limit: a.work_limit,
            };
            let (report, json) = command::graphs(&loaded, &req)?;
            if a.json {
                print_json(&json)?;
            } else {
                warn(&report.warnings);
                emit_with(|o| human::graphs(o, &report))?;
            }
            return Ok(0);
        }
        other => {
            return Err(Error::InvalidOption {
                name: "method",
                value: other.into(),
                problem: "models ranks the models of loglinear or the graphs of dga".into(),
            })
        }
    }
    if let Some(option) = [
        ("delta", a.delta.is_some()),
        ("prior", a.prior.is_some()),
        ("grid", a.grid.is_some()),
        ("max_clique", a.max_clique.is_some()),
        ("work_limit", a.work_limit.is_some()),
    ]
    .into_iter()
    .find(|(_, set)| *set)
    .map(|(n, _)| n)
    {
        return Err(Error::InvalidOption {
            name: "method",
            value: a.method.clone(),
            problem: format!("`{option}` is an option of `method` dga"),
        });
    }
    let req = ModelsRequest {
        max_order: a.max_order,
        top: Some(a.top),
        by: Some(a.by),
        limit: Some(a.limit),
    };
    let bar = progress_bar(Some(1), a.quiet, "models");
    let tick = |(done, total): (usize, usize)| {
        if let Some(b) = &bar {
            b.set_length(total as u64);
            b.set_position(done as u64);
        }
    };
    let (res, report, json) = command::models(&loaded, &req, &tick)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(out) = &plot_out {
        let title = a
            .title
            .clone()
            .unwrap_or_else(|| format!("{}: model ranking by {}", loaded.name, a.by));
        out.write(plot::ranking_svg(&res, &loaded.table, a.top, &title)?.as_bytes())?;
    }
    if a.json {
        print_json(&json)?;
    } else {
        warn(&report.warnings);
        emit_with(|o| human::models(o, &report))?;
    }
    // As `estimate`: exit 3 when no model has an estimate (the report is printed).
    if res.models.is_empty() {
        eprintln!(
            "error: every one of the {} models examined fails the existence check (the MLE does not exist or the model is not identifiable); no model is ranked",
            res.examined
        );
        return Ok(3);
    }
    Ok(0)
}

fn report_cmd(a: ReportArgs, m: Option<&ArgMatches>) -> Result<u8> {
    if !a.cov.covariates.is_empty() {
        return covariates::run_report(&a, m);
    }
    let rules: Vec<Rule> = a.select.iter().map(|s| s.parse()).collect::<Result<_>>()?;
    let loaded = load(&a.input)?;
    write::set_threads(a.threads, true)?;
    let req = ReportRequest {
        level: Some(a.level),
        bootstrap: a.bootstrap,
        seed: given(m, "seed", a.seed),
        select: Some(rules),
        pthresh: a.pthresh,
        max_order: a.max_order,
        limit: a.limit,
        ntop: a.ntop,
        leave_one_out: Some(!a.no_leave_one_out),
        max_replicates: a.max_replicates,
        coverage: a.coverage,
    };
    let (r, json) = command::report(&loaded, &req)?;
    if a.json {
        print_json(&json)?;
    } else {
        warn(&r.warnings);
        if a.csv {
            emit(&r.to_csv())?;
        } else if a.markdown {
            emit(&r.to_markdown())?;
        } else {
            emit(&r.to_text())?;
        }
    }
    Ok(if r.rows.iter().any(|r| r.estimate.is_some()) {
        0
    } else {
        3
    })
}

fn run(cli: Cli, m: Option<&ArgMatches>) -> Result<u8> {
    match cli.command {
        Command::Estimate(a) => estimate_cmd(a, m),
        Command::Models(a) => models_cmd(a),
        Command::Report(a) => report_cmd(a, m),
        Command::Simulate(a) => simulate::run(a),
        Command::Check(a) => {
            let loaded = load(&a.input)?;
            let (report, json) = command::check(&loaded, &a.model)?;
            if a.json {
                print_json(&json)?;
            } else {
                warn(&report.warnings);
                emit_with(|o| human::check(o, &report))?;
            }
            Ok(if report.header.existence.code == 0 {
                0
            } else {
                3
            })
        }
        Command::Summary(a) => {
            if !a.cov.covariates.is_empty() {
                return covariates::run_summary(&a);
            }
            let loaded = load(&a.input)?;
            let [plot_out] = write::check_all([a.plot.as_ref()])?;
            let (s, json) = command::summary(&loaded);
            if let Some(out) = &plot_out {
                let title = a
                    .title
                    .clone()
                    .unwrap_or_else(|| format!("{}: capture histories", loaded.name));
                out.write(plot::upset_svg(&loaded.table, &title)?.as_bytes())?;
            }
            if a.json {
                print_json(&json)?;
            } else {
                emit_with(|o| human::summary(o, &s))?;
            }
            Ok(0)
        }
        Command::Convert(a) => {
            let loaded = load(&a.input)?;
            let [out] = write::check_all([a.output.as_ref()])?;
            warn(&loaded.warnings);
            let buf = command::convert(&loaded);
            match &out {
                Some(out) => out.write(&buf)?,
                None => emit(&String::from_utf8_lossy(&buf))?,
            }
            Ok(0)
        }
    }
}
