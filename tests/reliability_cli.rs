//! Regression tests for the reliability defects of issue 11 through the command line: write
//! errors, atomic output files, `--threads`, `--bootstrap` limits, exit statuses, refusals;
//! and a randomised run over the documented flags that must never panic or hang.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("darkfigure")
}

fn data(name: &str) -> String {
    format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .output()
        .expect("darkfigure runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh folder under the target directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("reliability-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }

    /// Names of the files in the folder, sorted.
    fn listing(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Defect 7: write errors
// ---------------------------------------------------------------------------------------------

/// Issue 11, defect 7: `estimate … --json > /dev/full`, `models`, `convert` and
/// `convert -o /dev/full` exited 0; every write error is exit 2 naming the path.
#[test]
fn write_errors_exit_2_with_the_path() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let uk = data("ukdat.csv");
    for args in [
        vec!["estimate", uk.as_str(), "--json"],
        vec!["estimate", uk.as_str()],
        vec!["models", uk.as_str(), "--max-order", "1"],
        vec!["summary", uk.as_str(), "--json"],
        vec!["check", uk.as_str(), "--model", "main"],
        vec!["report", uk.as_str()],
        vec!["convert", uk.as_str()],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Command::new(bin())
            .args(&args)
            .stdout(Stdio::from(full))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("<stdout>"), "{args:?}: {}", stderr(&o));
    }
    let o = run(&["convert", &uk, "-o", "/dev/full"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("/dev/full"), "{}", stderr(&o));
    // The device is written in place, never replaced by a file.
    let meta = std::fs::metadata("/dev/full").unwrap();
    assert!(!meta.is_file());
}

// ---------------------------------------------------------------------------------------------
// Defect 8: output files are checked first and written atomically
// ---------------------------------------------------------------------------------------------

/// Issue 11, defect 8: `--replicates-out keep.csv --plot /nonexistent/x.svg` exited 2 but had
/// already overwritten keep.csv; every output path is checked before computing.
#[test]
fn a_bad_output_path_leaves_the_other_outputs_untouched() {
    let dir = TempDir::new("atomic");
    let keep = dir.file("keep.csv");
    std::fs::write(&keep, "old\n").unwrap();
    let start = Instant::now();
    let o = run(&[
        "estimate",
        &data("ukdat.csv"),
        "--select",
        "stepwise",
        "--bootstrap",
        "200",
        "--replicates-out",
        &keep,
        "--plot",
        "/nonexistent/x.svg",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("/nonexistent/x.svg"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&keep).unwrap(), "old\n");
    // Refused before the bootstrap ran.
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(dir.listing(), ["keep.csv"]);
    // A folder as the output is refused too.
    let o = run(&["convert", &data("korea.csv"), "-o", dir.0.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// Issue 11, defect 8: outputs are written to a temporary file and renamed, so an
/// interrupted run (SIGINT during the bootstrap) leaves the old file intact and no
/// temporary file behind; a successful run replaces it.
#[test]
fn an_interrupted_run_leaves_the_old_file_intact() {
    let dir = TempDir::new("sigint");
    let keep = dir.file("keep.csv");
    std::fs::write(&keep, "old\n").unwrap();
    let mut child = Command::new(bin())
        .args([
            "estimate",
            &data("ukdat.csv"),
            "--select",
            "aic",
            "--bootstrap",
            "100000",
            "--threads",
            "1",
            "--replicates-out",
            &keep,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert_eq!(std::fs::read_to_string(&keep).unwrap(), "old\n");
    assert_eq!(dir.listing(), ["keep.csv"]);
    let o = run(&[
        "estimate",
        &data("korea.csv"),
        "--bootstrap",
        "3",
        "--replicates-out",
        &keep,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&keep).unwrap();
    assert!(text.starts_with("replicate,estimate,model\n1,"), "{text}");
    assert_eq!(text.lines().count(), 4);
    assert_eq!(dir.listing(), ["keep.csv"]);
}

// ---------------------------------------------------------------------------------------------
// Defects 5, 6: --threads and --bootstrap limits
// ---------------------------------------------------------------------------------------------

/// Issue 11, defect 5: `--threads 5000` took 21.7 s and `--threads 100000` hung; the count is
/// capped at the available parallelism with a warning (exit 0).
#[test]
fn threads_are_capped_with_a_warning() {
    for n in ["5000", "100000"] {
        let start = Instant::now();
        let o = run(&[
            "estimate",
            &data("korea.csv"),
            "--threads",
            n,
            "--bootstrap",
            "20",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("warning: --threads {n}")),
            "{}",
            stderr(&o)
        );
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
        let o = run(&["models", &data("korea.csv"), "--threads", n]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
}

/// Issue 11, defect 6: B = 18,446,744,073,709,551,615 was accepted; B above the documented
/// maximum is exit 2 naming `--max-replicates`, which lifts it.
#[test]
fn bootstrap_above_the_maximum_is_refused_and_max_replicates_lifts_it() {
    let k = data("korea.csv");
    let start = Instant::now();
    for b in ["18446744073709551615", "1000001"] {
        let o = run(&["estimate", &k, "--bootstrap", b]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("--max-replicates"), "{}", stderr(&o));
        let o = run(&["report", &k, "--bootstrap", b]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("--max-replicates"), "{}", stderr(&o));
    }
    assert!(start.elapsed() < Duration::from_secs(5));
    let o = run(&["estimate", &k, "--bootstrap", "4", "--max-replicates", "3"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&["estimate", &k, "--bootstrap", "3", "--max-replicates", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// ---------------------------------------------------------------------------------------------
// Exit statuses and refusals
// ---------------------------------------------------------------------------------------------

/// Issue 11: `models` exited 0 when every model is excluded, where `estimate` exits 3; it
/// exits 3 with the JSON still printed.
#[test]
fn models_exits_3_when_every_model_is_excluded() {
    let dir = TempDir::new("excluded");
    let f = dir.file("one.csv");
    std::fs::write(&f, "A,B,C,count\n1,0,0,10\n0,1,0,3\n").unwrap();
    let o = run(&["models", &f, "--json"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["models"].as_array().unwrap().len(), 0);
    assert_eq!(v["excluded"], v["count"]);
    let o = run(&["estimate", &f]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
}

/// Issue 11, defect 2, from the command line: `check --model L0*…*L18` on 20 lists aborted
/// (exit 134 after asking for 103 GB); it is exit 2 with the model's size.
#[test]
fn check_refuses_a_huge_model_with_its_size() {
    let dir = TempDir::new("huge");
    let f = dir.file("twenty.csv");
    let names: Vec<String> = (0..20).map(|i| format!("L{i}")).collect();
    let mut csv = format!("{},count\n", names.join(","));
    for i in 0..20 {
        let row: Vec<&str> = (0..20)
            .map(|j| {
                if j == i || j == (i + 1) % 20 {
                    "1"
                } else {
                    "0"
                }
            })
            .collect();
        csv.push_str(&format!("{},{}\n", row.join(","), i + 1));
    }
    std::fs::write(&f, csv).unwrap();
    let model = names[..19].join("*");
    let o = run(&["check", &f, "--model", &model]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("524289 parameters"), "{}", stderr(&o));
    // Defect 12 through the CLI: the count of order-2 models does not wrap.
    let o = run(&["estimate", &f, "--select", "bic"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("2^190 ≈ 1.57e57"), "{}", stderr(&o));
}

/// Issue 11, defect 1, from the command line: `--level 0.01` gave lower = n_obs, upper null.
#[test]
fn profile_interval_at_level_001_from_the_command_line() {
    let o = run(&[
        "estimate",
        &data("ukdat.csv"),
        "--select",
        "aic-stepwise",
        "--level",
        "0.01",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let lower = v["interval"]["lower"].as_f64().unwrap();
    let upper = v["interval"]["upper"].as_f64().unwrap();
    assert!(
        lower > 11358.0 && upper < 11460.0 && lower < upper,
        "{lower} {upper}"
    );
    assert_eq!(v["interval"]["flags"].as_array().unwrap().len(), 0);
}

// ---------------------------------------------------------------------------------------------
// Random combinations of the documented flags
// ---------------------------------------------------------------------------------------------

/// A small deterministic generator (SplitMix64), so that a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// One random command line over the documented subcommands, flags and values (valid and
/// invalid), on small bundled datasets.
fn random_args(g: &mut Rng, out_dir: &TempDir) -> Vec<String> {
    let files = [
        "korea.csv",
        "artificial_3.csv",
        "kosovo.csv",
        "ukdat_5.csv",
        "western.csv",
        "rcapture_hare.csv",
        "neworl_5.csv",
    ];
    let mut a: Vec<String> = Vec::new();
    let cmd = g.pick(&[
        "estimate", "estimate", "estimate", "check", "models", "summary", "report", "convert",
    ]);
    a.push(cmd.into());
    let file = g.pick(&files);
    a.push(data(file));
    // Orders for BIC/AIC searches: the full six-list space (7.8 million models, each fitted:
    // 13 s on UK data, about 100 s on the hare data) is not a fuzz case.
    let orders: &[&str] = if file == "rcapture_hare.csv" {
        &["1", "2", "0"]
    } else {
        &["1", "2", "0", "3", "9"]
    };
    let flag = |g: &mut Rng, a: &mut Vec<String>, name: &str, values: &[&str]| {
        a.push(name.into());
        if !values.is_empty() {
            a.push(g.pick(values).into());
        }
    };
    let levels = [
        "0.95", "0.5", "0.001", "0.999", "0", "1", "NaN", "-1", "abc", "0.01",
    ];
    let counts = ["0", "1", "3", "17", "-1", "x", "18446744073709551616"];
    if g.chance(15) {
        flag(
            g,
            &mut a,
            "--format",
            &["auto", "frequency", "records", "long", "bad"],
        );
    }
    if g.chance(10) {
        flag(g, &mut a, "--omit", &["A", "b", "EXH", "nope", "A,B", ""]);
    }
    if g.chance(10) {
        flag(g, &mut a, "--merge", &["A,B", "b,c", "EXH,ABA", "x,y", "A"]);
    }
    match cmd {
        "estimate" => {
            if g.chance(50) {
                flag(
                    g,
                    &mut a,
                    "--method",
                    &[
                        "loglinear",
                        "m0",
                        "mt",
                        "mh-chao",
                        "mh-poisson",
                        "mh-darroch",
                        "mh-gamma",
                        "mth-chao",
                        "mth-poisson",
                        "mth-darroch",
                        "mth-gamma",
                        "mb",
                        "mbh",
                        "petersen",
                        "chapman",
                        "bad",
                    ],
                );
            }
            if g.chance(40) {
                flag(
                    g,
                    &mut a,
                    "--select",
                    &["stepwise", "aic-stepwise", "bic", "aic", "auto", "bad"],
                );
                if g.chance(30) {
                    flag(
                        g,
                        &mut a,
                        "--pthresh",
                        &["0.02", "0", "1", "0.5", "NaN", "2"],
                    );
                }
                if g.chance(30) {
                    flag(g, &mut a, "--max-order", orders);
                }
            } else if g.chance(30) {
                flag(
                    g,
                    &mut a,
                    "--model",
                    &[
                        "main",
                        "[12,3]",
                        "[12,13,23]",
                        "A*B",
                        "b*c",
                        "EXH*ABA",
                        "[123]",
                        "[99]",
                        "",
                        "+",
                    ],
                );
            }
            if g.chance(40) {
                flag(
                    g,
                    &mut a,
                    "--interval",
                    &["wald", "profile", "bca", "percentile", "bad"],
                );
            }
            if g.chance(40) {
                flag(g, &mut a, "--level", &levels);
            }
            if g.chance(40) {
                flag(g, &mut a, "--bootstrap", &counts);
                if g.chance(30) {
                    flag(
                        g,
                        &mut a,
                        "--bootstrap-kind",
                        &["nonparametric", "parametric", "bad"],
                    );
                }
                if g.chance(20) {
                    flag(g, &mut a, "--ntop", &["1", "5", "0"]);
                }
                if g.chance(20) {
                    flag(g, &mut a, "--max-replicates", &["1", "10", "0"]);
                }
                if g.chance(20) {
                    a.push("--replicates-out".into());
                    a.push(out_dir.file("reps.csv"));
                }
                if g.chance(20) {
                    a.push("--plot".into());
                    a.push(if g.chance(50) {
                        out_dir.file("p.svg")
                    } else {
                        "/nonexistent/p.svg".into()
                    });
                }
            }
            if g.chance(20) {
                flag(
                    g,
                    &mut a,
                    "--seed",
                    &["1", "0", "18446744073709551615", "-3"],
                );
            }
            if g.chance(20) {
                flag(g, &mut a, "--threads", &["1", "2", "0", "100000"]);
            }
            if g.chance(50) {
                a.push("--json".into());
            }
            if g.chance(20) {
                a.push("--quiet".into());
            }
        }
        "check" => {
            if g.chance(90) {
                flag(
                    g,
                    &mut a,
                    "--model",
                    &[
                        "main",
                        "[12,3]",
                        "[12,13,23]",
                        "A*B",
                        "b*c",
                        "[123]",
                        "EXH*ABA*OSCE",
                    ],
                );
            }
            if g.chance(50) {
                a.push("--json".into());
            }
        }
        "models" => {
            if g.chance(50) || file == "rcapture_hare.csv" {
                flag(g, &mut a, "--max-order", orders);
            }
            if g.chance(30) {
                flag(g, &mut a, "--top", &["1", "5", "0", "100000"]);
            }
            if g.chance(30) {
                flag(g, &mut a, "--by", &["bic", "aic", "bad"]);
            }
            if g.chance(20) {
                flag(g, &mut a, "--limit", &["1", "100", "0", "10000000"]);
            }
            if g.chance(20) {
                flag(g, &mut a, "--threads", &["1", "3", "0", "100000"]);
            }
            if g.chance(20) {
                a.push("--plot".into());
                a.push(out_dir.file("m.svg"));
            }
            if g.chance(50) {
                a.push("--json".into());
            }
        }
        "summary" => {
            if g.chance(30) {
                a.push("--plot".into());
                a.push(out_dir.file("s.svg"));
            }
            if g.chance(50) {
                a.push("--json".into());
            }
        }
        "report" => {
            if g.chance(40) {
                flag(g, &mut a, "--level", &levels);
            }
            if g.chance(20) {
                flag(g, &mut a, "--bootstrap", &["2", "0", "5", "x"]);
            }
            if g.chance(30) {
                a.push(g.pick(&["--json", "--csv", "--markdown"]).into());
            }
        }
        _ => {
            if g.chance(50) {
                a.push("-o".into());
                a.push(out_dir.file("c.csv"));
            }
        }
    }
    a
}

/// Issue 11: random combinations of the documented flags and values on bundled data never
/// panic (exit 101) or hang, and exit with 0, 2 or 3 (clap's usage errors are 2).
#[test]
fn random_command_lines_never_panic_or_hang() {
    random_command_lines(20_261_201, 100, Duration::from_secs(40));
}

/// The same with 2,000 command lines (a few minutes).
#[test]
#[ignore = "a few minutes: cargo test --release --test reliability_cli -- --ignored many_random"]
fn many_random_command_lines_never_panic_or_hang() {
    random_command_lines(7, 2000, Duration::from_secs(1200));
}

fn random_command_lines(seed: u64, count: usize, budget: Duration) {
    let dir = TempDir::new(&format!("fuzz-{seed}"));
    let mut g = Rng(seed);
    let start = Instant::now();
    let mut ran = 0;
    while ran < count && start.elapsed() < budget {
        let args = random_args(&mut g, &dir);
        let mut child = Command::new(bin())
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if t0.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("hang (> 30 s): darkfigure {}", args.join(" "));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let mut err = String::new();
        use std::io::Read;
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(
            !err.contains("panicked"),
            "darkfigure {}: {err}",
            args.join(" ")
        );
        assert!(
            matches!(status.code(), Some(0 | 2 | 3)),
            "darkfigure {}: {status:?} {err}",
            args.join(" ")
        );
        ran += 1;
    }
    assert!(
        ran >= count.min(30),
        "only {ran} command lines in {budget:?}"
    );
}
