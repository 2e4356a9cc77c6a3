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
}

impl std::str::FromStr for IntervalMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "wald" => Ok(Self::Wald),
            "profile" => Ok(Self::Profile),
            _ => Err(Error::InvalidOption {
                name: "interval",
                value: s.into(),
                problem: "expected wald or profile".into(),
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

    /// The interval method in force: the one set, else profile for AIC-stepwise, else Wald.
    pub fn interval_method(&self) -> IntervalMethod {
        self.interval.unwrap_or(match self.select {
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
    estimate_model(table, &model, opts)
}

/// [`estimate`] with an already parsed model.
///
/// # Errors
/// As [`estimate`].
pub fn estimate_model(
    table: &CaptureTable,
    model: &Model,
    opts: &EstimateOptions,
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
    };
    Ok(Estimate {
        model: model.clone(),
        existence,
        estimate: fit.estimate,
        fit,
        interval,
        profile,
    })
}
