//! `darkfigure simulate`: a coverage study of an `estimate` command on tables simulated from a
//! model fitted to FILE. The statistics are the library's ([`darkfigure::uncertainty::simulate()`]);
//! here: the options, `--estimate` parsed as `darkfigure estimate` parses its options, the
//! progress bar, the files and the output.

use crate::args::{Cli, EstimateArgs, Input};
use crate::input::{load, Loaded};
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches};
use darkfigure::output::plot;
use darkfigure::output::simulation::SimulationReport;
use darkfigure::prelude::*;
use serde::Serialize;

#[derive(Args)]
#[command(group(clap::ArgGroup::new("truth").args(["model", "select", "method"]).required(true)))]
pub struct SimulateArgs {
    #[command(flatten)]
    pub input: Input,
    /// The truth: this log-linear model's fit on FILE (`main`, `[12,3]`, `LA*NG`).
    #[arg(long)]
    pub model: Option<String>,
    /// The truth: the fit of the model this rule chooses on FILE (stepwise, aic-stepwise,
    /// bic, aic, auto).
    #[arg(long)]
    pub select: Option<Rule>,
    /// The truth: this method's fit on FILE (an Rcapture model, e.g. mth-chao; loglinear is
    /// the main-effects model).
    #[arg(long)]
    pub method: Option<String>,
    /// The truth's rule: its p-value threshold.
    #[arg(long, requires = "select")]
    pub pthresh: Option<f64>,
    /// The truth's rule (bic, aic): its maximum interaction order.
    #[arg(long, requires = "select")]
    pub max_order: Option<usize>,
    /// Simulated tables S.
    #[arg(long, value_name = "S", default_value_t = 200)]
    pub tables: usize,
    /// Seed: table j (1-based) is drawn from stream 2^63 + j − 1 and estimated with seed
    /// seed + j − 1; results are identical for any --threads.
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
    /// multinomial (n_obs ~ Binomial(N, 1 − p0), then the cells multinomial) or poisson
    /// (independent Poisson cells).
    #[arg(long, default_value = "multinomial")]
    pub scheme: Scheme,
    /// The estimation studied: the options of `darkfigure estimate` as one string, split as a
    /// shell would, e.g. "--select stepwise --bootstrap 1000" (its --seed is set by the
    /// simulation; input options belong to simulate).
    #[arg(long, value_name = "OPTIONS", allow_hyphen_values = true)]
    pub estimate: String,
    /// Nominal levels whose coverage is measured.
    #[arg(
        long,
        value_name = "L,L",
        value_delimiter = ',',
        default_value = "0.8,0.9,0.95"
    )]
    pub coverage_levels: Vec<f64>,
    /// Write the simulated tables as frequency CSVs DIR/table_0001.csv, … (created if
    /// needed), so other software can be run on the same tables.
    #[arg(long, value_name = "DIR")]
    pub tables_out: Option<String>,
    /// Write an SVG: coverage against the nominal level, and the estimates with the truth.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<String>,
    /// Title of the plot (default: the data set's name).
    #[arg(long, requires = "plot")]
    pub title: Option<String>,
    /// Threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Split `s` into words as a POSIX shell would (without expansions): blanks separate words,
/// `'…'` quotes literally, `"…"` quotes with `\` escaping `"`, `\`, `$` and `` ` ``, and `\`
/// outside quotes escapes the next character.
pub fn split_words(s: &str) -> std::result::Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => cur.push(x),
                        None => return Err("a single quote (') is not closed".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(x @ ('"' | '\\' | '$' | '`')) => cur.push(x),
                            Some('\n') => {}
                            Some(x) => {
                                cur.push('\\');
                                cur.push(x);
                            }
                            None => return Err("a double quote (\") is not closed".into()),
                        },
                        Some(x) => cur.push(x),
                        None => return Err("a double quote (\") is not closed".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(x) => cur.push(x),
                    None => return Err("the options end with a lone backslash".into()),
                }
            }
            x => {
                in_word = true;
                cur.push(x);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// The `--estimate` options, parsed by the `estimate` command's own definitions.
fn parse_estimate(file: &str, text: &str) -> Result<(EstimateArgs, ArgMatches)> {
    let bad = |problem: String| Error::InvalidOption {
        name: "estimate",
        value: format!("\"{text}\""),
        problem,
    };
    let words = split_words(text).map_err(bad)?;
    let argv = ["darkfigure", "estimate", file]
        .into_iter()
        .map(String::from)
        .chain(words);
    let m = match Cli::command().try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                e.exit();
            }
            let text = e.render().to_string();
            let first = text
                .lines()
                .map(|l| l.trim_start_matches("error: "))
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .to_string();
            return Err(bad(format!(
                "{first} (as `darkfigure estimate` would say; see `darkfigure estimate --help`)"
            )));
        }
    };
    let sub = m
        .subcommand_matches("estimate")
        .expect("parsed as estimate")
        .clone();
    let a = EstimateArgs::from_arg_matches(&sub).map_err(|e| bad(e.to_string()))?;
    for (id, why) in [
        ("format", "the input is simulate's"),
        ("delimiter", "the input is simulate's"),
        ("list_col", "the input is simulate's"),
        ("id_col", "the input is simulate's"),
        ("merge", "the input is simulate's: give it to simulate"),
        ("omit", "the input is simulate's: give it to simulate"),
        ("lists", "the input is simulate's: give it to simulate"),
        ("seed", "simulate seeds table j with its --seed + j − 1"),
        ("threads", "give --threads to simulate"),
        (
            "replay",
            "replayed resamples belong to the data, not to simulated tables",
        ),
        ("replicates_out", "simulate writes no replicates"),
        ("plot", "give --plot to simulate"),
        ("title", "give --plot and --title to simulate"),
        ("json", "give --json to simulate"),
        ("quiet", "give --quiet to simulate"),
        ("draws_out", "simulate writes no draws"),
    ] {
        if super::explicit(Some(&sub), id) {
            return Err(bad(format!(
                "--{} has no place in --estimate: {why}",
                id.replace('_', "-")
            )));
        }
    }
    Ok((a, sub))
}

/// The options of the estimation studied.
fn study_options(
    a: &EstimateArgs,
    m: &ArgMatches,
    table: &CaptureTable,
) -> Result<EstimateOptions> {
    if super::explicit(Some(m), "bootstrap_kind") && a.boot.bootstrap.is_none() {
        return Err(super::no_effect(
            "kind",
            format!("{:?}", a.boot.bootstrap_kind).to_lowercase(),
            "it chooses how `bootstrap` replicates are drawn, and no bootstrap is asked for".into(),
        ));
    }
    let opts = EstimateOptions {
        method: super::method(a, table)?,
        interval: a.interval,
        level: Level::new(a.level)?,
        bootstrap: a
            .boot
            .bootstrap
            .map(|b| BootstrapOptions::new(b, 0).kind(a.boot.bootstrap_kind)),
        replay: None,
        calibration: super::calibration(a),
    };
    opts.validate()?;
    Ok(opts)
}

/// The truth's method.
fn truth_method(a: &SimulateArgs) -> Result<Method> {
    Ok(match (&a.model, a.select, &a.method) {
        (Some(spec), _, _) => Method::model(spec),
        (None, Some(rule), _) => Method::select(SelectOptions {
            rule,
            threshold: a.pthresh,
            max_order: a.max_order,
            limit: None,
            trace: false,
        }),
        (None, None, Some(name)) => {
            let m: Method = name.parse()?;
            if matches!(
                m,
                Method::Lcmcr(_) | Method::LincolnPetersen | Method::Chapman
            ) {
                return Err(Error::InvalidOption {
                    name: "method",
                    value: name.clone(),
                    problem: "the truth is a model's fitted cell means, which this method does not have; take a log-linear or Rcapture model (--model, --select, or --method m0, mth-chao, …)".into(),
                });
            }
            m
        }
        (None, None, None) => Method::default(),
    })
}

#[derive(Serialize)]
struct TruthSettings<'a> {
    model: Option<&'a str>,
    select: Option<Rule>,
    threshold: Option<f64>,
    max_order: Option<usize>,
    method: Option<&'a str>,
}

#[derive(Serialize)]
struct Settings<'a> {
    truth: TruthSettings<'a>,
    tables: usize,
    seed: u64,
    scheme: Scheme,
    coverage_levels: &'a [f64],
    estimate: &'a str,
    estimate_words: Vec<String>,
    lists: &'a [String],
}

pub fn run(a: SimulateArgs) -> Result<u8> {
    let Loaded {
        table,
        warnings,
        name,
    } = load(&a.input)?;
    super::set_threads(a.threads)?;
    let (ea, em) = parse_estimate(&a.input.file, &a.estimate)?;
    let opts = study_options(&ea, &em, &table)?;
    let sim_opts = SimulateOptions {
        tables: a.tables,
        seed: a.seed,
        scheme: a.scheme,
        levels: a.coverage_levels.clone(),
    };
    sim_opts.validate()?;
    let truth_est = truth_method(&a)?;
    truth_est.validate()?;
    let truth = Truth::fit(&table, &*truth_est.build(&table)?)?;
    let est = opts.method.build(&table)?;
    let bar = super::progress_bar(Some(a.tables), a.quiet, "tables");
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.set_position(n);
        }
    };
    let sim = darkfigure::uncertainty::simulate(&truth, &*est, &opts, &sim_opts, Some(&tick))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(dir) = &a.tables_out {
        write_tables(dir, &truth, &sim_opts)?;
    }
    if let Some(path) = &a.plot {
        let title = a.title.clone().unwrap_or_else(|| {
            format!(
                "{name}: coverage of {} on {} simulated tables",
                est.label(&table),
                a.tables
            )
        });
        super::write_file(path, plot::simulation_svg(&sim, &title)?.as_bytes())?;
    }
    let mut report =
        SimulationReport::new(&sim, est.label(&table), Some(opts.interval_method(&*est)));
    report.warnings = warnings;
    if a.json {
        let settings = Settings {
            truth: TruthSettings {
                model: a.model.as_deref(),
                select: a.select,
                threshold: a.pthresh,
                max_order: a.max_order,
                method: a.method.as_deref(),
            },
            tables: a.tables,
            seed: a.seed,
            scheme: a.scheme,
            coverage_levels: &a.coverage_levels,
            estimate: &a.estimate,
            estimate_words: split_words(&a.estimate).unwrap_or_default(),
            lists: table.names(),
        };
        let options = serde_json::to_value(settings).expect("settings serialise");
        super::print_json(&report, &table, options);
    } else {
        super::warn(&report.warnings);
        super::emit(&report.to_text());
    }
    Ok(0)
}

/// The simulated tables as frequency CSVs `DIR/table_0001.csv`, … (an empty table as its
/// header only).
fn write_tables(dir: &str, truth: &Truth, o: &SimulateOptions) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        file: dir.to_string(),
        source,
    })?;
    let digits = o.tables.to_string().len().max(4);
    for j in 0..o.tables {
        let path = std::path::Path::new(dir).join(format!("table_{:0digits$}.csv", j + 1));
        let label = path.display().to_string();
        let mut buf = Vec::new();
        match truth.simulated_table(o.scheme, o.seed, j) {
            Some(t) => darkfigure::data::io::write_frequency_csv(&t, &mut buf, &label)?,
            None => {
                buf.extend(truth.table().names().join(",").as_bytes());
                buf.extend(b",count\n");
            }
        }
        super::write_file(&label, &buf)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_words;

    #[test]
    fn words_split_as_a_shell_would() {
        let w = |s: &str| split_words(s).unwrap();
        assert_eq!(
            w("--select stepwise  --bootstrap 1000"),
            ["--select", "stepwise", "--bootstrap", "1000"]
        );
        assert_eq!(w("--model 'LA*NG + NG*PF'"), ["--model", "LA*NG + NG*PF"]);
        assert_eq!(
            w(r#"--model "A*B + \"C\"" x\ y"#),
            ["--model", "A*B + \"C\"", "x y"]
        );
        assert_eq!(w("a''b \"\""), ["ab", ""]);
        assert_eq!(w("  "), Vec::<String>::new());
        assert!(split_words("'open").is_err());
        assert!(split_words("\"open").is_err());
        assert!(split_words("end\\").is_err());
    }
}
