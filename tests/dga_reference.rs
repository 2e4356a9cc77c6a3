//! Graph averaging (`darkfigure::estimators::dga`) against dga 2.0.2's `bma.cr`.
//!
//! Every expected value comes from `tests/reference/dga/*.json` (copied from
//! `shared/reference/dga/`, see the `source` field of each file): ukdat_5 and artificial_3 on
//! dga's `0:(20n)` grid and on the converged grid, the illustrative log-normal prior, the
//! documented `?bma.cr` examples, and the package graph lists `graphs3`/`graphs4`. Graphs are
//! matched by clique set; for five lists, where the package list is not available, the
//! package order is recovered from the reference weights themselves (see
//! `five_list_graph_weights`). Tolerance 1e-6 relative; the largest error seen is printed
//! (`--nocapture`).

mod common;

use std::collections::HashMap;

use common::load;
use darkfigure::estimators::dga::{
    self, ChordalGraphs, DgaOptions, DgaPosterior, Graph, Grid, ModelPrior, NPrior, PmfOutput,
};
use serde_json::Value;

const TOL: f64 = 1e-6;

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs()
    }
}

/// Tracks the largest relative error per label and asserts each against `TOL`.
#[derive(Default)]
struct Check {
    worst: Vec<(String, f64)>,
}

impl Check {
    #[track_caller]
    fn close(&mut self, label: &str, got: f64, want: f64) {
        let e = rel(got, want);
        assert!(e <= TOL, "{label}: got {got:e}, want {want:e} (rel {e:e})");
        match self.worst.iter_mut().find(|(l, _)| l == label) {
            Some((_, w)) => *w = w.max(e),
            None => self.worst.push((label.to_string(), e)),
        }
    }

    #[track_caller]
    fn eq(&mut self, label: &str, got: u64, want: f64) {
        assert_eq!(got as f64, want, "{label}");
    }

    fn print(&self, what: &str) {
        for (l, w) in &self.worst {
            println!("{what}: {l}: max rel error {w:.2e}");
        }
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn mask(vertices: &Value) -> u32 {
    vertices
        .as_array()
        .unwrap()
        .iter()
        .map(|v| 1u32 << (v.as_u64().unwrap() - 1))
        .sum()
}

/// A graph's identity: sorted cliques and sorted separators.
fn key_of(cliques: &[u32], separators: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let (mut c, mut s) = (cliques.to_vec(), separators.to_vec());
    c.sort_unstable();
    s.sort_unstable();
    (c, s)
}

fn key_json(g: &Value) -> (Vec<u32>, Vec<u32>) {
    let c: Vec<u32> = g["cliques"].as_array().unwrap().iter().map(mask).collect();
    let s: Vec<u32> = g["separators"]
        .as_array()
        .unwrap()
        .iter()
        .map(mask)
        .collect();
    key_of(&c, &s)
}

fn key(g: &Graph) -> (Vec<u32>, Vec<u32>) {
    key_of(g.cliques(), g.separators())
}

/// Counts indexed by bitmask from `data: {patterns, counts}`.
fn counts_of(t: usize, data: &Value) -> Vec<u64> {
    let mut c = vec![0u64; 1 << t];
    for (p, n) in data["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .zip(data["counts"].as_array().unwrap())
    {
        let h: usize = p
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, x)| (x.as_u64().unwrap() as usize) << i)
            .sum();
        c[h] += n.as_u64().unwrap();
    }
    c
}

/// dga's column-major `Y_vector` is already indexed by bitmask (dimension i = bit i).
fn counts_of_y(y: &Value) -> Vec<u64> {
    y.as_array().unwrap().iter().map(|v| f(v) as u64).collect()
}

/// Our graphs in enumeration order.
fn our_graphs(t: usize) -> Vec<Graph> {
    ChordalGraphs::new(t, None).unwrap().collect()
}

/// Map: package index (0-based) → our index, by clique set, from a package graph list.
fn package_map(list: &Value, ours: &[Graph]) -> Vec<usize> {
    let by_key: HashMap<_, usize> = ours.iter().enumerate().map(|(i, g)| (key(g), i)).collect();
    list["graphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| by_key[&key_json(g)])
        .collect()
}

fn all(opts: DgaOptions) -> DgaOptions {
    opts.pmf(PmfOutput::All).graph_probabilities(true)
}

fn pmf_map(p: &DgaPosterior) -> HashMap<u64, f64> {
    p.pmf.iter().map(|x| (x.n, x.probability)).collect()
}

/// N summaries (mean, median, quantiles, sd) of a reference block.
fn check_summaries(c: &mut Check, p: &DgaPosterior, want: &Value) {
    c.close("mean", p.mean, f(&want["mean"]));
    c.eq("median", p.median, f(&want["median"]));
    if want.get("sd").is_some() {
        c.close("sd", p.sd, f(&want["sd"]));
    }
    for (name, level) in [
        ("q005", 0.005),
        ("q025", 0.025),
        ("q975", 0.975),
        ("q995", 0.995),
    ] {
        if let Some(w) = want.get(name) {
            let q = p.quantiles.iter().find(|q| q.level == level).unwrap();
            c.eq(name, q.n, f(w));
        }
    }
}

/// Top graphs by clique set, with probabilities and (if given) N given the graph.
fn check_top(c: &mut Check, p: &DgaPosterior, want: &Value, ours: &[Graph]) {
    for (k, w) in want.as_array().unwrap().iter().enumerate() {
        let got = &p.top_graphs[k];
        assert_eq!(key(&ours[got.index as usize]), key_json(w), "top graph {k}");
        assert_eq!(key_of(&got.cliques, &got.separators), key_json(w));
        c.close(
            "top graph probability",
            got.probability,
            f(&w["posterior_prob"]),
        );
        if let Some(g) = w.get("N_given_graph") {
            c.close("N given graph: mean", got.mean, f(&g["mean"]));
            c.eq("N given graph: median", got.median, f(&g["median"]));
            for (name, level) in [("q025", 0.025), ("q975", 0.975)] {
                let q = got.quantiles.iter().find(|q| q.level == level).unwrap();
                c.eq(name, q.n, f(&g[name]));
            }
        }
    }
}

fn run(t: usize, counts: &[u64], opts: &DgaOptions) -> DgaPosterior {
    dga::dga(t, counts, opts).unwrap()
}

/// Reference blocks of a data set's JSON with package-order graph weights mapped by `map`.
fn check_grid_block(
    c: &mut Check,
    t: usize,
    counts: &[u64],
    block: &Value,
    opts: DgaOptions,
    map: Option<&[usize]>,
    ours: &[Graph],
) -> DgaPosterior {
    let max = block["nmissing"][1].as_u64().unwrap();
    let p = run(t, counts, &all(opts.grid(Grid::Max(max))));
    assert_eq!(p.grid.max, max);
    assert_eq!(p.grid.points, max + 1);
    check_summaries(c, &p, &block["N"]);
    check_top(c, &p, &block["top_graphs"], ours);
    let probs = p.graph_probabilities.as_ref().unwrap();
    if let Some(map) = map {
        for (r, w) in block["model_posterior"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            c.close("graph weight", probs[map[r]], f(w));
        }
    }
    if let Some(top) = block.get("pmf_at_grid_top") {
        c.close("pmf at grid top", p.grid.pmf_at_top, f(top));
    }
    if let Some(sat) = block.get("saturated_model_prob") {
        let i = ours
            .iter()
            .position(|g| g.cliques() == [(1u32 << t) - 1])
            .unwrap();
        c.close("saturated graph weight", probs[i], f(sat));
    }
    if let Some(pts) = block.get("pmf_points") {
        let pm = pmf_map(&p);
        let n = p.observed;
        for (m, w) in pts["nmissing"]
            .as_array()
            .unwrap()
            .iter()
            .zip(pts["pmf"].as_array().unwrap())
        {
            c.close("pmf point", pm[&(m.as_u64().unwrap() + n)], f(w));
        }
    }
    if let Some(top10) = block.get("posterior_mass_top10pct_of_grid") {
        // The mass at m > 0.9·max (dga reference definition).
        let n = p.observed;
        let m: f64 = p
            .pmf
            .iter()
            .filter(|x| (x.n - n) as f64 > 0.9 * max as f64)
            .map(|x| x.probability)
            .sum();
        c.close("mass in top 10% of grid", m, f(top10));
    }
    p
}

#[test]
fn artificial_3() {
    let r = load("dga/artificial_3.json");
    let ours = our_graphs(3);
    let map = package_map(&load("dga/graphs3.json"), &ours);
    let counts = counts_of(3, &r["data"]);
    let mut c = Check::default();
    let p20 = check_grid_block(
        &mut c,
        3,
        &counts,
        &r["grid_20x"],
        DgaOptions::default(),
        Some(&map),
        &ours,
    );
    let tail20 = f(&r["grid_20x"]["estimated_mass_beyond_grid"]);
    println!(
        "artificial_3 20x: tail mass ours {:e}, reference {tail20:e}",
        p20.grid.tail_mass.unwrap()
    );
    let pc = check_grid_block(
        &mut c,
        3,
        &counts,
        &r["grid_converged"],
        DgaOptions::default(),
        Some(&map),
        &ours,
    );
    // Absolute constants.
    let abs = &r["grid_converged"]["abs_check"];
    let anchor = abs["anchor_nmissing"].as_u64().unwrap();
    let opts = DgaOptions::default();
    for (idx, want) in abs["logpost_unnorm_at_anchor_graph"].as_object().unwrap() {
        let g = &ours[map[idx.parse::<usize>().unwrap() - 1]];
        c.close(
            "abs: L of graph at anchor",
            dga::log_joint(3, &counts, &opts, g, anchor, 0.0).unwrap(),
            f(want),
        );
    }
    let mx = ours
        .iter()
        .map(|g| dga::log_joint(3, &counts, &opts, g, anchor, 0.0).unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    c.close(
        "abs: max L at anchor",
        mx,
        f(&abs["max_logpost_unnorm_at_anchor"]),
    );
    c.close(
        "abs: log normaliser",
        pc.log_normaliser,
        f(&abs["log_normaliser_grid"]),
    );
    // The automatic grid reaches the same cap (10,000 n) without meeting the target.
    let auto = run(3, &counts, &DgaOptions::default());
    assert_eq!(auto.grid.max, 960_000);
    assert_eq!(auto.grid.auto_ratio, Some(10_000));
    assert_eq!(auto.grid.target_met, Some(false));
    assert!(auto.warnings.iter().any(|w| w.contains("cap")));
    assert!(!auto.mean_finite);
    check_summaries(&mut c, &auto, &r["grid_converged"]["N"]);
    println!(
        "artificial_3 converged: tail mass ours {:e}, reference {:e}",
        auto.grid.tail_mass.unwrap(),
        f(&r["grid_converged"]["estimated_mass_beyond_grid"])
    );
    // Log-normal prior (an illustrative user logprior in the reference).
    let ln = &r["lognormal_prior"];
    let n = counts[1..].iter().sum::<u64>() as f64;
    let opts = DgaOptions::default().prior(NPrior::LogNormal {
        mu: (2.0 * n).ln(),
        sd: 1.0,
    });
    let pl = check_grid_block(&mut c, 3, &counts, ln, opts, Some(&map), &ours);
    assert!(pl.mean_finite);
    c.print("artificial_3");
}

#[test]
fn ukdat_5() {
    let r = load("dga/ukdat_5.json");
    let ours = our_graphs(5);
    assert_eq!(ours.len(), 822);
    let counts = counts_of(5, &r["data"]);
    let mut c = Check::default();
    let p20 = check_grid_block(
        &mut c,
        5,
        &counts,
        &r["grid_20x"],
        DgaOptions::default(),
        None,
        &ours,
    );
    let pc = check_grid_block(
        &mut c,
        5,
        &counts,
        &r["grid_converged"],
        DgaOptions::default(),
        None,
        &ours,
    );
    for (p, b) in [(&p20, "grid_20x"), (&pc, "grid_converged")] {
        println!(
            "ukdat_5 {b}: tail mass ours {:e}, reference {:e}",
            p.grid.tail_mass.unwrap(),
            f(&r[b]["estimated_mass_beyond_grid"])
        );
        let (ours_t, want) = (
            p.grid.tail_mass.unwrap(),
            f(&r[b]["estimated_mass_beyond_grid"]),
        );
        assert!(
            (ours_t / want - 1.0).abs() < 0.1,
            "tail estimate {ours_t:e} vs {want:e}"
        );
    }
    // Absolute constants at the anchor.
    let abs = &r["grid_converged"]["abs_check"];
    let anchor = abs["anchor_nmissing"].as_u64().unwrap();
    let opts = DgaOptions::default();
    let top517 = &r["grid_converged"]["top_graphs"][0];
    assert_eq!(top517["index"], 517);
    let g517 = ours.iter().find(|g| key(g) == key_json(top517)).unwrap();
    c.close(
        "abs: L of graph 517",
        dga::log_joint(5, &counts, &opts, g517, anchor, 0.0).unwrap(),
        f(&abs["logpost_unnorm_at_anchor_graph"]["517"]),
    );
    let mx = ours
        .iter()
        .map(|g| dga::log_joint(5, &counts, &opts, g, anchor, 0.0).unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    c.close(
        "abs: max L at anchor",
        mx,
        f(&abs["max_logpost_unnorm_at_anchor"]),
    );
    c.close(
        "abs: log normaliser",
        pc.log_normaliser,
        f(&abs["log_normaliser_grid"]),
    );
    // The automatic grid stops at 50 n, the reference's converged grid.
    let auto = run(5, &counts, &DgaOptions::default());
    assert_eq!(
        (auto.grid.max, auto.grid.auto_ratio, auto.grid.target_met),
        (137_200, Some(50), Some(true))
    );
    check_summaries(&mut c, &auto, &r["grid_converged"]["N"]);
    assert!(!auto.mean_finite && auto.warnings.iter().any(|w| w.contains("infinite")));
    let n = 2744.0f64;
    let opts = DgaOptions::default().prior(NPrior::LogNormal {
        mu: (2.0 * n).ln(),
        sd: 1.0,
    });
    check_grid_block(&mut c, 5, &counts, &r["lognormal_prior"], opts, None, &ours);
    c.print("ukdat_5");
}

/// The 822 five-list graph weights in package order. The package list `graphs5` is not in the
/// reference set, but its order is by number of edges first: within each edge count, each
/// package graph is matched to the one of ours whose weights agree on all four reference
/// runs (ukdat_5 on two grids and with the log-normal prior, and the `?bma.cr` 5-list
/// example); the match must be unique, a bijection, and then every weight within 1e-6.
#[test]
fn five_list_graph_weights() {
    let uk = load("dga/ukdat_5.json");
    let ex = load("dga/examples_madigan_york.json");
    let ours = our_graphs(5);
    let uk_counts = counts_of(5, &uk["data"]);
    let n = 2744.0f64;
    let my5 = &ex["examples"]["my5"];
    let runs: Vec<(Vec<f64>, Vec<f64>)> = [
        (
            5,
            uk_counts.clone(),
            DgaOptions::default().grid(Grid::Max(54_880)),
            &uk["grid_20x"],
        ),
        (
            5,
            uk_counts.clone(),
            DgaOptions::default().grid(Grid::Max(137_200)),
            &uk["grid_converged"],
        ),
        (
            5,
            uk_counts.clone(),
            DgaOptions::default()
                .grid(Grid::Max(137_200))
                .prior(NPrior::LogNormal {
                    mu: (2.0 * n).ln(),
                    sd: 1.0,
                }),
            &uk["lognormal_prior"],
        ),
        (
            5,
            counts_of_y(&my5["Y_vector"]),
            DgaOptions::default()
                .delta(0.5)
                .grid(Grid::Range { from: 1, to: 300 }),
            my5,
        ),
    ]
    .into_iter()
    .map(|(t, counts, opts, block)| {
        let p = run(t, &counts, &opts.graph_probabilities(true));
        let want: Vec<f64> = block["model_posterior"]
            .as_array()
            .unwrap()
            .iter()
            .map(f)
            .collect();
        (p.graph_probabilities.unwrap(), want)
    })
    .collect();
    // Edge-count blocks of the package order.
    let mut by_edges: Vec<Vec<usize>> = vec![Vec::new(); 11];
    for (i, g) in ours.iter().enumerate() {
        by_edges[g.edge_count()].push(i);
    }
    let dist = |o: usize, r: usize| {
        runs.iter()
            .map(|(got, want)| rel(got[o], want[r]))
            .fold(0.0, f64::max)
    };
    let mut map = vec![usize::MAX; 822];
    let mut used = vec![false; 822];
    let mut r = 0;
    for block in &by_edges {
        for _ in 0..block.len() {
            let mut d: Vec<(f64, usize)> = block.iter().map(|&o| (dist(o, r), o)).collect();
            d.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert!(
                d[0].0 <= TOL,
                "package graph {}: best match off by {:e}",
                r + 1,
                d[0].0
            );
            assert!(
                d.len() == 1 || d[1].0 > 1e-3,
                "package graph {}: ambiguous match",
                r + 1
            );
            assert!(!used[d[0].1]);
            used[d[0].1] = true;
            map[r] = d[0].1;
            r += 1;
        }
    }
    let worst = (0..822).map(|r| dist(map[r], r)).fold(0.0, f64::max);
    println!("five-list graph weights: max rel error {worst:.2e} over 4 runs × 822 graphs");
    // The package's top graphs (by index and clique set) map to the same graphs.
    for t in uk["grid_converged"]["top_graphs"].as_array().unwrap() {
        let idx = t["index"].as_u64().unwrap() as usize - 1;
        assert_eq!(
            key(&ours[map[idx]]),
            key_json(t),
            "package graph {}",
            idx + 1
        );
    }
    for t in uk["lognormal_prior"]["top_graphs"].as_array().unwrap() {
        let idx = t["index"].as_u64().unwrap() as usize - 1;
        assert_eq!(key(&ours[map[idx]]), key_json(t));
    }
    // ?bma.cr top 5.
    for t in my5["top5"].as_array().unwrap() {
        let idx = t["index"].as_u64().unwrap() as usize - 1;
        assert!(rel(runs[3].0[map[idx]], f(&t["prob"])) <= TOL);
    }
}

#[test]
fn bma_cr_examples() {
    let ex = load("dga/examples_madigan_york.json");
    let ours3 = our_graphs(3);
    let map3 = package_map(&load("dga/graphs3.json"), &ours3);
    let mut c = Check::default();
    for name in ["my5", "my3_nbprior", "my3_modelprior"] {
        let e = &ex["examples"][name];
        let counts = counts_of_y(&e["Y_vector"]);
        let t = counts.len().trailing_zeros() as usize;
        let nm: Vec<u64> = e["nmissing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let grid = if nm[0] == 0 {
            Grid::Max(*nm.last().unwrap())
        } else {
            Grid::Range {
                from: nm[0],
                to: *nm.last().unwrap(),
            }
        };
        let mut opts = all(DgaOptions::default().delta(f(&e["delta"])).grid(grid));
        if let Some(lp) = e["logprior"].as_array() {
            // The 3-list negative-binomial-type logprior (a = 13.14, b = 55.17), as given.
            opts = opts.prior(NPrior::Vector(lp.iter().map(f).collect()));
        }
        let mut model_weight = vec![0.0; 1 << t];
        if let Some(w) = e["log_prior_model_weights"].as_array() {
            // log(1:8) in package order → our order.
            let mut ours_w = vec![0.0; 8];
            for (r, v) in w.iter().enumerate() {
                ours_w[map3[r]] = f(v);
            }
            model_weight = ours_w.clone();
            opts = opts.model_prior(ModelPrior::LogWeights(ours_w));
        }
        let p = run(t, &counts, &opts);
        c.close(&format!("{name}: mean"), p.mean, f(&e["N"]["mean"]));
        c.eq(&format!("{name}: median"), p.median, f(&e["N"]["median"]));
        for (q, level) in [("q025", 0.025), ("q975", 0.975)] {
            c.eq(
                q,
                p.quantiles.iter().find(|x| x.level == level).unwrap().n,
                f(&e["N"][q]),
            );
        }
        let pmf = e
            .get("pmf")
            .or(e.get("pmf_first_200"))
            .unwrap()
            .as_array()
            .unwrap();
        for (k, w) in pmf.iter().enumerate() {
            c.close(&format!("{name}: pmf"), p.pmf[k].probability, f(w));
            assert_eq!(p.pmf[k].n, p.observed + nm[k]);
        }
        let probs = p.graph_probabilities.as_ref().unwrap();
        if t == 3 {
            for (r, w) in e["model_posterior"].as_array().unwrap().iter().enumerate() {
                c.close(&format!("{name}: graph weight"), probs[map3[r]], f(w));
            }
        }
        // W[1, first 5 grid points]: package graph 1 is the independence graph in both lists.
        let g1 = our_graphs(t)
            .into_iter()
            .find(|g| g.edge_count() == 0)
            .unwrap();
        let w1 = if t == 3 { model_weight[map3[0]] } else { 0.0 };
        for (k, w) in e["W_first_graph_first5"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let l = dga::log_joint(t, &counts, &opts, &g1, nm[k], w1).unwrap();
            c.close(
                &format!("{name}: W[1, m]"),
                (l - p.log_normaliser).exp(),
                f(w),
            );
        }
    }
    c.print("?bma.cr examples");
}

/// `data(graphs3)` and `data(graphs4)`: the same graphs, cliques and separators.
#[test]
fn package_graph_lists() {
    for (t, file) in [(3, "dga/graphs3.json"), (4, "dga/graphs4.json")] {
        let list = load(file);
        let mut want: Vec<_> = list["graphs"]
            .as_array()
            .unwrap()
            .iter()
            .map(key_json)
            .collect();
        let mut got: Vec<_> = our_graphs(t).iter().map(key).collect();
        assert_eq!(got.len(), list["n_graphs"].as_u64().unwrap() as usize);
        want.sort();
        got.sort();
        assert_eq!(got, want, "{t} lists");
        // The package's edge lists agree with our adjacency.
        let ours = our_graphs(t);
        let map = package_map(&list, &ours);
        for (r, g) in list["graphs"].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                ours[map[r]].edge_count(),
                g["edges"].as_array().unwrap().len()
            );
        }
    }
}

/// Counts of A058862 from the enumeration, and the 822 five-list graphs' structure.
#[test]
fn enumeration_counts() {
    for (t, n) in [(3, 8u64), (4, 61), (5, 822), (6, 18_154), (7, 617_675)] {
        assert_eq!(
            ChordalGraphs::new(t, None).unwrap().count() as u64,
            n,
            "{t} lists"
        );
    }
    let five = our_graphs(5);
    let mut seen = std::collections::HashSet::new();
    for g in &five {
        assert!(seen.insert(key(g)), "duplicate graph");
        let sc: u32 = g.cliques().iter().map(|c| c.count_ones()).sum();
        let ss: u32 = g.separators().iter().map(|s| s.count_ones()).sum();
        assert_eq!(sc - ss, 5);
    }
    assert_eq!(five.last().unwrap().cliques(), &[31]);
}

#[test]
#[ignore = "enumerates 30,888,596 graphs (several seconds)"]
fn enumeration_count_eight_lists() {
    assert_eq!(ChordalGraphs::new(8, None).unwrap().count(), 30_888_596);
}
