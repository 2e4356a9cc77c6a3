//! `darkfigure simulate`, `estimate --interval calibrated` and `report --coverage` through the
//! command line: JSON keys, thread-count invariance, the tables written out re-estimated by
//! `estimate` give the study's numbers, `--estimate` errors, plots.

use assert_cmd::Command;
use serde_json::Value;
use std::process::Output;

fn data(name: &str) -> String {
    format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::cargo_bin("darkfigure")
        .expect("the darkfigure binary is built for integration tests")
        .args(args)
        .output()
        .expect("darkfigure runs")
}

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn stderr_of(args: &[&str], code: i32) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(code), "{args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn korea_study(extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "simulate",
        &data("korea.csv"),
        "--select",
        "stepwise",
        "--tables",
        "8",
        "--estimate",
        "--select stepwise --bootstrap 60",
        "--json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn simulate_json_has_the_contract_keys() {
    let v = korea_study(&[]);
    let j = json(&args(&v));
    for k in [
        "truth",
        "truth_model",
        "tables",
        "coverage",
        "coverage_se",
        "bias",
        "rmse",
        "median_width",
        "failed",
        "table_results",
        "darkfigure_version",
        "options",
        "input_sha256",
        "warnings",
    ] {
        assert!(j.get(k).is_some(), "key {k}");
    }
    assert_eq!(j["truth"], 269);
    assert_eq!(j["tables"], 8);
    for l in ["0.8", "0.9", "0.95"] {
        let c = j["coverage"][l].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
        assert!(j["median_width"][l].as_f64().unwrap() > 0.0);
    }
    assert_eq!(j["failed"]["tables"], 0);
    assert_eq!(j["table_results"].as_array().unwrap().len(), 8);
    assert_eq!(j["table_results"][2]["seed"], 1236);
    assert_eq!(j["options"]["estimate"], "--select stepwise --bootstrap 60");
    assert_eq!(j["interval"], "bca");
}

#[test]
fn simulate_is_identical_for_any_thread_count() {
    let one = run(&args(&korea_study(&["--threads", "1"])));
    let two = run(&args(&korea_study(&["--threads", "2"])));
    assert!(one.status.success() && two.status.success());
    assert_eq!(one.stdout, two.stdout);
}

/// The tables written by `--tables-out`, estimated by `estimate` with seed `seed + j − 1`,
/// give the study's estimate and interval for table j.
#[test]
fn tables_out_reproduce_the_study() {
    let dir = std::env::temp_dir().join(format!("darkfigure-sim-{}", std::process::id()));
    let d = dir.to_str().unwrap().to_string();
    let j = json(&args(&korea_study(&["--tables-out", &d])));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert_eq!(files.len(), 8);
    assert_eq!(files[0], "table_0001.csv");
    let t3 = dir.join("table_0003.csv");
    let e = json(&[
        "estimate",
        t3.to_str().unwrap(),
        "--select",
        "stepwise",
        "--bootstrap",
        "60",
        "--seed",
        "1236",
        "--json",
    ]);
    let r = &j["table_results"][2];
    assert_eq!(e["estimate"], r["estimate"]);
    assert_eq!(e["interval"]["lower"], r["intervals"]["0.95"][0]);
    assert_eq!(e["interval"]["upper"], r["intervals"]["0.95"][1]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn simulate_text_and_plot() {
    let svg = std::env::temp_dir().join(format!("darkfigure-sim-{}.svg", std::process::id()));
    let out = run(&[
        "simulate",
        &data("western.csv"),
        "--model",
        "A*E",
        "--tables",
        "30",
        "--estimate",
        "--model 'A*E' --interval profile",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("coverage") && text.contains("truth: N = 2483"),
        "{text}"
    );
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.starts_with("<svg") && s.contains("nominal level") && s.contains("truth N = 2,483"));
    std::fs::remove_file(&svg).unwrap();
}

#[test]
fn simulate_errors_name_the_option() {
    let k = data("korea.csv");
    let e = stderr_of(
        &[
            "simulate",
            &k,
            "--select",
            "stepwise",
            "--estimate",
            "--select stepwise --bogus",
        ],
        2,
    );
    assert!(e.contains("--estimate") && e.contains("--bogus"), "{e}");
    let e = stderr_of(
        &[
            "simulate",
            &k,
            "--select",
            "stepwise",
            "--estimate",
            "--seed 3",
        ],
        2,
    );
    assert!(e.contains("--seed has no place in --estimate"), "{e}");
    let e = stderr_of(
        &[
            "simulate",
            &k,
            "--select",
            "stepwise",
            "--estimate",
            "--model 'open",
        ],
        2,
    );
    assert!(e.contains("not closed"), "{e}");
    let e = stderr_of(
        &[
            "simulate",
            &k,
            "--select",
            "stepwise",
            "--estimate",
            "--select bogus",
        ],
        2,
    );
    assert!(e.contains("--estimate") && e.contains("bogus"), "{e}");
    let e = stderr_of(
        &[
            "simulate",
            &k,
            "--select",
            "stepwise",
            "--estimate",
            "",
            "--coverage-levels",
            "0.9,1.2",
        ],
        2,
    );
    assert!(e.contains("--coverage-levels"), "{e}");
    let e = stderr_of(
        &[
            "simulate",
            &k,
            "--select",
            "stepwise",
            "--estimate",
            "",
            "--tables",
            "0",
        ],
        2,
    );
    assert!(e.contains("--tables"), "{e}");
    // No truth given: clap's usage error.
    stderr_of(&["simulate", &k, "--estimate", ""], 2);
    // A truth without fitted means.
    let e = stderr_of(&["simulate", &k, "--method", "lcmcr", "--estimate", ""], 2);
    assert!(e.contains("fitted"), "{e}");
    // An estimate option with no effect, as `estimate` says.
    let e = stderr_of(
        &[
            "simulate",
            &k,
            "--select",
            "stepwise",
            "--estimate",
            "--bootstrap-kind parametric",
        ],
        2,
    );
    assert!(e.contains("--bootstrap-kind"), "{e}");
}

#[test]
fn estimate_with_a_calibrated_interval() {
    let j = json(&[
        "estimate",
        &data("korea.csv"),
        "--select",
        "stepwise",
        "--bootstrap",
        "100",
        "--interval",
        "calibrated",
        "--calibration-tables",
        "30",
        "--json",
    ]);
    let iv = &j["interval"];
    assert_eq!(iv["method"], "calibrated");
    assert_eq!(iv["level"], 0.95);
    let c = &iv["calibration"];
    for k in [
        "target",
        "nominal_used",
        "estimated_coverage",
        "coverage_se",
        "tables",
        "replicates",
        "reached",
        "curve",
    ] {
        assert!(c.get(k).is_some(), "key {k}");
    }
    assert_eq!(c["tables"], 30);
    assert_eq!(c["replicates"], 100);
    assert_eq!(c["interval"], "bca");
    assert_eq!(j["options"]["calibration"]["tables"], 30);
    let e = stderr_of(
        &[
            "estimate",
            &data("korea.csv"),
            "--select",
            "stepwise",
            "--calibration-tables",
            "5",
        ],
        2,
    );
    assert!(
        e.contains("--calibration-tables") && e.contains("--interval calibrated"),
        "{e}"
    );
}

#[test]
fn report_with_a_coverage_column() {
    let j = json(&[
        "report",
        &data("korea.csv"),
        "--coverage",
        "20",
        "--no-leave-one-out",
        "--json",
    ]);
    assert_eq!(j["coverage"]["tables"], 20);
    assert_eq!(j["coverage"]["truth"], 269);
    let rows = j["rows"].as_array().unwrap();
    let stepwise = rows.iter().find(|r| r["id"] == "stepwise").unwrap();
    assert!(stepwise["coverage"].as_f64().is_some());
    let lcmcr = rows.iter().find(|r| r["id"] == "lcmcr").unwrap();
    assert!(lcmcr["coverage"].is_null());
    let out = run(&[
        "report",
        &data("korea.csv"),
        "--coverage",
        "20",
        "--no-leave-one-out",
        "--csv",
    ]);
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",coverage,coverage_se"),
        "{csv}"
    );
    // Without --coverage the CSV keeps its columns.
    let out = run(&["report", &data("korea.csv"), "--no-leave-one-out", "--csv"]);
    assert!(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .ends_with(",lists"));
}
