//! Delimited text split into rows with their true line numbers, in one pass over the bytes.
//!
//! Lines end in `\n`, `\r\n` or a lone `\r`; blank (whitespace-only) lines are skipped; each
//! line is one CSV record, parsed by one reused `csv_core` reader (quoted fields may contain
//! the delimiter, not line breaks — no capture-history file needs them); fields are trimmed.
//! The delimiter is `,`, `;` or tab, detected from the header line unless given.

use crate::error::{Error, Location, Result};

/// Delimiters that are detected.
const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];

/// The delimiter of `header`: the candidate that occurs most often outside quotes (`,` on
/// ties and when none occurs).
pub(crate) fn detect_delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in header {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..3)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        CANDIDATES[best]
    }
}

/// How a delimiter is named in messages.
pub(crate) fn delimiter_name(d: u8) -> String {
    match d {
        b',' => "comma".into(),
        b';' => "semicolon".into(),
        b'\t' => "tab".into(),
        other => format!("'{}'", char::from(other)),
    }
}

/// The input without a UTF-8 byte-order mark; an error for an empty (whitespace-only) input.
pub(crate) fn content<'a>(bytes: &'a [u8], source: &str) -> Result<&'a [u8]> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(
            Location::file(source),
            "the file is empty",
            "supply a CSV with a header row of list names and one row per capture history",
        ));
    }
    Ok(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
}

/// The first non-blank line (the header), for delimiter detection.
pub(crate) fn first_line(bytes: &[u8]) -> &[u8] {
    bytes
        .split(|&b| b == b'\n' || b == b'\r')
        .find(|l| !l.iter().all(|b| b.is_ascii_whitespace()))
        .unwrap_or(&[])
}

/// A row-by-row reader over delimited text.
pub(crate) struct Lines<'a> {
    rest: &'a [u8],
    source: &'a str,
    line_no: u64,
    rdr: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Field texts of the current row (valid until the next call).
    fields: Vec<(usize, usize)>,
}

/// One row: its 1-based line number and trimmed fields.
pub(crate) struct Line<'r> {
    /// 1-based line number in the input.
    pub line: u64,
    text: &'r [u8],
    spans: &'r [(usize, usize)],
    source: &'r str,
}

impl<'r> Line<'r> {
    /// The input's name in messages.
    pub fn source(&self) -> &'r str {
        self.source
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Field `j` (0-based) as text; an error naming the line and column if it is not UTF-8.
    pub fn field(&self, j: usize) -> Result<&'r str> {
        let (a, b) = self.spans[j];
        std::str::from_utf8(&self.text[a..b]).map_err(|_| {
            Error::input(
                Location::at(self.source, self.line, Some(j + 1)),
                "the field is not valid UTF-8 text",
                "save the file as UTF-8 (or plain ASCII) CSV",
            )
        })
    }

    /// Every field as owned text.
    pub fn to_strings(&self) -> Result<Vec<String>> {
        (0..self.len())
            .map(|j| self.field(j).map(str::to_string))
            .collect()
    }
}

impl<'a> Lines<'a> {
    /// Rows of `bytes` (without a BOM, see [`content`]) split at `delimiter`.
    pub(crate) fn new(bytes: &'a [u8], source: &'a str, delimiter: u8) -> Self {
        Self {
            rest: bytes,
            source,
            line_no: 0,
            rdr: csv_core::ReaderBuilder::new()
                .delimiter(delimiter)
                .terminator(csv_core::Terminator::Any(b'\n'))
                .build(),
            out: Vec::with_capacity(256),
            ends: Vec::with_capacity(32),
            fields: Vec::with_capacity(32),
        }
    }

    /// The next non-blank row, or `None` at the end.
    ///
    /// # Errors
    /// A line that is not valid CSV (e.g. an unterminated quote).
    pub(crate) fn next_line(&mut self) -> Result<Option<Line<'_>>> {
        loop {
            if self.rest.is_empty() {
                return Ok(None);
            }
            self.line_no += 1;
            let end = memchr_line_end(self.rest);
            let line = &self.rest[..end];
            let skip = match self.rest.get(end) {
                Some(b'\r') if self.rest.get(end + 1) == Some(&b'\n') => 2,
                Some(_) => 1,
                None => 0,
            };
            self.rest = &self.rest[end + skip..];
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            self.parse(line)?;
            return Ok(Some(Line {
                line: self.line_no,
                text: &self.out,
                spans: &self.fields,
                source: self.source,
            }));
        }
    }

    /// Split one line into trimmed fields in `out` / `fields`.
    fn parse(&mut self, line: &[u8]) -> Result<()> {
        use csv_core::ReadRecordResult as R;
        self.rdr.reset();
        if self.out.len() < line.len() + 1 {
            self.out.resize(line.len() + 1, 0);
        }
        if self.ends.len() < 16 {
            self.ends.resize(16, 0);
        }
        let mut input = line;
        let (mut nout, mut nend) = (0, 0);
        loop {
            // An empty `input` tells csv_core the data ended: it completes the record.
            let (res, nin, o, e) =
                self.rdr
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            input = &input[nin..];
            nout += o;
            nend += e;
            match res {
                R::InputEmpty => {}
                R::OutputFull => {
                    let n = self.out.len();
                    self.out.resize(2 * n + 16, 0);
                }
                R::OutputEndsFull => {
                    let n = self.ends.len();
                    self.ends.resize(2 * n + 16, 0);
                }
                R::Record | R::End => break,
            }
        }
        self.fields.clear();
        let mut start = 0;
        for &e in &self.ends[..nend] {
            self.fields.push(trim(&self.out, start, e));
            start = e;
        }
        Ok(())
    }
}

/// Field `[a, b)` without surrounding ASCII whitespace.
fn trim(buf: &[u8], mut a: usize, mut b: usize) -> (usize, usize) {
    while a < b && buf[a].is_ascii_whitespace() {
        a += 1;
    }
    while b > a && buf[b - 1].is_ascii_whitespace() {
        b -= 1;
    }
    (a, b)
}

/// Index of the first `\n` or `\r` (or the length).
fn memchr_line_end(s: &[u8]) -> usize {
    s.iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(s.len())
}

/// The error for an input with no non-blank line.
pub(crate) fn no_rows(source: &str) -> Error {
    Error::input(
        Location::file(source),
        "the file has no rows",
        "supply a header row of list names and data rows",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(s: &[u8], d: u8) -> Vec<(u64, Vec<String>)> {
        let mut l = Lines::new(s, "t", d);
        let mut v = Vec::new();
        while let Some(r) = l.next_line().unwrap() {
            v.push((r.line, r.to_strings().unwrap()));
        }
        v
    }

    #[test]
    fn lines_fields_and_numbers() {
        let v = rows(b"a, b ,c\n\n\"x,y\",2,\r\n3;4\r5", b',');
        assert_eq!(v[0], (1, vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(v[1], (3, vec!["x,y".into(), "2".into(), String::new()]));
        assert_eq!(v[2], (4, vec!["3;4".into()]));
        assert_eq!(v[3], (5, vec!["5".into()]));
        let v = rows(b"A;B;count\n1;0;3\n", b';');
        assert_eq!(v[1].1, ["1", "0", "3"]);
    }

    #[test]
    fn delimiters_are_detected() {
        assert_eq!(detect_delimiter(b"A,B,count"), b',');
        assert_eq!(detect_delimiter(b"A;B;count"), b';');
        assert_eq!(detect_delimiter(b"A\tB\tcount"), b'\t');
        assert_eq!(detect_delimiter(b"\"A;x\",B,count"), b',');
        assert_eq!(detect_delimiter(b"count"), b',');
    }
}
