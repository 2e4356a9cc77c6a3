//! `darkfigure` — the command-line shell over the library. No statistics here: parse
//! arguments, call the library, print.
//!
//! Exit status: 0 success; 2 bad usage or bad input; 3 the requested estimate does not exist
//! or is not identifiable (the JSON is still printed, with `estimate: null`).

mod args;
mod human;
mod write;

use args::{Cli, Command, EstimateArgs, Input};
use clap::Parser;
use darkfigure::data::{parse_table, read_table, replay};
use darkfigure::estimators::loglinear::{LoglinearOptions, ModelSpec};
use darkfigure::estimators::Method;
use darkfigure::output::plot;
use darkfigure::output::report::{run_estimate, CheckReport, ModelsReport};
use darkfigure::prelude::*;
use darkfigure::selection::SearchOptions;
use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
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
        "merge" => "--merge",
        "omit" => "--omit",
        "limit" => "--limit",
        "top" => "--top",
        "by" => "--by",
        "threads" => "--threads",
        "plot" => "--plot",
        "max_replicates" => "--max-replicates",
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
    let mut out = String::new();
    let mut rest = text.as_str();
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

fn load(input: &Input) -> Result<CaptureTable> {
    let mut table = if input.file == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|source| Error::Io {
                file: "<stdin>".into(),
                source,
            })?;
        parse_table(&buf, "<stdin>", input.format)?
    } else {
        read_table(&input.file, input.format)?
    };
    for m in &input.merge {
        let names: Vec<&str> = m.split(',').map(str::trim).collect();
        table = table.merge_lists(&names, None)?;
    }
    if !input.omit.is_empty() {
        let names: Vec<&str> = input.omit.iter().map(|s| s.trim()).collect();
        table = table.omit_lists(&names)?;
    }
    Ok(table)
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

/// `replicate,estimate` rows.
fn replicates_csv(b: &Bootstrap) -> String {
    let mut out = String::from("replicate,estimate\n");
    for (i, v) in b.replicates.iter().enumerate() {
        out.push_str(&format!(
            "{},{}\n",
            i + 1,
            v.map(|x| format!("{x}")).unwrap_or_default()
        ));
    }
    out
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
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

/// The method of `estimate`: `--method`, with the log-linear options where it is
/// `loglinear` (they are an error with another method).
fn method(a: &EstimateArgs) -> Result<Method> {
    let m: Method = a.method.parse()?;
    let loglinear_only = [
        ("model", a.model.is_some()),
        ("select", a.select.is_some()),
        ("ntop", a.boot.ntop.is_some()),
    ];
    match m {
        Method::Loglinear(_) => {
            let model = match a.select {
                Some(rule) => ModelSpec::Select(SelectOptions {
                    rule,
                    threshold: a.pthresh,
                    max_order: a.max_order,
                    trace: false,
                }),
                None => ModelSpec::Model(a.model.clone().unwrap_or_else(|| "main".into())),
            };
            Ok(Method::Loglinear(LoglinearOptions {
                model,
                ntop: a.boot.ntop,
                ..LoglinearOptions::default()
            }))
        }
        other => match loglinear_only.iter().find(|(_, set)| *set) {
            Some((name, _)) => Err(Error::InvalidOption {
                name: "method",
                value: a.method.clone(),
                problem: format!(
                    "`{name}` chooses a log-linear model; it has no meaning with the {} method (drop it, or use `method` loglinear)",
                    other.id()
                ),
            }),
            None => Ok(other),
        },
    }
}

fn estimate_cmd(a: EstimateArgs) -> Result<u8> {
    let table = load(&a.input)?;
    let [replicates_out, plot_out] =
        write::check_all([a.boot.replicates_out.as_ref(), a.plot.as_ref()])?;
    let parallel = a.boot.bootstrap.is_some()
        || a.boot.replay.is_some()
        || matches!(a.select, Some(Rule::Bic | Rule::Aic | Rule::Auto));
    write::set_threads(a.boot.threads, parallel)?;
    let replay = a
        .boot
        .replay
        .as_ref()
        .map(|p| replay::read_replicates(p, table.names()))
        .transpose()?;
    let replicates = a.boot.bootstrap.or(replay.as_ref().map(Vec::len));
    if a.plot.is_some() && replicates.is_none() {
        return Err(Error::InvalidOption {
            name: "plot",
            value: a.plot.clone().unwrap_or_default(),
            problem:
                "the plot shows the bootstrap distribution: add `bootstrap` B (or `replay` FILE)"
                    .into(),
        });
    }
    let opts = EstimateOptions {
        method: method(&a)?,
        interval: a.interval,
        level: Level::new(a.level)?,
        bootstrap: a.boot.bootstrap.map(|b| {
            let o = BootstrapOptions::new(b, a.boot.seed).kind(a.boot.bootstrap_kind);
            match a.boot.max_replicates {
                Some(m) => o.max_replicates(m),
                None => o,
            }
        }),
        replay,
    };
    let bar = progress_bar(replicates, a.boot.quiet, "bootstrap");
    let tick = |n: usize| {
        if let Some(b) = &bar {
            b.set_position(n as u64);
        }
    };
    let (report, failure) = run_estimate(&table, &opts, Some(&tick))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let boot = report.detail.as_ref().and_then(|e| e.bootstrap.as_ref());
    if let (Some(out), Some(b)) = (&replicates_out, boot) {
        out.write(replicates_csv(b).as_bytes())?;
    }
    if let (Some(out), Some(est)) = (&plot_out, &report.detail) {
        if let Some(b) = &est.bootstrap {
            let title = format!(
                "{}: bootstrap of N ({} replicates)",
                a.input.file,
                b.replicates.len()
            );
            out.write(plot::bootstrap_svg(b, Some(&est.interval), &title)?.as_bytes())?;
        }
    }
    if a.json {
        print_json(&report)?;
    } else {
        emit_with(|o| human::estimate(o, &report))?;
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

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Estimate(a) => estimate_cmd(a),
        Command::Check(a) => {
            let table = load(&a.input)?;
            let model = Model::parse(&a.model, table.names())?;
            let ex = darkfigure::loglinear::check(&table, &model)?;
            let report = CheckReport::new(&table, &model, &ex);
            if a.json {
                print_json(&report)?;
            } else {
                emit_with(|o| human::check(o, &report))?;
            }
            Ok(if ex.code == 0 { 0 } else { 3 })
        }
        Command::Models(a) => {
            let table = load(&a.input)?;
            let [plot_out] = write::check_all([a.plot.as_ref()])?;
            write::set_threads(a.threads, true)?;
            let opts = SearchOptions {
                max_order: a.max_order,
                criterion: a.by,
                top: Some(a.top),
                limit: a.limit,
            };
            let res = darkfigure::selection::search(&table, &opts)?;
            let report = ModelsReport::new(&table, &res);
            if let Some(out) = &plot_out {
                let title = format!("{}: model ranking", a.input.file);
                out.write(plot::ranking_svg(&res, &table, a.top, &title)?.as_bytes())?;
            }
            if a.json {
                print_json(&report)?;
            } else {
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
        Command::Summary(a) => {
            let table = load(&a.input)?;
            let [plot_out] = write::check_all([a.plot.as_ref()])?;
            let s = summarize(&table);
            if let Some(out) = &plot_out {
                let title = format!("{}: capture histories", a.input.file);
                out.write(plot::upset_svg(&table, &title)?.as_bytes())?;
            }
            if a.json {
                print_json(&s)?;
            } else {
                emit_with(|o| human::summary(o, &s))?;
            }
            Ok(0)
        }
        Command::Report(a) => {
            let table = load(&a.input)?;
            write::set_threads(a.threads, true)?;
            let level = Level::new(a.level)?;
            let boot = a.bootstrap.map(|b| {
                let o = BootstrapOptions::new(b, a.seed);
                match a.max_replicates {
                    Some(m) => o.max_replicates(m),
                    None => o,
                }
            });
            let r = sensitivity(&table, level, boot.as_ref())?;
            if a.json {
                print_json(&r)?;
            } else if a.csv {
                emit(&r.to_csv())?;
            } else if a.markdown {
                emit(&r.to_markdown())?;
            } else {
                emit(&r.to_text())?;
            }
            Ok(if r.rows.iter().any(|r| r.estimate.is_some()) {
                0
            } else {
                3
            })
        }
        Command::Convert(a) => {
            let [out] = write::check_all([a.output.as_ref()])?;
            let table = load(&a.input)?;
            let mut buf = Vec::new();
            match &out {
                Some(out) => {
                    let path = a.output.as_deref().unwrap_or_default();
                    darkfigure::data::io::write_frequency_csv(&table, &mut buf, path)?;
                    out.write(&buf)?;
                }
                None => {
                    darkfigure::data::io::write_frequency_csv(&table, &mut buf, "<stdout>")?;
                    emit(&String::from_utf8_lossy(&buf))?;
                }
            }
            Ok(0)
        }
    }
}
