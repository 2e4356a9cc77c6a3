"""The UK 2013 modern-slavery estimate (Home Office, Silverman 2014) from Python.

Six lists of potential victims (LA, NG, PF, GO, GP, NCA; 2,744 cases). Run from the
repository's root:

    python python/examples/uk_2013.py

It prints the lists, the stepwise log-linear estimate with a BCa interval from 1,000
bootstrap replicates (the selection re-run in each), the models the replicates chose, the
BIC ranking of the five-list table (PF and NCA merged, as the published analysis), and the
sensitivity table as Markdown.
"""

import sys
from pathlib import Path

import darkfigure as dfg

ROOT = Path(__file__).resolve().parents[2]
UK = ROOT / "data" / "ukdat.csv"


def main() -> None:
    table = dfg.read_csv(UK)
    s = dfg.summary(table)
    print(f"{table.name}: {s.observed} cases on {len(table)} lists")
    print(s.lists.to_string(index=False))

    r = dfg.estimate(table, select="stepwise", bootstrap=1000, seed=1, progress=sys.stderr.isatty())
    print(f"\nstepwise (p = 0.02): N = {r.estimate:,.0f}, 95% BCa [{r.interval.lower:,.0f}, "
          f"{r.interval.upper:,.0f}]; model {r.model_names}")
    chosen = r.replicates["model"].value_counts().head(5)
    print("models chosen most often in the 1,000 replicates:")
    print(chosen.to_string())

    five = table.select(merge=[["PF", "NCA"]])
    ranking = dfg.models(five, top=5)
    print("\nBIC ranking, PF and NCA merged (five lists):")
    print(ranking[["model_names", "bic", "estimate"]].to_string(index=False))

    rep = dfg.report(five, bootstrap=200, seed=1)
    print("\nsensitivity table (five lists, BCa rows from 200 replicates):")
    print(rep.attrs["markdown"])


if __name__ == "__main__":
    main()
