//! The registry of methods: every [`Estimator`] the crate has, by the name the CLI's
//! `--method` and the reports use, built against a table.

use super::dga::{Dga, DgaOptions};
use super::lcmcr::{Lcmcr, LcmcrOptions};
use super::loglinear::{LoglinearOptions, ModelSpec};
use super::petersen::TwoListEstimator;
use super::rcapture::{Rcapture, RcaptureModel};
use super::Estimator;
use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::selection::SelectOptions;

/// A population-size method, as chosen before the table is known.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Method {
    /// A Poisson log-linear model: fixed, or chosen by a rule.
    Loglinear(LoglinearOptions),
    /// One of Rcapture's closed-population models (`closedp.t`).
    Rcapture(RcaptureModel),
    /// Lincoln–Petersen (two lists).
    LincolnPetersen,
    /// Chapman (two lists).
    Chapman,
    /// Manrique-Vallier's Bayesian latent-class model (LCMCR).
    Lcmcr(LcmcrOptions),
    /// Madigan and York's Bayesian model averaging over decomposable graphs (dga).
    Dga(DgaOptions),
}

impl Default for Method {
    fn default() -> Self {
        Method::Loglinear(LoglinearOptions::default())
    }
}

impl Method {
    /// Every method's name, in the order of `--help` and the report.
    pub const NAMES: [&'static str; 17] = [
        "loglinear",
        "m0",
        "mt",
        "mh-chao",
        "mh-poisson",
        "mh-darroch",
        "mh-gamma",
        "mth-chao",
        "mth-poisson",
        "mth-darroch",
        "mth-gamma",
        "mb",
        "mbh",
        "petersen",
        "chapman",
        "lcmcr",
        "dga",
    ];

    /// A log-linear method with a selection rule.
    pub fn select(opts: SelectOptions) -> Self {
        Method::Loglinear(LoglinearOptions {
            model: ModelSpec::Select(opts),
            ..LoglinearOptions::default()
        })
    }

    /// A log-linear method with a fixed model specification (`main`, `[12,3]`, `A*B`).
    pub fn model(spec: &str) -> Self {
        Method::Loglinear(LoglinearOptions {
            model: ModelSpec::Model(spec.into()),
            ..LoglinearOptions::default()
        })
    }

    /// The method's name ([`Estimator::id`]).
    pub fn id(&self) -> &'static str {
        match self {
            Method::Loglinear(_) => "loglinear",
            Method::Rcapture(m) => m.id(),
            Method::LincolnPetersen => "petersen",
            Method::Chapman => "chapman",
            Method::Lcmcr(_) => "lcmcr",
            Method::Dga(_) => "dga",
        }
    }

    /// Check the options.
    ///
    /// # Errors
    /// As [`LoglinearOptions::validate`], [`LcmcrOptions::validate`].
    pub fn validate(&self) -> Result<()> {
        match self {
            Method::Loglinear(o) => o.validate(),
            Method::Lcmcr(o) => o.validate(),
            Method::Dga(o) => o.validate(),
            _ => Ok(()),
        }
    }

    /// The method for `table`.
    ///
    /// # Errors
    /// A log-linear model specification that does not parse against the table's lists.
    pub fn build(&self, table: &CaptureTable) -> Result<Box<dyn Estimator>> {
        Ok(match self {
            Method::Loglinear(o) => Box::new(o.build(table)?),
            Method::Rcapture(m) => Box::new(Rcapture(*m)),
            Method::LincolnPetersen => Box::new(TwoListEstimator { chapman: false }),
            Method::Chapman => Box::new(TwoListEstimator { chapman: true }),
            Method::Lcmcr(o) => Box::new(Lcmcr(o.clone())),
            Method::Dga(o) => Box::new(Dga(o.clone())),
        })
    }
}

impl std::str::FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "loglinear" => Ok(Method::default()),
            "petersen" => Ok(Method::LincolnPetersen),
            "chapman" => Ok(Method::Chapman),
            "lcmcr" => Ok(Method::Lcmcr(LcmcrOptions::default())),
            "dga" => Ok(Method::Dga(DgaOptions::default())),
            _ => RcaptureModel::from_id(s)
                .map(Method::Rcapture)
                .ok_or_else(|| Error::InvalidOption {
                    name: "method",
                    value: s.into(),
                    problem: format!("expected one of {}", Self::NAMES.join(", ")),
                }),
        }
    }
}
