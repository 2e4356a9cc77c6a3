//! `darkfigure` — the command-line shell over the library. No statistics here: parse
//! arguments, call the library, print.
//!
//! Exit status: 0 success; 2 bad usage or bad input; 3 the requested estimate does not exist
//! or is not identifiable (the JSON is still printed, with `estimate: null`).

mod args;
mod covariates;
mod human;
mod input;
mod settings;

use args::{Cli, Command, EstimateArgs, ModelsArgs, ReportArgs};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use darkfigure::data::replay;
use darkfigure::estimators::lcmcr::{LcmcrOptions, LcmcrPosterior};
use darkfigure::estimators::loglinear::{LoglinearOptions, ModelSpec};
use darkfigure::estimators::{Detail, Method};
use darkfigure::output::plot;
use darkfigure::output::report::{run_estimate, CheckReport, ModelsReport, Provenance, Stamped};
use darkfigure::output::{report, ReportOptions};
use darkfigure::prelude::*;
use darkfigure::selection::SearchOptions;
use input::{load, Loaded};
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
        "threshold" => "--pthresh",
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
        "draws_out" => "--draws-out",
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

/// Whether the user set the option `id` on the command line (not its default).
fn explicit(m: Option<&ArgMatches>, id: &str) -> bool {
    m.and_then(|m| m.try_get_raw(id).ok().flatten().map(|_| m.value_source(id)))
        .flatten()
        == Some(ValueSource::CommandLine)
}

/// An option set on the command line that has no effect where it was given: exit 2.
fn no_effect(flag: &'static str, value: String, why: String) -> Error {
    Error::InvalidOption {
        name: flag,
        value,
        problem: format!("{why}; drop it"),
    }
}

/// The warnings printed on stderr (text output); JSON carries them in `warnings`.
fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {}", translate(w));
    }
}

/// A progress bar on stderr when it is a terminal (and not --quiet).
fn progress_bar(len: Option<usize>, quiet: bool, what: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    let len = len?;
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what} {{bar:40}} {{pos}}/{{len}} [{{elapsed}} < {{eta}}]"
        ))
        .expect("valid template"),
    );
    Some(bar)
}

fn write_file(path: &str, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        file: path.to_string(),
        source,
    })
}

/// `replicate,estimate,model` rows.
fn replicates_csv(b: &Bootstrap) -> String {
    let mut out = String::from("replicate,estimate,model\n");
    for (i, (v, m)) in b.replicates.iter().zip(&b.models).enumerate() {
        let model = m.as_deref().unwrap_or("");
        let model = if model.contains([',', '"']) {
            format!("\"{}\"", model.replace('"', "\"\""))
        } else {
            model.to_string()
        };
        out.push_str(&format!(
            "{},{},{model}\n",
            i + 1,
            v.map(|x| format!("{x}")).unwrap_or_default()
        ));
    }
    out
}

/// `chain,draw,N,alpha,occupied_classes` rows of an LCMCR run.
fn draws_csv(p: &LcmcrPosterior) -> String {
    let mut out = String::from("chain,draw,N,alpha,occupied_classes\n");
    for (c, ((n, al), k)) in p
        .draws
        .n
        .iter()
        .zip(&p.draws.alpha)
        .zip(&p.draws.k_star)
        .enumerate()
    {
        for (i, ((n, al), k)) in n.iter().zip(al).zip(k).enumerate() {
            out.push_str(&format!("{},{},{n},{al},{k}\n", c + 1, i + 1));
        }
    }
    out
}

fn set_threads(n: Option<usize>) -> Result<()> {
    if let Some(n) = n {
        if n == 0 {
            return Err(Error::InvalidOption {
                name: "threads",
                value: "0".into(),
                problem: "must be at least 1".into(),
            });
        }
        // Only fails if a pool exists already, which cannot happen here.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    Ok(())
}

/// Print a report with its provenance as one JSON object.
fn print_json<T: serde::Serialize>(report: &T, table: &CaptureTable, options: serde_json::Value) {
    let provenance = Provenance::new(table, options);
    let mut s = serde_json::to_string_pretty(&Stamped {
        report,
        provenance: &provenance,
    })
    .expect("reports serialise");
    s.push('\n');
    emit(&s);
}

/// Write to stdout; a closed pipe (`darkfigure … | head`) ends the output quietly.
fn emit(s: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes()).and_then(|()| out.flush());
}

fn emit_with(f: impl FnOnce(&mut String)) {
    let mut s = String::new();
    f(&mut s);
    emit(&s);
}

/// LCMCR's options from the command line.
fn lcmcr_options(a: &EstimateArgs, level: Level) -> Result<LcmcrOptions> {
    let m = &a.mcmc;
    let d = LcmcrOptions::default();
    let (a_alpha, b_alpha) = match &m.alpha_prior {
        None => (d.a_alpha, d.b_alpha),
        Some(s) => {
            let bad = || Error::InvalidOption {
                name: "alpha_prior",
                value: s.clone(),
                problem: "expected two positive numbers A,B (shape and rate), e.g. 0.25,0.25"
                    .into(),
            };
            let (x, y) = s.split_once(',').ok_or_else(bad)?;
            (
                x.trim().parse().map_err(|_| bad())?,
                y.trim().parse().map_err(|_| bad())?,
            )
        }
    };
    let (lo, hi) = level.tails();
    Ok(LcmcrOptions {
        classes: m.classes.unwrap_or(d.classes),
        a_alpha,
        b_alpha,
        burnin: m.burnin.unwrap_or(d.burnin),
        samples: m.samples.unwrap_or(d.samples),
        thinning: m.thinning.unwrap_or(d.thinning),
        chains: m.chains.unwrap_or(d.chains),
        seed: a.boot.seed,
        levels: vec![lo, hi],
        label_swaps: !m.no_label_swaps,
        until_converged: m
            .until_converged
            .then(|| m.max_sweeps.unwrap_or(LCMCR_MAX_SWEEPS)),
        ..d
    })
}

/// `--until-converged` without `--max-sweeps`: at most this many sweeps per chain.
const LCMCR_MAX_SWEEPS: u64 = 2_000_000;

/// The method of `estimate`: `--method`, with the log-linear options where it is
/// `loglinear` (they are an error with another method, or where they have no effect).
fn method(a: &EstimateArgs, table: &CaptureTable) -> Result<Method> {
    let chosen: Method = a.method.parse()?;
    let select: Option<Rule> = a.select.as_deref().map(str::parse).transpose()?;
    if let Some(name) = a
        .mcmc
        .given()
        .filter(|_| !matches!(chosen, Method::Lcmcr(_)))
    {
        return Err(Error::InvalidOption {
            name: "method",
            value: a.method.clone(),
            problem: format!(
                "`{name}` is an option of the lcmcr method; it has no meaning with the {} method",
                chosen.id()
            ),
        });
    }
    if let Method::Lcmcr(_) = chosen {
        if let Some((name, _)) = [("model", a.model.is_some()), ("select", select.is_some())]
            .into_iter()
            .find(|(_, set)| *set)
        {
            return Err(Error::InvalidOption {
                name: "method",
                value: a.method.clone(),
                problem: format!(
                    "`{name}` chooses a log-linear model; it has no meaning with the lcmcr method"
                ),
            });
        }
        return Ok(Method::Lcmcr(lcmcr_options(a, Level::new(a.level)?)?));
    }
    let loglinear_only = [
        ("model", a.model.is_some()),
        ("select", select.is_some()),
        ("ntop", a.boot.ntop.is_some()),
    ];
    let Method::Loglinear(_) = chosen else {
        return match loglinear_only.iter().find(|(_, set)| *set) {
            Some((name, _)) => Err(Error::InvalidOption {
                name: "method",
                value: a.method.clone(),
                problem: format!(
                    "`{name}` chooses a log-linear model; it has no meaning with the {} method (drop it, or use `method` loglinear)",
                    chosen.id()
                ),
            }),
            None => Ok(chosen),
        };
    };
    let model = match select {
        Some(rule) => {
            let sel = SelectOptions {
                rule,
                threshold: a.pthresh,
                max_order: a.max_order,
                limit: a.limit,
                trace: false,
            };
            let applied = sel.resolved(table.lists());
            let exhaustive = applied.criterion().is_some();
            if a.pthresh.is_some() && exhaustive {
                return Err(no_effect(
                    "threshold",
                    format!("{}", a.pthresh.unwrap_or_default()),
                    format!("`select` {rule} chooses by {} on these {} lists, without a p-value threshold", applied.criterion().unwrap_or_default(), table.lists()),
                ));
            }
            for (name, set) in [
                ("max_order", a.max_order.is_some()),
                ("limit", a.limit.is_some()),
            ] {
                if set && !exhaustive {
                    return Err(no_effect(
                        name,
                        if name == "limit" { format!("{}", a.limit.unwrap_or_default()) } else { format!("{}", a.max_order.unwrap_or_default()) },
                        format!("it bounds the model search of `select` bic or aic; `select` {rule} adds pairs by {applied} on these {} lists", table.lists()),
                    ));
                }
            }
            if a.boot.ntop.is_some() && !exhaustive {
                return Err(no_effect(
                    "ntop",
                    format!("{}", a.boot.ntop.unwrap_or_default()),
                    format!("it is the number of top models the BIC/AIC bootstrap re-selects among; `select` {rule} re-runs {applied} in every replicate"),
                ));
            }
            ModelSpec::Select(sel)
        }
        None => {
            if a.boot.ntop.is_some() {
                return Err(no_effect(
                    "ntop",
                    format!("{}", a.boot.ntop.unwrap_or_default()),
                    "it is for `select` bic or aic".into(),
                ));
            }
            ModelSpec::Model(a.model.clone().unwrap_or_else(|| "main".into()))
        }
    };
    Ok(Method::Loglinear(LoglinearOptions {
        model,
        ntop: a.boot.ntop,
        ..LoglinearOptions::default()
    }))
}

fn estimate_cmd(a: EstimateArgs, m: Option<&ArgMatches>) -> Result<u8> {
    if !a.cov.covariates.is_empty() {
        return covariates::run_estimate(&a, m);
    }
    let Loaded {
        table,
        warnings,
        name,
    } = load(&a.input)?;
    set_threads(a.boot.threads)?;
    let resampled = a.boot.bootstrap.is_some() || a.boot.replay.is_some();
    if explicit(m, "seed") && !resampled && a.method != "lcmcr" {
        return Err(no_effect(
            "seed",
            a.boot.seed.to_string(),
            "it seeds the bootstrap (or the lcmcr chains); nothing is random without `bootstrap` B"
                .into(),
        ));
    }
    if explicit(m, "bootstrap_kind") && a.boot.bootstrap.is_none() {
        return Err(no_effect(
            "kind",
            format!("{:?}", a.boot.bootstrap_kind).to_lowercase(),
            "it chooses how `bootstrap` replicates are drawn, and no bootstrap is asked for".into(),
        ));
    }
    let replay = a
        .boot
        .replay
        .as_ref()
        .map(|p| replay::read_replicates(p, table.names()))
        .transpose()?;
    let replicates = a.boot.bootstrap.or(replay.as_ref().map(Vec::len));
    if a.plot.is_some() && replicates.is_none() && a.method != "lcmcr" {
        return Err(Error::InvalidOption {
            name: "plot",
            value: a.plot.clone().unwrap_or_default(),
            problem:
                "the plot shows the bootstrap distribution: add `bootstrap` B (or `replay` FILE)"
                    .into(),
        });
    }
    let opts = EstimateOptions {
        method: method(&a, &table)?,
        interval: a.interval,
        level: Level::new(a.level)?,
        bootstrap: a
            .boot
            .bootstrap
            .map(|b| BootstrapOptions::new(b, a.boot.seed).kind(a.boot.bootstrap_kind)),
        replay,
    };
    let est = opts.method.build(&table)?;
    let bar = match est.work(&table) {
        Some(sweeps) => progress_bar(Some(sweeps as usize), a.boot.quiet, "sweeps"),
        None => progress_bar(replicates, a.boot.quiet, "bootstrap"),
    };
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.set_position(n);
        }
    };
    let (mut report, failure) = run_estimate(&table, &opts, Some(&tick))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut all = warnings;
    all.append(&mut report.warnings);
    report.warnings = all;
    let boot = report.detail.as_ref().and_then(|e| e.bootstrap.as_ref());
    if let (Some(path), Some(b)) = (&a.boot.replicates_out, boot) {
        write_file(path, replicates_csv(b).as_bytes())?;
    }
    if let (Some(path), Some(est)) = (&a.plot, &report.detail) {
        if let Some(b) = &est.bootstrap {
            let title = a.title.clone().unwrap_or_else(|| {
                format!("{name}: bootstrap of N ({} replicates)", b.replicates.len())
            });
            write_file(
                path,
                plot::bootstrap_svg(b, Some(&est.interval), &title)?.as_bytes(),
            )?;
        } else if let Detail::Lcmcr(p) = &est.point.detail {
            let title = a
                .title
                .clone()
                .unwrap_or_else(|| format!("{name}: LCMCR posterior of N"));
            write_file(
                path,
                plot::posterior_svg(&p.draws.n, &est.interval, &title)?.as_bytes(),
            )?;
        }
    }
    if let (Some(path), Some(est)) = (&a.mcmc.draws_out, &report.detail) {
        if let Detail::Lcmcr(p) = &est.point.detail {
            write_file(path, draws_csv(p).as_bytes())?;
        }
    }
    if a.json {
        let options = settings::estimate(&a, &opts, &table, &report);
        print_json(&report, &table, options);
    } else {
        warn(&report.warnings);
        emit_with(|o| human::estimate(o, &report));
    }
    Ok(match failure {
        None => 0,
        Some(e) => {
            if a.json {
                eprintln!("error: {}", cli_message(&e));
            }
            3
        }
    })
}

fn models_cmd(a: ModelsArgs) -> Result<u8> {
    let Loaded {
        table,
        warnings,
        name,
    } = load(&a.input)?;
    set_threads(a.threads)?;
    let opts = SearchOptions {
        max_order: a.max_order,
        criterion: a.by,
        top: Some(a.top),
        limit: a.limit,
    };
    let bar = progress_bar(Some(1), a.quiet, "models");
    let tick = |(done, total): (usize, usize)| {
        if let Some(b) = &bar {
            b.set_length(total as u64);
            b.set_position(done as u64);
        }
    };
    let res = darkfigure::selection::search::search_with_progress(&table, &opts, &tick)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut report = ModelsReport::new(&table, &res);
    report.warnings = warnings;
    if let Some(path) = &a.plot {
        let title = a
            .title
            .clone()
            .unwrap_or_else(|| format!("{name}: model ranking by {}", a.by));
        write_file(
            path,
            plot::ranking_svg(&res, &table, a.top, &title)?.as_bytes(),
        )?;
    }
    if a.json {
        print_json(&report, &table, settings::models(&a, &table));
    } else {
        warn(&report.warnings);
        emit_with(|o| human::models(o, &report));
    }
    Ok(0)
}

fn report_cmd(a: ReportArgs, m: Option<&ArgMatches>) -> Result<u8> {
    if !a.cov.covariates.is_empty() {
        return covariates::run_report(&a, m);
    }
    let rules: Vec<Rule> = a.select.iter().map(|s| s.parse()).collect::<Result<_>>()?;
    let Loaded {
        table,
        warnings,
        name: _,
    } = load(&a.input)?;
    set_threads(a.threads)?;
    let t = table.lists();
    let exhaustive = rules
        .iter()
        .any(|r| SelectOptions::new(*r).resolved(t).criterion().is_some());
    for (name, set) in [
        ("max_order", a.max_order.is_some()),
        ("limit", a.limit.is_some()),
        ("ntop", a.ntop.is_some()),
    ] {
        if set && !exhaustive {
            return Err(no_effect(
                name,
                "given".into(),
                "it is for the BIC/AIC rows, and `select` asks for none".into(),
            ));
        }
    }
    let opts = ReportOptions {
        level: Level::new(a.level)?,
        bootstrap: a.bootstrap.map(|b| BootstrapOptions::new(b, a.seed)),
        rules,
        threshold: a.pthresh,
        max_order: a.max_order,
        limit: a.limit,
        ntop: a.ntop,
        leave_one_out: !a.no_leave_one_out,
        rcapture: true,
        lcmcr: Some(LcmcrOptions {
            seed: a.seed,
            ..LcmcrOptions::default()
        }),
    };
    let mut r = report(&table, &opts)?;
    let _ = m;
    r.warnings = warnings;
    if a.json {
        print_json(&r, &table, settings::report(&opts, &table));
    } else {
        warn(&r.warnings);
        if a.csv {
            emit(&r.to_csv());
        } else if a.markdown {
            emit(&r.to_markdown());
        } else {
            emit(&r.to_text());
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
        Command::Check(a) => {
            let Loaded {
                table, warnings, ..
            } = load(&a.input)?;
            let model = Model::parse(&a.model, table.names())?;
            let ex = darkfigure::loglinear::check(&table, &model)?;
            let mut report = CheckReport::new(&table, &model, &ex);
            report.warnings = warnings;
            if a.json {
                print_json(&report, &table, settings::check(&a, &table));
            } else {
                warn(&report.warnings);
                emit_with(|o| human::check(o, &report));
            }
            Ok(if ex.code == 0 { 0 } else { 3 })
        }
        Command::Summary(a) => {
            if !a.cov.covariates.is_empty() {
                return covariates::run_summary(&a);
            }
            let Loaded {
                table,
                warnings,
                name,
            } = load(&a.input)?;
            let mut s = summarize(&table);
            for w in warnings {
                if !s.warnings.contains(&w) {
                    s.warnings.push(w);
                }
            }
            if let Some(path) = &a.plot {
                let title = a
                    .title
                    .clone()
                    .unwrap_or_else(|| format!("{name}: capture histories"));
                write_file(path, plot::upset_svg(&table, &title)?.as_bytes())?;
            }
            if a.json {
                print_json(&s, &table, settings::lists_only(&table));
            } else {
                emit_with(|o| human::summary(o, &s));
            }
            Ok(0)
        }
        Command::Convert(a) => {
            let Loaded {
                table, warnings, ..
            } = load(&a.input)?;
            warn(&warnings);
            let mut buf = Vec::new();
            darkfigure::data::io::write_frequency_csv(&table, &mut buf, "<stdout>")?;
            match &a.output {
                Some(path) => write_file(path, &buf)?,
                None => emit(&String::from_utf8_lossy(&buf)),
            }
            Ok(0)
        }
    }
}
