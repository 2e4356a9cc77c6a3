//! Descriptive summary of a capture table: what an analyst checks before fitting anything.

use super::table::CaptureTable;
use super::table::{pairs, term_label};
use serde::Serialize;

/// One list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListSummary {
    /// Name.
    pub name: String,
    /// Cases on the list.
    pub size: u64,
    /// Cases on this list and no other.
    pub only_here: u64,
}

/// One pair of lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overlap {
    /// `A:B`.
    pub pair: String,
    /// Cases on both.
    pub cases: u64,
}

/// The summary (`darkfigure summary`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Observed cases.
    pub observed: u64,
    /// Lists and their sizes.
    pub lists: Vec<ListSummary>,
    /// Every pair's overlap.
    pub overlaps: Vec<Overlap>,
    /// Pairs with no case in common: their interaction is fixed at −∞ in any model that
    /// includes it (extended MLE).
    pub empty_overlaps: Vec<String>,
    /// Histories with at least one case.
    pub histories_observed: usize,
    /// Possible histories `2^t − 1`.
    pub histories_possible: u64,
    /// Cases seen on exactly one list.
    pub seen_once: u64,
    /// Observed histories by number of lists (`[k−1]` = histories on exactly k lists).
    pub cases_by_number_of_lists: Vec<u64>,
    /// Warnings (fewer than 3 lists, empty list, a list containing every case, identical
    /// lists, no overlaps at all, …).
    pub warnings: Vec<String>,
}

/// Summarise a table.
///
/// # Example
/// ```
/// let s = darkfigure::data::summarize(&darkfigure::datasets::western());
/// assert_eq!(s.empty_overlaps, ["A:B", "B:E"]);
/// ```
pub fn summarize(table: &CaptureTable) -> Summary {
    let t = table.lists();
    let names = table.names();
    let n = table.observed();
    let lists: Vec<ListSummary> = (0..t)
        .map(|i| ListSummary {
            name: names[i].clone(),
            size: table.list_size(i),
            only_here: table.count(1 << i),
        })
        .collect();
    let margins = table.margins();
    let pairs = pairs(t);
    let overlaps: Vec<Overlap> = pairs
        .iter()
        .map(|&s| Overlap {
            pair: term_label(s, names, ":"),
            cases: margins[s as usize],
        })
        .collect();
    let empty_overlaps: Vec<String> = overlaps
        .iter()
        .filter(|o| o.cases == 0)
        .map(|o| o.pair.clone())
        .collect();
    let mut by_k = vec![0u64; t];
    for (h, &c) in table.counts().iter().enumerate().skip(1) {
        by_k[(h as u32).count_ones() as usize - 1] += c;
    }
    let mut warnings = Vec::new();
    if t < 3 {
        warnings.push(format!(
            "only {t} lists: the two-list estimate assumes the lists are independent, which cannot be checked; use Chapman's estimator and treat it with caution"
        ));
    }
    if let Ok((_, dropped)) = table.drop_non_informative() {
        for d in dropped {
            warnings.push(format!("list {}: {}", d.name, d.reason));
        }
    }
    if by_k[0] == n {
        warnings.push("no case is on more than one list: the lists do not overlap, so the data say nothing about the dark figure".into());
    }
    if !empty_overlaps.is_empty() {
        warnings.push(format!(
            "{} of {} pairs of lists never overlap ({}); models with those interactions fix them at -inf (extended MLE), and some models may have no estimate",
            empty_overlaps.len(),
            pairs.len(),
            empty_overlaps.join(", ")
        ));
    }
    let observed_hist = table.observed_cells().len();
    if t >= 4 && (observed_hist as f64) < 0.25 * ((1u64 << t) - 1) as f64 {
        warnings.push(format!(
            "sparse table: {observed_hist} of {} possible histories observed; expect existence problems for larger models",
            (1u64 << t) - 1
        ));
    }
    Summary {
        observed: n,
        lists,
        overlaps,
        empty_overlaps,
        histories_observed: observed_hist,
        histories_possible: (1u64 << t) - 1,
        seen_once: by_k[0],
        cases_by_number_of_lists: by_k,
        warnings,
    }
}
