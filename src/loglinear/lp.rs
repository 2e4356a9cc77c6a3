//! The Fienberg–Rinaldo linear program and the rank test: existence and identifiability of
//! the extended MLE (SparseMSE `checkident`, MultipleSystemsEstimation `check_extended_MLE`)
//! decided without fitting. [`super::existence`] puts the fit certificate in front of it.
//!
//! # Formula
//! Remove every term with zero margin (fixed at −∞) and every cell containing one. Let `A` be
//! the 0/1 design of the remaining cells (zeros included) and terms, `m = Aᵀy` the margins.
//! * **Identifiability:** `A` must have full column rank.
//! * **Existence** (Fienberg & Rinaldo 2012, as corrected by Chan et al. 2021): maximise `s`
//!   over `x ≥ 0, s ≥ 0` subject to `Aᵀx = m` and `x_c ≥ s` for every cell. The MLE exists iff
//!   the optimum is positive (a strictly positive table with the same sufficient statistics
//!   exists). If every remaining cell has a positive count, `x = y` proves existence and no LP
//!   is solved.
//!
//! Code: `[LP optimum = 0] + 2·[rank deficient]` ∈ {0, 1, 2, 3}.
//!
//! # References
//! Fienberg & Rinaldo (2012), Ann. Statist. 40:996. Chan, Silverman & Vincent (2021).

use super::irls::{infinite_terms, mark_kept};
use crate::data::table::superset_sums;
use crate::error::{Error, Result};
use crate::numeric::linalg;
use microlp::{ComparisonOp, OptimizationDirection, Problem};
use serde::Serialize;

/// LP optima (on counts normalised to total 1) at or below this count as zero. The LP
/// solver's own feasibility tolerance is ~1e-9 relative, and optima that are exactly 0 come
/// back as values up to ~4e-8 (found by `tests/properties.rs`), so the LP alone cannot
/// separate "0" from "tiny"; identifiable models are therefore decided by the fit certificate
/// first (see [`check_counts`]) and the LP threshold only matters when that fails.
const LP_ZERO: f64 = 1e-6;
/// Wall-clock budget of one LP solve. The LPs here have at most a few thousand variables and
/// take milliseconds; the budget only stops a degenerate problem on which the simplex stalls,
/// which is then an [`Error::Lp`] naming the budget instead of a hang. (A feasible point
/// with `s > 0` found before the budget runs out still proves existence.)
pub(crate) const LP_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);
/// Relative pivot tolerance of the rank test on `AᵀA`.
const RANK_TOL: f64 = 1e-10;

/// Outcome of the existence and identifiability check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Existence {
    /// SparseMSE's code: 0 ok, 1 MLE does not exist, 2 not identifiable, 3 both.
    pub code: u8,
    /// The (extended) MLE exists: every fitted mean of a kept cell is positive.
    pub finite: bool,
    /// The reduced design has full column rank.
    pub identifiable: bool,
    /// Rank of the reduced design.
    pub rank: usize,
    /// Finite parameters (terms not fixed at −∞), intercept included.
    pub parameters: usize,
    /// LP optimum on counts scaled to total 1; `None` when no LP was needed.
    pub lp_optimum: Option<f64>,
    /// Terms with zero margin, fixed at −∞.
    pub infinite_terms: Vec<u32>,
}

impl Existence {
    /// `Ok(())` for code 0, else the matching error.
    ///
    /// # Errors
    /// [`Error::NotIdentifiable`] (codes 2, 3) or [`Error::MleDoesNotExist`] (code 1).
    pub fn require(&self, model: &str) -> Result<()> {
        if !self.identifiable {
            Err(Error::NotIdentifiable {
                model: model.to_string(),
                code: self.code,
                rank: self.rank,
                parameters: self.parameters,
            })
        } else if !self.finite {
            Err(Error::MleDoesNotExist {
                model: model.to_string(),
                code: self.code,
            })
        } else {
            Ok(())
        }
    }
}

/// Check a model given by its terms against counts indexed by bitmask, with the LP deciding
/// existence whenever a kept cell has a zero count.
pub(crate) fn check_uncertified(t: usize, counts: &[u64], terms: &[u32]) -> Result<Existence> {
    check_certified_by(t, counts, terms, &mut || false)
}

/// Whether the reduced design (terms with zero margin and their cells removed) has full
/// column rank — the identifiability half of the check, without the LP.
pub(crate) fn identifiable(t: usize, counts: &[u64], terms: &[u32]) -> bool {
    let r = Reduced::new(t, counts, terms);
    design_rank(t, &r.kept, &r.finite) == r.finite.len()
}

/// A model reduced for the extended MLE: margins, terms fixed at −∞, finite terms, and the
/// cells kept (those containing no −∞ term).
struct Reduced {
    margins: Vec<u64>,
    inf: Vec<u32>,
    finite: Vec<u32>,
    kept: Vec<bool>,
}

impl Reduced {
    fn new(t: usize, counts: &[u64], terms: &[u32]) -> Self {
        let mut margins = counts.to_vec();
        margins[0] = 0;
        superset_sums(&mut margins, t);
        let inf = infinite_terms(&margins, terms);
        let finite: Vec<u32> = terms.iter().copied().filter(|s| !inf.contains(s)).collect();
        let mut kept = vec![false; counts.len()];
        mark_kept(&mut kept, t, &inf, false);
        Self {
            margins,
            inf,
            finite,
            kept,
        }
    }
}

/// Rank of the 0/1 design of `finite` terms on `kept` cells, via its Gram matrix
/// `G_ab = #{kept cells ⊇ S_a ∪ S_b}`.
fn design_rank(t: usize, kept: &[bool], finite: &[u32]) -> usize {
    let mut k: Vec<f64> = kept.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();
    superset_sums(&mut k, t);
    let p = finite.len();
    let mut g = vec![0.0; p * p];
    for a in 0..p {
        for b in 0..p {
            g[a * p + b] = k[(finite[a] | finite[b]) as usize];
        }
    }
    linalg::gram_rank(&g, p, RANK_TOL)
}

/// The check, where `certified()` may prove existence without the LP for an identifiable
/// model with zero cells among the kept cells (a converged fit is such a proof; see
/// [`super::existence`]). It is called only then.
pub(crate) fn check_certified_by(
    t: usize,
    counts: &[u64],
    terms: &[u32],
    certified: &mut dyn FnMut() -> bool,
) -> Result<Existence> {
    if terms.len() > crate::loglinear::model::Model::MAX_PARAMETERS {
        let p = terms.len();
        return Err(Error::ModelTooLarge {
            model: format!("with {p} terms"),
            parameters: p,
            limit: crate::loglinear::model::Model::MAX_PARAMETERS,
            bytes: (p as u128) * (p as u128) * 8,
        });
    }
    let Reduced {
        margins,
        inf,
        finite,
        kept,
    } = Reduced::new(t, counts, terms);

    let p = finite.len();
    let rank = design_rank(t, &kept, &finite);
    let identifiable = rank == p;

    let zero_kept = (1..counts.len()).any(|h| kept[h] && counts[h] == 0);
    let certified = zero_kept && identifiable && certified();
    let (finite_mle, lp_optimum) = if zero_kept && !certified {
        let s = fr_lp(counts, &kept, &finite, &margins)?;
        (s > LP_ZERO, Some(s))
    } else {
        (true, None)
    };
    Ok(Existence {
        code: u8::from(!finite_mle) + 2 * u8::from(!identifiable),
        finite: finite_mle,
        identifiable,
        rank,
        parameters: p,
        lp_optimum,
        infinite_terms: inf,
    })
}

/// Fienberg–Rinaldo LP: max s s.t. Aᵀx = m/N, x_c ≥ s, x ≥ 0.
fn fr_lp(counts: &[u64], kept: &[bool], finite: &[u32], margins: &[u64]) -> Result<f64> {
    let total = margins[0] as f64;
    let mut lp = Problem::new(OptimizationDirection::Maximize);
    let s = lp.add_var(1.0, (0.0, f64::INFINITY));
    let cells: Vec<usize> = (1..counts.len()).filter(|&h| kept[h]).collect();
    let x: Vec<_> = cells
        .iter()
        .map(|_| lp.add_var(0.0, (0.0, f64::INFINITY)))
        .collect();
    for &term in finite {
        let expr: Vec<_> = cells
            .iter()
            .zip(&x)
            .filter(|(&h, _)| (h as u32) & term == term)
            .map(|(_, &v)| (v, 1.0))
            .collect();
        lp.add_constraint(
            expr.as_slice(),
            ComparisonOp::Eq,
            margins[term as usize] as f64 / total,
        );
    }
    for &v in &x {
        lp.add_constraint([(v, 1.0), (s, -1.0)].as_slice(), ComparisonOp::Ge, 0.0);
    }
    lp.set_time_limit(LP_TIME_LIMIT);
    let stalled = || {
        Error::Lp(format!(
            "the solver did not finish within {} s ({} cells, {} terms); the table is too sparse for the existence check of this model",
            LP_TIME_LIMIT.as_secs(),
            cells.len(),
            finite.len()
        ))
    };
    match lp.solve() {
        Ok(microlp::SolveOutcome::Solution(sol)) => match sol.status() {
            microlp::SolutionStatus::Optimal => Ok(sol.objective().max(0.0)),
            // Interrupted with a feasible point: positive s proves existence; otherwise
            // nothing is known.
            _ if sol.objective() > LP_ZERO => Ok(sol.objective()),
            _ => Err(stalled()),
        },
        Ok(microlp::SolveOutcome::Interrupted(_)) => Err(stalled()),
        Err(e) => Err(Error::Lp(e.to_string())),
    }
}
