"""Tables of lists × covariates: the Python calls give the CLI's ``--covariates`` JSON exactly.

Bootstraps are small (B = 50 with the model fixed) to keep the file quick on 2 cores; the
re-selecting bootstrap (B = 2, ~7 s a call) runs only with ``DARKFIGURE_SLOW=1``.
"""

import os
import subprocess

import pandas as pd
import pytest

import darkfigure as dfg
from conftest import ROOT, cli_path

CELLS = "data/covariates/westeros_cells.csv"
PEOPLE = "data/covariates/westeros_individuals.csv"
COVS = "X1,X2,X3,X4,Y"
COV_LIST = ["X1", "X2", "X3", "X4", "Y"]
MODEL = "(R1+R2+R3+R4)*(X1+Y) + R1:R2"


def cli_text(*args):
    p = subprocess.run([str(cli_path()), *map(str, args)], capture_output=True, text=True,
                       cwd=ROOT)
    return p.stdout, p.returncode


@pytest.fixture(scope="module")
def search(cli):
    """``--select model-search --year Y``, the CLI's and the Python call's."""
    want, code, _ = cli("estimate", CELLS, "--covariates", COVS, "--select", "model-search",
                        "--year", "Y")
    assert code == 0
    got = dfg.estimate(CELLS, covariates=COV_LIST, select="model-search", year="Y")
    return want, got


def test_fixed_formula(cli):
    want, code, _ = cli("estimate", CELLS, "--covariates", COVS, "--model", MODEL)
    assert code == 0
    got = dfg.estimate(CELLS, covariates=COVS, model=MODEL)
    assert isinstance(got, dfg.CovariateEstimate) and got.ok
    assert got.to_dict() == want
    assert got.estimate == want["estimate"]
    assert got.interval.method == want["interval"]["method"]
    assert got.interval.lower == want["interval"]["lower"]
    assert set(got.by) == set(want["by"]) == set(COV_LIST)
    for cov, rows in want["by"].items():
        frame = got.by[cov]
        assert list(frame["level"]) == [r["level"] for r in rows]
        assert list(frame["estimate"]) == [r["estimate"] for r in rows]
    assert len(got.cells) == len(want["cells"])
    assert list(got.cells["fitted"]) == [c["fitted"] for c in want["cells"]]
    assert set(COV_LIST) <= set(got.cells.columns)


def test_default_main_effects_and_text(cli):
    want, code, _ = cli("estimate", CELLS, "--covariates", COVS)
    got = dfg.estimate(CELLS, covariates=COVS)
    assert got.to_dict() == want
    text, code = cli_text("estimate", CELLS, "--covariates", COVS)
    assert code == 0 and got.text == text


def test_model_search_year(search):
    want, got = search
    assert got.to_dict() == want
    assert got.selection["method"] == "model-search"
    assert list(got.changes) == ["Y"]
    assert len(got.changes["Y"]) == len(want["changes"]["Y"]) == 3
    assert list(got.changes["Y"]["change"]) == [c["change"] for c in want["changes"]["Y"]]


def test_fixed_model_bootstrap(cli):
    args = ["--select", "model-search", "--year", "Y", "--bootstrap", 50,
            "--fixed-model-bootstrap", "--seed", 1]
    want, code, _ = cli("estimate", CELLS, "--covariates", COVS, *args)
    assert code == 0
    ticks = []
    got = dfg.estimate(CELLS, covariates=COV_LIST, select="model-search", year="Y",
                       bootstrap=50, fixed_model_bootstrap=True, seed=1,
                       progress=lambda done, total: ticks.append((done, total)))
    assert got.to_dict() == want
    assert got.interval.method == "bca"
    assert got.bootstrap["replicates"] == 50 and not got.bootstrap["reselected"]
    assert ticks and ticks[-1] == (50, 50)
    assert "bca_lower" in got.by["Y"].columns


def test_parametric_percentile(cli):
    args = ["--model", MODEL, "--bootstrap", 5, "--interval", "percentile", "--seed", 2,
            "--bootstrap-kind", "parametric", "--level", 0.9]
    want, code, _ = cli("estimate", CELLS, "--covariates", COVS, *args)
    got = dfg.estimate(CELLS, covariates=COVS, model=MODEL, bootstrap=5, interval="percentile",
                       seed=2, bootstrap_kind="parametric", level=0.9)
    assert got.to_dict() == want


@pytest.mark.skipif(not os.environ.get("DARKFIGURE_SLOW"),
                    reason="re-selecting replicates take ~7 s each call on 2 cores; set DARKFIGURE_SLOW=1")
def test_reselecting_bootstrap_slow(cli):
    # Re-running the model search in each replicate (B = 2).
    args = ["--select", "model-search", "--year", "Y", "--bootstrap", 2, "--seed", 4]
    want, code, _ = cli("estimate", CELLS, "--covariates", COVS, *args)
    got = dfg.estimate(CELLS, covariates=COVS, select="model-search", year="Y", bootstrap=2,
                       seed=4)
    assert got.to_dict() == want
    assert got.bootstrap["reselected"]


def test_cross_and_levels(cli):
    args = ["--model", "R1+R2+R3+R4+X1*Y", "--cross", "X1:Y", "--levels", "Y=4,3,2,1",
            "--levels", "X4=3,2,1"]
    want, code, _ = cli("estimate", CELLS, "--covariates", COVS, *args)
    assert code == 0
    got = dfg.estimate(CELLS, covariates=COVS, model="R1+R2+R3+R4+X1*Y", cross=("X1", "Y"),
                       levels={"Y": [4, 3, 2, 1], "X4": "3,2,1"})
    assert got.to_dict() == want
    assert len(got.by["X1:Y"]) == 8
    again = dfg.estimate(CELLS, covariates=COVS, model="R1+R2+R3+R4+X1*Y", cross=["X1:Y"],
                         levels=["Y=4,3,2,1", "X4=3,2,1"])
    assert again.to_dict() == want


def test_summary(cli):
    want, code, _ = cli("summary", CELLS, "--covariates", COVS)
    assert code == 0
    got = dfg.summary(CELLS, covariates=COVS)
    assert isinstance(got, dfg.CovariateSummary)
    assert got.to_dict() == want
    assert got.observed == want["observed"]
    assert list(got.covariates) == COV_LIST
    text, _ = cli_text("summary", CELLS, "--covariates", COVS)
    assert got.text == text


def test_report(cli):
    want, code, _ = cli("report", CELLS, "--covariates", COVS, "--year", "Y")
    assert code == 0
    frame = dfg.report(CELLS, covariates=COVS, year="Y")
    assert frame.attrs["json"] == want
    assert list(frame["category"]) == [r["category"] for r in want["rows"]]
    md, _ = cli_text("report", CELLS, "--covariates", COVS, "--year", "Y", "--markdown")
    assert frame.attrs["markdown"] == md
    csv, _ = cli_text("report", CELLS, "--covariates", COVS, "--year", "Y", "--csv")
    assert frame.attrs["csv"] == csv


def test_report_model_bootstrap(cli):
    args = ["--model", MODEL, "--bootstrap", 20, "--seed", 5, "--level", 0.8]
    want, code, _ = cli("report", CELLS, "--covariates", COVS, *args)
    frame = dfg.report(CELLS, covariates=COVS, model=MODEL, bootstrap=20, seed=5, level=0.8)
    assert frame.attrs["json"] == want


def test_individuals_file_and_frames(cli, tmp_path):
    want, code, _ = cli("estimate", PEOPLE, "--covariates", COVS)
    assert code == 0
    got = dfg.estimate(PEOPLE, covariates=COVS)
    assert got.to_dict() == want
    # The frequency table of the same people gives the same JSON (the hash is the table's).
    assert dfg.estimate(CELLS, covariates=COVS).to_dict() == want
    # DataFrames in the three layouts.
    people = pd.read_csv(ROOT / PEOPLE)
    assert dfg.estimate(people, covariates=COVS).to_dict() == want
    cells = pd.read_csv(ROOT / CELLS)
    assert dfg.estimate(cells, covariates=COV_LIST).to_dict() == want
    rows = []
    for i, r in people.iterrows():
        for name in ["R1", "R2", "R3", "R4"]:
            if r[name] == 1:
                rows.append({"list": name, "id": f"p{i}", **{c: r[c] for c in COV_LIST}})
    # (Lists in order of appearance, R4 first: the same fit, another label; the CLI is
    # given the same long table as a file.)
    long = pd.DataFrame(rows)
    long.to_csv(tmp_path / "long.csv", index=False)
    want_long, code, _ = cli("estimate", tmp_path / "long.csv", "--covariates", COVS)
    assert code == 0
    assert dfg.estimate(long, covariates=COVS).to_dict() == want_long
    assert want_long["estimate"] == pytest.approx(want["estimate"], rel=1e-9)
    # A table read once, reused.
    table = dfg.read_covariates(PEOPLE, COVS)
    assert table.lists == ["R1", "R2", "R3", "R4"] and table.observed == want["observed"]
    assert dfg.estimate(table).to_dict() == want
    want_s, _, _ = cli("summary", PEOPLE, "--covariates", COVS)
    assert dfg.summary(table).to_dict() == want_s


def test_no_estimate_mirrors_exit_3(cli):
    want, code, _ = cli("estimate", CELLS, "--covariates", COVS, "--model", ".^2")
    assert code == 3
    got = dfg.estimate(CELLS, covariates=COVS, model=".^2")
    assert got.to_dict() == want
    assert got.estimate is None and not got.ok and "does not exist" in got.error
    with pytest.raises(dfg.NoEstimateError):
        dfg.estimate(CELLS, covariates=COVS, model=".^2", strict=True)


def test_unknown_covariate(cli):
    _, code, err = cli("estimate", CELLS, "--covariates", "X1,sex")
    assert code == 2
    with pytest.raises(ValueError, match="'sex'") as e:
        dfg.estimate(CELLS, covariates="X1,sex")
    assert isinstance(e.value, dfg.InputError)
    assert e.value.line == 1 and "westeros_cells.csv:1" in str(e.value)
    assert str(e.value) in err
    frame = pd.read_csv(ROOT / CELLS)
    with pytest.raises(dfg.InputError, match="'sex'"):
        dfg.estimate(frame, covariates=["X1", "sex"])
    with pytest.raises(dfg.OptionError, match="'Z'"):
        dfg.estimate(CELLS, covariates=COVS, levels={"Z": [1, 2]})
    with pytest.raises(dfg.OptionError, match="year"):
        dfg.estimate(CELLS, covariates=COVS, year="Q")


def test_bad_cell_in_frame():
    frame = pd.read_csv(ROOT / PEOPLE)
    frame.loc[3, "R2"] = 2
    with pytest.raises(dfg.InputError) as e:
        dfg.estimate(frame, covariates=COVS)
    assert e.value.row == 3 and e.value.column_name == "R2"
    assert "row 3" in str(e.value) and "'R2'" in str(e.value)
    frame = pd.read_csv(ROOT / PEOPLE)
    frame.loc[5, "X1"] = None
    with pytest.raises(dfg.InputError) as e:
        dfg.estimate(frame, covariates=COVS)
    assert e.value.row == 5
    assert dfg.estimate(frame, covariates=COVS, missing="level").ok


@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(method="mh-chao"), "method"),
        (dict(pthresh=0.05), "pthresh"),
        (dict(max_order=2), "max_order"),
        (dict(samples=100), "samples"),
        (dict(seed=3), "seed"),
        (dict(interval="bca"), "interval"),
        (dict(select="model-search", fixed_model_bootstrap=True), "fixed_model_bootstrap"),
        (dict(bootstrap=5, replay="x.csv"), "replay"),
        (dict(merge="R1,R2"), "merge"),
    ],
)
def test_options_refused(kwargs, name):
    with pytest.raises(dfg.OptionError) as e:
        dfg.estimate(CELLS, covariates=COVS, **kwargs)
    assert e.value.name == name


def test_covariate_options_need_covariates():
    for kwargs in [dict(year="Y"), dict(cross="X1:Y"), dict(levels={"Y": [1, 2]}),
                   dict(fixed_model_bootstrap=True)]:
        with pytest.raises(dfg.OptionError) as e:
            dfg.estimate("data/ukdat_5.csv", **kwargs)
        assert e.value.name == next(iter(kwargs))
    with pytest.raises(dfg.OptionError):
        dfg.report("data/ukdat_5.csv", model="main")
    with pytest.raises(dfg.OptionError):
        dfg.summary("data/ukdat_5.csv", missing="level")
    with pytest.raises(dfg.OptionError) as e:
        dfg.report(CELLS, covariates=COVS, leave_one_out=False)
    assert e.value.name == "leave_one_out"
