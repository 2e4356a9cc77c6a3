//! Small numeric kernels of the lattice fitter: a vectorisable `exp`, Cholesky and its solve.

use super::fit::MU_FLOOR;

/// Relative pivot tolerance of the weighted Cholesky.
const PIVOT: f64 = 1e-13;

/// `out[i] = max(exp(x[i]), 2.22e-16)`, branch-free so that it vectorises: `x = k ln 2 + r`
/// with `|r| ≤ ln 2 / 2`, a degree-13 Taylor polynomial for `e^r` (truncation below 1e-17
/// relative) evaluated by Estrin's scheme (a dependency depth of 5 multiply-adds instead of
/// Horner's 13, so that consecutive cells overlap in the pipeline), and `2^k` from the
/// exponent bits. Agrees with the library `exp` to a few ulp.
pub(crate) fn exp_floor(x: &[f64], out: &mut [f64]) {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split as in fdlibm: the high part has 32 trailing zero bits, so k·LN2_HI is exact.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const ROUND: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
                                                // 1/j! for j = 0..13.
    const C: [f64; 14] = [
        1.0,
        1.0,
        0.5,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    #[inline(always)]
    fn one(v: f64) -> f64 {
        // exp(−37) < 2.22e-16: clamping there keeps 2^k normal and the floor exact.
        let v = v.clamp(-40.0, 709.0);
        let kr = v * LOG2E + ROUND;
        let k = kr - ROUND;
        let r = (v - k * LN2_HI) - k * LN2_LO;
        let r2 = r * r;
        let r4 = r2 * r2;
        let r8 = r4 * r4;
        let q0 = C[0] + C[1] * r;
        let q1 = C[2] + C[3] * r;
        let q2 = C[4] + C[5] * r;
        let q3 = C[6] + C[7] * r;
        let q4 = C[8] + C[9] * r;
        let q5 = C[10] + C[11] * r;
        let q6 = C[12] + C[13] * r;
        let s0 = q0 + q1 * r2;
        let s1 = q2 + q3 * r2;
        let s2 = q4 + q5 * r2;
        let t0 = s0 + s1 * r4;
        let t1 = s2 + q6 * r4;
        let p = t0 + t1 * r8;
        // k is an integer below 2^51 in magnitude, so the bits of kr − ROUND's bits are k:
        // integer arithmetic that vectorises, unlike a float-to-int conversion.
        let ki = kr.to_bits().wrapping_sub(ROUND.to_bits());
        let scale = f64::from_bits(ki.wrapping_add(1023) << 52);
        (p * scale).max(MU_FLOOR)
    }
    for (o, &v) in out.iter_mut().zip(x) {
        *o = one(v);
    }
}

/// In-place Cholesky (row-major, lower triangle); `false` if a pivot is not positive relative
/// to its diagonal entry.
pub(crate) fn cholesky(a: &mut [f64], p: usize) -> bool {
    for j in 0..p {
        let (row_j, below) = a[j * p..].split_at_mut(p);
        let ajj = row_j[j];
        let d = ajj - dot(&row_j[..j], &row_j[..j]);
        if !(ajj > 0.0) || !(d > PIVOT * ajj) {
            return false;
        }
        let d = d.sqrt();
        row_j[j] = d;
        // Column j of L below the diagonal: L_ij = (A_ij − L_i·L_j) / d, four rows at a
        // time (each dot product computed exactly as `dot` computes it).
        let lj = &row_j[..j];
        let mut blocks = below.chunks_exact_mut(4 * p);
        for block in &mut blocks {
            let (r0, rest) = block.split_at_mut(p);
            let (r1, rest) = rest.split_at_mut(p);
            let (r2, r3) = rest.split_at_mut(p);
            let s = dot4([&r0[..j], &r1[..j], &r2[..j], &r3[..j]], lj);
            r0[j] = (r0[j] - s[0]) / d;
            r1[j] = (r1[j] - s[1]) / d;
            r2[j] = (r2[j] - s[2]) / d;
            r3[j] = (r3[j] - s[3]) / d;
        }
        for row_i in blocks.into_remainder().chunks_exact_mut(p) {
            row_i[j] = (row_i[j] - dot(&row_i[..j], lj)) / d;
        }
    }
    true
}

#[inline]
pub(crate) fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut s = [0.0; 4];
    let (cx, cy) = (x.chunks_exact(4), y.chunks_exact(4));
    let (rx, ry) = (cx.remainder(), cy.remainder());
    for (a, b) in cx.zip(cy) {
        for k in 0..4 {
            s[k] += a[k] * b[k];
        }
    }
    let mut t = (s[0] + s[1]) + (s[2] + s[3]);
    for (a, b) in rx.iter().zip(ry) {
        t += a * b;
    }
    t
}

/// Four dot products with one vector, each summed exactly as [`dot`] sums it.
#[inline]
fn dot4(x: [&[f64]; 4], y: &[f64]) -> [f64; 4] {
    let n = y.len();
    let m = n - n % 4;
    let mut s = [[0.0; 4]; 4];
    let mut i = 0;
    while i < m {
        let b = &y[i..i + 4];
        for (sr, xr) in s.iter_mut().zip(&x) {
            let a = &xr[i..i + 4];
            for k in 0..4 {
                sr[k] += a[k] * b[k];
            }
        }
        i += 4;
    }
    let mut t = [0.0; 4];
    for r in 0..4 {
        t[r] = (s[r][0] + s[r][1]) + (s[r][2] + s[r][3]);
        for k in m..n {
            t[r] += x[r][k] * y[k];
        }
    }
    t
}

/// `b ← (LLᵀ)⁻¹ b` for the factor `l` of [`cholesky`]: [`forward`] then [`backward`].
pub(crate) fn solve(l: &[f64], p: usize, b: &mut [f64]) {
    forward(l, p, b);
    backward(l, p, b);
}

/// `b ← L⁻¹ b`.
pub(crate) fn forward(l: &[f64], p: usize, b: &mut [f64]) {
    for i in 0..p {
        let s = dot(&l[i * p..i * p + i], &b[..i]);
        b[i] = (b[i] - s) / l[i * p + i];
    }
}

/// `b ← L⁻ᵀ b`.
pub(crate) fn backward(l: &[f64], p: usize, b: &mut [f64]) {
    for i in (0..p).rev() {
        b[i] /= l[i * p + i];
        let bi = b[i];
        for (bk, &lik) in b[..i].iter_mut().zip(&l[i * p..i * p + i]) {
            *bk -= lik * bi;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_matches_the_library() {
        let xs: Vec<f64> = (0..20_000).map(|i| -45.0 + i as f64 * 0.0041).collect();
        let mut out = vec![0.0; xs.len()];
        exp_floor(&xs, &mut out);
        for (&x, &o) in xs.iter().zip(&out) {
            let want = x.exp().max(MU_FLOOR);
            assert!(
                (o - want).abs() <= 4.0 * f64::EPSILON * want,
                "{x}: {o} {want}"
            );
        }
    }

    #[test]
    fn four_dots_sum_as_one() {
        let v =
            |n: usize, a: f64| -> Vec<f64> { (0..n).map(|i| (a * i as f64 + 0.3).sin()).collect() };
        for n in 0..23 {
            let y = v(n, 1.7);
            let x: Vec<Vec<f64>> = (0..4).map(|r| v(n, 0.9 + r as f64)).collect();
            let d = dot4([&x[0], &x[1], &x[2], &x[3]], &y);
            for r in 0..4 {
                assert_eq!(d[r].to_bits(), dot(&x[r], &y).to_bits());
            }
        }
    }

    #[test]
    fn cholesky_solves() {
        let a = vec![4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let mut l = a.clone();
        assert!(cholesky(&mut l, 3));
        let mut b = vec![1.0, 2.0, 3.0];
        solve(&l, 3, &mut b);
        for i in 0..3 {
            let r: f64 = (0..3).map(|k| a[i * 3 + k] * b[k]).sum();
            assert!((r - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
    }
}
