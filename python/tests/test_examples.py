"""The examples run: the Dask study on a 2-worker LocalCluster, and the UK 2013 script."""

import subprocess
import sys

import pandas as pd
import pytest

from conftest import ROOT

EXAMPLES = ROOT / "python" / "examples"


def test_dask_study_on_two_worker_local_cluster(tmp_path):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "rows.csv"
    p = subprocess.run([sys.executable, str(EXAMPLES / "dask_study.py"), "--workers", "2",
                        "--reps", "6", "--batch", "3", "--out", str(out)],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr
    rows = pd.read_csv(out)
    # 8 designs x 6 replicates x 4 methods, each replicate once per method.
    assert len(rows) == 8 * 6 * 4
    assert not rows.duplicated(["design", "replicate", "method"]).any()
    assert rows["estimate"].notna().mean() > 0.9
    assert "estimates of 8 designs x 6 replicates" in p.stdout


def test_dask_study_is_reproducible_in_process():
    # The task function alone, without a cluster: the same rows for the same seed.
    sys.path.insert(0, str(EXAMPLES))
    try:
        import dask_study
    finally:
        sys.path.pop(0)
    d = dask_study.designs()[1]
    a = dask_study.run_batch(d, range(3), seed=5)
    b = dask_study.run_batch(d, range(3), seed=5)
    assert a == b and len(a) == 3 * len(dask_study.METHODS)


def test_uk_2013_example():
    p = subprocess.run([sys.executable, str(EXAMPLES / "uk_2013.py")], capture_output=True,
                       text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "stepwise (p = 0.02): N = 11,418" in p.stdout
