//! The three layouts read row by row: frequency (0/1 list columns, then a count), records
//! (one row per case) and long (one row per sighting of a case on a list). Memory grows with
//! the distinct capture histories (frequency, records) or the distinct case ids (long), never
//! with the number of rows.

use super::lines::Line;
use super::{parse_count, printable, COUNT_NAMES};
use crate::data::table::MAX_LISTS;
use crate::error::{Error, Location, Result};
use rustc_hash::FxHashMap as HashMap;

/// Histories and their summed counts in order of first appearance.
#[derive(Debug, Default)]
pub(crate) struct Histories {
    index: HashMap<u32, usize>,
    rows: Vec<(u32, u64)>,
    overflow: bool,
}

impl Histories {
    fn add(&mut self, h: u32, c: u64) {
        match self.index.get(&h) {
            Some(&i) => match self.rows[i].1.checked_add(c) {
                Some(s) => self.rows[i].1 = s,
                None => self.overflow = true,
            },
            None => {
                self.index.insert(h, self.rows.len());
                self.rows.push((h, c));
            }
        }
    }

    /// The `(history, count)` rows for [`crate::data::table::CaptureTable::new`] (which checks
    /// the total for overflow).
    pub(crate) fn into_rows(self) -> Vec<(u32, u64)> {
        let mut rows = self.rows;
        if self.overflow {
            // Let the table report the overflow with its own message.
            rows.push((rows[0].0, u64::MAX));
        }
        rows
    }
}

/// Whether a header name is one of the count names.
pub(crate) fn is_count_name(name: &str) -> bool {
    COUNT_NAMES.contains(&name.to_ascii_lowercase().as_str())
}

/// The error for a non-0/1 entry in a list column, saying what the column looks like.
fn not_binary(line: &Line<'_>, j: usize, value: &str, header: &[String]) -> Error {
    let name = header.get(j).map_or("", String::as_str);
    let loc = Location::at(line_source(line), line.line, Some(j + 1));
    let looks_like_count = parse_count(value).is_ok();
    let (problem, fix) = if is_count_name(name) {
        (
            format!(
                "list entry '{}' is not 0 or 1: column {} ('{name}') holds counts, but counts belong in the last column",
                printable(value),
                j + 1
            ),
            "move the count column to the end: a frequency table is the 0/1 list columns, then the count".to_string(),
        )
    } else if looks_like_count {
        (
            format!(
                "list entry '{}' in column {} ('{}') is not 0 or 1",
                printable(value),
                j + 1,
                printable(name)
            ),
            format!(
                "write 1 if the case is on the list, 0 if not; if column '{}' holds counts, make it the last column (or name it 'count')",
                printable(name)
            ),
        )
    } else {
        (
            format!(
                "list entry '{}' in column {} ('{}') is not 0 or 1",
                printable(value),
                j + 1,
                printable(name)
            ),
            format!(
                "write 1 if the case is on the list, 0 if not; if column '{}' identifies cases, name it 'id' (records) or read the file with `format` long",
                printable(name)
            ),
        )
    };
    Error::input(loc, problem, fix)
}

fn line_source<'a>(line: &Line<'a>) -> &'a str {
    line.source()
}

/// The 0/1 entries of `line` in columns `cols` (list `i` in the `i`-th column given) as a
/// bitmask.
pub(crate) fn history_bits(
    line: &Line<'_>,
    cols: impl IntoIterator<Item = usize>,
    header: &[String],
) -> Result<u32> {
    let mut h = 0u32;
    for (i, j) in cols.into_iter().enumerate() {
        match line.field(j)? {
            "1" => h |= 1 << i,
            "0" => {}
            other => return Err(not_binary(line, j, other, header)),
        }
    }
    Ok(h)
}

/// The count in column `col` (0-based) of a line.
pub(crate) fn count_field(line: &Line<'_>, col: usize) -> Result<u64> {
    parse_count(line.field(col)?).map_err(|p| {
        Error::input(
            Location::at(line.source(), line.line, Some(col + 1)),
            p,
            "counts must be whole numbers ≥ 0",
        )
    })
}

pub(crate) fn check_width(line: &Line<'_>, width: usize) -> Result<()> {
    if line.len() != width {
        return Err(Error::input(
            Location::at(line.source(), line.line, None),
            format!("{} fields, but the header has {width}", line.len()),
            "give every row one value per header column",
        ));
    }
    Ok(())
}

fn all_zero(line: &Line<'_>, col: usize) -> Error {
    Error::input(
        Location::at(line.source(), line.line, Some(col + 1)),
        "the capture history is all zeros (a case on no list cannot be observed)",
        "remove this row; the dark figure is what darkfigure estimates",
    )
}

/// A frequency table being read: list columns `0..width-1`, the count last.
pub(crate) struct Frequency<'h> {
    header: &'h [String],
    width: usize,
    pub(crate) histories: Histories,
}

impl<'h> Frequency<'h> {
    pub(crate) fn new(header: &'h [String]) -> Self {
        Self {
            header,
            width: header.len(),
            histories: Histories::default(),
        }
    }

    pub(crate) fn row(&mut self, line: &Line<'_>) -> Result<()> {
        check_width(line, self.width)?;
        let c = count_field(line, self.width - 1)?;
        let h = history_bits(line, 0..self.width - 1, self.header)?;
        if h == 0 {
            return Err(all_zero(line, 0));
        }
        self.histories.add(h, c);
        Ok(())
    }
}

/// Records being read: one row per case, 0/1 list columns, an optional id column ignored.
pub(crate) struct Records<'h> {
    header: &'h [String],
    /// The list columns.
    cols: Vec<usize>,
    pub(crate) histories: Histories,
}

impl<'h> Records<'h> {
    pub(crate) fn new(header: &'h [String], id_col: Option<usize>) -> Self {
        Self {
            header,
            cols: (0..header.len()).filter(|&j| Some(j) != id_col).collect(),
            histories: Histories::default(),
        }
    }

    pub(crate) fn row(&mut self, line: &Line<'_>) -> Result<()> {
        check_width(line, self.header.len())?;
        let h = history_bits(line, self.cols.iter().copied(), self.header)?;
        if h == 0 {
            return Err(all_zero(line, self.cols[0]));
        }
        self.histories.add(h, 1);
        Ok(())
    }

    /// The list names.
    pub(crate) fn names(&self) -> Vec<String> {
        self.cols.iter().map(|&j| self.header[j].clone()).collect()
    }
}

/// Long format being read: `(list, id)` per row.
pub(crate) struct Long {
    list_col: usize,
    id_col: usize,
    width: usize,
    pub(crate) lists: Vec<String>,
    by_id: HashMap<String, u32>,
    id_order: Vec<String>,
}

impl Long {
    pub(crate) fn new(width: usize, list_col: usize, id_col: usize) -> Self {
        Self {
            list_col,
            id_col,
            width,
            lists: Vec::new(),
            by_id: HashMap::default(),
            id_order: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, line: &Line<'_>) -> Result<()> {
        check_width(line, self.width)?;
        let list = line.field(self.list_col)?;
        let id = line.field(self.id_col)?;
        for (v, col) in [(list, self.list_col), (id, self.id_col)] {
            if v.is_empty() {
                return Err(Error::input(
                    Location::at(line.source(), line.line, Some(col + 1)),
                    "empty value",
                    "every row needs a list name and a case id",
                ));
            }
        }
        let li = match self.lists.iter().position(|l| l == list) {
            Some(i) => i,
            None => {
                if self.lists.len() == MAX_LISTS {
                    return Err(Error::input(
                        Location::at(line.source(), line.line, Some(self.list_col + 1)),
                        format!("more than {MAX_LISTS} distinct lists"),
                        "merge lists before estimating",
                    ));
                }
                self.lists.push(list.to_string());
                self.lists.len() - 1
            }
        };
        match self.by_id.get_mut(id) {
            Some(h) => *h |= 1 << li,
            None => {
                self.by_id.insert(id.to_string(), 1 << li);
                self.id_order.push(id.to_string());
            }
        }
        Ok(())
    }

    /// `(history, 1)` per case, in order of first appearance.
    pub(crate) fn into_rows(self) -> (Vec<String>, Vec<(u32, u64)>) {
        let mut h = Histories::default();
        for id in &self.id_order {
            h.add(self.by_id[id], 1);
        }
        (self.lists, h.into_rows())
    }
}
