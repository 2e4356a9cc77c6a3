//! The researcher-experience contract of the command line (one test per point of the issue):
//! lists by name and order independence, input dialects and warnings, the report's options,
//! names in every output, bootstrap diagnostics, options without effect, saturated models in
//! `check`, provenance and leave-one-list-out rows.

use assert_cmd::Command;
use serde_json::Value;

fn data(name: &str) -> String {
    format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> (i32, String, String) {
    let o = Command::cargo_bin("darkfigure")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> Value {
    let (code, out, err) = run(args);
    assert!(code == 0 || code == 3, "{args:?}: exit {code}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

/// A file in the temporary folder, removed on drop.
struct Temp(std::path::PathBuf);

impl Temp {
    fn new(tag: &str, bytes: &[u8]) -> Self {
        let p = std::env::temp_dir().join(format!("df-exp-{}-{tag}", std::process::id()));
        std::fs::write(&p, bytes).unwrap();
        Self(p)
    }
    fn s(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

/// Point 1: `--lists` selects and orders lists; the Kosovo long file gives byte-identical
/// JSON to the frequency file with the lists in the same order, and the same estimates and
/// interval whatever the order.
#[test]
fn lists_by_name_and_order_independence() {
    let long = data("examples/kosovo_long.csv");
    let freq = data("kosovo.csv");
    let args = |file: &str, lists: &str| {
        vec![
            "estimate".to_string(),
            file.to_string(),
            "--lists".into(),
            lists.into(),
            "--select".into(),
            "stepwise".into(),
            "--bootstrap".into(),
            "1000".into(),
            "--seed".into(),
            "1".into(),
            "--json".into(),
        ]
    };
    let out = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let (code, out, err) = run(&a);
        assert_eq!(code, 0, "{err}");
        out
    };
    let a = out(args(&long, "EXH,ABA,OSCE,HRW"));
    let b = out(args(&freq, "EXH,ABA,OSCE,HRW"));
    assert_eq!(
        a, b,
        "long and frequency files, same list order: identical JSON"
    );
    // Without --lists the long file orders lists by first appearance, but the numbers are
    // the same.
    let base: Value = serde_json::from_str(&b).unwrap();
    for lists in ["HRW,OSCE,EXH,ABA", "OSCE,HRW,ABA,EXH"] {
        let v: Value = serde_json::from_str(&out(args(&freq, lists))).unwrap();
        assert_eq!(v["lists"].as_array().unwrap().len(), 4);
        let (x, y) = (f(&v["estimate"]), f(&base["estimate"]));
        assert!((x - y).abs() < 1e-9 * y, "{lists} estimate");
        for k in ["lower", "upper"] {
            let (x, y) = (f(&v["interval"][k]), f(&base["interval"][k]));
            assert!((x - y).abs() < 1e-9 * y, "{lists} {k}: {x} vs {y}");
        }
        // Replicate by replicate.
        let (ra, rb) = (
            v["bootstrap"]["replicate_estimates"].as_array().unwrap(),
            base["bootstrap"]["replicate_estimates"].as_array().unwrap(),
        );
        for (x, y) in ra.iter().zip(rb) {
            assert!((f(x) - f(y)).abs() < 1e-8 * f(y), "{lists}: {x} vs {y}");
        }
        assert_ne!(
            v["input_sha256"], base["input_sha256"],
            "another list order, another table"
        );
    }
    // A subset, and an unknown name with a hint.
    let v = json(&["estimate", &freq, "--lists", "ABA,EXH", "--json"]);
    assert_eq!(v["lists"], serde_json::json!(["ABA", "EXH"]));
    let (code, _, err) = run(&["estimate", &freq, "--lists", "exh,ABA"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--lists") && err.contains("did you mean 'EXH'"),
        "{err}"
    );
}

/// Rows in any order, lists in any order: the same bootstrap (a small property test over a
/// few permutations of a frequency file).
#[test]
fn permuting_rows_and_lists_changes_no_number() {
    let text = std::fs::read_to_string(data("western.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header: Vec<&str> = lines.remove(0).split(',').collect();
    let base = json(&[
        "estimate",
        &data("western.csv"),
        "--select",
        "stepwise",
        "--bootstrap",
        "300",
        "--json",
    ]);
    for (k, perm) in [[4usize, 2, 0, 3, 1], [1, 0, 2, 4, 3], [3, 4, 1, 0, 2]]
        .iter()
        .enumerate()
    {
        // Permute the list columns (the count stays last) and reverse/rotate the rows.
        let mut rows: Vec<String> = lines
            .iter()
            .map(|l| {
                let v: Vec<&str> = l.split(',').collect();
                let mut out: Vec<&str> = perm.iter().map(|&j| v[j]).collect();
                out.push(v[5]);
                out.join(",")
            })
            .collect();
        rows.rotate_left(k * 3 + 1);
        rows.reverse();
        let mut csv: String = perm
            .iter()
            .map(|&j| header[j])
            .collect::<Vec<_>>()
            .join(",");
        csv.push_str(",count\n");
        csv.push_str(&rows.join("\n"));
        let tmp = Temp::new(&format!("perm{k}.csv"), csv.as_bytes());
        let v = json(&[
            "estimate",
            &tmp.s(),
            "--select",
            "stepwise",
            "--bootstrap",
            "300",
            "--json",
        ]);
        for (x, y) in [
            (&v["estimate"], &base["estimate"]),
            (&v["interval"]["lower"], &base["interval"]["lower"]),
            (&v["interval"]["upper"], &base["interval"]["upper"]),
        ] {
            assert!(
                (f(x) - f(y)).abs() < 1e-9 * f(y),
                "perm {perm:?}: {x} vs {y}"
            );
        }
    }
}

/// Point 2: Delimiters detected or given, long-format column names, warnings about names and
/// small lists, and about guessed layouts.
#[test]
fn input_dialects_and_warnings() {
    let semi = Temp::new(
        "semi.csv",
        b"A;B;C;n\n1;0;0;30\n0;1;0;25\n0;0;1;28\n1;1;0;6\n1;0;1;7\n0;1;1;5\n1;1;1;2\n",
    );
    let tab = Temp::new("tab.tsv", b"A\tB\tC\tn\n1\t0\t0\t30\n0\t1\t0\t25\n0\t0\t1\t28\n1\t1\t0\t6\n1\t0\t1\t7\n0\t1\t1\t5\n1\t1\t1\t2\n");
    let comma = json(&["estimate", &semi.s(), "--json"]);
    let t = json(&["estimate", &tab.s(), "--json"]);
    assert_eq!(comma["estimate"], t["estimate"]);
    assert_eq!(comma["observed"], 103);
    assert!(
        comma["warnings"].to_string().contains("semicolon"),
        "{}",
        comma["warnings"]
    );
    let given = json(&["estimate", &tab.s(), "--delimiter", "tab", "--json"]);
    assert_eq!(given["estimate"], t["estimate"]);
    assert!(
        !given["warnings"].to_string().contains("tab"),
        "given, not guessed"
    );
    // Long format with other column names; a typo making a fifth list is warned about.
    let long = Temp::new(
        "long.csv",
        b"agency,case,sex\nEXH,1,f\nABA,1,f\nEXH,2,m\nOSCE,3,f\nexh,4,m\nABA,5,f\nOSCE,5,f\nEXH,6,f\nABA,7,m\nEXH,7,m\nOSCE,8,f\nEXH,9,m\nABA,9,m\nOSCE,10,f\nEXH,10,f\nABA,11,f\nOSCE,12,m\nEXH,12,m\n",
    );
    let v = json(&[
        "summary",
        &long.s(),
        "--format",
        "long",
        "--list-col",
        "agency",
        "--id-col",
        "case",
        "--json",
    ]);
    let w = v["warnings"].to_string();
    assert!(w.contains("'EXH' and 'exh' differ only in case"), "{w}");
    assert!(w.contains("list 'exh' has 1 case"), "{w}");
    let (code, _, err) = run(&[
        "summary",
        &long.s(),
        "--format",
        "long",
        "--list-col",
        "list",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--list-col") && err.contains("agency"),
        "{err}"
    );
    // A guessed layout is said: 0/1 in a last column not named like a count.
    let rec = Temp::new(
        "rec.csv",
        b"A,B,C,Anzahl\n1,0,1,1\n0,1,0,1\n1,1,0,0\n1,0,0,1\n",
    );
    let (_, _, err) = run(&["estimate", &rec.s()]);
    assert!(err.contains("read as records"), "{err}");
    // A count column in the wrong place: what the column looks like, and what to do.
    let misplaced = Temp::new("mis.csv", b"count,A,B,C\n40,1,0,0\n12,1,1,0\n");
    let (code, _, err) = run(&["estimate", &misplaced.s()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("holds counts") && err.contains("last column"),
        "{err}"
    );
    // An id column anywhere in records is ignored.
    let ided = Temp::new("ided.csv", b"A,B,id\n1,0,x1\n0,1,x2\n1,1,x3\n1,0,x4\n");
    let v = json(&["summary", &ided.s(), "--json"]);
    assert_eq!(v["observed"], 4);
    // Fractional counts are refused, however they are spelled.
    let frac = Temp::new(
        "frac.csv",
        b"A,B,count\n1,0,2.9999999999999999\n0,1,3\n1,1,1\n",
    );
    let (code, _, err) = run(&["estimate", &frac.s()]);
    assert_eq!(code, 2);
    assert!(err.contains(":2:3:") && err.contains("whole"), "{err}");
}

/// Point 3: The report takes the selection options, falls back to `auto` for eight lists, has
/// Rcapture and LCMCR rows, and names the lists in Markdown and CSV.
#[test]
fn report_options_rows_and_names() {
    let no = data("neworl.csv");
    let v = json(&["report", &no, "--json"]);
    let rows = v["rows"].as_array().unwrap();
    let row = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    let bic = row("bic");
    assert!(bic["estimate"].is_f64(), "{bic}");
    assert!(bic["method"].as_str().unwrap().starts_with("auto"), "{bic}");
    assert!(bic["notes"].to_string().contains("auto rule"), "{bic}");
    for id in ["m0", "mh-chao", "lcmcr", "omit-A", "omit-H"] {
        row(id);
    }
    let uk = data("ukdat_5.csv");
    let v = json(&[
        "report",
        &uk,
        "--select",
        "bic",
        "--max-order",
        "2",
        "--pthresh",
        "0.05",
        "--json",
    ]);
    let rows = v["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["method"] == "BIC (max order 2)"));
    assert!(
        !rows.iter().any(|r| r["id"] == "stepwise"),
        "only the rules asked for"
    );
    assert!(rows
        .iter()
        .any(|r| r["method"] == "stepwise p=0.05 without LA"));
    let (code, md, _) = run(&["report", &uk, "--markdown"]);
    assert_eq!(code, 0);
    assert!(
        md.contains("model by list names") && md.contains("LA*NG"),
        "{md}"
    );
    assert!(md.contains("1 = LA, 2 = NG"), "{md}");
    let (_, csv, _) = run(&["report", &uk, "--csv"]);
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .ends_with(",id,model_names,lists"));
    assert!(csv.contains("LA NG PFNCA GO GP"));
    // --max-order with no BIC/AIC row has no effect: an error.
    let (code, _, err) = run(&["report", &uk, "--select", "stepwise", "--max-order", "2"]);
    assert_eq!(code, 2);
    assert!(err.contains("--max-order"), "{err}");
}

/// Point 4: Models by list names, criteria as printed, plot titles and the ranking's key.
#[test]
fn names_and_plots() {
    let uk = data("ukdat_5.csv");
    let (code, out, _) = run(&["models", &uk, "--top", "3"]);
    assert_eq!(code, 0);
    assert!(out.contains("ranked by BIC"), "{out}");
    assert!(out.contains("LA*NG*PFNCA"), "{out}");
    let svg = std::env::temp_dir().join(format!("df-exp-{}-rank.svg", std::process::id()));
    let (code, _, _) = run(&[
        "models",
        &uk,
        "--top",
        "8",
        "--plot",
        &svg.to_string_lossy(),
    ]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("ukdat_5: model ranking by BIC"),
        "title from the data set name"
    );
    assert!(text.contains("1 = LA, 2 = NG"), "list key");
    let (code, _, _) = run(&[
        "summary",
        &uk,
        "--plot",
        &svg.to_string_lossy(),
        "--title",
        "UK 2013",
    ]);
    assert_eq!(code, 0);
    assert!(std::fs::read_to_string(&svg).unwrap().contains("UK 2013"));
    let _ = std::fs::remove_file(&svg);
}

/// Point 5: Which model each replicate chose, in JSON and in `--replicates-out`; warnings about the
/// BCa limits of New Orleans (z0 far from 0, an upper limit read near the median).
#[test]
fn bootstrap_diagnostics() {
    let reps = std::env::temp_dir().join(format!("df-exp-{}-reps.csv", std::process::id()));
    let v = json(&[
        "estimate",
        &data("neworl.csv"),
        "--select",
        "stepwise",
        "--bootstrap",
        "1000",
        "--seed",
        "1",
        "--replicates-out",
        &reps.to_string_lossy(),
        "--json",
    ]);
    let b = &v["bootstrap"];
    let models = b["models"].as_array().unwrap();
    assert!(models.len() > 3);
    let share: f64 = models.iter().map(|m| f(&m["share"])).sum();
    assert!((share - 1.0).abs() < 1e-9, "{share}");
    assert!(models[0]["model_names"].is_string() && models[0]["median"].is_f64());
    let w = b["warnings"].to_string();
    assert!(w.contains("z0"), "{w}");
    assert!(w.contains("near the middle"), "{w}");
    let flags = v["interval"]["flags"].to_string();
    assert!(
        flags.contains("level 0.975"),
        "both limits flagged: {flags}"
    );
    let text = std::fs::read_to_string(&reps).unwrap();
    assert!(text.starts_with("replicate,estimate,model\n"));
    let model = text.lines().nth(1).unwrap().splitn(3, ',').nth(2).unwrap();
    assert!(
        model.starts_with("\"[") || model.starts_with('['),
        "{model}"
    );
    let _ = std::fs::remove_file(&reps);
    let (_, out, _) = run(&[
        "estimate",
        &data("neworl.csv"),
        "--select",
        "stepwise",
        "--bootstrap",
        "200",
    ]);
    assert!(out.contains("Models chosen in the replicates"), "{out}");
}

/// Point 6: An option set on the command line that has no effect is an error; defaults never are.
#[test]
fn no_silent_option() {
    let uk = data("ukdat_5.csv");
    for args in [
        vec!["estimate", &uk, "--select", "stepwise", "--model", "[12]"],
        vec!["estimate", &uk, "--select", "stepwise", "--max-order", "3"],
        vec!["estimate", &uk, "--select", "bic", "--pthresh", "0.1"],
        vec!["estimate", &uk, "--bootstrap-kind", "parametric"],
        vec!["estimate", &uk, "--seed", "3"],
        vec![
            "estimate",
            &uk,
            "--select",
            "stepwise",
            "--bootstrap",
            "10",
            "--ntop",
            "5",
        ],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?} should be refused: {err}");
        assert!(err.starts_with("error:"), "{err}");
    }
    // The defaults themselves are fine.
    let (code, _, err) = run(&["estimate", &uk, "--select", "stepwise"]);
    assert_eq!(code, 0, "{err}");
}

/// Point 7: `check` of the saturated model reports code 2 or 3 (not identifiable) with exit 3, as
/// MultipleSystemsEstimation's `check_extended_MLE`.
#[test]
fn saturated_model_in_check() {
    let v = json(&["check", &data("korea.csv"), "--model", "[123]", "--json"]);
    assert!(v["existence"]["code"].as_u64().unwrap() >= 2);
    assert_eq!(v["existence"]["identifiable"], false);
    let (code, _, _) = run(&["check", &data("korea.csv"), "--model", "[123]"]);
    assert_eq!(code, 3);
}

/// Point 8: Provenance in every JSON object; leave-one-list-out rows in the report.
#[test]
fn provenance_and_leave_one_out() {
    let uk = data("ukdat_5.csv");
    for args in [
        vec!["estimate", &uk, "--json"],
        vec!["check", &uk, "--model", "main", "--json"],
        vec!["models", &uk, "--max-order", "2", "--json"],
        vec!["summary", &uk, "--json"],
        vec!["report", &uk, "--json"],
    ] {
        let v = json(&args);
        assert_eq!(
            v["darkfigure_version"],
            env!("CARGO_PKG_VERSION"),
            "{args:?}"
        );
        assert!(v["options"].is_object(), "{args:?}");
        assert_eq!(v["input_sha256"].as_str().unwrap().len(), 64, "{args:?}");
        assert!(v["warnings"].is_array(), "{args:?}");
    }
    let v = json(&["estimate", &uk, "--select", "stepwise", "--json"]);
    assert_eq!(
        v["options"]["select"]["threshold"], 0.02,
        "defaults resolved"
    );
    // The hash is that of `convert`'s output.
    let (_, table, _) = run(&["convert", &uk]);
    use std::process::{Command as P, Stdio};
    let mut sha = P::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sha256sum");
    use std::io::Write;
    sha.stdin
        .take()
        .unwrap()
        .write_all(table.as_bytes())
        .unwrap();
    let out = String::from_utf8(sha.wait_with_output().unwrap().stdout).unwrap();
    assert!(out.starts_with(v["input_sha256"].as_str().unwrap()));
    let r = json(&["report", &uk, "--json"]);
    let omit: Vec<&Value> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["id"].as_str().unwrap().starts_with("omit-"))
        .collect();
    assert_eq!(omit.len(), 5);
    assert!(omit.iter().all(|row| row["estimate"].is_f64()));
}
