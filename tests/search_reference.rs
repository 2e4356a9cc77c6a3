//! Conformance of the exhaustive model search with the R packages.
//!
//! Sources (in `tests/reference/`): MultipleSystemsEstimation 1.2.0 BIC tables
//! (`mse/detail/<Dataset>_bic_table_maxorder<k>.csv`: every catalogue model with its
//! abundance, BIC and `check_extended_MLE` code) and Rcapture 1.4-4 `closedpMS.t`
//! (`rcapture/<dataset>.json`, the full 32,768-row table for the UK six lists).

mod common;
use common::*;
use darkfigure::loglinear::existence;
use darkfigure::loglinear::Criterion;
use darkfigure::selection::{count_models, search, SearchOptions};
use darkfigure::{datasets, CaptureTable, Model};
use std::collections::HashMap;

fn all_models(table: &CaptureTable, max_order: usize) -> HashMap<String, (f64, f64)> {
    let r = search(
        table,
        &SearchOptions {
            max_order: Some(max_order),
            ..Default::default()
        },
    )
    .unwrap();
    r.models
        .iter()
        .map(|m| {
            (
                m.model(table.lists()).notation().unwrap(),
                (m.estimate, m.bic),
            )
        })
        .collect()
}

fn read_csv(rel: &str) -> Vec<(String, f64, f64, u8)> {
    let path = format!("{}/tests/reference/{rel}", env!("CARGO_MANIFEST_DIR"));
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[1].to_string(),
                r[3].parse().unwrap_or(f64::NAN),
                r[4].parse().unwrap_or(f64::NAN),
                r[5].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn mse_bic_tables_every_model() {
    for (ds, name, orders) in [
        ("Korea", "korea", &[2][..]),
        ("Artificial_3", "artificial_3", &[2]),
        ("UKdat_5", "ukdat_5", &[2, 3, 4]),
    ] {
        let table = datasets::by_name(name).unwrap().table();
        for &k in orders {
            let rows = read_csv(&format!("mse/detail/{ds}_bic_table_maxorder{k}.csv"));
            let ours = all_models(&table, k);
            let admissible = rows.iter().filter(|r| r.3 == 0).count();
            assert_eq!(
                ours.len(),
                admissible,
                "{ds} maxorder {k}: admissible models"
            );
            for (model, est, bic, code) in &rows {
                let m = Model::parse(model, table.names()).unwrap();
                // The LP and rank check give MultipleSystemsEstimation's code for every model.
                let ex = existence::check(&table, &m).unwrap();
                assert_eq!(ex.code, *code, "{ds} {model} code");
                if *code == 0 {
                    // ...and the search (which certifies existence by the fit where it can)
                    // keeps exactly the code-0 models.
                    let (e, b) = ours[model];
                    close(e, *est, 1e-6, &format!("{ds} {model} estimate"));
                    close(b, *bic, 1e-6, &format!("{ds} {model} BIC"));
                }
            }
            // The top of the ranking is R's (no exact ties among these).
            let best = search(
                &table,
                &SearchOptions {
                    max_order: Some(k),
                    top: Some(5),
                    ..Default::default()
                },
            )
            .unwrap();
            let best: Vec<String> = best
                .models
                .iter()
                .map(|m| m.model(table.lists()).notation().unwrap())
                .collect();
            let want: Vec<String> = rows
                .iter()
                .filter(|r| r.3 == 0)
                .take(5)
                .map(|r| r.0.clone())
                .collect();
            assert_eq!(best, want, "{ds} maxorder {k} top 5");
        }
    }
}

#[test]
fn rcapture_closedpms_uk_six_lists_all_32768_models() {
    let r = load("rcapture/UKdat.json");
    let table = datasets::uk_2013();
    let ours = all_models(&table, 2);
    assert_eq!(ours.len(), 32768);
    let res = &r["closedpMS_t"]["results"];
    let models = res["model"].as_array().unwrap();
    assert_eq!(models.len(), 32768);
    for (i, m) in models.iter().enumerate() {
        let m = m.as_str().unwrap();
        let canonical = Model::parse(m, &digit_names(6))
            .unwrap()
            .notation()
            .unwrap();
        let (e, b) = ours[&canonical];
        close(e, num(&res["abundance"][i]), 1e-6, m);
        close(b, num(&res["BIC"][i]), 1e-6, m);
    }
    let best = &r["closedpMS_t"]["best_BIC"]["model"];
    let top = search(
        &table,
        &SearchOptions {
            max_order: Some(2),
            top: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        top.models[0].model(6).notation().unwrap(),
        best.as_str().unwrap()
    );
    let aic = search(
        &table,
        &SearchOptions {
            max_order: Some(2),
            top: Some(1),
            criterion: Criterion::Aic,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        aic.models[0].model(6).notation().unwrap(),
        r["closedpMS_t"]["best_AIC"]["model"].as_str().unwrap()
    );
}

#[test]
fn fit_certificate_agrees_with_the_lp_on_every_bundled_dataset() {
    // Every model of order <= 2 (and all orders for <= 4 lists) of every bundled dataset with
    // at most 6 lists: the search's admissible set equals the set with LP/rank code 0.
    for d in datasets::ALL {
        let table = d.table();
        let t = table.lists();
        if t > 6 {
            continue;
        }
        let k = if t <= 4 { t } else { 2 };
        let ours = all_models(&table, k);
        let r = search(
            &table,
            &SearchOptions {
                max_order: Some(k),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(r.examined, count_models(t, k, u64::MAX).unwrap());
        // Walk the pairwise space through the LP (for six lists every 16th model: 32,768
        // LPs would take a minute).
        let pairs = darkfigure::data::table::pairs(t);
        let stride = if t == 6 { 16 } else { 1 };
        if k == 2 {
            for mask in (0u32..(1 << pairs.len())).step_by(stride) {
                let m = Model::from_terms(
                    t,
                    (0..pairs.len())
                        .filter(|i| mask >> i & 1 == 1)
                        .map(|i| pairs[i]),
                );
                let code = existence::check(&table, &m).unwrap().code;
                let label = m.notation().unwrap();
                assert_eq!(code == 0, ours.contains_key(&label), "{} {label}", d.name);
            }
        }
    }
}

#[test]
fn model_space_sizes() {
    assert_eq!(count_models(3, 3, u64::MAX), Some(8));
    assert_eq!(count_models(4, 4, u64::MAX), Some(113));
    assert_eq!(count_models(5, 5, u64::MAX), Some(6893));
    assert_eq!(count_models(6, 2, u64::MAX), Some(32768));
    assert_eq!(count_models(6, 6, u64::MAX), Some(7_785_061));
    let r = search(&datasets::kosovo(), &SearchOptions::default()).unwrap();
    assert_eq!(r.examined, 113);
    let e = search(&datasets::new_orleans(), &SearchOptions::default()).unwrap_err();
    assert!(e.to_string().contains("use a lower `max_order`"), "{e}");
}

/// All 7,785,061 hierarchical models of the UK six lists (about 8–14 s on 2 cores).
#[test]
#[ignore = "long: run with --ignored"]
fn uk_six_lists_all_orders() {
    let r = search(
        &datasets::uk_2013(),
        &SearchOptions {
            top: Some(10),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.examined, 7_785_061);
}
