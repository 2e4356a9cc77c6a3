//! `darkfigure simulate`: a coverage study of an `estimate` command on tables simulated from a
//! model fitted to FILE. The statistics are the library's ([`darkfigure::uncertainty::simulate()`]);
//! here: the options, `--estimate` parsed as `darkfigure estimate` parses its options, the
//! progress bar, the files and the output.

use crate::args::{Cli, EstimateArgs, SimulateArgs};
use crate::write;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use darkfigure::output::command::{self, SimulateRequest};
use darkfigure::output::plot;
use darkfigure::prelude::*;

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
        if super::given(Some(&sub), id, ()).is_some() {
            return Err(bad(format!(
                "--{} has no place in --estimate: {why}",
                id.replace('_', "-")
            )));
        }
    }
    Ok((a, sub))
}

pub fn run(a: SimulateArgs) -> Result<u8> {
    let in_estimate = |e: Error| Error::InvalidOption {
        name: "estimate",
        value: format!("\"{}\"", a.estimate),
        problem: format!(
            "{} (as `darkfigure estimate` would say)",
            super::cli_message(&e)
        ),
    };
    let loaded = super::load(&a.input)?;
    let [plot_out] = write::check_all([a.plot.as_ref()])?;
    write::set_threads(a.threads, true)?;
    let (ea, em) = parse_estimate(&a.input.file, &a.estimate)?;
    let req = SimulateRequest {
        model: a.model.clone(),
        select: a.select,
        method: a.method.clone(),
        pthresh: a.pthresh,
        max_order: a.max_order,
        tables: Some(a.tables),
        seed: Some(a.seed),
        scheme: Some(a.scheme),
        coverage_levels: Some(a.coverage_levels.clone()),
        estimate: super::estimate_request(&ea, Some(&em), None).map_err(in_estimate)?,
        estimate_text: Some(a.estimate.clone()),
        estimate_words: split_words(&a.estimate).ok(),
    };
    // The studied estimate's own checks, reported as about `--estimate`.
    req.estimate
        .options(loaded.table.lists())
        .map_err(in_estimate)?;
    let bar = super::progress_bar(Some(a.tables as u64), a.quiet, "tables");
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.set_position(n);
        }
    };
    let run = command::simulate(&loaded, &req, Some(&tick))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(dir) = &a.tables_out {
        let sim_opts = req.options()?;
        write_tables(dir, &run.truth, &sim_opts)?;
    }
    if let Some(out) = &plot_out {
        let title = a.title.clone().unwrap_or_else(|| {
            format!(
                "{}: coverage of {} on {} simulated tables",
                loaded.name, run.method, a.tables
            )
        });
        out.write(plot::simulation_svg(&run.simulation, &title)?.as_bytes())?;
    }
    if a.json {
        super::print_json(&run.json(&loaded))?;
    } else {
        super::warn(&run.report.warnings);
        write::emit(&run.report.to_text())?;
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
        write::OutputFile::check(&label)?.write(&buf)?;
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
