//! Helpers shared by the reference tests: loading the R packages' outputs copied into
//! `tests/reference/` (see `tests/reference/SOURCES.md`).
#![allow(dead_code)]

use darkfigure::{CaptureTable, Model};
use serde_json::Value;

/// Load `tests/reference/<rel>`.
pub fn load(rel: &str) -> Value {
    let path = format!("{}/tests/reference/{rel}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Relative difference `|a − b| / max(|b|, 1e-300)`.
pub fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs().max(1e-300)
    }
}

/// Assert `a ≈ b` within relative `tol` (absolute `tol` when `b` is ~0).
#[track_caller]
pub fn close(a: f64, b: f64, tol: f64, what: &str) {
    let d = if b.abs() < 1e-3 {
        (a - b).abs()
    } else {
        rel(a, b)
    };
    assert!(d <= tol, "{what}: got {a}, want {b} (diff {d:e})");
}

/// Table from a SparseMSE-style `data: {histories, counts}` object.
pub fn table_from_data(lists: &Value, data: &Value) -> CaptureTable {
    let names: Vec<String> = lists
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let rows: Vec<(u32, u64)> = data["histories"]
        .as_array()
        .unwrap()
        .iter()
        .zip(data["counts"].as_array().unwrap())
        .map(|(h, c)| {
            let mask = h
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .fold(0u32, |m, (i, b)| m | ((b.as_u64().unwrap() as u32) << i));
            (mask, c.as_f64().unwrap() as u64)
        })
        .collect();
    CaptureTable::new(names, rows, "reference").unwrap()
}

/// Model from SparseMSE's 1-based `pair_idx` list.
pub fn model_from_pairs(t: usize, pair_idx: &Value) -> Model {
    let terms = pair_idx.as_array().unwrap().iter().map(|p| {
        let p = p.as_array().unwrap();
        (1u32 << (p[0].as_u64().unwrap() - 1)) | (1u32 << (p[1].as_u64().unwrap() - 1))
    });
    Model::from_terms(t, terms)
}

/// Digit names `1..t` for parsing `[..]` strings without a table.
pub fn digit_names(t: usize) -> Vec<String> {
    (1..=t).map(|i| i.to_string()).collect()
}

/// Number as f64 (accepts numbers; `null` → NaN).
pub fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}
