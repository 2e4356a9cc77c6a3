//! Properties of graph averaging (`darkfigure::estimators::dga`): normalisation, thread-count
//! invariance, the automatic grid's tail estimate against a longer grid, block skipping and
//! the point-by-point path changing nothing, invariance under reordering the lists, and
//! errors instead of panics.

use darkfigure::data::io::{read_table, Format};
use darkfigure::estimators::dga::{
    self, ChordalGraphs, DgaOptions, DgaPosterior, Grid, ModelPrior, NPrior, PmfOutput,
};
use darkfigure::Error;
use proptest::prelude::*;

fn data(name: &str) -> (usize, Vec<u64>) {
    let t = read_table(
        format!("{}/data/{name}.csv", env!("CARGO_MANIFEST_DIR")),
        Format::Auto,
    )
    .unwrap();
    (t.lists(), t.counts().to_vec())
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs()
    }
}

fn full(o: DgaOptions) -> DgaOptions {
    o.pmf(PmfOutput::All).graph_probabilities(true)
}

/// Every reported number of `a` and `b` agrees within `tol` relative (pmf values and graph
/// probabilities above 1e-250).
fn same(a: &DgaPosterior, b: &DgaPosterior, tol: f64, what: &str) {
    assert_eq!(
        (a.median, &a.quantiles, a.graphs),
        (b.median, &b.quantiles, b.graphs),
        "{what}"
    );
    assert!(
        rel(a.mean, b.mean) <= tol && rel(a.sd, b.sd) <= tol,
        "{what}: mean/sd"
    );
    assert!(
        rel(a.log_normaliser, b.log_normaliser) <= tol,
        "{what}: normaliser"
    );
    assert_eq!(a.pmf.len(), b.pmf.len());
    for (x, y) in a.pmf.iter().zip(&b.pmf) {
        assert_eq!(x.n, y.n);
        if y.probability > 1e-250 {
            assert!(
                rel(x.probability, y.probability) <= tol,
                "{what}: pmf at {}: {:e} vs {:e}",
                x.n,
                x.probability,
                y.probability
            );
        }
    }
    let (pa, pb) = (
        a.graph_probabilities.as_ref().unwrap(),
        b.graph_probabilities.as_ref().unwrap(),
    );
    for (x, y) in pa.iter().zip(pb) {
        if *y > 1e-250 {
            assert!(
                rel(*x, *y) <= tol,
                "{what}: graph probability {x:e} vs {y:e}"
            );
        }
    }
    for (x, y) in a.top_graphs.iter().zip(&b.top_graphs) {
        assert_eq!(
            (x.index, x.median, &x.quantiles),
            (y.index, y.median, &y.quantiles),
            "{what}"
        );
        assert!(rel(x.mean, y.mean) <= tol && rel(x.probability, y.probability) <= tol);
    }
}

#[test]
fn probabilities_sum_to_one() {
    let (t, c) = data("ukdat_5");
    let p = dga::dga(t, &c, &full(DgaOptions::default().grid(Grid::Max(54_880)))).unwrap();
    let g: f64 = p.graph_probabilities.as_ref().unwrap().iter().sum();
    let m: f64 = p.pmf.iter().map(|x| x.probability).sum();
    assert!(
        (g - 1.0).abs() < 1e-12 && (m - 1.0).abs() < 1e-12,
        "{g} {m}"
    );
    assert_eq!(p.pmf.len(), 54_881);
    assert!(p.evaluation.skipped_points > 0 && p.evaluation.max_recurrence_error < 1e-8);
}

/// The same result, bit for bit, on 1 and 2 threads.
#[test]
fn thread_count_invariance() {
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for (name, opts) in [
        ("ukdat_5", DgaOptions::default()),
        ("ned_5", DgaOptions::default().grid(Grid::Max(20 * 8234))),
        (
            "artificial_3",
            DgaOptions::default().grid(Grid::Values((0..2000).step_by(7).collect())),
        ),
    ] {
        let (t, c) = data(name);
        let o = full(opts);
        let a = one.install(|| dga::dga(t, &c, &o).unwrap());
        let b = two.install(|| dga::dga(t, &c, &o).unwrap());
        assert_eq!(a, b, "{name}");
    }
}

/// The automatic grid's tail estimate against the mass a 10× longer grid finds there.
#[test]
fn auto_tail_mass_matches_a_longer_grid() {
    for (name, long) in [("ukdat_5", 500u64), ("artificial_3", 20_000)] {
        let (t, c) = data(name);
        let n: u64 = c[1..].iter().sum();
        let short = dga::dga(t, &c, &DgaOptions::default().grid(Grid::Max(20 * n))).unwrap();
        let p = dga::dga(
            t,
            &c,
            &full(DgaOptions::default().grid(Grid::Max(long * n))),
        )
        .unwrap();
        // Fraction of the long posterior (with its own tail) beyond 20n.
        let tau = p.grid.tail_mass.unwrap();
        let below: f64 = p
            .pmf
            .iter()
            .filter(|x| x.n <= 21 * n)
            .map(|x| x.probability)
            .sum();
        let beyond = 1.0 - below * (1.0 - tau);
        let est = short.grid.tail_mass.unwrap();
        println!("{name}: tail beyond 20n estimated {est:e}, longer grid {beyond:e}");
        assert!(rel(est, beyond) < 0.05, "{name}: {est:e} vs {beyond:e}");
    }
    // The automatic grid stops where the estimate falls below the target.
    let (t, c) = data("ukdat_5");
    let auto = dga::dga(t, &c, &DgaOptions::default()).unwrap();
    assert!(auto.grid.tail_mass.unwrap() < 1e-6 && auto.grid.target_met == Some(true));
    let shorter = dga::dga(t, &c, &DgaOptions::default().grid(Grid::Max(20 * 2744))).unwrap();
    assert!(shorter.grid.tail_mass.unwrap() >= 1e-6);
}

/// Skipping certified-negligible blocks changes no reported number beyond rounding.
#[test]
fn skipping_changes_nothing() {
    for (name, grid) in [
        ("ned_5", Grid::Max(20 * 8234)),
        ("ukdat_5", Grid::Max(20 * 2744)),
    ] {
        let (t, c) = data(name);
        let on = dga::dga(t, &c, &full(DgaOptions::default().grid(grid.clone()))).unwrap();
        let off = dga::dga(t, &c, &full(DgaOptions::default().grid(grid).prune(false))).unwrap();
        assert!(
            on.evaluation.skipped_points * 4 > on.evaluation.points,
            "{name}: little skipped"
        );
        assert_eq!(off.evaluation.skipped, 0);
        same(&on, &off, 1e-13, name);
    }
}

/// The point-by-point path (listed grid) agrees with the recurrence (contiguous grid), to
/// the rounding of `L` itself (`lgamma` values of size ~N log N, ~1e-11 relative here).
#[test]
fn listed_grid_equals_contiguous_grid() {
    for (name, from, to) in [("artificial_3", 0u64, 1920u64), ("ukdat_5", 1000, 9000)] {
        let (t, c) = data(name);
        let a = dga::dga(
            t,
            &c,
            &full(DgaOptions::default().grid(Grid::Range { from, to })),
        )
        .unwrap();
        let b = dga::dga(
            t,
            &c,
            &full(DgaOptions::default().grid(Grid::Values((from..=to).collect()))),
        )
        .unwrap();
        same(&a, &b, 1e-10, name);
    }
}

/// Reordering the lists permutes the graphs and leaves the posterior of N unchanged.
#[test]
fn list_order_invariance() {
    let (t, c) = data("ukdat_5");
    let perm = [3usize, 0, 4, 2, 1];
    let mut c2 = vec![0u64; c.len()];
    for (h, &x) in c.iter().enumerate() {
        let h2: usize = (0..t)
            .filter(|&i| h >> i & 1 == 1)
            .map(|i| 1 << perm[i])
            .sum();
        c2[h2] = x;
    }
    let o = full(DgaOptions::default().grid(Grid::Max(54_880)));
    let a = dga::dga(t, &c, &o).unwrap();
    let b = dga::dga(t, &c2, &o).unwrap();
    assert_eq!((a.median, &a.quantiles), (b.median, &b.quantiles));
    assert!(rel(a.mean, b.mean) < 1e-11);
    for (x, y) in a.pmf.iter().zip(&b.pmf) {
        assert!(rel(x.probability, y.probability) < 1e-9);
    }
    let mut pa = a.graph_probabilities.unwrap();
    let mut pb = b.graph_probabilities.unwrap();
    pa.sort_by(f64::total_cmp);
    pb.sort_by(f64::total_cmp);
    for (x, y) in pa.iter().zip(&pb) {
        assert!(rel(*x, *y) < 1e-9);
    }
    // The top graph is the same graph with relabelled vertices.
    let relabel = |m: u32| -> u32 {
        (0..t)
            .filter(|&i| m >> i & 1 == 1)
            .map(|i| 1 << perm[i])
            .sum()
    };
    let mut ca: Vec<u32> = a.top_graphs[0]
        .cliques
        .iter()
        .map(|&m| relabel(m))
        .collect();
    let mut cb = b.top_graphs[0].cliques.clone();
    ca.sort_unstable();
    cb.sort_unstable();
    assert_eq!(ca, cb);
}

#[test]
fn restrictions_and_priors() {
    let (t, c) = data("ukdat_5");
    // Cliques of at most 4 lists: the saturated graph is out, but two 4-cliques whose
    // private lists (LA, GP) never co-occur alone still give the exponent −1 − 1 = −2.
    let p = dga::dga(
        t,
        &c,
        &DgaOptions::default().max_clique(4).grid(Grid::Max(54_880)),
    )
    .unwrap();
    assert_eq!(p.graphs, 821);
    assert_eq!((p.tail_exponent, p.mean_finite), (Some(-2.0), false));
    // At most 3: the heaviest tail is N^−6.125 and the mean finite.
    let p = dga::dga(
        t,
        &c,
        &DgaOptions::default().max_clique(3).grid(Grid::Max(54_880)),
    )
    .unwrap();
    assert_eq!(p.graphs, 756);
    assert!(p.tail_exponent.unwrap() < -2.0 && p.mean_finite);
    assert!(!p.warnings.iter().any(|w| w.contains("infinite")));
    // A model prior excluding every graph but one gives that graph probability 1.
    let sat = |g: &dga::Graph| {
        if g.cliques() == [31] {
            0.0
        } else {
            f64::NEG_INFINITY
        }
    };
    let p = dga::dga(
        t,
        &c,
        &DgaOptions::default()
            .model_prior(ModelPrior::Function(std::sync::Arc::new(sat)))
            .grid(Grid::Max(1000))
            .top(2),
    )
    .unwrap();
    assert_eq!(p.top_graphs[0].probability, 1.0);
    assert_eq!(p.top_graphs[0].cliques, vec![31]);
    // A vector prior with excluded points: mass only where the prior is finite.
    let mut v = vec![f64::NEG_INFINITY; 1001];
    v[500..].iter_mut().for_each(|x| *x = 0.0);
    let p = dga::dga(
        t,
        &c,
        &full(
            DgaOptions::default()
                .prior(NPrior::Vector(v))
                .grid(Grid::Max(1000)),
        ),
    )
    .unwrap();
    assert!(p
        .pmf
        .iter()
        .all(|x| (x.n - 2744 >= 500) || x.probability == 0.0));
    assert!(p.grid.tail_mass.is_none() && p.mean_finite);
}

#[test]
fn errors_not_panics() {
    let (t, c) = data("ukdat_5");
    let d = DgaOptions::default();
    let invalid =
        |r: darkfigure::Result<DgaPosterior>| matches!(r, Err(Error::InvalidOption { .. }));
    assert!(invalid(dga::dga(2, &[0, 3, 4, 5], &d)));
    assert!(invalid(dga::dga(5, &c[..16], &d)));
    assert!(
        matches!(dga::dga(9, &vec![1; 512], &d), Err(Error::ModelSpaceTooLarge { ref count, .. }) if count == "2,192,816,760")
    );
    assert!(matches!(
        dga::dga(3, &[0; 8], &d),
        Err(Error::Undefined { .. })
    ));
    for o in [
        d.clone().delta(0.0),
        d.clone().delta(f64::NAN),
        d.clone().prior(NPrior::Vector(vec![0.0; 3])),
        d.clone()
            .grid(Grid::Max(10))
            .prior(NPrior::Vector(vec![0.0; 3])),
        d.clone().grid(Grid::Range { from: 5, to: 4 }),
        d.clone().grid(Grid::Values(vec![3, 2])),
        d.clone().prior(NPrior::LogNormal { mu: 1.0, sd: -1.0 }),
        d.clone().top(0),
        d.clone().quantiles(vec![1.5]),
        d.clone().auto_tail(0.0),
        d.clone().model_prior(ModelPrior::LogWeights(vec![0.0; 3])),
        d.clone()
            .model_prior(ModelPrior::LogWeights(vec![f64::NEG_INFINITY; 822])),
    ] {
        let r = dga::dga(t, &c, &o);
        assert!(r.is_err(), "{o:?}");
    }
    // Too much work for an explicit grid: refused with an estimate.
    let r = dga::dga(t, &c, &d.clone().grid(Grid::Max(1_000_000)).work_limit(1e8));
    assert!(
        matches!(r, Err(Error::TooCostly { ref reason, .. }) if reason.contains("evaluations"))
    );
}

/// Eight lists (New Orleans, 30,888,596 graphs × 3,701 grid points) exceed the default
/// work limit and are refused at once with an estimate of the time.
#[test]
fn eight_lists_work_estimate() {
    let (t, c) = data("neworl");
    assert_eq!(t, 8);
    let r = dga::dga(t, &c, &DgaOptions::default());
    match r {
        Err(Error::TooCostly { reason, .. }) => {
            println!("{reason}");
            assert!(
                reason.contains("30,888,596 decomposable graphs"),
                "{reason}"
            );
            assert!(reason.contains(" s on 2 cores"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random 3- and 4-list tables: probabilities sum to 1, summaries are ordered and on the
    /// grid, and nothing panics.
    #[test]
    fn random_tables(t in 3usize..=4, seed in proptest::collection::vec(0u64..60, 16), delta in prop_oneof![Just(None), (0.01f64..2.0).prop_map(Some)]) {
        let mut c: Vec<u64> = seed[..1 << t].to_vec();
        c[0] = 0;
        let n: u64 = c.iter().sum();
        let mut o = full(DgaOptions::default().grid(Grid::Max(20 * n.max(1))));
        if let Some(d) = delta {
            o = o.delta(d);
        }
        match dga::dga(t, &c, &o) {
            Ok(p) => {
                let g: f64 = p.graph_probabilities.as_ref().unwrap().iter().sum();
                let m: f64 = p.pmf.iter().map(|x| x.probability).sum();
                prop_assert!((g - 1.0).abs() < 1e-10 && (m - 1.0).abs() < 1e-10);
                prop_assert_eq!(p.graphs, ChordalGraphs::count(t, None).unwrap());
                let qs: Vec<u64> = p.quantiles.iter().map(|q| q.n).collect();
                prop_assert!(qs.windows(2).all(|w| w[0] <= w[1]));
                prop_assert!(p.median >= n && p.median <= 21 * n);
                prop_assert!(p.mean >= n as f64 && p.mean <= 21.0 * n as f64);
            }
            Err(e) => prop_assert!(n == 0, "{e}"),
        }
    }
}

/// Extreme δ still gives a normalised posterior (no NaN from the curvature bounds).
#[test]
fn extreme_delta() {
    let (t, c) = data("artificial_3");
    for d in [1e-200, 1e-12, 1e3] {
        let p = dga::dga(
            t,
            &c,
            &full(DgaOptions::default().delta(d).grid(Grid::Max(1920))),
        )
        .unwrap();
        let m: f64 = p.pmf.iter().map(|x| x.probability).sum();
        assert!(
            (m - 1.0).abs() < 1e-10 && p.mean.is_finite(),
            "delta {d}: {m}"
        );
    }
}

/// A grid beyond the 2^21 kept pmf points: the pmf is thinned and the quantiles come from
/// re-evaluating the piece that holds them. Checked against dga's definition through the
/// normalisers of shorter grids: `Σ_{m ≤ q_m} p = exp(log Z(0..=q_m) − log Z(grid))`.
#[test]
fn quantiles_on_a_thinned_grid() {
    let (t, c) = data("artificial_3");
    let n = 96u64;
    let big = 3_000_000u64;
    let p = dga::dga(t, &c, &full(DgaOptions::default().grid(Grid::Max(big)))).unwrap();
    assert!(
        p.pmf.len() <= (big / 2 + 2) as usize && p.warnings.iter().any(|w| w.contains("every"))
    );
    let log_z = |top: u64| {
        dga::dga(
            t,
            &c,
            &DgaOptions::default()
                .grid(Grid::Max(top))
                .pmf(PmfOutput::None),
        )
        .unwrap()
        .log_normaliser
    };
    for q in p.quantiles.iter().chain([&dga::Quantile {
        level: 0.5,
        n: p.median,
    }]) {
        let m = q.n - n;
        let at = (log_z(m) - p.log_normaliser).exp();
        assert!(at >= q.level * (1.0 - 1e-12), "{q:?}: {at}");
        if m > 0 {
            let before = (log_z(m - 1) - p.log_normaliser).exp();
            assert!(before < q.level * (1.0 + 1e-12), "{q:?}: {before}");
        }
    }
}
