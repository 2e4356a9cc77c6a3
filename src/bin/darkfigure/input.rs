//! Loading the input table as the command line says: file or stdin, layout, delimiter,
//! list selection; and what the reader warns about.

use crate::args::Input;
use darkfigure::data::io::{parse, read, ReadOptions};
use darkfigure::prelude::*;
use std::io::Read;

/// A table as loaded, with the warnings of the reader and about its lists.
pub struct Loaded {
    pub table: CaptureTable,
    pub warnings: Vec<String>,
    /// The data set's name for titles: the file's stem (`ukdat`), or `stdin`.
    pub name: String,
}

fn delimiter(d: &Option<String>) -> Result<Option<u8>> {
    let Some(d) = d else { return Ok(None) };
    Ok(Some(match d.as_str() {
        "," | "comma" => b',',
        ";" | "semicolon" => b';',
        "tab" | "\t" | "\\t" => b'\t',
        other => {
            return Err(Error::InvalidOption {
                name: "delimiter",
                value: other.into(),
                problem: "expected ',', ';' or tab".into(),
            })
        }
    }))
}

pub fn load(input: &Input) -> Result<Loaded> {
    let opts = ReadOptions {
        format: input.format,
        delimiter: delimiter(&input.delimiter)?,
        list_col: input.list_col.clone(),
        id_col: input.id_col.clone(),
    };
    let read = if input.file == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|source| Error::Io {
                file: "<stdin>".into(),
                source,
            })?;
        parse(&buf, "<stdin>", &opts)?
    } else {
        read(&input.file, &opts)?
    };
    let mut table = read.table;
    for m in &input.merge {
        let names: Vec<&str> = m.split(',').map(str::trim).collect();
        table = table.merge_lists(&names, None)?;
    }
    if !input.omit.is_empty() {
        let names: Vec<&str> = input.omit.iter().map(|s| s.trim()).collect();
        table = table.omit_lists(&names)?;
    }
    if !input.lists.is_empty() {
        let names: Vec<&str> = input.lists.iter().map(|s| s.trim()).collect();
        table = table.select_lists(&names)?;
    }
    let mut warnings = read.warnings;
    warnings.extend(table.list_warnings());
    let name = if input.file == "-" {
        "stdin".to_string()
    } else {
        std::path::Path::new(&input.file)
            .file_stem()
            .map_or_else(|| input.file.clone(), |s| s.to_string_lossy().into_owned())
    };
    Ok(Loaded {
        table,
        warnings,
        name,
    })
}
