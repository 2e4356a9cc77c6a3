//! `darkfigure estimate|summary|report --covariates` end to end.
//!
//! Expected numbers name their source: R 4.2.2 `glm` fits (`tests/reference/covariates/glm_westeros.json`)
//! and `mse::model_search` (`mse_westeros_search.json`); the CLI fits at R's `glm` defaults
//! (ε = 1e-8), the references at ε = 1e-10, so values agree to ~1e-9 and are compared at 1e-6.
//! Every input problem is exit status 2 with the file and line; a model without an estimate
//! is exit status 3 with the JSON still printed.

mod common;

use assert_cmd::Command;
use common::load;
use serde_json::Value;
use std::process::Output;

fn data(name: &str) -> String {
    format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

const COVS: &str = "X1,X2,X3,X4,Y";

fn run(args: &[&str]) -> Output {
    Command::cargo_bin("darkfigure")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

fn run_stdin(args: &[&str], stdin: &str) -> Output {
    Command::cargo_bin("darkfigure")
        .unwrap()
        .args(args)
        .write_stdin(stdin.as_bytes().to_vec())
        .output()
        .unwrap()
}

#[track_caller]
fn json_ok(args: &[&str]) -> Value {
    let o = run(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[track_caller]
fn fails(o: &Output, code: i32, needles: &[&str]) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(code), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in: {err}");
    }
    err
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

fn tmp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("darkfigure-covcli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// The fixed westeros models through the CLI: deviance, df, AIC, BIC, N̂, every level total
/// and every unobserved cell as R's glm.
#[test]
fn fixed_models_match_glm() {
    let reference = load("covariates/glm_westeros.json");
    for id in ["w1", "w2", "w3", "w4", "w5", "w6", "w8"] {
        let m = &reference["models"][id];
        let f = m["formula"].as_str().unwrap();
        let j = json_ok(&[
            "estimate",
            &data("covariates/westeros_cells.csv"),
            "--covariates",
            COVS,
            "--model",
            f,
            "--json",
        ]);
        for (key, r) in [("deviance", "deviance"), ("aic", "AIC"), ("bic", "BIC")] {
            let (g, w) = (j[key].as_f64().unwrap(), m[r].as_f64().unwrap());
            assert!(rel(g, w) < 1e-6, "{id} {key}: {g} vs {w}");
        }
        assert_eq!(j["df"], m["df"], "{id} df");
        let n = m["total"]["N_hat"].as_f64().unwrap();
        assert!(rel(j["estimate"].as_f64().unwrap(), n) < 1e-6, "{id} N");
        for (cov, rows) in m["totals_by_level"].as_object().unwrap() {
            for (got, want) in j["by"][cov]
                .as_array()
                .unwrap()
                .iter()
                .zip(rows.as_array().unwrap())
            {
                assert_eq!(got["level"], want["level"]);
                assert_eq!(got["observed"], want["n_obs"]);
                let (g, w) = (
                    got["estimate"].as_f64().unwrap(),
                    want["N_hat"].as_f64().unwrap(),
                );
                assert!(rel(g, w) < 1e-6, "{id} {cov}: {g} vs {w}");
            }
        }
        let cells = j["cells"].as_array().unwrap();
        for want in m["unobserved_cells"].as_array().unwrap() {
            let got = cells
                .iter()
                .find(|c| {
                    ["X1", "X2", "X3", "X4", "Y"]
                        .iter()
                        .all(|k| c["levels"][k] == want[k])
                })
                .unwrap();
            let (g, w) = (
                got["fitted"].as_f64().unwrap(),
                want["n0_hat"].as_f64().unwrap(),
            );
            assert!((g - w).abs() <= 1e-6 * w.max(1.0), "{id} cell {want}: {g}");
        }
        assert_eq!(j["method"], "loglinear");
        assert!(j["input_sha256"].as_str().unwrap().len() == 64);
        assert_eq!(
            j["covariates"][4]["levels"],
            serde_json::json!(["1", "2", "3", "4"])
        );
    }
}

/// w7 (every two-way term): R prints N̂ = 1,449 where no estimate exists.
#[test]
fn w7_has_no_estimate_exit_3_with_json() {
    let o = run(&[
        "estimate",
        &data("covariates/westeros_cells.csv"),
        "--covariates",
        COVS,
        "--model",
        ".^2",
        "--json",
    ]);
    fails(&o, 3, &["does not exist"]);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["estimate"].is_null() && j["dark_figure"].is_null());
    assert_eq!(j["existence"]["code"], 1);
    assert!(j["error"].as_str().unwrap().contains("does not exist"));
    assert_eq!(j["terms"].as_array().unwrap().len(), 9 + 36);
}

/// `--select model-search` reproduces mse's path and table, and selects model 22.
#[test]
fn model_search_through_the_cli() {
    let r = load("covariates/mse_westeros_search.json");
    let j = json_ok(&[
        "estimate",
        &data("covariates/westeros_cells.csv"),
        "--covariates",
        COVS,
        "--select",
        "model-search",
        "--year",
        "Y",
        "--json",
    ]);
    let s = &j["selection"];
    assert_eq!(s["method"], "model-search");
    let table = s["search"]["table"].as_array().unwrap();
    let want = r["models"].as_array().unwrap();
    assert_eq!(table.len(), want.len());
    for (g, w) in table.iter().zip(want) {
        assert_eq!(g["step"], w["Step"]);
        for (a, b) in [
            ("aic", "AIC"),
            ("bic", "BIC"),
            ("aicc", "AICc"),
            ("resid_dev", "Resid..Dev"),
        ] {
            assert!(
                (g[a].as_f64().unwrap() - w[b].as_f64().unwrap()).abs() < 1e-6,
                "{a} {g}"
            );
        }
    }
    assert_eq!(s["search"]["selected"], 22);
    assert_eq!(
        format!("Freq ~ {}", j["model"].as_str().unwrap()),
        r["selected_formula"].as_str().unwrap()
    );
    let n = r["selected_Nhat_unrounded"].as_f64().unwrap();
    assert!(rel(j["estimate"].as_f64().unwrap(), n) < 1e-6);
    assert_eq!(j["infinite_terms"], serde_json::json!(["R4:X42"]));
    // The ordered year: three changes with Wald intervals.
    let ch = j["changes"]["Y"].as_array().unwrap();
    assert_eq!(ch.len(), 3);
    let y = j["by"]["Y"].as_array().unwrap();
    let d = y[1]["estimate"].as_f64().unwrap() - y[0]["estimate"].as_f64().unwrap();
    assert!((ch[0]["change"].as_f64().unwrap() - d).abs() < 1e-6);
    assert!(ch[0]["lower"].as_f64().unwrap() < d && d < ch[0]["upper"].as_f64().unwrap());
}

#[test]
fn cross_pairs_and_cells() {
    let j = json_ok(&[
        "estimate",
        &data("covariates/westeros_cells.csv"),
        "--covariates",
        COVS,
        "--model",
        "R1+R2+R3+R4+X1*Y",
        "--cross",
        "X1:Y",
        "--json",
    ]);
    let rows = j["by"]["X1:Y"].as_array().unwrap();
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[1]["level"], "2:1");
    assert_eq!(rows[1]["levels"], serde_json::json!(["2", "1"]));
    let sum: f64 = rows.iter().map(|r| r["estimate"].as_f64().unwrap()).sum();
    assert!(rel(sum, j["estimate"].as_f64().unwrap()) < 1e-9);
    assert_eq!(j["cells"].as_array().unwrap().len(), 96);
    let o = run(&[
        "estimate",
        &data("covariates/westeros_cells.csv"),
        "--covariates",
        COVS,
        "--cross",
        "X1:Z",
    ]);
    fails(&o, 2, &["--cross", "'Z'"]);
}

/// Frequency, records and long tables of the same people give the same JSON (the hash is of
/// the table, not of the file).
#[test]
fn readers_agree() {
    let a = json_ok(&[
        "estimate",
        &data("covariates/westeros_cells.csv"),
        "--covariates",
        COVS,
        "--json",
    ]);
    let b = json_ok(&[
        "estimate",
        &data("covariates/westeros_individuals.csv"),
        "--covariates",
        COVS,
        "--json",
    ]);
    assert_eq!(a, b);
    let recs = std::fs::read_to_string(data("covariates/westeros_individuals.csv")).unwrap();
    let mut long = String::from("list,id,X1,X2,X3,X4,Y\n");
    for (i, line) in recs.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        for (l, name) in ["R1", "R2", "R3", "R4"].iter().enumerate() {
            if f[l] == "1" {
                long.push_str(&format!("{name},p{i},{}\n", f[4..].join(",")));
            }
        }
    }
    let o = run_stdin(&["estimate", "-", "--covariates", COVS, "--json"], &long);
    assert_eq!(o.status.code(), Some(0));
    let c: Value = serde_json::from_slice(&o.stdout).unwrap();
    // Lists in order of first appearance in the long file: the same four, maybe reordered.
    assert!(
        rel(
            c["estimate"].as_f64().unwrap(),
            a["estimate"].as_f64().unwrap()
        ) < 1e-9
    );
}

#[test]
fn structural_zeros() {
    // List C did not operate in 2015.
    let csv = "A,B,C,year,count\n1,0,0,2015,20\n0,1,0,2015,25\n1,1,0,2015,9\n1,0,0,2016,22\n0,1,0,2016,18\n1,1,0,2016,6\n0,0,1,2016,15\n1,0,1,2016,5\n0,1,1,2016,4\n1,1,1,2016,2\n";
    let f = tmp("sz.csv", csv);
    let j = json_ok(&[
        "estimate",
        &f,
        "--covariates",
        "year",
        "--absent",
        "C@year=2015",
        "--model",
        "A+B+C+year",
        "--json",
    ]);
    assert_eq!(j["absent"][0]["list"], "C");
    assert_eq!(j["absent"][0]["levels"], serde_json::json!(["2015"]));
    assert!(j["estimate"].as_f64().unwrap() > 126.0);
    // A count on a structural zero: file and line.
    let bad = format!("{csv}1,0,1,2015,3\n");
    let f2 = tmp("sz_bad.csv", &bad);
    fails(
        &run(&[
            "estimate",
            &f2,
            "--covariates",
            "year",
            "--absent",
            "C@year=2015",
        ]),
        2,
        &["sz_bad.csv:12", "structural zero"],
    );
    // A level that does not occur.
    fails(
        &run(&[
            "estimate",
            &f,
            "--covariates",
            "year",
            "--absent",
            "C@year=2014",
        ]),
        2,
        &["sz.csv", "'2014'", "does not occur"],
    );
    // A list or covariate that is not one.
    fails(
        &run(&[
            "estimate",
            &f,
            "--covariates",
            "year",
            "--absent",
            "D@year=2015",
        ]),
        2,
        &["'D'"],
    );
    fails(
        &run(&[
            "estimate",
            &f,
            "--covariates",
            "year",
            "--absent",
            "C@sex=f",
        ]),
        2,
        &["--absent", "'sex'"],
    );
    fails(
        &run(&["estimate", &f, "--covariates", "year", "--absent", "C2015"]),
        2,
        &["--absent", "LIST@COV"],
    );
}

#[test]
fn conflicting_covariate_values_name_both_lines() {
    let csv = "list,id,sex\nA,1,f\nB,1,m\nB,2,f\n";
    let f = tmp("conflict.csv", csv);
    fails(
        &run(&["estimate", &f, "--covariates", "sex"]),
        2,
        &["conflict.csv:3:3", "line 2", "'m'", "'f'"],
    );
}

#[test]
fn missing_values() {
    let csv = "A,B,sex,count\n1,0,f,30\n0,1,,20\n1,1,m,10\n1,0,m,25\n0,1,f,30\n1,1,f,8\n";
    let f = tmp("missing.csv", csv);
    fails(
        &run(&["estimate", &f, "--covariates", "sex"]),
        2,
        &["missing.csv:3:3", "missing value", "EM"],
    );
    let j = json_ok(&[
        "summary",
        &f,
        "--covariates",
        "sex",
        "--missing",
        "level",
        "--json",
    ]);
    let levels: Vec<&str> = j["covariates"][0]["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["f", "m", "NA"]);
    fails(
        &run(&["estimate", &f, "--covariates", "sex", "--missing", "drop"]),
        2,
        &["--missing"],
    );
}

#[test]
fn unknown_names_and_levels() {
    let w = data("covariates/westeros_cells.csv");
    fails(
        &run(&["estimate", &w, "--covariates", "X1,sex"]),
        2,
        &["westeros_cells.csv:1", "'sex'"],
    );
    fails(
        &run(&[
            "estimate",
            &w,
            "--covariates",
            COVS,
            "--levels",
            "Y=1,2,3,5",
        ]),
        2,
        &["'5'", "does not occur"],
    );
    fails(
        &run(&["estimate", &w, "--covariates", COVS, "--levels", "Y=1,2,3"]),
        2,
        &["'4'", "not in the given order"],
    );
    fails(
        &run(&["estimate", &w, "--covariates", COVS, "--levels", "Z=1,2"]),
        2,
        &["--levels", "'Z'"],
    );
    fails(
        &run(&[
            "estimate",
            &w,
            "--covariates",
            COVS,
            "--model",
            "R1+R2+R3+R4+Z",
        ]),
        2,
        &["'Z'"],
    );
    fails(
        &run(&[
            "estimate",
            &w,
            "--covariates",
            COVS,
            "--model",
            "R1+R2+R3+X1",
        ]),
        2,
        &["'R4'", "missing"],
    );
    fails(
        &run(&["estimate", &w, "--covariates", COVS, "--year", "Q"]),
        2,
        &["--year = Q", "not one of the covariates"],
    );
    fails(
        &run(&["estimate", &w, "--covariates", COVS, "--select", "stepwise"]),
        2,
        &["model-search"],
    );
    fails(
        &run(&["estimate", &w, "--covariates", COVS, "--select", "bic"]),
        2,
        &["2^36", "--limit"],
    );
    fails(
        &run(&["estimate", &w, "--covariates", COVS, "--method", "mh-chao"]),
        2,
        &["--method"],
    );
    fails(
        &run(&["estimate", &w, "--covariates", COVS, "--seed", "3"]),
        2,
        &["--seed"],
    );
    fails(
        &run(&["estimate", &w, "--covariates", COVS, "--interval", "bca"]),
        2,
        &["--bootstrap"],
    );
    fails(
        &run(&[
            "estimate",
            &w,
            "--covariates",
            COVS,
            "--fixed-model-bootstrap",
        ]),
        2,
        &["--fixed-model-bootstrap"],
    );
    fails(
        &run(&["estimate", &w, "--covariates", COVS, "--merge", "R1,R2"]),
        2,
        &["--merge"],
    );
    fails(
        &run(&["estimate", &w, "--covariates", COVS, "--plot", "/tmp/x.svg"]),
        2,
        &["--plot", "--year"],
    );
}

/// A covariate with a single level gives the list-only numbers (UK 2013, five lists).
#[test]
fn single_level_covariate_gives_the_list_only_numbers() {
    let text = std::fs::read_to_string(data("ukdat_5.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let names: Vec<&str> = header.split(',').collect();
    let lists = &names[..names.len() - 1];
    let mut csv = format!("{},region,count\n", lists.join(","));
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        csv.push_str(&format!(
            "{},all,{}\n",
            f[..f.len() - 1].join(","),
            f[f.len() - 1]
        ));
    }
    let f = tmp("uk5_region.csv", &csv);
    for (list_model, formula) in [
        ("main", format!("{} + region", lists.join(" + "))),
        (
            &*format!("{}:{}", lists[0], lists[1]),
            format!("{} + {}:{}", lists.join(" + "), lists[0], lists[1]),
        ),
    ] {
        let a = json_ok(&[
            "estimate",
            &data("ukdat_5.csv"),
            "--model",
            list_model,
            "--json",
        ]);
        let b = json_ok(&[
            "estimate",
            &f,
            "--covariates",
            "region",
            "--model",
            &formula,
            "--json",
        ]);
        for key in ["deviance", "aic", "bic", "estimate", "dark_figure"] {
            let (x, y) = (a[key].as_f64().unwrap(), b[key].as_f64().unwrap());
            assert!(rel(y, x) < 1e-8, "{list_model} {key}: {x} vs {y}");
        }
        assert_eq!(b["by"]["region"][0]["estimate"], b["estimate"]);
        let (la, lb) = (
            a["interval"]["lower"].as_f64().unwrap(),
            b["interval"]["lower"].as_f64().unwrap(),
        );
        assert!(rel(lb, la) < 1e-6, "Wald lower {la} vs {lb}");
    }
}

/// Permuting rows changes nothing; permuting levels changes only baseline-dependent
/// coefficients.
#[test]
fn row_and_level_permutations() {
    let text = std::fs::read_to_string(data("covariates/westeros_cells.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    lines.rotate_left(517);
    let f = tmp("shuffled.csv", &format!("{header}\n{}\n", lines.join("\n")));
    let model = "R1+R2+R3+R4+X1+X2+X3+X4+Y+R1:Y+R3:X2+X1:X4+X4:Y";
    let a = json_ok(&[
        "estimate",
        &data("covariates/westeros_cells.csv"),
        "--covariates",
        COVS,
        "--model",
        model,
        "--json",
    ]);
    let b = json_ok(&[
        "estimate",
        &f,
        "--covariates",
        COVS,
        "--model",
        model,
        "--json",
    ]);
    assert_eq!(a, b);
    let c = json_ok(&[
        "estimate",
        &f,
        "--covariates",
        COVS,
        "--model",
        model,
        "--levels",
        "Y=4,2,3,1",
        "--levels",
        "X4=3,1,2",
        "--json",
    ]);
    for key in ["deviance", "aic", "bic", "estimate"] {
        assert!(
            rel(c[key].as_f64().unwrap(), a[key].as_f64().unwrap()) < 1e-8,
            "{key}"
        );
    }
    for row in a["by"]["Y"].as_array().unwrap() {
        let other = c["by"]["Y"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["level"] == row["level"])
            .unwrap();
        assert!(
            rel(
                other["estimate"].as_f64().unwrap(),
                row["estimate"].as_f64().unwrap()
            ) < 1e-8
        );
    }
    // Terms without X4 or Y, and below no term with them, keep their coefficients (X1 lies
    // below X1:X4, R1 below R1:Y).
    for name in ["R3:X22", "X22", "R2", "X32", "R4"] {
        let (x, y) = (
            a["coefficients"][name].as_f64().unwrap(),
            c["coefficients"][name].as_f64().unwrap(),
        );
        assert!((x - y).abs() < 1e-6, "{name}");
    }
    assert!(
        (a["coefficients"]["(Intercept)"].as_f64().unwrap()
            - c["coefficients"]["(Intercept)"].as_f64().unwrap())
        .abs()
            > 1e-3
    );
    assert!(c["coefficients"].get("Y4").is_none() && c["coefficients"].get("Y1").is_some());
    assert_eq!(c["covariates"][4]["ordered"], true);
    assert_eq!(c["changes"]["Y"][0]["from"], "4");
}

/// A fixed-model bootstrap: identical JSON for 1 and 2 threads; the JSON says the model was
/// fixed, BCa by default, every row with every kind of limit.
#[test]
fn bootstrap_json() {
    let w = data("covariates/westeros_cells.csv");
    let model = "R1+R2+R3+R4+X1+X2+X3+X4+Y+R1:Y+R3:X2+X1:X4+X4:Y";
    let args = |t: &'static str| {
        vec![
            "estimate",
            w.as_str(),
            "--covariates",
            COVS,
            "--model",
            model,
            "--year",
            "Y",
            "--bootstrap",
            "60",
            "--seed",
            "5",
            "--threads",
            t,
            "--json",
        ]
    };
    let one = json_ok(&args("1"));
    assert_eq!(one, json_ok(&args("2")));
    let b = &one["bootstrap"];
    assert_eq!(b["replicates"], 60);
    assert_eq!(b["fixed_model"], true);
    assert_eq!(b["reselected"], false);
    assert_eq!(b["kind"], "nonparametric");
    assert_eq!(one["interval"]["method"], "bca");
    let row = &one["by"]["Y"][0];
    for k in [
        "bca_lower",
        "bca_upper",
        "percentile_lower",
        "percentile_upper",
        "wald_lower",
        "wald_upper",
    ] {
        assert!(row[k].is_number(), "{k}");
    }
    assert_eq!(row["lower"], row["bca_lower"]);
    assert!(one["changes"]["Y"][0]["percentile_lower"].is_number());
    // Percentile rows on request; parametric draws.
    let p = json_ok(&[
        "estimate",
        &w,
        "--covariates",
        COVS,
        "--model",
        model,
        "--bootstrap",
        "30",
        "--interval",
        "percentile",
        "--bootstrap-kind",
        "parametric",
        "--json",
    ]);
    assert_eq!(p["interval"]["method"], "percentile");
    assert_eq!(p["bootstrap"]["kind"], "parametric");
    assert_eq!(
        p["by"]["X1"][0]["lower"],
        p["by"]["X1"][0]["percentile_lower"]
    );
}

/// Re-selection on a small table, and --fixed-model-bootstrap.
#[test]
fn reselecting_bootstrap_json() {
    let mut csv = String::from("A,B,C,sex,count\n");
    let counts = [[40, 35, 12, 30, 9, 8, 4], [30, 45, 15, 20, 6, 12, 3]];
    for (s, sex) in ["f", "m"].iter().enumerate() {
        for h in 1..8usize {
            csv.push_str(&format!(
                "{},{},{},{sex},{}\n",
                h & 1,
                h >> 1 & 1,
                h >> 2 & 1,
                counts[s][h - 1]
            ));
        }
    }
    let f = tmp("small.csv", &csv);
    let j = json_ok(&[
        "estimate",
        &f,
        "--covariates",
        "sex",
        "--select",
        "aic-stepwise",
        "--bootstrap",
        "50",
        "--json",
    ]);
    assert_eq!(j["bootstrap"]["reselected"], true);
    assert_eq!(j["bootstrap"]["fixed_model"], false);
    assert!(!j["bootstrap"]["models"].as_array().unwrap().is_empty());
    assert_eq!(j["selection"]["method"], "aic-stepwise");
    assert!(!j["selection"]["steps"].as_array().unwrap().is_empty());
    let k = json_ok(&[
        "estimate",
        &f,
        "--covariates",
        "sex",
        "--select",
        "aic-stepwise",
        "--bootstrap",
        "50",
        "--fixed-model-bootstrap",
        "--json",
    ]);
    assert_eq!(k["bootstrap"]["reselected"], false);
    assert!(k["bootstrap"]["models"].as_array().unwrap().is_empty());
    let e = json_ok(&[
        "estimate",
        &f,
        "--covariates",
        "sex",
        "--select",
        "bic",
        "--json",
    ]);
    assert_eq!(e["selection"]["models_examined"], 64);
    assert!(!e["selection"]["ranking"].as_array().unwrap().is_empty());
}

#[test]
fn summary_report_and_plot() {
    let w = data("covariates/westeros_cells.csv");
    let s = json_ok(&["summary", &w, "--covariates", COVS, "--json"]);
    assert_eq!(s["observed"], 1043);
    assert_eq!(s["combinations"], 96);
    assert_eq!(s["covariates"][0]["levels"][0]["by_list"]["R1"], 310);
    assert!(s["input_sha256"].is_string());
    let text = run(&["summary", &w, "--covariates", COVS]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("1043 observed cases on 4 lists"));
    let model = "R1+R2+R3+R4+X1+X2+X3+X4+Y+R1:Y+R3:X2+X1:X4+X4:Y";
    let md = run(&[
        "report",
        &w,
        "--covariates",
        COVS,
        "--model",
        model,
        "--year",
        "Y",
        "--markdown",
    ]);
    assert_eq!(
        md.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&md.stderr)
    );
    let md = String::from_utf8_lossy(&md.stdout).to_string();
    assert!(
        md.contains("| **Total** | 1,043 |") && md.contains("| **change by Y** |"),
        "{md}"
    );
    let csv = run(&[
        "report",
        &w,
        "--covariates",
        COVS,
        "--model",
        model,
        "--csv",
    ]);
    let csv = String::from_utf8_lossy(&csv.stdout).to_string();
    assert!(csv.starts_with("section,category,observed,unobserved,estimate,lower,upper,detected_percent\nTotal,all,1043,"));
    assert_eq!(csv.lines().count(), 1 + 1 + 2 + 2 + 2 + 3 + 4);
    let j = json_ok(&[
        "report",
        &w,
        "--covariates",
        COVS,
        "--model",
        model,
        "--json",
    ]);
    assert_eq!(j["rows"][0]["section"], "Total");
    let svg_path =
        std::env::temp_dir().join(format!("darkfigure-trend-{}.svg", std::process::id()));
    let svg_s = svg_path.to_str().unwrap();
    json_ok(&[
        "estimate",
        &w,
        "--covariates",
        COVS,
        "--model",
        model,
        "--year",
        "Y",
        "--plot",
        svg_s,
        "--json",
    ]);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(
        svg.starts_with("<svg")
            && svg.contains("estimated total by Y")
            && svg.contains("observed cases")
    );
    // A report whose model has no estimate: exit 3.
    fails(
        &run(&["report", &w, "--covariates", COVS, "--model", ".^2"]),
        3,
        &["does not exist"],
    );
}

/// The list-only report's `--coverage` and `--max-replicates` are refused with covariates,
/// not ignored.
#[test]
fn list_only_report_options_are_refused() {
    let f = data("covariates/westeros_cells.csv");
    for extra in [
        &["--coverage", "10"][..],
        &["--bootstrap", "10", "--max-replicates", "20"][..],
    ] {
        let mut args = vec!["report", f.as_str(), "--covariates", COVS];
        args.extend_from_slice(extra);
        let flag = if extra[0] == "--coverage" {
            "--coverage"
        } else {
            "--max-replicates"
        };
        fails(&run(&args), 2, &[flag, "drop it"]);
    }
}
