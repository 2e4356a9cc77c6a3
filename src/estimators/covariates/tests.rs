//! Invariance and input-error tests of the covariate engine.

use super::*;
use crate::error::Error;
use proptest::prelude::*;

const WESTEROS: &str = include_str!("../../../data/covariates/westeros_cells.csv");
const WESTEROS_RECORDS: &str = include_str!("../../../data/covariates/westeros_individuals.csv");
const COVS: [&str; 5] = ["X1", "X2", "X3", "X4", "Y"];
const W3: &str =
    "R1 + R2 + R3 + R4 + R1:R2 + R1:R3 + R1:R4 + R2:R3 + R2:R4 + X1 + X2 + X3 + X4 + Y";
const W8: &str = "R1 + R2 + R3 + R4 + X1 + X2 + X3 + X4 + Y + X1:X4 + R3:X2 + X1:Y + R1:Y + X2:X4 + X1:X2 + R1:X2 + X4:Y + X2:X3 + X3:X4 + X3:Y + R2:R4 + X1:X3 + R4:X4 + R4:X3 + R2:Y + R2:X2 + R1:X4 + R1:X1 + X2:Y + R1:R4";

fn westeros(spec: &TableSpec) -> CovariateTable {
    CovariateTable::parse_frequency(WESTEROS.as_bytes(), "westeros_cells.csv", spec).unwrap()
}

fn fit_str(t: &CovariateTable, f: &str) -> Fit {
    fit(t, &Formula::parse(f).unwrap(), &FitOptions::reference()).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

fn err(csv: &str, spec: &TableSpec) -> String {
    CovariateTable::parse_frequency(csv.as_bytes(), "in.csv", spec)
        .unwrap_err()
        .to_string()
}

#[test]
fn single_level_covariate_gives_the_list_only_fit() {
    for table in [
        crate::data::datasets::uk_2013_5(),
        crate::data::datasets::western(),
    ] {
        let t = table.lists();
        let names = table.names().to_vec();
        let rows: Vec<(u32, Vec<String>, u64)> = (1..1u32 << t)
            .map(|h| (h, vec!["all".to_string()], table.count(h)))
            .collect();
        let ct =
            CovariateTable::from_rows(names.clone(), rows, &TableSpec::new(["region"])).unwrap();
        assert_eq!(ct.covariates()[0].levels, ["all"]);
        let opts = FitOptions::default().max_iterations(100);
        // Main effects, with and without the (empty) covariate term, and one pair.
        let main = names.join(" + ");
        let pair = format!("{main} + {}:{}", names[0], names[1]);
        let models = [
            (
                format!("{main} + region"),
                crate::loglinear::Model::main_effects(t),
            ),
            (main.clone(), crate::loglinear::Model::main_effects(t)),
            (pair, crate::loglinear::Model::from_terms(t, [0b11])),
        ];
        for (f, m) in models {
            let ours = fit(&ct, &Formula::parse(&f).unwrap(), &opts).unwrap();
            let theirs =
                crate::loglinear::fit(&table, &m, &crate::loglinear::FitOptions::default())
                    .unwrap();
            assert!(rel(ours.deviance, theirs.deviance) < 1e-9, "{f}");
            assert!(rel(ours.aic, theirs.aic) < 1e-9 && rel(ours.bic, theirs.bic) < 1e-9);
            assert!(rel(ours.total.total, theirs.estimate) < 1e-9, "{f}");
            // Standard errors: with a term at −∞ (western's A:B, an empty overlap) the list-only
            // fit takes the covariance from its last Newton step on the reduced table, this
            // engine from a step at the final μ (where R's own, drifting, fit takes it);
            // the two differ by ~3e-5.
            let se_tol = if theirs.infinite_terms.is_empty() {
                1e-7
            } else {
                1e-4
            };
            let se = ours.total.std_error.unwrap();
            assert!(
                rel(se, theirs.estimate_se) < se_tol,
                "{f}: {se} {}",
                theirs.estimate_se
            );
            for c in &theirs.coefficients {
                let o = ours.coefficient(&c.name).unwrap();
                if c.estimate == f64::NEG_INFINITY {
                    assert_eq!(o.status, CoefficientStatus::Infinite);
                    continue;
                }
                assert!((o.estimate - c.estimate).abs() < 1e-7, "{f} {}", c.name);
                assert!(
                    rel(o.std_error, c.std_error) < se_tol.max(1e-6),
                    "{f} {}",
                    c.name
                );
            }
            // R's df (all cells − rank) is the list-only fit's df_full; its df (kept cells −
            // finite parameters) is df_reduced here.
            assert_eq!(ours.df, theirs.df_full);
            assert_eq!(ours.df_reduced, theirs.df);
        }
    }
}

#[test]
fn records_and_long_format_give_the_frequency_table() {
    let spec = TableSpec::new(COVS);
    let freq = westeros(&spec);
    let rec = CovariateTable::parse_records(WESTEROS_RECORDS.as_bytes(), "ind.csv", &spec).unwrap();
    assert_eq!(rec.counts(), freq.counts());
    assert_eq!(rec.covariates(), freq.covariates());
    assert_eq!(rec.observed(), 1043);
    // Long format: one row per (list, person).
    let mut long = String::from("list,id,X1,X2,X3,X4,Y\n");
    for (i, line) in WESTEROS_RECORDS.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        for (l, name) in ["R1", "R2", "R3", "R4"].iter().enumerate() {
            if f[l] == "1" {
                long.push_str(&format!("{name},p{i},{}\n", f[4..].join(",")));
            }
        }
    }
    let spec_long = spec.clone().lists(["R1", "R2", "R3", "R4"]);
    let lt = CovariateTable::parse_long(long.as_bytes(), "long.csv", &spec_long).unwrap();
    assert_eq!(lt.counts(), freq.counts());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn permuting_rows_changes_nothing(seed in any::<u64>()) {
        let spec = TableSpec::new(COVS);
        let reference = fit_str(&westeros(&spec), W3);
        let mut lines: Vec<&str> = WESTEROS.lines().skip(1).collect();
        // Fisher–Yates with a small LCG.
        let mut s = seed | 1;
        for i in (1..lines.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            lines.swap(i, (s >> 33) as usize % (i + 1));
        }
        let csv = format!("{}\n{}\n", WESTEROS.lines().next().unwrap(), lines.join("\n"));
        let t = CovariateTable::parse_frequency(csv.as_bytes(), "shuffled", &spec).unwrap();
        let shuffled = fit_str(&t, W3);
        prop_assert_eq!(&shuffled, &reference);
    }
}

#[test]
fn permuting_levels_changes_only_baseline_dependent_coefficients() {
    let base = westeros(&TableSpec::new(COVS));
    let perm = westeros(
        &TableSpec::new(COVS)
            .level_order("X4", ["3", "1", "2"])
            .level_order("Y", ["4", "2", "3", "1"]),
    );
    for f in [W3, W8] {
        let a = fit_str(&base, f);
        let b = fit_str(&perm, f);
        assert!(rel(a.deviance, b.deviance) < 1e-9, "{f}");
        assert!(rel(a.aic, b.aic) < 1e-9 && rel(a.total.total, b.total.total) < 1e-9);
        assert_eq!(a.infinite.len(), b.infinite.len());
        // Same unobserved cells, matched by their levels.
        for u in &a.unobserved {
            let v = b.unobserved.iter().find(|v| v.levels == u.levels).unwrap();
            assert!(rel(v.n0, u.n0) < 1e-7, "{:?}", u.levels);
        }
        for t in &a.by_level {
            let tb = b.totals_of(&t.covariates[0]).unwrap();
            for g in &t.rows {
                let h = tb.rows.iter().find(|h| h.levels == g.levels).unwrap();
                assert_eq!(g.observed, h.observed);
                assert!(rel(g.total, h.total) < 1e-9);
            }
        }
        // Coefficients of terms that neither involve X4 or Y nor lie below a term that does
        // are baseline-free.
        let terms = Formula::parse(f).unwrap().terms(&base).unwrap();
        let x4y = terms.set_of(&["X4"]).unwrap() | terms.set_of(&["Y"]).unwrap();
        let free: Vec<String> = terms
            .sets
            .iter()
            .filter(|&&s| s & x4y == 0 && !terms.sets.iter().any(|&u| u & x4y != 0 && u & s == s))
            .map(|&s| terms.label(s))
            .collect();
        assert!(!free.is_empty());
        for c in a.coefficients.iter().filter(|c| free.contains(&c.term)) {
            let d = b.coefficient(&c.name).unwrap();
            assert!((c.estimate - d.estimate).abs() < 1e-6, "{f} {}", c.name);
        }
        // And some that are baseline-dependent do change.
        assert!((a.coefficients[0].estimate - b.coefficients[0].estimate).abs() > 1e-3);
    }
}

#[test]
fn input_errors_name_file_line_and_column() {
    let spec = TableSpec::new(["sex"]);
    // Count on an all-zero history: line 3.
    let e = err("A,B,sex,count\n1,0,f,3\n0,0,f,2\n", &spec);
    assert!(e.starts_with("in.csv:3:") && e.contains("all zeros"), "{e}");
    // Zero count on an all-zero history is ignored (tables written for R contain them).
    let t = CovariateTable::parse_frequency(b"A,B,sex,count\n1,0,f,3\n0,0,m,0\n", "in.csv", &spec)
        .unwrap();
    assert_eq!(t.covariates()[0].levels, ["f"]);
    // Missing values: empty and NA, with the column.
    for csv in [
        "A,B,sex,count\n1,0,f,3\n0,1,,2\n",
        "A,B,sex,count\n1,0,f,3\n0,1,NA,2\n",
    ] {
        let e = err(csv, &spec);
        assert!(
            e.starts_with("in.csv:3:3:") && e.contains("not implemented yet"),
            "{e}"
        );
    }
    let t = CovariateTable::parse_frequency(
        b"A,B,sex,count\n1,0,f,3\n0,1,NA,2\n0,1,m,1\n",
        "in.csv",
        &spec.clone().missing(MissingValues::AsLevel),
    )
    .unwrap();
    assert_eq!(t.covariates()[0].levels, ["f", "m", "NA"]);
    // Unknown covariate, level order and structural-zero levels.
    let e = err("A,B,sex,count\n1,0,f,3\n", &TableSpec::new(["age"]));
    assert!(e.starts_with("in.csv:1:") && e.contains("'age'"), "{e}");
    let e = err(
        "A,B,sex,count\n1,0,f,3\n",
        &spec.clone().level_order("sex", ["f", "x"]),
    );
    assert!(e.contains("'x'") && e.contains("does not occur"), "{e}");
    let e = err(
        "A,B,sex,count\n1,0,f,3\n",
        &spec.clone().level_order("age", ["f"]),
    );
    assert!(e.contains("'age'"), "{e}");
    let e = err(
        "A,B,sex,count\n1,0,f,3\n",
        &spec.clone().structural_zero("B", "sex", ["m"]),
    );
    assert!(e.contains("'m'") && e.contains("does not occur"), "{e}");
    let e = err(
        "A,B,sex,count\n1,0,f,3\n",
        &spec.clone().structural_zero("C", "sex", ["f"]),
    );
    assert!(e.contains("'C'"), "{e}");
    // A count on a structural zero: line 3.
    let e = err(
        "A,B,sex,count\n1,0,f,3\n0,1,m,2\n1,0,m,1\n",
        &spec.clone().structural_zero("B", "sex", ["m"]),
    );
    assert!(
        e.starts_with("in.csv:3:") && e.contains("structural zero"),
        "{e}"
    );
    // Bad entries.
    let e = err("A,B,sex,count\n1,0,f,3\n2,0,f,1\n", &spec);
    assert!(e.starts_with("in.csv:3:1:"), "{e}");
    let e = err("A,B,sex,count\n1,0,f,3\n1,0,f,-1\n", &spec);
    assert!(e.starts_with("in.csv:3:4:"), "{e}");
    let e = err("A,B,sex,count\n1,0,f,3\n1,0,f\n", &spec);
    assert!(e.starts_with("in.csv:3:"), "{e}");
    // Records: a person on no list.
    let e = CovariateTable::parse_records(b"A,B,sex\n1,0,f\n0,0,m\n", "rec.csv", &spec)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("rec.csv:3:"), "{e}");
    // Long format: conflicting values name both lines.
    let e = CovariateTable::parse_long(b"list,id,sex\nA,1,f\nB,2,m\nB,1,m\n", "long.csv", &spec)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("long.csv:4:3:") && e.contains("line 2"),
        "{e}"
    );
    assert!(matches!(
        CovariateTable::parse_frequency(
            b"A,B,count\n1,0,0\n",
            "in.csv",
            &TableSpec::new(Vec::<String>::new())
        ),
        Err(Error::InvalidInput { .. })
    ));
}

#[test]
fn model_errors() {
    let t = westeros(&TableSpec::new(COVS));
    let e = fit(
        &t,
        &Formula::parse("R1 + R2 + R4 + X1").unwrap(),
        &FitOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("'R3'"), "{e}");
    let bad = FitOptions::default().pairs(Pairs::These(vec![("X1".into(), "Z".into())]));
    assert!(matches!(
        fit(&t, &Formula::parse("R1+R2+R3+R4").unwrap(), &bad),
        Err(Error::InvalidOption { .. })
    ));
    assert!(FitOptions::default().tolerance(0.0).validate().is_err());
    assert!(FitOptions::default().max_iterations(0).validate().is_err());
}

#[test]
fn pairs_and_intervals() {
    let t = westeros(&TableSpec::new(COVS));
    let f = fit(
        &t,
        &Formula::parse(W3).unwrap(),
        &FitOptions::reference().pairs(Pairs::All),
    )
    .unwrap();
    assert_eq!(f.by_pair.len(), 10);
    for p in &f.by_pair {
        let sum: f64 = p.rows.iter().map(|g| g.total).sum();
        assert!(rel(sum, f.total.total) < 1e-12);
    }
    let (lo, hi) = (f.total.lower.unwrap(), f.total.upper.unwrap());
    assert!(lo > 1043.0 && lo < f.total.total && hi > f.total.total);
    for t in &f.by_level {
        let obs: u64 = t.rows.iter().map(|g| g.observed).sum();
        assert_eq!(obs, 1043);
    }
}

#[test]
fn w8_existence_is_certified_and_w7_rejected() {
    let t = westeros(&TableSpec::new(COVS));
    let w8 = fit_str(&t, W8);
    assert_eq!(w8.infinite, ["R4:X42"]);
    assert!(w8.existence.certified && w8.existence.lp_optimum.is_none());
    // The LP agrees that the reduced w8 design has a strictly positive table, and finds
    // none for w7 after R3:R4 is fixed at −∞.
    let lp = |f: &str| {
        let terms = Formula::parse(f).unwrap().terms(&t).unwrap();
        let d = Design::new(&t, &terms);
        let y: Vec<f64> = t.counts().iter().map(|&c| c as f64).collect();
        let r = estimate::reduce(&d, &y, true);
        let x = d.sub(&r.rows, &r.kept);
        let yf: Vec<f64> = r.rows.iter().map(|&i| y[i]).collect();
        let names: Vec<String> = r
            .infinite
            .iter()
            .map(|&j| d.columns[j].name.clone())
            .collect();
        (
            existence::fr_lp(&x, r.rows.len(), r.kept.len(), &yf).unwrap(),
            names,
        )
    };
    let (s8, inf8) = lp(W8);
    assert!(s8 > existence::LP_ZERO, "{s8}");
    assert_eq!(inf8, ["R4:X42"]);
    let (s7, inf7) = lp("(R1 + R2 + R3 + R4 + X1 + X2 + X3 + X4 + Y)^2");
    assert!(s7 <= existence::LP_ZERO, "{s7}");
    assert_eq!(inf7, ["R3:R4", "R4:X42"]);
    println!("LP optimum: w8 {s8:e}, w7 {s7:e}");
    let w7 = fit(
        &t,
        &Formula::parse("(R1 + R2 + R3 + R4 + X1 + X2 + X3 + X4 + Y)^2").unwrap(),
        &FitOptions::reference(),
    )
    .unwrap_err();
    assert!(matches!(w7, Error::MleDoesNotExist { .. }), "{w7}");
}

#[test]
fn lattice_fitter_agrees_with_the_dense_fitter() {
    let t = westeros(&TableSpec::new(COVS));
    let w6 = "R1 + R2 + R3 + R4 + R1:R2 + R1:R3 + R1:R4 + R2:R3 + R2:R4 + (R1 + R2 + R3):(X1 + X2 + X3 + X4) + R4:(X1 + X2 + X3) + (R1 + R2 + R3 + R4):Y + (X1 + X2 + X3 + X4 + Y)^2";
    for f in ["R1 + R2 + R3 + R4", W3, w6] {
        let dense = fit_str(&t, f);
        let (dev, nhat, iterations) = search::lattice_fit(&t, f, 1e-10);
        assert!(
            rel(dev, dense.deviance) < 1e-10,
            "{f}: {dev} {}",
            dense.deviance
        );
        assert!(rel(nhat, dense.total.total) < 1e-10, "{f}");
        assert_eq!(iterations, dense.iterations, "{f}");
    }
}

#[test]
fn polynomial_year_of_full_degree_spans_the_factor() {
    let t = westeros(&TableSpec::new(COVS));
    let y = t.covariates().iter().position(|c| c.name == "Y").unwrap();
    // Orthonormal over the 1,536 table rows (observable and unobserved cells).
    let p = Poly::new(&t, y, 2).unwrap();
    let rows = [384.0; 4];
    for a in 0..2 {
        for b in 0..2 {
            let s: f64 = (0..4)
                .map(|l| rows[l] * p.values[a][l] * p.values[b][l])
                .sum();
            assert!((s - f64::from(u8::from(a == b))).abs() < 1e-12);
        }
        assert!((0..4).map(|l| p.values[a][l]).sum::<f64>().abs() < 1e-12);
    }
    assert!(Poly::new(&t, y, 4).is_err());
    // Degree K − 1 spans the same space as the K − 1 indicators: same fit.
    for f in [W3, W8] {
        let terms = Formula::parse(f).unwrap().terms(&t).unwrap();
        let d = Design::with_poly(&t, &terms, Some(Poly::new(&t, y, 3).unwrap()));
        assert!(d.columns.iter().any(|c| c.name == "Y3"));
        let poly = estimate::fit_design(&t, &terms, &d, &FitOptions::reference()).unwrap();
        let factor = fit_str(&t, f);
        assert!(rel(poly.deviance, factor.deviance) < 1e-9, "{f}");
        assert!(rel(poly.total.total, factor.total.total) < 1e-9, "{f}");
    }
}

#[test]
fn model_search_does_not_depend_on_the_number_of_threads() {
    let t = westeros(&TableSpec::new(COVS));
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| model_search(&t, &SearchOptions::default()).unwrap())
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one.selected, 22);
}

/// Screening (the score-statistic and Newton-step lower estimates, the pilot's bound) only
/// spares fits of candidates that cannot decide: on the data and on bootstrap-like tables of
/// westeros the model search's whole path — every accepted model's deviance, rank and
/// estimate — is the same bit for bit with and without it, the replicates started from the
/// data's steps as in the bootstrap.
#[test]
fn screening_changes_no_search_decision() {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Poisson};
    let t = westeros(&TableSpec::new(COVS));
    let opts = search::SearchOptions::default();
    let space = search::Space::new(&t, None).unwrap();
    let data = search::Engine::new(&space, t.counts(), &opts, false).recording();
    let (on_data, _) = search::mse_path(&data, None).unwrap();
    let steps = data.into_steps();
    let plain = search::Engine::new(&space, t.counts(), &opts, false).without_screening();
    assert_eq!(search::mse_path(&plain, None).unwrap().0, on_data);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    for r in 0..30 {
        let counts: Vec<u64> = t
            .counts()
            .iter()
            .map(|&c| match Poisson::new(c as f64) {
                Ok(d) => d.sample(&mut rng) as u64,
                Err(_) => 0,
            })
            .collect();
        let screened = search::Engine::new(&space, &counts, &opts, true).with_data_steps(&steps);
        let plain = search::Engine::new(&space, &counts, &opts, true).without_screening();
        let a = search::mse_path(&screened, None).unwrap().0;
        let b = search::mse_path(&plain, None).unwrap().0;
        assert_eq!(a.models, b.models, "replicate {r}");
        assert!(a.models.len() > 10, "replicate {r}");
    }
}
