//! Every method behind `estimate --method` through the command line, against the R packages.
//!
//! Rcapture's closed-population models: `estimate FILE --method ID --interval wald --json`
//! gives `closedp.t`'s N, SE, deviance, df, AIC and BIC, and `--method ID --json` (profile
//! by default) gives `closedpCI.t`'s interval and profile maximiser, at 1e-6 relative.
//! Source: `tests/reference/rcapture/<dataset>.json` (Rcapture 1.4-4: `closedp.t(X, dfreq =
//! TRUE)`, `closedpCI.t(X, dfreq = TRUE, m = …, h = …)` and its `CI_tight` recomputation; see
//! `tests/rcapture_reference.rs` for the library-level comparison and the skipped boundary
//! fits).

use assert_cmd::Command;
use serde_json::Value;

const TOL: f64 = 1e-6;

fn data(f: &str) -> String {
    format!("{}/data/{f}", env!("CARGO_MANIFEST_DIR"))
}

fn load(stem: &str) -> Value {
    let path = format!(
        "{}/tests/reference/rcapture/{stem}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
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
    let d = if w.abs() < 1e-3 {
        (g - w).abs()
    } else {
        (g - w).abs() / w.abs()
    };
    assert!(d <= TOL, "{what}: got {g}, want {w} (diff {d:e})");
}

/// The CLI name of Rcapture's model label.
fn id(label: &str) -> Option<&'static str> {
    Some(match label {
        "M0" => "m0",
        "Mt" => "mt",
        "Mh Chao (LB)" => "mh-chao",
        "Mh Poisson2" => "mh-poisson",
        "Mh Darroch" => "mh-darroch",
        "Mh Gamma3.5" => "mh-gamma",
        "Mth Chao (LB)" => "mth-chao",
        "Mth Poisson2" => "mth-poisson",
        "Mth Darroch" => "mth-darroch",
        "Mth Gamma3.5" => "mth-gamma",
        "Mb" => "mb",
        "Mbh" => "mbh",
        _ => return None,
    })
}

/// The well-posed fits (the same rule as `rcapture_reference.rs`).
fn well_posed(stem: &str, m: &Value) -> bool {
    let name = m["model"].as_str().unwrap();
    let warned = m["warnings"].to_string().contains("numerically 0");
    let n = m["abundance"].as_f64().unwrap_or(f64::NAN).abs();
    let ridge = stem == "Artificial_3"
        && (name.contains("Poisson2") || name.contains("Darroch") || name.contains("Gamma"));
    m["converged"] == Value::Bool(true) && !warned && n < 1e10 && !ridge
}

const DATA: [(&str, &str); 4] = [
    ("UKdat", "ukdat.csv"),
    ("UKdat_5", "ukdat_5.csv"),
    ("Artificial_3", "artificial_3.csv"),
    ("lesbian", "rcapture_lesbian.csv"),
];

#[test]
fn rcapture_models_through_the_cli_match_closedp_t() {
    let mut compared = 0;
    let mut negative = 0;
    for (stem, file) in DATA {
        let r = load(stem);
        for m in r["closedp_t"]["models"].as_array().unwrap() {
            let name = m["model"].as_str().unwrap();
            if !well_posed(stem, m) {
                continue;
            }
            let id = id(name).unwrap();
            let f = data(file);
            let (code, v, err) = run(&[
                "estimate",
                &f,
                "--method",
                id,
                "--interval",
                "wald",
                "--json",
            ]);
            let what = format!("{stem} {name}");
            if m["abundance"].as_f64().unwrap() < r["n"].as_f64().unwrap() {
                // Rcapture prints an abundance below the number observed (Mb on the UK
                // data: N = -3,763); darkfigure says there is no estimate.
                assert_eq!(code, 3, "{what}: {err}");
                assert!(v["error"].as_str().unwrap().contains("observed"), "{what}");
                negative += 1;
                continue;
            }
            assert_eq!(code, 0, "{what}: {err}");
            assert_eq!(v["method"], id, "{what}");
            assert_eq!(v["label"], name, "{what}");
            assert!(v["model"].is_null(), "{what}");
            close(&v["estimate"], &m["abundance"], &format!("{what} N"));
            close(&v["estimate_se"], &m["stderr"], &format!("{what} SE"));
            close(&v["deviance"], &m["deviance"], &format!("{what} deviance"));
            close(&v["aic"], &m["AIC"], &format!("{what} AIC"));
            close(&v["bic"], &m["BIC"], &format!("{what} BIC"));
            assert_eq!(v["df"], m["df"], "{what} df");
            assert_eq!(v["interval"]["method"], "wald", "{what}");
            compared += 1;
        }
    }
    assert_eq!(compared + negative, 42, "the 42 well-posed closedp.t fits");
    assert!(negative <= 2, "{negative} abundances below n");
}

#[test]
fn rcapture_profile_intervals_through_the_cli_match_closedp_ci_t() {
    let mut compared = 0;
    for (stem, file) in DATA {
        let r = load(stem);
        for ci in r["closedpCI_t"].as_array().unwrap() {
            let Some(id) = id(ci["label"].as_str().unwrap()) else {
                continue; // hierarchical mX models: `--model`, see core_reference.rs
            };
            let f = data(file);
            let level = format!("{}", 1.0 - ci["alpha"].as_f64().unwrap());
            let (code, v, err) =
                run(&["estimate", &f, "--method", id, "--level", &level, "--json"]);
            let what = format!("{stem} {id}");
            assert_eq!(code, 0, "{what}: {err}");
            let iv = &v["interval"];
            assert_eq!(iv["method"], "profile", "{what}");
            let tight = &ci["CI_tight"];
            close(
                &iv["profile_mle"],
                &tight["abundance"],
                &format!("{what} Nmax"),
            );
            match tight["infCL"].as_f64() {
                Some(_) => close(&iv["lower"], &tight["infCL"], &format!("{what} lower")),
                // Rcapture reports n and warns.
                None => {
                    close(&iv["lower"], &v["observed"], &format!("{what} lower"));
                    assert!(!iv["flags"].as_array().unwrap().is_empty(), "{what}");
                }
            }
            match tight["supCL"].as_f64() {
                Some(_) => close(&iv["upper"], &tight["supCL"], &format!("{what} upper")),
                None => assert!(iv["upper"].is_null(), "{what} upper"),
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 24, "the 24 closedpCI.t intervals");
}

#[test]
fn rcapture_models_bootstrap_and_report() {
    let f = data("ukdat_5.csv");
    let (code, v, err) = run(&[
        "estimate",
        &f,
        "--method",
        "mh-chao",
        "--bootstrap",
        "200",
        "--seed",
        "3",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["interval"]["method"], "bca");
    assert_eq!(v["bootstrap"]["replicates"], 200);
    let (lo, hi) = (
        v["interval"]["lower"].as_f64().unwrap(),
        v["interval"]["upper"].as_f64().unwrap(),
    );
    let n = v["estimate"].as_f64().unwrap();
    assert!(lo < n && n < hi, "{lo} {n} {hi}");
    // Parametric from the fitted model, too; identical for any thread count.
    let a = run(&[
        "estimate",
        &f,
        "--method",
        "mt",
        "--bootstrap",
        "100",
        "--bootstrap-kind",
        "parametric",
        "--threads",
        "1",
        "--json",
    ]);
    let b = run(&[
        "estimate",
        &f,
        "--method",
        "mt",
        "--bootstrap",
        "100",
        "--bootstrap-kind",
        "parametric",
        "--threads",
        "2",
        "--json",
    ]);
    assert_eq!(a.0, 0, "{}", a.2);
    assert_eq!(a.1, b.1);
    // The report has one row per Rcapture model, with its id.
    let (code, r, _) = run(&["report", &f, "--json"]);
    assert_eq!(code, 0);
    let ids: Vec<&str> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap())
        .collect();
    for id in [
        "main",
        "stepwise",
        "aic-stepwise",
        "bic",
        "m0",
        "mt",
        "mh-chao",
        "mth-gamma",
        "mb",
        "mbh",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
}

#[test]
fn two_list_methods_and_misused_options() {
    let two = std::env::temp_dir().join(format!("df-two-{}.csv", std::process::id()));
    std::fs::write(&two, "A,B,count\n1,0,60\n0,1,40\n1,1,20\n").unwrap();
    let f = two.to_string_lossy().to_string();
    let (code, v, err) = run(&["estimate", &f, "--method", "chapman", "--json"]);
    assert_eq!(code, 0, "{err}");
    close(
        &v["estimate"],
        &Value::from(81.0 * 61.0 / 21.0 - 1.0),
        "Chapman",
    );
    let (code, v, _) = run(&["estimate", &f, "--method", "petersen", "--json"]);
    assert_eq!(code, 0);
    close(
        &v["estimate"],
        &Value::from(80.0 * 60.0 / 20.0),
        "Lincoln-Petersen",
    );
    // A two-list method on three lists: no estimate (exit 3), said why.
    let (code, v, _) = run(&[
        "estimate",
        &data("korea.csv"),
        "--method",
        "petersen",
        "--json",
    ]);
    assert_eq!(code, 3);
    assert!(v["error"].as_str().unwrap().contains("not 2"));
    // --model and --select belong to the log-linear method.
    for extra in [["--model", "main"], ["--select", "stepwise"]] {
        let mut args = vec!["estimate", &f, "--method", "m0"];
        args.extend(extra);
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("--method") && err.contains(extra[0]), "{err}");
    }
    let (code, _, err) = run(&["estimate", &f, "--method", "frobnicate"]);
    assert_eq!(code, 2);
    assert!(err.contains("mh-chao"), "{err}");
    let _ = std::fs::remove_file(&two);
}

/// LCMCR through the CLI: the posterior object, the credible interval, LCMCR's long-run
/// quantiles on the well-mixing artificial_3 (LCMCR 0.4.14, two chains of 100,000 draws,
/// `tests/reference/lcmcr/artificial_3.json`), thread-count invariance, the options.
#[test]
fn lcmcr_through_the_cli() {
    let f = data("artificial_3.csv");
    let args = [
        "estimate",
        &f,
        "--method",
        "lcmcr",
        "--samples",
        "5000",
        "--seed",
        "11",
        "--json",
    ];
    let (code, v, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let p = &v["posterior"];
    for k in [
        "chains",
        "draws_per_chain",
        "mean",
        "median",
        "sd",
        "quantiles",
        "rhat",
        "ess_bulk",
        "ess_tail",
        "per_chain",
        "alpha",
        "occupied_classes",
        "converged",
        "warnings",
    ] {
        assert!(!p[k].is_null(), "posterior.{k} missing: {p}");
    }
    assert_eq!(v["method"], "lcmcr");
    assert_eq!(v["estimate"], p["median"]);
    assert_eq!(v["interval"]["method"], "credible");
    assert_eq!(v["interval"]["lower"], p["quantiles"]["0.025"]);
    assert_eq!(v["interval"]["upper"], p["quantiles"]["0.975"]);
    assert_eq!(p["chains"], 4);
    assert_eq!(p["per_chain"].as_array().unwrap().len(), 4);
    let reference: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/reference/lcmcr/artificial_3.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let lr = &reference["long_runs"]["pooled"]["N"];
    for (ours, theirs, tol) in [
        (&p["median"], &lr["median"], 0.03),
        (&p["quantiles"]["0.025"], &lr["q025"], 0.05),
        (&p["quantiles"]["0.975"], &lr["q975"], 0.05),
    ] {
        let (a, b) = (ours.as_f64().unwrap(), theirs.as_f64().unwrap());
        assert!((a - b).abs() <= tol * b, "ours {a}, LCMCR {b}");
    }
    // The same for any number of threads.
    let mut one = args.to_vec();
    one.extend(["--threads", "1"]);
    assert_eq!(run(&one).1, v, "1 thread");
    // Until converged, on a well-mixing dataset.
    let (code, w, _) = run(&[
        "estimate",
        &data("western.csv"),
        "--method",
        "lcmcr",
        "--until-converged",
        "--json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(w["posterior"]["converged"], true, "{}", w["posterior"]);
    // Files: the trace plot and the draws.
    let dir = std::env::temp_dir();
    let svg = dir.join(format!("df-lcmcr-{}.svg", std::process::id()));
    let csv = dir.join(format!("df-lcmcr-{}.csv", std::process::id()));
    let (code, _, err) = run(&[
        "estimate",
        &f,
        "--method",
        "lcmcr",
        "--samples",
        "200",
        "--plot",
        &svg.to_string_lossy(),
        "--draws-out",
        &csv.to_string_lossy(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&svg)
        .unwrap()
        .contains("credible interval"));
    let draws = std::fs::read_to_string(&csv).unwrap();
    assert!(draws.starts_with("chain,draw,N,alpha,occupied_classes\n"));
    assert_eq!(draws.lines().count(), 1 + 4 * 200);
    let _ = (std::fs::remove_file(&svg), std::fs::remove_file(&csv));
    // The moves are reported; both off is LCMCR's plain sampler, another stream of draws.
    assert_eq!(v["posterior"]["collapsed_moves"], true);
    assert_eq!(v["posterior"]["label_swaps"], true);
    let mut plain = args.to_vec();
    plain.extend(["--no-collapsed-moves", "--no-label-swaps"]);
    let (code, p, err) = run(&plain);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p["posterior"]["collapsed_moves"], false);
    assert_eq!(p["posterior"]["label_swaps"], false);
    assert_ne!(p["posterior"]["mean"], v["posterior"]["mean"]);
    // LCMCR options belong to --method lcmcr; LCMCR is not bootstrapped.
    let (code, _, err) = run(&["estimate", &f, "--no-collapsed-moves"]);
    assert_eq!(code, 2);
    assert!(err.contains("--no-collapsed-moves"), "{err}");
    let (code, _, err) = run(&["estimate", &f, "--chains", "2"]);
    assert_eq!(code, 2);
    assert!(err.contains("--chains") || err.contains("lcmcr"), "{err}");
    let (code, _, err) = run(&["estimate", &f, "--method", "lcmcr", "--bootstrap", "10"]);
    assert_eq!(code, 2);
    assert!(err.contains("credible"), "{err}");
}
