use super::*;

/// The integer LCG + AR(1) recursion of `tests/reference/lcmcr/arviz_diagnostics.py`.
fn lcg_chains(
    chains: usize,
    draws: usize,
    phi: f64,
    shift: f64,
    seed: u64,
    round_to: Option<f64>,
) -> Vec<Vec<f64>> {
    let mut state = seed;
    (0..chains)
        .map(|c| {
            let mut x = 0.0;
            (0..draws)
                .map(|_| {
                    state = (1_664_525 * state + 1_013_904_223) % (1 << 32);
                    let u = state as f64 / 4_294_967_296.0;
                    x = phi * x + (u - 0.5);
                    let v = x + shift * c as f64;
                    match round_to {
                        Some(r) => (v * r).floor() / r,
                        None => v,
                    }
                })
                .collect()
        })
        .collect()
}

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol * b.abs(), "{what}: got {a}, want {b}");
}

#[test]
fn type7_quantiles_match_r() {
    // R 4.2.2: quantile(1:10, c(0, 0.025, 0.1, 0.5, 0.9, 1)) = 1, 1.225, 1.9, 5.5, 9.1, 10
    let x: Vec<f64> = (1..=10).map(f64::from).collect();
    for (p, want) in [
        (0.0, 1.0),
        (0.025, 1.225),
        (0.1, 1.9),
        (0.5, 5.5),
        (0.9, 9.1),
        (1.0, 10.0),
    ] {
        close(quantile(&x, p), want, 1e-14, "quantile(1:10)");
    }
    // quantile(c(3, 1, 2), 0.5) = 2; quantile(c(1, 1, 2), 0.75) = 1.5; one value: itself.
    assert_eq!(quantile(&[3.0, 1.0, 2.0], 0.5), 2.0);
    assert_eq!(quantile(&[1.0, 1.0, 2.0], 0.75), 1.5);
    assert_eq!(quantile(&[7.0], 0.3), 7.0);
    assert!(quantile(&[], 0.5).is_nan());
    assert!(quantile(&[1.0, 2.0], 1.5).is_nan());
    assert!(quantile(&[1.0, 2.0], f64::NAN).is_nan());
}

#[test]
fn classic_rhat_by_hand() {
    // Chains 1..4 and 3..6: W = 5/3, B = 4 · var(2.5, 4.5) = 8, R̂ = sqrt((8/(5/3) + 3)/4).
    let a = [1.0, 2.0, 3.0, 4.0];
    let b = [3.0, 4.0, 5.0, 6.0];
    close(rhat_basic(&[&a, &b]), 1.95f64.sqrt(), 1e-14, "rhat");
    // Identical chains: B = 0 ⇒ R̂ = sqrt((n − 1)/n).
    close(rhat_basic(&[&a, &a]), 0.75f64.sqrt(), 1e-14, "rhat equal");
    // Constant draws: W = 0 ⇒ undefined.
    assert!(rhat_basic(&[&[1.0; 4], &[1.0; 4]]).is_nan());
    assert!(rhat_rank(&[&[1.0; 8], &[1.0; 8]]).is_nan());
}

#[test]
fn autocov_matches_direct_sum() {
    let x = &lcg_chains(1, 37, 0.6, 0.0, 99, None)[0];
    let n = x.len();
    let m = mean(x);
    let ac = autocov(x);
    for t in 0..n {
        let direct: f64 = (0..n - t).map(|i| (x[i] - m) * (x[i + t] - m)).sum::<f64>() / n as f64;
        assert!(
            (ac[t] - direct).abs() < 1e-13,
            "lag {t}: {} vs {direct}",
            ac[t]
        );
    }
}

#[test]
fn constant_and_invalid_inputs() {
    // ESS of constant draws is the number of draws (ArviZ); R̂ is undefined.
    assert_eq!(ess_basic(&[&[2.0; 10], &[2.0; 10]]), 20.0);
    assert_eq!(ess_bulk(&[&[2.0; 10], &[2.0; 10]]), 20.0);
    assert!(rhat_rank(&[&[2.0; 10], &[2.0; 10]]).is_nan());
    // Too few draws, unequal lengths, non-finite values, no chains.
    assert!(rhat_rank(&[&[1.0, 2.0, 3.0]]).is_nan());
    assert!(ess_bulk(&[&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.0, 3.0]]).is_nan());
    assert!(ess_tail(&[&[1.0, 2.0, f64::NAN, 4.0]]).is_nan());
    assert!(ess_bulk(&[]).is_nan());
    assert!(rhat_rank(&[]).is_nan());
}

#[test]
fn split_drops_the_middle_draw() {
    let x = [1.0, 2.0, 100.0, 3.0, 4.0];
    let s = split_chains(&[&x]).unwrap();
    assert_eq!(s, vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
}

/// ArviZ 0.23.4 (NumPy 2.4.6, SciPy 1.17.1): `az.rhat(x, method="rank")`,
/// `az.ess(x, method="bulk")`, `az.ess(x, method="tail")` on the arrays of
/// `tests/reference/lcmcr/arviz_diagnostics.py` (printed by that script).
#[test]
fn matches_arviz() {
    type Case = (&'static str, Vec<Vec<f64>>, f64, f64, f64);
    let cases: Vec<Case> = vec![
        (
            "ar_4x100",
            lcg_chains(4, 100, 0.8, 0.0, 1, None),
            1.044480606534393,
            75.53938385419754,
            142.34875444839858,
        ),
        (
            "ar_2x1001_shift",
            lcg_chains(2, 1001, 0.95, 0.5, 7, None),
            1.0573759799110072,
            57.923298172603005,
            94.49275545193782,
        ),
        (
            "ties_3x50",
            lcg_chains(3, 50, 0.5, 0.0, 3, Some(2.0)),
            0.9927513314614748,
            81.2736538833025,
            93.519656019656,
        ),
        (
            // ArviZ gives NaN for R̂ of one chain; 0.9978946177423108 is its split R̂
            // (max of `_rhat(_z_scale(s))` and the folded one), as the R package posterior.
            "iid_1x200",
            lcg_chains(1, 200, 0.0, 0.0, 11, None),
            0.9978946177423108,
            204.25580966768442,
            224.40597791289804,
        ),
        (
            "anti_2x64",
            lcg_chains(2, 64, -0.7, 0.0, 5, None),
            1.036508089275634,
            269.72287611492715,
            139.9074453014324,
        ),
    ];
    for (name, x, rhat, bulk, tail) in cases {
        let s: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
        close(rhat_rank(&s), rhat, 1e-10, name);
        close(ess_bulk(&s), bulk, 1e-9, name);
        close(ess_tail(&s), tail, 1e-9, name);
    }
}
