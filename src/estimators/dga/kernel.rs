//! The inner loops: the per-point ratio as a product of table rows, and the recurrence that
//! turns ratios into values (four independent chains so the multiplier is kept busy).

/// `out[i] = first[i] · Π_r rows[r][i]`, dispatched on the number of rows so that the inner
/// product is unrolled and the loop over `i` vectorises.
pub(super) fn product(out: &mut [f64], first: &[f64], rows: &[&[f64]]) {
    macro_rules! go {
        ($($n:literal)*) => {
            match rows.len() {
                0 => out.copy_from_slice(first),
                $($n => product_n::<$n>(out, first, rows.try_into().expect("row count")),)*
                _ => unreachable!("at most 15 cliques and separators"),
            }
        };
    }
    go!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
}

#[inline(always)]
fn product_n<const R: usize>(out: &mut [f64], first: &[f64], rows: &[&[f64]; R]) {
    let n = out.len();
    let first = &first[..n];
    let rows: [&[f64]; R] = std::array::from_fn(|r| &rows[r][..n]);
    for i in 0..n {
        let mut p = first[i];
        for row in &rows {
            p *= row[i];
        }
        out[i] = p;
    }
}

/// The recurrence from `w_0`, adding `w_i·scale` (serial; for the rare rising blocks).
pub(super) fn scan_scaled(w0: f64, scale: f64, rho: &[f64], acc: &mut [f64]) -> f64 {
    let (mut w, mut s) = (w0, 0.0);
    for (a, r) in acc.iter_mut().zip(rho) {
        let v = w * scale;
        *a += v;
        s += v;
        w *= r;
    }
    s
}

/// The recurrence `w_{i+1} = w_i·ρ_i` from `w_0`, adding each `w_i` to `acc[i]`; returns
/// `(Σ w_i, w_last, w_last·ρ_last)`. Four independent chains (the block cut in quarters, each started from
/// the product of the ratios before it) keep the multiplier busy.
pub(super) fn scan(w0: f64, rho: &[f64], acc: &mut [f64]) -> (f64, f64, f64) {
    let n = acc.len();
    if n < 16 {
        let (mut w, mut s, mut last) = (w0, 0.0, w0);
        for i in 0..n {
            acc[i] += w;
            s += w;
            last = w;
            w *= rho[i];
        }
        return (s, last, w);
    }
    let q = n / 4;
    let (r0, rest) = rho.split_at(q);
    let (r1, rest) = rest.split_at(q);
    let (r2, rest) = rest.split_at(q);
    let (r3, tail_r) = rest.split_at(q);
    let (mut p0, mut p1, mut p2) = (1.0, 1.0, 1.0);
    for i in 0..q {
        p0 *= r0[i];
        p1 *= r1[i];
        p2 *= r2[i];
    }
    let mut w = [w0, 0.0, 0.0, 0.0];
    w[1] = w[0] * p0;
    w[2] = w[1] * p1;
    w[3] = w[2] * p2;
    let (a0, rest) = acc.split_at_mut(q);
    let (a1, rest) = rest.split_at_mut(q);
    let (a2, rest) = rest.split_at_mut(q);
    let (a3, tail_a) = rest.split_at_mut(q);
    let mut s = [0.0; 4];
    let mut last = w0;
    for i in 0..q {
        a0[i] += w[0];
        a1[i] += w[1];
        a2[i] += w[2];
        a3[i] += w[3];
        s[0] += w[0];
        s[1] += w[1];
        s[2] += w[2];
        s[3] += w[3];
        last = w[3];
        w[0] *= r0[i];
        w[1] *= r1[i];
        w[2] *= r2[i];
        w[3] *= r3[i];
    }
    // w[3] is now the value at index 4q; continue serially over the remainder.
    let mut x = w[3];
    for i in 0..tail_a.len() {
        tail_a[i] += x;
        s[3] += x;
        last = x;
        x *= tail_r[i];
    }
    ((s[0] + s[1]) + (s[2] + s[3]), last, x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_equals_serial_recurrence() {
        for n in [1, 5, 16, 17, 63, 64, 255, 256] {
            let rho: Vec<f64> = (0..n)
                .map(|i| 1.0 + 0.01 * ((i * 7 % 13) as f64 - 6.0))
                .collect();
            let mut acc = vec![0.0; n];
            let (s, last, _) = scan(0.5, &rho, &mut acc);
            let mut w = 0.5;
            let mut want_s = 0.0;
            for i in 0..n {
                assert!((acc[i] - w).abs() <= 1e-14 * w, "n {n} i {i}");
                want_s += w;
                if i + 1 < n {
                    w *= rho[i];
                }
            }
            assert!((s - want_s).abs() <= 1e-14 * want_s);
            assert!((last - w).abs() <= 1e-14 * w, "n {n}: {last} vs {w}");
        }
    }
}
