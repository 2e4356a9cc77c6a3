//! Conformance of `darkfigure::rcapture` with Rcapture 1.4-4.
//!
//! Source: `tests/reference/rcapture/<dataset>.json` (Rcapture 1.4-4 run by the reference
//! scripts, layout in `shared/docs/methods/rcapture-models.md`, appendix):
//! * `closedp_t.models[]` — `closedp.t(X, dfreq = TRUE)`: N, SE, deviance, df, AIC, BIC,
//!   coefficients, bias, parameters, fitted values, Chao's removed etas, IRLS iterations;
//! * `closedpCI_t[]` — `closedpCI.t(X, dfreq = TRUE, m = …, h = …)`: the Poisson part, the
//!   profile log-likelihood at the points Rcapture evaluated (`profile`), and `CI_tight`, the
//!   same profile interval recomputed with IRLS epsilon 1e-13 and optimize/uniroot tol 1e-10
//!   (a `null` bound = no sign change, Rcapture then reports `n` or `">3N"`).
//!
//! Everything is compared at 1e-6 relative (absolute below 1e-3). Soft cases (§10 of the
//! note) are skipped with the reason printed; see `soft_reason`.

use darkfigure::estimators::rcapture::{closedp, closedp_profile, profile_loglik, RcaptureModel};
use darkfigure::{datasets, CaptureTable};
use serde_json::Value;
use std::collections::BTreeMap;

const TOL: f64 = 1e-6;

/// `(json file stem, bundled dataset)`.
fn datasets() -> Vec<(&'static str, CaptureTable)> {
    vec![
        ("UKdat", datasets::uk_2013()),
        ("UKdat_5", datasets::uk_2013_5()),
        ("Artificial_3", datasets::artificial_3()),
        ("lesbian", datasets::rcapture_lesbian()),
    ]
}

fn load(stem: &str) -> Value {
    let path = format!(
        "{}/tests/reference/rcapture/{stem}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// Bitmask (list `i` at bit `i`) of a history string such as `"1101"` (list 1 first).
fn mask(s: &str) -> u32 {
    s.bytes()
        .enumerate()
        .fold(0, |m, (i, b)| m | (u32::from(b == b'1') << i))
}

/// Records the largest relative difference per quantity and asserts the tolerance.
#[derive(Default)]
struct Diffs {
    max: BTreeMap<String, f64>,
    compared: usize,
}

impl Diffs {
    #[track_caller]
    fn close(&mut self, what: &str, kind: &str, got: f64, want: f64) {
        if want.is_nan() {
            assert!(got.is_nan(), "{what}: got {got}, want NA");
            return;
        }
        let d = if got == want {
            0.0
        } else if want.abs() < 1e-3 {
            (got - want).abs()
        } else {
            (got - want).abs() / want.abs()
        };
        assert!(d <= TOL, "{what}: got {got}, want {want} (diff {d:e})");
        let m = self.max.entry(kind.to_string()).or_insert(0.0);
        *m = m.max(d);
        self.compared += 1;
    }

    fn report(&self, title: &str) {
        println!("{title}: {} numbers compared", self.compared);
        for (k, v) in &self.max {
            println!("  max diff {k:<22} {v:.3e}");
        }
    }
}

/// Why a `closedp.t` model of the reference is not compared (rcapture-models.md §10), or
/// `None` for a well-posed fit.
fn soft_reason(stem: &str, r: &Value) -> Option<&'static str> {
    let name = r["model"].as_str().unwrap();
    if r["converged"] != Value::Bool(true) {
        return Some("R's IRLS did not converge");
    }
    let warned = r["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .any(|s| s.as_str().unwrap_or("").contains("numerically 0"))
        })
        .unwrap_or(false)
        || r["warnings"]
            .as_str()
            .is_some_and(|s| s.contains("numerically 0"));
    if warned {
        return Some("fitted rates numerically 0: R stopped on a ridge");
    }
    let big_n = num(&r["abundance"]).abs();
    if big_n.is_nan() || big_n >= 1e10 {
        return Some("astronomically large (or undefined) abundance");
    }
    // Artificial_3 has no two- or three-list overlaps except 110 and 101: the Poisson2,
    // Darroch and Gamma heterogeneity columns are driven to the boundary (N → n = 96, SEs of
    // the coefficients in the thousands). R stops after 15-16 IRLS iterations at an arbitrary
    // point of the flat ridge (deviance change < 1e-8), so N is not determined to 1e-6.
    if stem == "Artificial_3"
        && (name.contains("Poisson2") || name.contains("Darroch") || name.contains("Gamma"))
    {
        return Some("boundary MLE (heterogeneity parameter at -inf), R stopped on a flat ridge");
    }
    None
}

fn string_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().map(|s| s.as_str().unwrap().to_string()).collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

#[test]
fn closedp_t_models_match_rcapture() {
    let mut diffs = Diffs::default();
    let mut compared = 0;
    let mut skipped = Vec::new();
    let mut total = 0;
    for (stem, table) in datasets() {
        let r = load(stem);
        let t = table.lists();
        assert_eq!(r["t"].as_u64().unwrap() as usize, t, "{stem} t");
        assert_eq!(r["n"].as_u64().unwrap(), table.observed(), "{stem} n");
        // The bundled table is the one Rcapture was given.
        let hist: Vec<u32> = r["cells"]["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| mask(h.as_str().unwrap()))
            .collect();
        for (h, c) in hist.iter().zip(r["cells"]["count"].as_array().unwrap()) {
            assert_eq!(table.count(*h), c.as_u64().unwrap(), "{stem} cell {h:b}");
        }
        for m in r["closedp_t"]["models"].as_array().unwrap() {
            total += 1;
            let name = m["model"].as_str().unwrap();
            let model = *RcaptureModel::ALL
                .iter()
                .find(|x| x.name() == name)
                .unwrap_or_else(|| panic!("unknown model {name}"));
            let fit = closedp(&table, model).unwrap_or_else(|e| panic!("{stem} {name}: {e}"));
            if let Some(why) = soft_reason(stem, m) {
                println!(
                    "skip {stem} {name}: {why} (R N = {}, ours {})",
                    num(&m["abundance"]),
                    fit.abundance
                );
                skipped.push(format!("{stem} {name}"));
                continue;
            }
            compared += 1;
            let w = |k: &str| format!("{stem} {name} {k}");
            let mut c = |k: &str, got: f64, want: &Value| diffs.close(&w(k), k, got, num(want));
            c("abundance", fit.abundance, &m["abundance"]);
            c("stderr", fit.stderr, &m["stderr"]);
            c("deviance", fit.deviance, &m["deviance"]);
            c("AIC", fit.aic, &m["AIC"]);
            c("BIC", fit.bic, &m["BIC"]);
            c("bias", fit.bias, &m["bias"]);
            assert_eq!(fit.df, m["df"].as_i64().unwrap(), "{}", w("df"));
            assert_eq!(
                fit.rank as u64,
                m["rank"].as_u64().unwrap(),
                "{}",
                w("rank")
            );
            assert!(fit.converged, "{}", w("converged"));
            assert_eq!(
                fit.iterations as u64,
                m["iter"].as_u64().unwrap(),
                "{}",
                w("iter")
            );
            assert_eq!(
                u64::from(fit.info_fit),
                m["infoFit"].as_u64().unwrap(),
                "{} ({:?})",
                w("infoFit"),
                fit.warnings
            );
            assert_eq!(
                fit.neg_eta_removed,
                string_list(&m["neg_eta_removed"]),
                "{}",
                w("neg_eta_removed")
            );
            let coefs = m["coefficients"].as_array().unwrap();
            assert_eq!(coefs.len(), fit.coefficients.len(), "{}", w("coefficients"));
            for (ours, rc) in fit.coefficients.iter().zip(coefs) {
                assert_eq!(ours.0, rc["name"].as_str().unwrap(), "{}", w("coef name"));
                c(&format!("coef {}", ours.0), ours.1, &rc["estimate"]);
                c(&format!("se {}", ours.0), ours.2, &rc["stderr"]);
            }
            for (h, f) in hist.iter().zip(m["fitted"].as_array().unwrap()) {
                c("fitted", fit.fitted[*h as usize], f);
            }
            let params = m["parameters"].as_object().unwrap();
            assert_eq!(params.len(), fit.parameters.len(), "{}", w("parameters"));
            for (k, v) in &fit.parameters {
                c(&format!("parameter {k}"), *v, &params[k.as_str()]);
            }
        }
    }
    // Rename per-coefficient keys into families for a compact report.
    let mut fam: BTreeMap<String, f64> = BTreeMap::new();
    for (k, v) in &diffs.max {
        let key = k.split(' ').next().unwrap().to_string();
        let e = fam.entry(key).or_insert(0.0);
        *e = e.max(*v);
    }
    diffs.max = fam;
    diffs.report(&format!(
        "closedp.t: {compared} of {total} models compared, {} skipped",
        skipped.len()
    ));
    assert_eq!(total, 48);
    assert_eq!(skipped.len(), 6, "skipped: {skipped:?}");
    assert_eq!(compared, 42);
}

/// `closedpCI.t` spec (`m`, `h`) → model; `None` for custom `mX` models (not ours).
fn ci_model(spec: &Value) -> Option<RcaptureModel> {
    let h = spec["h"].as_str();
    Some(match (spec["m"].as_str()?, h) {
        ("M0", None) => RcaptureModel::M0,
        ("Mt", None) => RcaptureModel::Mt,
        ("Mh", Some("Chao")) => RcaptureModel::MhChao,
        ("Mh", Some("Poisson")) => RcaptureModel::MhPoisson2,
        ("Mh", Some("Darroch")) => RcaptureModel::MhDarroch,
        ("Mh", Some("Gamma")) => RcaptureModel::MhGamma35,
        ("Mth", Some("Chao")) => RcaptureModel::MthChao,
        ("Mth", Some("Poisson")) => RcaptureModel::MthPoisson2,
        ("Mth", Some("Darroch")) => RcaptureModel::MthDarroch,
        ("Mth", Some("Gamma")) => RcaptureModel::MthGamma35,
        other => panic!("unexpected closedpCI.t spec {other:?}"),
    })
}

#[test]
fn closedp_ci_profile_matches_rcapture() {
    let mut diffs = Diffs::default();
    let mut intervals = 0;
    let mut unfound = 0;
    let mut points = 0;
    let start = std::time::Instant::now();
    for (stem, table) in datasets() {
        let r = load(stem);
        for ci in r["closedpCI_t"].as_array().unwrap() {
            let Some(model) = ci_model(&ci["spec"]) else {
                continue; // hierarchical mX models: fitted by darkfigure::fit, see core tests
            };
            let label = format!("{stem} {}", model.name());
            let w = |k: &str| format!("{label} {k}");
            let tight = &ci["CI_tight"];
            let prof = closedp_profile(&table, model, 1.0 - num(&ci["alpha"]))
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            intervals += 1;
            // The Poisson part equals closedp.t's fit.
            let pois = &ci["poisson"];
            diffs.close(
                &w("poisson N"),
                "poisson N",
                prof.poisson_abundance,
                num(&pois["abundance"]),
            );
            // Profile log-likelihood at every point Rcapture evaluated (R's IRLS settings).
            let pn = ci["profile"]["N"].as_array().unwrap();
            let pl = ci["profile"]["loglik"].as_array().unwrap();
            for (x, l) in pn.iter().zip(pl) {
                let got = profile_loglik(&table, model, num(x)).unwrap();
                diffs.close(
                    &w(&format!("loglik({})", num(x))),
                    "profile loglik",
                    got,
                    num(l),
                );
                points += 1;
            }
            // Interval against CI_tight (same profile, tight tolerances).
            diffs.close(&w("Nmax"), "Nmax", prof.abundance, num(&tight["abundance"]));
            diffs.close(&w("lmax"), "lmax", prof.max_loglik, num(&tight["lmax"]));
            match tight["infCL"].as_f64() {
                Some(lo) => diffs.close(&w("lower"), "lower", prof.lower.unwrap(), lo),
                None => {
                    assert!(
                        prof.lower_at_observed && prof.lower.is_none(),
                        "{}",
                        w("lower")
                    );
                    // Rcapture reports n and warns about the lower bound.
                    assert_eq!(num(&ci["CI"]["infCL"]), table.observed() as f64);
                    unfound += 1;
                }
            }
            match tight["supCL"].as_f64() {
                Some(hi) => diffs.close(&w("upper"), "upper", prof.upper.unwrap(), hi),
                None => {
                    assert!(
                        prof.upper.is_none() && prof.upper_beyond.is_some(),
                        "{}",
                        w("upper")
                    );
                    unfound += 1;
                }
            }
        }
    }
    diffs.report(&format!(
        "closedpCI.t: {intervals} profile intervals ({unfound} bounds not found, as in CI_tight), {points} profile points, {:.2} s",
        start.elapsed().as_secs_f64()
    ));
    assert_eq!(intervals, 24);
}
