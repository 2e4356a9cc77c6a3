//! The `step()` engine of [`super::model_search`]: candidate scopes, scoring, acceptance.

use super::super::lattice::{AliasFactor, Lattice, LatticeFit, Shared, Work};
use super::super::lattice_fit::{screen_bound, Rule};
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
    /// The steps of the search on the data, whose candidate fits start a replicate's
    /// candidates where its current model is one the data's search was at.
    data_steps: &'a [Step],
    /// Every step of [`Engine::run`] is kept here (the search on the data).
    record: Option<std::sync::Mutex<Vec<Step>>>,
    /// Screen candidates (off only to test that screening changes no decision).
    screen: bool,
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

/// The candidate fits of one step, kept to start the next step's.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    /// The model the candidates were fitted from.
    cur: Fitted,
    /// Each candidate `(term, add)` and its loose fit (`None`: failed or no new column).
    fits: Vec<((usize, bool), Option<Cand>)>,
}

/// A candidate's loose fit; `base`: by [`Engine::base_fit`].
#[derive(Clone, Debug)]
pub(crate) struct Cand {
    fit: Fitted,
    base: bool,
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
    eps: LOOSE_EPS,
    remaining: LOOSE_REMAINING,
};
/// See [`LOOSE`].
const LOOSE_EPS: f64 = 1e-5;
/// See [`LOOSE`].
const LOOSE_REMAINING: f64 = 1e-3;
/// See [`LOOSE`].
const REFINE_MARGIN: f64 = 0.05;

impl Cand {
    /// A candidate's loose fit made otherwise than by [`Engine::base_fit`].
    fn loose(model: Vec<usize>, (alias, q): (AliasFactor, usize), fit: LatticeFit) -> Self {
        let cols = alias.kept.clone();
        Cand {
            fit: Fitted {
                model,
                cols,
                alias,
                q,
                fit,
            },
            base: false,
        }
    }
}

impl Fitted {
    pub(crate) fn rank(&self) -> usize {
        self.cols.len()
    }
    /// The changes of deviance and rank from `from` to this fit; `None` if the rank is the
    /// same (such a move is not scored). The score of the move is `C(from) + ΔD + k Δrank`.
    fn change(&self, from: &Fitted) -> Option<(f64, f64)> {
        let dr = self.rank() as f64 - from.rank() as f64;
        (dr != 0.0).then_some((self.fit.deviance - from.fit.deviance, dr))
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
            data_steps: &[],
            record: None,
            screen: true,
        }
    }

    /// Fit every candidate loosely, without screening (the search before screening; for tests).
    #[cfg(test)]
    pub(crate) fn without_screening(mut self) -> Self {
        self.screen = false;
        self
    }

    /// Start candidates from `steps` (the data search's, [`Engine::recording`]) where the
    /// current model is one of theirs.
    pub(crate) fn with_data_steps(mut self, steps: &'a [Step]) -> Self {
        self.data_steps = steps;
        self
    }

    /// Keep every step of the runs (see [`Engine::into_steps`]).
    pub(crate) fn recording(mut self) -> Self {
        self.record = Some(std::sync::Mutex::new(Vec::new()));
        self
    }

    /// The steps kept by [`Engine::recording`].
    pub(crate) fn into_steps(self) -> Vec<Step> {
        self.record
            .map(|r| r.into_inner().unwrap_or_else(|e| e.into_inner()))
            .unwrap_or_default()
    }

    /// Keep `step` if recording.
    fn remember(&self, step: &Step) {
        if let Some(r) = &self.record {
            r.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(step.clone());
        }
    }

    /// Where the candidates of a step from `cur` start, and whether its fits are reused as
    /// they are: this engine's own step `prev` if it was made from this very fit (reused),
    /// else the data search's step from the same model, else `prev`.
    fn starts<'s>(&'s self, cur: &Fitted, prev: Option<&'s Step>) -> (Option<&'s Step>, bool) {
        let same = prev.is_some_and(|p| {
            p.cur.model == cur.model && p.cur.cols == cur.cols && p.cur.fit.beta == cur.fit.beta
        });
        match self.data_step(cur).filter(|_| !same) {
            Some(d) => (Some(d), false),
            None => (prev, same),
        }
    }

    /// The data search's step from the model `cur` (the same set of terms), if any.
    fn data_step(&self, cur: &Fitted) -> Option<&'a Step> {
        let mut m = cur.model.clone();
        m.sort_unstable();
        self.data_steps.iter().rev().find(|st| {
            let mut d = st.cur.model.clone();
            d.sort_unstable();
            d == m
        })
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

    /// [`Engine::columns`] of `cur` without its term `t`: the factor of the columns before
    /// the term's is `cur`'s own (the factor is built column by column in the model's
    /// order, and `cur.alias` was built so), only the later columns are added again.
    fn drop_columns(&self, cur: &Fitted, t: usize) -> (AliasFactor, usize) {
        let Some(at) = cur.model.iter().position(|&u| u == t) else {
            return self.columns(&cur.model);
        };
        let before: usize = 1 + cur.model[..at]
            .iter()
            .map(|&u| self.space.groups[u].len())
            .sum::<usize>();
        let head: Vec<usize> = std::iter::once(0)
            .chain(
                cur.model[..at]
                    .iter()
                    .flat_map(|&u| self.space.groups[u].iter().copied()),
            )
            .collect();
        debug_assert_eq!(head.len(), before);
        let r = cur
            .alias
            .kept
            .iter()
            .take_while(|c| head.contains(c))
            .count();
        let mut f = Lattice::alias_prefix(&cur.alias, r);
        let mut q = before;
        for &u in &cur.model[at + 1..] {
            self.lat.alias_extend(&mut f, &self.space.groups[u]);
            q += self.space.groups[u].len();
        }
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
        let start = warm.map(|w| (w.cols.as_slice(), w.fit.beta.as_slice()));
        self.fit_from(model, (alias, q), start, rule, ws)
    }

    /// [`Engine::fit_factored`] from the coefficients `start` (columns, values; columns not
    /// given start at 0).
    fn fit_from(
        &self,
        model: Vec<usize>,
        (alias, q): (AliasFactor, usize),
        start: Option<(&[usize], &[f64])>,
        rule: Rule,
        ws: &mut Work,
    ) -> Result<Fitted> {
        let cols = alias.kept.clone();
        let start: Option<Vec<f64>> = start.map(|(wc, wb)| {
            cols.iter()
                .map(|c| wc.iter().position(|x| x == c).map_or(0.0, |i| wb[i]))
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

    /// A candidate's loose fit (`model`, an addition if `add`) from `cur` as the search has always started it:
    /// an addition from `cur` with its new columns at 0 (the first step on the shared
    /// factor, [`Lattice::fit_extended`]), a drop from `cur` without the term; R's start and
    /// then the dense IRLS if those fail. `None`: the fit failed or no column is added.
    #[allow(clippy::too_many_arguments)]
    fn base_fit(
        &self,
        cur: &Fitted,
        shared: Option<&Shared>,
        add: bool,
        model: Vec<usize>,
        (alias, q): (AliasFactor, usize),
        ws: &mut Work,
    ) -> Option<Fitted> {
        if add {
            if let Some(sh) = shared {
                let new: Vec<usize> = alias.kept[cur.cols.len()..].to_vec();
                if new.is_empty() {
                    return None;
                }
                let maxit = self.opts.max_iterations;
                if let Some(fit) = self.lat.fit_extended(sh, &new, LOOSE, maxit, ws) {
                    let cols = alias.kept.clone();
                    return Some(Fitted {
                        model,
                        cols,
                        alias,
                        q,
                        fit,
                    });
                }
            }
        }
        self.fit_factored(model, (alias, q), Some(cur), LOOSE, ws)
            .ok()
    }

    /// The columns (aliasing factor, all columns) of candidate `(t, add)` of `cur`.
    fn candidate_columns(
        &self,
        cur: &Fitted,
        (t, add): (usize, bool),
        model: &[usize],
        drop_factors: &[(usize, (AliasFactor, usize))],
    ) -> (AliasFactor, usize) {
        if add {
            // The term's columns come last in the model's order: extending the current
            // factor is computing the model's.
            let mut alias = cur.alias.clone();
            self.lat.alias_extend(&mut alias, &self.space.groups[t]);
            (alias, cur.q + self.space.groups[t].len())
        } else {
            match drop_factors.iter().find(|d| d.0 == t) {
                Some((_, f)) => f.clone(),
                None => self.columns(model),
            }
        }
    }

    /// Fit every candidate (`(term, add)`) of a step from `cur` loosely (`None`: its fit
    /// failed or it adds no column).
    ///
    /// Each is first fitted from a close start: its fit in the previous step `prev` shifted
    /// by the change of the current model, `β_prev(cand) + β(cur) − β(prev cur)` (off only
    /// by the interaction of the two moves), or, for a drop without one, the conditional
    /// shift of [`Lattice::drop_start`]. That fit is kept only if it meets the loose rule
    /// (it then estimates the same maximum as [`Engine::base_fit`]'s, within the rule's
    /// error); otherwise — no convergence, a singular information: fits near the boundary,
    /// whose stopping point depends on the start — the candidate is fitted by
    /// [`Engine::base_fit`]. When `prev` was taken from this same fit of the same model
    /// (the first step of a run continues where the last one ended), its fits are reused.
    #[allow(clippy::too_many_arguments)]
    fn fit_candidates(
        &self,
        cur: &Fitted,
        shared: Option<&Shared>,
        cands: &[(usize, bool)],
        with: &(dyn Fn(usize, bool) -> Vec<usize> + Sync),
        drop_factors: &[(usize, (AliasFactor, usize))],
        (prev, same): (Option<&Step>, bool),
        k: f64,
    ) -> Vec<Option<Cand>> {
        let maxit = self.opts.max_iterations;
        let same = prev.filter(|_| same);
        let p_all = self.space.columns.len();
        // β(cur) − β(prev cur) over every column of the space.
        let shift: Option<Vec<f64>> = prev.filter(|_| same.is_none()).map(|p| {
            let mut v = vec![0.0; p_all];
            for (&c, &b) in cur.cols.iter().zip(&cur.fit.beta) {
                v[c] += b;
            }
            for (&c, &b) in p.cur.cols.iter().zip(&p.cur.fit.beta) {
                v[c] -= b;
            }
            v
        });
        fn earlier(p: &Step, key: (usize, bool)) -> Option<&Cand> {
            p.fits.iter().find(|(k, _)| *k == key)?.1.as_ref()
        }
        // One candidate's loose fit; `slack` (≤ 0): a known upper bound of the best score
        // minus `<none>`'s.
        let one = |ws: &mut Work, (t, add): (usize, bool), slack: f64| -> Option<Cand> {
            if let Some(p) = same {
                if p.fits.iter().any(|(k, _)| *k == (t, add)) {
                    return earlier(p, (t, add)).cloned();
                }
            }
            let model = with(t, add);
            let (alias, q) = self.candidate_columns(cur, (t, add), &model, drop_factors);
            if alias.kept.len() == cur.cols.len() && add {
                return None;
            }
            // Screened: stopped once its score can no longer come within the margin of
            // the best (which is at or below `<none>` + `slack`).
            let dr = alias.kept.len() as f64 - cur.rank() as f64;
            let above = cur.fit.deviance - k * dr + slack + REFINE_MARGIN;
            // An addition is first screened by the Newton step from the current fit with
            // the new coefficients at 0 (its score statistic), on the shared factor.
            if let Some(sh) = shared.filter(|_| add && self.screen) {
                let lower = self
                    .lat
                    .border(sh, &alias.kept[cur.cols.len()..])
                    .map(|b| screen_bound(sh.deviance, b.predicted()));
                if lower.is_some_and(|l| l > above) {
                    let mut beta = cur.fit.beta.clone();
                    beta.resize(alias.kept.len(), 0.0);
                    let fit = LatticeFit::screened(beta, lower.unwrap_or(f64::NAN), 0);
                    return Some(Cand::loose(model, (alias, q), fit));
                }
            }
            let moved: Option<Vec<f64>> = shift.as_ref().and_then(|sh| {
                let a = &prev.and_then(|p| earlier(p, (t, add)))?.fit;
                let mut v = sh.clone();
                for (&c, &b) in a.cols.iter().zip(&a.fit.beta) {
                    v[c] += b;
                }
                Some(alias.kept.iter().map(|&c| v[c]).collect())
            });
            let start = moved.or_else(|| {
                // The dropped term's coefficients set to 0 and the others shifted as
                // the current information says they would be.
                let gone: Vec<usize> = (0..cur.cols.len())
                    .filter(|&i| self.space.groups[t].contains(&cur.cols[i]))
                    .collect();
                let sh = shared.filter(|_| !add && !gone.is_empty())?;
                let b = self.lat.drop_start(sh, &gone)?;
                Some(
                    alias
                        .kept
                        .iter()
                        .map(|c| cur.cols.iter().position(|x| x == c).map_or(0.0, |i| b[i]))
                        .collect(),
                )
            });
            if let Some(start) = start {
                let rule = if self.screen {
                    Rule::Screened {
                        eps: LOOSE_EPS,
                        remaining: LOOSE_REMAINING,
                        above,
                    }
                } else {
                    LOOSE
                };
                let fit = self
                    .lat
                    .fit(&alias.kept, Some(&start), rule, maxit, ws)
                    .filter(|f| f.converged);
                if let Some(fit) = fit {
                    return Some(Cand::loose(model, (alias, q), fit));
                }
            }
            self.base_fit(cur, shared, add, model, (alias, q), ws)
                .map(|fit| Cand { fit, base: true })
        };
        // A pilot: the candidate that scored best where the starts come from, fitted first;
        // its loose score (the deviance of an actual fit: an upper bound of its optimum's)
        // bounds the best from above, so that the others can be screened against it.
        let pilot = prev.filter(|_| same.is_none()).and_then(|p| {
            cands
                .iter()
                .enumerate()
                .filter_map(|(i, &key)| {
                    let c = earlier(p, key).filter(|c| !c.fit.fit.screened)?;
                    let (dd, dr) = c.fit.change(&p.cur)?;
                    Some((i, dd + k * dr))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| i)
        });
        let mut slack = 0.0;
        let first = pilot.map(|i| {
            let c = one(&mut Work::default(), cands[i], 0.0);
            let f = c.as_ref().map(|c| &c.fit).filter(|f| !f.fit.screened);
            if let Some((dd, dr)) = f.and_then(|f| f.change(cur)) {
                slack = (dd + k * dr).min(0.0);
            }
            (i, c)
        });
        let mut out: Vec<Option<Cand>> = cands
            .par_iter()
            .enumerate()
            .map_init(Work::default, |ws, (i, &key)| {
                if pilot == Some(i) {
                    return None;
                }
                one(ws, key, slack)
            })
            .collect();
        if let Some((i, c)) = first {
            out[i] = c;
        }
        out
    }

    /// Score the loose fits `loose` of `cands` against `cur` with penalty `k`; those whose
    /// score is within [`REFINE_MARGIN`] of the best (or of `<none>`) are continued to R's
    /// tolerance from [`Engine::base_fit`]'s fit (replacing theirs in `loose`), so that
    /// their scores — which decide — are those of the search started as it always was.
    /// A screened fit's score is a lower estimate, so refining can raise the best: the
    /// rounds repeat until every candidate left unrefined scores more than the margin above
    /// the best refined score (or `<none>`).
    /// `exact`: every candidate's fit is first made [`Engine::base_fit`]'s (the order of
    /// all candidates then is that search's too). `None` for a candidate that changes no
    /// rank or whose fit failed; the refined fit for those refined.
    #[allow(clippy::too_many_arguments)]
    fn score(
        &self,
        cur: &Fitted,
        shared: Option<&Shared>,
        cands: &[(usize, bool)],
        loose: &mut [Option<Cand>],
        with: &(dyn Fn(usize, bool) -> Vec<usize> + Sync),
        drop_factors: &[(usize, (AliasFactor, usize))],
        k: f64,
        exact: bool,
    ) -> Vec<Option<(f64, Option<LatticeFit>)>> {
        let c_cur = cur.criterion(k);
        let maxit = self.opts.max_iterations;
        let rebase = |ws: &mut Work, i: usize, c: &mut Option<Cand>| {
            if c.as_ref().is_some_and(|c| !c.base) {
                let key = cands[i];
                let model = with(key.0, key.1);
                let factor = self.candidate_columns(cur, key, &model, drop_factors);
                *c = self
                    .base_fit(cur, shared, key.1, model, factor, ws)
                    .map(|fit| Cand { fit, base: true });
            }
        };
        if exact {
            loose
                .par_iter_mut()
                .enumerate()
                .for_each_init(Work::default, |ws, (i, c)| rebase(ws, i, c));
        }
        let score_of = |c: &Option<Cand>| -> Option<f64> {
            let (dd, dr) = c.as_ref()?.fit.change(cur)?;
            Some(c_cur + dd + k * dr)
        };
        let mut scored: Vec<Option<(f64, Option<LatticeFit>)>> = loose
            .iter()
            .map(|c| score_of(c).map(|s| (s, None)))
            .collect();
        loop {
            let best = scored.iter().flatten().map(|c| c.0).fold(c_cur, f64::min);
            let todo: Vec<bool> = scored
                .iter()
                .map(|c| {
                    c.as_ref()
                        .is_some_and(|c| c.1.is_none() && c.0 <= best + REFINE_MARGIN)
                })
                .collect();
            if !todo.contains(&true) {
                return scored;
            }
            loose
                .par_iter_mut()
                .zip(&mut scored)
                .enumerate()
                .filter(|(i, _)| todo[*i])
                .for_each_init(Work::default, |ws, (i, (c, out))| {
                    rebase(ws, i, c);
                    *out = c.as_ref().map(|c| {
                        let f = &c.fit;
                        let dr = f.rank() as f64 - cur.rank() as f64;
                        let fit = self
                            .lat
                            .refine(&f.cols, &f.fit, Rule::R(self.opts.tolerance), maxit, ws)
                            .unwrap_or_else(|| f.fit.clone());
                        let s = c_cur + (fit.deviance - cur.fit.deviance) + k * dr;
                        (s, Some(fit))
                    });
                });
        }
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
            screened: false,
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
    /// `prev`: the last step of an earlier run from here (its fits start this run's first
    /// step), left as this run's last step.
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
        prev: &mut Option<Step>,
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
                .map(|&t| (t, self.drop_columns(&cur, t)))
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
            let shared = self.lat.shared(&cur.cols, &cur.fit.beta, &mut ws);
            let mut loose = self.fit_candidates(
                &cur,
                shared.as_ref(),
                &cands,
                &with,
                &drop_factors,
                self.starts(&cur, prev.as_ref()),
                k,
            );
            let mut exact = false;
            let mut tried: Vec<usize> = Vec::new();
            'moves: loop {
                let mut scored = self.score(
                    &cur,
                    shared.as_ref(),
                    &cands,
                    &mut loose,
                    &with,
                    &drop_factors,
                    k,
                    exact,
                );
                let score_of = |i: usize, s: &[Option<(f64, Option<LatticeFit>)>]| {
                    s[i].as_ref().map_or(f64::INFINITY, |c| c.0)
                };
                let mut order: Vec<usize> = (0..cands.len())
                    .filter(|&i| scored[i].as_ref().is_some_and(|c| c.0 < c_cur))
                    .collect();
                order.sort_by(|&a, &b| score_of(a, &scored).total_cmp(&score_of(b, &scored)));
                for i in order {
                    if tried.contains(&i) {
                        continue;
                    }
                    tried.push(i);
                    let (t, add) = cands[i];
                    let model = with(t, add);
                    let (mut cand, base) =
                        loose[i].clone().map(|c| (c.fit, c.base)).expect("scored");
                    let refined = match scored[i].take().expect("scored").1 {
                        Some(fit) => {
                            cand.fit = fit;
                            true
                        }
                        None => false,
                    };
                    // A screened fit scores more than the margin above the best unless it
                    // was refined (see `score`), so it never gets here unrefined.
                    debug_assert!(refined || !cand.fit.screened);
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
                        if !exact {
                            // The next moves are taken in the order of every candidate's
                            // score: make them all the search's own.
                            exact = true;
                            continue 'moves;
                        }
                        continue;
                    }
                    let cand = if refined || base || !self.replicate {
                        cand
                    } else {
                        let factor = self.candidate_columns(&cur, (t, add), &model, &drop_factors);
                        match self.base_fit(
                            &cur,
                            shared.as_ref(),
                            add,
                            model.clone(),
                            factor,
                            &mut ws,
                        ) {
                            Some(f) => f,
                            None => cand,
                        }
                    };
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
                    let step = Step {
                        cur: cur.clone(),
                        fits: cands.iter().copied().zip(loose).collect(),
                    };
                    self.remember(&step);
                    if new.criterion(k) >= c_cur + 1e-7 {
                        *prev = Some(step);
                        break 'steps;
                    }
                    let label = self.space.terms.label(sets[t]);
                    path.push((
                        new.clone(),
                        format!("{} {label}", if add { "+" } else { "-" }),
                        phase,
                    ));
                    cur = new;
                    *prev = Some(step);
                    continue 'steps;
                }
                break;
            }
            let step = Step {
                cur: cur.clone(),
                fits: cands.iter().copied().zip(loose).collect(),
            };
            self.remember(&step);
            *prev = Some(step);
            break;
        }
        Ok(cur)
    }
}
