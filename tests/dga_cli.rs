//! `estimate --method dga`, `models --method dga` and the report's `dga` row through the
//! command line, against dga 2.0.2's `bma.cr` on the UK 5-list data.
//!
//! Source: `tests/reference/dga/ukdat_5.json` (copied from `shared/reference/dga/`; see
//! `tests/reference/SOURCES.md`): `grid_20x` is `bma.cr(Y, Nmissing = 0:(20n), delta = 2^-5)`,
//! `grid_converged` the grid `0:(50n)` where the estimated tail mass is below 1e-6 (what our
//! automatic grid must choose), `lognormal_prior` a user-supplied log-normal `logprior`
//! on `0:(50n)`. The library-level comparison (every graph's weight, the pmf) is in
//! `tests/dga_reference.rs`.

use assert_cmd::Command;
use serde_json::Value;

const TOL: f64 = 1e-6;

fn data(f: &str) -> String {
    format!("{}/data/{f}", env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> Value {
    let path = format!(
        "{}/tests/reference/dga/ukdat_5.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn run(args: &[&str]) -> (i32, Value, String) {
    let o = Command::cargo_bin("darkfigure")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (
        o.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[track_caller]
fn close(got: &Value, want: &Value, what: &str) {
    let (g, w) = (got.as_f64().unwrap(), want.as_f64().unwrap());
    let d = (g - w).abs() / w.abs().max(1e-300);
    assert!(d <= TOL, "{what}: got {g}, want {w} (rel diff {d:e})");
}

/// The package's `[LA,NG,PFNCA][PFNCA,GO]` as our `["LA:NG:PFNCA", "PFNCA:GO"]`, sorted.
fn package_cliques(named: &str) -> Vec<String> {
    let mut v: Vec<String> = named
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split("][")
        .map(|c| c.replace(',', ":"))
        .collect();
    v.sort();
    v
}

fn our_cliques(g: &Value) -> Vec<String> {
    let mut v: Vec<String> = g["cliques"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// Mean, sd (1e-6) and the five quantiles (exact) of the posterior of N.
fn check_posterior(p: &Value, want: &Value, what: &str) {
    close(&p["mean"], &want["mean"], &format!("{what} mean"));
    close(&p["sd"], &want["sd"], &format!("{what} sd"));
    for (ours, theirs) in [
        ("0.005", "q005"),
        ("0.025", "q025"),
        ("0.5", "median"),
        ("0.975", "q975"),
        ("0.995", "q995"),
    ] {
        assert_eq!(
            p["quantiles"][ours].as_f64().unwrap(),
            want[theirs].as_f64().unwrap(),
            "{what} quantile {ours}"
        );
    }
}

/// Our top graphs are the package's, in order, with its posterior probabilities.
fn check_top(ours: &[Value], theirs: &[Value], what: &str) {
    for (k, (g, w)) in ours.iter().zip(theirs).enumerate() {
        assert_eq!(
            our_cliques(g),
            package_cliques(w["cliques_named"].as_str().unwrap()),
            "{what}: graph {k}"
        );
        close(
            &g["probability"],
            &w["posterior_prob"],
            &format!("{what}: probability of graph {k}"),
        );
        if let Some(n) = w.get("N_given_graph") {
            close(
                &g["mean"],
                &n["mean"],
                &format!("{what}: mean of N given graph {k}"),
            );
            assert_eq!(g["estimate"], n["median"], "{what}: median given graph {k}");
        }
    }
}

#[test]
fn estimate_on_the_20n_grid_is_bma_cr() {
    let r = reference();
    let (code, j, err) = run(&[
        "estimate",
        &data("ukdat_5.csv"),
        "--method",
        "dga",
        "--grid",
        "54880",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let want = &r["grid_20x"];
    check_posterior(&j["posterior"], &want["N"], "grid 20n");
    assert_eq!(j["estimate"].as_f64(), want["N"]["median"].as_f64());
    assert_eq!(j["interval"]["method"], "credible");
    assert_eq!(j["interval"]["lower"].as_f64(), want["N"]["q025"].as_f64());
    assert_eq!(j["interval"]["upper"].as_f64(), want["N"]["q975"].as_f64());
    assert_eq!(j["posterior"]["graphs"], 822);
    assert_eq!(j["posterior"]["mean_finite"], false);
    check_top(
        j["posterior"]["top_graphs"].as_array().unwrap(),
        want["top_graphs"].as_array().unwrap(),
        "grid 20n",
    );
    // The infinite mean is said, in the JSON and on stderr of the text output.
    assert!(j["posterior"]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("infinite"));
    assert_eq!(j["options"]["method"], "dga");
    assert_eq!(j["options"]["dga"]["grid"], "54880");
}

#[test]
fn the_automatic_grid_is_the_converged_one() {
    let r = reference();
    let want = &r["grid_converged"];
    let (code, j, err) = run(&[
        "estimate",
        &data("ukdat_5.csv"),
        "--method",
        "dga",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let p = &j["posterior"];
    assert_eq!(p["grid"]["auto_ratio"], want["ratio_to_observed"]);
    assert_eq!(p["grid"]["target_met"], true);
    assert_eq!(
        p["grid"]["max"].as_f64().unwrap(),
        want["nmissing"][1].as_f64().unwrap()
    );
    check_posterior(p, &want["N"], "automatic grid");
    check_top(
        p["top_graphs"].as_array().unwrap(),
        want["top_graphs"].as_array().unwrap(),
        "automatic grid",
    );
}

#[test]
fn a_lognormal_prior_is_the_user_supplied_logprior() {
    let r = reference();
    let want = &r["lognormal_prior"];
    let (code, j, err) = run(&[
        "estimate",
        &data("ukdat_5.csv"),
        "--method",
        "dga",
        "--grid",
        "137200",
        "--prior",
        "lognormal:8.610319169405722,1",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    check_posterior(&j["posterior"], &want["N"], "log-normal prior");
    check_top(
        j["posterior"]["top_graphs"].as_array().unwrap(),
        want["top_graphs"].as_array().unwrap(),
        "log-normal prior",
    );
}

#[test]
fn models_ranks_all_822_graphs() {
    let r = reference();
    let want = &r["grid_converged"];
    let (code, j, err) = run(&[
        "models",
        &data("ukdat_5.csv"),
        "--method",
        "dga",
        "--top",
        "10",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(j["count"], 822);
    assert_eq!(j["count"], r["n_graphs"]);
    let models = j["models"].as_array().unwrap();
    assert_eq!(models.len(), 10);
    check_top(models, want["top_graphs"].as_array().unwrap(), "models");
    let probs: Vec<f64> = models
        .iter()
        .map(|m| m["probability"].as_f64().unwrap())
        .collect();
    assert!(probs.windows(2).all(|w| w[0] >= w[1]), "ranked: {probs:?}");
}

#[test]
fn the_report_has_a_dga_row() {
    let (code, j, err) = run(&["report", &data("ukdat_5.csv"), "--json"]);
    assert_eq!(code, 0, "{err}");
    let row = j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "dga")
        .expect("a dga row");
    assert_eq!(row["estimate"].as_f64(), Some(22990.0));
    assert_eq!(row["interval"], "credible");
}

#[test]
fn dga_options_and_refusals() {
    let f = data("ukdat_5.csv");
    // dga's options with another method have no effect: an error, not silence.
    let (code, _, err) = run(&["estimate", &f, "--delta", "0.1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--delta"), "{err}");
    for bad in [
        ["--delta", "0"],
        ["--prior", "lognormal:1"],
        ["--prior", "flat"],
        ["--grid", "ten"],
        ["--max-clique", "0"],
    ] {
        let (code, _, err) = run(&["estimate", &f, "--method", "dga", bad[0], bad[1]]);
        assert_eq!(code, 2, "{bad:?}: {err}");
        assert!(err.contains(bad[0]), "{bad:?} names its flag: {err}");
    }
    // A bootstrap is not how dga gives its uncertainty.
    let (code, _, err) = run(&["estimate", &f, "--method", "dga", "--bootstrap", "100"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn the_clique_limit_keeps_only_small_cliques() {
    let (code, j, err) = run(&[
        "models",
        &data("ukdat_5.csv"),
        "--method",
        "dga",
        "--max-clique",
        "2",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    // Decomposable graphs on 5 vertices whose cliques have at most 2 vertices are forests:
    // 291 labelled forests on 5 vertices.
    assert_eq!(j["count"], 291);
    for m in j["models"].as_array().unwrap() {
        for c in m["cliques"].as_array().unwrap() {
            assert!(c.as_str().unwrap().split(':').count() <= 2);
        }
    }
}

/// A graph as sorted (cliques, separators), each a sorted list of 1-based list positions.
type Key = (Vec<Vec<usize>>, Vec<Vec<usize>>);

fn key_ours(g: &Value, lists: &[Value]) -> Key {
    let pos = |c: &Value| -> Vec<usize> {
        let mut v: Vec<usize> = c
            .as_str()
            .unwrap()
            .split(':')
            .map(|n| 1 + lists.iter().position(|l| l == n).unwrap())
            .collect();
        v.sort_unstable();
        v
    };
    let mut cl: Vec<_> = g["cliques"].as_array().unwrap().iter().map(pos).collect();
    let mut se: Vec<_> = g["separators"]
        .as_array()
        .unwrap()
        .iter()
        .map(pos)
        .collect();
    cl.sort();
    se.sort();
    (cl, se)
}

fn key_package(g: &Value) -> Key {
    let sets = |v: &Value| -> Vec<Vec<usize>> {
        let mut out: Vec<Vec<usize>> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let mut s: Vec<usize> = c
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap() as usize)
                    .collect();
                s.sort_unstable();
                s
            })
            .collect();
        out.sort();
        out
    };
    (sets(&g["cliques"]), sets(&g["separators"]))
}

/// `models --method dga --top 100` lists every graph on 3 and 4 lists with the cliques and
/// separators of dga's own `graphs3` and `graphs4`.
#[test]
fn the_graph_lists_are_dgas() {
    for (file, list) in [("artificial_3.csv", "graphs3"), ("kosovo.csv", "graphs4")] {
        let path = format!(
            "{}/tests/reference/dga/{list}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let want: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let (code, j, err) = run(&[
            "models",
            &data(file),
            "--method",
            "dga",
            "--top",
            "100",
            "--json",
        ]);
        assert_eq!(code, 0, "{file}: {err}");
        assert_eq!(j["count"], want["n_graphs"], "{file}");
        let lists = j["lists"].as_array().unwrap();
        let mut ours: Vec<Key> = j["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| key_ours(g, lists))
            .collect();
        let mut theirs: Vec<Key> = want["graphs"]
            .as_array()
            .unwrap()
            .iter()
            .map(key_package)
            .collect();
        ours.sort();
        theirs.sort();
        assert_eq!(
            ours, theirs,
            "{file}: the graphs with their cliques and separators"
        );
    }
}

/// All 822 five-list graphs through the CLI: the sorted posterior probabilities are dga's
/// (`grid_converged.model_posterior`, in the package's order), every graph's separators are
/// those of a junction tree of its cliques, and the top graphs carry dga's separators.
#[test]
fn all_822_five_list_graphs() {
    let r = reference();
    let want = &r["grid_converged"];
    let (code, j, err) = run(&[
        "models",
        &data("ukdat_5.csv"),
        "--method",
        "dga",
        "--top",
        "1000",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let models = j["models"].as_array().unwrap();
    assert_eq!(models.len(), 822);
    let mut ours: Vec<f64> = models
        .iter()
        .map(|m| m["probability"].as_f64().unwrap())
        .collect();
    let mut theirs: Vec<f64> = want["model_posterior"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    ours.sort_by(f64::total_cmp);
    theirs.sort_by(f64::total_cmp);
    for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert!(
            (a - b).abs() <= TOL * b.abs() + 1e-15,
            "sorted probability {k}: got {a:e}, want {b:e}"
        );
    }
    let lists = j["lists"].as_array().unwrap();
    let mut distinct = std::collections::BTreeSet::new();
    for m in models {
        let (cliques, seps) = key_ours(m, lists);
        // A junction tree of c cliques in k components has c − k non-empty separators,
        // each the intersection of two cliques; the running intersection property makes
        // Σ|C| − Σ|S| the number of vertices.
        let vertices: usize =
            cliques.iter().map(Vec::len).sum::<usize>() - seps.iter().map(Vec::len).sum::<usize>();
        assert_eq!(vertices, 5, "{m}");
        for s in &seps {
            assert!(
                cliques
                    .iter()
                    .filter(|c| s.iter().all(|v| c.contains(v)))
                    .count()
                    >= 2,
                "separator {s:?} of {m}"
            );
        }
        assert!(distinct.insert((cliques, seps)), "graph listed twice: {m}");
    }
    for (k, (g, w)) in models
        .iter()
        .zip(want["top_graphs"].as_array().unwrap())
        .enumerate()
    {
        assert_eq!(key_ours(g, lists), key_package(w), "top graph {k}");
    }
}
