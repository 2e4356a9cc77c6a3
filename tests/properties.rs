//! Property tests of the fit and of the table operations.
//!
//! * At the MLE the score is zero (fitted margins equal observed margins for every finite
//!   term), the numerical gradient of the Poisson log-likelihood vanishes, and the reported
//!   covariance is the inverse of the numerical Hessian of `−ℓ`.
//! * Estimates do not depend on the order of the lists or of the input rows.
//! * Merging a list with an identical copy of itself gives back the original table.
//! * Duplicate rows are summed; the three input layouts and the CSV writer agree.
// `any(|&s| h & s == s)` tests "some term is a subset of h"; clippy's `contains`
// suggestion would change the meaning. Index loops mirror the formulas.
#![allow(clippy::manual_contains, clippy::needless_range_loop)]

use darkfigure::data::io::{parse_table, write_frequency_csv, Format};
use darkfigure::loglinear::existence;
use darkfigure::{fit, CaptureTable, Error, Fit, FitOptions, Model};
use nalgebra::DMatrix;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

fn list_names(t: usize) -> Vec<String> {
    (0..t).map(|i| format!("L{i}")).collect()
}

/// A count: mostly positive (1..200), sometimes 0.
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![1 => Just(0u64), 6 => 1u64..200]
}

/// `(t, counts)` with `counts[h − 1]` the count of history `h = 1..2^t`.
fn dense_counts(tmin: usize, tmax: usize) -> impl Strategy<Value = (usize, Vec<u64>)> {
    (tmin..=tmax).prop_flat_map(|t| (Just(t), vec(count(), (1usize << t) - 1)))
}

fn rows_of(counts: &[u64]) -> Vec<(u32, u64)> {
    counts
        .iter()
        .enumerate()
        .map(|(i, &c)| (i as u32 + 1, c))
        .collect()
}

/// The table, or `None` when no case is observed (all counts 0).
fn table_of(t: usize, counts: &[u64]) -> Option<CaptureTable> {
    CaptureTable::new(list_names(t), rows_of(counts), "prop").ok()
}

/// Main effects plus the pairs selected by the low bits of `seed`, and (for `t ≥ 4`, one time
/// in four) one three-way term chosen by higher bits.
fn model_from_seed(t: usize, seed: u64) -> Model {
    let mut terms = Vec::new();
    let mut k = 0;
    for i in 0..t {
        for j in i + 1..t {
            if seed >> k & 1 == 1 {
                terms.push(1u32 << i | 1 << j);
            }
            k += 1;
        }
    }
    if t >= 4 && (seed >> 20) % 4 == 0 {
        let triples: Vec<u32> = (0..1u32 << t).filter(|s| s.count_ones() == 3).collect();
        terms.push(triples[((seed >> 24) as usize) % triples.len()]);
    }
    Model::from_terms(t, terms)
}

/// With `pick = Some(r)`, zero every cell containing one interaction term of `model` (chosen
/// by `r`), so that the term's margin is 0 and the extended MLE fixes it at −∞.
fn kill_term(t: usize, counts: &[u64], model: &Model, pick: Option<u64>) -> Vec<u64> {
    let mut c = counts.to_vec();
    let inter: Vec<u32> = model.interactions().collect();
    if let Some(r) = pick {
        if !inter.is_empty() {
            let s = inter[(r % inter.len() as u64) as usize];
            for h in 1..1u32 << t {
                if h & s == s {
                    c[h as usize - 1] = 0;
                }
            }
        }
    }
    c
}

fn rel_diff(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

/// `cases` cases (or `PROPTEST_CASES` when set) from a fixed seed (or `PROPTEST_RNG_SEED`
/// when set), so that the suite is deterministic: see `existence_check_rejects_forced_zero_cells`
/// for the rare tables on which the existence check is wrong and the fit drifts.
fn config(cases: u32) -> ProptestConfig {
    let base = ProptestConfig::default();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    let rng_seed = match base.rng_seed {
        RngSeed::Random => RngSeed::Fixed(0x0DA2_F16E_2026),
        fixed => fixed,
    };
    ProptestConfig {
        cases,
        rng_seed,
        max_global_rejects: 100_000,
        // Do not write `*.proptest-regressions` files next to the tests.
        failure_persistence: None,
        ..base
    }
}

// ---------------------------------------------------------------------------------------------
// The Poisson log-likelihood, computed independently of the library
// ---------------------------------------------------------------------------------------------

/// `ℓ(θ) = Σ_h (y_h η_h − exp η_h)` over kept cells `h ≠ 0`, `η_h = Σ_{S ⊆ h, S finite} θ_S`.
struct Likelihood {
    y: Vec<f64>,
    /// Finite terms, in the order of the fit's finite coefficients.
    terms: Vec<u32>,
    /// Non-empty cells containing no infinite term.
    kept: Vec<u32>,
    /// `exp η_h` at the base point, indexed like `kept`.
    mu: Vec<f64>,
}

impl Likelihood {
    fn new(table: &CaptureTable, f: &Fit) -> Self {
        let finite: Vec<&darkfigure::loglinear::Coefficient> = f
            .coefficients
            .iter()
            .filter(|c| c.estimate.is_finite())
            .collect();
        let terms: Vec<u32> = finite.iter().map(|c| c.term).collect();
        let theta: Vec<f64> = finite.iter().map(|c| c.estimate).collect();
        let n = 1u32 << table.lists();
        let kept: Vec<u32> = (1..n)
            .filter(|&h| !f.infinite_terms.iter().any(|&s| h & s == s))
            .collect();
        let y = table.counts().iter().map(|&c| c as f64).collect();
        let mut l = Self {
            y,
            terms,
            kept,
            mu: Vec::new(),
        };
        l.mu = l.kept.iter().map(|&h| l.eta(&theta, h).exp()).collect();
        l
    }

    fn eta(&self, theta: &[f64], h: u32) -> f64 {
        self.terms
            .iter()
            .zip(theta)
            .filter(|(&s, _)| h & s == s)
            .map(|(_, &v)| v)
            .sum()
    }

    /// `ℓ(θ̂ + δ) − ℓ(θ̂)`, evaluated without cancellation:
    /// `Σ_h y_h Δη_h − μ_h expm1(Δη_h)`.
    fn delta(&self, d: &[f64]) -> f64 {
        self.kept
            .iter()
            .zip(&self.mu)
            .map(|(&h, &m)| {
                let de = self.eta(d, h);
                self.y[h as usize] * de - m * de.exp_m1()
            })
            .sum()
    }

    fn p(&self) -> usize {
        self.terms.len()
    }

    /// Central-difference gradient of `ℓ` at `θ̂`.
    fn gradient(&self, step: f64) -> Vec<f64> {
        let p = self.p();
        (0..p)
            .map(|a| {
                let mut d = vec![0.0; p];
                d[a] = step;
                let plus = self.delta(&d);
                d[a] = -step;
                let minus = self.delta(&d);
                (plus - minus) / (2.0 * step)
            })
            .collect()
    }

    /// Central-difference Hessian of `−ℓ` at `θ̂`.
    fn neg_hessian(&self, step: f64) -> DMatrix<f64> {
        let p = self.p();
        let mut h = DMatrix::zeros(p, p);
        for a in 0..p {
            for b in 0..=a {
                let f = |sa: f64, sb: f64| {
                    let mut d = vec![0.0; p];
                    d[a] += sa * step;
                    d[b] += sb * step;
                    self.delta(&d)
                };
                let v = -(f(1.0, 1.0) - f(1.0, -1.0) - f(-1.0, 1.0) + f(-1.0, -1.0))
                    / (4.0 * step * step);
                h[(a, b)] = v;
                h[(b, a)] = v;
            }
        }
        h
    }
}

/// Check the MLE properties of a successful fit: estimate ≥ observed, score zero, gradient
/// zero, covariance = inverse numerical Hessian.
fn check_mle(table: &CaptureTable, model: &Model, f: &Fit) -> Result<(), TestCaseError> {
    let what = model.label(table.names());
    // (a) N̂ ≥ n_obs.
    prop_assert!(
        f.estimate >= table.observed() as f64,
        "{what}: estimate {} < observed {}",
        f.estimate,
        table.observed()
    );
    prop_assert!(f.estimate.is_finite());
    // Coefficients fixed at −∞ are exactly the reported infinite terms, which have zero
    // margin.
    let margins = table.margins();
    for c in &f.coefficients {
        let inf = f.infinite_terms.contains(&c.term);
        prop_assert_eq!(c.estimate == f64::NEG_INFINITY, inf, "{}: {}", what, c.name);
        if inf {
            prop_assert_eq!(margins[c.term as usize], 0);
        } else {
            prop_assert!(
                c.estimate.is_finite(),
                "{}: {} = {}",
                what,
                c.name,
                c.estimate
            );
        }
    }
    // (b) Score zero: observed margin = fitted margin for every finite term (dark cell
    // excluded).
    let n = 1usize << table.lists();
    for c in f.coefficients.iter().filter(|c| c.estimate.is_finite()) {
        let s = c.term as usize;
        let fitted: f64 = (1..n).filter(|&h| h & s == s).map(|h| f.fitted[h]).sum();
        let observed = margins[s] as f64;
        prop_assert!(
            (fitted - observed).abs() <= 1e-6 * observed.max(1.0),
            "{what}: margin of {}: fitted {fitted}, observed {observed}",
            c.name
        );
    }
    // Fitted means of dropped cells are 0, of kept cells positive.
    for h in 1..n as u32 {
        let dropped = f.infinite_terms.iter().any(|&s| h & s == s);
        if dropped {
            prop_assert_eq!(f.fitted[h as usize], 0.0);
        } else {
            prop_assert!(f.fitted[h as usize] > 0.0);
        }
    }
    prop_assert!(rel_diff(f.fitted[0], f.dark_figure) < 1e-12);

    let lik = Likelihood::new(table, f);
    let p = lik.p();
    prop_assert_eq!(f.covariance.len(), p * p);
    // Our linear predictor reproduces the fitted means.
    for (&h, &m) in lik.kept.iter().zip(&lik.mu) {
        prop_assert!(
            rel_diff(m, f.fitted[h as usize]) < 1e-9,
            "{what}: cell {h}: exp(eta) = {m}, fitted {}",
            f.fitted[h as usize]
        );
    }
    // (c) Numerical gradient ≈ 0 (relative to the size of the margins).
    let g = lik.gradient(1e-4);
    for (a, ga) in g.iter().enumerate() {
        let scale = (margins[lik.terms[a] as usize] as f64).max(1.0);
        prop_assert!(
            ga.abs() <= 1e-6 * scale,
            "{what}: gradient of ℓ wrt term {:#b} is {ga} (margin {scale})",
            lik.terms[a]
        );
    }
    // Numerical Hessian of −ℓ, inverted, against the reported covariance.
    let h = lik.neg_hessian(1e-4);
    let inv = h
        .clone()
        .try_inverse()
        .ok_or_else(|| TestCaseError::fail(format!("{what}: numerical Hessian singular")))?;
    let cov = |a: usize, b: usize| f.covariance[a * p + b];
    for a in 0..p {
        prop_assert!(
            rel_diff(inv[(a, a)], cov(a, a)) < 1e-3,
            "{what}: variance of term {:#b}: numerical {} vs reported {}",
            lik.terms[a],
            inv[(a, a)],
            cov(a, a)
        );
        for b in 0..a {
            let scale = (cov(a, a) * cov(b, b)).sqrt();
            prop_assert!(
                (inv[(a, b)] - cov(a, b)).abs() < 1e-3 * scale,
                "{what}: covariance of terms {:#b},{:#b}: numerical {} vs reported {}",
                lik.terms[a],
                lik.terms[b],
                inv[(a, b)],
                cov(a, b)
            );
        }
    }
    // Standard errors are the square roots of the diagonal.
    for (a, c) in f
        .coefficients
        .iter()
        .filter(|c| c.estimate.is_finite())
        .enumerate()
    {
        prop_assert!(rel_diff(c.std_error, cov(a, a).sqrt()) < 1e-12);
    }
    Ok(())
}

/// Fit, asserting that a model passing the existence check (code 0) fits.
fn fit_checked(table: &CaptureTable, model: &Model) -> Result<Option<Fit>, TestCaseError> {
    let ex = existence::check(table, model)
        .map_err(|e| TestCaseError::fail(format!("existence check failed: {e}")))?;
    let r = fit(table, model, &FitOptions::default());
    match r {
        Ok(f) => {
            prop_assert_eq!(
                ex.code,
                0,
                "fit succeeded although the check says {}",
                ex.code
            );
            Ok(Some(f))
        }
        Err(e) => {
            prop_assert!(
                ex.code != 0,
                "existence code 0 but fit of {} failed: {e}\ncounts {:?}",
                model.label(table.names()),
                table.counts()
            );
            prop_assert!(
                matches!(
                    e,
                    Error::MleDoesNotExist { .. } | Error::NotIdentifiable { .. }
                ),
                "unexpected error {e}"
            );
            Ok(None)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties of the fit
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn main_effects_mle_properties((t, counts) in dense_counts(3, 5)) {
        let table = table_of(t, &counts);
        prop_assume!(table.is_some());
        let table = table.unwrap();
        let model = Model::main_effects(t);
        let f = fit_checked(&table, &model)?;
        prop_assume!(f.is_some());
        check_mle(&table, &model, &f.unwrap())?;
    }

    #[test]
    fn hierarchical_mle_properties(
        (t, counts) in dense_counts(3, 5),
        seed in any::<u64>(),
        kill in proptest::option::weighted(0.3, any::<u64>()),
    ) {
        let model = model_from_seed(t, seed);
        let counts = kill_term(t, &counts, &model, kill);
        let table = table_of(t, &counts);
        prop_assume!(table.is_some());
        let table = table.unwrap();
        let f = fit_checked(&table, &model)?;
        prop_assume!(f.is_some());
        check_mle(&table, &model, &f.unwrap())?;
    }

    /// Permuting the lists (columns and model terms alike) changes nothing.
    #[test]
    fn invariant_under_permuting_lists(
        (t, counts, perm) in dense_counts(3, 5).prop_flat_map(|(t, c)| {
            (Just(t), Just(c), Just((0..t).collect::<Vec<usize>>()).prop_shuffle())
        }),
        seed in any::<u64>(),
        kill in proptest::option::weighted(0.3, any::<u64>()),
    ) {
        let model = model_from_seed(t, seed);
        let counts = kill_term(t, &counts, &model, kill);
        let table = table_of(t, &counts);
        prop_assume!(table.is_some());
        let table = table.unwrap();
        // New list j is old list perm[j].
        let map = |h: u32| -> u32 {
            (0..t).filter(|&j| h >> perm[j] & 1 == 1).fold(0, |acc, j| acc | 1 << j)
        };
        let names: Vec<String> = perm.iter().map(|&i| table.names()[i].clone()).collect();
        let rows: Vec<(u32, u64)> = rows_of(&counts).into_iter().map(|(h, c)| (map(h), c)).collect();
        let ptable = CaptureTable::new(names, rows, "perm").unwrap();
        let pmodel = Model::from_terms(t, model.terms().iter().map(|&s| map(s)));
        prop_assert_eq!(pmodel.parameters(), model.parameters());
        prop_assert_eq!(ptable.observed(), table.observed());

        let ex = existence::check(&table, &model).unwrap();
        let pex = existence::check(&ptable, &pmodel).unwrap();
        prop_assert_eq!(ex.code, pex.code);
        prop_assert_eq!(ex.rank, pex.rank);
        let f = fit(&table, &model, &FitOptions::default());
        let pf = fit(&ptable, &pmodel, &FitOptions::default());
        match (f, pf) {
            (Ok(f), Ok(pf)) => {
                prop_assert!(rel_diff(f.estimate, pf.estimate) < 1e-8,
                    "estimate {} vs {}", f.estimate, pf.estimate);
                prop_assert!((f.deviance - pf.deviance).abs() < 1e-8 * f.deviance.abs().max(1.0),
                    "deviance {} vs {}", f.deviance, pf.deviance);
                prop_assert_eq!(f.df, pf.df);
                prop_assert_eq!(f.infinite_terms.len(), pf.infinite_terms.len());
                // Every coefficient moves with its term.
                for c in &f.coefficients {
                    let pc = pf.coefficients.iter().find(|pc| pc.term == map(c.term)).unwrap();
                    if c.estimate.is_finite() {
                        prop_assert!((c.estimate - pc.estimate).abs() < 1e-6 * c.estimate.abs().max(1.0),
                            "{}: {} vs {}", c.name, c.estimate, pc.estimate);
                    } else {
                        prop_assert_eq!(pc.estimate, f64::NEG_INFINITY);
                    }
                }
            }
            (Err(e), Err(pe)) => {
                prop_assert!(ex.code != 0);
                prop_assert_eq!(e.is_no_estimate(), pe.is_no_estimate());
            }
            (f, pf) => prop_assert!(false, "one fit failed: {:?} vs {:?}",
                f.map(|f| f.estimate).map_err(|e| e.to_string()),
                pf.map(|f| f.estimate).map_err(|e| e.to_string())),
        }
    }

    /// The order of the input rows does not matter.
    #[test]
    fn invariant_under_permuting_rows(
        (t, counts, order) in dense_counts(3, 5).prop_flat_map(|(t, c)| {
            let n = c.len();
            (Just(t), Just(c), Just((0..n).collect::<Vec<usize>>()).prop_shuffle())
        }),
        seed in any::<u64>(),
    ) {
        let table = table_of(t, &counts);
        prop_assume!(table.is_some());
        let table = table.unwrap();
        let rows = rows_of(&counts);
        let shuffled: Vec<(u32, u64)> = order.iter().map(|&i| rows[i]).collect();
        let stable = CaptureTable::new(list_names(t), shuffled, "shuffled").unwrap();
        prop_assert_eq!(stable.counts(), table.counts());
        prop_assert_eq!(stable.observed(), table.observed());
        for model in [Model::main_effects(t), model_from_seed(t, seed)] {
            let f = fit(&table, &model, &FitOptions::default());
            let g = fit(&stable, &model, &FitOptions::default());
            match (f, g) {
                (Ok(f), Ok(g)) => {
                    prop_assert_eq!(f.estimate, g.estimate);
                    prop_assert_eq!(f.deviance, g.deviance);
                    // Bitwise equal (NaN standard errors of −∞ terms included).
                    prop_assert_eq!(f.coefficients.len(), g.coefficients.len());
                    for (a, b) in f.coefficients.iter().zip(&g.coefficients) {
                        prop_assert_eq!(a.term, b.term);
                        prop_assert_eq!(a.estimate.to_bits(), b.estimate.to_bits());
                        prop_assert_eq!(a.std_error.to_bits(), b.std_error.to_bits());
                    }
                }
                (Err(e), Err(g)) => prop_assert_eq!(e.to_string(), g.to_string()),
                _ => prop_assert!(false, "one of the fits failed"),
            }
        }
    }

    /// Appending an exact copy of list `k` and merging it back gives the original table.
    #[test]
    fn merging_identical_lists_changes_nothing(
        (t, counts, k) in dense_counts(2, 4).prop_flat_map(|(t, c)| (Just(t), Just(c), 0..t)),
        dup_first in any::<bool>(),
    ) {
        let table = table_of(t, &counts);
        prop_assume!(table.is_some());
        let table = table.unwrap();
        let mut names = list_names(t);
        names.push("DUP".into());
        let rows: Vec<(u32, u64)> = rows_of(&counts)
            .into_iter()
            .map(|(h, c)| (h | (h >> k & 1) << t, c))
            .collect();
        let big = CaptureTable::new(names, rows, "dup").unwrap();
        let name_k = table.names()[k].clone();
        let order: [&str; 2] = if dup_first { ["DUP", &name_k] } else { [&name_k, "DUP"] };
        let merged = big.merge_lists(&order, Some(&name_k)).unwrap();
        prop_assert_eq!(merged.names(), table.names());
        prop_assert_eq!(merged.counts(), table.counts());
        prop_assert_eq!(merged.observed(), table.observed());
        // The duplicate is recognised as non-informative (unless fewer than two lists would
        // remain, which is an error by contract).
        match big.drop_non_informative() {
            Ok((dropped, why)) => {
                prop_assert!(why.iter().any(|d| d.name == "DUP"));
                prop_assert_eq!(dropped.lists(), big.lists() - why.len());
                prop_assert!(dropped.observed() <= big.observed());
            }
            Err(e) => prop_assert!(matches!(e, Error::InvalidOption { .. }), "{}", e),
        }
        let m = Model::main_effects(t);
        match (fit(&table, &m, &FitOptions::default()), fit(&merged, &m, &FitOptions::default())) {
            (Ok(a), Ok(b)) => {
                prop_assert!(rel_diff(a.estimate, b.estimate) < 1e-12, "{} vs {}", a.estimate, b.estimate);
                prop_assert!((a.deviance - b.deviance).abs() < 1e-9 * a.deviance.abs().max(1.0));
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            _ => prop_assert!(false, "one of the fits failed"),
        }
    }

    /// Splitting a row's count into two rows gives the same table.
    #[test]
    fn duplicate_rows_are_summed((t, counts) in dense_counts(2, 5), pick in any::<u64>(), frac in 0.0f64..1.0) {
        let table = table_of(t, &counts);
        prop_assume!(table.is_some());
        let table = table.unwrap();
        let mut rows = rows_of(&counts);
        let splittable: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].1 >= 2).collect();
        prop_assume!(!splittable.is_empty());
        let i = splittable[(pick % splittable.len() as u64) as usize];
        let (h, c) = rows[i];
        let a = 1 + ((c - 1) as f64 * frac) as u64; // 1..c
        let a = a.min(c - 1);
        rows[i] = (h, a);
        rows.push((h, c - a));
        let split = CaptureTable::new(list_names(t), rows.clone(), "prop").unwrap();
        prop_assert_eq!(&split, &table);
        // Splitting into a zero row and the whole count, or three rows, too.
        let mut rows3 = rows_of(&counts);
        rows3.push((h, 0));
        rows3[i] = (h, 1);
        rows3.push((h, c - 2));
        rows3.push((h, 1));
        let split3 = CaptureTable::new(list_names(t), rows3, "prop").unwrap();
        prop_assert_eq!(split3.counts(), table.counts());
        // And through the CSV reader.
        let mut csv = list_names(t).join(",");
        csv.push_str(",count\n");
        for (h, c) in &rows {
            for j in 0..t {
                csv.push_str(if h >> j & 1 == 1 { "1," } else { "0," });
            }
            csv.push_str(&format!("{c}\n"));
        }
        let parsed = parse_table(csv.as_bytes(), "x.csv", Format::Frequency).unwrap();
        prop_assert_eq!(parsed.counts(), table.counts());
    }

    /// Frequency, records and long layouts of the same cases give the same table, and the
    /// frequency writer round-trips.
    #[test]
    fn layouts_agree(
        (t, counts, shuffle) in (2usize..=5)
            .prop_flat_map(|t| (Just(t), vec(0u64..6, (1usize << t) - 1)))
            .prop_flat_map(|(t, c)| {
                let cases: usize = c.iter().sum::<u64>() as usize;
                (Just(t), Just(c), Just((0..cases).collect::<Vec<usize>>()).prop_shuffle())
            }),
    ) {
        let table = table_of(t, &counts);
        prop_assume!(table.is_some());
        let table = table.unwrap();
        let names = list_names(t);
        // One history per case, in a shuffled order.
        let cases: Vec<u32> = rows_of(&counts)
            .into_iter()
            .flat_map(|(h, c)| std::iter::repeat_n(h, c as usize))
            .collect();
        let cases: Vec<u32> = shuffle.iter().map(|&i| cases[i]).collect();
        let mut records = format!("id,{}\n", names.join(","));
        let mut long = String::from("list,id\n");
        for (id, &h) in cases.iter().enumerate() {
            records.push_str(&format!("case{id}"));
            for j in 0..t {
                records.push_str(if h >> j & 1 == 1 { ",1" } else { ",0" });
                if h >> j & 1 == 1 {
                    long.push_str(&format!("{},case{id}\n", names[j]));
                }
            }
            records.push('\n');
        }
        let r = parse_table(records.as_bytes(), "r.csv", Format::Records).unwrap();
        prop_assert_eq!(r.names(), table.names());
        prop_assert_eq!(r.counts(), table.counts());
        // Long format names lists in order of first appearance; compare as multisets of
        // named histories.
        let named = |tb: &CaptureTable| {
            let mut v: Vec<(Vec<String>, u64)> = (1..1u32 << tb.lists())
                .filter(|&h| tb.count(h) > 0)
                .map(|h| {
                    let mut on: Vec<String> = (0..tb.lists())
                        .filter(|&j| h >> j & 1 == 1)
                        .map(|j| tb.names()[j].clone())
                        .collect();
                    on.sort();
                    (on, tb.count(h))
                })
                .collect();
            v.sort();
            v
        };
        // Lists with no case do not appear in the long layout at all.
        let present = (0..t).filter(|&j| table.list_size(j) > 0).count();
        let l = parse_table(long.as_bytes(), "l.csv", Format::Long);
        if present >= 2 {
            let l = l.unwrap();
            prop_assert_eq!(l.observed(), table.observed());
            prop_assert_eq!(l.lists(), present);
            prop_assert_eq!(named(&l), named(&table));
        } else {
            prop_assert!(l.is_err());
        }
        // Writer round trip.
        let mut out = Vec::new();
        write_frequency_csv(&table, &mut out, "-").unwrap();
        let back = parse_table(&out, "w.csv", Format::Auto).unwrap();
        prop_assert_eq!(back.counts(), table.counts());
        prop_assert_eq!(back.names(), table.names());
    }
}

// ---------------------------------------------------------------------------------------------
// Known bug: the existence check misses cells forced to zero
// ---------------------------------------------------------------------------------------------

fn named_table(counts: &[u64]) -> CaptureTable {
    let names: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
    CaptureTable::new(names, rows_of(counts), "regression").unwrap()
}

/// Tables on which the MLE provably does not exist — the margins force some cells to 0
/// in every non-negative table with the same sufficient statistics — yet `existence::check`
/// returns code 0, because the Fienberg–Rinaldo LP optimum comes back from microlp as
/// ~3e-8 (counts scaled to total 1) instead of 0, above `LP_ZERO = 1e-10`. The fit then
/// "converges" to a point drifting towards the boundary (fitted means ~1e-8, standard errors
/// in the thousands) and `darkfigure estimate` prints it as a valid estimate with exit 0 —
/// for the first table `N̂ = 1.4e24`.
#[test]
fn existence_check_rejects_forced_zero_cells() {
    for (counts, spec, why) in [
        // margin(A) = margin(AB) = margin(AC) = 183: cells 100, 110, 101 are forced to 0.
        // The fit returns N̂ = 1.42e24.
        ([0u64, 1, 0, 6, 0, 0, 183], "[12,13,23]", "A ⊂ B∩C"),
        // margin(A) = margin(AB) = 47: cells 100 and 101 are forced to 0.
        ([0, 4, 0, 1, 0, 0, 47], "[12,23]", "A ⊂ B"),
        // The smallest: 12 cases. Cases off C: x100 + x010 + x110 = 5, and
        // margin(A) − margin(AC) = x100 + x110 = 5 = margin(B) − margin(BC) = x010 + x110,
        // so x100 = x010 = 0 (fit: fitted[100] = 1e-8, N̂ = 12).
        ([0, 0, 5, 2, 0, 0, 5], "[13,23]", "x_100 = x_010 = 0"),
        // With C*A and C*B the margins force cells 100 and 010 to 0.
        ([0, 0, 6, 35, 0, 0, 95], "[13,23]", "x_100 = x_010 = 0"),
    ] {
        let t = named_table(&counts);
        let m = Model::parse(spec, t.names()).unwrap();
        let ex = existence::check(&t, &m).unwrap();
        assert_eq!(ex.code, 1, "{spec} on {counts:?} ({why}): existence {ex:?}");
        let r = fit(&t, &m, &FitOptions::default());
        assert!(
            matches!(r, Err(Error::MleDoesNotExist { .. })),
            "{spec} on {counts:?}: fit returned {:?}",
            r.map(|f| f.estimate)
        );
    }
}

/// The same data and model with the lists in another order: A*B + B*C on
/// `{010: 50, 101: 126, 111: 170}` forces x100 = x001 = 0 (margin(A) − margin(AB) =
/// x100 + x101 = 126 = cases off B, likewise for C), and with the columns in order A,B,C the
/// check says code 1 (LP optimum exactly 0). With the columns written A,C,B the LP optimum
/// comes back as 4.2e-8, the code is 0 and the fit returns N̂ = 346 = n_obs with a standard
/// error of 2e-8 (the CLI exits 3 for one file and 0 for the other).
#[test]
fn existence_check_does_not_depend_on_list_order() {
    let abc = named_table(&[0, 50, 0, 0, 126, 0, 170]);
    let m = Model::parse("A*B + B*C", abc.names()).unwrap();
    let names: Vec<String> = ["A", "C", "B"].iter().map(|s| s.to_string()).collect();
    let acb = CaptureTable::new(names, rows_of(&[0, 0, 126, 50, 0, 0, 170]), "acb").unwrap();
    let m2 = Model::parse("A*B + B*C", acb.names()).unwrap();
    let e1 = existence::check(&abc, &m).unwrap();
    let e2 = existence::check(&acb, &m2).unwrap();
    assert_eq!(e1.code, 1, "{e1:?}");
    assert_eq!(e2.code, e1.code, "A,B,C: {e1:?}\nA,C,B: {e2:?}");
    assert!(fit(&acb, &m2, &FitOptions::default()).is_err());
}

/// Sparse tables: whenever the check says code 0, the fit must be interior (no kept cell with
/// a fitted mean near 0). Finds tables like those above within a few thousand cases. (The
/// same LP tolerance also makes the code depend on the order of the lists: whether the
/// optimum lands above or below `LP_ZERO` changes when the columns are permuted.)
#[test]
fn existence_check_stress_sparse_tables() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 20_000,
        ..config(20_000)
    });
    let strategy = (
        (3usize..=4).prop_flat_map(|t| {
            (
                Just(t),
                vec(
                    prop_oneof![1 => Just(0u64), 1 => 1u64..10, 1 => 10u64..300],
                    (1usize << t) - 1,
                ),
            )
        }),
        any::<u64>(),
    );
    runner
        .run(&strategy, |((t, counts), seed)| {
            let table = table_of(t, &counts);
            prop_assume!(table.is_some());
            let table = table.unwrap();
            let model = model_from_seed(t, seed);
            let ex = existence::check(&table, &model).unwrap();
            prop_assume!(ex.code == 0);
            let f = fit(&table, &model, &FitOptions::default());
            prop_assert!(f.is_ok(), "code 0 but {:?}", f.err());
            let f = f.unwrap();
            // A genuine MLE is a fixed point: iterating far past the stopping rule does not move
            // it. A fit drifting to the boundary (MLE does not exist) keeps moving: its fitted
            // means on the degenerate cells fall by ~e per iteration. (A genuine MLE may still
            // have a tiny fitted mean — e.g. 4.9e-9 on a cell with count 1 for [13,14,23,24,34]
            // on counts 52, 287, 1, 2 at histories 1100, 0010, 0001, 1111.)
            let tight = fit(
                &table,
                &model,
                &FitOptions {
                    tolerance: 1e-20,
                    max_iterations: 300,
                    allow_non_convergence: true,
                    check_existence: false,
                },
            )
            .unwrap();
            for h in 1..1usize << t {
                let (a, b) = (f.fitted[h], tight.fitted[h]);
                // R's stopping rule leaves ~1e-5 relative error on small cells; a drifting
                // cell falls by orders of magnitude.
                prop_assert!(
                    (a - b).abs() <= 1e-3 * b.abs()
                        || (b > 0.0 && a / b < 1.5 && b / a < 1.5 && b > 1e-300),
                    "{} on {:?}: code 0 but fitted[{h}] moves from {:e} to {:e} (LP optimum {:?})",
                    model.label(table.names()),
                    counts,
                    a,
                    b,
                    ex.lp_optimum
                );
            }
            Ok(())
        })
        .unwrap();
}

/// The bootstrap's fast existence decisions (Newton divergence and singular information
/// accepted without the LP) admit exactly the models the exact path admits, and never a model
/// whose LP/rank code is not 0.
#[test]
fn fast_existence_agrees_with_the_exact_check() {
    use darkfigure::internals::{no_cache, Fitter};
    let mut runner = proptest::test_runner::TestRunner::new(config(3000));
    let strategy = (
        (3usize..=5).prop_flat_map(|t| {
            (
                Just(t),
                vec(
                    prop_oneof![2 => Just(0u64), 1 => 1u64..4, 1 => 4u64..200],
                    (1usize << t) - 1,
                ),
            )
        }),
        any::<u64>(),
    );
    runner
        .run(&strategy, |((t, counts), seed)| {
            let table = table_of(t, &counts);
            prop_assume!(table.is_some());
            let table = table.unwrap();
            let model = model_from_seed(t, seed);
            let code = existence::check(&table, &model).unwrap().code;
            let mut exact = Fitter::new(t, table.counts());
            let mut fast = Fitter::new(t, table.counts());
            fast.trust_divergence = true;
            let a = exact.assess(model.terms(), None, &mut no_cache).unwrap();
            let b = fast.assess(model.terms(), None, &mut no_cache).unwrap();
            prop_assert_eq!(
                a.fit.is_some(),
                b.fit.is_some(),
                "{} on {:?}",
                model.label(table.names()),
                counts
            );
            if b.fit.is_some() {
                prop_assert_eq!(code, 0);
            }
            if code != 0 {
                prop_assert!(b.fit.is_none());
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn covariance_matrix_is_symmetric_and_matches_standard_errors() {
    let f = fit(
        &darkfigure::datasets::uk_2013(),
        &Model::all_of_order(6, 2),
        &FitOptions::default(),
    )
    .unwrap();
    let c = f.covariance_matrix();
    let finite: Vec<_> = f
        .coefficients
        .iter()
        .filter(|c| c.estimate.is_finite())
        .collect();
    assert_eq!(c.nrows(), finite.len());
    for (i, co) in finite.iter().enumerate() {
        approx::assert_relative_eq!(c[[i, i]].sqrt(), co.std_error, max_relative = 1e-12);
        for j in 0..i {
            approx::assert_relative_eq!(c[[i, j]], c[[j, i]], max_relative = 1e-9);
        }
    }
}
