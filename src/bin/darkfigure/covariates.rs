//! The covariate paths of `estimate`, `summary` and `report` (`--covariates`): reading the
//! table, the model or rule, the bootstrap by category, and printing. No statistics here.

use crate::args::{
    CovariateArgs, CovariateModelArgs, EstimateArgs, Input, ReportArgs, SummaryArgs,
};
use crate::write::{self, emit};
use crate::{cli_message, explicit, no_effect, progress_bar, warn};
use clap::ArgMatches;
use darkfigure::data::Format;
use darkfigure::estimators::covariates::{
    Chosen, CovariateTable, FitOptions, Formula, MissingValues, ModelChoice, Pairs, Poly,
    SelectOptions, SelectRule, TableSpec,
};
use darkfigure::estimators::IntervalMethod;
use darkfigure::output::covariates::{
    provenance, CovariateEstimateReport, CovariateReport, CovariateSummary, ReportSettings,
};
use darkfigure::output::plot::{trend_svg, TrendPoint};
use darkfigure::output::report::Stamped;
use darkfigure::prelude::*;
use darkfigure::uncertainty::covariates::{
    bootstrap_prepared, CovariateBootstrap, CovariateBootstrapOptions, CovariateKind,
};
use serde_json::{json, Value};
use std::io::Read;

/// Header names of a count column (as the list-only reader's).
const COUNT_NAMES: [&str; 9] = [
    "count",
    "counts",
    "n",
    "freq",
    "frequency",
    "number",
    "cases",
    "total",
    "weight",
];

fn unsupported(name: &'static str, value: String, why: &str) -> Error {
    Error::InvalidOption {
        name,
        value,
        problem: format!("{why}; drop it"),
    }
}

/// A covariate table as the command line describes it, with its name for titles.
struct Loaded {
    table: CovariateTable,
    name: String,
    /// Covariates with an explicit level order.
    explicit_order: Vec<String>,
}

fn split_once<'a>(
    s: &'a str,
    sep: char,
    what: &'static str,
    form: &str,
) -> Result<(&'a str, &'a str)> {
    s.split_once(sep)
        .map(|(a, b)| (a.trim(), b.trim()))
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .ok_or_else(|| Error::InvalidOption {
            name: what,
            value: s.to_string(),
            problem: format!("expected {form}"),
        })
}

fn levels_list(s: &str) -> Vec<String> {
    s.split(',').map(|l| l.trim().to_string()).collect()
}

fn spec(input: &Input, cov: &CovariateArgs) -> Result<(TableSpec, Vec<String>)> {
    let mut spec = TableSpec::new(cov.covariates.iter().map(|c| c.trim().to_string()));
    let mut explicit_order = Vec::new();
    for l in &cov.levels {
        let (c, levels) = split_once(l, '=', "levels", "COV=L1,L2,… (e.g. year=2015,2016,2017)")?;
        if !spec.covariates.iter().any(|x| x == c) {
            return Err(Error::InvalidOption {
                name: "levels",
                value: l.clone(),
                problem: format!(
                    "'{c}' is not one of the covariates {:?} named by `covariates`",
                    spec.covariates
                ),
            });
        }
        explicit_order.push(c.to_string());
        spec = spec.level_order(c, levels_list(levels));
    }
    for z in &cov.absent {
        let (list, rest) = split_once(z, '@', "absent", "LIST@COV=L1,L2 (e.g. L5@year=2015,2016)")?;
        let (c, levels) = split_once(
            rest,
            '=',
            "absent",
            "LIST@COV=L1,L2 (e.g. L5@year=2015,2016)",
        )?;
        if !spec.covariates.iter().any(|x| x == c) {
            return Err(Error::InvalidOption {
                name: "absent",
                value: z.clone(),
                problem: format!(
                    "'{c}' is not one of the covariates {:?} named by `covariates`",
                    spec.covariates
                ),
            });
        }
        spec = spec.structural_zero(list, c, levels_list(levels));
    }
    spec = match cov.missing.as_deref() {
        None => spec,
        Some("level") => spec.missing(MissingValues::AsLevel),
        Some(other) => {
            return Err(Error::InvalidOption {
                name: "missing",
                value: other.into(),
                problem: "expected 'level' (keep missing values as a level NA); without the option they are an error".into(),
            })
        }
    };
    if input.list_col.is_some() || input.id_col.is_some() {
        spec = spec.long_columns(
            input.list_col.clone().unwrap_or_else(|| "list".into()),
            input.id_col.clone().unwrap_or_else(|| "id".into()),
        );
    }
    Ok((spec, explicit_order))
}

fn load(input: &Input, cov: &CovariateArgs) -> Result<Loaded> {
    for (name, set) in [
        ("merge", !input.merge.is_empty()),
        ("omit", !input.omit.is_empty()),
        ("lists", !input.lists.is_empty()),
    ] {
        if set {
            return Err(unsupported(
                name,
                "given".into(),
                "merging, omitting or selecting lists is not available with `covariates` yet (prepare the table with those lists)",
            ));
        }
    }
    if let Some(d) = input
        .delimiter
        .as_deref()
        .filter(|d| !matches!(*d, "," | "comma"))
    {
        return Err(unsupported(
            "delimiter",
            d.into(),
            "tables with `covariates` are read as comma-separated",
        ));
    }
    let (spec, explicit_order) = spec(input, cov)?;
    let (bytes, source) = if input.file == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|source| Error::Io {
                file: "<stdin>".into(),
                source,
            })?;
        (buf, "<stdin>".to_string())
    } else {
        let b = std::fs::read(&input.file).map_err(|source| Error::Io {
            file: input.file.clone(),
            source,
        })?;
        (b, input.file.clone())
    };
    let header: Vec<String> = String::from_utf8_lossy(&bytes)
        .trim_start_matches('\u{feff}')
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .split(',')
        .map(|f| f.trim().trim_matches('"').to_string())
        .collect();
    let (lc, ic) = spec
        .long_columns
        .clone()
        .unwrap_or_else(|| ("list".into(), "id".into()));
    let count_col = header
        .iter()
        .rev()
        .find(|h| {
            !spec.covariates.contains(h) && COUNT_NAMES.contains(&h.to_ascii_lowercase().as_str())
        })
        .cloned();
    let format = match input.format {
        Format::Auto if header.contains(&lc) && header.contains(&ic) => Format::Long,
        Format::Auto if count_col.is_some() => Format::Frequency,
        Format::Auto => Format::Records,
        f => f,
    };
    let table = match format {
        Format::Frequency => {
            let c = count_col.ok_or_else(|| {
                Error::input(
                    darkfigure::error::Location::at(&source, 1, None),
                    format!("no count column in the header ({})", header.join(", ")),
                    format!("name the count column one of {}", COUNT_NAMES.join(", ")),
                )
            })?;
            CovariateTable::parse_frequency(&bytes, &source, &spec.clone().count_column(c))?
        }
        Format::Long => CovariateTable::parse_long(&bytes, &source, &spec)?,
        _ => CovariateTable::parse_records(&bytes, &source, &spec)?,
    };
    let name = if input.file == "-" {
        "stdin".to_string()
    } else {
        std::path::Path::new(&input.file)
            .file_stem()
            .map_or_else(|| input.file.clone(), |s| s.to_string_lossy().into_owned())
    };
    Ok(Loaded {
        table,
        name,
        explicit_order,
    })
}

/// The ordered covariates: `--year`, then those with an explicit level order, in the table's
/// covariate order.
fn ordered(loaded: &Loaded, cm: &CovariateModelArgs) -> Result<Vec<String>> {
    let covs = loaded.table.covariates();
    if let Some(y) = &cm.year {
        if !covs.iter().any(|c| c.name == *y) {
            return Err(Error::InvalidOption {
                name: "year",
                value: y.clone(),
                problem: format!(
                    "not one of the covariates {:?}",
                    covs.iter().map(|c| c.name.as_str()).collect::<Vec<_>>()
                ),
            });
        }
    }
    Ok(covs
        .iter()
        .map(|c| c.name.clone())
        .filter(|n| cm.year.as_ref() == Some(n) || loaded.explicit_order.contains(n))
        .collect())
}

fn pairs(table: &CovariateTable, cross: &[String]) -> Result<Pairs> {
    if cross.is_empty() {
        return Ok(Pairs::None);
    }
    let mut v = Vec::new();
    for c in cross {
        let (a, b) = split_once(c, ':', "pairs", "A:B, two covariates (e.g. year:expl)")?;
        for n in [a, b] {
            if !table.covariates().iter().any(|x| x.name == n) {
                return Err(Error::InvalidOption {
                    name: "pairs",
                    value: c.clone(),
                    problem: format!("'{n}' is not one of the covariates"),
                });
            }
        }
        v.push((a.to_string(), b.to_string()));
    }
    Ok(Pairs::These(v))
}

/// The model: `--model` (a fixed formula; `main` is every main effect), `--select` (a rule),
/// or every main effect.
fn choice(
    table: &CovariateTable,
    model: Option<&str>,
    select: Option<&str>,
    limit: Option<u64>,
    cm: &CovariateModelArgs,
) -> Result<ModelChoice> {
    let degree = match (&cm.year, cm.degree_year) {
        (Some(y), Some(d)) => Some((y.clone(), d)),
        _ => None,
    };
    if let Some(rule) = select {
        let rule: SelectRule = rule.parse()?;
        let mut options = SelectOptions::new(rule);
        options.degree_year = degree;
        if let Some(l) = limit {
            if !matches!(rule, SelectRule::Bic | SelectRule::Aic) {
                return Err(no_effect(
                    "limit",
                    l.to_string(),
                    format!(
                        "it bounds the exhaustive rules bic and aic; `select` {rule} is stepwise"
                    ),
                ));
            }
            options = options.limit(l);
        }
        return Ok(ModelChoice::Select {
            options,
            fixed_model: cm.fixed_model_bootstrap,
        });
    }
    if let Some(l) = limit {
        return Err(no_effect(
            "limit",
            l.to_string(),
            "it bounds the exhaustive rules of `select`".into(),
        ));
    }
    let text = match model {
        None | Some("main") => ".",
        Some(m) => m,
    };
    let terms = Formula::parse(text)?.terms(table)?;
    let poly = match degree {
        None => None,
        Some((y, d)) => {
            let j = table
                .covariates()
                .iter()
                .position(|c| c.name == y)
                .ok_or_else(|| Error::InvalidOption {
                    name: "year",
                    value: y.clone(),
                    problem: "not a covariate".into(),
                })?;
            Some(Poly::new(table, j, d)?)
        }
    };
    Ok(ModelChoice::Fixed { terms, poly })
}

fn print_json<T: serde::Serialize>(
    report: &T,
    table: &CovariateTable,
    options: Value,
) -> Result<()> {
    let p = provenance(table, options);
    let mut s = serde_json::to_string_pretty(&Stamped {
        report,
        provenance: &p,
    })
    .expect("reports serialise");
    s.push('\n');
    emit(&s)
}

/// The options of a run as resolved, for the `options` key.
#[allow(clippy::too_many_arguments)]
fn options_json(
    table: &CovariateTable,
    cov: &CovariateArgs,
    cm: &CovariateModelArgs,
    choice: &ModelChoice,
    ordered: &[String],
    interval: Option<IntervalMethod>,
    level: f64,
    boot: Option<&CovariateBootstrapOptions>,
) -> Value {
    let (model, select) = match choice {
        ModelChoice::Fixed { terms, .. } => (Some(terms.formula()), None),
        ModelChoice::Select { options, .. } => (
            None,
            Some(json!({
                "rule": options.rule.name(),
                "limit": matches!(options.rule, SelectRule::Bic | SelectRule::Aic).then_some(options.limit),
                "tolerance": options.tolerance,
                "max_iterations": options.max_iterations,
            })),
        ),
    };
    json!({
        "method": "loglinear",
        "covariates": table.covariates().iter().map(|c| json!({"name": c.name, "levels": c.levels})).collect::<Vec<_>>(),
        "absent": table.structural_zeros(),
        "missing": cov.missing.as_deref().unwrap_or("error"),
        "model": model,
        "select": select,
        "year": cm.year,
        "degree_year": cm.degree_year,
        "ordered": ordered,
        "cross": cm.cross,
        "interval": interval.map(|i| i.name()),
        "level": level,
        "bootstrap": boot.map(|b| json!({
            "replicates": b.replicates,
            "seed": b.seed,
            "kind": match b.kind { CovariateKind::Parametric => "parametric", CovariateKind::Nonparametric => "nonparametric" },
            "reselect": matches!(choice, ModelChoice::Select { fixed_model: false, .. }),
        })),
        "lists": table.list_names(),
    })
}

/// The trend plot of the first ordered covariate (`--year` first).
fn plot(
    path: &str,
    report: &CovariateEstimateReport,
    ordered: &[String],
    year: Option<&String>,
    title: Option<&String>,
    name: &str,
) -> Result<()> {
    let cov = year.or(ordered.first()).ok_or_else(|| Error::InvalidOption {
        name: "plot",
        value: path.into(),
        problem: "the plot shows the estimate by an ordered covariate: name it with `year` COV or give its level order with `levels`".into(),
    })?;
    let rows = report
        .by
        .get(cov)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let points: Vec<TrendPoint> = rows
        .iter()
        .map(|r| TrendPoint {
            level: r["level"].as_str().unwrap_or_default().to_string(),
            observed: r["observed"].as_f64().unwrap_or(f64::NAN),
            estimate: r["estimate"].as_f64().unwrap_or(f64::NAN),
            lower: r["lower"].as_f64(),
            upper: r["upper"].as_f64(),
        })
        .collect();
    let interval = report.interval.as_ref().map_or("Wald".to_string(), |i| {
        format!(
            "{}% {}",
            (i.level * 1000.0).round() / 10.0,
            match i.method {
                IntervalMethod::Bca => "BCa",
                IntervalMethod::Percentile => "percentile",
                _ => "Wald",
            }
        )
    });
    let title = title
        .cloned()
        .unwrap_or_else(|| format!("{name}: estimated total by {cov}"));
    write::OutputFile::check(path)?.write(trend_svg(&points, cov, &interval, &title)?.as_bytes())
}

/// `estimate --covariates`.
pub fn run_estimate(a: &EstimateArgs, m: Option<&ArgMatches>) -> Result<u8> {
    if a.method != "loglinear" {
        return Err(Error::InvalidOption {
            name: "method",
            value: a.method.clone(),
            problem: "with `covariates` the model is a Poisson log-linear model over lists × covariates; other methods take list-only tables".into(),
        });
    }
    let mc = &a.mcmc;
    let d = &a.dga;
    for (name, set, family) in [
        ("classes", mc.classes.is_some(), "lcmcr"),
        ("chains", mc.chains.is_some(), "lcmcr"),
        ("burnin", mc.burnin.is_some(), "lcmcr"),
        ("samples", mc.samples.is_some(), "lcmcr"),
        ("thinning", mc.thinning.is_some(), "lcmcr"),
        ("alpha_prior", mc.alpha_prior.is_some(), "lcmcr"),
        ("until_converged", mc.until_converged, "lcmcr"),
        ("max_sweeps", mc.max_sweeps.is_some(), "lcmcr"),
        ("no_label_swaps", mc.no_label_swaps, "lcmcr"),
        ("draws_out", mc.draws_out.is_some(), "lcmcr"),
        ("delta", d.delta.is_some(), "dga"),
        ("prior", d.prior.is_some(), "dga"),
        ("grid", d.grid.is_some(), "dga"),
        ("max_clique", d.max_clique.is_some(), "dga"),
        ("top", d.top_graphs.is_some(), "dga"),
        ("work_limit", d.work_limit.is_some(), "dga"),
        (
            "max_replicates",
            a.boot.max_replicates.is_some(),
            "list-only bootstrap",
        ),
        (
            "calibration_tables",
            a.calibration.calibration_tables.is_some(),
            "calibrated interval",
        ),
        (
            "calibration_interval",
            a.calibration.calibration_interval.is_some(),
            "calibrated interval",
        ),
        (
            "calibration_truth",
            a.calibration.calibration_truth.is_some(),
            "calibrated interval",
        ),
    ] {
        if set {
            return Err(unsupported(
                name,
                "given".into(),
                &format!("it is an option of the {family} method, which takes list-only tables"),
            ));
        }
    }
    for (name, set) in [
        ("threshold", a.pthresh.is_some()),
        ("max_order", a.max_order.is_some()),
        ("ntop", a.boot.ntop.is_some()),
        ("replay", a.boot.replay.is_some()),
        ("replicates_out", a.boot.replicates_out.is_some()),
    ] {
        if set {
            return Err(unsupported(
                name,
                "given".into(),
                "it belongs to the list-only rules and bootstrap, not to models with `covariates`",
            ));
        }
    }
    write::set_threads(a.boot.threads, true)?;
    let level = Level::new(a.level)?;
    let loaded = load(&a.input, &a.cov)?;
    let table = &loaded.table;
    let cm = &a.cov_model;
    let b = a.boot.bootstrap;
    if explicit(m, "seed") && b.is_none() {
        return Err(no_effect(
            "seed",
            a.boot.seed.to_string(),
            "it seeds the bootstrap; nothing is random without `bootstrap` B".into(),
        ));
    }
    if explicit(m, "bootstrap_kind") && b.is_none() {
        return Err(no_effect(
            "kind",
            format!("{:?}", a.boot.bootstrap_kind).to_lowercase(),
            "it chooses how `bootstrap` replicates are drawn, and no bootstrap is asked for".into(),
        ));
    }
    if cm.fixed_model_bootstrap && (a.select.is_none() || b.is_none()) {
        return Err(no_effect(
            "fixed_model_bootstrap",
            "given".into(),
            "it keeps the model chosen by `select` fixed in the `bootstrap` replicates; both are needed".into(),
        ));
    }
    let interval = match (a.interval, b) {
        (None, None) | (Some(IntervalMethod::Wald), _) => IntervalMethod::Wald,
        (None, Some(_)) => IntervalMethod::Bca,
        (Some(i @ (IntervalMethod::Bca | IntervalMethod::Percentile)), Some(_)) => i,
        (Some(i @ (IntervalMethod::Bca | IntervalMethod::Percentile)), None) => {
            return Err(Error::InvalidOption {
                name: "interval",
                value: i.name().into(),
                problem: "a bootstrap interval needs `bootstrap` B".into(),
            })
        }
        (Some(i), _) => {
            return Err(Error::InvalidOption {
                name: "interval",
                value: i.name().into(),
                problem: "with `covariates` the intervals are wald, bca or percentile".into(),
            })
        }
    };
    let ordered = ordered(&loaded, cm)?;
    let fit_opts = FitOptions::default()
        .pairs(pairs(table, &cm.cross)?)
        .ordered(ordered.clone())
        .level(level.get());
    let choice = choice(table, a.model.as_deref(), a.select.as_deref(), a.limit, cm)?;
    let boot_opts = b.map(|b| {
        CovariateBootstrapOptions::new(b, a.boot.seed)
            .level(level)
            .kind(match a.boot.bootstrap_kind {
                Kind::Parametric => CovariateKind::Parametric,
                Kind::Nonparametric => CovariateKind::Nonparametric,
            })
    });
    if boot_opts.as_ref().is_some_and(|o| o.replicates == 0) {
        return Err(Error::InvalidOption {
            name: "bootstrap",
            value: "0".into(),
            problem: "need at least one replicate".into(),
        });
    }
    let options = options_json(
        table,
        &a.cov,
        cm,
        &choice,
        &ordered,
        Some(interval),
        level.get(),
        boot_opts.as_ref(),
    );
    let settings = ReportSettings {
        interval,
        level: level.get(),
        ordered: ordered.clone(),
        fixed_model: !matches!(
            choice,
            ModelChoice::Select {
                fixed_model: false,
                ..
            }
        ),
    };
    let fail = |model: Option<&str>, terms: Vec<String>, sel, e: Error| -> Result<u8> {
        let r = CovariateEstimateReport::failure(table, model, terms, sel, &e, &settings);
        if a.json {
            print_json(&r, table, options.clone())?;
        }
        eprintln!("error: {}", cli_message(&e));
        Ok(3)
    };
    let chosen = match Chosen::new(table, &choice) {
        Ok(c) => c,
        Err(e) if e.is_no_estimate() => return fail(None, Vec::new(), None, e),
        Err(e) => return Err(e),
    };
    let prepared = match chosen.prepare(&fit_opts) {
        Ok(p) => p,
        Err(e) if e.is_no_estimate() => {
            let f = chosen.terms.formula();
            return fail(Some(&f), chosen.terms.labels(), chosen.selected.as_ref(), e);
        }
        Err(e) => return Err(e),
    };
    let boot: Option<CovariateBootstrap> = match &boot_opts {
        None => None,
        Some(o) => {
            let bar = progress_bar(Some(o.replicates as u64), a.boot.quiet, "bootstrap");
            let tick = |n: u64| {
                if let Some(b) = &bar {
                    b.set_position(n);
                }
            };
            let r = bootstrap_prepared(table, &prepared, o, Some(&tick))?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            Some(r)
        }
    };
    let mut report = CovariateEstimateReport::new(
        table,
        &prepared.fit,
        prepared.selected.as_ref(),
        boot.as_ref(),
        &settings,
    );
    report.warnings = CovariateSummary::new(table).warnings;
    if let Some(path) = &a.plot {
        plot(
            path,
            &report,
            &ordered,
            cm.year.as_ref(),
            a.title.as_ref(),
            &loaded.name,
        )?;
    }
    if a.json {
        print_json(&report, table, options)?;
    } else {
        warn(&report.warnings);
        let title = format!("{}: estimated number by category", loaded.name);
        emit(&estimate_text(&report, &title))?;
    }
    Ok(0)
}

fn estimate_text(r: &CovariateEstimateReport, title: &str) -> String {
    let mut out = String::new();
    let f = |x: Option<f64>| x.map_or("–".into(), |v| format!("{v:.1}"));
    out.push_str(&format!(
        "lists: {}\ncovariates: {}\nobserved: {}\n",
        r.lists.join(", "),
        r.covariates
            .iter()
            .map(|c| format!("{} ({})", c.name, c.levels.join(", ")))
            .collect::<Vec<_>>()
            .join("; "),
        r.observed,
    ));
    if !r.infinite_terms.is_empty() {
        out.push_str(&format!(
            "fixed at -inf (zero margins): {}\n",
            r.infinite_terms.join(", ")
        ));
    }
    out.push_str(&format!(
        "deviance {} on {} df, AIC {}, BIC {}\n",
        f(r.deviance),
        r.df.map_or("–".into(), |d| d.to_string()),
        f(r.aic),
        f(r.bic)
    ));
    if let Some(b) = &r.bootstrap {
        out.push_str(&format!(
            "bootstrap: {} {} replicates ({}), seed {}, {} failed\n",
            b.replicates,
            match b.kind {
                CovariateKind::Parametric => "parametric",
                CovariateKind::Nonparametric => "nonparametric",
            },
            if b.reselected {
                "model re-selected in each"
            } else {
                "model fixed"
            },
            b.seed,
            b.failed
        ));
    }
    out.push('\n');
    out.push_str(&r.brief(title).to_text());
    out
}

/// `summary --covariates`.
pub fn run_summary(a: &SummaryArgs) -> Result<u8> {
    if let Some(p) = &a.plot {
        return Err(unsupported(
            "plot",
            p.clone(),
            "the UpSet plot is drawn for list-only tables (with `covariates`, `estimate --plot` draws the estimate by year)",
        ));
    }
    let loaded = load(&a.input, &a.cov)?;
    let s = CovariateSummary::new(&loaded.table);
    if a.json {
        let options = json!({
            "covariates": loaded.table.covariates().iter().map(|c| json!({"name": c.name, "levels": c.levels})).collect::<Vec<_>>(),
            "absent": loaded.table.structural_zeros(),
            "missing": a.cov.missing.as_deref().unwrap_or("error"),
            "lists": loaded.table.list_names(),
        });
        print_json(&s, &loaded.table, options)?;
    } else {
        emit(&s.to_text())?;
    }
    Ok(0)
}

/// `report --covariates`: the table by category.
pub fn run_report(a: &ReportArgs, m: Option<&ArgMatches>) -> Result<u8> {
    for (name, set) in [
        ("threshold", a.pthresh.is_some()),
        ("max_order", a.max_order.is_some()),
        ("ntop", a.ntop.is_some()),
        ("no_leave_one_out", a.no_leave_one_out),
    ] {
        if set {
            return Err(unsupported(
                name,
                "given".into(),
                "it shapes the list-only sensitivity table, not the table by category",
            ));
        }
    }
    write::set_threads(a.threads, true)?;
    let level = Level::new(a.level)?;
    let loaded = load(&a.input, &a.cov)?;
    let table = &loaded.table;
    let cm = &a.cov_model;
    let select = if explicit(m, "select") {
        if a.select.len() != 1 {
            return Err(Error::InvalidOption {
                name: "select",
                value: a.select.join(","),
                problem: "with `covariates` the table comes from one rule".into(),
            });
        }
        Some(a.select[0].as_str())
    } else if a.model.is_some() {
        None
    } else {
        Some("model-search")
    };
    if a.model.is_some() && explicit(m, "select") {
        return Err(Error::InvalidOption {
            name: "model",
            value: a.model.clone().unwrap_or_default(),
            problem: "give a fixed `model` or a `select` rule, not both".into(),
        });
    }
    if explicit(m, "seed") && a.bootstrap.is_none() {
        return Err(no_effect(
            "seed",
            a.seed.to_string(),
            "it seeds the bootstrap; nothing is random without `bootstrap` B".into(),
        ));
    }
    if cm.fixed_model_bootstrap && a.bootstrap.is_none() {
        return Err(no_effect(
            "fixed_model_bootstrap",
            "given".into(),
            "it keeps the model fixed in the `bootstrap` replicates, and no bootstrap is asked for"
                .into(),
        ));
    }
    let ordered = ordered(&loaded, cm)?;
    let fit_opts = FitOptions::default()
        .pairs(pairs(table, &cm.cross)?)
        .ordered(ordered.clone())
        .level(level.get());
    let choice = choice(table, a.model.as_deref(), select, a.limit, cm)?;
    let boot_opts = a
        .bootstrap
        .map(|b| CovariateBootstrapOptions::new(b, a.seed).level(level));
    let interval = if boot_opts.is_some() {
        IntervalMethod::Bca
    } else {
        IntervalMethod::Wald
    };
    let settings = ReportSettings {
        interval,
        level: level.get(),
        ordered: ordered.clone(),
        fixed_model: !matches!(
            choice,
            ModelChoice::Select {
                fixed_model: false,
                ..
            }
        ),
    };
    let options = options_json(
        table,
        &a.cov,
        cm,
        &choice,
        &ordered,
        Some(interval),
        level.get(),
        boot_opts.as_ref(),
    );
    let title = format!("{}: estimated number by category", loaded.name);
    let result = Chosen::new(table, &choice).and_then(|c| {
        let p = c.prepare(&fit_opts)?;
        let b = boot_opts
            .as_ref()
            .map(|o| bootstrap_prepared(table, &p, o, None))
            .transpose()?;
        Ok(CovariateEstimateReport::new(
            table,
            &p.fit,
            p.selected.as_ref(),
            b.as_ref(),
            &settings,
        ))
    });
    let (est, error) = match result {
        Ok(r) => (Some(r), None),
        Err(e) if e.is_no_estimate() => (None, Some(e)),
        Err(e) => return Err(e),
    };
    let warnings = CovariateSummary::new(table).warnings;
    let brief = est.as_ref().map(|r| r.brief(&title));
    if a.json {
        let empty = darkfigure::output::covariates::Brief {
            title: title.clone(),
            model: String::new(),
            interval: String::new(),
            rows: Vec::new(),
            notes: Vec::new(),
        };
        let r = CovariateReport {
            lists: table.list_names().to_vec(),
            observed: table.observed(),
            covariates: est
                .as_ref()
                .map(|e| e.covariates.clone())
                .unwrap_or_default(),
            brief: brief.clone().unwrap_or(empty),
            estimate: est.as_ref().and_then(|e| e.estimate),
            error: error.as_ref().map(ToString::to_string),
            bootstrap: boot_opts
                .as_ref()
                .map(|o| json!({"replicates": o.replicates, "seed": o.seed})),
            warnings: warnings.clone(),
        };
        print_json(&r, table, options)?;
    } else {
        warn(&warnings);
        if let Some(b) = &brief {
            emit(&if a.csv {
                b.to_csv()
            } else if a.markdown {
                b.to_markdown()
            } else {
                b.to_text()
            })?;
        }
    }
    Ok(match error {
        None => 0,
        Some(e) => {
            eprintln!("error: {}", cli_message(&e));
            3
        }
    })
}
