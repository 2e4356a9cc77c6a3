//! Reading and writing capture tables.
//!
//! Three layouts are read:
//!
//! * **frequency** — a header of list names then a count column (any name: `count`, `n`,
//!   `Freq`, …); each row a 0/1 history and its count. Duplicate histories are summed. This is
//!   the layout of the R packages' data and of every file in `data/`.
//! * **records** — one row per case, 0/1 list columns, no count. A first column named `id` is
//!   ignored.
//! * **long** — one row per (list, case) sighting, with columns named `list` and `id` (any
//!   order, extra columns ignored); histories are built by case id. This is how agencies hold
//!   their lists.
//!
//! Every problem is reported with file, line and column and a fix; nothing panics.

use super::table::CaptureTable;
use crate::error::{Error, Location, Result};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Input layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Decide from the header and contents (see [`detect_format`]).
    #[default]
    Auto,
    /// 0/1 list columns then a count column.
    Frequency,
    /// One row per case, 0/1 list columns.
    Records,
    /// Rows of (list, id).
    Long,
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Format::Auto),
            "frequency" | "freq" => Ok(Format::Frequency),
            "records" => Ok(Format::Records),
            "long" => Ok(Format::Long),
            _ => Err(Error::InvalidOption {
                name: "format",
                value: s.to_string(),
                problem: "expected frequency, records, long or auto".into(),
            }),
        }
    }
}

/// Header names taken to mean "this column holds counts" when detecting the layout.
const COUNT_NAMES: &[&str] = &[
    "count",
    "counts",
    "n",
    "freq",
    "frequency",
    "number",
    "cases",
    "total",
    "weight",
];

/// Read a capture table from a file.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, [`Error::InvalidInput`] (with line and column)
/// for any malformed content.
pub fn read_table(path: impl AsRef<Path>, format: Format) -> Result<CaptureTable> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        file: name.clone(),
        source,
    })?;
    parse_table(&bytes, &name, format)
}

/// Parse a capture table from bytes; `source` names the input in error messages.
///
/// # Errors
/// [`Error::InvalidInput`] for malformed content.
///
/// # Example
/// ```
/// use darkfigure::data::io::{parse_table, Format};
/// let t = parse_table(b"A,B,count\n1,0,10\n0,1,8\n1,1,4\n", "mem", Format::Frequency).unwrap();
/// assert_eq!(t.observed(), 22);
/// ```
pub fn parse_table(bytes: &[u8], source: &str, format: Format) -> Result<CaptureTable> {
    let rows = split_csv(bytes, source)?;
    let format = match format {
        Format::Auto => detect_format(&rows),
        f => f,
    };
    match format {
        Format::Frequency => frequency(&rows, source),
        Format::Records => records(&rows, source),
        Format::Long => long(&rows, source),
        Format::Auto => unreachable!("resolved above"),
    }
}

/// Pick a layout from the parsed rows: `long` if the header has `list` and `id` columns;
/// `frequency` if the last header is a count name (`count`, `n`, `freq`, …) or the last column
/// holds anything but 0/1; otherwise `records`.
pub fn detect_format(rows: &[Row]) -> Format {
    let Some(header) = rows.first() else {
        return Format::Frequency;
    };
    let lower: Vec<String> = header
        .fields
        .iter()
        .map(|f| f.to_ascii_lowercase())
        .collect();
    if lower.iter().any(|f| f == "list") && lower.iter().any(|f| f == "id") {
        return Format::Long;
    }
    if lower
        .last()
        .is_some_and(|l| COUNT_NAMES.contains(&l.as_str()))
    {
        return Format::Frequency;
    }
    let all_binary = rows[1..]
        .iter()
        .all(|r| r.fields.last().is_some_and(|f| f == "0" || f == "1"));
    if all_binary {
        Format::Records
    } else {
        Format::Frequency
    }
}

/// One CSV row with its 1-based line number.
#[derive(Debug, Clone)]
pub struct Row {
    /// Line number in the file.
    pub line: u64,
    /// Fields, trimmed.
    pub fields: Vec<String>,
}

/// Split the input into rows with their true 1-based line numbers. Lines end in `\n`,
/// `\r\n` or a lone `\r`; blank lines are skipped; each line is parsed as one CSV record
/// (quoted fields may contain commas, not line breaks — no capture-history file needs them).
pub(crate) fn split_csv(bytes: &[u8], source: &str) -> Result<Vec<Row>> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(
            Location::file(source),
            "the file is empty",
            "supply a CSV with a header row of list names and one row per capture history",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rows = Vec::new();
    let mut rec = csv::ByteRecord::new();
    let mut line_no = 0u64;
    let mut rest = bytes;
    while !rest.is_empty() {
        line_no += 1;
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let line = &rest[..end];
        let skip = match rest.get(end) {
            Some(b'\r') if rest.get(end + 1) == Some(&b'\n') => 2,
            Some(_) => 1,
            None => 0,
        };
        rest = &rest[end + skip..];
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(line);
        match rdr.read_byte_record(&mut rec) {
            Ok(_) => {}
            Err(e) => {
                return Err(Error::input(
                    Location::at(source, line_no, None),
                    format!("not valid CSV: {e}"),
                    "save the file as comma-separated text",
                ))
            }
        }
        let mut fields = Vec::with_capacity(rec.len());
        for (j, f) in rec.iter().enumerate() {
            let s = std::str::from_utf8(f).map_err(|_| {
                Error::input(
                    Location::at(source, line_no, Some(j + 1)),
                    "the field is not valid UTF-8 text",
                    "save the file as UTF-8 (or plain ASCII) CSV",
                )
            })?;
            fields.push(s.to_string());
        }
        rows.push(Row {
            line: line_no,
            fields,
        });
    }
    if rows.is_empty() {
        return Err(Error::input(
            Location::file(source),
            "the file has no rows",
            "supply a header row of list names and data rows",
        ));
    }
    Ok(rows)
}

fn no_data(source: &str, rows: &[Row]) -> Result<()> {
    if rows.len() < 2 {
        return Err(Error::input(
            Location::at(source, rows[0].line, None),
            "the file has a header but no data rows",
            "add one row per capture history (or per case)",
        ));
    }
    Ok(())
}

pub(crate) fn check_width(source: &str, row: &Row, width: usize) -> Result<()> {
    if row.fields.len() != width {
        return Err(Error::input(
            Location::at(source, row.line, None),
            format!("{} fields, but the header has {width}", row.fields.len()),
            "give every row one value per header column",
        ));
    }
    Ok(())
}

/// Parse the 0/1 entries of a row in columns `cols` (list `i` in the `i`-th column given)
/// into a bitmask.
pub(crate) fn history_bits(
    source: &str,
    row: &Row,
    cols: impl IntoIterator<Item = usize>,
) -> Result<u32> {
    let mut h = 0u32;
    for (i, j) in cols.into_iter().enumerate() {
        match row.fields[j].as_str() {
            "1" => h |= 1 << i,
            "0" => {}
            other => {
                return Err(Error::input(
                    Location::at(source, row.line, Some(j + 1)),
                    format!("list entry '{}' is not 0 or 1", printable(other)),
                    "write 1 if the case is on the list, 0 if not",
                ))
            }
        }
    }
    Ok(h)
}

/// Parse the count in column `col` (0-based) of a row.
pub(crate) fn count_field(source: &str, row: &Row, col: usize) -> Result<u64> {
    parse_count(&row.fields[col]).map_err(|p| {
        Error::input(
            Location::at(source, row.line, Some(col + 1)),
            p,
            "counts must be whole numbers ≥ 0",
        )
    })
}

/// Parse the 0/1 list columns of a row into a bitmask; an all-zero history is an error.
fn history(source: &str, row: &Row, cols: std::ops::Range<usize>, offset: usize) -> Result<u32> {
    let h = history_bits(source, row, cols)?;
    if h == 0 {
        return Err(Error::input(
            Location::at(source, row.line, Some(offset + 1)),
            "the capture history is all zeros (a case on no list cannot be observed)",
            "remove this row; the dark figure is what darkfigure estimates",
        ));
    }
    Ok(h)
}

pub(crate) fn printable(s: &str) -> String {
    let mut out: String = s.chars().take(20).collect();
    if s.chars().count() > 20 {
        out.push('…');
    }
    out
}

/// Parse a count: a non-negative whole number. Plain integers are accepted up to `u64::MAX`;
/// decimal or exponent spellings (`12.0`, `1e3`) must be whole and below 2^53.
pub fn parse_count(s: &str) -> std::result::Result<u64, String> {
    if let Ok(v) = s.parse::<u64>() {
        return Ok(v);
    }
    let Ok(x) = s.parse::<f64>() else {
        return Err(format!("count '{}' is not a number", printable(s)));
    };
    if x.is_nan() {
        Err("count is NaN".into())
    } else if x < 0.0 {
        Err(format!("count {} is negative", printable(s)))
    } else if !x.is_finite() || x >= 9_007_199_254_740_992.0 {
        Err(format!("count {} is too large", printable(s)))
    } else if x.fract() != 0.0 {
        Err(format!("count {} is not a whole number", printable(s)))
    } else {
        Ok(x as u64)
    }
}

fn frequency(rows: &[Row], source: &str) -> Result<CaptureTable> {
    let header = &rows[0];
    let width = header.fields.len();
    if width < 3 {
        return Err(Error::input(
            Location::at(source, header.line, None),
            format!(
                "{width} column(s); a frequency table needs at least two list columns and a count column"
            ),
            "use a header like A,B,C,count (or read the file with `format` records for one row per case)",
        ));
    }
    let names: Vec<String> = header.fields[..width - 1].to_vec();
    check_header_names(source, header, &names, 0)?;
    no_data(source, rows)?;
    let mut data = Vec::with_capacity(rows.len() - 1);
    for row in &rows[1..] {
        check_width(source, row, width)?;
        let c = count_field(source, row, width - 1)?;
        let h = history(source, row, 0..width - 1, 0)?;
        data.push((h, c));
    }
    CaptureTable::new(names, data, source)
}

fn records(rows: &[Row], source: &str) -> Result<CaptureTable> {
    let header = &rows[0];
    let width = header.fields.len();
    let skip = usize::from(
        header
            .fields
            .first()
            .is_some_and(|f| f.eq_ignore_ascii_case("id")),
    );
    let names: Vec<String> = header.fields[skip..].to_vec();
    check_header_names(source, header, &names, skip)?;
    no_data(source, rows)?;
    let mut data = Vec::with_capacity(rows.len() - 1);
    for row in &rows[1..] {
        check_width(source, row, width)?;
        data.push((history(source, row, skip..width, skip)?, 1));
    }
    CaptureTable::new(names, data, source)
}

fn long(rows: &[Row], source: &str) -> Result<CaptureTable> {
    let header = &rows[0];
    let find = |want: &str| {
        header
            .fields
            .iter()
            .position(|f| f.eq_ignore_ascii_case(want))
    };
    let (Some(lc), Some(ic)) = (find("list"), find("id")) else {
        return Err(Error::input(
            Location::at(source, header.line, None),
            "long format needs a header with columns named 'list' and 'id'",
            "add the header line 'list,id' (one row per sighting of case 'id' on list 'list')",
        ));
    };
    no_data(source, rows)?;
    let width = header.fields.len();
    let mut lists: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, u32> = HashMap::new();
    let mut id_order: Vec<String> = Vec::new();
    for row in &rows[1..] {
        check_width(source, row, width)?;
        let list = &row.fields[lc];
        let id = &row.fields[ic];
        for (v, col) in [(list, lc), (id, ic)] {
            if v.is_empty() {
                return Err(Error::input(
                    Location::at(source, row.line, Some(col + 1)),
                    "empty value",
                    "every row needs a list name and a case id",
                ));
            }
        }
        let li = match lists.iter().position(|l| l == list) {
            Some(i) => i,
            None => {
                if lists.len() == super::table::MAX_LISTS {
                    return Err(Error::input(
                        Location::at(source, row.line, Some(lc + 1)),
                        format!("more than {} distinct lists", super::table::MAX_LISTS),
                        "merge lists before estimating",
                    ));
                }
                lists.push(list.clone());
                lists.len() - 1
            }
        };
        let entry = by_id.entry(id.clone()).or_insert_with(|| {
            id_order.push(id.clone());
            0
        });
        *entry |= 1 << li;
    }
    let data: Vec<(u32, u64)> = id_order.iter().map(|id| (by_id[id], 1)).collect();
    CaptureTable::new(lists, data, source)
}

/// Check the list names of a header whose first list is in column `offset + 1`: at least
/// two, at most [`super::table::MAX_LISTS`], non-empty, distinct, not data.
fn check_header_names(source: &str, header: &Row, names: &[String], offset: usize) -> Result<()> {
    let at = |j: usize| Location::at(source, header.line, Some(offset + j + 1));
    if names.len() < 2 {
        return Err(Error::input(
            Location::at(source, header.line, None),
            format!(
                "{} list column(s) found; multiple-systems estimation needs at least two",
                names.len()
            ),
            "supply one 0/1 column per list (at least two lists)",
        ));
    }
    if names.len() > super::table::MAX_LISTS {
        return Err(Error::input(
            Location::at(source, header.line, None),
            format!(
                "{} lists; at most {} are supported",
                names.len(),
                super::table::MAX_LISTS
            ),
            "merge or omit lists",
        ));
    }
    for (j, n) in names.iter().enumerate() {
        if n == "0" || n == "1" {
            return Err(Error::input(
                at(j),
                "the first row looks like data, not a header of list names",
                "add a header row naming the lists (e.g. A,B,C,count)",
            ));
        }
        if n.is_empty() {
            return Err(Error::input(
                at(j),
                "empty list name",
                "give every list column a name in the header",
            ));
        }
        if let Some(k) = names[..j].iter().position(|m| m == n) {
            return Err(Error::input(
                at(j),
                format!("list name '{n}' repeats column {}", offset + k + 1),
                "give every list a distinct name",
            ));
        }
    }
    Ok(())
}

/// Write a table as a frequency CSV (list names then `count`), one row per observed history
/// in the R packages' canonical order — the layout the R packages read.
///
/// # Errors
/// [`Error::Io`] if writing fails.
pub fn write_frequency_csv<W: Write>(table: &CaptureTable, mut w: W, label: &str) -> Result<()> {
    let io = |source| Error::Io {
        file: label.to_string(),
        source,
    };
    let mut header = table.names().join(",");
    header.push_str(",count\n");
    w.write_all(header.as_bytes()).map_err(io)?;
    for h in table.observed_cells() {
        let mut line: String = (0..table.lists())
            .map(|i| if h >> i & 1 == 1 { "1," } else { "0," })
            .collect();
        line.push_str(&table.count(h).to_string());
        line.push('\n');
        w.write_all(line.as_bytes()).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(bytes: &[u8], f: Format) -> String {
        parse_table(bytes, "f.csv", f).unwrap_err().to_string()
    }

    #[test]
    fn counts() {
        assert_eq!(parse_count("12"), Ok(12));
        assert_eq!(parse_count("12.0"), Ok(12));
        assert!(parse_count("1.5").unwrap_err().contains("whole"));
        assert!(parse_count("-3").unwrap_err().contains("negative"));
        assert!(parse_count("NaN").unwrap_err().contains("NaN"));
        assert!(parse_count("1e30").unwrap_err().contains("large"));
        assert!(parse_count("x").unwrap_err().contains("not a number"));
    }

    #[test]
    fn errors_name_line_and_column() {
        assert!(err(b"A,B,count\n1,0,3\n1,2,4\n", Format::Frequency).starts_with("f.csv:3:2:"));
        assert!(err(b"A,B,count\n1,0,3\n1,1\n", Format::Frequency).starts_with("f.csv:3:"));
        assert!(err(b"A,B,count\n0,0,3\n", Format::Frequency).contains("all zeros"));
        assert!(err(b"A,B,count\n", Format::Frequency).contains("no data rows"));
        assert!(err(b"", Format::Frequency).contains("empty"));
        assert!(err(b"A,count\n1,3\n", Format::Frequency).contains("at least two list"));
        assert!(err(b"A,A,count\n1,0,3\n", Format::Frequency).contains("repeats"));
        assert!(err(b"A,B,count\n1,0,\xff\n", Format::Frequency).starts_with("f.csv:2:3:"));
        assert!(err(b"A,B,count\n0,1,0\n", Format::Frequency).contains("no case"));
    }

    #[test]
    fn three_layouts_agree() {
        let f = parse_table(b"A,B,count\n1,0,2\n1,1,1\n", "f", Format::Auto).unwrap();
        let r = parse_table(b"A,B\n1,0\n1,1\n1,0\n", "r", Format::Auto).unwrap();
        let l = parse_table(b"list,id\nA,x\nA,y\nB,y\nA,z\n", "l", Format::Auto).unwrap();
        assert_eq!(f.counts(), r.counts());
        assert_eq!(f.counts(), l.counts());
    }

    #[test]
    fn round_trip() {
        let t = parse_table(b"A,B,count\n1,1,1\n1,0,2\n", "f", Format::Frequency).unwrap();
        let mut out = Vec::new();
        write_frequency_csv(&t, &mut out, "-").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "A,B,count\n1,0,2\n1,1,1\n");
    }
}
