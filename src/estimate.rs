//! The user-facing estimate: choose the model, check it, fit it, add an interval.

use crate::error::{Error, Result};
use crate::existence::{self, Existence};
use crate::fit::{fit, Fit, FitOptions};
use crate::interval::{self, Interval, Profile, ProfileOptions};
use crate::model::Model;
use crate::table::CaptureTable;

/// Which interval to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IntervalMethod {
    /// Wald on the log scale of the dark figure (SparseMSE).
    #[default]
    Wald,
    /// Profile likelihood (Rcapture `closedpCI.t`).
    Profile,
    /// Bootstrap BCa (needs a bootstrap).
    Bca,
    /// Bootstrap percentile (needs a bootstrap).
    Percentile,
}

impl std::str::FromStr for IntervalMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "wald" => Ok(Self::Wald),
            "profile" => Ok(Self::Profile),
            "bca" => Ok(Self::Bca),
            "percentile" => Ok(Self::Percentile),
            _ => Err(Error::InvalidOption {
                name: "interval",
                value: s.into(),
                problem: "expected wald, profile, bca or percentile".into(),
            }),
        }
    }
}

/// Options of [`estimate`].
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateOptions {
    /// The model: a specification parsed against the table's list names (`main`, `[12,3]`,
    /// `A*B + B*C`). Default `main`.
    pub model: String,
    /// Choose the model by a selection rule instead of `model`.
    pub select: Option<crate::select::SelectOptions>,
    /// Interval method (default Wald; profile for AIC-stepwise, as in the UK analysis).
    pub interval: Option<IntervalMethod>,
    /// Coverage level (default 0.95).
    pub level: f64,
    /// Fitting options.
    pub fit: FitOptions,
    /// Profile search: the upper limit is sought up to this multiple of `N̂` (default 3).
    pub profile_upper_factor: f64,
    /// Bootstrap with re-selection in every replicate (default none).
    pub bootstrap: Option<crate::bootstrap::BootstrapOptions>,
    /// BIC/AIC selection in the bootstrap re-selects among the top `ntop` models of the
    /// original ranking (default: MultipleSystemsEstimation's, see
    /// [`crate::bootstrap::mse_default_ntop`]).
    pub ntop: Option<usize>,
    /// Replicate tables to replay instead of drawing them (indexed by bitmask, one per
    /// replicate; see [`crate::replay`]). Used when `bootstrap` is set, whose `replicates`,
    /// `seed` and `kind` are then ignored.
    pub replay: Option<Vec<Vec<u64>>>,
}

impl Default for EstimateOptions {
    fn default() -> Self {
        Self {
            model: "main".into(),
            select: None,
            interval: None,
            level: 0.95,
            fit: FitOptions::default(),
            profile_upper_factor: 3.0,
            bootstrap: None,
            ntop: None,
            replay: None,
        }
    }
}

impl EstimateOptions {
    /// Builder: the model specification.
    pub fn model(mut self, spec: &str) -> Self {
        self.model = spec.to_string();
        self
    }

    /// Builder: the interval method.
    pub fn interval(mut self, m: IntervalMethod) -> Self {
        self.interval = Some(m);
        self
    }

    /// Builder: select the model with a rule.
    pub fn select(mut self, rule: crate::select::Rule) -> Self {
        self.select = Some(crate::select::SelectOptions::new(rule));
        self
    }

    /// The interval method in force: the one set, else BCa with a bootstrap, profile for
    /// AIC-stepwise, else Wald.
    pub fn interval_method(&self) -> IntervalMethod {
        self.interval.unwrap_or(match self.select {
            _ if self.bootstrap.is_some() => IntervalMethod::Bca,
            Some(s) if s.rule == crate::select::Rule::AicStepwise => IntervalMethod::Profile,
            _ => IntervalMethod::Wald,
        })
    }

    /// Builder: the level.
    pub fn level(mut self, level: f64) -> Self {
        self.level = level;
        self
    }

    /// Check the options.
    ///
    /// # Errors
    /// An invalid level, fit option or upper factor.
    pub fn validate(&self) -> Result<()> {
        interval::check_level(self.level)?;
        self.fit.validate()?;
        if matches!(
            self.interval,
            Some(IntervalMethod::Bca | IntervalMethod::Percentile)
        ) && self.bootstrap.is_none()
        {
            return Err(Error::InvalidOption {
                name: "interval",
                value: format!("{:?}", self.interval_method()).to_lowercase(),
                problem: "a bootstrap interval needs --bootstrap B (number of replicates)".into(),
            });
        }
        if let Some(b) = &self.bootstrap {
            b.validate()?;
        }
        if self.ntop == Some(0) {
            return Err(Error::InvalidOption {
                name: "ntop",
                value: "0".into(),
                problem: "re-select among at least one model".into(),
            });
        }
        if !(self.profile_upper_factor > 1.0) {
            return Err(Error::InvalidOption {
                name: "profile_upper_factor",
                value: self.profile_upper_factor.to_string(),
                problem: "must be greater than 1".into(),
            });
        }
        Ok(())
    }
}

/// A population-size estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The model fitted.
    pub model: Model,
    /// Its existence check.
    pub existence: Existence,
    /// The fit.
    pub fit: Fit,
    /// `N̂ = n_obs + exp(θ̂_∅)`.
    pub estimate: f64,
    /// The interval.
    pub interval: Interval,
    /// Profile details when the interval is a profile interval.
    pub profile: Option<Profile>,
    /// The bootstrap, when one was run.
    pub bootstrap: Option<crate::bootstrap::Bootstrap>,
}

/// Estimate the population size with a fixed model, or the model chosen by `opts.select`.
///
/// # Errors
/// Invalid options or model; [`Error::MleDoesNotExist`] / [`Error::NotIdentifiable`] when the
/// model fails the existence check; [`Error::NotConverged`].
///
/// # Example
/// ```
/// use darkfigure::{datasets, estimate, EstimateOptions};
/// let a3 = datasets::artificial_3();
/// let est = estimate(&a3, &EstimateOptions::default()).unwrap();
/// assert!((est.estimate - 539.0939294).abs() < 1e-6);
/// // With the A:B interaction the MLE does not exist (SparseMSE checkident code 1).
/// let err = estimate(&a3, &EstimateOptions::default().model("A*B")).unwrap_err();
/// assert!(err.is_no_estimate());
/// ```
pub fn estimate(table: &CaptureTable, opts: &EstimateOptions) -> Result<Estimate> {
    opts.validate()?;
    let model = match &opts.select {
        Some(s) => crate::select::select(table, s)?.model,
        None => Model::parse(&opts.model, table.names())?,
    };
    estimate_model(table, &model, opts, None)
}

/// The bootstrap estimator matching the options: re-run the selection rule in every
/// replicate, or refit the fixed `model`.
///
/// # Errors
/// A model search that fails.
pub fn estimator(
    table: &CaptureTable,
    model: &Model,
    opts: &EstimateOptions,
) -> Result<crate::bootstrap::Estimator> {
    use crate::bootstrap::Estimator;
    use crate::select::Rule;
    let t = table.lists();
    let Some(sel) = &opts.select else {
        return Ok(Estimator::Fixed(model.clone()));
    };
    Ok(match sel.resolved(t) {
        rule @ Rule::Stepwise => Estimator::Stepwise(sel.threshold_for(rule)),
        rule @ Rule::AicStepwise => Estimator::AicStepwise(sel.threshold_for(rule)),
        rule @ (Rule::Bic | Rule::Aic) => {
            let n = opts.ntop.or_else(|| crate::bootstrap::mse_default_ntop(t));
            let r = sel.ranking(table, rule, n)?;
            let models = r.models.iter().map(|m| m.model(t)).collect();
            if rule == Rule::Bic {
                Estimator::BicAmong(models)
            } else {
                Estimator::AicAmong(models)
            }
        }
        Rule::Auto => unreachable!("resolved"),
    })
}

/// [`estimate`] with an already parsed model.
///
/// # Errors
/// As [`estimate`].
pub fn estimate_model(
    table: &CaptureTable,
    model: &Model,
    opts: &EstimateOptions,
    progress: Option<&(dyn Fn(usize) + Sync)>,
) -> Result<Estimate> {
    opts.validate()?;
    let existence = existence::check(table, model)?;
    existence.require(&model.label(table.names()))?;
    let fit_opts = FitOptions {
        check_existence: false,
        ..opts.fit.clone()
    };
    let fit = fit(table, model, &fit_opts)?;
    let (interval, profile) = match opts.interval_method() {
        IntervalMethod::Wald => (interval::wald(&fit, opts.level)?, None),
        IntervalMethod::Profile => {
            let p = interval::profile(
                table,
                &fit,
                &ProfileOptions {
                    level: opts.level,
                    upper_factor: opts.profile_upper_factor,
                    ..ProfileOptions::default()
                },
            )?;
            (p.interval.clone(), Some(p))
        }
        IntervalMethod::Bca | IntervalMethod::Percentile => (
            Interval {
                method: String::new(),
                level: opts.level,
                lower: None,
                upper: None,
                flags: Vec::new(),
            },
            None,
        ),
    };
    let mut est = Estimate {
        model: model.clone(),
        existence,
        estimate: fit.estimate,
        fit,
        interval,
        profile,
        bootstrap: None,
    };
    if let Some(bopts) = &opts.bootstrap {
        let estimator = estimator(table, model, opts)?;
        let bopts = bopts.clone().with_interval_level(opts.level);
        let b = crate::bootstrap::bootstrap(
            table,
            &estimator,
            &bopts,
            opts.replay.as_deref(),
            progress,
        )?;
        let method = opts.interval_method();
        if matches!(method, IntervalMethod::Bca | IntervalMethod::Percentile) {
            est.interval = bootstrap_interval(&b, opts.level, method == IntervalMethod::Bca);
        }
        est.bootstrap = Some(b);
    }
    Ok(est)
}

/// The BCa or percentile interval at `level` from a bootstrap, with flags for limits that are
/// the smallest or largest replicate and for failed replicates.
pub fn bootstrap_interval(b: &crate::bootstrap::Bootstrap, level: f64, bca: bool) -> Interval {
    let mut flags = Vec::new();
    let mut limit = |l: f64| -> Option<f64> {
        let q = b.quantile(l)?;
        if bca {
            if q.at_extreme {
                flags.push(format!(
                    "the BCa limit at level {l:.3} is the {} bootstrap replicate (adjusted level {:.4}): more replicates or another method may be needed",
                    if l < 0.5 { "smallest" } else { "largest" },
                    q.adjusted_level
                ));
            }
            q.bca
        } else {
            Some(q.percentile)
        }
    };
    let lower = limit((1.0 - level) / 2.0);
    let upper = limit((1.0 + level) / 2.0);
    if b.failed > 0 {
        flags.push(format!(
            "{} of {} replicates have no estimate (the MLE does not exist for them); they are left out of the quantiles",
            b.failed,
            b.replicates.len()
        ));
    }
    if bca && !b.acceleration.is_finite() {
        flags.push("the acceleration is undefined (a jackknife estimate does not exist)".into());
    }
    Interval {
        method: if bca { "bca" } else { "percentile" }.into(),
        level,
        lower,
        upper,
        flags,
    }
}
