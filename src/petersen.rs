//! Two-list estimators: Lincoln–Petersen and Chapman.
//!
//! # Formula
//! With `n₁`, `n₂` cases on the two lists and `m` on both:
//! * Lincoln–Petersen `N̂ = n₁n₂/m`, `var = n₁n₂(n₁−m)(n₂−m)/m³` (undefined for `m = 0`);
//!   it equals the two-list log-linear main-effects estimate `n + n₁₀n₀₁/n₁₁`.
//! * Chapman `N̂ = (n₁+1)(n₂+1)/(m+1) − 1`,
//!   `var = (n₁+1)(n₂+1)(n₁−m)(n₂−m) / ((m+1)²(m+2))` (Seber 1970), defined for `m = 0`.
//!
//! Intervals are Wald, `N̂ ± z·se`, with the lower limit not below `n_obs`.
//!
//! # References
//! Chapman (1951), Univ. Calif. Publ. Stat. 1:131. Seber (1970), Biometrika 57:313.

use crate::error::{Error, Result};
use crate::interval::{check_level, qnorm, Interval};
use crate::table::CaptureTable;
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
    /// Wald interval.
    pub interval: Interval,
}

fn counts(table: &CaptureTable) -> Result<(f64, f64, f64)> {
    if table.lists() != 2 {
        return Err(Error::Undefined {
            what: "a two-list estimator",
            reason: format!("the table has {} lists, not 2", table.lists()),
        });
    }
    Ok((
        table.list_size(0) as f64,
        table.list_size(1) as f64,
        table.count(3) as f64,
    ))
}

fn finish(table: &CaptureTable, method: &'static str, est: f64, var: f64, level: f64) -> TwoList {
    let z = qnorm(0.5 + level / 2.0);
    let se = var.max(0.0).sqrt();
    let n = table.observed() as f64;
    TwoList {
        method,
        n1: table.list_size(0),
        n2: table.list_size(1),
        m: table.count(3),
        estimate: est,
        std_error: se,
        interval: Interval {
            method: method.to_string(),
            level,
            lower: Some((est - z * se).max(n)),
            upper: Some(est + z * se),
            flags: Vec::new(),
        },
    }
}

/// Lincoln–Petersen estimate.
///
/// # Errors
/// Not two lists, no case on both lists, or an invalid level.
pub fn lincoln_petersen(table: &CaptureTable, level: f64) -> Result<TwoList> {
    check_level(level)?;
    let (n1, n2, m) = counts(table)?;
    if m == 0.0 {
        return Err(Error::Undefined {
            what: "the Lincoln-Petersen estimate",
            reason: "no case is on both lists; use Chapman's estimator".into(),
        });
    }
    let var = n1 * n2 * (n1 - m) * (n2 - m) / (m * m * m);
    Ok(finish(table, "lincoln-petersen", n1 * n2 / m, var, level))
}

/// Chapman's nearly unbiased estimate.
///
/// # Errors
/// Not two lists, or an invalid level.
///
/// # Example
/// ```
/// use darkfigure::{io::{parse_table, Format}, petersen::chapman};
/// let t = parse_table(b"A,B,count\n1,0,60\n0,1,40\n1,1,20\n", "x", Format::Frequency).unwrap();
/// let c = chapman(&t, 0.95).unwrap();
/// assert!((c.estimate - 81.0 * 61.0 / 21.0 + 1.0).abs() < 1e-9);
/// ```
pub fn chapman(table: &CaptureTable, level: f64) -> Result<TwoList> {
    check_level(level)?;
    let (n1, n2, m) = counts(table)?;
    let est = (n1 + 1.0) * (n2 + 1.0) / (m + 1.0) - 1.0;
    let var = (n1 + 1.0) * (n2 + 1.0) * (n1 - m) * (n2 - m) / ((m + 1.0) * (m + 1.0) * (m + 2.0));
    Ok(finish(table, "chapman", est, var, level))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fit, FitOptions, Model};

    #[test]
    fn petersen_equals_two_list_loglinear() {
        let t = CaptureTable::new(
            vec!["A".into(), "B".into()],
            [(1, 60), (2, 40), (3, 20)],
            "x",
        )
        .unwrap();
        let lp = lincoln_petersen(&t, 0.95).unwrap();
        let f = fit(&t, &Model::main_effects(2), &FitOptions::default()).unwrap();
        assert!((lp.estimate - f.estimate).abs() < 1e-6 * lp.estimate);
        assert!((lp.estimate - 80.0 * 60.0 / 20.0).abs() < 1e-12);
    }
}
