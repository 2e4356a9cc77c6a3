//! Human-readable rendering of the library's reports.

use std::fmt::Write as _;

/// `writeln!` into the output string (writing to a `String` cannot fail).
macro_rules! wln {
    ($o:expr) => {{
        let _ = writeln!($o);
    }};
    ($o:expr, $($t:tt)*) => {{
        let _ = writeln!($o, $($t)*);
    }};
}

use darkfigure::output::report::{CheckReport, EstimateReport, ModelsReport};

/// Format a population number: integers with thousands separators, one decimal.
pub fn big(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let s = format!("{:.1}", x);
    let (int, frac) = s.split_once('.').unwrap_or((&s, "0"));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}.{frac}")
}

/// An integer with thousands separators.
fn whole(x: u64) -> String {
    let b = big(x as f64);
    b.strip_suffix(".0").unwrap_or(&b).to_string()
}

fn opt(x: Option<f64>) -> String {
    x.map_or("-".into(), big)
}

fn existence_line(code: u8) -> &'static str {
    match code {
        0 => "the MLE exists and the model is identifiable (code 0)",
        1 => "the MLE does NOT exist for these data (code 1)",
        2 => "the model is NOT identifiable for these data (code 2)",
        _ => "the MLE does NOT exist and the model is NOT identifiable (code 3)",
    }
}

/// The fitted model's coefficients and fit statistics.
fn coefficients(o: &mut String, r: &EstimateReport) {
    wln!(o, "\nCoefficients:");
    for (name, v) in &r.coefficients {
        let se = r.standard_errors.get(name).and_then(|v| v.as_f64());
        match v.as_f64() {
            Some(x) => wln!(
                o,
                "  {name:<16} {x:>12.6}  (se {})",
                se.map_or("-".into(), |s| format!("{s:.6}"))
            ),
            None => wln!(o, "  {name:<16} {:>12}", "-inf"),
        }
    }
    wln!(
        o,
        "\nDeviance {:.4} on {} df;  AIC {:.4};  BIC {:.4}",
        r.deviance.unwrap_or(f64::NAN),
        r.df.unwrap_or(0),
        r.aic.unwrap_or(f64::NAN),
        r.bic.unwrap_or(f64::NAN)
    );
}

pub fn estimate(o: &mut String, r: &EstimateReport) {
    wln!(
        o,
        "Lists ({}): {}",
        r.header.lists.len(),
        r.header.lists.join(", ")
    );
    wln!(o, "Observed cases: {}", r.header.observed);
    match &r.header.model {
        Some(m) => wln!(o, "Model: {m}  ({})", r.header.model_names),
        None => wln!(o, "Model: {}", r.header.model_names),
    }
    // The Bayesian methods have no fitted log-linear model: no existence code, coefficients
    // or deviance to print.
    let bayes = r.posterior.is_some();
    if !bayes {
        wln!(o, "Existence: {}", existence_line(r.header.existence.code));
    }
    if !r.header.infinite_terms.is_empty() {
        wln!(
            o,
            "Terms fixed at -inf (no case on those lists together): {}",
            r.header.infinite_terms.join(", ")
        );
    }
    if let Some(e) = &r.error {
        wln!(o, "\nNo estimate: {e}");
        return;
    }
    if bayes {
        wln!(o);
    } else {
        coefficients(o, r);
    }
    wln!(o, "Dark figure (unobserved): {}", opt(r.dark_figure));
    wln!(o, "Estimated population N:   {}", opt(r.estimate));
    if let Some(iv) = &r.interval {
        if iv.lower.is_none() && iv.upper.is_none() {
            wln!(
                o,
                "{:.0}% {} interval:  not available",
                iv.level * 100.0,
                iv.method
            );
        } else {
            wln!(
                o,
                "{:.0}% {} interval:  {} to {}",
                iv.level * 100.0,
                iv.method,
                opt(iv.lower),
                iv.upper.map_or("(not found)".into(), big)
            );
        }
        if let Some(c) = &iv.calibration {
            wln!(
                o,
                "  calibrated: the {} interval at nominal {:.4}{} covers the truth in {:.1}% (± {:.1}%) of {} tables simulated from the {} (N = {}{})",
                c.interval,
                c.nominal_used,
                c.nominal_se.map_or(String::new(), |s| format!(" (± {s:.4})")),
                100.0 * c.estimated_coverage,
                100.0 * c.coverage_se,
                c.tables,
                match c.world {
                    darkfigure::uncertainty::calibrate::World::Fitted => "fitted model",
                    darkfigure::uncertainty::calibrate::World::Observed =>
                        "observed cells with the fit's dark figure",
                },
                c.truth,
                c.replicates
                    .map_or(String::new(), |b| format!("; {b} bootstrap replicates per table"))
            );
        }
        for f in &iv.flags {
            wln!(o, "  note: {f}");
        }
    }
    if let Some(darkfigure::output::report::PosteriorReport::Lcmcr(p)) = &r.posterior {
        let f = |x: Option<f64>| x.map_or("-".into(), |v| format!("{v:.3}"));
        wln!(
            o,
            "Posterior ({} chains x {} draws, K = {}{}{}): median {}, mean {}, sd {}",
            p.chains,
            p.draws_per_chain,
            p.classes,
            if p.label_swaps { ", label swaps" } else { "" },
            if p.collapsed_moves {
                ", collapsed moves"
            } else {
                ""
            },
            big(p.median),
            big(p.mean),
            big(p.sd)
        );
        wln!(
            o,
            "Convergence: R-hat {}, bulk ESS {}, tail ESS {} -> {}",
            f(p.rhat),
            f(p.ess_bulk),
            f(p.ess_tail),
            if p.converged {
                "converged (R-hat <= 1.01, bulk ESS >= 400)"
            } else {
                "NOT converged"
            }
        );
        // The posterior's warnings are in `r.warnings`, printed on stderr.
    }
    if let Some(darkfigure::output::report::PosteriorReport::Dga(p)) = &r.posterior {
        wln!(
            o,
            "Posterior averaged over {} decomposable graphs (delta {}): median {}, mean {}{}, sd {}",
            whole(p.graphs),
            p.delta,
            whole(p.median),
            big(p.mean),
            if p.mean_finite { "" } else { " (infinite without the grid's truncation)" },
            big(p.sd)
        );
        wln!(
            o,
            "Grid: m = {} to {} ({} points); estimated mass beyond it {}",
            whole(p.grid.min),
            whole(p.grid.max),
            whole(p.grid.points),
            p.grid.tail_mass.map_or("-".into(), |m| format!("{m:.2e}"))
        );
        wln!(o, "Most probable graphs:");
        for g in &p.top_graphs {
            wln!(
                o,
                "  {:>6.2}%  N {:>10}  {}",
                100.0 * g.probability,
                whole(g.estimate),
                g.model_names
            );
        }
        // The posterior's warnings are in `r.warnings`, printed on stderr.
    }
    if let Some(b) = &r.bootstrap {
        let scheme = match b.seed {
            Some(seed) => format!("{}, seed {seed}", b.kind),
            None => "replayed".to_string(),
        };
        wln!(
            o,
            "Bootstrap: {} replicates ({scheme}), {} without an estimate; acceleration {:.6}, z0 {:.6}",
            b.replicates,
            b.failed,
            b.acceleration.unwrap_or(f64::NAN),
            b.z0.unwrap_or(f64::NAN)
        );
        if !b.models.is_empty() {
            wln!(o, "Models chosen in the replicates (most chosen first):");
            for m in b.models.iter().take(3) {
                wln!(
                    o,
                    "  {:>5.1}%  {}  ({}), median estimate {}",
                    100.0 * m.share,
                    m.model,
                    m.model_names,
                    big(m.median)
                );
            }
            if b.models.len() > 3 {
                wln!(o, "  … and {} other models", b.models.len() - 3);
            }
        }
        for w in &b.warnings {
            if !r.interval.as_ref().is_some_and(|i| i.flags.contains(w)) {
                wln!(o, "  note: {w}");
            }
        }
    }
    if let Some(sel) = &r.selection {
        let added: Vec<&str> = sel
            .steps
            .iter()
            .filter(|s| s.accepted)
            .filter_map(|s| s.added.as_deref())
            .collect();
        wln!(
            o,
            "Selection: {}{}{}",
            sel.method,
            sel.threshold
                .map_or(String::new(), |t| format!(" (threshold {t})")),
            if added.is_empty() {
                sel.models_examined
                    .map_or(String::new(), |n| format!(", best of {n} models"))
            } else {
                format!(", pairs added in order: {}", added.join(", "))
            }
        );
    }
}

pub fn check(o: &mut String, r: &CheckReport) {
    match &r.header.model {
        Some(m) => wln!(o, "Model: {m}  ({})", r.header.model_names),
        None => wln!(o, "Model: {}", r.header.model_names),
    }
    wln!(o, "Existence: {}", existence_line(r.header.existence.code));
    wln!(
        o,
        "  finite MLE: {};  identifiable: {} (rank {} of {} parameters)",
        r.header.existence.finite,
        r.header.existence.identifiable,
        r.header.existence.rank,
        r.header.existence.parameters
    );
    if !r.header.infinite_terms.is_empty() {
        wln!(
            o,
            "  terms fixed at -inf: {}",
            r.header.infinite_terms.join(", ")
        );
    }
}

pub fn models(o: &mut String, r: &ModelsReport) {
    wln!(
        o,
        "{} models examined, {} excluded (MLE does not exist or not identifiable); ranked by {}",
        r.count,
        r.excluded,
        r.criterion
    );
    let w = r
        .models
        .iter()
        .map(|m| m.model.len())
        .max()
        .unwrap_or(5)
        .max(5);
    wln!(
        o,
        "{:>4}  {:<w$}  {:>4}  {:>10}  {:>4}  {:>10}  {:>10}  {:>12}  model by list names",
        "rank",
        "model",
        "code",
        "deviance",
        "df",
        "AIC",
        "BIC",
        "estimate"
    );
    for (i, m) in r.models.iter().enumerate() {
        wln!(
            o,
            "{:>4}  {:<w$}  {:>4}  {:>10.3}  {:>4}  {:>10.3}  {:>10.3}  {:>12}  {}",
            i + 1,
            m.model,
            m.existence,
            m.deviance,
            m.df,
            m.aic,
            m.bic,
            big(m.estimate),
            m.model_names
        );
    }
}

pub fn graphs(o: &mut String, r: &darkfigure::output::command::GraphsReport) {
    wln!(
        o,
        "{} decomposable graphs on {} lists, ranked by posterior probability (dga); posterior median of N {}",
        r.count,
        r.lists.len(),
        r.posterior.median
    );
    wln!(
        o,
        "{:>4}  {:>11}  {:>10}  graph (cliques) / model by list names",
        "rank",
        "probability",
        "N | graph"
    );
    for (i, g) in r.models.iter().enumerate() {
        wln!(
            o,
            "{:>4}  {:>10.4}%  {:>10}  {}  /  {}",
            i + 1,
            100.0 * g.probability,
            g.estimate,
            g.cliques.join(", "),
            g.model_names
        );
    }
}

pub fn summary(o: &mut String, s: &darkfigure::data::Summary) {
    wln!(
            o,
        "{} cases observed; {} of {} possible capture histories observed; {} cases on one list only",
        s.observed, s.histories_observed, s.histories_possible, s.seen_once
    );
    wln!(o, "\n{:<12} {:>8} {:>10}", "list", "cases", "only here");
    for l in &s.lists {
        wln!(o, "{:<12} {:>8} {:>10}", l.name, l.size, l.only_here);
    }
    wln!(o, "\nPairwise overlaps:");
    for ov in &s.overlaps {
        wln!(o, "  {:<16} {:>6}", ov.pair, ov.cases);
    }
    wln!(
        o,
        "\nCases by number of lists: {}",
        s.cases_by_number_of_lists
            .iter()
            .enumerate()
            .map(|(k, c)| format!("{}: {c}", k + 1))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for w in &s.warnings {
        wln!(o, "warning: {w}");
    }
}
