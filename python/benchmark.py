"""Benchmark: a Python call against the CLI on the UK six lists (stepwise + BCa, B = 1,000).

    python python/benchmark.py [--runs 15]

Times, on the same machine: (1) the CLI process,
``darkfigure estimate data/ukdat.csv --select stepwise --bootstrap 1000 --json``, wall time
from spawn to exit; (2) the call ``darkfigure.estimate("data/ukdat.csv", select="stepwise",
bootstrap=1000)`` inside a running Python, the JSON parsed into the result included; (3) a
whole ``python -c`` process making that call (interpreter start and import included).
Reports the median and the minimum of each, and the ratio of the medians.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = os.environ.get("DARKFIGURE_BIN", str(ROOT / "target" / "release" / "darkfigure"))
ARGS = ["estimate", "data/ukdat.csv", "--select", "stepwise", "--bootstrap", "1000", "--json"]
CALL = 'darkfigure.estimate("data/ukdat.csv", select="stepwise", bootstrap=1000)'


def timed(f, runs):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    a = ap.parse_args()
    os.chdir(ROOT)
    import darkfigure

    cli = lambda: subprocess.run([CLI, *ARGS], check=True, stdout=subprocess.DEVNULL)  # noqa: E731
    call = lambda: eval(CALL, {"darkfigure": darkfigure})  # noqa: E731
    proc = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "-c", f"import darkfigure; {CALL}"], check=True)
    # One warm-up of each (page cache, CPU frequency).
    cli(), call(), proc()
    rows = []
    for name, f in [("CLI process", cli), ("Python call", call), ("python -c process", proc)]:
        ts = timed(f, a.runs)
        rows.append((name, statistics.median(ts), min(ts)))
    base = rows[0][1]
    print(f"{a.runs} runs each, {os.cpu_count()} cores")
    for name, med, lo in rows:
        print(f"{name:20s} median {med * 1000:7.1f} ms  min {lo * 1000:7.1f} ms  "
              f"ratio {med / base:5.2f}")


if __name__ == "__main__":
    main()
