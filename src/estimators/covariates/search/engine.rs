//! The `step()` engine of [`super::model_search`]: candidate scopes, scoring, acceptance.

use super::super::lattice::{AliasFactor, Lattice, LatticeFit, Work};
use super::super::lattice_fit::Rule;
use super::{Phase, SearchOptions, Space};
use crate::error::{Error, Result};
use rayon::prelude::*;

/// The search machinery on one table: the lattice with its counts, the shared column space.
pub(crate) struct Engine<'a> {
    pub(super) lat: Lattice,
    pub(crate) space: &'a Space,
    pub(super) y: Vec<f64>,
    pub(super) opts: &'a SearchOptions,
    pub(super) n_cells: usize,
    pub(crate) log_n: f64,
    /// A bootstrap replicate: accepted models keep the candidate's fit (continued to R's
    /// tolerance) instead of being refitted from R's start.
    pub(super) replicate: bool,
}

/// A fitted model of the search.
#[derive(Clone, Debug)]
pub(crate) struct Fitted {
    /// Term indices (into the space's terms), in the order added.
    pub(crate) model: Vec<usize>,
    /// Columns estimated.
    pub(crate) cols: Vec<usize>,
    pub(super) alias: AliasFactor,
    /// Columns, aliased included.
    pub(crate) q: usize,
    pub(crate) fit: LatticeFit,
}

/// Whether a model may be accepted (the existence-aware rules; `model`, its columns and a
/// fit to start from).
pub(crate) type Admit<'f> = dyn FnMut(&[usize], &[usize], &[f64]) -> Result<bool> + 'f;

/// A candidate rejected by [`Admit`]: the step it was offered at (1-based accepted models so
/// far) and its label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rejected {
    pub(crate) at: usize,
    pub(crate) term: String,
}

/// Candidates are first fitted by this rule; those whose score is then within
/// [`REFINE_MARGIN`] of the best (or of `<none>`) are continued to R's tolerance and decide.
/// A last relative change below 1e-5 is an absolute change below ~0.01 at these deviances
/// (~1,000): the error left is then ~1e-7 for a quadratically converging fit and below ~0.01
/// for one drifting to the boundary (linear convergence, ratio ~e⁻¹); the extrapolated bound
/// is 1e-3. Both are well inside the margin.
const LOOSE: Rule = Rule::Loose {
    eps: 1e-5,
    remaining: 1e-3,
};
/// See [`LOOSE`].
const REFINE_MARGIN: f64 = 0.05;

impl Fitted {
    pub(crate) fn rank(&self) -> usize {
        self.cols.len()
    }
    pub(crate) fn criterion(&self, k: f64) -> f64 {
        -2.0 * self.fit.log_likelihood + k * self.rank() as f64
    }
}

impl<'a> Engine<'a> {
    /// An engine for `counts` (a table of the space's layout).
    pub(crate) fn new(
        space: &'a Space,
        counts: &[u64],
        opts: &'a SearchOptions,
        replicate: bool,
    ) -> Self {
        let mut lat = space.lattice.clone();
        if replicate {
            lat.set_counts(counts);
        }
        let n: u64 = counts.iter().sum();
        Self {
            lat,
            space,
            y: counts.iter().map(|&c| c as f64).collect(),
            opts,
            n_cells: counts.len(),
            log_n: (n as f64).ln(),
            replicate,
        }
    }

    fn columns(&self, model: &[usize]) -> (AliasFactor, usize) {
        let mut cols = vec![0];
        for &t in model {
            cols.extend(&self.space.groups[t]);
        }
        let q = cols.len();
        let mut f = AliasFactor::default();
        self.lat.alias_extend(&mut f, &cols);
        (f, q)
    }

    /// Fit `model`, from `warm`'s coefficients if given. If the lattice fitter's Cholesky
    /// fails (information numerically singular: a warm start far from the new optimum, or a
    /// fit drifting to the boundary), it is retried from R's start, and then by the dense QR
    /// IRLS ([`super::super::fit::irls`], R's algorithm), which handles such fits as R does.
    pub(crate) fn fit(
        &self,
        model: Vec<usize>,
        warm: Option<&Fitted>,
        ws: &mut Work,
    ) -> Result<Fitted> {
        self.fit_at(model, warm, Rule::R(self.opts.tolerance), ws)
    }

    fn fit_at(
        &self,
        model: Vec<usize>,
        warm: Option<&Fitted>,
        rule: Rule,
        ws: &mut Work,
    ) -> Result<Fitted> {
        let factor = self.columns(&model);
        self.fit_factored(model, factor, warm, rule, ws)
    }

    /// [`Engine::fit_at`] with the model's aliasing factor already computed.
    fn fit_factored(
        &self,
        model: Vec<usize>,
        (alias, q): (AliasFactor, usize),
        warm: Option<&Fitted>,
        rule: Rule,
        ws: &mut Work,
    ) -> Result<Fitted> {
        let cols = alias.kept.clone();
        let start: Option<Vec<f64>> = warm.map(|w| {
            cols.iter()
                .map(|c| {
                    w.cols
                        .iter()
                        .position(|x| x == c)
                        .map_or(0.0, |i| w.fit.beta[i])
                })
                .collect()
        });
        let maxit = self.opts.max_iterations;
        let fit = match self.lat.fit(&cols, start.as_deref(), rule, maxit, ws) {
            Some(f) => f,
            None => match start
                .is_some()
                .then(|| self.lat.fit(&cols, None, rule, maxit, ws))
                .flatten()
            {
                Some(f) => f,
                None => self.dense_fit(&model, &cols)?,
            },
        };
        Ok(Fitted {
            model,
            cols,
            alias,
            q,
            fit,
        })
    }

    /// Score every candidate (`(term, add)`) against `cur` with penalty `k`: loose fits
    /// first, the close ones refined. `None` for a candidate that changes no rank or whose
    /// fit fails.
    fn score(
        &self,
        cur: &Fitted,
        cands: &[(usize, bool)],
        k: f64,
        with: &(dyn Fn(usize, bool) -> Vec<usize> + Sync),
        drop_factors: &[(usize, (AliasFactor, usize))],
    ) -> Vec<Option<(Fitted, f64, bool)>> {
        let c_cur = cur.criterion(k);
        let maxit = self.opts.max_iterations;
        let shared = self
            .lat
            .shared(&cur.cols, &cur.fit.beta, &mut Work::default());
        let loose: Vec<Option<(Fitted, f64)>> = cands
            .par_iter()
            .map_init(Work::default, |ws, &(t, add)| {
                let model = with(t, add);
                let f = match (&shared, add) {
                    (Some(sh), true) => {
                        let mut alias = cur.alias.clone();
                        self.lat.alias_extend(&mut alias, &self.space.groups[t]);
                        let new: Vec<usize> = alias.kept[cur.cols.len()..].to_vec();
                        if new.is_empty() {
                            return None;
                        }
                        let q = cur.q + self.space.groups[t].len();
                        match self.lat.fit_extended(sh, &new, LOOSE, maxit, ws) {
                            Some(fit) => Fitted {
                                model,
                                cols: alias.kept.clone(),
                                alias,
                                q,
                                fit,
                            },
                            None => self.fit_at(model, Some(cur), LOOSE, ws).ok()?,
                        }
                    }
                    (_, false) => match drop_factors.iter().find(|d| d.0 == t) {
                        Some((_, f)) => self
                            .fit_factored(model, f.clone(), Some(cur), LOOSE, ws)
                            .ok()?,
                        None => self.fit_at(model, Some(cur), LOOSE, ws).ok()?,
                    },
                    _ => self.fit_at(model, Some(cur), LOOSE, ws).ok()?,
                };
                let dr = f.rank() as f64 - cur.rank() as f64;
                (dr != 0.0).then(|| {
                    let s = c_cur + (f.fit.deviance - cur.fit.deviance) + k * dr;
                    (f, s)
                })
            })
            .collect();
        let best = loose
            .iter()
            .flatten()
            .map(|(_, s)| *s)
            .fold(c_cur, f64::min);
        loose
            .into_par_iter()
            .map_init(Work::default, |ws, c| {
                let (f, s) = c?;
                if s > best + REFINE_MARGIN {
                    return Some((f, s, false));
                }
                let dr = f.rank() as f64 - cur.rank() as f64;
                let fit = self
                    .lat
                    .refine(&f.cols, &f.fit, Rule::R(self.opts.tolerance), maxit, ws)
                    .unwrap_or(f.fit);
                let s = c_cur + (fit.deviance - cur.fit.deviance) + k * dr;
                Some((Fitted { fit, ..f }, s, true))
            })
            .collect()
    }

    fn dense_fit(&self, model: &[usize], cols: &[usize]) -> Result<LatticeFit> {
        let d = &self.space.dense;
        let rows: Vec<usize> = (0..d.n_rows).collect();
        let x = d.sub(&rows, cols);
        let y: Vec<f64> = self.y.clone();
        let f = super::super::fit::irls(
            &x,
            d.n_rows,
            cols.len(),
            &y,
            None,
            super::super::fit::Stop::Deviance(self.opts.tolerance),
            self.opts.max_iterations,
        )
        .map_err(|_| Error::NotConverged {
            model: self.formula(model),
            iterations: 0,
            last_change: f64::NAN,
        })?;
        let nhat = f.mu.iter().sum::<f64>()
            + (0..d.n_unobserved)
                .map(|u| {
                    let eta: f64 = cols
                        .iter()
                        .zip(&f.beta)
                        .map(|(&c, b)| d.ucol(c)[u] * b)
                        .sum();
                    eta.exp().max(super::super::fit::MU_FLOOR)
                })
                .sum::<f64>();
        Ok(LatticeFit {
            log_likelihood: super::super::fit::log_likelihood(&y, &f.mu),
            beta: f.beta,
            deviance: f.deviance,
            iterations: f.iterations,
            converged: f.converged,
            nhat,
        })
    }

    pub(crate) fn formula(&self, model: &[usize]) -> String {
        let terms = &self.space.terms;
        let labels: Vec<String> = model.iter().map(|&t| terms.label(terms.sets[t])).collect();
        format!("Freq ~ {}", labels.join(" + "))
    }

    /// One `step()` run from `cur` with penalty `k` above `lower`; appends accepted models.
    /// A chosen move is first offered to `admit`; a term it refuses is not offered again in
    /// this run and the next best move is tried (the model search admits everything).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run(
        &self,
        mut cur: Fitted,
        lower: &[usize],
        k: f64,
        phase: Phase,
        path: &mut Vec<(Fitted, String, Phase)>,
        fits: &mut usize,
        admit: &mut Admit<'_>,
        rejected: &mut Vec<Rejected>,
    ) -> Result<Fitted> {
        let sets = &self.space.terms.sets;
        let mut excluded: Vec<usize> = Vec::new();
        'steps: for _ in 0..self.opts.steps {
            let c_cur = cur.criterion(k);
            let drops: Vec<usize> = cur
                .model
                .iter()
                .copied()
                .filter(|t| !lower.contains(t))
                .filter(|&t| {
                    !cur.model
                        .iter()
                        .any(|&u| u != t && sets[u] & sets[t] == sets[t])
                })
                .collect();
            let adds: Vec<usize> = (0..sets.len())
                .filter(|t| !cur.model.contains(t) && !excluded.contains(t))
                .filter(|&t| {
                    (0..sets.len())
                        .all(|u| u == t || sets[u] & sets[t] != sets[u] || cur.model.contains(&u))
                })
                .collect();
            let with = |t: usize, add: bool| -> Vec<usize> {
                if add {
                    let mut m = cur.model.clone();
                    m.push(t);
                    m.sort_by_key(|&u| sets[u].count_ones());
                    m
                } else {
                    cur.model.iter().copied().filter(|&u| u != t).collect()
                }
            };
            let mut ws = Work::default();
            // The aliasing factor of every drop candidate (used twice below).
            let drop_factors: Vec<(usize, (AliasFactor, usize))> = drops
                .iter()
                .map(|&t| (t, self.columns(&with(t, false))))
                .collect();
            // A drop that changes no rank is made at once (the last such).
            let zero_df_drop = drop_factors
                .iter()
                .rev()
                .find(|(_, f)| f.0.kept.len() == cur.rank())
                .map(|(t, _)| t);
            if let Some(&t) = zero_df_drop {
                let new = self.fit(
                    with(t, false),
                    Some(&cur).filter(|_| self.replicate),
                    &mut ws,
                )?;
                if new.criterion(k) >= c_cur + 1e-7 {
                    break;
                }
                path.push((
                    new.clone(),
                    format!("- {}", self.space.terms.label(sets[t])),
                    phase,
                ));
                cur = new;
                continue;
            }
            let cands: Vec<(usize, bool)> = drops
                .iter()
                .map(|&t| (t, false))
                .chain(adds.iter().map(|&t| (t, true)))
                .collect();
            *fits += cands.len();
            let mut scored = self.score(&cur, &cands, k, &with, &drop_factors);
            let mut order: Vec<usize> = (0..cands.len())
                .filter(|&i| scored[i].as_ref().is_some_and(|c| c.1 < c_cur))
                .collect();
            let score_of = |i: usize, s: &[Option<(Fitted, f64, bool)>]| {
                s[i].as_ref().map_or(f64::INFINITY, |c| c.1)
            };
            order.sort_by(|&a, &b| score_of(a, &scored).total_cmp(&score_of(b, &scored)));
            for i in order {
                let (t, add) = cands[i];
                let model = with(t, add);
                let (cand, _, refined) = scored[i].take().expect("scored");
                if !admit(&model, &cand.cols, &cand.fit.beta)? {
                    if add {
                        excluded.push(t);
                    }
                    rejected.push(Rejected {
                        at: path.len(),
                        term: format!(
                            "{} {}",
                            if add { "+" } else { "-" },
                            self.space.terms.label(sets[t])
                        ),
                    });
                    continue;
                }
                let new = if self.replicate {
                    if refined {
                        cand
                    } else {
                        let fit = self
                            .lat
                            .refine(
                                &cand.cols,
                                &cand.fit,
                                Rule::R(self.opts.tolerance),
                                self.opts.max_iterations,
                                &mut ws,
                            )
                            .unwrap_or_else(|| cand.fit.clone());
                        Fitted { fit, ..cand }
                    }
                } else {
                    self.fit(model, None, &mut ws)?
                };
                if new.criterion(k) >= c_cur + 1e-7 {
                    break 'steps;
                }
                let label = self.space.terms.label(sets[t]);
                path.push((
                    new.clone(),
                    format!("{} {label}", if add { "+" } else { "-" }),
                    phase,
                ));
                cur = new;
                continue 'steps;
            }
            break;
        }
        Ok(cur)
    }
}
