//! Small dense symmetric positive-definite solves (Cholesky) and a rank test.
//!
//! The systems here are `p × p` with `p` the number of model terms (7 for six-list main
//! effects, 22 for six-list all pairs, rarely above 64). At that size a hand-written
//! row-major Cholesky on a reused buffer avoids the allocation and conversion of a general
//! linear-algebra crate in the innermost loop of every fit; `benches/fit.rs` compares it
//! with `nalgebra`'s Cholesky on the same matrices.

/// Pivots at or below this fraction of their column's own diagonal entry count as zero.
///
/// Relative to the column (not to the largest diagonal) like the rank test of R's QR in
/// `glm.fit`: a term whose cells all have tiny fitted means has a tiny diagonal entry but is
/// not collinear with the others, and must not be declared singular.
pub const PIVOT_TOL: f64 = 1e-12;

/// In-place Cholesky factorisation `A = L Lᵀ` of a row-major `p × p` matrix (lower triangle
/// used and overwritten). Returns `false` if a pivot is not positive relative to its
/// column's diagonal entry ([`PIVOT_TOL`]), i.e. `A` is numerically singular.
pub fn cholesky(a: &mut [f64], p: usize) -> bool {
    for j in 0..p {
        let row_j = &mut a[j * p..(j + 1) * p];
        let ajj = row_j[j];
        let d = ajj - dot(&row_j[..j], &row_j[..j]);
        if !(d > PIVOT_TOL * ajj) || !(ajj > 0.0) {
            return false;
        }
        let d = d.sqrt();
        row_j[j] = d;
        // Rows below j: L_ij = (A_ij − Σ_k L_ik L_jk) / L_jj, using the lower triangle only
        // (A is symmetric, so A_ij is read from row i).
        for i in j + 1..p {
            let (upper, lower) = a.split_at_mut(i * p);
            let row_j = &upper[j * p..j * p + j];
            let row_i = &mut lower[..p];
            row_i[j] = (row_i[j] - dot(&row_i[..j], row_j)) / d;
        }
    }
    true
}

#[inline]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// Solve `L Lᵀ x = b` in place given the factor from [`cholesky`] (row-major; both sweeps
/// read rows of `L` contiguously).
pub fn cholesky_solve(l: &[f64], p: usize, b: &mut [f64]) {
    for i in 0..p {
        let row = &l[i * p..i * p + i];
        b[i] = (b[i] - dot(row, &b[..i])) / l[i * p + i];
    }
    for i in (0..p).rev() {
        b[i] /= l[i * p + i];
        let bi = b[i];
        let row = &l[i * p..i * p + i];
        for (bk, &lik) in b[..i].iter_mut().zip(row) {
            *bk -= lik * bi;
        }
    }
}

/// Full inverse `(L Lᵀ)⁻¹` as a row-major `p × p` matrix.
pub fn cholesky_inverse(l: &[f64], p: usize) -> Vec<f64> {
    let mut inv = vec![0.0; p * p];
    let mut col = vec![0.0; p];
    for j in 0..p {
        col.iter_mut().for_each(|x| *x = 0.0);
        col[j] = 1.0;
        cholesky_solve(l, p, &mut col);
        for i in 0..p {
            inv[i * p + j] = col[i];
        }
    }
    inv
}

/// Numerical rank of a symmetric positive semi-definite Gram matrix `G = AᵀA` by Cholesky
/// with diagonal pivoting; a pivot below `rel_tol × max diag` counts as zero.
pub fn gram_rank(g: &[f64], p: usize, rel_tol: f64) -> usize {
    let mut a = g.to_vec();
    let scale = (0..p).map(|i| a[i * p + i]).fold(0.0f64, f64::max);
    if !(scale > 0.0) {
        return 0;
    }
    let mut perm: Vec<usize> = (0..p).collect();
    let mut rank = 0;
    for j in 0..p {
        // Pick the largest remaining diagonal.
        let (mut best, mut bi) = (f64::NEG_INFINITY, j);
        for (i, &pi) in perm.iter().enumerate().skip(j) {
            let d = a[pi * p + pi];
            if d > best {
                best = d;
                bi = i;
            }
        }
        if !(best > rel_tol * scale) {
            break;
        }
        perm.swap(j, bi);
        let pj = perm[j];
        let d = best.sqrt();
        // Schur complement update on the remaining rows/cols.
        let col: Vec<f64> = perm[j + 1..].iter().map(|&pi| a[pi * p + pj] / d).collect();
        for (x, &pi) in perm[j + 1..].iter().enumerate() {
            for (y, &pk) in perm[j + 1..].iter().enumerate() {
                a[pi * p + pk] -= col[x] * col[y];
            }
        }
        rank += 1;
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_and_inverse() {
        let a = vec![4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let mut l = a.clone();
        assert!(cholesky(&mut l, 3));
        let mut b = vec![1.0, 2.0, 3.0];
        cholesky_solve(&l, 3, &mut b);
        for i in 0..3 {
            let r: f64 = (0..3).map(|k| a[i * 3 + k] * b[k]).sum();
            assert!((r - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        let inv = cholesky_inverse(&l, 3);
        for i in 0..3 {
            for j in 0..3 {
                let r: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((r - f64::from(u8::from(i == j))).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn rank_of_gram() {
        // Columns (1,1,0), (0,1,1), (1,2,1) = c1 + c2: rank 2.
        let cols = [[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 2.0, 1.0]];
        let mut g = vec![0.0; 9];
        for i in 0..3 {
            for j in 0..3 {
                g[i * 3 + j] = (0..3).map(|k| cols[i][k] * cols[j][k]).sum();
            }
        }
        assert_eq!(gram_rank(&g, 3, 1e-10), 2);
        let mut l = g.clone();
        assert!(!cholesky(&mut l, 3));
    }
}
