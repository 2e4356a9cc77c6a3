//! Capture tables: `t` named lists and the number of cases with each capture history.
//!
//! A capture history is a non-empty subset of the lists, stored as a bitmask `h` with list `i`
//! (0-based, in column order) at bit `i` — list 1 is the least significant bit, the encoding of
//! MultipleSystemsEstimation (`k = 1 + Σ z_i 2^(i−1)`). The table holds a count for every one of
//! the `2^t − 1` non-empty histories, zeros included; the all-zero history (the dark figure) is
//! never observed and its slot is always 0.
//!
//! Readers for the three input layouts live in [`super::io`]; this module holds the validated
//! type and the list operations (merge, omit, drop non-informative lists).

use crate::error::{Error, Location, Result};
use serde::Serialize;

/// Largest number of lists a table may have (the full table has `2^t − 1` cells).
pub const MAX_LISTS: usize = 20;

/// Largest number of observed cases a table may have: `2^53 = 9,007,199,254,740,992`, the
/// largest integer up to which every integer is exact in a double. Fits, margins and `N̂` are
/// computed in doubles; beyond it counts are rounded (`2^53 + 1` becomes `2^53`) and the
/// existence check, the rank test and the fit no longer see the same table.
pub const MAX_OBSERVED: u64 = 1 << 53;

/// Characters a list name may not contain: they separate terms and lists in the model
/// notation (`A*B + C:D`, `A:B,C`, `[12,3]`), so a model printed with such a name could not be
/// read back.
pub const RESERVED_NAME_CHARS: &[char] = &['+', '*', ':', ',', '[', ']'];

/// A validated capture table.
///
/// Invariants (checked once, in [`CaptureTable::new`]): `2 ≤ t ≤ MAX_LISTS`, list names
/// non-empty and distinct, at least one observed case, total count fits in `u64`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaptureTable {
    names: Vec<String>,
    /// `counts[h]` for every bitmask `h` in `0..2^t`; `counts[0] == 0`.
    counts: Vec<u64>,
    /// Distinct observed histories in the order they first appeared in the input.
    input_order: Vec<u32>,
    n_obs: u64,
}

/// Why a list was dropped by [`CaptureTable::drop_non_informative`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedList {
    /// Name of the dropped list.
    pub name: String,
    /// Human-readable reason.
    pub reason: String,
}

impl CaptureTable {
    /// Build a table from list names and `(history, count)` pairs.
    ///
    /// Duplicate histories are summed; the order in which histories first appear is kept
    /// (the R packages' nonparametric bootstrap draws over input rows in input order).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] if there are fewer than 2 or more than [`MAX_LISTS`] lists, a
    /// name is empty or repeated, has a character of [`RESERVED_NAME_CHARS`] or leading or
    /// trailing white space, a history is 0 or has bits beyond the lists, the total exceeds
    /// [`MAX_OBSERVED`] (`2^53`), or no case is observed. `source` names the input in
    /// messages.
    pub fn new<I>(names: Vec<String>, rows: I, source: &str) -> Result<Self>
    where
        I: IntoIterator<Item = (u32, u64)>,
    {
        validate_names(&names, source)?;
        let t = names.len();
        let mut counts = vec![0u64; 1usize << t];
        let mut input_order = Vec::new();
        let mut n_obs: u64 = 0;
        for (h, c) in rows {
            if h == 0 || (h as usize) >= counts.len() {
                return Err(Error::input(
                    Location::file(source),
                    format!("capture history {h:#b} is empty or names lists beyond the {t} given"),
                    "every row must name at least one of the lists",
                ));
            }
            if c > 0 && counts[h as usize] == 0 {
                input_order.push(h);
            }
            counts[h as usize] = counts[h as usize]
                .checked_add(c)
                .ok_or_else(|| overflow(source))?;
            n_obs = n_obs.checked_add(c).ok_or_else(|| overflow(source))?;
        }
        if n_obs > MAX_OBSERVED {
            return Err(Error::input(
                Location::file(source),
                format!(
                    "{n_obs} cases observed; at most 2^53 = {MAX_OBSERVED} are supported (counts are computed in double precision, which is exact only up to 2^53)"
                ),
                "check the count column for corrupt values, or scale the counts down",
            ));
        }
        if n_obs == 0 {
            return Err(Error::input(
                Location::file(source),
                "no case is observed (all counts are 0)",
                "supply at least one capture history with a positive count",
            ));
        }
        Ok(Self {
            names,
            counts,
            input_order,
            n_obs,
        })
    }

    /// Build a table from list names and a dense count vector indexed by bitmask
    /// (`counts.len() == 2^t`, `counts[0]` ignored).
    ///
    /// # Errors
    /// As [`CaptureTable::new`]; also if `counts` has the wrong length.
    pub fn from_counts(names: Vec<String>, counts: &[u64]) -> Result<Self> {
        if counts.len() != 1usize << names.len().min(63) {
            return Err(Error::input(
                Location::file("<memory>"),
                format!(
                    "{} counts given for {} lists (expected 2^{} = {})",
                    counts.len(),
                    names.len(),
                    names.len(),
                    1u64 << names.len().min(63)
                ),
                "give one count per bitmask 0..2^t",
            ));
        }
        let rows = canonical_order(names.len())
            .into_iter()
            .map(|h| (h, counts[h as usize]));
        Self::new(names, rows, "<memory>")
    }

    /// The same lists with other counts (a bootstrap or jackknife table). Histories keep the
    /// input order of `self`.
    ///
    /// # Errors
    /// If `counts` has the wrong length or no positive entry.
    pub fn with_counts(&self, counts: &[u64]) -> Result<Self> {
        let mut t = Self::from_counts(self.names.clone(), counts)?;
        let mut order: Vec<u32> = self
            .input_order
            .iter()
            .copied()
            .filter(|&h| counts[h as usize] > 0)
            .collect();
        for h in canonical_order(self.lists()) {
            if counts[h as usize] > 0 && self.counts[h as usize] == 0 {
                order.push(h);
            }
        }
        t.input_order = order;
        Ok(t)
    }

    /// Number of lists `t`.
    pub fn lists(&self) -> usize {
        self.names.len()
    }

    /// List names in column order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Count of history `h` (bitmask); 0 for `h == 0`.
    ///
    /// # Panics
    /// If `h >= 2^t`.
    pub fn count(&self, h: u32) -> u64 {
        self.counts[h as usize]
    }

    /// All counts indexed by bitmask (length `2^t`, entry 0 is 0).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Observed histories (positive count) in input order.
    pub fn input_order(&self) -> &[u32] {
        &self.input_order
    }

    /// Number of observed cases `n_obs`.
    pub fn observed(&self) -> u64 {
        self.n_obs
    }

    /// Number of cases on list `i` (0-based).
    ///
    /// # Panics
    /// If `i >= t` — an index accessor like [`CaptureTable::count`] and slice indexing; list
    /// names given by a user are resolved with [`CaptureTable::list_index`], which returns
    /// `None` for an unknown name.
    pub fn list_size(&self, i: usize) -> u64 {
        assert!(
            i < self.lists(),
            "list index {i} out of range for a table of {} lists",
            self.lists()
        );
        self.margin(1 << i)
    }

    /// Margin `n*(S)`: the number of cases whose history contains every list in `s` (0 when
    /// `s` names lists beyond the table's).
    pub fn margin(&self, s: u32) -> u64 {
        self.counts
            .iter()
            .enumerate()
            .filter(|&(h, _)| (h as u32) & s == s)
            .map(|(_, &c)| c)
            .sum()
    }

    /// All margins `n*(S)` for `S` in `0..2^t` (superset sums; `n*(∅) = n_obs`).
    pub fn margins(&self) -> Vec<u64> {
        let mut m = self.counts.clone();
        superset_sums(&mut m, self.lists());
        m
    }

    /// Index of a list by name.
    pub fn list_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Positive cells in the canonical order of the R packages: by number of lists ascending,
    /// then descending binary with list 1 as the most significant digit.
    pub fn observed_cells(&self) -> Vec<u32> {
        canonical_order(self.lists())
            .into_iter()
            .filter(|&h| self.counts[h as usize] > 0)
            .collect()
    }

    /// Render a history as a 0/1 string in list order, e.g. `"110"`.
    pub fn history_string(&self, h: u32) -> String {
        (0..self.lists())
            .map(|i| if h >> i & 1 == 1 { '1' } else { '0' })
            .collect()
    }

    /// Merge several lists into one (a case is on the merged list if it is on any of them).
    /// The merged list takes the position of the first merged list and the name `name`
    /// (default: the names concatenated, e.g. `PF`+`NCA` → `PFNCA`).
    ///
    /// # Errors
    /// Unknown or repeated names, fewer than two lists to merge, or a result with fewer than
    /// two lists.
    pub fn merge_lists(&self, lists: &[&str], name: Option<&str>) -> Result<Self> {
        let idx = self.indices(lists, "merge")?;
        if idx.len() < 2 {
            return Err(Error::InvalidOption {
                name: "merge",
                value: lists.join(","),
                problem: "name at least two lists to merge".into(),
            });
        }
        let first = *idx.iter().min().expect("non-empty");
        let merged_mask: u32 = idx.iter().map(|&i| 1u32 << i).sum();
        let new_name = name
            .map(str::to_string)
            .unwrap_or_else(|| idx.iter().map(|&i| self.names[i].as_str()).collect());
        // New list order: every list not merged, with the merged list at `first`.
        let mut new_names = Vec::new();
        let mut target = vec![usize::MAX; self.lists()];
        for i in 0..self.lists() {
            if i == first {
                for &j in &idx {
                    target[j] = new_names.len();
                }
                new_names.push(new_name.clone());
            } else if merged_mask >> i & 1 == 0 {
                target[i] = new_names.len();
                new_names.push(self.names[i].clone());
            }
        }
        self.project(new_names, &target, "merge")
    }

    /// Remove lists; cases seen only on removed lists disappear from the table.
    ///
    /// # Errors
    /// Unknown or repeated names, or fewer than two lists left.
    pub fn omit_lists(&self, lists: &[&str]) -> Result<Self> {
        let idx = self.indices(lists, "omit")?;
        let mut new_names = Vec::new();
        let mut target = vec![usize::MAX; self.lists()];
        for i in 0..self.lists() {
            if !idx.contains(&i) {
                target[i] = new_names.len();
                new_names.push(self.names[i].clone());
            }
        }
        self.project(new_names, &target, "omit")
    }

    /// Drop lists that carry no information about the dark figure: empty lists, lists that
    /// contain every observed case, and lists identical to an earlier list.
    ///
    /// # Errors
    /// If fewer than two lists would remain.
    pub fn drop_non_informative(&self) -> Result<(Self, Vec<DroppedList>)> {
        let t = self.lists();
        let mut dropped = Vec::new();
        let mut drop_idx = Vec::new();
        for i in 0..t {
            let size = self.list_size(i);
            let reason = if size == 0 {
                Some("no case is on this list".to_string())
            } else if size == self.n_obs {
                Some("every observed case is on this list".to_string())
            } else {
                (0..i)
                    .filter(|j| !drop_idx.contains(j))
                    .find(|&j| self.same_list(i, j))
                    .map(|j| format!("identical to list {}", self.names[j]))
            };
            if let Some(reason) = reason {
                drop_idx.push(i);
                dropped.push(DroppedList {
                    name: self.names[i].clone(),
                    reason,
                });
            }
        }
        if dropped.is_empty() {
            return Ok((self.clone(), dropped));
        }
        let names: Vec<&str> = drop_idx.iter().map(|&i| self.names[i].as_str()).collect();
        Ok((self.omit_lists(&names)?, dropped))
    }

    fn same_list(&self, i: usize, j: usize) -> bool {
        self.counts
            .iter()
            .enumerate()
            .all(|(h, &c)| c == 0 || (h >> i & 1) == (h >> j & 1))
    }

    fn indices(&self, lists: &[&str], op: &'static str) -> Result<Vec<usize>> {
        let mut idx = Vec::new();
        for name in lists {
            let i = self.list_index(name).ok_or_else(|| {
                let hint = self
                    .names
                    .iter()
                    .find(|n| same_but_case_or_space(n, name))
                    .map_or(String::new(), |n| format!("; did you mean '{n}'?"));
                Error::InvalidOption {
                    name: op,
                    value: lists.join(","),
                    problem: format!(
                        "no list named '{name}' (the lists are {}){hint}",
                        self.names.join(", ")
                    ),
                }
            })?;
            if idx.contains(&i) {
                return Err(Error::InvalidOption {
                    name: op,
                    value: lists.join(","),
                    problem: format!("list '{name}' is named twice"),
                });
            }
            idx.push(i);
        }
        Ok(idx)
    }

    /// The same cases on the lists `lists`, in that order: the lists not named are omitted
    /// (as by [`CaptureTable::omit_lists`]), the named ones reordered.
    ///
    /// # Errors
    /// Unknown or repeated names, or fewer than two lists.
    ///
    /// # Example
    /// ```
    /// let uk = darkfigure::datasets::uk_2013();
    /// let t = uk.select_lists(&["NG", "LA", "PF"]).unwrap();
    /// assert_eq!(t.names(), ["NG", "LA", "PF"]);
    /// assert_eq!(t.list_size(0), uk.list_size(1));
    /// ```
    pub fn select_lists(&self, lists: &[&str]) -> Result<Self> {
        let idx = self.indices(lists, "lists")?;
        let mut target = vec![usize::MAX; self.lists()];
        for (new, &old) in idx.iter().enumerate() {
            target[old] = new;
        }
        let names = idx.iter().map(|&i| self.names[i].clone()).collect();
        self.project(names, &target, "lists")
    }

    /// Map every history through `target` (old list index → new index, `usize::MAX` = drop).
    fn project(&self, names: Vec<String>, target: &[usize], op: &'static str) -> Result<Self> {
        let option = |problem: String| Error::InvalidOption {
            name: op,
            value: names.join(","),
            problem,
        };
        if names.len() < 2 {
            return Err(option(format!(
                "only {} list(s) would remain ({}); multiple-systems estimation needs at least two",
                names.len(),
                names.join(", ")
            )));
        }
        if let Some((j, n)) = names
            .iter()
            .enumerate()
            .find(|(j, n)| names[..*j].contains(n))
        {
            return Err(option(format!(
                "the result would have two lists named '{n}' (lists {} and {}); name the merged list differently",
                names.iter().position(|m| m == n).unwrap_or(0) + 1,
                j + 1
            )));
        }
        let map = |h: u32| -> u32 {
            (0..self.lists())
                .filter(|&i| h >> i & 1 == 1 && target[i] != usize::MAX)
                .fold(0u32, |acc, i| acc | 1 << target[i])
        };
        let mut new_counts = vec![0u64; 1 << names.len()];
        for (h, &c) in self.counts.iter().enumerate() {
            new_counts[map(h as u32) as usize] += c;
        }
        new_counts[0] = 0;
        if new_counts.iter().all(|&c| c == 0) {
            return Err(option(
                "no case is on any of the remaining lists".to_string(),
            ));
        }
        Self::from_counts(names, &new_counts)
    }

    /// Observed histories in an order that depends on the list *names* only, not on their
    /// order: by number of lists, then by the sorted names of the lists in the history. The
    /// bootstrap draws replicate cells in this order, so a given seed gives the same
    /// replicates whatever the order of the lists or rows in the input.
    pub fn cells_by_name(&self) -> Vec<u32> {
        let key = |h: u32| {
            let mut names: Vec<&str> = (0..self.lists())
                .filter(|&i| h >> i & 1 == 1)
                .map(|i| self.names[i].as_str())
                .collect();
            names.sort_unstable();
            (h.count_ones(), names)
        };
        let mut cells: Vec<(u32, Vec<&str>)> =
            (1..(1u32 << self.lists())).map(|h| (h, key(h).1)).collect();
        cells.sort_by(|a, b| {
            a.0.count_ones()
                .cmp(&b.0.count_ones())
                .then_with(|| a.1.cmp(&b.1))
        });
        cells.into_iter().map(|(h, _)| h).collect()
    }

    /// Warnings about the lists a user should look at before trusting an estimate: names
    /// that differ only in case or spacing (a typo that splits one list in two), and lists
    /// with fewer than 5 cases.
    pub fn list_warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        for (j, a) in self.names.iter().enumerate() {
            for b in &self.names[..j] {
                if same_but_case_or_space(a, b) {
                    w.push(format!(
                        "lists '{b}' and '{a}' differ only in case or spacing: if they are one list, correct the name (a typo makes a list of its own and moves the estimate)"
                    ));
                }
            }
        }
        for (i, n) in self.names.iter().enumerate() {
            let size = self.list_size(i);
            if size < 5 {
                w.push(format!(
                    "list '{n}' has {size} case{}: too few to say much about capture; check it is not a typo or merge it",
                    if size == 1 { "" } else { "s" }
                ));
            }
        }
        w
    }
}

/// Whether two names are equal when case and white space are ignored (but not as given).
fn same_but_case_or_space(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    };
    a != b && norm(a) == norm(b)
}

fn overflow(source: &str) -> Error {
    Error::input(
        Location::file(source),
        "the total count overflows a 64-bit integer",
        "check the count column for corrupt values",
    )
}

fn validate_names(names: &[String], source: &str) -> Result<()> {
    let loc = Location::at(source, 1, None);
    if names.len() < 2 {
        return Err(Error::input(
            loc,
            format!(
                "{} list(s) found; multiple-systems estimation needs at least two",
                names.len()
            ),
            "supply a capture history with one 0/1 column per list (at least two lists)",
        ));
    }
    if names.len() > MAX_LISTS {
        return Err(Error::input(
            loc,
            format!("{} lists; at most {MAX_LISTS} are supported", names.len()),
            "merge or omit lists",
        ));
    }
    for (i, n) in names.iter().enumerate() {
        if n.trim().is_empty() {
            return Err(Error::input(
                Location::at(source, 1, Some(i + 1)),
                "empty list name",
                "give every list column a name in the header",
            ));
        }
        let reserved: Vec<char> = RESERVED_NAME_CHARS
            .iter()
            .copied()
            .filter(|c| n.contains(*c))
            .collect();
        if !reserved.is_empty() {
            let chars: Vec<String> = reserved.iter().map(|c| format!("'{c}'")).collect();
            return Err(Error::input(
                Location::at(source, 1, Some(i + 1)),
                format!(
                    "list name '{n}' contains {}, which the model notation uses to separate terms and lists ('A*B + C:D', 'A:B,C', '[12,3]'), so models with this list could not be written and read back",
                    chars.join(", ")
                ),
                "rename the list (e.g. use '_' or '-' instead)",
            ));
        }
        if n.trim() != n {
            return Err(Error::input(
                Location::at(source, 1, Some(i + 1)),
                format!("list name '{n}' begins or ends with white space"),
                "remove the spaces around the name",
            ));
        }
        if let Some(j) = names[..i].iter().position(|m| m == n) {
            return Err(Error::input(
                Location::at(source, 1, Some(i + 1)),
                format!("list name '{n}' repeats column {}", j + 1),
                "give every list a distinct name",
            ));
        }
    }
    Ok(())
}

/// Non-empty histories of `t` lists in the R packages' canonical order: by number of lists
/// ascending; within a size, descending binary with list 1 as the most significant digit.
pub fn canonical_order(t: usize) -> Vec<u32> {
    let mut cells: Vec<u32> = (1..(1u32 << t)).collect();
    // Reverse bit order so that list 1 is the most significant digit.
    let rev = |h: u32| (0..t).fold(0u32, |acc, i| acc | ((h >> i & 1) << (t - 1 - i)));
    cells.sort_by(|&a, &b| {
        a.count_ones()
            .cmp(&b.count_ones())
            .then_with(|| rev(b).cmp(&rev(a)))
    });
    cells
}

/// Pairs of `t` lists as bitmasks, in the order (1,2), (1,3), …, (1,t), (2,3), … — the
/// candidate order of the stepwise rules and the order of the summary's overlaps.
pub fn pairs(t: usize) -> Vec<u32> {
    let mut v = Vec::new();
    for i in 0..t {
        for j in i + 1..t {
            v.push((1u32 << i) | (1u32 << j));
        }
    }
    v
}

/// Label of a set of lists `s` (a term) with list names joined by `sep`, e.g. `LA:NG`;
/// `(Intercept)` for the empty set.
pub fn term_label(s: u32, names: &[String], sep: &str) -> String {
    if s == 0 {
        return "(Intercept)".into();
    }
    names
        .iter()
        .enumerate()
        .filter(|(i, _)| s >> i & 1 == 1)
        .map(|(_, n)| n.as_str())
        .collect::<Vec<_>>()
        .join(sep)
}

/// In-place superset sums (zeta transform): afterwards `v[S] = Σ_{h ⊇ S} v_before[h]`.
pub(crate) fn superset_sums<T: Copy + std::ops::AddAssign>(v: &mut [T], t: usize) {
    for i in 0..t {
        let bit = 1usize << i;
        for h in 0..v.len() {
            if h & bit == 0 {
                let add = v[h | bit];
                v[h] += add;
            }
        }
    }
}

/// In-place subset sums: afterwards `v[h] = Σ_{S ⊆ h} v_before[S]`.
pub(crate) fn subset_sums(v: &mut [f64], t: usize) {
    for i in 0..t {
        let bit = 1usize << i;
        for h in 0..v.len() {
            if h & bit != 0 {
                v[h] += v[h ^ bit];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn canonical_order_three_lists() {
        // 100, 010, 001, 110, 101, 011, 111 with list 1 at bit 0.
        assert_eq!(canonical_order(3), vec![1, 2, 4, 3, 5, 6, 7]);
    }

    #[test]
    fn margins_are_superset_sums() {
        let t = CaptureTable::new(names(&["A", "B"]), [(1, 5), (2, 7), (3, 2)], "x").unwrap();
        assert_eq!(t.margins(), vec![14, 7, 9, 2]);
        assert_eq!(t.margin(3), 2);
        assert_eq!(t.observed(), 14);
    }

    #[test]
    fn duplicates_summed_and_errors() {
        let t = CaptureTable::new(names(&["A", "B"]), [(1, 5), (1, 2)], "x").unwrap();
        assert_eq!(t.count(1), 7);
        assert!(CaptureTable::new(names(&["A"]), [(1, 5)], "x").is_err());
        assert!(CaptureTable::new(names(&["A", "A"]), [(1, 5)], "x").is_err());
        assert!(CaptureTable::new(names(&["A", "B"]), [(1, 0)], "x").is_err());
        assert!(CaptureTable::new(names(&["A", "B"]), [(0, 3)], "x").is_err());
        assert!(CaptureTable::new(names(&["A", "B"]), [(1, u64::MAX), (2, 1)], "x").is_err());
    }

    #[test]
    fn drop_non_informative_lists() {
        let t = CaptureTable::new(
            names(&["A", "B", "C", "D", "E"]),
            // A and C identical; D empty; E contains everything.
            [(0b10101, 3), (0b10010, 4), (0b10111, 2)],
            "x",
        )
        .unwrap();
        let (d, dropped) = t.drop_non_informative().unwrap();
        let gone: Vec<_> = dropped.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(gone, ["C", "D", "E"]);
        assert_eq!(d.names(), ["A", "B"]);
        assert_eq!(d.observed(), 9);
    }
}
