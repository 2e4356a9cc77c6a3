//! Conformance of model selection with the R packages.
//!
//! Sources (in `tests/reference/`): SparseMSE 2.0.1 `stepwisefit` at p = 0.02 and 0.05 with
//! a per-cycle trace (`sparsemse/<dataset>.json`); MultipleSystemsEstimation 1.2.0
//! `estimate_population_stepwise` (`mse/parts/<Dataset>__step0.json`); the UK 2014
//! AIC-stepwise analysis (published pairs and 9,982–13,182 profile interval,
//! `docs/methods/aic-stepwise.md`).

mod common;
use common::*;
use darkfigure::estimators::loglinear::{profile, ProfileOptions};
use darkfigure::selection::{aic_stepwise, stepwise, StepwiseOptions};
use darkfigure::{datasets, fit, FitOptions, Model};

#[test]
fn sparsemse_stepwise_models_estimates_and_traces() {
    for ds in ["artificial_3", "ukdat", "ukdat_5", "neworl_5"] {
        let r = load(&format!("sparsemse/{ds}.json"));
        let table = table_from_data(&r["lists"], &r["data"]);
        for key in ["pthresh_0.02", "pthresh_0.05"] {
            let want = &r["stepwise"][key];
            let th = num(&want["pthresh"]);
            let sel = stepwise(
                &table,
                &StepwiseOptions {
                    threshold: th,
                    trace: true,
                },
            )
            .unwrap();
            let added: Vec<String> = sel
                .steps
                .iter()
                .filter(|s| s.accepted)
                .map(|s| s.added.clone().unwrap())
                .collect();
            let want_pairs: Vec<String> = want["pairs_in_order_added"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            assert_eq!(added, want_pairs, "{ds} {key}");
            let f = fit(&table, &sel.model, &FitOptions::default()).unwrap();
            close(
                f.estimate,
                num(&want["estimate"]["point est."]),
                1e-6,
                &format!("{ds} {key}"),
            );
        }
        // Per-cycle trace at 0.02: observed and expected overlaps, p-values, codes.
        let steps = r["stepwise_trace"]["steps"].as_array().unwrap();
        let sel = stepwise(
            &table,
            &StepwiseOptions {
                threshold: 0.02,
                trace: true,
            },
        )
        .unwrap();
        for (i, st) in steps.iter().enumerate() {
            for c in st["candidates"].as_array().unwrap() {
                let ours = sel.steps[i]
                    .candidates
                    .iter()
                    .find(|x| x.name == c["pair"].as_str().unwrap())
                    .unwrap();
                let what = format!("{ds} step {} {}", i + 1, c["pair"]);
                assert_eq!(
                    ours.observed.unwrap(),
                    c["nstar"].as_u64().unwrap(),
                    "{what}"
                );
                close(ours.expected.unwrap(), num(&c["expected"]), 1e-6, &what);
                close(ours.p_raw.unwrap(), num(&c["p_raw"]), 1e-6, &what);
                assert_eq!(
                    ours.code.unwrap() as u64,
                    c["ierr"].as_u64().unwrap(),
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn mse_stepwise_estimates() {
    for (ds, name) in [
        ("UKdat", "ukdat"),
        ("UKdat_5", "ukdat_5"),
        ("Korea", "korea"),
        ("Artificial_3", "artificial_3"),
    ] {
        let r = load(&format!("mse/parts/{ds}__step0.json"));
        let table = datasets::by_name(name).unwrap().table();
        let sel = stepwise(&table, &StepwiseOptions::default()).unwrap();
        assert_eq!(
            sel.model.notation().unwrap(),
            r["model"].as_str().unwrap(),
            "{ds}"
        );
        let f = fit(&table, &sel.model, &FitOptions::default()).unwrap();
        close(f.estimate, num(&r["popest"]), 1e-6, ds);
    }
}

#[test]
fn uk_2014_aic_stepwise_reproduces_the_published_interval() {
    let uk = datasets::uk_2013();
    let sel = aic_stepwise(&uk, 0.05, false).unwrap();
    let added: Vec<String> = sel
        .steps
        .iter()
        .filter(|s| s.accepted)
        .map(|s| s.added.clone().unwrap())
        .collect();
    assert_eq!(
        added,
        ["PF:NCA", "LA:NG", "NG:GP", "LA:PF", "PF:GP", "GO:GP", "NG:GO"]
    );
    let f = fit(&uk, &sel.model, &FitOptions::default()).unwrap();
    let p = profile(&uk, &f, &ProfileOptions::default()).unwrap();
    // Published: "between 10,000 and 13,000", profile 95% interval 9,982 to 13,182.
    assert_eq!(p.interval.lower.unwrap().round(), 9982.0);
    assert_eq!(p.interval.upper.unwrap().round(), 13182.0);
    assert_eq!(
        sel.model,
        Model::parse("[12,13,24,25,35,36,45]", uk.names()).unwrap()
    );
}

#[test]
fn mse_auto_and_bic_selection() {
    use darkfigure::selection::{select, Rule, SelectOptions};
    for (part, name) in [
        ("Artificial_3__auto", "artificial_3"),
        ("Korea__auto", "korea"),
        ("UKdat_5__auto", "ukdat_5"),
        ("UKdat__auto", "ukdat"),
        ("Artificial_3__bic0_mo2", "artificial_3"),
        ("Korea__bic0_mo2", "korea"),
        ("UKdat_5__bic0_mo2", "ukdat_5"),
        ("UKdat_5__bic0_mo3", "ukdat_5"),
        ("UKdat_5__bic0_mo4", "ukdat_5"),
        ("UKdat__bic0_mo2", "ukdat"),
    ] {
        let r = load(&format!("mse/parts/{part}.json"));
        let table = datasets::by_name(name).unwrap().table();
        let opts = match r["arguments"]["maxorder"].as_u64() {
            Some(k) => SelectOptions {
                max_order: Some(k as usize),
                ..SelectOptions::new(Rule::Bic)
            },
            None => SelectOptions::new(Rule::Auto),
        };
        let sel = select(&table, &opts).unwrap();
        if let Some(m) = r["resolved_method"].as_str() {
            assert_eq!(sel.method.name(), m, "{part}");
        }
        assert_eq!(
            sel.model.notation().unwrap(),
            r["model"].as_str().unwrap(),
            "{part}"
        );
        let f = fit(&table, &sel.model, &FitOptions::default()).unwrap();
        close(f.estimate, num(&r["popest"]), 1e-6, part);
    }
}
