//! Two-list estimators: Lincoln–Petersen and Chapman.
//!
//! # Formula
//! With `n₁`, `n₂` cases on the two lists and `m` on both:
//! * Lincoln–Petersen `N̂ = n₁n₂/m`, `var = n₁n₂(n₁−m)(n₂−m)/m³` (undefined for `m = 0`);
//!   it equals the two-list log-linear main-effects estimate `n + n₁₀n₀₁/n₁₁`.
//! * Chapman `N̂ = (n₁+1)(n₂+1)/(m+1) − 1`,
//!   `var = (n₁+1)(n₂+1)(n₁−m)(n₂−m) / ((m+1)²(m+2))` (Seber 1970), defined for `m = 0`.
//!
//! Intervals are Wald, `N̂ ± z·se`, with the lower limit not below `n_obs`. The
//! parametric bootstrap is not offered (neither estimator has a fitted cell model).
//!
//! # References
//! Chapman (1951), Univ. Calif. Publ. Stat. 1:131. Seber (1970), Biometrika 57:313.

use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::estimators::{
    unsupported_interval, Detail, Estimator, Interval, IntervalMethod, ModelInterval,
    PointEstimate, ReplicateEstimate, Replicates, Replicator,
};
use crate::numeric::Level;
use serde::Serialize;

/// A two-list estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwoList {
    /// `lincoln-petersen` or `chapman`.
    pub method: &'static str,
    /// Cases on list 1.
    pub n1: u64,
    /// Cases on list 2.
    pub n2: u64,
    /// Cases on both.
    pub m: u64,
    /// The estimate.
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
}

impl TwoList {
    /// Wald interval `N̂ ± z·se`, the lower limit not below the `observed` cases.
    pub fn interval(&self, observed: u64, level: Level) -> Interval {
        let z = level.z();
        Interval {
            method: IntervalMethod::Wald,
            level: level.get(),
            lower: Some((self.estimate - z * self.std_error).max(observed as f64)),
            upper: Some(self.estimate + z * self.std_error),
            flags: Vec::new(),
        }
    }
}

fn sizes(table: &CaptureTable) -> Result<(u64, u64, u64)> {
    if table.lists() != 2 {
        return Err(Error::Undefined {
            what: "a two-list estimator",
            reason: format!(
                "the table has {} lists, not 2 (merge or omit lists first)",
                table.lists()
            ),
        });
    }
    Ok((table.list_size(0), table.list_size(1), table.count(3)))
}

fn lp(n1: u64, n2: u64, m: u64) -> Result<TwoList> {
    if m == 0 {
        return Err(Error::Undefined {
            what: "the Lincoln-Petersen estimate",
            reason: "no case is on both lists; use Chapman's estimator".into(),
        });
    }
    let (a, b, c) = (n1 as f64, n2 as f64, m as f64);
    let var = a * b * (a - c) * (b - c) / (c * c * c);
    Ok(TwoList {
        method: "lincoln-petersen",
        n1,
        n2,
        m,
        estimate: a * b / c,
        std_error: var.max(0.0).sqrt(),
    })
}

fn chap(n1: u64, n2: u64, m: u64) -> TwoList {
    let (a, b, c) = (n1 as f64, n2 as f64, m as f64);
    let est = (a + 1.0) * (b + 1.0) / (c + 1.0) - 1.0;
    let var = (a + 1.0) * (b + 1.0) * (a - c) * (b - c) / ((c + 1.0) * (c + 1.0) * (c + 2.0));
    TwoList {
        method: "chapman",
        n1,
        n2,
        m,
        estimate: est,
        std_error: var.max(0.0).sqrt(),
    }
}

/// Lincoln–Petersen estimate.
///
/// # Errors
/// Not two lists, or no case on both lists.
pub fn lincoln_petersen(table: &CaptureTable) -> Result<TwoList> {
    let (n1, n2, m) = sizes(table)?;
    lp(n1, n2, m)
}

/// Chapman's nearly unbiased estimate.
///
/// # Errors
/// Not two lists.
///
/// # Example
/// ```
/// use darkfigure::{data::{parse_table, Format}, estimators::petersen::chapman};
/// let t = parse_table(b"A,B,count\n1,0,60\n0,1,40\n1,1,20\n", "x", Format::Frequency).unwrap();
/// let c = chapman(&t).unwrap();
/// assert!((c.estimate - 81.0 * 61.0 / 21.0 + 1.0).abs() < 1e-9);
/// ```
pub fn chapman(table: &CaptureTable) -> Result<TwoList> {
    let (n1, n2, m) = sizes(table)?;
    Ok(chap(n1, n2, m))
}

/// Lincoln–Petersen (`chapman: false`) or Chapman as an [`Estimator`]; Wald intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TwoListEstimator {
    /// Chapman's estimator instead of Lincoln–Petersen.
    pub chapman: bool,
}

impl TwoListEstimator {
    fn on(&self, n1: u64, n2: u64, m: u64) -> Result<TwoList> {
        if self.chapman {
            Ok(chap(n1, n2, m))
        } else {
            lp(n1, n2, m)
        }
    }
}

impl Estimator for TwoListEstimator {
    fn id(&self) -> &'static str {
        if self.chapman {
            "chapman"
        } else {
            "petersen"
        }
    }

    fn label(&self, _table: &CaptureTable) -> String {
        if self.chapman {
            "Chapman"
        } else {
            "Lincoln-Petersen"
        }
        .into()
    }

    fn estimate(&self, table: &CaptureTable) -> Result<PointEstimate> {
        let (n1, n2, m) = sizes(table)?;
        let x = self.on(n1, n2, m)?;
        Ok(PointEstimate {
            method: self.id(),
            label: self.label(table),
            observed: table.observed(),
            estimate: x.estimate,
            dark_figure: x.estimate - table.observed() as f64,
            std_error: Some(x.std_error),
            detail: Detail::TwoList(x),
        })
    }

    fn interval(
        &self,
        _table: &CaptureTable,
        point: &PointEstimate,
        method: IntervalMethod,
        level: Level,
    ) -> Result<ModelInterval> {
        match (&point.detail, method) {
            (Detail::TwoList(x), IntervalMethod::Wald) => {
                Ok(x.interval(point.observed, level).into())
            }
            _ => Err(unsupported_interval(self.id(), method)),
        }
    }

    fn replicates<'a>(
        &'a self,
        _table: &'a CaptureTable,
        _point: &PointEstimate,
    ) -> Result<Box<dyn Replicates + 'a>> {
        Ok(Box::new(*self))
    }
}

impl Replicates for TwoListEstimator {
    fn worker(&self) -> Box<dyn Replicator + '_> {
        Box::new(*self)
    }

    fn fitted_means(&self) -> Option<&[f64]> {
        None
    }
}

impl Replicator for TwoListEstimator {
    fn estimate(&mut self, counts: &[u64]) -> Result<ReplicateEstimate> {
        let (n1, n2, m) = (counts[1] + counts[3], counts[2] + counts[3], counts[3]);
        Ok(ReplicateEstimate {
            estimate: self.on(n1, n2, m).ok().map(|x| x.estimate),
            model: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loglinear::{fit, FitOptions, Model};

    #[test]
    fn petersen_equals_two_list_loglinear() {
        let t = CaptureTable::new(
            vec!["A".into(), "B".into()],
            [(1, 60), (2, 40), (3, 20)],
            "x",
        )
        .unwrap();
        let lp = lincoln_petersen(&t).unwrap();
        let f = fit(&t, &Model::main_effects(2), &FitOptions::default()).unwrap();
        assert!((lp.estimate - f.estimate).abs() < 1e-6 * lp.estimate);
        assert!((lp.estimate - 80.0 * 60.0 / 20.0).abs() < 1e-12);
    }
}
