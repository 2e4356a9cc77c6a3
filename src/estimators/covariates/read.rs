//! CSV readers for [`CovariateTable`]: frequency tables, one row per person, and long format.
//!
//! Every problem is reported with file, line and (where it concerns one field) column, and a
//! fix. Lines end in `\n`, `\r\n` or `\r`; blank lines are skipped; fields are trimmed.

use super::build::{build, Raw};
use super::table::{CovariateTable, RawRow, TableSpec, Variable};
use crate::error::{Error, Location, Result};
use std::collections::HashMap;
use std::path::Path;

struct Row {
    line: u64,
    fields: Vec<String>,
}

fn read_file(path: &Path) -> Result<(Vec<u8>, String)> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        file: name.clone(),
        source,
    })?;
    Ok((bytes, name))
}

fn split(bytes: &[u8], source: &str) -> Result<Vec<Row>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rows = Vec::new();
    let mut rest = bytes;
    let mut line = 0u64;
    while !rest.is_empty() {
        line += 1;
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let text = &rest[..end];
        let skip = match rest.get(end) {
            Some(b'\r') if rest.get(end + 1) == Some(&b'\n') => 2,
            Some(_) => 1,
            None => 0,
        };
        rest = &rest[end + skip..];
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let fields = std::str::from_utf8(text)
            .map_err(|e| e.to_string())
            .and_then(split_line)
            .map_err(|e| {
                Error::input(
                    Location::at(source, line, None),
                    format!("not valid UTF-8 CSV: {e}"),
                    "save the file as comma-separated UTF-8 text",
                )
            })?;
        rows.push(Row { line, fields });
    }
    if rows.len() < 2 {
        return Err(Error::input(
            Location::file(source),
            "no data rows",
            "supply a header row and at least one data row",
        ));
    }
    Ok(rows)
}

/// Split one CSV line into trimmed fields; a field may be quoted (`"a, b"`, `""` for a quote).
fn split_line(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
            chars.next();
        }
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => return Err("unterminated quoted field".into()),
                }
            }
            while chars.peek().is_some_and(|c| *c != ',') {
                let c = chars.next().unwrap_or(' ');
                if !c.is_whitespace() {
                    return Err(format!("text after a closing quote: '{c}'"));
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                field.push(c);
                chars.next();
            }
            let t = field.trim_end().len();
            field.truncate(t);
        }
        fields.push(field);
        if chars.next().is_none() {
            return Ok(fields);
        }
    }
}

fn column(header: &Row, name: &str, what: &str, source: &str) -> Result<usize> {
    header.fields.iter().position(|f| f == name).ok_or_else(|| {
        Error::input(
            Location::at(source, header.line, None),
            format!("{what} '{name}' is not a column of the header"),
            format!("the columns are {:?}", header.fields),
        )
    })
}

fn check_width(row: &Row, width: usize, source: &str) -> Result<()> {
    if row.fields.len() == width {
        return Ok(());
    }
    Err(Error::input(
        Location::at(source, row.line, None),
        format!("{} fields, but the header has {width}", row.fields.len()),
        "give every row one value per header column",
    ))
}

fn bit(row: &Row, col: usize, source: &str) -> Result<bool> {
    match row.fields[col].as_str() {
        "1" => Ok(true),
        "0" => Ok(false),
        other => Err(Error::input(
            Location::at(source, row.line, Some(col + 1)),
            format!("list entry '{other}' is not 0 or 1"),
            "write 1 if the case is on the list, 0 if not",
        )),
    }
}

fn count(row: &Row, col: usize, source: &str) -> Result<u64> {
    let s = row.fields[col].as_str();
    let bad = |p: String| {
        Error::input(
            Location::at(source, row.line, Some(col + 1)),
            p,
            "counts must be whole numbers ≥ 0",
        )
    };
    if let Ok(v) = s.parse::<u64>() {
        return Ok(v);
    }
    match s.parse::<f64>() {
        Ok(x) if x >= 0.0 && x.fract() == 0.0 && x < 9_007_199_254_740_992.0 => Ok(x as u64),
        Ok(_) => Err(bad(format!("count '{s}' is not a whole number ≥ 0"))),
        Err(_) => Err(bad(format!("count '{s}' is not a number"))),
    }
}

/// Split the header into list, covariate and other columns.
struct Layout {
    lists: Vec<String>,
    list_cols: Vec<usize>,
    cov_cols: Vec<usize>,
    variables: Vec<Variable>,
}

fn layout(header: &Row, spec: &TableSpec, exclude: &[usize], source: &str) -> Result<Layout> {
    let cov_cols = spec
        .covariates
        .iter()
        .map(|c| column(header, c, "covariate", source))
        .collect::<Result<Vec<_>>>()?;
    let list_cols: Vec<usize> = match &spec.lists {
        Some(l) => l
            .iter()
            .map(|c| column(header, c, "list", source))
            .collect::<Result<_>>()?,
        None => (0..header.fields.len())
            .filter(|j| !cov_cols.contains(j) && !exclude.contains(j))
            .collect(),
    };
    if let Some(j) = list_cols.iter().find(|j| cov_cols.contains(j)) {
        return Err(Error::input(
            Location::at(source, header.line, Some(j + 1)),
            format!(
                "column '{}' is named both as a list and as a covariate",
                header.fields[*j]
            ),
            "name each column once",
        ));
    }
    let mut variables = Vec::new();
    for j in 0..header.fields.len() {
        if let Some(i) = list_cols.iter().position(|&c| c == j) {
            variables.push(Variable::List(i));
        } else if let Some(k) = cov_cols.iter().position(|&c| c == j) {
            variables.push(Variable::Covariate(k));
        }
    }
    Ok(Layout {
        lists: list_cols
            .iter()
            .map(|&j| header.fields[j].clone())
            .collect(),
        list_cols,
        cov_cols,
        variables,
    })
}

impl CovariateTable {
    /// Read a frequency table: 0/1 list columns, covariate columns, a count column
    /// ([`TableSpec::count`], default `count`). Duplicate cells are summed; cells not in the
    /// file are sampling zeros. Rows with an all-zero history and count 0 are ignored (tables
    /// written for the R packages contain them).
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::InvalidInput`] with file:line:column for a malformed entry, an
    /// unknown column, a missing covariate value, a count on an all-zero history or a
    /// structural zero; see also [`TableSpec`].
    pub fn read_frequency(path: impl AsRef<Path>, spec: &TableSpec) -> Result<Self> {
        let (bytes, name) = read_file(path.as_ref())?;
        Self::parse_frequency(&bytes, &name, spec)
    }

    /// [`CovariateTable::read_frequency`] from bytes; `source` names the input in messages.
    ///
    /// # Errors
    /// As [`CovariateTable::read_frequency`].
    ///
    /// # Example
    /// ```
    /// use darkfigure::estimators::covariates::{CovariateTable, TableSpec};
    /// let csv = b"A,B,sex,count\n1,0,f,3\n0,1,m,2\n1,1,m,1\n0,0,f,0\n";
    /// let t = CovariateTable::parse_frequency(csv, "mem", &TableSpec::new(["sex"])).unwrap();
    /// assert_eq!((t.n_cells(), t.n_combinations(), t.observed()), (6, 2, 6));
    /// ```
    pub fn parse_frequency(bytes: &[u8], source: &str, spec: &TableSpec) -> Result<Self> {
        let rows = split(bytes, source)?;
        let header = &rows[0];
        let cc = column(header, spec.count_name(), "count column", source)?;
        let lay = layout(header, spec, &[cc], source)?;
        let mut raw = Vec::with_capacity(rows.len() - 1);
        for row in &rows[1..] {
            check_width(row, header.fields.len(), source)?;
            let mut h = 0u32;
            for (i, &j) in lay.list_cols.iter().enumerate() {
                h |= u32::from(bit(row, j, source)?) << i;
            }
            raw.push(RawRow {
                line: row.line,
                history: h,
                values: lay
                    .cov_cols
                    .iter()
                    .map(|&j| row.fields[j].clone())
                    .collect(),
                count: count(row, cc, source)?,
            });
        }
        build(Raw {
            source,
            lists: lay.lists,
            covariates: spec.covariates.clone(),
            columns: lay.cov_cols.iter().map(|j| j + 1).collect(),
            variables: lay.variables,
            rows: raw,
            records: false,
            spec,
        })
    }

    /// Read one row per person: 0/1 list columns and covariate columns (a column named `id`
    /// is ignored when the lists are not named). A person on no list is an error.
    ///
    /// # Errors
    /// As [`CovariateTable::read_frequency`].
    pub fn read_records(path: impl AsRef<Path>, spec: &TableSpec) -> Result<Self> {
        let (bytes, name) = read_file(path.as_ref())?;
        Self::parse_records(&bytes, &name, spec)
    }

    /// [`CovariateTable::read_records`] from bytes.
    ///
    /// # Errors
    /// As [`CovariateTable::read_frequency`].
    pub fn parse_records(bytes: &[u8], source: &str, spec: &TableSpec) -> Result<Self> {
        let rows = split(bytes, source)?;
        let header = &rows[0];
        let id: Vec<usize> = header
            .fields
            .iter()
            .position(|f| f.eq_ignore_ascii_case("id"))
            .into_iter()
            .collect();
        let lay = layout(header, spec, &id, source)?;
        let mut raw = Vec::with_capacity(rows.len() - 1);
        for row in &rows[1..] {
            check_width(row, header.fields.len(), source)?;
            let mut h = 0u32;
            for (i, &j) in lay.list_cols.iter().enumerate() {
                h |= u32::from(bit(row, j, source)?) << i;
            }
            raw.push(RawRow {
                line: row.line,
                history: h,
                values: lay
                    .cov_cols
                    .iter()
                    .map(|&j| row.fields[j].clone())
                    .collect(),
                count: 1,
            });
        }
        build(Raw {
            source,
            lists: lay.lists,
            covariates: spec.covariates.clone(),
            columns: lay.cov_cols.iter().map(|j| j + 1).collect(),
            variables: lay.variables,
            rows: raw,
            records: true,
            spec,
        })
    }

    /// Read long format: one row per sighting with a list column and an id column
    /// ([`TableSpec::long_columns`], default `list` and `id`) and the covariate columns. A
    /// person's covariates must agree on all of their rows (a conflict is an error naming both
    /// lines). Lists are [`TableSpec::lists`] if given, else in order of first appearance.
    ///
    /// # Errors
    /// As [`CovariateTable::read_frequency`]; also a conflicting covariate value, an empty list
    /// or id, or a list not among [`TableSpec::lists`].
    pub fn read_long(path: impl AsRef<Path>, spec: &TableSpec) -> Result<Self> {
        let (bytes, name) = read_file(path.as_ref())?;
        Self::parse_long(&bytes, &name, spec)
    }

    /// [`CovariateTable::read_long`] from bytes.
    ///
    /// # Errors
    /// As [`CovariateTable::read_long`].
    ///
    /// # Example
    /// ```
    /// use darkfigure::estimators::covariates::{CovariateTable, TableSpec};
    /// let csv = b"list,id,age\nA,1,young\nB,1,young\nB,2,old\n";
    /// let t = CovariateTable::parse_long(csv, "mem", &TableSpec::new(["age"])).unwrap();
    /// assert_eq!((t.lists(), t.observed()), (2, 2));
    /// ```
    pub fn parse_long(bytes: &[u8], source: &str, spec: &TableSpec) -> Result<Self> {
        let rows = split(bytes, source)?;
        let header = &rows[0];
        let (ln, idn) = spec
            .long_columns
            .clone()
            .unwrap_or_else(|| ("list".into(), "id".into()));
        let lc = column(header, &ln, "list column", source)?;
        let ic = column(header, &idn, "id column", source)?;
        let cov_cols = spec
            .covariates
            .iter()
            .map(|c| column(header, c, "covariate", source))
            .collect::<Result<Vec<_>>>()?;
        let mut lists: Vec<String> = spec.lists.clone().unwrap_or_default();
        let fixed = spec.lists.is_some();
        // id → (index into people)
        let mut by_id: HashMap<String, usize> = HashMap::new();
        let mut people: Vec<RawRow> = Vec::new();
        for row in &rows[1..] {
            check_width(row, header.fields.len(), source)?;
            for col in [lc, ic] {
                if row.fields[col].is_empty() {
                    return Err(Error::input(
                        Location::at(source, row.line, Some(col + 1)),
                        "empty value",
                        "every row needs a list name and a person id",
                    ));
                }
            }
            let list = &row.fields[lc];
            let li = match lists.iter().position(|l| l == list) {
                Some(i) => i,
                None if fixed => {
                    return Err(Error::input(
                        Location::at(source, row.line, Some(lc + 1)),
                        format!("list '{list}' is not one of the lists named {lists:?}"),
                        "correct the list name or add it to the lists",
                    ))
                }
                None if lists.len() == super::table::MAX_LISTS => {
                    return Err(Error::input(
                        Location::at(source, row.line, Some(lc + 1)),
                        format!("more than {} distinct lists", super::table::MAX_LISTS),
                        "merge lists before estimating",
                    ))
                }
                None => {
                    lists.push(list.clone());
                    lists.len() - 1
                }
            };
            let values: Vec<String> = cov_cols.iter().map(|&j| row.fields[j].clone()).collect();
            let id = &row.fields[ic];
            match by_id.get(id) {
                None => {
                    by_id.insert(id.clone(), people.len());
                    people.push(RawRow {
                        line: row.line,
                        history: 1 << li,
                        values,
                        count: 1,
                    });
                }
                Some(&p) => {
                    let person = &mut people[p];
                    person.history |= 1 << li;
                    for (k, v) in values.iter().enumerate() {
                        if *v != person.values[k] {
                            return Err(Error::input(
                                Location::at(source, row.line, Some(cov_cols[k] + 1)),
                                format!(
                                    "person '{id}' has {} = '{}' here but '{}' on line {}",
                                    spec.covariates[k], v, person.values[k], person.line
                                ),
                                "give each person one value of every covariate",
                            ));
                        }
                    }
                }
            }
        }
        let mut variables: Vec<Variable> = (0..lists.len()).map(Variable::List).collect();
        variables.extend((0..cov_cols.len()).map(Variable::Covariate));
        build(Raw {
            source,
            lists,
            covariates: spec.covariates.clone(),
            columns: cov_cols.iter().map(|j| j + 1).collect(),
            variables,
            rows: people,
            records: true,
            spec,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::split_line;

    #[test]
    fn csv_fields() {
        assert_eq!(split_line("a, b ,c").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            split_line("\"x, y\",\"q\"\"\",").unwrap(),
            ["x, y", "q\"", ""]
        );
        assert!(split_line("\"open").is_err());
        assert!(split_line("\"a\"b,c").is_err());
    }
}
