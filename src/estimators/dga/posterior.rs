//! The run: check the input, count the graphs, walk the grid (growing it for
//! [`Grid::Auto`]), and turn the accumulated pieces into the reported summaries.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::data::Data;
use super::engine::Engine;
use super::graphs::{self, group_digits, ChordalGraphs, Graph, MAX_LISTS};
use super::pieces::{Accum, Kind, STORE_LIMIT};
use super::summary;
use super::*;

/// A piece's moments for [`summary::mean_sd`]: `(m_first, scale, Σp, Σdp, Σd²p)`.
type Moments = (u64, f64, f64, f64, f64);

/// The automatic grid's multiples of `n`.
const LADDER: [u64; 9] = [20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

/// Count the graphs, evaluate the model prior, and find the heaviest tail exponent.
fn prepass(
    data: &Data,
    max_clique: Option<usize>,
    prior: &ModelPrior,
) -> Result<(usize, Option<Vec<f64>>, f64)> {
    let mut count = 0usize;
    let mut e_max = f64::NEG_INFINITY;
    let mut mp = match prior {
        ModelPrior::Uniform => None,
        _ => Some(Vec::new()),
    };
    for (i, g) in ChordalGraphs::new(data.t, max_clique)?.enumerate() {
        count += 1;
        let w = match prior {
            ModelPrior::Uniform => 0.0,
            ModelPrior::LogWeights(v) => v.get(i).copied().unwrap_or(0.0),
            ModelPrior::Function(f) => f(&g),
        };
        if w.is_nan() || w == f64::INFINITY {
            return Err(Error::InvalidOption {
                name: "model_prior",
                value: w.to_string(),
                problem: format!("log weight of graph {i} must be finite or -inf"),
            });
        }
        if let Some(v) = mp.as_mut() {
            v.push(w);
        }
        if w > f64::NEG_INFINITY {
            e_max = e_max.max(data.tail_exponent(&g));
        }
    }
    if let ModelPrior::LogWeights(v) = prior {
        if v.len() != count {
            return Err(Error::InvalidOption {
                name: "model_prior",
                value: format!("{} log weights", v.len()),
                problem: format!("expected one per graph ({count}, in enumeration order)"),
            });
        }
    }
    if e_max == f64::NEG_INFINITY {
        return Err(Error::Undefined {
            what: "the posterior over graphs",
            reason: "the model prior excludes every graph".into(),
        });
    }
    Ok((count, mp, e_max))
}

fn check_lists(t: usize, opts: &DgaOptions) -> Result<()> {
    opts.validate()?;
    if t < 3 {
        return Err(Error::InvalidOption {
            name: "lists",
            value: t.to_string(),
            problem: "graph averaging needs at least 3 lists: with 2 the only decomposable graphs are independence and the saturated graph, which carries no information about the unobserved cell (dga ships graphs for 3 to 5 lists)".into(),
        });
    }
    if t > MAX_LISTS {
        return Err(graphs::too_many_lists(t, opts.max_clique));
    }
    Ok(())
}

fn delta_of(t: usize, opts: &DgaOptions) -> f64 {
    opts.delta.unwrap_or(0.5f64.powi(t as i32))
}

pub(crate) fn log_joint(
    t: usize,
    counts: &[u64],
    opts: &DgaOptions,
    g: &Graph,
    m: u64,
    w: f64,
) -> Result<f64> {
    check_lists(t, opts)?;
    let data = Data::new(t, counts, delta_of(t, opts), &opts.prior)?;
    let prior = match (&opts.prior, &opts.grid) {
        (NPrior::Vector(v), grid) => {
            let idx = match grid {
                Grid::Max(mx) => (m <= *mx).then_some(m as usize),
                Grid::Range { from, to } => (m >= *from && m <= *to).then(|| (m - from) as usize),
                Grid::Values(vals) => vals.binary_search(&m).ok(),
                Grid::Auto => None,
            };
            let Some(i) = idx else {
                return Err(Error::InvalidOption {
                    name: "m",
                    value: m.to_string(),
                    problem: "not a point of the vector prior's grid".into(),
                });
            };
            v[i]
        }
        _ => data.log_prior(m as f64),
    };
    Ok(data.log_joint(g, m as f64, prior, w))
}

fn work_error(t: usize, graphs: usize, points: u64, opts: &DgaOptions) -> Error {
    let work = graphs as f64 * points as f64;
    Error::TooCostly {
        what: "dga graph averaging",
        reason: format!(
            "{t} lists have {} decomposable graphs{}; × {} grid points = {work:.2e} evaluations, about {:.0} s on 2 cores at ~3 ns each, more than `work_limit` {:.1e}; use a smaller `grid`, restrict `max_clique`, or raise `work_limit`",
            group_digits(&graphs.to_string()),
            opts.max_clique
                .map_or(String::new(), |k| format!(" with cliques of at most {k} lists")),
            group_digits(&points.to_string()),
            work * 3e-9 / 2.0,
            opts.work_limit
        ),
    }
}

pub(crate) fn run(t: usize, counts: &[u64], opts: &DgaOptions) -> Result<DgaPosterior> {
    check_lists(t, opts)?;
    let max_clique = opts.max_clique.filter(|&k| k < t);
    let delta = delta_of(t, opts);
    let data = Data::new(t, counts, delta, &opts.prior)?;
    let n = data.n;
    // Refuse too much work before enumerating (8 lists: 30,888,596 graphs).
    if let (None, Some(count)) = (max_clique, graphs::graph_count(t)) {
        let points = match &opts.grid {
            Grid::Auto => ((LADDER[0].min(opts.auto_cap) as f64 * n) as u64).min(MAX_M) + 1,
            Grid::Max(m) => m + 1,
            Grid::Range { from, to } => to - from + 1,
            Grid::Values(v) => v.len() as u64,
        };
        if count as f64 * points as f64 > opts.work_limit {
            return Err(work_error(t, count as usize, points, opts));
        }
    }
    let (graphs, mp, e_max) = prepass(&data, max_clique, &opts.model_prior)?;
    let prior_exp = data.prior_kind().tail_exponent();
    // A vector prior with -inf entries is evaluated point by point (the ratios are undefined).
    let listed;
    let grid = match (&opts.grid, &opts.prior) {
        (Grid::Max(m), NPrior::Vector(v)) if v.iter().any(|x| !x.is_finite()) => {
            listed = Grid::Values((0..=*m).collect());
            &listed
        }
        (Grid::Range { from, to }, NPrior::Vector(v)) if v.iter().any(|x| !x.is_finite()) => {
            listed = Grid::Values((*from..=*to).collect());
            &listed
        }
        (g, _) => g,
    };
    let mut o = opts.clone();
    o.grid = grid.clone();
    let eng = Engine::new(data, max_clique, graphs, mp, opts.prune);
    let mut warnings = Vec::new();
    let mut cache = BTreeMap::new();
    let first = match grid {
        Grid::Auto | Grid::Max(_) => 0,
        Grid::Range { from, .. } => *from,
        Grid::Values(v) => v[0],
    };
    let expected_points = match grid {
        Grid::Auto => (LADDER[0] as f64 * n) as u64 + 1,
        Grid::Max(m) => m + 1,
        Grid::Range { from, to } => to - from + 1,
        Grid::Values(v) => v.len() as u64,
    };
    let mut acc = Accum::new(&eng, &o, first, expected_points);
    let (mut auto_ratio, mut target_met) = (None, None);
    let mut tail = None;
    match grid {
        Grid::Max(mx) | Grid::Range { to: mx, .. } => {
            let points = mx - first + 1;
            if graphs as f64 * points as f64 > opts.work_limit {
                return Err(work_error(t, graphs, points, opts));
            }
            acc.contiguous(first, *mx);
        }
        Grid::Values(v) => {
            if graphs as f64 * v.len() as f64 > opts.work_limit {
                return Err(work_error(t, graphs, v.len() as u64, opts));
            }
            acc.values(v.len());
        }
        Grid::Auto => {
            let cap = opts.auto_cap;
            let mut ladder: Vec<u64> = LADDER.iter().copied().filter(|&r| r < cap).collect();
            ladder.push(cap);
            let mut done: Option<u64> = None;
            for (i, &r) in ladder.iter().enumerate() {
                let top = ((r as f64 * n) as u64).min(MAX_M);
                if graphs as f64 * (top + 1) as f64 > opts.work_limit {
                    if i == 0 {
                        return Err(work_error(t, graphs, top + 1, opts));
                    }
                    warnings.push(format!("the automatic grid stopped at m = {} (the work limit {:.1e} graph × grid-point evaluations forbids {r}·n)", done.unwrap_or(0), opts.work_limit));
                    break;
                }
                acc.contiguous(done.map_or(0, |d| d + 1), top);
                done = Some(top);
                auto_ratio = Some(r);
                let (frac, slope) = acc.tail(&mut cache);
                tail = Some((frac, slope));
                let met = frac.is_some_and(|f| f < opts.auto_tail);
                target_met = Some(met);
                if met {
                    break;
                }
                if i + 1 == ladder.len() {
                    warnings.push(format!(
                        "the automatic grid reached its cap m = {r}·n = {top} with an estimated {:.3e} of the posterior mass beyond it (target {:.0e}): the mean, sd and upper quantiles depend on the cap",
                        frac.unwrap_or(f64::NAN),
                        opts.auto_tail
                    ));
                }
            }
        }
    }
    let (tail_mass, tail_slope) = match tail {
        Some(t) => t,
        None => acc.tail(&mut cache),
    };
    finish(
        &acc, &o, delta, e_max, prior_exp, tail_mass, tail_slope, auto_ratio, target_met, warnings,
    )
}

#[allow(clippy::too_many_arguments)]
fn finish(
    acc: &Accum,
    opts: &DgaOptions,
    delta: f64,
    e_max: f64,
    prior_exp: Option<f64>,
    tail_mass: Option<f64>,
    tail_slope: Option<f64>,
    auto_ratio: Option<u64>,
    target_met: Option<bool>,
    mut warnings: Vec<String>,
) -> Result<DgaPosterior> {
    let eng = acc.eng;
    let n = eng.data.n;
    let scales: Vec<f64> = acc.recs.iter().map(|r| acc.scale(r)).collect();
    let pieces: Vec<f64> = acc
        .recs
        .iter()
        .zip(&scales)
        .map(|(r, f)| r.total * f)
        .collect();
    let total: f64 = pieces.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(Error::Undefined {
            what: "the posterior of N",
            reason: "every grid point has zero prior or likelihood".into(),
        });
    }
    let lasts: Vec<u64> = acc.recs.iter().map(|r| r.m_last).collect();
    let moments: Vec<_> = acc
        .recs
        .iter()
        .zip(&scales)
        .map(|(r, &f)| (r.m_first, f, r.total, r.s1, r.s2))
        .collect();
    let (mean_m, sd) = summary::mean_sd(&moments);
    let mut levels = opts.quantiles.clone();
    levels.push(0.5);
    let qs = summary::quantiles(&levels, &pieces, &lasts, |r| acc.piece_values(r));
    let to_q = |qs: &[u64]| -> Vec<Quantile> {
        opts.quantiles
            .iter()
            .zip(qs)
            .map(|(&level, &m)| Quantile {
                level,
                n: m + n as u64,
            })
            .collect()
    };
    let last_rec = acc.recs.last().expect("a grid has at least one point");
    let pmf_at_top = last_rec.last * scales[scales.len() - 1] / total;
    let points: u64 = acc
        .recs
        .iter()
        .map(|r| match r.kind {
            Kind::Contiguous => r.m_last - r.m_first + 1,
            Kind::Values(lo, hi) => (hi - lo) as u64,
        })
        .sum();
    // Graph probabilities and the top graphs.
    let wsum: f64 = acc.weights.iter().sum();
    let probs: Vec<f64> = acc.weights.iter().map(|w| w / wsum).collect();
    let top_idx = rank_graphs(&probs, opts.top);
    let found = eng.graphs_at(&top_idx);
    let mut top_graphs = Vec::with_capacity(top_idx.len());
    let mut per: Vec<(usize, Graph, Vec<Moments>)> = top_idx
        .iter()
        .map(|&i| {
            (
                i,
                found.iter().find(|(j, _)| *j == i).expect("enumerated").1,
                Vec::new(),
            )
        })
        .collect();
    // Each top graph's values are kept for the quantiles when that is small enough, else
    // re-evaluated for the pieces that contain them.
    let keep = points.saturating_mul(per.len() as u64) <= STORE_LIMIT as u64;
    let mut kept: Vec<Vec<Vec<f64>>> = vec![Vec::new(); per.len()];
    let mut old = None;
    for ri in 0..acc.recs.len() {
        let r = &acc.recs[ri];
        let chunk = (r.kind == Kind::Contiguous).then(|| {
            acc.chunk(r.m_first, (r.m_last - r.m_first + 1) as usize)
                .with_ratios(&eng.data, old.take())
        });
        let vals: Vec<Vec<f64>> = per
            .par_iter()
            .map(|(i, g, _)| acc.graph_values(ri, chunk.as_ref(), g, eng.mp(*i), *i))
            .collect();
        old = chunk;
        for (k, ((_, _, mom), v)) in per.iter_mut().zip(vals).enumerate() {
            let (s0, s1, s2) = summary::moments(r.m_first, acc.grid_ms(r).zip(v.iter().copied()));
            mom.push((r.m_first, 1.0, s0, s1, s2));
            if keep {
                kept[k].push(v);
            }
        }
    }
    for (k, (i, g, mom)) in per.iter().enumerate() {
        let gp: Vec<f64> = mom.iter().map(|m| m.2).collect();
        let (gm, gsd) = summary::mean_sd(mom);
        let q = summary::quantiles(&levels, &gp, &lasts, |ri| {
            let v = if keep {
                kept[k][ri].clone()
            } else {
                acc.graph_values(ri, None, g, eng.mp(*i), *i)
            };
            acc.grid_ms(&acc.recs[ri]).zip(v).collect()
        });
        top_graphs.push(TopGraph {
            index: *i as u64,
            cliques: g.cliques().to_vec(),
            separators: g.separators().to_vec(),
            probability: probs[*i],
            mean: gm + n,
            sd: gsd,
            median: q[q.len() - 1] + n as u64,
            quantiles: to_q(&q[..q.len() - 1]),
        });
    }
    // The pmf output.
    let stored = &acc.store.pts;
    let want = match opts.pmf {
        PmfOutput::None => 0,
        PmfOutput::All => {
            if acc.store.stride > 1 {
                warnings.push(format!(
                    "the pmf has {points} points; every {}-th is reported",
                    acc.store.stride
                ));
            }
            stored.len()
        }
        PmfOutput::Thinned(k) => k,
    };
    let mut pmf = Vec::new();
    if want > 0 {
        let mut step = 1usize;
        while stored.len().div_ceil(step) > want {
            step *= 2;
        }
        pmf.extend(stored.iter().step_by(step).map(|&(m, p, r)| PmfPoint {
            n: m + n as u64,
            probability: p * scales[r] / total,
        }));
        if pmf.last().is_none_or(|p| p.n != last_rec.m_last + n as u64) {
            pmf.push(PmfPoint {
                n: last_rec.m_last + n as u64,
                probability: pmf_at_top,
            });
        }
    }
    let tail_exponent = prior_exp.map(|p| e_max + p);
    let mean_finite = tail_exponent.is_none_or(|e| e < -2.0);
    if let Some(e) = tail_exponent {
        if e >= -1.0 {
            warnings.push(format!("the posterior of N is improper without truncation (heaviest graph tail N^{e:.4}, exponent ≥ −1): every summary depends on the grid"));
        } else if !mean_finite {
            warnings.push(format!(
                "the posterior mean of N is infinite without truncation (heaviest graph tail N^{e:.4}; the saturated graph gives δ − 1 − 2^t·δ): the mean and sd are over the grid up to m = {} and grow with it; use the median and quantiles",
                last_rec.m_last
            ));
        }
    }
    if auto_ratio.is_none() {
        if let Some(f) = tail_mass.filter(|f| *f > 1e-3) {
            warnings.push(format!("an estimated {f:.3e} of the posterior mass lies beyond the grid top m = {}: the mean, sd and upper quantiles are truncated there", last_rec.m_last));
        }
    }
    let st = acc.stats;
    Ok(DgaPosterior {
        lists: eng.data.t,
        observed: n as u64,
        delta,
        mean: mean_m + n,
        sd,
        median: qs[qs.len() - 1] + n as u64,
        quantiles: to_q(&qs[..qs.len() - 1]),
        mean_finite,
        tail_exponent,
        grid: GridReport {
            min: acc.recs[0].m_first,
            max: last_rec.m_last,
            points,
            tail_mass,
            tail_slope,
            pmf_at_top,
            auto_ratio,
            target_met,
        },
        graphs: eng.graphs as u64,
        top_graphs,
        pmf,
        graph_probabilities: opts.graph_probabilities.then_some(probs),
        log_normaliser: acc.s_ref + total.ln(),
        evaluation: Evaluation {
            blocks: st.blocks,
            skipped: st.skipped,
            points: st.points,
            skipped_points: st.skipped_points,
            direct: st.direct,
            rising: st.rising,
            max_recurrence_error: st.max_recurrence_error,
        },
        warnings,
    })
}
