"""A coverage and sensitivity study spread over a Dask cluster.

Designs (population size N, capture probability, heterogeneity) × replicates: each Dask task
simulates a batch of capture tables for one design and estimates N from each with several
methods, calling darkfigure; the client gathers the rows and reports, per design and
method, the coverage of the 95% interval, the bias and the median interval width.

    python python/examples/dask_study.py                      # a LocalCluster of 2 workers
    python python/examples/dask_study.py --scheduler tcp://host:8786   # a real cluster
    python python/examples/dask_study.py --reps 200 --out study.csv

The same code runs on a laptop's LocalCluster and on a cluster of many machines: only
``--scheduler`` changes. Each worker runs darkfigure on one thread (``threads=1``), so the
cluster's workers, not the library's thread pool, share the cores. Results are reproducible:
replicate ``r`` of design ``d`` draws from the stream ``(seed, d, r)``.
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Dict, List

import numpy as np
import pandas as pd

#: Methods compared: darkfigure.estimate keyword arguments by label.
METHODS: Dict[str, dict] = {
    "stepwise": dict(select="stepwise"),
    "aic-stepwise": dict(select="aic-stepwise"),
    "mh-chao": dict(method="mh-chao"),
    "main": dict(model="main"),
}

LISTS = ["A", "B", "C", "D"]


def designs() -> List[dict]:
    """Population sizes × capture probabilities × heterogeneity (two latent classes whose
    capture probabilities are p/2 and 3p/2, or none)."""
    out = []
    for i, (n, p, het) in enumerate(itertools.product([400, 2000], [0.15, 0.3], [False, True])):
        out.append(dict(design=i, N=n, p=p, heterogeneity=het))
    return out


def simulate(design: dict, rng: np.random.Generator) -> np.ndarray:
    """Counts by capture history (bitmask over the lists) of one simulated population."""
    n, p, t = design["N"], design["p"], len(LISTS)
    probs = np.full((n, t), p)
    if design["heterogeneity"]:
        shy = rng.random(n) < 0.5
        probs[shy] *= 0.5
        probs[~shy] *= 1.5
    caught = rng.random((n, t)) < probs
    masks = caught @ (1 << np.arange(t))
    counts = np.bincount(masks, minlength=1 << t)
    counts[0] = 0
    return counts


def run_batch(design: dict, reps: range, seed: int) -> List[dict]:
    """One task: simulate ``reps`` tables of ``design`` and estimate each with every method."""
    import darkfigure as dfg

    rows = []
    for r in reps:
        rng = np.random.default_rng([seed, design["design"], r])
        counts = simulate(design, rng)
        table = dfg.from_counts(LISTS, counts.tolist(), name=f"d{design['design']}r{r}")
        for label, kwargs in METHODS.items():
            try:
                est = dfg.estimate(table, threads=1, **kwargs)
                lo, hi = (est.interval.lower, est.interval.upper) if est.interval else (None, None)
                value, error = est.estimate, est.error
            except dfg.DarkfigureError as e:  # e.g. too few cases for a method
                value, lo, hi, error = None, None, None, str(e)
            rows.append(dict(design=design["design"], replicate=r, method=label,
                             observed=table.observed, estimate=value, lower=lo, upper=hi,
                             error=error))
    return rows


def summarise(rows: pd.DataFrame, designs_: List[dict]) -> pd.DataFrame:
    d = pd.DataFrame(designs_)
    x = rows.merge(d, on="design")
    x["covered"] = (x["lower"] <= x["N"]) & (x["N"] <= x["upper"])
    x["rel_error"] = x["estimate"] / x["N"] - 1
    x["width"] = (x["upper"] - x["lower"]) / x["N"]
    g = x.groupby(["design", "N", "p", "heterogeneity", "method"], sort=True)
    return g.agg(replicates=("replicate", "size"),
                 failed=("estimate", lambda s: int(s.isna().sum())),
                 coverage=("covered", "mean"),
                 bias=("rel_error", "mean"),
                 median_width=("width", "median")).reset_index()


def study(client, reps: int, batch: int, seed: int) -> pd.DataFrame:
    """Spread the designs × replicates over ``client``'s workers, in batches."""
    ds = designs()
    futures = []
    for d in ds:
        for start in range(0, reps, batch):
            futures.append(client.submit(run_batch, d, range(start, min(start + batch, reps)),
                                         seed, pure=False))
    rows = [row for part in client.gather(futures) for row in part]
    return pd.DataFrame(rows)


def main(argv=None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (default: a LocalCluster)")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    ap.add_argument("--reps", type=int, default=100, help="replicates per design (default 100)")
    ap.add_argument("--batch", type=int, default=25, help="replicates per task (default 25)")
    ap.add_argument("--seed", type=int, default=2013)
    ap.add_argument("--out", help="write every replicate's row to this CSV")
    a = ap.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    start = time.perf_counter()
    if a.scheduler:
        client, cluster = Client(a.scheduler), None
    else:
        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        rows = study(client, a.reps, a.batch, a.seed)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if a.out:
        rows.to_csv(a.out, index=False)
    table = summarise(rows, designs())
    with pd.option_context("display.width", 120, "display.max_rows", 200):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"\n{len(rows)} estimates of {len(designs())} designs x {a.reps} replicates in "
          f"{time.perf_counter() - start:.1f} s")
    return table


if __name__ == "__main__":
    main()
