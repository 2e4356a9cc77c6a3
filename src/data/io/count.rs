//! Counts read exactly from their text.

/// Largest count written in decimal or exponent notation (`12.0`, `1e3`): `2^53`, above which
/// such spellings are not integers in the software that wrote them.
const MAX_DECIMAL: u64 = 1 << 53;

/// Parse a count: a non-negative whole number, from its text (never through a float, so
/// `2.9999999999999999` is not read as 3). Plain integers (`12`, `+7`) are accepted up to
/// `u64::MAX`; decimal or exponent spellings (`12.0`, `1e3`, `-0`) must be exactly whole and
/// below 2^53.
///
/// # Errors
/// A message saying what is wrong: not a number, NaN, negative, not a whole number, too large.
///
/// # Example
/// ```
/// use darkfigure::data::io::parse_count;
/// assert_eq!(parse_count("1e2"), Ok(100));
/// assert!(parse_count("2.9999999999999999").unwrap_err().contains("whole"));
/// ```
pub fn parse_count(s: &str) -> std::result::Result<u64, String> {
    let shown = super::printable(s);
    if let Ok(v) = s.parse::<u64>() {
        return Ok(v);
    }
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    match lower.as_str() {
        "nan" => return Err("count is NaN".into()),
        "inf" | "infinity" if negative => return Err(format!("count {shown} is negative")),
        "inf" | "infinity" => return Err(format!("count {shown} is too large")),
        _ => {}
    }
    let Some(d) = Decimal::parse(body) else {
        return Err(format!("count '{shown}' is not a number"));
    };
    if d.is_zero() {
        return Ok(0);
    }
    if negative {
        return Err(format!("count {shown} is negative"));
    }
    match d.whole() {
        Whole::Fraction => Err(format!("count {shown} is not a whole number")),
        Whole::TooLarge => Err(format!("count {shown} is too large")),
        Whole::Value(v) if v >= MAX_DECIMAL => Err(format!("count {shown} is too large")),
        Whole::Value(v) => Ok(v),
    }
}

/// `digits × 10^exponent`, digits without leading zeros.
struct Decimal {
    digits: Vec<u8>,
    exponent: i64,
}

enum Whole {
    Value(u64),
    Fraction,
    TooLarge,
}

impl Decimal {
    /// `int[.frac][e[+-]exp]` with at least one digit in the mantissa.
    fn parse(s: &str) -> Option<Self> {
        let (mantissa, exp) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let (int, frac) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
            return None;
        }
        let mut exponent: i64 = match exp {
            None => 0,
            Some(e) => {
                let (neg, digits) = match e.as_bytes().first() {
                    Some(b'-') => (true, &e[1..]),
                    Some(b'+') => (false, &e[1..]),
                    _ => (false, e),
                };
                if digits.is_empty() || !all_digits(digits) {
                    return None;
                }
                // Saturate: a huge exponent only decides "too large" or "not whole".
                let v = digits
                    .parse::<i64>()
                    .unwrap_or(i64::MAX / 4)
                    .min(i64::MAX / 4);
                if neg {
                    -v
                } else {
                    v
                }
            }
        };
        exponent -= frac.len() as i64;
        let digits: Vec<u8> = int
            .bytes()
            .chain(frac.bytes())
            .map(|b| b - b'0')
            .skip_while(|&d| d == 0)
            .collect();
        Some(Self { digits, exponent })
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    fn whole(&self) -> Whole {
        let mut digits = self.digits.as_slice();
        let mut exponent = self.exponent;
        // Trailing zeros move into the exponent.
        while let Some((&0, rest)) = digits.split_last() {
            digits = rest;
            exponent += 1;
        }
        if exponent < 0 {
            return Whole::Fraction;
        }
        if digits.len() as i64 + exponent > 20 {
            return Whole::TooLarge;
        }
        let mut v: u64 = 0;
        for &d in digits {
            v = match v.checked_mul(10).and_then(|x| x.checked_add(u64::from(d))) {
                Some(x) => x,
                None => return Whole::TooLarge,
            };
        }
        for _ in 0..exponent {
            v = match v.checked_mul(10) {
                Some(x) => x,
                None => return Whole::TooLarge,
            };
        }
        Whole::Value(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(parse_count("12"), Ok(12));
        assert_eq!(parse_count("12.0"), Ok(12));
        assert_eq!(parse_count("1e2"), Ok(100));
        assert_eq!(parse_count("1.5e1"), Ok(15));
        assert_eq!(parse_count("+7"), Ok(7));
        assert_eq!(parse_count("-0"), Ok(0));
        assert_eq!(parse_count("-0.0e5"), Ok(0));
        assert_eq!(parse_count("0005"), Ok(5));
        assert!(parse_count("1.5").unwrap_err().contains("whole"));
        assert!(parse_count("-3").unwrap_err().contains("negative"));
        assert!(parse_count("NaN").unwrap_err().contains("NaN"));
        assert!(parse_count("1e30").unwrap_err().contains("large"));
        assert!(parse_count("x").unwrap_err().contains("not a number"));
        assert!(parse_count("1e").unwrap_err().contains("not a number"));
        assert!(parse_count(".").unwrap_err().contains("not a number"));
        assert!(parse_count("1e-3").unwrap_err().contains("whole"));
        assert!(parse_count("1e99999999999999999999")
            .unwrap_err()
            .contains("large"));
    }

    /// Spellings that a float parser rounds to a whole number are not whole
    /// (the adversarial review's cases).
    #[test]
    fn near_integers_are_not_rounded() {
        for s in [
            "2.9999999999999999",
            "7.00000000000000000000000000001",
            "4503599627370496.3",
            "1.0000000000000000000001e2",
        ] {
            assert!(parse_count(s).unwrap_err().contains("whole"), "{s}");
        }
        assert!(parse_count("9007199254740992.0")
            .unwrap_err()
            .contains("large"));
        assert_eq!(parse_count("9007199254740991.0"), Ok(9_007_199_254_740_991));
    }
}
