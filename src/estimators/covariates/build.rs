//! Validation and tabulation of raw rows into a [`CovariateTable`]: levels in R's `factor()`
//! order or an explicit order, structural zeros, missing values, counts.

use super::table::{
    Covariate, CovariateTable, MissingValues, RawRow, TableSpec, Variable, MAX_CELLS, MAX_LISTS,
    MISSING_LEVEL,
};
use crate::error::{Error, Location, Result};
use std::collections::HashMap;

/// Everything a reader hands to [`build`].
pub(crate) struct Raw<'a> {
    pub source: &'a str,
    pub lists: Vec<String>,
    pub covariates: Vec<String>,
    /// 1-based input column of each covariate (for messages).
    pub columns: Vec<usize>,
    pub variables: Vec<Variable>,
    pub rows: Vec<RawRow>,
    /// One row per person: an all-zero history is always an error.
    pub records: bool,
    pub spec: &'a TableSpec,
}

fn is_missing(v: &str) -> bool {
    v.is_empty() || v == "NA"
}

/// Validate raw rows and tabulate them.
pub(crate) fn build(raw: Raw<'_>) -> Result<CovariateTable> {
    let Raw {
        source,
        lists,
        covariates,
        columns,
        variables,
        rows,
        records,
        spec,
    } = raw;
    let file = || Location::file(source);
    check_names(&lists, &covariates, source)?;
    let t = lists.len();
    // Rows kept: all-zero histories are ignored when their count is 0.
    let mut kept = Vec::with_capacity(rows.len());
    for r in rows {
        if r.history == 0 {
            if r.count == 0 && !records {
                continue;
            }
            return Err(Error::input(
                Location::at(source, r.line, None),
                "the capture history is all zeros but the row has a count (a case on no list cannot be observed)",
                "remove the row or set its count to 0; the all-zero cells are what is estimated",
            ));
        }
        if r.history >> t != 0 {
            return Err(Error::input(
                Location::at(source, r.line, None),
                format!(
                    "capture history {:#b} names lists beyond the {t} given",
                    r.history
                ),
                "give one 0/1 entry per list",
            ));
        }
        for (j, v) in r.values.iter().enumerate() {
            if is_missing(v) && spec.missing == MissingValues::Error {
                return Err(Error::input(
                    Location::at(source, r.line, Some(columns[j])),
                    format!(
                        "missing value of covariate '{}' (EM estimation for missing covariate values is not implemented yet)",
                        covariates[j]
                    ),
                    "fill in the value, drop the row, or keep missing values as their own level (MissingValues::AsLevel)",
                ));
            }
        }
        kept.push(r);
    }
    // Levels.
    let mut levels: Vec<Vec<String>> = Vec::with_capacity(covariates.len());
    for (j, name) in covariates.iter().enumerate() {
        let values: Vec<&str> = kept
            .iter()
            .map(|r| {
                if is_missing(&r.values[j]) {
                    MISSING_LEVEL
                } else {
                    r.values[j].as_str()
                }
            })
            .collect();
        let order = spec
            .level_order
            .iter()
            .find(|(c, _)| c == name)
            .map(|(_, o)| o.as_slice());
        levels.push(factor_levels(&values, order, name, source)?);
    }
    for (c, _) in &spec.level_order {
        if !covariates.contains(c) {
            return Err(Error::input(
                file(),
                format!("a level order is given for '{c}', which is not a covariate"),
                format!("name one of the covariates {covariates:?}"),
            ));
        }
    }
    let covs: Vec<Covariate> = covariates
        .iter()
        .zip(levels)
        .map(|(name, levels)| Covariate {
            name: name.clone(),
            levels,
        })
        .collect();
    let n_comb = covs
        .iter()
        .try_fold(1usize, |a, c| a.checked_mul(c.levels.len()))
        .filter(|&n| n.saturating_mul(1 << t) <= MAX_CELLS)
        .ok_or_else(|| {
            Error::input(
                file(),
                format!("the lists and covariate levels span more than {MAX_CELLS} cells"),
                "merge levels or drop covariates",
            )
        })?;
    // Structural zeros.
    let mut blocked = Vec::new();
    for sz in &spec.structural_zeros {
        let l = lists.iter().position(|x| *x == sz.list).ok_or_else(|| {
            Error::input(
                file(),
                format!(
                    "structural zero for list '{}', which is not a list",
                    sz.list
                ),
                format!("name one of the lists {lists:?}"),
            )
        })?;
        let j = covariates
            .iter()
            .position(|x| *x == sz.covariate)
            .ok_or_else(|| {
                Error::input(
                    file(),
                    format!(
                        "structural zero for covariate '{}', which is not a covariate",
                        sz.covariate
                    ),
                    format!("name one of the covariates {covariates:?}"),
                )
            })?;
        for lev in &sz.levels {
            let li = covs[j].levels.iter().position(|x| x == lev).ok_or_else(|| {
                Error::input(
                    file(),
                    format!(
                        "structural zero: level '{lev}' of covariate '{}' does not occur in the data",
                        sz.covariate
                    ),
                    format!("use one of the levels {:?}", covs[j].levels),
                )
            })?;
            blocked.push((l, j, li));
        }
    }
    // Tabulate.
    let stride = 1usize << t;
    let level_index: Vec<HashMap<&str, usize>> = covs
        .iter()
        .map(|c| {
            c.levels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.as_str(), i))
                .collect()
        })
        .collect();
    let mut dense = vec![0u64; stride * n_comb];
    let mut n_obs: u64 = 0;
    let overflow = || Error::input(file(), "the total count overflows", "check the counts");
    for r in &kept {
        let mut c = 0usize;
        let mut radix = 1usize;
        for (j, v) in r.values.iter().enumerate() {
            let v = if is_missing(v) { MISSING_LEVEL } else { v };
            c += level_index[j][v] * radix;
            radix *= covs[j].levels.len();
        }
        let blocked_here = blocked
            .iter()
            .find(|&&(l, j, lev)| r.history >> l & 1 == 1 && level_of(&covs, c, j) == lev);
        if let Some(&(l, j, lev)) = blocked_here {
            if r.count > 0 {
                return Err(Error::input(
                    Location::at(source, r.line, None),
                    format!(
                        "a count on a structural zero: list '{}' did not operate for {} = '{}'",
                        lists[l], covs[j].name, covs[j].levels[lev]
                    ),
                    "correct the row, or the structural-zero specification",
                ));
            }
            continue;
        }
        let cell = &mut dense[c * stride + r.history as usize];
        *cell = cell.checked_add(r.count).ok_or_else(overflow)?;
        n_obs = n_obs.checked_add(r.count).ok_or_else(overflow)?;
    }
    if n_obs == 0 {
        return Err(Error::input(
            file(),
            "no case is observed (all counts are 0)",
            "supply at least one capture history with a positive count",
        ));
    }
    let (mut histories, mut combinations, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    for c in 0..n_comb {
        for h in 1..stride as u32 {
            let structural = blocked
                .iter()
                .any(|&(l, j, lev)| h >> l & 1 == 1 && level_of(&covs, c, j) == lev);
            if !structural {
                histories.push(h);
                combinations.push(c);
                counts.push(dense[c * stride + h as usize]);
            }
        }
    }
    Ok(CovariateTable {
        lists,
        covariates: covs,
        variables,
        structural: spec.structural_zeros.clone(),
        blocked,
        histories,
        combinations,
        counts,
        n_combinations: n_comb,
        n_obs,
    })
}

fn level_of(covs: &[Covariate], c: usize, j: usize) -> usize {
    let mut c = c;
    for cov in &covs[..j] {
        c /= cov.levels.len();
    }
    c % covs[j].levels.len()
}

fn check_names(lists: &[String], covariates: &[String], source: &str) -> Result<()> {
    let file = || Location::file(source);
    if lists.len() < 2 || lists.len() > MAX_LISTS {
        return Err(Error::input(
            file(),
            format!(
                "{} lists; between 2 and {MAX_LISTS} are needed",
                lists.len()
            ),
            "name the list columns",
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for n in lists.iter().chain(covariates) {
        if n.is_empty() {
            return Err(Error::input(
                file(),
                "an empty list or covariate name",
                "name every column",
            ));
        }
        if seen.contains(&n.as_str()) {
            return Err(Error::input(
                file(),
                format!("the name '{n}' is used twice"),
                "give every list and covariate a distinct name",
            ));
        }
        seen.push(n);
    }
    Ok(())
}

/// Levels of one covariate: R's `factor()` order (numeric if every value is a number, else
/// byte order; `NA` last), or the explicit `order`, which must name every level that occurs
/// and nothing else.
fn factor_levels(
    values: &[&str],
    order: Option<&[String]>,
    name: &str,
    source: &str,
) -> Result<Vec<String>> {
    let mut distinct: Vec<&str> = values.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let has_na = distinct.contains(&MISSING_LEVEL);
    distinct.retain(|v| *v != MISSING_LEVEL);
    let numbers: Option<Vec<f64>> = distinct
        .iter()
        .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    if let Some(nums) = numbers {
        let mut pairs: Vec<(f64, &str)> = nums.into_iter().zip(distinct.iter().copied()).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::input(
                Location::file(source),
                format!(
                    "covariate '{name}': values '{}' and '{}' are the same number (R would merge them into one level)",
                    w[0].1, w[1].1
                ),
                "spell each level one way",
            ));
        }
        distinct = pairs.into_iter().map(|p| p.1).collect();
    }
    if has_na {
        distinct.push(MISSING_LEVEL);
    }
    let Some(order) = order else {
        return Ok(distinct.into_iter().map(String::from).collect());
    };
    for (i, l) in order.iter().enumerate() {
        if !distinct.contains(&l.as_str()) {
            return Err(Error::input(
                Location::file(source),
                format!("level '{l}' given in the order of covariate '{name}' does not occur in the data"),
                format!("the levels that occur are {distinct:?}"),
            ));
        }
        if order[..i].contains(l) {
            return Err(Error::input(
                Location::file(source),
                format!("level '{l}' is given twice in the order of covariate '{name}'"),
                "name every level once",
            ));
        }
    }
    if let Some(missing) = distinct.iter().find(|d| !order.iter().any(|o| o == *d)) {
        return Err(Error::input(
            Location::file(source),
            format!(
                "level '{missing}' of covariate '{name}' occurs in the data but is not in the given order"
            ),
            "an explicit level order must name every level",
        ));
    }
    Ok(order.to_vec())
}

impl CovariateTable {
    /// Build a table from rows `(history, covariate values, count)` given in memory.
    /// Variables are ordered lists first, then covariates. Rows with history 0 and count 0
    /// are ignored; history 0 with a positive count is an error.
    ///
    /// # Errors
    /// As the CSV readers ([`super::read`]), with `<memory>` and the row number (1-based) as
    /// the location.
    ///
    /// # Example
    /// ```
    /// use darkfigure::estimators::covariates::{CovariateTable, TableSpec};
    /// let rows = vec![(0b01, vec!["m".to_string()], 5), (0b11, vec!["f".into()], 2)];
    /// let t = CovariateTable::from_rows(vec!["A".into(), "B".into()], rows, &TableSpec::new(["sex"])).unwrap();
    /// assert_eq!(t.covariates()[0].levels, ["f", "m"]);
    /// assert_eq!(t.observed(), 7);
    /// ```
    pub fn from_rows<I>(lists: Vec<String>, rows: I, spec: &TableSpec) -> Result<Self>
    where
        I: IntoIterator<Item = (u32, Vec<String>, u64)>,
    {
        let k = spec.covariates.len();
        let raw: Vec<RawRow> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (history, values, count))| RawRow {
                line: i as u64 + 1,
                history,
                values,
                count,
            })
            .collect();
        if let Some(r) = raw.iter().find(|r| r.values.len() != k) {
            return Err(Error::input(
                Location::at("<memory>", r.line, None),
                format!("{} covariate values for {k} covariates", r.values.len()),
                "give one value per covariate named in the spec",
            ));
        }
        let mut variables: Vec<Variable> = (0..lists.len()).map(Variable::List).collect();
        variables.extend((0..k).map(Variable::Covariate));
        let columns: Vec<usize> = (0..k).map(|j| lists.len() + j + 1).collect();
        build(Raw {
            source: "<memory>",
            lists,
            covariates: spec.covariates.clone(),
            columns,
            variables,
            rows: raw,
            records: false,
            spec,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(v: &[&str]) -> Vec<String> {
        factor_levels(v, None, "x", "t").unwrap()
    }

    #[test]
    fn factor_order() {
        assert_eq!(lv(&["10", "9", "1", "10"]), ["1", "9", "10"]);
        assert_eq!(lv(&["b", "B", "a", "10", "9"]), ["10", "9", "B", "a", "b"]);
        assert_eq!(lv(&["2", "NA", "1"]), ["1", "2", "NA"]);
        assert!(factor_levels(&["1", "1.0"], None, "x", "t").is_err());
        let o = vec!["9".to_string(), "1".into()];
        assert_eq!(
            factor_levels(&["1", "9"], Some(&o), "x", "t").unwrap(),
            ["9", "1"]
        );
        let bad = vec!["9".to_string(), "7".into(), "1".into()];
        let e = factor_levels(&["1", "9"], Some(&bad), "x", "t").unwrap_err();
        assert!(e.to_string().contains("'7'"), "{e}");
        let short = vec!["9".to_string()];
        assert!(factor_levels(&["1", "9"], Some(&short), "x", "t").is_err());
    }
}
