//! The covariate paths of `estimate`, `summary` and `report` (`--covariates`): the arguments
//! mapped to the library's requests (`darkfigure::output::command`), the progress bar, the
//! plot file and printing. No statistics here.

use crate::args::{CovariateArgs, EstimateArgs, Input, ReportArgs, SummaryArgs};
use crate::write::{self, emit};
use crate::{
    cli_message, dga_request, explicit, given, lcmcr_request, no_effect, print_json, progress_bar,
    warn,
};
use clap::ArgMatches;
use darkfigure::output::command::{
    self, CovariateEstimateRequest, CovariateInput, CovariateLoaded, CovariateReportRequest,
};
use darkfigure::prelude::*;
use std::io::Read;

/// Read the table as `--covariates`, `--levels`, `--absent`, `--missing` and the input
/// options say (standard input for `-`, once the options are checked).
fn load(input: &Input, cov: &CovariateArgs) -> Result<CovariateLoaded> {
    let opts = CovariateInput {
        covariates: cov.covariates.clone(),
        levels: cov.levels.clone(),
        absent: cov.absent.clone(),
        missing: cov.missing.clone(),
        format: input.format,
        delimiter: input.delimiter.clone(),
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
    if input.file != "-" {
        return command::load_covariates_path(&input.file, &opts);
    }
    opts.check()?;
    let mut buf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut buf)
        .map_err(|source| Error::Io {
            file: "<stdin>".into(),
            source,
        })?;
    let mut loaded = command::load_covariates_bytes(&buf, "<stdin>", &opts)?;
    loaded.name = "stdin".into();
    Ok(loaded)
}

/// `estimate --covariates`.
pub fn run_estimate(a: &EstimateArgs, m: Option<&ArgMatches>) -> Result<u8> {
    let (mc, d, cm, cal) = (&a.mcmc, &a.dga, &a.cov_model, &a.calibration);
    let req = CovariateEstimateRequest {
        method: Some(a.method.clone()),
        model: a.model.clone(),
        select: a.select.clone(),
        limit: a.limit,
        year: cm.year.clone(),
        degree_year: cm.degree_year,
        cross: cm.cross.clone(),
        fixed_model_bootstrap: cm.fixed_model_bootstrap,
        interval: a.interval,
        level: Some(a.level),
        bootstrap: a.boot.bootstrap,
        seed: given(m, "seed", a.boot.seed),
        kind: given(m, "bootstrap_kind", a.boot.bootstrap_kind),
        pthresh: a.pthresh,
        max_order: a.max_order,
        ntop: a.boot.ntop,
        max_replicates: a.boot.max_replicates,
        calibration_tables: cal.calibration_tables,
        calibration_interval: cal.calibration_interval,
        calibration_truth: cal.calibration_truth,
        lcmcr: lcmcr_request(mc)?,
        dga: dga_request(d),
    };
    req.check()?;
    // The output files of the list-only methods.
    for (name, set, why) in [
        (
            "draws_out",
            mc.draws_out.is_some(),
            "it is an option of the lcmcr method, which takes list-only tables",
        ),
        (
            "replay",
            a.boot.replay.is_some(),
            "it belongs to the list-only rules and bootstrap, not to models with `covariates`",
        ),
        (
            "replicates_out",
            a.boot.replicates_out.is_some(),
            "it belongs to the list-only rules and bootstrap, not to models with `covariates`",
        ),
    ] {
        if set {
            return Err(no_effect(name, "given".into(), why.into()));
        }
    }
    write::set_threads(a.boot.threads, true)?;
    let loaded = load(&a.input, &a.cov)?;
    let len = a.boot.bootstrap.map(|b| b as u64);
    let bar = progress_bar(len, a.boot.quiet, "bootstrap");
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.set_position(n);
        }
    };
    let run = command::covariate_estimate(&loaded, &req, Some(&tick))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(e) = &run.failure {
        if a.json {
            print_json(&run.json)?;
        }
        eprintln!("error: {}", cli_message(e));
        return Ok(3);
    }
    if let Some(path) = &a.plot {
        let svg = run
            .trend_svg(a.title.as_deref())
            .ok_or_else(|| Error::InvalidOption {
                name: "plot",
                value: path.clone(),
                problem: "the plot shows the estimate by an ordered covariate: name it with `year` COV or give its level order with `levels`".into(),
            })?;
        write::OutputFile::check(path)?.write(svg?.as_bytes())?;
    }
    if a.json {
        print_json(&run.json)?;
    } else {
        warn(&run.report.warnings);
        emit(&run.text())?;
    }
    Ok(0)
}

/// `summary --covariates`.
pub fn run_summary(a: &SummaryArgs) -> Result<u8> {
    if let Some(p) = &a.plot {
        return Err(no_effect(
            "plot",
            p.clone(),
            "the UpSet plot is drawn for list-only tables (with `covariates`, `estimate --plot` draws the estimate by year)".into(),
        ));
    }
    let loaded = load(&a.input, &a.cov)?;
    let (s, json) = command::covariate_summary(&loaded);
    if a.json {
        print_json(&json)?;
    } else {
        emit(&s.to_text())?;
    }
    Ok(0)
}

/// `report --covariates`: the table by category.
pub fn run_report(a: &ReportArgs, m: Option<&ArgMatches>) -> Result<u8> {
    let cm = &a.cov_model;
    let req = CovariateReportRequest {
        model: a.model.clone(),
        select: explicit(m, "select").then(|| a.select.clone()),
        limit: a.limit,
        year: cm.year.clone(),
        degree_year: cm.degree_year,
        cross: cm.cross.clone(),
        fixed_model_bootstrap: cm.fixed_model_bootstrap,
        level: Some(a.level),
        bootstrap: a.bootstrap,
        seed: given(m, "seed", a.seed),
        pthresh: a.pthresh,
        max_order: a.max_order,
        ntop: a.ntop,
        leave_one_out: a.no_leave_one_out.then_some(false),
    };
    req.check()?;
    for (name, value) in [
        ("coverage", a.coverage.map(|s| s.to_string())),
        ("max_replicates", a.max_replicates.map(|m| m.to_string())),
    ] {
        if let Some(value) = value {
            return Err(no_effect(
                name,
                value,
                "it is an option of the list-only report; the report by category has no coverage column and no replicate cap".into(),
            ));
        }
    }
    write::set_threads(a.threads, true)?;
    let loaded = load(&a.input, &a.cov)?;
    let run = command::covariate_report(&loaded, &req)?;
    if a.json {
        print_json(&run.json)?;
    } else {
        warn(&run.report.warnings);
        if run.failure.is_none() {
            let b = &run.report.brief;
            emit(&if a.csv {
                b.to_csv()
            } else if a.markdown {
                b.to_markdown()
            } else {
                b.to_text()
            })?;
        }
    }
    Ok(match &run.failure {
        None => 0,
        Some(e) => {
            eprintln!("error: {}", cli_message(e));
            3
        }
    })
}
