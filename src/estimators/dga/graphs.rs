//! Decomposable (chordal) graphs on `t ≤ 8` labelled vertices, enumerated one at a time.
//!
//! # Enumeration
//!
//! Vertices `0, 1, …, t−1` (vertex `i` is list `i`) are added in order. Vertex `d` joins the
//! chordal graph `H` on `0..d` with a neighbourhood `N ⊆ {0..d−1}`, tried in increasing order
//! of the bitmask `N`. Every induced subgraph of a chordal graph is chordal, so each chordal
//! graph on `t` vertices is reached exactly once, through `N_d = adj(d) ∩ {0..d−1}`, and only
//! chordal prefixes are extended (79 million candidate extensions for `t = 8` instead of 2^28
//! edge sets). The enumeration order is therefore lexicographic in `(N_1, N_2, …, N_{t−1})`;
//! it is *not* dga's package order (graphs are compared by clique set, not by index).
//!
//! The extension test: `H + v` (with `N(v) = N`) has a chordless cycle through `v` exactly when
//! two non-adjacent vertices `a, b ∈ N` are joined by a path whose inner vertices avoid `N`. So
//! `H + v` is chordal if and only if, for every connected component `K` of `H − N`, the
//! vertices of `N` adjacent to `K` form a clique of `H`. With adjacency bitmasks this is a few
//! dozen word operations.
//!
//! # Cliques and separators
//!
//! Each emitted graph carries its maximal cliques and the multiset of non-empty separators of
//! a junction tree, found by maximum-cardinality search (Blair & Peyton 1993, Algorithm 4.8):
//! a new clique starts whenever the number of already numbered neighbours of the next vertex
//! does not grow, and its numbered neighbourhood is the separator to the clique tree built so
//! far (empty when a new connected component starts; empty separators are left out). The
//! separator multiset does not depend on the junction tree chosen.
//!
//! # References
//!
//! Blair, J. R. S. & Peyton, B. (1993). An introduction to chordal graphs and clique trees.
//! In *Graph Theory and Sparse Matrix Computation*, 1–29. Counts: OEIS A058862.

use crate::error::{Error, Result};

/// Most lists whose graphs are enumerated (masks are bytes; 2,192,816,760 graphs for 9).
pub const MAX_LISTS: usize = 8;

/// Number of labelled chordal graphs on `t` vertices, `t = 0..=15` (OEIS A058862, with
/// `a(0) = 1`), as decimal strings since the larger ones exceed `u64`.
pub const CHORDAL_GRAPH_COUNTS: [&str; 16] = [
    "1",
    "1",
    "2",
    "8",
    "61",
    "822",
    "18154",
    "617675",
    "30888596",
    "2192816760",
    "215488096587",
    "28791414081916",
    "5165908492061926",
    "1234777416771739141",
    "391374602835914994534",
    "164188178238479142509452",
];

/// The number of decomposable graphs on `t` labelled vertices without a clique-size limit, for
/// `t ≤ 8` (the ones [`ChordalGraphs`] enumerates).
pub fn graph_count(t: usize) -> Option<u64> {
    if t <= MAX_LISTS {
        CHORDAL_GRAPH_COUNTS[t].parse().ok()
    } else {
        None
    }
}

/// A decomposable graph: its maximal cliques and junction-tree separators as bitmasks
/// (list `i` is bit `i`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Graph {
    cliques: [u32; MAX_LISTS],
    separators: [u32; MAX_LISTS],
    adjacency: [u8; MAX_LISTS],
    n_cliques: u8,
    n_separators: u8,
}

impl Graph {
    /// The maximal cliques, in the order maximum-cardinality search found them.
    pub fn cliques(&self) -> &[u32] {
        &self.cliques[..self.n_cliques as usize]
    }

    /// The non-empty separators of a junction tree (a multiset; may be empty).
    pub fn separators(&self) -> &[u32] {
        &self.separators[..self.n_separators as usize]
    }

    /// Number of connected components (`#cliques − #non-empty separators`).
    pub fn components(&self) -> usize {
        (self.n_cliques - self.n_separators) as usize
    }

    /// Neighbours of vertex `v` as a bitmask (0 for `v ≥ t`).
    pub fn neighbours(&self, v: usize) -> u32 {
        self.adjacency.get(v).map_or(0, |&a| a as u32)
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.adjacency
            .iter()
            .map(|a| a.count_ones() as usize)
            .sum::<usize>()
            / 2
    }

    /// Size of the largest clique.
    pub fn max_clique(&self) -> usize {
        self.cliques()
            .iter()
            .map(|c| c.count_ones() as usize)
            .max()
            .unwrap_or(0)
    }

    /// Build the graph's cliques and separators from an adjacency of `t` vertices by
    /// maximum-cardinality search. Returns `None` if the graph is not chordal.
    pub fn from_adjacency(t: usize, adjacency: &[u32]) -> Option<Graph> {
        if t == 0 || t > MAX_LISTS || adjacency.len() < t {
            return None;
        }
        let all = (1u32 << t) - 1;
        let mut adj = [0u8; MAX_LISTS];
        for v in 0..t {
            let a = adjacency[v] & all & !(1 << v);
            adj[v] = a as u8;
        }
        for v in 0..t {
            for u in 0..t {
                if (adj[v] >> u) & 1 != (adj[u] >> v) & 1 {
                    return None;
                }
            }
        }
        let g = mcs(t, &adj);
        // A perfect elimination check: every clique-tree step must have a complete numbered
        // neighbourhood; `mcs` verifies it and reports failure by returning no cliques.
        (g.n_cliques > 0).then_some(g)
    }
}

/// Maximum-cardinality search with clique and separator extraction (Blair & Peyton). If the
/// numbered neighbourhood of some vertex is not complete the graph is not chordal and a graph
/// with no cliques is returned.
fn mcs(t: usize, adj: &[u8; MAX_LISTS]) -> Graph {
    let mut g = Graph {
        cliques: [0; MAX_LISTS],
        separators: [0; MAX_LISTS],
        adjacency: *adj,
        n_cliques: 0,
        n_separators: 0,
    };
    let mut numbered: u32 = 0;
    let mut weight = [0u32; MAX_LISTS];
    let mut prev_card: u32 = 0;
    let mut current: u32 = 0;
    for step in 0..t {
        // Unnumbered vertex with the most numbered neighbours (smallest index on ties).
        let mut best = usize::MAX;
        let mut best_w = 0;
        for v in 0..t {
            if numbered >> v & 1 == 0 && (best == usize::MAX || weight[v] > best_w) {
                best = v;
                best_w = weight[v];
            }
        }
        let v = best;
        let madj = adj[v] as u32 & numbered;
        // Chordality: the numbered neighbourhood must be a clique.
        let mut rest = madj;
        while rest != 0 {
            let u = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            if (adj[u] as u32 | 1 << u) & madj != madj {
                g.n_cliques = 0;
                g.n_separators = 0;
                return g;
            }
        }
        let card = madj.count_ones();
        if step > 0 && card <= prev_card {
            g.cliques[g.n_cliques as usize] = current;
            g.n_cliques += 1;
            if madj != 0 {
                g.separators[g.n_separators as usize] = madj;
                g.n_separators += 1;
            }
            current = madj | 1 << v;
        } else {
            current |= 1 << v;
        }
        prev_card = card;
        numbered |= 1 << v;
        let mut nb = adj[v] as u32 & !numbered;
        while nb != 0 {
            let u = nb.trailing_zeros() as usize;
            nb &= nb - 1;
            weight[u] += 1;
        }
    }
    g.cliques[g.n_cliques as usize] = current;
    g.n_cliques += 1;
    g
}

/// Size of the largest clique of the subgraph of `adj` induced by `set` (tiny exact search).
fn clique_number(adj: &[u8; MAX_LISTS], set: u32) -> u32 {
    if set == 0 {
        return 0;
    }
    let v = set.trailing_zeros();
    let with = 1 + clique_number(adj, set & adj[v as usize] as u32);
    let rest = set & !(1 << v);
    // Without v only helps if the rest could beat `with`.
    if rest.count_ones() < with {
        with
    } else {
        with.max(clique_number(adj, rest))
    }
}

/// Streaming enumeration of the decomposable graphs on `t` vertices (see the module docs for
/// the order), optionally only those whose cliques have at most `max_clique` vertices.
#[derive(Debug, Clone)]
pub struct ChordalGraphs {
    t: usize,
    max_clique: u32,
    /// Vertices placed so far (`0..depth`).
    depth: usize,
    adj: [u8; MAX_LISTS],
    /// Next neighbourhood mask to try for vertex `d`.
    next: [u32; MAX_LISTS + 1],
    /// Clique number of the graph on `0..d`.
    omega: [u32; MAX_LISTS + 1],
    done: bool,
}

impl ChordalGraphs {
    /// Enumerate the decomposable graphs on `t` vertices with cliques of at most `max_clique`
    /// vertices (`None`: no limit).
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for `t = 0` or `max_clique = Some(0)`;
    /// [`Error::ModelSpaceTooLarge`] for `t > 8` (the message gives the number of graphs).
    pub fn new(t: usize, max_clique: Option<usize>) -> Result<Self> {
        if t == 0 {
            return Err(Error::InvalidOption {
                name: "lists",
                value: "0".into(),
                problem: "a graph needs at least one vertex".into(),
            });
        }
        if t > MAX_LISTS {
            return Err(too_many_lists(t, max_clique));
        }
        if max_clique == Some(0) {
            return Err(Error::InvalidOption {
                name: "max_clique",
                value: "0".into(),
                problem: "cliques have at least one vertex; use 1 for the independence graph only"
                    .into(),
            });
        }
        let k = max_clique.unwrap_or(t).min(t) as u32;
        let mut omega = [0; MAX_LISTS + 1];
        omega[1] = 1;
        Ok(Self {
            t,
            max_clique: k,
            depth: 1,
            adj: [0; MAX_LISTS],
            next: [0; MAX_LISTS + 1],
            omega,
            done: false,
        })
    }

    /// Number of graphs, by running the enumeration (for `max_clique = None` see
    /// [`graph_count`]).
    pub fn count(t: usize, max_clique: Option<usize>) -> Result<u64> {
        if max_clique.is_none_or(|k| k >= t) {
            if let Some(c) = graph_count(t) {
                return Ok(c);
            }
        }
        let mut it = Self::new(t, max_clique)?;
        let mut c = 0u64;
        while it.advance() {
            c += 1;
        }
        Ok(c)
    }

    /// Can vertex `d` join the current graph on `0..d` with neighbourhood `nb`?
    fn extends(&self, d: usize, nb: u32) -> bool {
        let placed = (1u32 << d) - 1;
        let mut rest = placed & !nb;
        while rest != 0 {
            // The component of H − N containing the lowest vertex of `rest`.
            let mut comp = rest & rest.wrapping_neg();
            let mut frontier = comp;
            let mut reach = 0u32;
            while frontier != 0 {
                let v = frontier.trailing_zeros() as usize;
                frontier &= frontier - 1;
                let a = self.adj[v] as u32;
                reach |= a;
                let new = a & rest & !comp;
                comp |= new;
                frontier |= new;
            }
            rest &= !comp;
            let attach = reach & nb;
            let mut s = attach;
            while s != 0 {
                let a = s.trailing_zeros() as usize;
                s &= s - 1;
                if (self.adj[a] as u32 | 1 << a) & attach != attach {
                    return false;
                }
            }
        }
        true
    }

    fn place(&mut self, d: usize, nb: u32) {
        self.adj[d] = nb as u8;
        let mut s = nb;
        while s != 0 {
            let u = s.trailing_zeros() as usize;
            s &= s - 1;
            self.adj[u] |= 1 << d;
        }
    }

    fn remove(&mut self, d: usize) {
        let nb = self.adj[d] as u32;
        self.adj[d] = 0;
        let mut s = nb;
        while s != 0 {
            let u = s.trailing_zeros() as usize;
            s &= s - 1;
            self.adj[u] &= !(1 << d);
        }
    }

    /// Move to the next graph; `false` when the enumeration is over. The current graph is
    /// the adjacency in `self.adj` (all `t` vertices placed).
    fn advance(&mut self) -> bool {
        if self.done {
            return false;
        }
        if self.depth == self.t {
            // The previous graph was emitted (or t = 1 starts here): step back.
            if self.t == 1 {
                if self.next[1] == 0 {
                    self.next[1] = 1;
                    return true;
                }
                self.done = true;
                return false;
            }
            self.depth -= 1;
            self.remove(self.depth);
        }
        loop {
            let d = self.depth;
            let limit = 1u32 << d;
            let mut placed = false;
            while self.next[d] < limit {
                let nb = self.next[d];
                self.next[d] += 1;
                if !self.extends(d, nb) {
                    continue;
                }
                let omega = if self.max_clique < self.t as u32 {
                    let w = self.omega[d].max(1 + clique_number(&self.adj, nb));
                    if w > self.max_clique {
                        continue;
                    }
                    w
                } else {
                    0
                };
                self.place(d, nb);
                self.omega[d + 1] = omega;
                self.depth = d + 1;
                placed = true;
                break;
            }
            if placed {
                if self.depth == self.t {
                    return true;
                }
                self.next[self.depth] = 0;
                continue;
            }
            // Vertex d exhausted: back to vertex d − 1.
            if d == 1 {
                self.done = true;
                return false;
            }
            self.depth = d - 1;
            self.remove(d - 1);
        }
    }
}

impl Iterator for ChordalGraphs {
    type Item = Graph;

    fn next(&mut self) -> Option<Graph> {
        if self.advance() {
            Some(mcs(self.t, &self.adj))
        } else {
            None
        }
    }
}

/// The error for more lists than the enumeration supports.
pub(crate) fn too_many_lists(t: usize, max_clique: Option<usize>) -> Error {
    let count = CHORDAL_GRAPH_COUNTS
        .get(t)
        .map_or_else(|| "more than 1.6e23".to_string(), |c| group_digits(c));
    Error::ModelSpaceTooLarge {
        lists: t,
        max_order: max_clique.unwrap_or(t).min(t),
        count,
        limit: graph_count(MAX_LISTS).unwrap_or(0),
        suggestion: format!(
            "graph averaging enumerates every decomposable graph and supports at most {MAX_LISTS} \
             lists (30,888,596 graphs); merge or omit lists"
        ),
    }
}

/// `"30888596"` → `"30,888,596"`.
pub(crate) fn group_digits(s: &str) -> String {
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force: all edge sets, chordality by the MCS check.
    fn brute_count(t: usize) -> u64 {
        let pairs: Vec<(usize, usize)> = (0..t)
            .flat_map(|i| (i + 1..t).map(move |j| (i, j)))
            .collect();
        let mut c = 0;
        for e in 0u64..(1 << pairs.len()) {
            let mut adj = [0u32; MAX_LISTS];
            for (k, &(i, j)) in pairs.iter().enumerate() {
                if e >> k & 1 == 1 {
                    adj[i] |= 1 << j;
                    adj[j] |= 1 << i;
                }
            }
            if Graph::from_adjacency(t, &adj).is_some() {
                c += 1;
            }
        }
        c
    }

    #[test]
    fn counts_match_a058862() {
        for t in 1..=7 {
            let n = ChordalGraphs::new(t, None).unwrap().count() as u64;
            assert_eq!(n, graph_count(t).unwrap(), "t = {t}");
        }
        for t in 1..=5 {
            assert_eq!(brute_count(t), graph_count(t).unwrap(), "brute t = {t}");
        }
    }

    #[test]
    fn cliques_and_separators_are_consistent() {
        for t in 1..=6 {
            for g in ChordalGraphs::new(t, None).unwrap() {
                // Σ|C| − Σ|S| = t for a junction tree with empty separators left out.
                let sc: u32 = g.cliques().iter().map(|c| c.count_ones()).sum();
                let ss: u32 = g.separators().iter().map(|s| s.count_ones()).sum();
                assert_eq!(sc - ss, t as u32);
                // Every clique is complete and maximal; every edge lies in a clique.
                for &c in g.cliques() {
                    for v in 0..t {
                        if c >> v & 1 == 1 {
                            assert_eq!(g.neighbours(v) & c, c & !(1 << v));
                        } else {
                            assert_ne!(g.neighbours(v) & c, c, "clique {c:b} not maximal");
                        }
                    }
                }
                for v in 0..t {
                    for u in 0..t {
                        if g.neighbours(v) >> u & 1 == 1 {
                            assert!(g
                                .cliques()
                                .iter()
                                .any(|&c| c >> u & 1 == 1 && c >> v & 1 == 1));
                        }
                    }
                }
                // Separators are intersections of two cliques.
                for &s in g.separators() {
                    assert!(g.cliques().iter().filter(|&&c| c & s == s).count() >= 2);
                }
            }
        }
    }

    #[test]
    fn max_clique_restriction() {
        for t in 2..=6 {
            for k in 1..=t {
                let all: Vec<Graph> = ChordalGraphs::new(t, None)
                    .unwrap()
                    .filter(|g| g.max_clique() <= k)
                    .collect();
                let some: Vec<Graph> = ChordalGraphs::new(t, Some(k)).unwrap().collect();
                assert_eq!(all, some, "t = {t}, k = {k}");
            }
        }
        // Forests on 4 labelled vertices: 38.
        assert_eq!(ChordalGraphs::count(4, Some(2)).unwrap(), 38);
    }

    #[test]
    fn errors() {
        assert!(matches!(
            ChordalGraphs::new(9, None),
            Err(Error::ModelSpaceTooLarge { ref count, .. }) if count == "2,192,816,760"
        ));
        assert!(ChordalGraphs::new(0, None).is_err());
        assert!(ChordalGraphs::new(3, Some(0)).is_err());
        assert_eq!(group_digits("617675"), "617,675");
        assert_eq!(group_digits("8"), "8");
    }
}
