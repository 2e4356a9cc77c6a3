//! `estimate`: the method and its options from the CLI's names, checked as the CLI checks
//! them, and the report.

use super::{no_effect, settings, stamp, Loaded};
use crate::error::{Error, Result};
use crate::estimators::dga::{DgaOptions, Grid, NPrior};
use crate::estimators::lcmcr::{LcmcrOptions, LcmcrPosterior};
use crate::estimators::loglinear::{LoglinearOptions, ModelSpec};
use crate::estimators::{IntervalMethod, Method};
use crate::numeric::Level;
use crate::output::report::{run_estimate, EstimateReport};
use crate::selection::{Rule, SelectOptions};
use crate::uncertainty::calibrate::World;
use crate::uncertainty::{Bootstrap, BootstrapOptions, CalibrationOptions, EstimateOptions, Kind};
use serde_json::Value;

/// `--until-converged` without `--max-sweeps`: at most this many sweeps per chain.
pub const LCMCR_MAX_SWEEPS: u64 = 2_000_000;

/// LCMCR's options by the CLI's names (`None`: LCMCR's default).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LcmcrRequest {
    /// `--classes`.
    pub classes: Option<usize>,
    /// `--chains`.
    pub chains: Option<usize>,
    /// `--burnin`.
    pub burnin: Option<u64>,
    /// `--samples`.
    pub samples: Option<u64>,
    /// `--thinning`.
    pub thinning: Option<u64>,
    /// `--alpha-prior A,B`.
    pub alpha_prior: Option<(f64, f64)>,
    /// `--until-converged`.
    pub until_converged: bool,
    /// `--max-sweeps`.
    pub max_sweeps: Option<u64>,
    /// `--no-label-swaps`.
    pub no_label_swaps: bool,
    /// `--no-collapsed-moves`.
    pub no_collapsed_moves: bool,
}

impl LcmcrRequest {
    /// The first option given, for the error with another method.
    pub(super) fn given(&self) -> Option<&'static str> {
        [
            ("classes", self.classes.is_some()),
            ("chains", self.chains.is_some()),
            ("burnin", self.burnin.is_some()),
            ("samples", self.samples.is_some()),
            ("thinning", self.thinning.is_some()),
            ("alpha_prior", self.alpha_prior.is_some()),
            ("until_converged", self.until_converged),
            ("max_sweeps", self.max_sweeps.is_some()),
            ("no_label_swaps", self.no_label_swaps),
            ("no_collapsed_moves", self.no_collapsed_moves),
        ]
        .into_iter()
        .find(|(_, set)| *set)
        .map(|(n, _)| n)
    }
}

/// dga's options by the CLI's names (`None`: dga's default).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DgaRequest {
    /// `--delta` (default 2^-t).
    pub delta: Option<f64>,
    /// `--prior improper|lognormal:MU,SD` (default improper, p(N) ∝ 1/N).
    pub prior: Option<String>,
    /// `--grid auto|MAX` (default auto).
    pub grid: Option<String>,
    /// `--max-clique K`.
    pub max_clique: Option<usize>,
    /// `--top N`: graphs reported (default 5).
    pub top: Option<usize>,
    /// `--work-limit W`: the most graph × grid-point evaluations run (default 10^11).
    pub work_limit: Option<f64>,
}

impl DgaRequest {
    /// The first option given, for the error with another method.
    pub(super) fn given(&self) -> Option<&'static str> {
        [
            ("delta", self.delta.is_some()),
            ("prior", self.prior.is_some()),
            ("grid", self.grid.is_some()),
            ("max_clique", self.max_clique.is_some()),
            ("top", self.top.is_some()),
            ("work_limit", self.work_limit.is_some()),
        ]
        .into_iter()
        .find(|(_, set)| *set)
        .map(|(n, _)| n)
    }

    /// dga's options, with the quantiles of an interval at `level`.
    ///
    /// # Errors
    /// A prior or grid that does not parse.
    pub fn options(&self, level: Level) -> Result<DgaOptions> {
        let mut o = DgaOptions {
            delta: self.delta,
            ..DgaOptions::default()
        };
        if let Some(p) = &self.prior {
            o.prior = parse_prior(p)?;
        }
        if let Some(g) = &self.grid {
            o.grid = match g.as_str() {
                "auto" => Grid::Auto,
                max => Grid::Max(max.parse().map_err(|_| Error::InvalidOption {
                    name: "grid",
                    value: g.clone(),
                    problem:
                        "expected auto or the largest number of unobserved cases, e.g. 3700".into(),
                })?),
            };
        }
        o.max_clique = self.max_clique;
        if let Some(w) = self.work_limit {
            o.work_limit = w;
        }
        if let Some(top) = self.top {
            o.top = top;
        }
        let (lo, hi) = level.tails();
        for l in [lo, hi] {
            if !o.quantiles.iter().any(|&q| (q - l).abs() < 1e-12) {
                o.quantiles.push(l);
            }
        }
        o.quantiles.sort_by(f64::total_cmp);
        Ok(o)
    }
}

/// `improper` or `lognormal:MU,SD` (MU and SD of log N).
fn parse_prior(s: &str) -> Result<NPrior> {
    let bad = || Error::InvalidOption {
        name: "prior",
        value: s.into(),
        problem:
            "expected improper (p(N) ∝ 1/N) or lognormal:MU,SD (of log N), e.g. lognormal:8.6,1"
                .into(),
    };
    if s == "improper" {
        return Ok(NPrior::Reciprocal);
    }
    let rest = s.strip_prefix("lognormal:").ok_or_else(bad)?;
    let (mu, sd) = rest.split_once(',').ok_or_else(bad)?;
    Ok(NPrior::LogNormal {
        mu: mu.trim().parse().map_err(|_| bad())?,
        sd: sd.trim().parse().map_err(|_| bad())?,
    })
}

/// The options of `estimate` by the CLI's names; `None` is the CLI's default, and an option
/// that is `Some` where it has no effect is an error.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EstimateRequest {
    /// `--method` (default `loglinear`).
    pub method: Option<String>,
    /// `--model`.
    pub model: Option<String>,
    /// `--select`.
    pub select: Option<Rule>,
    /// `--pthresh`.
    pub pthresh: Option<f64>,
    /// `--max-order`.
    pub max_order: Option<usize>,
    /// `--limit`.
    pub limit: Option<u64>,
    /// `--interval`.
    pub interval: Option<IntervalMethod>,
    /// `--level` (default 0.95).
    pub level: Option<f64>,
    /// `--bootstrap`.
    pub bootstrap: Option<usize>,
    /// `--seed` (default 1234).
    pub seed: Option<u64>,
    /// `--bootstrap-kind` (default nonparametric).
    pub bootstrap_kind: Option<Kind>,
    /// `--ntop`.
    pub ntop: Option<usize>,
    /// `--max-replicates`: the largest `bootstrap` accepted (default 1,000,000).
    pub max_replicates: Option<usize>,
    /// `--replay`: the tables (see [`crate::data::replay`]).
    pub replay: Option<Vec<Vec<u64>>>,
    /// `--calibration-tables` (with `interval` calibrated; default 200).
    pub calibration_tables: Option<usize>,
    /// `--calibration-interval`: the interval calibrated (default BCa with a bootstrap, else
    /// the method's own).
    pub calibration_interval: Option<IntervalMethod>,
    /// `--calibration-truth`: the world the calibration tables come from (default fitted).
    pub calibration_truth: Option<World>,
    /// LCMCR's options.
    pub lcmcr: LcmcrRequest,
    /// dga's options.
    pub dga: DgaRequest,
}

/// An estimate as the CLI reports it.
#[derive(Debug)]
pub struct EstimateRun {
    /// The report (with the full estimate in `detail`).
    pub report: EstimateReport,
    /// The options as resolved.
    pub options: Value,
    /// Why there is no estimate (CLI exit status 3), if there is none.
    pub failure: Option<Error>,
}

impl EstimateRun {
    /// The JSON object the CLI prints.
    pub fn json(&self, loaded: &Loaded) -> Value {
        stamp(&self.report, &loaded.table, self.options.clone())
    }

    /// The bootstrap, if one was run.
    pub fn bootstrap(&self) -> Option<&Bootstrap> {
        self.report
            .detail
            .as_ref()
            .and_then(|e| e.bootstrap.as_ref())
    }
}

impl EstimateRequest {
    fn level(&self) -> Result<Level> {
        Level::new(self.level.unwrap_or(0.95))
    }

    fn lcmcr_options(&self, level: Level) -> LcmcrOptions {
        let m = &self.lcmcr;
        let d = LcmcrOptions::default();
        let (a_alpha, b_alpha) = m.alpha_prior.unwrap_or((d.a_alpha, d.b_alpha));
        let (lo, hi) = level.tails();
        LcmcrOptions {
            classes: m.classes.unwrap_or(d.classes),
            a_alpha,
            b_alpha,
            burnin: m.burnin.unwrap_or(d.burnin),
            samples: m.samples.unwrap_or(d.samples),
            thinning: m.thinning.unwrap_or(d.thinning),
            chains: m.chains.unwrap_or(d.chains),
            seed: self.seed.unwrap_or(d.seed),
            levels: vec![lo, hi],
            label_swaps: !m.no_label_swaps,
            collapsed_moves: !m.no_collapsed_moves,
            until_converged: m
                .until_converged
                .then(|| m.max_sweeps.unwrap_or(LCMCR_MAX_SWEEPS)),
            ..d
        }
    }

    /// The method, with the log-linear or LCMCR options given (they are an error with
    /// another method, or where they have no effect).
    fn method(&self, t: usize) -> Result<Method> {
        let name = self.method.as_deref().unwrap_or("loglinear");
        let chosen: Method = name.parse()?;
        let wrong = |option: &str, family: &str| {
            Error::InvalidOption {
            name: "method",
            value: name.into(),
            problem: format!(
                "`{option}` is an option of the {family} method; it has no meaning with the {} method",
                chosen.id()
            ),
        }
        };
        if let Some(option) = self
            .lcmcr
            .given()
            .filter(|_| !matches!(chosen, Method::Lcmcr(_)))
        {
            return Err(wrong(option, "lcmcr"));
        }
        if let Some(option) = self
            .dga
            .given()
            .filter(|_| !matches!(chosen, Method::Dga(_)))
        {
            return Err(wrong(option, "dga"));
        }
        let loglinear_only = [
            ("model", self.model.is_some()),
            ("select", self.select.is_some()),
            ("pthresh", self.pthresh.is_some()),
            ("max_order", self.max_order.is_some()),
            ("limit", self.limit.is_some()),
            ("ntop", self.ntop.is_some()),
        ];
        if !matches!(chosen, Method::Loglinear(_)) {
            if let Some((option, _)) = loglinear_only.iter().find(|(_, set)| *set) {
                return Err(wrong(option, "loglinear"));
            }
            return Ok(match chosen {
                Method::Lcmcr(_) => Method::Lcmcr(self.lcmcr_options(self.level()?)),
                Method::Dga(_) => Method::Dga(self.dga.options(self.level()?)?),
                other => other,
            });
        }
        let model = match self.select {
            Some(rule) => {
                let sel = SelectOptions {
                    rule,
                    threshold: self.pthresh,
                    max_order: self.max_order,
                    limit: self.limit,
                    trace: false,
                };
                let applied = sel.resolved(t);
                let exhaustive = applied.criterion().is_some();
                if let (Some(p), true) = (self.pthresh, exhaustive) {
                    return Err(no_effect(
                        "threshold",
                        p.to_string(),
                        format!(
                            "`select` {rule} chooses by {} on these {t} lists, without a p-value threshold",
                            applied.criterion().unwrap_or_default()
                        ),
                    ));
                }
                for (option, value) in [
                    ("max_order", self.max_order.map(|x| x.to_string())),
                    ("limit", self.limit.map(|x| x.to_string())),
                ] {
                    if let (Some(v), false) = (value, exhaustive) {
                        return Err(no_effect(
                            option,
                            v,
                            format!("it bounds the model search of `select` bic or aic; `select` {rule} adds pairs by {applied} on these {t} lists"),
                        ));
                    }
                }
                if let (Some(n), false) = (self.ntop, exhaustive) {
                    return Err(no_effect(
                        "ntop",
                        n.to_string(),
                        format!("it is the number of top models the BIC/AIC bootstrap re-selects among; `select` {rule} re-runs {applied} in every replicate"),
                    ));
                }
                ModelSpec::Select(sel)
            }
            None => {
                for (option, set) in &loglinear_only[2..] {
                    if *set {
                        return Err(no_effect(
                            option,
                            "given".into(),
                            "it belongs to a selection rule, and `select` is not given".into(),
                        ));
                    }
                }
                ModelSpec::Model(self.model.clone().unwrap_or_else(|| "main".into()))
            }
        };
        Ok(Method::Loglinear(LoglinearOptions {
            model,
            ntop: self.ntop,
            ..LoglinearOptions::default()
        }))
    }

    /// The library's options for a table of `t` lists, checked as the CLI checks them.
    ///
    /// # Errors
    /// An option without effect where it is given; invalid values.
    pub fn options(&self, t: usize) -> Result<EstimateOptions> {
        let method = self.method(t)?;
        let resampled = self.bootstrap.is_some() || self.replay.is_some();
        if let (Some(seed), false) = (self.seed, resampled || matches!(method, Method::Lcmcr(_))) {
            return Err(no_effect(
                "seed",
                seed.to_string(),
                "it seeds the bootstrap (or the lcmcr chains); nothing is random without `bootstrap` B".into(),
            ));
        }
        if let (Some(m), None) = (self.max_replicates, self.bootstrap) {
            return Err(no_effect(
                "max_replicates",
                m.to_string(),
                "it bounds `bootstrap` B, and no bootstrap is asked for".into(),
            ));
        }
        if let (Some(k), None) = (self.bootstrap_kind, self.bootstrap) {
            return Err(no_effect(
                "kind",
                format!("{k:?}").to_lowercase(),
                "it chooses how `bootstrap` replicates are drawn, and no bootstrap is asked for"
                    .into(),
            ));
        }
        let opts = EstimateOptions {
            method,
            interval: self.interval,
            level: self.level()?,
            bootstrap: self.bootstrap.map(|b| {
                let o = BootstrapOptions::new(b, self.seed.unwrap_or(1234))
                    .kind(self.bootstrap_kind.unwrap_or_default());
                match self.max_replicates {
                    Some(m) => o.max_replicates(m),
                    None => o,
                }
            }),
            replay: self.replay.clone(),
            calibration: self.calibration(),
        };
        opts.validate()?;
        Ok(opts)
    }

    /// The calibration options: given with `interval` calibrated, or any calibration option
    /// (without `interval` calibrated the library's check rejects them).
    fn calibration(&self) -> Option<CalibrationOptions> {
        (self.interval == Some(IntervalMethod::Calibrated)
            || self.calibration_tables.is_some()
            || self.calibration_interval.is_some()
            || self.calibration_truth.is_some())
        .then(|| CalibrationOptions {
            tables: self.calibration_tables.unwrap_or(200),
            interval: self.calibration_interval,
            truth: self.calibration_truth.unwrap_or_default(),
            ..CalibrationOptions::default()
        })
    }

    /// The work a progress bar counts: the calibration tables, the method's (MCMC sweeps)
    /// or the replicates.
    ///
    /// # Errors
    /// As [`EstimateRequest::options`].
    pub fn work(&self, loaded: &Loaded) -> Result<Option<u64>> {
        let opts = self.options(loaded.table.lists())?;
        if let (Some(IntervalMethod::Calibrated), Some(c)) = (opts.interval, &opts.calibration) {
            return Ok(Some(c.tables as u64));
        }
        let est = opts.method.build(&loaded.table)?;
        Ok(est.work(&loaded.table).or_else(|| {
            self.bootstrap
                .or(self.replay.as_ref().map(Vec::len))
                .map(|b| b as u64)
        }))
    }
}

/// Run `estimate` as the CLI does: the report (input warnings first), the options as
/// resolved, and the failure, if there is no estimate.
///
/// # Errors
/// Bad options or input (CLI exit status 2); "no estimate" is `Ok` with `failure` set.
pub fn estimate(
    loaded: &Loaded,
    req: &EstimateRequest,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<EstimateRun> {
    let table = &loaded.table;
    let opts = req.options(table.lists())?;
    let (mut report, failure) = run_estimate(table, &opts, progress)?;
    let mut warnings = loaded.warnings.clone();
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    let options = settings::estimate(req.ntop, &opts, table, &report);
    Ok(EstimateRun {
        report,
        options,
        failure,
    })
}

/// `replicate,estimate,model` rows of a bootstrap (`--replicates-out`).
pub fn replicates_csv(b: &Bootstrap) -> String {
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

/// `chain,draw,N,alpha,occupied_classes` rows of an LCMCR run (`--draws-out`).
pub fn draws_csv(p: &LcmcrPosterior) -> String {
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
