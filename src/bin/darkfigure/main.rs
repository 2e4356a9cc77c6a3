//! `darkfigure` — the command-line shell over the library. No statistics here: parse
//! arguments, call the library, print.
//!
//! Exit status: 0 success; 2 bad usage or bad input; 3 the requested estimate does not exist
//! or is not identifiable (the JSON is still printed, with `estimate: null`).

mod human;

use clap::{Args, Parser, Subcommand};
use darkfigure::estimate::{EstimateOptions, IntervalMethod};
use darkfigure::io::{read_table, Format};
use darkfigure::report::{run_estimate, CheckReport};
use darkfigure::{existence, CaptureTable, Error, Model};
use std::io::Read;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "darkfigure",
    version,
    about = "Multiple-systems estimation of hidden populations from overlapping lists",
    long_about = "Multiple-systems estimation of hidden populations from overlapping lists.\n\n\
Exit status: 0 success; 2 bad usage or input (the message names file:line:column and the fix); \
3 the requested estimate does not exist or is not identifiable (JSON still printed, estimate null)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Estimate the population size with a log-linear model.
    #[command(
        after_help = "Example:\n  darkfigure estimate data/ukdat.csv --model '[12,34,5,6]' --interval profile --json"
    )]
    Estimate(EstimateArgs),
    /// Check existence and identifiability of the MLE for a model (SparseMSE checkident).
    #[command(
        after_help = "Example:\n  darkfigure check data/artificial_3.csv --model 'A*B'\n\
Exit status 3 when the check fails (code 1, 2 or 3)."
    )]
    Check(CheckArgs),
    /// Rank every hierarchical model by BIC or AIC (exhaustive search).
    #[command(
        after_help = "Example:\n  darkfigure models data/ukdat.csv --max-order 2 --top 10\n  darkfigure models data/ukdat_5.csv --by aic --json"
    )]
    Models(ModelsArgs),
    /// Describe the lists: sizes, overlaps, pairs that never overlap, warnings.
    #[command(after_help = "Example:\n  darkfigure summary data/neworl.csv")]
    Summary(SummaryArgs),
    /// The sensitivity table to publish: one row per method, with intervals.
    #[command(
        after_help = "Example:\n  darkfigure report data/ukdat.csv --bootstrap 1000 --seed 1 --markdown"
    )]
    Report(ReportArgs),
    /// Convert records or long-format lists into a frequency table (CSV on stdout or -o).
    #[command(
        after_help = "Example:\n  darkfigure convert sightings.csv --format long -o table.csv"
    )]
    Convert(ConvertArgs),
}

#[derive(Args)]
struct Input {
    /// Input CSV (`-` for standard input).
    file: String,
    /// Input layout: frequency (0/1 columns + count), records (one row per case), long
    /// (rows `list,id`), or auto.
    #[arg(long, default_value = "auto")]
    format: Format,
    /// Merge lists before estimating, e.g. `--merge PF,NCA` (repeatable).
    #[arg(long, value_name = "A,B")]
    merge: Vec<String>,
    /// Omit lists, e.g. `--omit GP,NCA`.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    omit: Vec<String>,
}

impl Input {
    fn load(&self) -> Result<CaptureTable, Error> {
        let mut table = if self.file == "-" {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|source| Error::Io {
                    file: "<stdin>".into(),
                    source,
                })?;
            darkfigure::io::parse_table(&buf, "<stdin>", self.format)?
        } else {
            read_table(&self.file, self.format)?
        };
        for m in &self.merge {
            let names: Vec<&str> = m.split(',').map(str::trim).collect();
            table = table.merge_lists(&names, None)?;
        }
        if !self.omit.is_empty() {
            let names: Vec<&str> = self.omit.iter().map(|s| s.trim()).collect();
            table = table.omit_lists(&names)?;
        }
        Ok(table)
    }
}

#[derive(Args)]
struct EstimateArgs {
    #[command(flatten)]
    input: Input,
    /// Model: `main`, `[12,3]` (≤ 9 lists), `LA*NG + NG*PF`, or `LA:NG,NG:PF`.
    #[arg(long, default_value = "main")]
    model: String,
    /// Choose the model by a rule: stepwise (p-value, Chan et al. 2021), aic-stepwise
    /// (UK 2014), bic or aic (exhaustive search), auto (BIC for ≤ 5 lists, else stepwise).
    #[arg(long)]
    select: Option<darkfigure::select::Rule>,
    /// p-value threshold of stepwise (default 0.02) or aic-stepwise (default 0.05).
    #[arg(long, requires = "select")]
    pthresh: Option<f64>,
    /// Maximum interaction order for --select bic/aic (default 1, 2, 3, 3, 2 for 2–6 lists,
    /// as MultipleSystemsEstimation).
    #[arg(long, requires = "select")]
    max_order: Option<usize>,
    /// Interval method: wald, profile, bca, percentile (default: bca with --bootstrap;
    /// profile with aic-stepwise; else wald).
    #[arg(long)]
    interval: Option<IntervalMethod>,
    /// Coverage level of the interval.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    #[command(flatten)]
    boot: BootArgs,
    /// Write an SVG of the bootstrap distribution with the point estimate and the interval
    /// (needs --bootstrap or --replay).
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("resampling").args(["bootstrap", "replay"])))]
struct BootArgs {
    /// Bootstrap replicates B (re-running the selection rule in every replicate); the
    /// interval then defaults to BCa.
    #[arg(long, value_name = "B")]
    bootstrap: Option<usize>,
    /// Replay replicate tables from this CSV instead of drawing them (e.g. an R package's
    /// resamples): the table's list columns, `replicate` (1…B) and `count`.
    #[arg(long, value_name = "FILE.csv", conflicts_with_all = ["seed", "bootstrap_kind"])]
    replay: Option<String>,
    /// Seed of the bootstrap streams (replicate b uses stream b); results are identical for
    /// any --threads.
    #[arg(long, default_value_t = 1234)]
    seed: u64,
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// nonparametric (multinomial over observed cells) or parametric (from the fitted model).
    #[arg(long, default_value = "nonparametric")]
    bootstrap_kind: darkfigure::bootstrap::Kind,
    /// BIC/AIC bootstrap: re-select among the top N models of the original ranking
    /// (default as MultipleSystemsEstimation: all for ≤ 3 lists, 20 for 4, 100 for ≥ 5).
    #[arg(long, value_name = "N", requires = "resampling")]
    ntop: Option<usize>,
    /// Write every replicate's estimate to this CSV (columns replicate,estimate; empty when
    /// no estimate exists).
    #[arg(long, value_name = "FILE.csv", requires = "resampling")]
    replicates_out: Option<String>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    input: Input,
    /// Model to check.
    #[arg(long)]
    model: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ModelsArgs {
    #[command(flatten)]
    input: Input,
    /// Largest interaction order (default: all orders, saturated model excluded, where the
    /// space has at most --limit models).
    #[arg(long)]
    max_order: Option<usize>,
    /// Print the best N models.
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Ranking criterion.
    #[arg(long, default_value = "bic")]
    by: darkfigure::search::Criterion,
    /// Largest number of models to examine.
    #[arg(long, default_value_t = 10_000_000)]
    limit: u64,
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Write an SVG of BIC (or AIC) against the estimate for the top models.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct SummaryArgs {
    #[command(flatten)]
    input: Input,
    /// Write an UpSet-style SVG of the list overlaps.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ReportArgs {
    #[command(flatten)]
    input: Input,
    /// Coverage level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// Add BCa rows from a bootstrap with B replicates (selection re-run in each).
    #[arg(long, value_name = "B")]
    bootstrap: Option<usize>,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 1234)]
    seed: u64,
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Output as JSON.
    #[arg(long, conflicts_with_all = ["csv", "markdown"])]
    json: bool,
    /// Output as CSV.
    #[arg(long, conflicts_with = "markdown")]
    csv: bool,
    /// Output as a Markdown table.
    #[arg(long)]
    markdown: bool,
}

#[derive(Args)]
struct ConvertArgs {
    #[command(flatten)]
    input: Input,
    /// Output file (default: standard output).
    #[arg(short, long)]
    output: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.is_no_estimate() { 3 } else { 2 })
        }
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

fn write_svg(path: &str, svg: String) -> Result<(), Error> {
    std::fs::write(path, svg).map_err(|source| Error::Io {
        file: path.to_string(),
        source,
    })
}

/// Write `replicate,estimate` rows.
fn write_replicates(path: &str, boot: &serde_json::Value) -> Result<(), Error> {
    let io = |source| Error::Io {
        file: path.to_string(),
        source,
    };
    let reps = boot["replicate_estimates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut out = String::from("replicate,estimate\n");
    for (i, v) in reps.iter().enumerate() {
        out.push_str(&format!(
            "{},{}\n",
            i + 1,
            v.as_f64().map(|x| format!("{x}")).unwrap_or_default()
        ));
    }
    std::fs::write(path, out).map_err(io)
}

fn set_threads(n: Option<usize>) -> Result<(), Error> {
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

fn print_json<T: serde::Serialize>(v: &T) {
    let mut s = serde_json::to_string_pretty(v).expect("reports serialise");
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

fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Estimate(a) => {
            let table = a.input.load()?;
            set_threads(a.boot.threads)?;
            let replay = a
                .boot
                .replay
                .as_ref()
                .map(|p| darkfigure::replay::read_replicates(p, table.names()))
                .transpose()?;
            let replicates = a.boot.bootstrap.or(replay.as_ref().map(Vec::len));
            if a.plot.is_some() && replicates.is_none() {
                return Err(Error::InvalidOption {
                    name: "plot",
                    value: a.plot.clone().unwrap_or_default(),
                    problem: "the plot shows the bootstrap distribution: add --bootstrap B (or --replay FILE)".into(),
                });
            }
            let opts = EstimateOptions {
                model: a.model.clone(),
                select: a.select.map(|rule| darkfigure::select::SelectOptions {
                    rule,
                    threshold: a.pthresh,
                    max_order: a.max_order,
                    trace: false,
                }),
                interval: a.interval,
                level: a.level,
                bootstrap: replicates.map(|b| darkfigure::bootstrap::BootstrapOptions {
                    kind: a.boot.bootstrap_kind,
                    ..darkfigure::bootstrap::BootstrapOptions::new(b, a.boot.seed)
                }),
                ntop: a.boot.ntop,
                replay,
                ..EstimateOptions::default()
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
            if let (Some(path), Some(boot)) = (&a.boot.replicates_out, &report.bootstrap) {
                write_replicates(path, boot)?;
            }
            if let (Some(path), Some(est)) = (&a.plot, &report.detail) {
                if let Some(b) = &est.bootstrap {
                    let title = format!(
                        "{}: bootstrap of N ({} replicates)",
                        a.input.file,
                        b.replicates.len()
                    );
                    write_svg(
                        path,
                        darkfigure::plot::bootstrap_svg(b, Some(&est.interval), &title)?,
                    )?;
                }
            }
            if a.json {
                print_json(&report);
            } else {
                emit_with(|o| human::estimate(o, &report));
            }
            Ok(match failure {
                None => 0,
                Some(e) if e.is_no_estimate() => {
                    if a.json {
                        eprintln!("error: {e}");
                    }
                    3
                }
                Some(e) => return Err(e),
            })
        }
        Command::Check(a) => {
            let table = a.input.load()?;
            let model = Model::parse(&a.model, table.names())?;
            let ex = existence::check(&table, &model)?;
            let report = CheckReport::new(&table, &model, &ex);
            if a.json {
                print_json(&report);
            } else {
                emit_with(|o| human::check(o, &report));
            }
            Ok(if ex.code == 0 { 0 } else { 3 })
        }
        Command::Models(a) => {
            let table = a.input.load()?;
            set_threads(a.threads)?;
            let opts = darkfigure::search::SearchOptions {
                max_order: a.max_order,
                criterion: a.by,
                top: Some(a.top),
                limit: a.limit,
            };
            let res = darkfigure::search::search(&table, &opts)?;
            let report = darkfigure::report::ModelsReport::new(&table, &res);
            if let Some(path) = &a.plot {
                let title = format!("{}: model ranking", a.input.file);
                write_svg(
                    path,
                    darkfigure::plot::ranking_svg(&res, &table, a.top, &title)?,
                )?;
            }
            if a.json {
                print_json(&report);
            } else {
                emit_with(|o| human::models(o, &report));
            }
            Ok(0)
        }
        Command::Summary(a) => {
            let table = a.input.load()?;
            let s = darkfigure::summary::summarize(&table);
            if let Some(path) = &a.plot {
                let title = format!("{}: capture histories", a.input.file);
                write_svg(path, darkfigure::plot::upset_svg(&table, &title)?)?;
            }
            if a.json {
                print_json(&s);
            } else {
                emit_with(|o| human::summary(o, &s));
            }
            Ok(0)
        }
        Command::Report(a) => {
            let table = a.input.load()?;
            set_threads(a.threads)?;
            let boot = a
                .bootstrap
                .map(|b| darkfigure::bootstrap::BootstrapOptions::new(b, a.seed));
            let r = darkfigure::sensitivity::sensitivity(&table, a.level, boot.as_ref())?;
            if a.json {
                print_json(&r);
            } else if a.csv {
                emit(&r.to_csv());
            } else if a.markdown {
                emit(&r.to_markdown());
            } else {
                emit(&r.to_text());
            }
            Ok(if r.rows.iter().any(|r| r.estimate.is_some()) {
                0
            } else {
                3
            })
        }
        Command::Convert(a) => {
            let table = a.input.load()?;
            match &a.output {
                Some(path) => {
                    let f = std::fs::File::create(path).map_err(|source| Error::Io {
                        file: path.clone(),
                        source,
                    })?;
                    darkfigure::io::write_frequency_csv(&table, std::io::BufWriter::new(f), path)?;
                }
                None => {
                    let mut buf = Vec::new();
                    darkfigure::io::write_frequency_csv(&table, &mut buf, "<stdout>")?;
                    emit(&String::from_utf8_lossy(&buf));
                }
            }
            Ok(0)
        }
    }
}
