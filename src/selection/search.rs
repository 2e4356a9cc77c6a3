//! Exhaustive search over all hierarchical models (BIC / AIC ranking).
//!
//! Every hierarchical model that contains all main effects, has interactions of order at most
//! `max_order`, and is not saturated, is enumerated by a depth-first walk that decides the
//! candidate terms in order of increasing size: a term may enter only if all its one-smaller
//! subsets are in, so each leaf is one model and no catalogue is stored. Counts: 3 lists 8,
//! 4 lists 113, 5 lists 6,893, 6 lists 7,785,061 (32,768 with order ≤ 2).
//!
//! Each model is fitted with the extended MLE and checked (the fit certifies existence when
//! it can, otherwise the Fienberg–Rinaldo LP decides; see `crate::loglinear::fitter`). Models failing
//! the check are counted and excluded from the ranking, as in MultipleSystemsEstimation.
//! `BIC = −2ℓ + p log n_obs` and `AIC = −2ℓ + 2p` count −∞ terms in `p`.
//!
//! The walk is split into a fixed set of subtrees (independent of the number of threads)
//! processed in parallel with rayon; each keeps only its best `top` models, so memory stays
//! bounded, and the merged ranking is identical for any number of threads. Ties in the
//! criterion are broken by the model's terms (smaller term list first).

use crate::data::table::CaptureTable;
use crate::error::{Error, Result};
use crate::loglinear::fitter::{no_cache, Fitter};
use crate::loglinear::{Criterion, Model};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BinaryHeap;

/// Options of [`search`].
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    /// Largest interaction order (default: all orders, the saturated model excluded).
    pub max_order: Option<usize>,
    /// Ranking criterion.
    pub criterion: Criterion,
    /// Keep only the best `top` models (default: all).
    pub top: Option<usize>,
    /// Refuse spaces with more models than this (default 10,000,000).
    pub limit: u64,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            max_order: None,
            criterion: Criterion::Bic,
            top: None,
            limit: 10_000_000,
        }
    }
}

impl SearchOptions {
    /// Check the options.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for `top = 0`, `limit = 0` or `max_order = 0`.
    pub fn validate(&self) -> Result<()> {
        if self.top == Some(0) {
            return Err(Error::InvalidOption {
                name: "top",
                value: "0".into(),
                problem: "keep at least one model".into(),
            });
        }
        if self.limit == 0 {
            return Err(Error::InvalidOption {
                name: "limit",
                value: "0".into(),
                problem: "examine at least one model".into(),
            });
        }
        if self.max_order == Some(0) {
            return Err(Error::InvalidOption {
                name: "max-order",
                value: "0".into(),
                problem: "the smallest order is 1 (main effects)".into(),
            });
        }
        Ok(())
    }
}

/// One model of the ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedModel {
    /// Terms (sorted, intercept first).
    #[serde(skip)]
    pub terms: Vec<u32>,
    /// Existence code (always 0 in the ranking).
    pub code: u8,
    /// Residual deviance.
    pub deviance: f64,
    /// Kept cells − finite parameters.
    pub df: i64,
    /// AIC.
    pub aic: f64,
    /// BIC.
    pub bic: f64,
    /// Population estimate.
    pub estimate: f64,
    /// Parameters including −∞ terms.
    pub parameters: usize,
    /// Number of terms fixed at −∞.
    pub infinite: usize,
}

impl RankedModel {
    fn key(&self, c: Criterion) -> f64 {
        match c {
            Criterion::Bic => self.bic,
            Criterion::Aic => self.aic,
        }
    }

    /// The model.
    pub fn model(&self, lists: usize) -> Model {
        Model::from_terms(lists, self.terms.iter().copied())
    }
}

/// The ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    /// Criterion used.
    pub criterion: Criterion,
    /// Models in ranking order (best first); at most `top`.
    pub models: Vec<RankedModel>,
    /// Number of models examined.
    pub examined: u64,
    /// Models excluded because the MLE does not exist or is not identifiable.
    pub excluded: u64,
    /// How many needed the LP (the fit could not certify existence).
    pub lp_checks: u64,
    /// Distinct fits computed (models sharing finite and minimal infinite terms share a fit).
    pub distinct_fits: u64,
    /// Models decided by a fit and, where it could not certify existence, the LP; the other
    /// `lp_checks` followed from a failing submodel. (Which models those are may depend on
    /// the order in which threads meet them; the ranking does not.)
    pub evaluated: u64,
}

/// Candidate interaction terms for `t` lists up to `max_order` (saturated excluded), by size
/// then mask.
fn candidates(t: usize, max_order: usize) -> Vec<u32> {
    let full = (1u32 << t) - 1;
    let mut c: Vec<u32> = (1..=full)
        .filter(|s| {
            let k = s.count_ones() as usize;
            k >= 2 && k <= max_order && *s != full
        })
        .collect();
    c.sort_by_key(|&s| (s.count_ones(), s));
    c
}

/// Whether every one-smaller subset of `s` (of size ≥ 2) is in `model` (a sorted list of the
/// included interaction terms is kept as a bitset over candidate indices by the walker; here
/// the check is done through a membership closure).
fn can_enter(s: u32, has: impl Fn(u32) -> bool) -> bool {
    if s.count_ones() <= 2 {
        return true;
    }
    let mut bits = s;
    while bits != 0 {
        let b = bits & bits.wrapping_neg();
        bits ^= b;
        if !has(s ^ b) {
            return false;
        }
    }
    true
}

/// Depth-first walker over down-sets.
struct Walker<'a> {
    cands: &'a [u32],
    /// Membership of each possible term (indexed by mask).
    member: Vec<bool>,
    chosen: Vec<u32>,
    /// Chosen candidates as a bitset over candidate indices.
    bits: u128,
}

impl<'a> Walker<'a> {
    fn new(t: usize, cands: &'a [u32]) -> Self {
        Self {
            cands,
            member: vec![false; 1 << t],
            chosen: Vec::new(),
            bits: 0,
        }
    }

    /// Visit every down-set extending the current choice from candidate `idx`; `emit` gets the
    /// chosen interaction terms (in candidate order) and their bitset, and returns `false` to
    /// stop the walk.
    fn walk(&mut self, idx: usize, emit: &mut dyn FnMut(&[u32], u128) -> bool) -> bool {
        let mut i = idx;
        // Skip terms that cannot enter (forced exclusions do not branch).
        while i < self.cands.len() && !can_enter(self.cands[i], |x| self.member[x as usize]) {
            i += 1;
        }
        if i == self.cands.len() {
            return emit(&self.chosen, self.bits);
        }
        let s = self.cands[i];
        // Exclude first, then include.
        if !self.walk(i + 1, emit) {
            return false;
        }
        self.member[s as usize] = true;
        self.chosen.push(s);
        self.bits |= 1u128 << i;
        let go = self.walk(i + 1, emit);
        self.bits &= !(1u128 << i);
        self.chosen.pop();
        self.member[s as usize] = false;
        go
    }

    /// Collect the partial states after the first `depth` branching decisions.
    fn prefixes(&mut self, idx: usize, depth: usize, out: &mut Vec<(usize, Vec<u32>, u128)>) {
        let mut i = idx;
        while i < self.cands.len() && !can_enter(self.cands[i], |x| self.member[x as usize]) {
            i += 1;
        }
        if depth == 0 || i == self.cands.len() {
            out.push((i, self.chosen.clone(), self.bits));
            return;
        }
        let s = self.cands[i];
        self.prefixes(i + 1, depth - 1, out);
        self.member[s as usize] = true;
        self.chosen.push(s);
        self.bits |= 1u128 << i;
        self.prefixes(i + 1, depth - 1, out);
        self.bits &= !(1u128 << i);
        self.chosen.pop();
        self.member[s as usize] = false;
    }
}

/// Number of hierarchical models of `t` lists with order ≤ `max_order` (saturated
/// excluded), or `None` if it exceeds `limit`.
pub fn count_models(t: usize, max_order: usize, limit: u64) -> Option<u64> {
    if max_order <= 2 {
        let pairs = (t * t.saturating_sub(1) / 2) as u32;
        let n = if max_order < 2 {
            1
        } else {
            1u64.checked_shl(pairs)?
        };
        // The all-pairs model of 2 lists... is saturated for t = 2.
        let n = if t == 2 && max_order >= 2 { 1 } else { n };
        return (n <= limit).then_some(n);
    }
    let cands = candidates(t, max_order.min(t));
    let mut w = Walker::new(t, &cands);
    let mut n = 0u64;
    let ok = w.walk(0, &mut |_, _| {
        n += 1;
        n <= limit
    });
    ok.then_some(n)
}

fn default_order(t: usize, opts: &SearchOptions) -> usize {
    opts.max_order.unwrap_or(t).min(t)
}

#[derive(PartialEq)]
struct Entry(f64, Vec<u32>, RankedModel);
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0).then_with(|| self.1.cmp(&o.1))
    }
}

struct Partial {
    heap: BinaryHeap<Entry>,
    examined: u64,
    excluded: u64,
    lp: u64,
}

/// `2^k` as text: exact below `2^128`, in scientific notation beyond (`2^190 ≈ 1.57e57`).
fn pow2_text(k: usize) -> String {
    if k < 128 {
        format!("2^{k} = {}", 1u128 << k)
    } else {
        format!("2^{k} ≈ {:.2e}", 2f64.powi(k as i32))
    }
}

/// Rank all hierarchical models of `table` (see the module docs).
///
/// # Errors
/// [`Error::ModelSpaceTooLarge`] when the space exceeds `opts.limit`; [`Error::Lp`].
///
/// # Example
/// ```
/// use darkfigure::{datasets, selection::{search, SearchOptions}};
/// let r = search(&datasets::korea(), &SearchOptions::default()).unwrap();
/// assert_eq!(r.examined, 8);
/// assert_eq!(r.models[0].model(3).notation().unwrap(), "[12,23]");
/// ```
pub fn search(table: &CaptureTable, opts: &SearchOptions) -> Result<SearchResult> {
    search_with_progress(table, opts, &|_| {})
}

/// [`search`] with a progress callback receiving the number of subtrees finished out of the
/// total (called from worker threads).
///
/// # Errors
/// As [`search`].
pub fn search_with_progress(
    table: &CaptureTable,
    opts: &SearchOptions,
    progress: &(dyn Fn((usize, usize)) + Sync),
) -> Result<SearchResult> {
    opts.validate()?;
    let t = table.lists();
    let order = default_order(t, opts);
    let cands = candidates(t, order);
    if cands.len() > 128 || count_models(t, order, opts.limit).is_none() {
        let count = if order == 2 {
            pow2_text(t * (t - 1) / 2)
        } else {
            format!("over {}", opts.limit)
        };
        // Orders ≥ 3 contain every order-2 model, so they are out of reach when order 2 is.
        let top_k = if count_models(t, 2, opts.limit).is_some() {
            order - 1
        } else {
            1
        };
        let suggestion = (1..=top_k.min(order.saturating_sub(1)))
            .rev()
            .find_map(|k| count_models(t, k, opts.limit).map(|n| (k, n)))
            .map_or_else(
                || "raise `limit`".to_string(),
                |(k, n)| {
                    let models = if n == 1 { "model" } else { "models" };
                    format!("use a lower `max_order` ({k}: {n} {models}), a larger `limit`, or stepwise selection")
                },
            );
        return Err(Error::ModelSpaceTooLarge {
            lists: t,
            max_order: order,
            count,
            limit: opts.limit,
            suggestion,
        });
    }
    // The fit of a model depends only on its finite terms and on its *minimal* infinite terms
    // (which decide the cells removed); models differing only in other infinite terms share
    // the fit and differ only in the parameter count. `relevant` selects those candidates.
    let margins = table.margins();
    let relevant: u128 = cands
        .iter()
        .enumerate()
        .filter(|&(_, &s)| {
            margins[s as usize] > 0 || {
                let mut sub = s;
                let mut minimal = true;
                while sub != 0 {
                    let b = sub & sub.wrapping_neg();
                    sub ^= b;
                    minimal &= margins[(s ^ b) as usize] > 0;
                }
                minimal
            }
        })
        .fold(0u128, |acc, (i, _)| acc | 1u128 << i);
    // Candidates with a positive margin (finite terms); the rest of `relevant` are the
    // minimal zero-margin terms, which decide the cells kept.
    let positive: u128 = cands
        .iter()
        .enumerate()
        .filter(|&(_, &s)| margins[s as usize] > 0)
        .fold(0u128, |acc, (i, _)| acc | 1u128 << i);
    let failures = Failures::default();
    let evaluated = std::sync::atomic::AtomicU64::new(0);
    let cache = Cache::new();
    let mut prefixes = Vec::new();
    Walker::new(t, &cands).prefixes(0, 8, &mut prefixes);
    let total = prefixes.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let top = opts.top.unwrap_or(usize::MAX);
    let crit = opts.criterion;
    let n_obs = table.observed() as f64;
    let base = 1 + t;
    let parts: Vec<Result<Partial>> = prefixes
        .par_iter()
        .map_init(
            || (Fitter::new(t, table.counts()), Vec::new()),
            |(f, terms), (idx, chosen, bits)| {
                let mut w = Walker::new(t, &cands);
                for &s in chosen {
                    w.member[s as usize] = true;
                }
                w.chosen = chosen.clone();
                w.bits = *bits;
                let mut part = Partial {
                    heap: BinaryHeap::new(),
                    examined: 0,
                    excluded: 0,
                    lp: 0,
                };
                let mut err = None;
                w.walk(*idx, &mut |inter, bits| {
                    part.examined += 1;
                    let key = bits & relevant;
                    let outcome = match cache.get(key) {
                        Some(o) => o,
                        // A supermodel of a failing model with the same cells kept fails.
                        None if failures.implied(key & !positive, key & positive) => {
                            let o = Outcome {
                                fit: None,
                                full_check: true,
                                code: 1,
                            };
                            part.lp += 1;
                            o
                        }
                        None => {
                            terms.clear();
                            terms.push(0);
                            terms.extend((0..t).map(|i| 1u32 << i));
                            terms.extend_from_slice(inter);
                            evaluated.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            match evaluate(f, terms) {
                                Ok(o) => {
                                    part.lp += u64::from(o.full_check);
                                    if o.code != 0 {
                                        failures.add(key & !positive, key & positive);
                                    }
                                    cache.insert(key, o);
                                    o
                                }
                                Err(e) => {
                                    err = Some(e);
                                    return false;
                                }
                            }
                        }
                    };
                    let Some(q) = outcome.fit else {
                        part.excluded += 1;
                        return true;
                    };
                    let parameters = base + inter.len();
                    let rm = RankedModel {
                        terms: Vec::new(),
                        code: 0,
                        deviance: q.deviance,
                        df: q.df,
                        aic: Criterion::Aic.value(q.loglik, parameters, n_obs),
                        bic: Criterion::Bic.value(q.loglik, parameters, n_obs),
                        estimate: q.estimate,
                        parameters,
                        infinite: parameters - q.finite,
                    };
                    let k = rm.key(crit);
                    if part.heap.len() >= top && k > part.heap.peek().expect("non-empty").0 {
                        return true;
                    }
                    let mut full = Vec::with_capacity(base + inter.len());
                    full.push(0);
                    full.extend((0..t).map(|i| 1u32 << i));
                    full.extend_from_slice(inter);
                    let e = Entry(k, full.clone(), RankedModel { terms: full, ..rm });
                    if part.heap.len() < top {
                        part.heap.push(e);
                    } else if e < *part.heap.peek().expect("non-empty") {
                        part.heap.pop();
                        part.heap.push(e);
                    }
                    true
                });
                let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress((d, total));
                match err {
                    Some(e) => Err(e),
                    None => Ok(part),
                }
            },
        )
        .collect();
    let mut all = Vec::new();
    let (mut examined, mut excluded, mut lp) = (0, 0, 0);
    for p in parts {
        let p = p?;
        examined += p.examined;
        excluded += p.excluded;
        lp += p.lp;
        all.extend(p.heap.into_vec());
    }
    all.sort();
    all.truncate(top);
    Ok(SearchResult {
        criterion: crit,
        models: all.into_iter().map(|e| e.2).collect(),
        examined,
        excluded,
        lp_checks: lp,
        distinct_fits: cache.len() as u64,
        evaluated: evaluated.into_inner(),
    })
}

/// A fitted outcome shared by every model with the same finite and minimal infinite terms.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Outcome {
    fit: Option<Shared>,
    /// The fit could not certify existence: the full check (LP) was needed — or the outcome
    /// followed from a failing submodel ([`Failures`]), counted alike so that the count does
    /// not depend on which thread found what first.
    full_check: bool,
    /// Existence code (0 when the model passes).
    code: u8,
}

/// Models that failed the existence check, by their minimal zero-margin terms (which decide
/// the cells kept) and their finite terms (bitsets over the candidates).
///
/// Failure is monotone over the model lattice (`PERFORMANCE-NOTES.md`): among models that
/// keep the same cells, if the design of `M` is rank deficient so is that of every supermodel,
/// and if no strictly positive table has `M`'s margins, none has the margins of a supermodel
/// (they include `M`'s). So a model whose finite terms contain those of a failing model with
/// the same minimal zero-margin terms fails too, without a fit or an LP. On sparse tables,
/// where most of millions of models need the LP, this leaves the LP to the minimal failing
/// models: a six-list table of 30 cases in 20 cells, order 3, went from over 900 s to
/// seconds.
#[derive(Default)]
struct Failures {
    by_zero_terms: std::sync::RwLock<std::collections::HashMap<u128, Vec<u128>>>,
}

impl Failures {
    fn implied(&self, zero: u128, finite: u128) -> bool {
        self.by_zero_terms
            .read()
            .expect("no panics while locked")
            .get(&zero)
            .is_some_and(|v| v.iter().any(|&f| f & !finite == 0))
    }

    fn add(&self, zero: u128, finite: u128) {
        let mut map = self.by_zero_terms.write().expect("no panics while locked");
        let v = map.entry(zero).or_default();
        // Keep only the minimal failing sets.
        if v.iter().any(|&f| f & !finite == 0) {
            return;
        }
        v.retain(|&f| finite & !f != 0);
        v.push(finite);
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Shared {
    estimate: f64,
    deviance: f64,
    loglik: f64,
    df: i64,
    finite: usize,
}

/// Fit from R's start (so the result is a function of the model alone, whatever thread
/// computes it) and check existence.
fn evaluate(f: &mut Fitter, terms: &[u32]) -> Result<Outcome> {
    let a = f.assess(terms, None, &mut no_cache)?;
    Ok(Outcome {
        full_check: a.full_check,
        code: a.code,
        fit: a.fit.map(|q| {
            let finite = f.coefficients().0.len();
            Shared {
                estimate: q.estimate,
                deviance: q.deviance,
                loglik: q.loglik,
                df: kept_cells(f) as i64 - finite as i64,
                finite,
            }
        }),
    })
}

/// A sharded concurrent map from model keys to outcomes.
struct Cache {
    shards: Vec<std::sync::Mutex<std::collections::HashMap<u128, Outcome>>>,
}

impl Cache {
    const SHARDS: usize = 64;

    fn new() -> Self {
        Self {
            shards: (0..Self::SHARDS).map(|_| Default::default()).collect(),
        }
    }

    fn shard(&self, key: u128) -> &std::sync::Mutex<std::collections::HashMap<u128, Outcome>> {
        let h = (key ^ (key >> 64)) as u64;
        let h = h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58;
        &self.shards[h as usize % Self::SHARDS]
    }

    fn get(&self, key: u128) -> Option<Outcome> {
        self.shard(key)
            .lock()
            .expect("no panics while locked")
            .get(&key)
            .copied()
    }

    fn insert(&self, key: u128, o: Outcome) {
        self.shard(key)
            .lock()
            .expect("no panics while locked")
            .insert(key, o);
    }

    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().expect("no panics").len())
            .sum()
    }
}

fn kept_cells(f: &Fitter) -> usize {
    f.mu().iter().skip(1).filter(|&&m| m > 0.0).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_counts() {
        assert_eq!(count_models(3, 3, u64::MAX), Some(8));
        assert_eq!(count_models(4, 4, u64::MAX), Some(113));
        assert_eq!(count_models(5, 5, u64::MAX), Some(6893));
        assert_eq!(count_models(5, 3, u64::MAX), Some(6212));
        assert_eq!(count_models(6, 2, u64::MAX), Some(32768));
        assert_eq!(count_models(6, 3, u64::MAX), Some(3_702_013));
        assert_eq!(count_models(6, 6, 1000), None);
    }
}
