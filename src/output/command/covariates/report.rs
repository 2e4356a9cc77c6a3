//! `summary --covariates` and `report --covariates`.

use super::{
    covariate_stamp, covariates_json, no_effect, ordered, pairs, refused, settings,
    CovariateLoaded, ModelRequest, DEFAULT_SEED,
};
use crate::error::{Error, Result};
use crate::estimators::covariates::{Chosen, FitOptions};
use crate::estimators::IntervalMethod;
use crate::numeric::Level;
use crate::output::covariates::{
    Brief, CovariateEstimateReport, CovariateReport, CovariateSummary,
};
use crate::uncertainty::covariates::{bootstrap_prepared, CovariateBootstrapOptions};
use serde_json::{json, Value};

/// `summary --covariates`: counts by level and list, and the JSON the CLI prints.
pub fn covariate_summary(loaded: &CovariateLoaded) -> (CovariateSummary, Value) {
    let table = &loaded.table;
    let s = CovariateSummary::new(table);
    let options = json!({
        "covariates": covariates_json(table),
        "absent": table.structural_zeros(),
        "missing": loaded.missing.as_deref().unwrap_or("error"),
        "lists": table.list_names(),
    });
    let json = covariate_stamp(&s, table, options);
    (s, json)
}

/// The options of `report --covariates` by the CLI's names (`None`: its default).
///
/// The list-only options (`pthresh`, `max_order`, `ntop`, `leave_one_out`) are here only to
/// be refused: the table by category has no sensitivity rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CovariateReportRequest {
    /// `--model`: a fixed formula (instead of a rule).
    pub model: Option<String>,
    /// `--select`: the one rule of the table (default `model-search`, unless `model` is
    /// given); more than one is an error.
    pub select: Option<Vec<String>>,
    /// `--limit`: the most models the exhaustive rules `bic` and `aic` fit.
    pub limit: Option<u64>,
    /// `--year`: the ordered covariate.
    pub year: Option<String>,
    /// `--degree-year`: code `year` by orthogonal polynomials of this degree.
    pub degree_year: Option<usize>,
    /// `--cross A:B` (repeatable).
    pub cross: Vec<String>,
    /// `--fixed-model-bootstrap`: keep the selected model in every replicate.
    pub fixed_model_bootstrap: bool,
    /// `--level` (default 0.95).
    pub level: Option<f64>,
    /// `--bootstrap B`: BCa limits from B replicates.
    pub bootstrap: Option<usize>,
    /// `--seed` (default 1234).
    pub seed: Option<u64>,
    /// `--pthresh`: refused.
    pub pthresh: Option<f64>,
    /// `--max-order`: refused.
    pub max_order: Option<usize>,
    /// `--ntop`: refused.
    pub ntop: Option<usize>,
    /// `--no-leave-one-out` (`Some(false)`): refused.
    pub leave_one_out: Option<bool>,
}

impl CovariateReportRequest {
    /// The checks that need no table: the list-only options, the level.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] naming the first option that has no effect here.
    pub fn check(&self) -> Result<()> {
        for (name, set) in [
            ("threshold", self.pthresh.is_some()),
            ("max_order", self.max_order.is_some()),
            ("ntop", self.ntop.is_some()),
            ("no_leave_one_out", self.leave_one_out.is_some()),
        ] {
            if set {
                return Err(refused(
                    name,
                    "it shapes the list-only sensitivity table, not the table by category",
                ));
            }
        }
        Level::new(self.level.unwrap_or(0.95)).map(|_| ())
    }
}

/// `report --covariates` as the CLI reports it.
#[derive(Debug)]
pub struct CovariateReportRun {
    /// The report: the table by category of a country brief (empty with `failure`).
    pub report: CovariateReport,
    /// The JSON object the CLI prints (`--json`).
    pub json: Value,
    /// Why there is no estimate (CLI exit status 3), if there is none.
    pub failure: Option<Error>,
}

/// Run `report --covariates` as the CLI does: the table by category (text, Markdown and CSV
/// by [`Brief`]'s methods), its JSON, and the failure if the estimate does not exist.
///
/// # Errors
/// Bad options (CLI exit status 2); "no estimate" is `Ok` with `failure` set.
pub fn covariate_report(
    loaded: &CovariateLoaded,
    req: &CovariateReportRequest,
) -> Result<CovariateReportRun> {
    req.check()?;
    let level = Level::new(req.level.unwrap_or(0.95))?;
    let table = &loaded.table;
    let select = match &req.select {
        Some(rules) => {
            if rules.len() != 1 {
                return Err(Error::InvalidOption {
                    name: "select",
                    value: rules.join(","),
                    problem: "with `covariates` the table comes from one rule".into(),
                });
            }
            Some(rules[0].as_str())
        }
        None if req.model.is_some() => None,
        None => Some("model-search"),
    };
    if let (Some(model), Some(_)) = (&req.model, &req.select) {
        return Err(Error::InvalidOption {
            name: "model",
            value: model.clone(),
            problem: "give a fixed `model` or a `select` rule, not both".into(),
        });
    }
    if let (Some(seed), None) = (req.seed, req.bootstrap) {
        return Err(no_effect(
            "seed",
            seed.to_string(),
            "it seeds the bootstrap; nothing is random without `bootstrap` B".into(),
        ));
    }
    if req.fixed_model_bootstrap && req.bootstrap.is_none() {
        return Err(refused(
            "fixed_model_bootstrap",
            "it keeps the model fixed in the `bootstrap` replicates, and no bootstrap is asked for",
        ));
    }
    let mr = ModelRequest {
        model: req.model.as_deref(),
        select,
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
    let boot_opts = req
        .bootstrap
        .map(|b| CovariateBootstrapOptions::new(b, req.seed.unwrap_or(DEFAULT_SEED)).level(level));
    let interval = if boot_opts.is_some() {
        IntervalMethod::Bca
    } else {
        IntervalMethod::Wald
    };
    let settings = settings(&choice, interval, level.get(), &ordered);
    let options = mr.options_json(
        loaded,
        &choice,
        &ordered,
        interval,
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
    let (est, failure) = match result {
        Ok(r) => (Some(r), None),
        Err(e) if e.is_no_estimate() => (None, Some(e)),
        Err(e) => return Err(e),
    };
    let brief = est.as_ref().map_or_else(
        || Brief {
            title: title.clone(),
            model: String::new(),
            interval: String::new(),
            rows: Vec::new(),
            notes: Vec::new(),
        },
        |r| r.brief(&title),
    );
    let report = CovariateReport {
        lists: table.list_names().to_vec(),
        observed: table.observed(),
        covariates: est
            .as_ref()
            .map(|e| e.covariates.clone())
            .unwrap_or_default(),
        brief,
        estimate: est.as_ref().and_then(|e| e.estimate),
        error: failure.as_ref().map(ToString::to_string),
        bootstrap: boot_opts
            .as_ref()
            .map(|o| json!({"replicates": o.replicates, "seed": o.seed})),
        warnings: CovariateSummary::new(table).warnings,
    };
    let json = covariate_stamp(&report, table, options);
    Ok(CovariateReportRun {
        report,
        json,
        failure,
    })
}
