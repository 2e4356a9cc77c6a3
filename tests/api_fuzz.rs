//! Issue 11, defect 13: a property test over the public library API — random tables (2 to 5
//! lists, sparse counts), models (for the table's lists or for others), methods and options
//! (valid, out of range, NaN, infinite) — that must return values or errors, never panic.
//! Bounded to a few seconds: small tables, small B, search limits.

use darkfigure::data::replay::parse_replicates;
use darkfigure::data::{parse_table, summarize, Format};
use darkfigure::estimators::loglinear::{profile, LoglinearOptions, ModelSpec, ProfileOptions};
use darkfigure::estimators::rcapture::{closedp, closedp_profile, RcaptureModel};
use darkfigure::loglinear::{check, Criterion};
use darkfigure::selection::{search, select, Rule, SearchOptions, SelectOptions};
use darkfigure::uncertainty::Kind;
use darkfigure::{
    bootstrap, estimate, fit, BootstrapOptions, CaptureTable, EstimateOptions, FitOptions,
    IntervalMethod, Level, Method, Model,
};
use proptest::collection::vec;
use proptest::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

fn names(t: usize) -> Vec<String> {
    (0..t).map(|i| format!("L{i}")).collect()
}

/// `(t, counts by bitmask)`: mostly zeros, some small counts, a few large ones.
fn table() -> impl Strategy<Value = (usize, Vec<u64>)> {
    (2usize..=5).prop_flat_map(|t| {
        let count = prop_oneof![5 => Just(0u64), 4 => 1u64..20, 1 => 1u64..1_000_000];
        (Just(t), vec(count, (1usize << t) - 1))
    })
}

/// A floating option: ordinary, at the edges, or not a number.
fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0f64..1.0,
        1 => Just(0.0),
        1 => Just(1.0),
        1 => Just(-1.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(1e300),
        1 => 1.0f64..10.0,
    ]
}

#[derive(Debug, Clone)]
struct Case {
    t: usize,
    counts: Vec<u64>,
    model_lists: usize,
    gens: Vec<u32>,
    method: usize,
    rule: usize,
    threshold: f64,
    max_order: usize,
    level: f64,
    tolerance: f64,
    max_iterations: usize,
    replicates: usize,
    kind: bool,
    interval: usize,
    upper_factor: f64,
    ntop: usize,
    bytes: Vec<u8>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        table(),
        prop_oneof![3 => Just(0usize), 1 => 1usize..=8],
        vec(any::<u32>(), 0..4),
        (0usize..16, 0usize..6, float(), 0usize..5),
        (
            float(),
            float(),
            prop_oneof![Just(0usize), Just(1), Just(100), Just(usize::MAX)],
        ),
        (0usize..6, any::<bool>(), 0usize..5, float(), 0usize..4),
        vec(any::<u8>(), 0..64),
    )
        .prop_map(
            |(
                (t, counts),
                ml,
                gens,
                (method, rule, threshold, max_order),
                (level, tolerance, max_iterations),
                (replicates, kind, interval, upper_factor, ntop),
                bytes,
            )| Case {
                t,
                counts,
                model_lists: if ml == 0 { t } else { ml },
                gens,
                method,
                rule,
                threshold,
                max_order,
                level,
                tolerance,
                max_iterations,
                replicates,
                kind,
                interval,
                upper_factor,
                ntop,
                bytes,
            },
        )
}

fn exercise(c: &Case) {
    let mut full = vec![0u64];
    full.extend(&c.counts);
    let Ok(table) = CaptureTable::from_counts(names(c.t), &full) else {
        return;
    };
    let _ = summarize(&table);
    let _ = table.drop_non_informative();
    let _ = table.merge_lists(&["L0", "L1"], None);
    let _ = table.omit_lists(&["L0"]);
    let mask = if c.model_lists >= 32 {
        u32::MAX
    } else {
        (1u32 << c.model_lists) - 1
    };
    let model = Model::from_terms(c.model_lists, c.gens.iter().map(|g| g & mask));
    let _ = Model::parse(&model.label(table.names()), table.names());
    let fit_opts = FitOptions {
        tolerance: c.tolerance,
        max_iterations: c.max_iterations,
        ..FitOptions::default()
    };
    let _ = check(&table, &model);
    if let Ok(f) = fit(&table, &model, &fit_opts) {
        let _ = profile(
            &table,
            &f,
            &ProfileOptions {
                level: Level::new(c.level).unwrap_or_default(),
                upper_factor: c.upper_factor,
                ..ProfileOptions::default()
            },
        );
    }
    let rule = [
        Rule::Stepwise,
        Rule::AicStepwise,
        Rule::Bic,
        Rule::Aic,
        Rule::Auto,
        Rule::Stepwise,
    ][c.rule];
    let sel = SelectOptions {
        rule,
        threshold: Some(c.threshold),
        max_order: Some(c.max_order.min(2)),
        trace: c.kind,
        limit: None,
    };
    let _ = select(&table, &sel);
    let _ = search(
        &table,
        &SearchOptions {
            max_order: Some(c.max_order),
            criterion: if c.kind {
                Criterion::Bic
            } else {
                Criterion::Aic
            },
            top: Some(c.ntop),
            limit: 20_000,
        },
    );
    let method = match c.method {
        0 => Method::Loglinear(LoglinearOptions {
            model: ModelSpec::Select(sel),
            ntop: Some(c.ntop),
            profile_upper_factor: c.upper_factor,
            fit: fit_opts.clone(),
        }),
        1 => Method::Loglinear(LoglinearOptions {
            model: ModelSpec::Among(
                Criterion::Bic,
                vec![model.clone(), Model::main_effects(c.t)],
            ),
            ..LoglinearOptions::default()
        }),
        2 => Method::Loglinear(LoglinearOptions {
            model: ModelSpec::Model(String::from_utf8_lossy(&c.bytes).into_owned()),
            ..LoglinearOptions::default()
        }),
        m => Method::NAMES[m - 2].parse().unwrap_or_default(),
    };
    let interval = [
        None,
        Some(IntervalMethod::Wald),
        Some(IntervalMethod::Profile),
        Some(IntervalMethod::Bca),
        Some(IntervalMethod::Percentile),
    ][c.interval];
    let boot = (c.replicates > 0).then(|| {
        let o = BootstrapOptions::new(c.replicates, 7);
        if c.kind {
            o.kind(Kind::Parametric)
        } else {
            o
        }
    });
    let opts = EstimateOptions {
        method,
        interval,
        level: Level::new(c.level).unwrap_or_default(),
        bootstrap: boot.clone(),
        replay: None,
        calibration: None,
    };
    let _ = estimate(&table, &opts);
    if let Some(b) = &boot {
        let est = darkfigure::estimators::loglinear::Loglinear::fixed(model.clone());
        let _ = bootstrap(&table, &est, b, None, None);
        let among = darkfigure::estimators::loglinear::Loglinear::among(
            Criterion::Bic,
            vec![model.clone()],
        );
        let _ = bootstrap(&table, &among, b, Some(&[full.clone()]), None);
    }
    for m in [
        RcaptureModel::M0,
        RcaptureModel::Mt,
        RcaptureModel::MhChao,
        RcaptureModel::MthDarroch,
    ] {
        let _ = closedp(&table, m);
        let _ = closedp_profile(&table, m, c.level);
    }
    let _ = parse_table(&c.bytes, "fuzz", Format::Auto);
    let _ = parse_replicates(&c.bytes, "fuzz", table.names());
    let _ = parse_replicates(&c.bytes, "fuzz", &names(c.model_lists.min(25)));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Issue 11, defect 13: no public function panics on these inputs.
    #[test]
    fn the_public_api_never_panics(c in case()) {
        let r = catch_unwind(AssertUnwindSafe(|| exercise(&c)));
        prop_assert!(r.is_ok(), "panicked on {:?}", c);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// The same on 1,000 cases (a few minutes).
    #[test]
    #[ignore = "a few minutes: cargo test --release --test api_fuzz -- --ignored"]
    fn the_public_api_never_panics_on_many_cases(c in case()) {
        let r = catch_unwind(AssertUnwindSafe(|| exercise(&c)));
        prop_assert!(r.is_ok(), "panicked on {:?}", c);
    }
}
