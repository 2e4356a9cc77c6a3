//! `estimate --covariates`.

use super::{
    covariate_stamp, no_effect, ordered, pairs, refused, settings, CovariateLoaded, ModelRequest,
    DEFAULT_SEED,
};
use crate::error::{Error, Result};
use crate::estimators::covariates::{Chosen, FitOptions};
use crate::estimators::IntervalMethod;
use crate::numeric::Level;
use crate::output::command::{DgaRequest, LcmcrRequest};
use crate::output::covariates::{CovariateEstimateReport, CovariateSummary};
use crate::uncertainty::calibrate::World;
use crate::uncertainty::covariates::{
    bootstrap_prepared, CovariateBootstrapOptions, CovariateKind,
};
use crate::uncertainty::Kind;
use serde_json::Value;

/// The options of `estimate --covariates` by the CLI's names; `None` is the CLI's default,
/// and an option that is given where it has no effect is an error.
///
/// The list-only options (`pthresh`, `max_order`, `ntop`, `max_replicates`, the calibration,
/// LCMCR and dga options) are here only to be refused: a covariate model is a Poisson
/// log-linear model over lists × covariates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CovariateEstimateRequest {
    /// `--method` (default `loglinear`, the only one with covariates).
    pub method: Option<String>,
    /// `--model`: a fixed formula in R's notation (`main` or `.`, the default: every main
    /// effect), e.g. `(R1+R2+R3+R4)*(X1+Y) + R1:R2`.
    pub model: Option<String>,
    /// `--select`: a rule, `model-search`, `bic-stepwise`, `aic-stepwise`, `bic` or `aic`.
    pub select: Option<String>,
    /// `--limit`: the most models the exhaustive rules `bic` and `aic` fit.
    pub limit: Option<u64>,
    /// `--year`: the ordered covariate (changes between levels, the trend, mse's `year`).
    pub year: Option<String>,
    /// `--degree-year`: code `year` by orthogonal polynomials of this degree.
    pub degree_year: Option<usize>,
    /// `--cross A:B` (repeatable): totals for every pair of levels of two covariates.
    pub cross: Vec<String>,
    /// `--fixed-model-bootstrap`: keep the model chosen by `select` in every replicate.
    pub fixed_model_bootstrap: bool,
    /// `--interval`: `wald` (the default without a bootstrap), `bca` (the default with one)
    /// or `percentile`.
    pub interval: Option<IntervalMethod>,
    /// `--level` (default 0.95).
    pub level: Option<f64>,
    /// `--bootstrap B`: replicates (with `select`, the rule is re-run in each).
    pub bootstrap: Option<usize>,
    /// `--seed` (default 1234).
    pub seed: Option<u64>,
    /// `--bootstrap-kind` (default nonparametric).
    pub kind: Option<Kind>,
    /// `--pthresh`: refused (list-only rules).
    pub pthresh: Option<f64>,
    /// `--max-order`: refused (list-only rules).
    pub max_order: Option<usize>,
    /// `--ntop`: refused (list-only bootstrap).
    pub ntop: Option<usize>,
    /// `--max-replicates`: refused (list-only bootstrap).
    pub max_replicates: Option<usize>,
    /// `--calibration-tables`: refused.
    pub calibration_tables: Option<usize>,
    /// `--calibration-interval`: refused.
    pub calibration_interval: Option<IntervalMethod>,
    /// `--calibration-truth`: refused.
    pub calibration_truth: Option<World>,
    /// LCMCR's options: refused.
    pub lcmcr: LcmcrRequest,
    /// dga's options: refused.
    pub dga: DgaRequest,
}

impl CovariateEstimateRequest {
    /// The checks that need no table: the method, the options of other methods, the level.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] naming the first option that has no effect here.
    pub fn check(&self) -> Result<()> {
        if let Some(m) = self.method.as_deref().filter(|m| *m != "loglinear") {
            return Err(Error::InvalidOption {
                name: "method",
                value: m.into(),
                problem: "with `covariates` the model is a Poisson log-linear model over lists × covariates; other methods take list-only tables".into(),
            });
        }
        let family = self
            .lcmcr
            .given()
            .map(|n| (n, "lcmcr"))
            .or(self.dga.given().map(|n| (n, "dga")))
            .or([
                (
                    "max_replicates",
                    self.max_replicates.is_some(),
                    "list-only bootstrap",
                ),
                (
                    "calibration_tables",
                    self.calibration_tables.is_some(),
                    "calibrated interval",
                ),
                (
                    "calibration_interval",
                    self.calibration_interval.is_some(),
                    "calibrated interval",
                ),
                (
                    "calibration_truth",
                    self.calibration_truth.is_some(),
                    "calibrated interval",
                ),
            ]
            .into_iter()
            .find(|(_, set, _)| *set)
            .map(|(n, _, f)| (n, f)));
        if let Some((name, family)) = family {
            return Err(refused(
                name,
                &format!("it is an option of the {family} method, which takes list-only tables"),
            ));
        }
        for (name, set) in [
            ("threshold", self.pthresh.is_some()),
            ("max_order", self.max_order.is_some()),
            ("ntop", self.ntop.is_some()),
        ] {
            if set {
                return Err(refused(
                    name,
                    "it belongs to the list-only rules and bootstrap, not to models with `covariates`",
                ));
            }
        }
        Level::new(self.level.unwrap_or(0.95)).map(|_| ())
    }

    /// The interval: Wald without a bootstrap, BCa with one unless asked otherwise.
    fn interval(&self) -> Result<IntervalMethod> {
        Ok(match (self.interval, self.bootstrap) {
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
        })
    }
}

/// `estimate --covariates` as the CLI reports it.
#[derive(Debug)]
pub struct CovariateEstimateRun {
    /// The report: the estimate by category (or, with `failure`, what was tried).
    pub report: CovariateEstimateReport,
    /// The JSON object the CLI prints (`--json`): the report with its provenance.
    pub json: Value,
    /// Why there is no estimate (CLI exit status 3), if there is none.
    pub failure: Option<Error>,
    /// The ordered covariates (`year` first).
    pub ordered: Vec<String>,
    /// `year`, as asked.
    pub year: Option<String>,
    /// The data set's name for titles.
    pub name: String,
}

/// Run `estimate --covariates` as the CLI does: the report, its JSON, and the failure if
/// the estimate does not exist. `progress` is told the number of bootstrap replicates done.
///
/// ```
/// use darkfigure::output::command::{
///     covariate_estimate, load_covariates_path, CovariateEstimateRequest, CovariateInput,
/// };
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/covariates/westeros_cells.csv");
/// let input = CovariateInput {
///     covariates: ["X1", "X2", "X3", "X4", "Y"].map(String::from).to_vec(),
///     ..CovariateInput::default()
/// };
/// let loaded = load_covariates_path(path, &input).unwrap();
/// let req = CovariateEstimateRequest { year: Some("Y".into()), ..Default::default() };
/// let run = covariate_estimate(&loaded, &req, None).unwrap();
/// assert!(run.failure.is_none());
/// assert!(run.json["by"]["Y"].is_array());
/// ```
///
/// # Errors
/// Bad options (CLI exit status 2); "no estimate" is `Ok` with `failure` set.
pub fn covariate_estimate(
    loaded: &CovariateLoaded,
    req: &CovariateEstimateRequest,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<CovariateEstimateRun> {
    req.check()?;
    let level = Level::new(req.level.unwrap_or(0.95))?;
    let table = &loaded.table;
    let b = req.bootstrap;
    if let (Some(seed), None) = (req.seed, b) {
        return Err(no_effect(
            "seed",
            seed.to_string(),
            "it seeds the bootstrap; nothing is random without `bootstrap` B".into(),
        ));
    }
    if let (Some(kind), None) = (req.kind, b) {
        return Err(no_effect(
            "kind",
            format!("{kind:?}").to_lowercase(),
            "it chooses how `bootstrap` replicates are drawn, and no bootstrap is asked for".into(),
        ));
    }
    if req.fixed_model_bootstrap && (req.select.is_none() || b.is_none()) {
        return Err(refused(
            "fixed_model_bootstrap",
            "it keeps the model chosen by `select` fixed in the `bootstrap` replicates; both are needed",
        ));
    }
    let interval = req.interval()?;
    let mr = ModelRequest {
        model: req.model.as_deref(),
        select: req.select.as_deref(),
        limit: req.limit,
        year: req.year.as_ref(),
        degree_year: req.degree_year,
        cross: &req.cross,
        fixed_model_bootstrap: req.fixed_model_bootstrap,
    };
    let ordered = ordered(loaded, mr.year)?;
    let fit_opts = FitOptions::default()
        .pairs(pairs(table, mr.cross)?)
        .ordered(ordered.clone())
        .level(level.get());
    let choice = mr.choice(table)?;
    let boot_opts = b.map(|b| {
        CovariateBootstrapOptions::new(b, req.seed.unwrap_or(DEFAULT_SEED))
            .level(level)
            .kind(match req.kind.unwrap_or_default() {
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
    let options = mr.options_json(
        loaded,
        &choice,
        &ordered,
        interval,
        level.get(),
        boot_opts.as_ref(),
    );
    let settings = settings(&choice, interval, level.get(), &ordered);
    let run = |report: CovariateEstimateReport, failure: Option<Error>| {
        let json = covariate_stamp(&report, table, options.clone());
        CovariateEstimateRun {
            report,
            json,
            failure,
            ordered: ordered.clone(),
            year: req.year.clone(),
            name: loaded.name.clone(),
        }
    };
    let fail = |model: Option<&str>, terms: Vec<String>, sel, e: Error| {
        let r = CovariateEstimateReport::failure(table, model, terms, sel, &e, &settings);
        Ok(run(r, Some(e)))
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
    let boot = boot_opts
        .as_ref()
        .map(|o| bootstrap_prepared(table, &prepared, o, progress))
        .transpose()?;
    let mut report = CovariateEstimateReport::new(
        table,
        &prepared.fit,
        prepared.selected.as_ref(),
        boot.as_ref(),
        &settings,
    );
    report.warnings = CovariateSummary::new(table).warnings;
    Ok(run(report, None))
}

impl CovariateEstimateRun {
    /// The text the CLI prints without `--json`: the fit in a few lines and the table by
    /// category.
    pub fn text(&self) -> String {
        let r = &self.report;
        let title = format!("{}: estimated number by category", self.name);
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
        out.push_str(&r.brief(&title).to_text());
        out
    }

    /// The trend plot (SVG) of the estimate by the first ordered covariate (`year` first),
    /// with its interval band and the observed counts; `None` if no covariate is ordered.
    ///
    /// # Errors
    /// (Inside the `Some`) drawing errors.
    #[cfg(feature = "plot")]
    pub fn trend_svg(&self, title: Option<&str>) -> Option<Result<String>> {
        use crate::output::plot::{trend_svg, TrendPoint};
        let cov = self.year.as_ref().or(self.ordered.first())?;
        let report = &self.report;
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
        let title = title.map_or_else(
            || format!("{}: estimated total by {cov}", self.name),
            str::to_string,
        );
        Some(trend_svg(&points, cov, &interval, &title))
    }
}
