//! Householder QR with R's limited column pivoting (the rule of LINPACK `dqrdc2`, which R's
//! `lm`/`glm` use), for dense column-major matrices.
//!
//! Columns are processed left to right. Before column `j` is reduced, its norm in the rows
//! not yet reduced (its residual after projecting out the columns kept before it) is compared
//! with its original norm: below `tol ×` the original norm (or an all-zero column) it is moved
//! to the end and never reconsidered. The kept columns thus keep their order and the rank is
//! their number. `dqrdc2` tracks the residual norms by downdating; here they are computed
//! exactly, which gives the same decisions for exact dependencies.

/// A QR factorisation `A P = Q R` of an `n × p` column-major matrix.
#[derive(Debug, Clone)]
pub(crate) struct Qr {
    n: usize,
    /// Householder vectors below the diagonal and `R` on and above it, column `j` of the
    /// input at `a[j*n..]`.
    a: Vec<f64>,
    tau: Vec<f64>,
    /// Columns kept, in order (`rank` of them).
    pub kept: Vec<usize>,
    /// Columns moved to the end (dependent), in the order they were moved.
    pub aliased: Vec<usize>,
}

#[inline]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

impl Qr {
    /// Factorise `a` (`n × p`, column-major; consumed).
    pub fn new(mut a: Vec<f64>, n: usize, p: usize, tol: f64) -> Self {
        debug_assert_eq!(a.len(), n * p);
        let orig: Vec<f64> = (0..p)
            .map(|j| dot(&a[j * n..(j + 1) * n], &a[j * n..(j + 1) * n]).sqrt())
            .collect();
        let pending: Vec<usize> = (0..p).collect();
        let mut kept = Vec::with_capacity(p);
        let mut aliased = Vec::new();
        let mut tau = Vec::with_capacity(p);
        let mut next = 0;
        let mut scratch = Vec::with_capacity(n);
        while next < pending.len() {
            let j = pending[next];
            next += 1;
            let k = kept.len();
            if k >= n {
                aliased.push(j);
                continue;
            }
            let col = &a[j * n + k..(j + 1) * n];
            let norm = dot(col, col).sqrt();
            if !(orig[j] > 0.0) || !(norm >= tol * orig[j]) {
                aliased.push(j);
                continue;
            }
            // Householder reflector H = I − τ v vᵀ with v = (1, x₁/(x₀−β), …), β = −sign(x₀)‖x‖.
            let x0 = a[j * n + k];
            let beta = if x0 >= 0.0 { -norm } else { norm };
            let t = (beta - x0) / beta;
            let scale = 1.0 / (x0 - beta);
            for v in &mut a[j * n + k + 1..(j + 1) * n] {
                *v *= scale;
            }
            a[j * n + k] = beta;
            // Apply to every column still pending (those after j in `pending`).
            scratch.clear();
            scratch.extend_from_slice(&a[j * n + k + 1..(j + 1) * n]);
            for &m in &pending[next..] {
                let y = &mut a[m * n + k..(m + 1) * n];
                let w = t * (y[0] + dot(&scratch, &y[1..]));
                y[0] -= w;
                for (yi, vi) in y[1..].iter_mut().zip(&scratch) {
                    *yi -= w * vi;
                }
            }
            tau.push(t);
            kept.push(j);
        }
        Self {
            n,
            a,
            tau,
            kept,
            aliased,
        }
    }

    /// Rank (number of kept columns).
    pub fn rank(&self) -> usize {
        self.kept.len()
    }

    /// `Qᵀ b` in place.
    pub fn qt_mul(&self, b: &mut [f64]) {
        let n = self.n;
        for (k, (&j, &t)) in self.kept.iter().zip(&self.tau).enumerate() {
            let v = &self.a[j * n..(j + 1) * n];
            let w = t * (b[k] + dot(&v[k + 1..], &b[k + 1..]));
            b[k] -= w;
            for (bi, vi) in b[k + 1..].iter_mut().zip(&v[k + 1..]) {
                *bi -= w * vi;
            }
        }
    }

    /// `R[i][l]` for `i ≤ l < rank` (row `i`, kept column `l`).
    #[inline]
    fn r(&self, i: usize, l: usize) -> f64 {
        self.a[self.kept[l] * self.n + i]
    }

    /// Least-squares coefficients of the kept columns (in `kept` order) for `b`.
    pub fn solve(&self, b: &[f64]) -> Vec<f64> {
        let mut qb = b.to_vec();
        self.qt_mul(&mut qb);
        let r = self.rank();
        let mut x = vec![0.0; r];
        for l in (0..r).rev() {
            let mut s = qb[l];
            for m in l + 1..r {
                s -= self.r(l, m) * x[m];
            }
            x[l] = s / self.r(l, l);
        }
        x
    }

    /// `(RᵀR)⁻¹` (row-major, `rank × rank`, kept order): R's unscaled covariance.
    pub fn inverse_gram(&self) -> Vec<f64> {
        let r = self.rank();
        // R⁻¹ (upper triangular), column by column.
        let mut inv = vec![0.0; r * r];
        for c in 0..r {
            inv[c * r + c] = 1.0 / self.r(c, c);
            for i in (0..c).rev() {
                let mut s = 0.0;
                for m in i + 1..=c {
                    s += self.r(i, m) * inv[m * r + c];
                }
                inv[i * r + c] = -s / self.r(i, i);
            }
        }
        // (RᵀR)⁻¹ = R⁻¹ R⁻ᵀ.
        let mut out = vec![0.0; r * r];
        for i in 0..r {
            for j in i..r {
                let s: f64 = (j..r).map(|m| inv[i * r + m] * inv[j * r + m]).sum();
                out[i * r + j] = s;
                out[j * r + i] = s;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_and_pivoting() {
        // Columns: 1, x, 2x (dependent), x².
        let xs = [0.0, 1.0, 2.0, 3.0, 4.0];
        let mut a = Vec::new();
        a.extend(xs.iter().map(|_| 1.0));
        a.extend(xs.iter().copied());
        a.extend(xs.iter().map(|x| 2.0 * x));
        a.extend(xs.iter().map(|x| x * x));
        let qr = Qr::new(a, 5, 4, 1e-7);
        assert_eq!(qr.kept, [0, 1, 3]);
        assert_eq!(qr.aliased, [2]);
        let b: Vec<f64> = xs.iter().map(|x| 1.0 + 2.0 * x + 0.5 * x * x).collect();
        let c = qr.solve(&b);
        for (got, want) in c.iter().zip([1.0, 2.0, 0.5]) {
            assert!((got - want).abs() < 1e-12, "{c:?}");
        }
        // (RᵀR)⁻¹ times AᵀA is the identity.
        let g = qr.inverse_gram();
        let cols: Vec<Vec<f64>> = vec![
            xs.iter().map(|_| 1.0).collect(),
            xs.to_vec(),
            xs.iter().map(|x| x * x).collect(),
        ];
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|m| g[i * 3 + m] * dot(&cols[m], &cols[j])).sum();
                assert!((s - f64::from(u8::from(i == j))).abs() < 1e-10);
            }
        }
    }

    #[test]
    fn zero_column_moves() {
        let a = vec![1.0, 1.0, 0.0, 0.0, 1.0, 2.0];
        let qr = Qr::new(a, 2, 3, 1e-7);
        assert_eq!((qr.kept.clone(), qr.aliased.clone()), (vec![0, 2], vec![1]));
    }
}
