use super::super::random::{draw_n0, log_beta, multinomial, truncated_nb};
use super::*;

/// artificial_3 (3 lists): 40 A only, 30 B only, 20 C only, 6 AB.
const ART3: [u64; 8] = [0, 40, 30, 6, 20, 0, 0, 0];

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

#[test]
fn histories_in_lcmcr_order() {
    // Lexicographic order of (x1, x2, x3), list 1 most significant:
    // 001 (C, bit 2), 010 (B, bit 1), 100 (A, bit 0), 110 (AB, bits 0+1).
    let s = Sampler::new(3, &ART3, 10, 0.25, 0.25, 1, 0);
    assert_eq!(s.patterns, vec![4, 2, 1, 3]);
    assert_eq!(s.freqs, vec![20, 30, 40, 6]);
    assert_eq!(s.n, 96);
    assert_eq!(s.cap, 1920);
}

#[test]
fn sweeps_keep_the_state_consistent() {
    let mut s = Sampler::new(3, &ART3, 6, 0.25, 0.25, 3, 2);
    s.initialise(50);
    // Relabelled by decreasing ν.
    assert!(s.log_nu.windows(2).all(|w| w[0] >= w[1]));
    for _ in 0..200 {
        s.sweep(true);
        s.label_swap();
        for (m, &f) in s.freqs.iter().enumerate() {
            assert_eq!(s.count_z[m * 6..(m + 1) * 6].iter().sum::<u64>(), f);
        }
        assert_eq!(s.count0.iter().sum::<u64>(), s.n0);
        assert!(s.n0 <= s.cap);
        let total: f64 = s.log_nu.iter().map(|v| v.exp()).sum();
        assert!((total - 1.0).abs() < 1e-9, "Σν = {total}");
        for (a, b) in s.log_lam.iter().zip(&s.log_1m_lam) {
            assert!((a.exp() + b.exp() - 1.0).abs() < 1e-12);
        }
        assert!(s.alpha > 0.0 && s.alpha.is_finite());
        let d = s.draw();
        assert!((1..=6).contains(&d.k_star));
        assert_eq!(d.n_total, 96 + s.n0);
    }
}

#[test]
fn label_swap_moves_individuals_with_their_lambda() {
    let mut s = Sampler::new(3, &ART3, 4, 0.25, 0.25, 5, 0);
    s.initialise(30);
    s.sweep(true);
    // Equal ν makes the swap certain.
    s.log_nu.fill(-(4f64).ln());
    let (z, c0, lam) = (s.count_z.clone(), s.count0.clone(), s.log_lam.clone());
    let occupied: Vec<usize> = (0..4)
        .filter(|&k| c0[k] + (0..4).map(|m| z[m * 4 + k]).sum::<u64>() > 0)
        .collect();
    if occupied.len() < 2 {
        return;
    }
    assert!(s.label_swap());
    let moved: Vec<usize> = (0..4).filter(|&k| s.log_lam[k] != lam[k]).collect();
    assert_eq!(moved.len(), 2, "exactly two classes exchanged");
    let (j, l) = (moved[0], moved[1]);
    for m in 0..4 {
        assert_eq!(s.count_z[m * 4 + j], z[m * 4 + l]);
        assert_eq!(s.count_z[m * 4 + l], z[m * 4 + j]);
    }
    assert_eq!((s.count0[j], s.count0[l]), (c0[l], c0[j]));
    for jj in 0..3 {
        assert_eq!(s.log_lam[jj * 4 + j], lam[jj * 4 + l]);
    }
}

#[test]
fn a_list_holding_everyone_is_handled() {
    // List A holds every observed case: λ_A starts at 1 (log(1 − λ) = −∞).
    let counts = [0, 10, 0, 5, 0, 0, 0, 0];
    let mut s = Sampler::new(3, &counts, 4, 0.25, 0.25, 9, 0);
    s.initialise(20);
    for _ in 0..50 {
        s.sweep(true);
        assert!(s.log_nu.iter().all(|v| !v.is_nan()));
        assert!(s.n0 <= s.cap);
    }
}

#[test]
fn multinomial_totals_and_means() {
    let p = [1.0, 0.0, 0.5, 0.25, 0.0];
    let mut sums = [0.0; 5];
    let mut out = [0u64; 5];
    let mut r = rng(5);
    for (total, order) in [
        (1u64, [0usize, 1, 2, 3, 4]),
        (3, [4, 3, 2, 1, 0]),
        (8, [2, 0, 4, 1, 3]),
        (9, [0, 1, 2, 3, 4]),
        (1000, [3, 1, 0, 4, 2]),
    ] {
        let mut acc = [0u64; 5];
        let reps = 4000;
        for _ in 0..reps {
            multinomial(&mut r, total, &p, &order, &mut sums, &mut out);
            assert_eq!(out.iter().sum::<u64>(), total);
            assert_eq!(out[1] + out[4], 0);
            for k in 0..5 {
                acc[k] += out[k];
            }
        }
        for k in 0..5 {
            let want = total as f64 * p[k] / 1.75;
            let got = acc[k] as f64 / reps as f64;
            // 5 standard errors of the mean.
            let se = (total as f64 * p[k] / 1.75 * (1.0 - p[k] / 1.75) / reps as f64).sqrt();
            assert!(
                (got - want).abs() <= 5.0 * se + 1e-12,
                "total {total} class {k}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn log_beta_with_a_tiny_shape() {
    // Beta(1, 0.01): mean 1/1.01; log(1 − X) must stay finite although 1 − X underflows often.
    let mut r = rng(11);
    let reps = 20_000;
    let mut mean = 0.0;
    for _ in 0..reps {
        let (lx, l1mx) = log_beta(&mut r, 1.0, 0.01);
        assert!(lx <= 0.0 && l1mx.is_finite() && l1mx <= 0.0);
        mean += lx.exp();
    }
    mean /= reps as f64;
    let want = 1.0 / 1.01;
    // sd of Beta(1, 0.01) ≈ 0.07.
    assert!(
        (mean - want).abs() < 5.0 * 0.07 / (reps as f64).sqrt(),
        "{mean} vs {want}"
    );
}

/// Exact mean and variance of NegBin(n, 1 − π0) restricted to 0..=cap.
fn truncated_moments(n: u64, cap: u64, pi0: f64) -> (f64, f64) {
    let mut w = 1.0;
    let (mut s, mut sk, mut sk2) = (1.0, 0.0, 0.0);
    for k in 1..=cap {
        w *= (n as f64 + k as f64 - 1.0) / k as f64 * pi0;
        s += w;
        sk += k as f64 * w;
        sk2 += (k * k) as f64 * w;
    }
    let m = sk / s;
    (m, sk2 / s - m * m)
}

#[test]
fn truncated_negative_binomial_is_exact() {
    // Cases with the mode below, near and above the cap; the inversion alone, and the full
    // n0 draw (rejection then inversion).
    for &(n, cap, pi0) in &[
        (5u64, 100u64, 0.6),
        (5, 100, 0.95),
        (3, 60, 0.99),
        (2, 40, 1.0),
    ] {
        let (want, var) = truncated_moments(n, cap, pi0);
        let mut r = rng(n + cap);
        let reps = 20_000;
        let (mut inv, mut full) = (0.0, 0.0);
        for _ in 0..reps {
            let a = truncated_nb(&mut r, n, cap, pi0);
            let b = draw_n0(&mut r, n, cap, pi0);
            assert!(a <= cap && b <= cap);
            inv += a as f64;
            full += b as f64;
        }
        inv /= reps as f64;
        full /= reps as f64;
        // 5 standard errors of the mean.
        let tol = 5.0 * (var / reps as f64).sqrt();
        assert!(
            (inv - want).abs() < tol,
            "inversion n={n} π0={pi0}: {inv} vs {want}"
        );
        assert!(
            (full - want).abs() < tol,
            "n0 draw n={n} π0={pi0}: {full} vs {want}"
        );
    }
    assert_eq!(draw_n0(&mut rng(1), 10, 200, 0.0), 0);
}
