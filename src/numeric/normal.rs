//! The standard normal distribution and the coverage level of an interval.

use crate::error::{Error, Result};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// `Φ⁻¹(p)` of the standard normal; `NaN` outside `[0, 1]` (e.g. the fraction of an empty
/// sample) instead of a panic.
pub fn qnorm(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    Normal::standard().inverse_cdf(p)
}

/// `Φ(x)` of the standard normal.
pub fn pnorm(x: f64) -> f64 {
    Normal::standard().cdf(x)
}

/// The coverage level of an interval: a number strictly between 0 and 1, checked once when
/// it is made, so that code taking a `Level` never sees an invalid one.
///
/// # Example
/// ```
/// use darkfigure::numeric::Level;
/// let l = Level::new(0.95).unwrap();
/// assert_eq!(l.get(), 0.95);
/// assert!((l.z() - 1.959964).abs() < 1e-6);
/// assert!(Level::new(1.0).is_err() && Level::new(f64::NAN).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Level(f64);

impl Level {
    /// The usual 95%.
    pub const NINETY_FIVE: Level = Level(0.95);

    /// A level.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] (named `level`) unless `0 < level < 1`.
    pub fn new(level: f64) -> Result<Self> {
        Self::named(level, "level")
    }

    /// A level checked under another option name (e.g. a bootstrap quantile level).
    ///
    /// # Errors
    /// [`Error::InvalidOption`] named `name` unless `0 < level < 1`.
    pub fn named(level: f64, name: &'static str) -> Result<Self> {
        if level > 0.0 && level < 1.0 {
            Ok(Self(level))
        } else {
            Err(Error::InvalidOption {
                name,
                value: level.to_string(),
                problem: "must be strictly between 0 and 1 (e.g. 0.95)".into(),
            })
        }
    }

    /// The level as a number.
    pub fn get(self) -> f64 {
        self.0
    }

    /// The two-sided normal quantile `z_{(1 + level)/2}`.
    pub fn z(self) -> f64 {
        qnorm(0.5 + self.0 / 2.0)
    }

    /// The tail probabilities `((1 − level)/2, (1 + level)/2)` of an equal-tailed interval.
    pub fn tails(self) -> (f64, f64) {
        ((1.0 - self.0) / 2.0, (1.0 + self.0) / 2.0)
    }
}

impl Default for Level {
    fn default() -> Self {
        Self::NINETY_FIVE
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
