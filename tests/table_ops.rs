//! List operations on capture tables.

use darkfigure::data::io::write_frequency_csv;
use darkfigure::{datasets, fit, FitOptions, Model};

/// Merging PF and NCA in the UK six-list data reproduces `ukdat_5.csv` (SparseMSE's UKdat_5)
/// byte for byte.
#[test]
fn uk_merge_reproduces_the_five_list_file() {
    let uk = datasets::uk_2013();
    let merged = uk.merge_lists(&["PF", "NCA"], None).unwrap();
    assert_eq!(merged.names(), ["LA", "NG", "PFNCA", "GO", "GP"]);
    let mut out = Vec::new();
    write_frequency_csv(&merged, &mut out, "-").unwrap();
    let want = datasets::by_name("ukdat_5").unwrap().csv();
    assert_eq!(String::from_utf8(out).unwrap(), want);
}

#[test]
fn omit_drops_cases_seen_only_on_omitted_lists() {
    let uk = datasets::uk_2013();
    let o = uk.omit_lists(&["NCA"]).unwrap();
    assert_eq!(o.lists(), 5);
    assert_eq!(o.observed(), uk.observed() - uk.count(1 << 5));
    assert!(uk.omit_lists(&["XX"]).is_err());
    assert!(uk.omit_lists(&["LA", "NG", "PF", "GO", "GP"]).is_err());
}

#[test]
fn merged_identical_lists_change_nothing_on_real_data() {
    // Duplicate list LA as a seventh list, then merge it back.
    let uk = datasets::uk_2013_5();
    let mut names = uk.names().to_vec();
    names.push("LA2".into());
    let rows: Vec<(u32, u64)> = uk
        .observed_cells()
        .into_iter()
        .map(|h| (h | ((h & 1) << 5), uk.count(h)))
        .collect();
    let dup = darkfigure::CaptureTable::new(names, rows, "dup").unwrap();
    let back = dup.merge_lists(&["LA", "LA2"], Some("LA")).unwrap();
    assert_eq!(back.counts(), uk.counts());
    let (dropped, why) = dup.drop_non_informative().unwrap();
    assert_eq!(dropped.counts(), uk.counts());
    assert_eq!(why[0].name, "LA2");
    let a = fit(&uk, &Model::main_effects(5), &FitOptions::default()).unwrap();
    let b = fit(&back, &Model::main_effects(5), &FitOptions::default()).unwrap();
    assert_eq!(a.estimate, b.estimate);
}
