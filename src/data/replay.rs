//! Replicate tables supplied from outside (e.g. the R packages' resamples), to replay a
//! bootstrap replicate by replicate.
//!
//! Layout: a frequency table with one more column, `replicate` — a header with the table's
//! list names (any order), `replicate` and `count`; each row a 0/1 history, the replicate it
//! belongs to and its count in that replicate:
//!
//! ```text
//! LA,NG,PFNCA,GO,GP,replicate,count
//! 1,0,0,0,0,1,50
//! 0,1,0,0,0,1,473
//! …
//! 1,0,0,0,0,2,61
//! ```
//!
//! Replicates are numbered 1 to B (every number at least once); histories not listed have
//! count 0 in that replicate, and repeated histories are summed. Every problem is reported
//! with file, line and column and a fix.

use super::io::layouts::{check_width, count_field, history_bits};
use super::io::lines::{content, detect_delimiter, first_line, no_rows, Lines};
use super::io::printable;
use super::table::MAX_LISTS;
use crate::error::{Error, Location, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Read replicate tables for the lists `names` from a file; each table is indexed by
/// bitmask of `names` (entry 0, the dark cell, is 0), in replicate order 1…B.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, [`Error::InvalidInput`] for malformed content.
pub fn read_replicates(path: impl AsRef<Path>, names: &[String]) -> Result<Vec<Vec<u64>>> {
    let path = path.as_ref();
    let source = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        file: source.clone(),
        source: e,
    })?;
    parse_replicates(&bytes, &source, names)
}

/// [`read_replicates`] from bytes; `source` names the input in messages.
///
/// # Errors
/// [`Error::InvalidInput`] for malformed content; [`Error::InvalidOption`] (`names`) for
/// fewer than 2 or more than [`MAX_LISTS`] list names (a table has 2 to 20 lists).
pub fn parse_replicates(bytes: &[u8], source: &str, names: &[String]) -> Result<Vec<Vec<u64>>> {
    if !(2..=MAX_LISTS).contains(&names.len()) {
        return Err(Error::InvalidOption {
            name: "names",
            value: names.join(","),
            problem: format!(
                "replicate tables are read for the lists of a table: 2 to {MAX_LISTS} names, not {}",
                names.len()
            ),
        });
    }
    let bytes = content(bytes, source)?;
    let mut lines = Lines::new(bytes, source, detect_delimiter(first_line(bytes)));
    let (header_line, header) = match lines.next_line()? {
        Some(l) => (l.line, l.to_strings()?),
        None => return Err(no_rows(source)),
    };
    let at = |line: u64, col: usize| Location::at(source, line, Some(col + 1));
    // Column of each list, of `replicate` and of `count`.
    let mut list_col = vec![None; names.len()];
    let (mut rep_col, mut count_col) = (None, None);
    for (j, h) in header.iter().enumerate() {
        let slot = if let Some(i) = names.iter().position(|n| n == h) {
            &mut list_col[i]
        } else if h.eq_ignore_ascii_case("replicate") {
            &mut rep_col
        } else if h.eq_ignore_ascii_case("count") {
            &mut count_col
        } else {
            return Err(Error::input(
                at(header_line, j),
                format!(
                    "column '{}' is neither a list of the table ({}) nor replicate or count",
                    printable(h),
                    names.join(", ")
                ),
                "name the columns after the table's lists (after any `merge`/`omit`), then replicate and count",
            ));
        };
        if slot.is_some() {
            return Err(Error::input(
                at(header_line, j),
                format!("column '{}' appears twice", printable(h)),
                "keep one column per list, one replicate and one count column",
            ));
        }
        *slot = Some(j);
    }
    let missing: Vec<&str> = names
        .iter()
        .zip(&list_col)
        .filter(|(_, c)| c.is_none())
        .map(|(n, _)| n.as_str())
        .chain(rep_col.is_none().then_some("replicate"))
        .chain(count_col.is_none().then_some("count"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::input(
            Location::at(source, header_line, None),
            format!("missing column(s): {}", missing.join(", ")),
            "the header needs every list of the table, replicate and count",
        ));
    }
    let (rep_col, count_col) = (rep_col.expect("checked"), count_col.expect("checked"));
    let width = header.len();
    let cells = 1usize << names.len();
    let mut tables: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
    let mut any = false;
    while let Some(row) = lines.next_line()? {
        any = true;
        check_width(&row, width)?;
        let field = row.field(rep_col)?;
        let r = field
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| field.parse::<usize>().ok())
            .flatten()
            .filter(|&r| r >= 1);
        let Some(r) = r else {
            return Err(Error::input(
                at(row.line, rep_col),
                format!(
                    "replicate '{}' is not a whole number from 1 to {}",
                    printable(field),
                    usize::MAX
                ),
                "number the replicates 1, 2, …, B",
            ));
        };
        let c = count_field(&row, count_col)?;
        let h = history_bits(&row, list_col.iter().map(|c| c.expect("checked")), &header)? as usize;
        if h == 0 && c > 0 {
            return Err(Error::input(
                at(row.line, list_col[0].expect("checked")),
                "the capture history is all zeros (a case on no list cannot be observed)",
                "remove this row",
            ));
        }
        let t = tables.entry(r).or_insert_with(|| vec![0; cells]);
        // The table's total must fit too (margins are sums of counts).
        if t.iter().try_fold(c, |s, &x| s.checked_add(x)).is_none() {
            return Err(Error::input(
                at(row.line, count_col),
                format!(
                    "the counts of replicate {r} add up to more than {}",
                    u64::MAX
                ),
                "check the counts",
            ));
        }
        t[h] += c;
    }
    if !any {
        return Err(Error::input(
            Location::at(source, header_line, None),
            "the file has a header but no data rows",
            "add one row per (replicate, history) with its count",
        ));
    }
    // Replicates must be exactly 1…B: the first gap is reported.
    if let Some(r) = (1..)
        .zip(tables.keys())
        .find_map(|(want, &r)| (r != want).then_some(want))
    {
        return Err(Error::input(
            Location::file(source),
            format!(
                "replicate {r} has no rows although replicate {} does",
                tables.keys().next_back().expect("non-empty")
            ),
            "number the replicates 1, 2, …, B without gaps",
        ));
    }
    Ok(tables.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["A".into(), "B".into()]
    }

    #[test]
    fn reads_columns_in_any_order_and_sums_repeats() {
        let t = parse_replicates(
            b"replicate,B,A,count\n1,0,1,3\n1,1,1,2\n2,1,0,4\n1,0,1,1\n",
            "r.csv",
            &names(),
        )
        .unwrap();
        assert_eq!(t, vec![vec![0, 4, 0, 2], vec![0, 0, 4, 0]]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = |b: &[u8]| {
            parse_replicates(b, "r.csv", &names())
                .unwrap_err()
                .to_string()
        };
        assert!(err(b"A,B,count\n1,0,3\n").contains("missing column(s): replicate"));
        assert!(err(b"A,B,C,replicate,count\n").contains("r.csv:1:3"));
        assert!(err(b"A,B,replicate,count\n1,0,0,3\n").contains("r.csv:2:3"));
        assert!(err(b"A,B,replicate,count\n1,0,1,-3\n").contains("r.csv:2:4"));
        assert!(err(b"A,B,replicate,count\n1,0,1,2.5\n").contains("not a whole number"));
        assert!(err(b"A,B,replicate,count\n2,0,1,3\n").contains("r.csv:2:1"));
        assert!(err(b"A,B,replicate,count\n0,0,1,3\n").contains("all zeros"));
        assert!(err(b"A,B,replicate,count\n1,0,2,3\n").contains("replicate 1 has no rows"));
        assert!(err(b"A,A,replicate,count\n1,0,1,3\n").contains("appears twice"));
        assert!(err(b"A,B,replicate,count\n1,0,1\n").contains("r.csv:2"));
        assert!(err(b"A,B,replicate,count\n").contains("no data rows"));
        assert!(err(b"A,B,replicate,count\n1,0,+1,3\n").contains("r.csv:2:3"));
        let big = format!("A,B,replicate,count\n1,0,1,{}\n0,1,1,1\n", u64::MAX);
        assert!(err(big.as_bytes()).contains("add up to more than"));
    }
}
