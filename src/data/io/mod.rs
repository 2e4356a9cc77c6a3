//! Reading and writing capture tables.
//!
//! Three layouts are read:
//!
//! * **frequency** — a header of list names then a count column (any name: `count`, `n`,
//!   `Freq`, …); each row a 0/1 history and its count. Duplicate histories are summed. This is
//!   the layout of the R packages' data and of every file in `data/`.
//! * **records** — one row per case, 0/1 list columns, no count. A column named `id` (or the
//!   one named by [`ReadOptions::id_col`]) is ignored.
//! * **long** — one row per (list, case) sighting, with columns named `list` and `id` (or the
//!   ones named by [`ReadOptions::list_col`] and [`ReadOptions::id_col`]; any order, extra
//!   columns ignored); histories are built by case id. This is how agencies hold their
//!   lists.
//!
//! Fields are separated by `,`, `;` or tabs, detected from the header line
//! ([`ReadOptions::delimiter`] overrides). Every problem is reported with file, line and
//! column and a fix; nothing panics. The input is read in one pass, with memory in
//! proportion to the distinct histories (or case ids), not to the rows.

mod count;
pub(crate) mod layouts;
pub(crate) mod lines;

pub use count::parse_count;

use super::table::{CaptureTable, MAX_LISTS};
use crate::error::{Error, Location, Result};
use layouts::{is_count_name, Frequency, Long, Records};
use lines::{content, delimiter_name, detect_delimiter, first_line, no_rows, Lines};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Input layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Decide from the header and contents (see [`ReadOptions::format`]).
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
pub(crate) const COUNT_NAMES: &[&str] = &[
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

/// How to read a table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadOptions {
    /// The layout. `Auto` picks `long` when the header has the list and id columns,
    /// `records` when it has an id column but no list column, `frequency` when the last
    /// header is a count name (`count`, `n`, `freq`, …); otherwise the data decide:
    /// `records` if the last column holds only 0 and 1, else `frequency` — with a warning
    /// saying what was chosen and why.
    pub format: Format,
    /// The field separator (default: detected from the header among `,` `;` and tab).
    pub delimiter: Option<u8>,
    /// Long format: the column naming the list (default `list`, any case).
    pub list_col: Option<String>,
    /// Long format: the column identifying the case; records: a column to ignore (default
    /// `id`, any case).
    pub id_col: Option<String>,
}

impl ReadOptions {
    /// Options with this layout.
    pub fn format(format: Format) -> Self {
        Self {
            format,
            ..Self::default()
        }
    }
}

/// A table as read, with how it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadTable {
    /// The table.
    pub table: CaptureTable,
    /// The layout used (`Auto` resolved).
    pub format: Format,
    /// The field separator used.
    pub delimiter: u8,
    /// What the reader had to guess, and other things worth a look.
    pub warnings: Vec<String>,
}

/// Read a capture table from a file.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, [`Error::InvalidInput`] (with line and column)
/// for any malformed content.
pub fn read_table(path: impl AsRef<Path>, format: Format) -> Result<CaptureTable> {
    Ok(read(path, &ReadOptions::format(format))?.table)
}

/// Read a capture table from a file, with the reader's options and warnings.
///
/// # Errors
/// As [`read_table`].
pub fn read(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<ReadTable> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        file: name.clone(),
        source,
    })?;
    parse(&bytes, &name, opts)
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
    Ok(parse(bytes, source, &ReadOptions::format(format))?.table)
}

/// The header's position of a column named `name` (any case).
fn column(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|f| f.eq_ignore_ascii_case(name))
}

/// Parse a capture table from bytes with options; `source` names the input in messages.
///
/// # Errors
/// [`Error::InvalidInput`] for malformed content; [`Error::InvalidOption`] for a long-format
/// column option naming no column.
///
/// # Example
/// ```
/// use darkfigure::data::io::{parse, ReadOptions};
/// let r = parse(b"A;B;n\n1;0;10\n0;1;8\n1;1;4\n", "mem", &ReadOptions::default()).unwrap();
/// assert_eq!((r.table.observed(), r.delimiter), (22, b';'));
/// ```
pub fn parse(bytes: &[u8], source: &str, opts: &ReadOptions) -> Result<ReadTable> {
    let bytes = content(bytes, source)?;
    let delimiter = opts
        .delimiter
        .unwrap_or_else(|| detect_delimiter(first_line(bytes)));
    let mut lines = Lines::new(bytes, source, delimiter);
    let (header_line, header) = match lines.next_line()? {
        Some(l) => (l.line, l.to_strings()?),
        None => return Err(no_rows(source)),
    };
    let mut warnings = Vec::new();
    let list_name = opts.list_col.as_deref().unwrap_or("list");
    let id_name = opts.id_col.as_deref().unwrap_or("id");
    let (list_col, id_col) = (column(&header, list_name), column(&header, id_name));
    for (given, col, what) in [
        (&opts.list_col, list_col, "list_col"),
        (&opts.id_col, id_col, "id_col"),
    ] {
        if let (Some(name), None) = (given, col) {
            return Err(Error::InvalidOption {
                name: what,
                value: name.clone(),
                problem: format!(
                    "no column of that name in the header ({})",
                    header.join(", ")
                ),
            });
        }
    }
    let format = match opts.format {
        Format::Auto if list_col.is_some() && id_col.is_some() => Some(Format::Long),
        Format::Auto if id_col.is_some() => Some(Format::Records),
        Format::Auto if header.last().is_some_and(|l| is_count_name(l)) => Some(Format::Frequency),
        Format::Auto => None,
        f => Some(f),
    };
    let at = |line: u64| Location::at(source, line, None);
    let no_data = |what: &str| {
        Error::input(
            at(header_line),
            "the file has a header but no data rows",
            format!("add one row per {what}"),
        )
    };
    let (format, names, rows) = match format {
        Some(Format::Long) => {
            let (Some(lc), Some(ic)) = (list_col, id_col) else {
                return Err(Error::input(
                    at(header_line),
                    format!("long format needs a header with columns named '{list_name}' and '{id_name}'"),
                    "add the header line 'list,id' (one row per sighting of case 'id' on list 'list'), or name the columns with `list_col` and `id_col`",
                ));
            };
            let mut acc = Long::new(header.len(), lc, ic);
            let mut any = false;
            while let Some(l) = lines.next_line()? {
                any = true;
                acc.row(&l)?;
            }
            if !any {
                return Err(no_data("sighting (list, id)"));
            }
            let (names, rows) = acc.into_rows();
            (Format::Long, names, rows)
        }
        Some(Format::Frequency) => {
            check_frequency_header(source, header_line, &header)?;
            let mut acc = Frequency::new(&header);
            let mut any = false;
            while let Some(l) = lines.next_line()? {
                any = true;
                acc.row(&l)?;
            }
            if !any {
                return Err(no_data("capture history (or per case)"));
            }
            let names = header[..header.len() - 1].to_vec();
            (Format::Frequency, names, acc.histories.into_rows())
        }
        Some(Format::Records) => {
            let mut acc = Records::new(&header, id_col);
            check_header_names(source, header_line, &header, &acc.names(), id_col)?;
            let mut any = false;
            while let Some(l) = lines.next_line()? {
                any = true;
                acc.row(&l)?;
            }
            if !any {
                return Err(no_data("case"));
            }
            (Format::Records, acc.names(), acc.histories.into_rows())
        }
        Some(Format::Auto) | None => {
            // The data decide: records if the last column holds only 0 and 1. Both readings
            // are kept until the end (each remembers its first error).
            let mut freq = (header.len() >= 3).then(|| Frequency::new(&header));
            let mut rec = Records::new(&header, None);
            let (mut freq_err, mut rec_err) = (None, None);
            let mut all_binary = true;
            let mut any = false;
            while let Some(l) = lines.next_line()? {
                any = true;
                let last = l.field(l.len() - 1)?;
                all_binary &= last == "0" || last == "1";
                if let (Some(f), None) = (freq.as_mut(), &freq_err) {
                    if let Err(e) = f.row(&l) {
                        freq_err = Some(e);
                    }
                }
                if rec_err.is_none() {
                    if let Err(e) = rec.row(&l) {
                        rec_err = Some(e);
                    }
                }
            }
            let last = header.last().map_or("", String::as_str);
            match freq {
                Some(f) if !all_binary => {
                    check_frequency_header(source, header_line, &header)?;
                    if let Some(e) = freq_err {
                        return Err(e);
                    }
                    warnings.push(format!(
                        "read as a frequency table: the last column ('{}') holds counts other than 0 and 1; name it 'count' (or read the file with `format` frequency) to say so",
                        printable(last)
                    ));
                    (
                        Format::Frequency,
                        header[..header.len() - 1].to_vec(),
                        f.histories.into_rows(),
                    )
                }
                _ => {
                    check_header_names(source, header_line, &header, &rec.names(), None)?;
                    if !any {
                        return Err(no_data("case"));
                    }
                    if let Some(e) = rec_err {
                        return Err(e);
                    }
                    warnings.push(format!(
                    "read as records (one row per case): the header names no count column and the last column ('{}') holds only 0 and 1; if it holds counts, read the file with `format` frequency",
                    printable(last)
                ));
                    (Format::Records, rec.names(), rec.histories.into_rows())
                }
            }
        }
    };
    for (j, n) in names.iter().enumerate() {
        if is_count_name(n) {
            warnings.push(format!(
                "list {} is named '{n}': if that column holds counts, it must be the last column",
                j + 1
            ));
        }
    }
    if delimiter != b',' && opts.delimiter.is_none() {
        warnings.push(format!(
            "fields separated by {} (detected from the header)",
            delimiter_name(delimiter)
        ));
    }
    let table =
        CaptureTable::new(names, rows, source).map_err(|e| at_header(e, source, header_line))?;
    Ok(ReadTable {
        table,
        format,
        delimiter,
        warnings,
    })
}

/// A list-name error of [`CaptureTable::new`] (which says line 1) moved to the header line.
fn at_header(e: Error, source: &str, header_line: u64) -> Error {
    match e {
        Error::InvalidInput {
            location,
            problem,
            fix,
        } if location.file == source && location.line == Some(1) => Error::InvalidInput {
            location: Location {
                line: Some(header_line),
                ..location
            },
            problem,
            fix,
        },
        other => other,
    }
}

fn check_frequency_header(source: &str, line: u64, header: &[String]) -> Result<()> {
    let width = header.len();
    if width < 3 {
        return Err(Error::input(
            Location::at(source, line, None),
            format!(
                "{width} column(s); a frequency table needs at least two list columns and a count column"
            ),
            "use a header like A,B,C,count (or read the file with `format` records for one row per case)",
        ));
    }
    check_header_names(source, line, header, &header[..width - 1], None)
}

pub(crate) fn printable(s: &str) -> String {
    let mut out: String = s.chars().take(20).collect();
    if s.chars().count() > 20 {
        out.push('…');
    }
    out
}

/// Check the list names of a header (list `j` in column `cols[j]`, where `cols` skips an id
/// column): at least two, at most [`MAX_LISTS`], non-empty, distinct, not data.
fn check_header_names(
    source: &str,
    line: u64,
    header: &[String],
    names: &[String],
    id_col: Option<usize>,
) -> Result<()> {
    let cols: Vec<usize> = (0..header.len()).filter(|&c| Some(c) != id_col).collect();
    let at = |j: usize| Location::at(source, line, Some(cols[j] + 1));
    if names.len() < 2 {
        return Err(Error::input(
            Location::at(source, line, None),
            format!(
                "{} list column(s) found; multiple-systems estimation needs at least two",
                names.len()
            ),
            "supply one 0/1 column per list (at least two lists)",
        ));
    }
    if names.len() > MAX_LISTS {
        return Err(Error::input(
            Location::at(source, line, None),
            format!("{} lists; at most {MAX_LISTS} are supported", names.len()),
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
                format!("list name '{n}' repeats column {}", cols[k] + 1),
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
