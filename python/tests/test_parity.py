"""The Python calls give the CLI's JSON, number for number, on every bundled dataset.

Nothing is ignored in the comparison: the JSON carries no timing and no input path (the
table's hash stands for the input), and both front ends are given the same path. Bootstraps
are small (B = 50) and model rankings short (top 5) to keep the suite quick on 2 cores.
"""

import pytest

import darkfigure as dfg
from conftest import DATASETS, rel

IDS = [rel(p) for p in DATASETS]


def lists_of(path) -> int:
    return len(dfg.read_csv(path).lists)


@pytest.mark.parametrize("path", DATASETS, ids=IDS)
def test_summary(cli, path):
    want, code, _ = cli("summary", rel(path))
    assert code == 0
    assert dfg.summary(rel(path)).to_dict() == want


@pytest.mark.parametrize("path", DATASETS, ids=IDS)
def test_check_main(cli, path):
    want, code, _ = cli("check", rel(path), "--model", "main")
    got = dfg.check(rel(path), "main")
    assert got.to_dict() == want
    assert got.passes == (code == 0)


@pytest.mark.parametrize("path", DATASETS, ids=IDS)
def test_estimate_main(cli, path):
    want, code, _ = cli("estimate", rel(path))
    got = dfg.estimate(rel(path))
    assert got.to_dict() == want
    assert got.ok == (code == 0)
    assert got.estimate == want["estimate"]
    assert got.interval.lower == want["interval"]["lower"]


@pytest.mark.parametrize("path", DATASETS, ids=IDS)
def test_estimate_stepwise_bootstrap(cli, path):
    want, code, _ = cli("estimate", rel(path), "--select", "stepwise", "--bootstrap", 50,
                        "--seed", 7)
    got = dfg.estimate(rel(path), select="stepwise", bootstrap=50, seed=7)
    assert got.to_dict() == want
    assert got.interval.method == want["interval"]["method"] == "bca"
    assert got.ok == (code == 0)


@pytest.mark.parametrize("path", DATASETS, ids=IDS)
def test_models(cli, path):
    t = lists_of(path)
    # All orders up to 5 lists; pairwise for 6 (32,768 models); main effects beyond.
    extra = [] if t <= 5 else ["--max-order", 2 if t == 6 else 1]
    want, code, _ = cli("models", rel(path), "--top", 5, *extra)
    frame = dfg.models(rel(path), top=5, max_order=extra[1] if extra else None)
    assert frame.attrs["json"] == want
    assert list(frame["model_names"]) == [m["model_names"] for m in want["models"]]
    assert list(frame["bic"]) == [m["bic"] for m in want["models"]]


@pytest.mark.parametrize("path", DATASETS, ids=IDS)
def test_report(cli, path):
    # ned.csv's dga row (6 lists, N in the thousands) takes ~12 s: leave its list R out, as
    # --omit R (5 lists) — the report's code paths are the same.
    omit = ["--omit", "R"] if path.name == "ned.csv" else []
    want, code, _ = cli("report", rel(path), *omit)
    frame = dfg.report(rel(path), omit="R" if omit else None)
    assert frame.attrs["json"] == want
    assert list(frame["id"]) == [r["id"] for r in want["rows"]]
    assert [None if x != x else x for x in frame["estimate"]] == [
        r["estimate"] for r in want["rows"]]


def test_report_bootstrap_and_options(cli):
    args = ["--bootstrap", 50, "--seed", 3, "--select", "stepwise,bic", "--level", 0.9,
            "--no-leave-one-out"]
    want, _, _ = cli("report", "data/ukdat_5.csv", *args)
    frame = dfg.report("data/ukdat_5.csv", bootstrap=50, seed=3, select="stepwise,bic",
                       level=0.9, leave_one_out=False)
    assert frame.attrs["json"] == want
    assert "stepwise-bca" in set(frame["id"])


@pytest.mark.parametrize(
    "args,kwargs",
    [
        (["--method", "lcmcr", "--samples", 500, "--burnin", 500, "--seed", 5],
         dict(method="lcmcr", samples=500, burnin=500, seed=5)),
        (["--method", "dga"], dict(method="dga")),
        (["--method", "dga", "--prior", "lognormal:8,1", "--top", 3, "--level", 0.9],
         dict(method="dga", prior="lognormal:8,1", top=3, level=0.9)),
        (["--method", "mh-chao"], dict(method="mh-chao")),
        (["--method", "mt", "--bootstrap", 50], dict(method="mt", bootstrap=50)),
        (["--select", "aic-stepwise"], dict(select="aic-stepwise")),
        (["--select", "bic", "--bootstrap", 50, "--ntop", 10],
         dict(select="bic", bootstrap=50, ntop=10)),
        (["--select", "aic", "--max-order", 2], dict(select="aic", max_order=2)),
        (["--model", "[12,34,5]", "--interval", "profile"],
         dict(model="[12,34,5]", interval="profile")),
        (["--model", "LA*NG + GO", "--bootstrap", 50, "--bootstrap-kind", "parametric",
          "--interval", "percentile", "--level", 0.8],
         dict(model="LA*NG + GO", bootstrap=50, bootstrap_kind="parametric",
              interval="percentile", level=0.8)),
    ],
    ids=["lcmcr", "dga", "dga-lognormal", "mh-chao", "mt-bootstrap", "aic-stepwise",
         "bic-bootstrap", "aic", "profile", "parametric-percentile"],
)
def test_estimate_methods(cli, args, kwargs):
    want, code, _ = cli("estimate", "data/ukdat_5.csv", *args)
    assert code == 0
    got = dfg.estimate("data/ukdat_5.csv", **kwargs)
    assert got.to_dict() == want
    assert got.method == want["method"]
    if kwargs.get("method") == "lcmcr":
        draws = got.draws
        assert len(draws) == got.posterior["chains"] * got.posterior["draws_per_chain"]


def test_graphs(cli):
    want, code, _ = cli("models", "data/ukdat_5.csv", "--method", "dga", "--top", 5)
    assert code == 0
    frame = dfg.graphs("data/ukdat_5.csv", top=5)
    assert frame.attrs["json"] == want
    assert len(frame) == 5
    assert list(frame["probability"]) == [m["probability"] for m in want["models"]]


def test_input_options(cli):
    want, _, _ = cli("estimate", "data/ukdat.csv", "--merge", "PF,NCA", "--omit", "GP",
                     "--select", "stepwise")
    got = dfg.estimate("data/ukdat.csv", merge="PF,NCA", omit="GP", select="stepwise")
    assert got.to_dict() == want
    table = dfg.read_csv("data/ukdat.csv")
    again = dfg.estimate(table, merge=[["PF", "NCA"]], omit=["GP"], select="stepwise")
    assert again.to_dict() == want


def test_no_estimate_mirrors_exit_3(cli):
    want, code, err = cli("estimate", "data/artificial_3.csv", "--model", "A*B")
    assert code == 3 and want["estimate"] is None
    got = dfg.estimate("data/artificial_3.csv", model="A*B")
    assert got.to_dict() == want
    assert got.estimate is None and not got.ok
    assert got.error == want["error"]
    with pytest.raises(dfg.NoEstimateError) as e:
        got.raise_for_error()
    assert e.value.result is got
    with pytest.raises(dfg.NoEstimateError):
        dfg.estimate("data/artificial_3.csv", model="A*B", strict=True)


def test_replicates_frame(cli, tmp_path):
    out = tmp_path / "reps.csv"
    import subprocess

    from conftest import cli_path

    subprocess.run([str(cli_path()), "estimate", "data/ukdat_5.csv", "--select", "stepwise",
                    "--bootstrap", "30", "--replicates-out", str(out)], check=True,
                   capture_output=True)
    got = dfg.estimate("data/ukdat_5.csv", select="stepwise", bootstrap=30)
    import pandas as pd

    want = pd.read_csv(out, keep_default_na=False, na_values={"estimate": [""]},
                       dtype={"model": str})
    pd.testing.assert_frame_equal(got.replicates, want)


def test_simulate(cli):
    args = ["--model", "[12,13,24,25,35,45]", "--estimate", "--select stepwise --bootstrap 20",
            "--tables", 10, "--seed", 3, "--scheme", "poisson", "--coverage-levels", "0.8,0.95"]
    want, code, _ = cli("simulate", "data/ukdat_5.csv", *args)
    assert code == 0
    got = dfg.simulate("data/ukdat_5.csv", {"select": "stepwise", "bootstrap": 20},
                       model="[12,13,24,25,35,45]", tables=10, seed=3, scheme="poisson",
                       coverage_levels=[0.8, 0.95])
    assert got == want
    with pytest.raises(dfg.OptionError):
        dfg.simulate("data/ukdat_5.csv", {"seed": 1}, tables=5)


def test_calibrated_interval(cli):
    want, code, _ = cli("estimate", "data/ukdat_5.csv", "--select", "stepwise", "--interval",
                        "calibrated", "--calibration-tables", 20)
    got = dfg.estimate("data/ukdat_5.csv", select="stepwise", interval="calibrated",
                       calibration_tables=20)
    assert got.to_dict() == want
    assert got.interval.method == want["interval"]["method"]


def test_report_coverage(cli):
    want, _, _ = cli("report", "data/ukdat_5.csv", "--coverage", 10, "--select", "stepwise",
                     "--no-leave-one-out")
    frame = dfg.report("data/ukdat_5.csv", coverage=10, select="stepwise", leave_one_out=False)
    assert frame.attrs["json"] == want


@pytest.mark.parametrize("path", ["data/examples/kosovo_long.csv", "data/examples/sightings_long.csv"])
def test_convert(path):
    """``Table.to_csv()`` is ``darkfigure convert FILE`` byte for byte."""
    import subprocess

    from conftest import ROOT, cli_path

    want = subprocess.run([str(cli_path()), "convert", path], capture_output=True, text=True,
                          cwd=ROOT, check=True).stdout
    assert dfg.read_csv(ROOT / path).to_csv() == want
