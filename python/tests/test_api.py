"""DataFrame input, errors, threads, the GIL, progress and pickling."""

import pickle
import threading
import time

import pandas as pd
import pytest

import darkfigure as dfg
from conftest import DATA


def test_dataframe_frequency_equals_file(cli):
    want, _, _ = cli("estimate", "data/ukdat_5.csv", "--select", "stepwise")
    frame = pd.read_csv(DATA / "ukdat_5.csv")
    assert dfg.estimate(frame, select="stepwise").to_dict() == want


def test_dataframe_long_equals_file(cli):
    want, _, _ = cli("estimate", "data/examples/kosovo_long.csv", "--select", "stepwise")
    frame = pd.read_csv(DATA / "examples" / "kosovo_long.csv")
    assert dfg.estimate(frame, select="stepwise").to_dict() == want
    # The long frame and the frequency table of the same lists: the same JSON.
    lists = dfg.read_csv(DATA / "examples" / "kosovo_long.csv").lists
    assert dfg.summary(frame).to_dict() == dfg.summary(frame, lists=lists).to_dict()


def test_dataframe_records_and_booleans(cli):
    # One row per case, as booleans: the same table as the frequency counts.
    freq = pd.read_csv(DATA / "korea.csv")
    lists = [c for c in freq.columns if c != "count"]
    records = freq.loc[freq.index.repeat(freq["count"]), lists].astype(bool).reset_index(drop=True)
    want, _, _ = cli("estimate", "data/korea.csv")
    got = dfg.estimate(records, format="records")
    assert got.to_dict()["estimate"] == want["estimate"]
    assert got.to_dict()["input_sha256"] == want["input_sha256"]


def test_bad_csv_names_line_and_column(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("A,B,C,count\n1,0,0,40\n0,1,0,-3\n0,0,1,5\n")
    _, code, err = cli("estimate", bad)
    assert code == 2
    with pytest.raises(ValueError) as e:
        dfg.estimate(bad)
    assert isinstance(e.value, dfg.InputError)
    assert (e.value.line, e.value.column) == (3, 4)
    # The library's message, as the CLI prints it after "error: ".
    assert "error: " + str(e.value) == err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "column,value,problem",
    [("count", -3, "negative"), ("NG", 2, None), ("count", 2.5, None)],
)
def test_bad_dataframe_names_row_and_column(column, value, problem):
    frame = pd.read_csv(DATA / "ukdat_5.csv", dtype=object)
    frame.index = [f"r{i}" for i in range(len(frame))]
    frame.loc["r4", column] = value
    with pytest.raises(ValueError) as e:
        dfg.estimate(frame)
    err = e.value
    assert isinstance(err, dfg.InputError)
    assert err.row == "r4" and err.column_name == column
    assert "row 'r4'" in str(err) and f"column '{column}'" in str(err)
    if problem:
        assert problem in str(err)


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        dfg.estimate("data/no_such_file.csv")


def test_options_without_effect_are_errors():
    with pytest.raises(dfg.OptionError) as e:
        dfg.estimate("data/ukdat.csv", seed=3)
    assert e.value.name == "seed"
    with pytest.raises(ValueError) as e:
        dfg.estimate("data/ukdat.csv", select="bic", pthresh=0.1)
    assert e.value.name == "pthresh" and str(e.value).startswith("option pthresh = 0.1")
    with pytest.raises(dfg.OptionError):
        dfg.estimate("data/ukdat.csv", method="mt", select="stepwise")
    with pytest.raises(dfg.OptionError):
        dfg.estimate("data/ukdat.csv", select="nonsense")
    with pytest.raises(dfg.OptionError):
        dfg.estimate("data/ukdat.csv", threads=0)
    with pytest.raises(dfg.ModelSyntaxError):
        dfg.estimate("data/ukdat.csv", model="LA*XX")


def test_too_costly():
    with pytest.raises(dfg.TooCostlyError):
        dfg.models("data/neworl.csv")


def test_thread_count_invariance(cli):
    kw = dict(select="stepwise", bootstrap=100, seed=11)
    one = dfg.estimate("data/ukdat.csv", threads=1, **kw).to_dict()
    two = dfg.estimate("data/ukdat.csv", threads=2, **kw).to_dict()
    default = dfg.estimate("data/ukdat.csv", **kw).to_dict()
    assert one == two == default
    want, _, _ = cli("estimate", "data/ukdat.csv", "--select", "stepwise", "--bootstrap", 100,
                     "--seed", 11, "--threads", 1)
    assert one == want
    with pytest.warns(RuntimeWarning):
        many = dfg.estimate("data/ukdat.csv", threads=10_000, **kw).to_dict()
    assert many == one
    m1 = dfg.models("data/ukdat.csv", max_order=2, top=5, threads=1).attrs["json"]
    m2 = dfg.models("data/ukdat.csv", max_order=2, top=5, threads=2).attrs["json"]
    assert m1 == m2


def test_gil_released():
    # A Python thread keeps running while the library computes.
    ticks = []
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=spin)
    t.start()
    try:
        start = len(ticks)
        dfg.models("data/ukdat.csv", max_order=2, top=3, threads=1)
        during = len(ticks) - start
    finally:
        stop.set()
        t.join()
    assert during > 10


def test_progress_callback():
    seen = []
    dfg.estimate("data/ukdat_5.csv", select="stepwise", bootstrap=200,
                 progress=lambda done, total: seen.append((done, total)))
    assert seen and all(total == 200 for _, total in seen)
    assert seen[-1][0] == 200
    ranks = []
    dfg.models("data/ukdat_5.csv", progress=lambda d, t: ranks.append((d, t)))
    assert ranks and ranks[-1][0] == ranks[-1][1]


def test_progress_callback_error_is_raised():
    def boom(done, total):
        raise KeyError("stop")

    with pytest.raises(KeyError):
        dfg.estimate("data/ukdat_5.csv", select="stepwise", bootstrap=50, progress=boom)


def test_tqdm_progress():
    pytest.importorskip("tqdm")
    r = dfg.estimate("data/ukdat_5.csv", select="stepwise", bootstrap=50, progress=True)
    assert r.ok


def test_table_reuse_and_pickle():
    table = dfg.read_csv("data/ukdat_5.csv")
    assert table.lists == ["LA", "NG", "PFNCA", "GO", "GP"]
    assert len(table.counts) == 32 and table.observed == sum(table.counts)
    again = pickle.loads(pickle.dumps(table))
    assert again.counts == table.counts and again.lists == table.lists
    a = dfg.estimate(table, select="stepwise").to_dict()
    b = dfg.estimate(again, select="stepwise").to_dict()
    assert a == b == dfg.estimate("data/ukdat_5.csv", select="stepwise").to_dict()
    same = dfg.from_counts(table.lists, table.counts)
    assert dfg.estimate(same).to_dict()["input_sha256"] == a["input_sha256"]
    assert "LA,NG,PFNCA,GO,GP,count" in table.to_csv()


def test_result_attributes():
    r = dfg.estimate("data/ukdat.csv", select="stepwise", bootstrap=50, seed=2)
    d = r.to_dict()
    assert r.estimate == d["estimate"] and r.interval.upper == d["interval"]["upper"]
    assert r.bootstrap["replicates"] == 50 and r.selection is not None
    assert r.lists == d["lists"] and r.label == d["label"]
    assert len(r.replicates) == 50
    assert "Estimate(" in repr(r)
    s = dfg.summary("data/ukdat.csv")
    assert list(s.lists["name"]) == d["lists"]
    rep = dfg.report("data/ukdat_5.csv", select="stepwise", leave_one_out=False)
    assert rep.attrs["markdown"].startswith("|") or "|" in rep.attrs["markdown"]
