//! Existence and identifiability of the extended MLE (SparseMSE `checkident`,
//! MultipleSystemsEstimation `check_extended_MLE`).
//!
//! # Formula
//! Remove every term with zero margin (fixed at −∞) and every cell containing one. Let `A` be
//! the 0/1 design of the remaining cells (zeros included) and terms, `m = Aᵀy` the margins.
//! * **Identifiability:** `A` must have full column rank.
//! * **Existence** (Fienberg & Rinaldo 2012, as corrected by Chan et al. 2021): maximise `s`
//!   over `x ≥ 0, s ≥ 0` subject to `Aᵀx = m` and `x_c ≥ s` for every cell. The MLE exists iff
//!   the optimum is positive (a strictly positive table with the same sufficient statistics
//!   exists). If every remaining cell has a positive count, `x = y` proves existence and no LP
//!   is solved; otherwise a Newton fit that reaches a stationary point at finite θ proves it
//!   (its fitted means are such a table, see [`super::fitter`]), and only when that fails does
//!   the LP ([`super::lp`]) decide.
//!
//! Code: `[LP optimum = 0] + 2·[rank deficient]` ∈ {0, 1, 2, 3}.
//!
//! # References
//! Fienberg & Rinaldo (2012), Ann. Statist. 40:996. Chan, Silverman & Vincent (2021).

use super::fitter::Fitter;
use super::lp::check_certified_by;
pub use super::lp::Existence;
use super::model::Model;
use crate::data::table::CaptureTable;
use crate::error::{Error, Result};

/// Check `model` on `table`.
///
/// # Errors
/// [`Error::Lp`] if the LP solver fails; [`Error::ModelSyntax`] if the model has another
/// number of lists; [`Error::ModelTooLarge`] beyond [`Model::MAX_PARAMETERS`] parameters.
///
/// # Example
/// ```
/// use darkfigure::{datasets, loglinear::check, Model};
/// let a3 = datasets::artificial_3();
/// let all_pairs = Model::all_of_order(3, 2);
/// assert_eq!(check(&a3, &all_pairs).unwrap().code, 2);
/// ```
pub fn check(table: &CaptureTable, model: &Model) -> Result<Existence> {
    if model.lists() != table.lists() {
        return Err(Error::ModelSyntax {
            spec: model.label(table.names()),
            problem: format!(
                "model is for {} lists, the table has {}",
                model.lists(),
                table.lists()
            ),
        });
    }
    model.check_size(table.names())?;
    check_counts(table.lists(), table.counts(), model.terms())
}

/// Check a model given by its terms against counts indexed by bitmask: the fit certificate
/// first, the LP when it fails (module docs).
pub(crate) fn check_counts(t: usize, counts: &[u64], terms: &[u32]) -> Result<Existence> {
    check_certified_by(t, counts, terms, &mut || {
        Fitter::new(t, counts).certified_fit(terms)
    })
}
