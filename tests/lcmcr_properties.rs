//! Properties of the LCMCR engine: coverage on tables from a one-class model with known N,
//! and no panic on any options or counts (run: `cargo test --release --test lcmcr_properties`).

use darkfigure::estimators::lcmcr::{lcmcr, LcmcrOptions};
use darkfigure::Error;
use proptest::prelude::*;

/// Expected counts (rounded) of `n_total` individuals captured independently by lists with
/// probabilities `p`: a one-class (independence) model, which LCMCR contains.
fn independent_table(n_total: f64, p: &[f64]) -> Vec<u64> {
    let t = p.len();
    (0..1u32 << t)
        .map(|h| {
            let prob: f64 = (0..t)
                .map(|j| if (h >> j) & 1 == 1 { p[j] } else { 1.0 - p[j] })
                .product();
            if h == 0 {
                0
            } else {
                (n_total * prob).round() as u64
            }
        })
        .collect()
}

#[test]
fn one_class_tables_are_covered() {
    let opts = LcmcrOptions::default()
        .burnin(2_000)
        .samples(1_000)
        .thinning(5)
        .chains(2)
        .seed(31);
    for (n_total, p) in [
        (2_000.0, vec![0.3, 0.25, 0.2]),
        (5_000.0, vec![0.2, 0.15, 0.3, 0.1]),
        (1_000.0, vec![0.4, 0.3, 0.35, 0.2, 0.25]),
    ] {
        let counts = independent_table(n_total, &p);
        let post = lcmcr(p.len(), &counts, &opts, None).unwrap();
        let (lo, hi) = (post.quantile(0.025).unwrap(), post.quantile(0.975).unwrap());
        assert!(
            lo <= n_total && n_total <= hi,
            "{} lists, N = {n_total}: 95 % interval [{lo}, {hi}], median {}",
            p.len(),
            post.median
        );
    }
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(f64::MIN_POSITIVE),
        any::<f64>(),
        -2.0..2.0f64,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any options: `validate` never panics, and `lcmcr` refuses whatever `validate` refuses.
    #[test]
    fn malformed_options_are_errors(
        classes in 0usize..3000,
        a in any_f64(),
        b in any_f64(),
        chains in 0usize..3000,
        samples in prop_oneof![0u64..10, any::<u64>()],
        thinning in prop_oneof![0u64..3, any::<u64>()],
        burnin in prop_oneof![0u64..10, any::<u64>()],
        warmup in prop_oneof![0u64..10, any::<u64>()],
        level in any_f64(),
        until in proptest::option::of(any::<u64>()),
    ) {
        let o = LcmcrOptions {
            classes, a_alpha: a, b_alpha: b, warmup, burnin, samples, thinning, chains,
            seed: 1, levels: vec![level], label_swaps: true, collapsed_moves: true,
            until_converged: until,
        };
        if o.validate().is_err() {
            let r = lcmcr(2, &[0, 3, 4, 1], &o, None);
            let refused = matches!(r, Err(Error::InvalidOption { .. }));
            prop_assert!(refused);
        }
    }

    /// Any counts on up to 5 lists with tiny runs: an `Ok` posterior or an error, no panic.
    #[test]
    fn any_counts_never_panic(
        t in 0usize..6,
        len_delta in prop_oneof![Just(0i64), -2i64..3],
        counts in proptest::collection::vec(
            prop_oneof![0u64..5, 0u64..100_000, Just(u64::MAX), Just(1u64 << 52)],
            0..70,
        ),
    ) {
        let want = ((1usize << t) as i64 + len_delta).max(0) as usize;
        let mut c = counts;
        c.resize(want, 0);
        let o = LcmcrOptions::default().warmup(5).burnin(5).samples(4).thinning(1).chains(2);
        match lcmcr(t, &c, &o, None) {
            Ok(p) => {
                let n: u64 = c[1..].iter().sum();
                prop_assert!(p.draws.n.iter().flatten().all(|&v| v >= n && v <= 21 * n));
            }
            Err(e) => {
                let expected = matches!(e, Error::InvalidOption { .. } | Error::Undefined { .. });
                prop_assert!(expected);
            }
        }
    }
}
