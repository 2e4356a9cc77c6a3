"""darkfigure: multiple-systems estimation of hidden populations, from Python.

The functions mirror the ``darkfigure`` command line — ``estimate``, ``models``, ``check``,
``summary``, ``report`` and ``graphs`` (``models --method dga``) — and call the same Rust
library functions, so options have the CLI's names, an argument left as ``None`` means the
CLI's default, and every result's ``to_dict()`` (or a frame's ``attrs["json"]``) is the object
that the CLI prints with ``--json``.

Input is a CSV path, a :class:`pandas.DataFrame` (0/1 list columns and a ``count`` column,
one row per case, or a long ``list,id`` frame), CSV bytes, or a :class:`Table` (loaded once,
reused for many calls).

>>> import darkfigure as df_
>>> r = df_.estimate("data/ukdat.csv", select="stepwise", bootstrap=200, seed=1)  # doctest: +SKIP
>>> r.estimate, r.interval.lower, r.interval.upper  # doctest: +SKIP

The computations run without the GIL, on all cores by default (``threads=`` to limit them;
results are identical for any number of threads).
"""

from __future__ import annotations

import io
import json
import os
import warnings as _warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from . import _core
from ._core import Table
from .errors import (
    DarkfigureError,
    InputError,
    ModelSyntaxError,
    NoEstimateError,
    OptionError,
    TooCostlyError,
)

__version__ = "0.1.0"

__all__ = [
    "Table",
    "read_csv",
    "from_dataframe",
    "from_counts",
    "estimate",
    "models",
    "graphs",
    "check",
    "summary",
    "report",
    "simulate",
    "Estimate",
    "Interval",
    "Check",
    "Summary",
    "DarkfigureError",
    "InputError",
    "OptionError",
    "ModelSyntaxError",
    "NoEstimateError",
    "TooCostlyError",
]

#: The source name of a DataFrame's table in messages.
FRAME_SOURCE = "<DataFrame>"

Names = Union[str, Sequence[str]]
Progress = Union[None, bool, Callable[[int, Optional[int]], Any]]


# ----------------------------------------------------------------------------------------
# Input


def _names(v: Optional[Names]) -> Optional[List[str]]:
    if v is None:
        return None
    if isinstance(v, str):
        return [s.strip() for s in v.split(",") if s.strip()]
    return [str(s) for s in v]


def _merge(v: Union[None, str, Sequence[Names]]) -> Optional[List[List[str]]]:
    if v is None:
        return None
    if isinstance(v, str):
        return [_names(v)]
    return [_names(g) for g in v]


def _input_kwargs(merge, omit, lists) -> Dict[str, Any]:
    return {"merge": _merge(merge), "omit": _names(omit), "lists": _names(lists)}


def read_csv(
    path: Union[str, os.PathLike],
    *,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
    list_col: Optional[str] = None,
    id_col: Optional[str] = None,
    merge: Union[None, str, Sequence[Names]] = None,
    omit: Optional[Names] = None,
    lists: Optional[Names] = None,
) -> Table:
    """Read a CSV file as ``darkfigure`` reads it.

    ``format`` is ``"frequency"`` (0/1 list columns + count), ``"records"`` (one row per case),
    ``"long"`` (rows ``list,id``) or ``"auto"`` (default); ``delimiter`` ``","``, ``";"`` or
    ``"tab"`` (default: detected). ``merge`` takes groups of lists (``"PF,NCA"`` or
    ``[["PF", "NCA"], ...]``), ``omit`` and ``lists`` names (``"A,B"`` or a list).

    Raises :class:`InputError` (a ``ValueError``) naming the line and column of bad input,
    ``FileNotFoundError`` for a missing file.
    """
    return Table.read(
        os.fspath(path),
        format=format,
        delimiter=delimiter,
        list_col=list_col,
        id_col=id_col,
        **_input_kwargs(merge, omit, lists),
    )


def _frame_csv(frame) -> bytes:
    """A DataFrame as CSV: booleans as 0/1, integral floats as integers, missing as empty."""
    import pandas as pd

    out = frame.copy(deep=False)
    out.columns = [str(c) for c in out.columns]
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_bool_dtype(col):
            out[c] = col.astype("int64")
        elif pd.api.types.is_float_dtype(col):
            finite = col.dropna()
            if len(finite) and bool(((finite % 1) == 0).all()) and bool((finite.abs() < 2**53).all()):
                out[c] = col.astype("Int64")
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode()


def _frame_error(e: InputError, frame) -> InputError:
    """An input error of a DataFrame's CSV with the row (index label) and column named."""
    row = column_name = None
    where = []
    if e.line is not None and 2 <= e.line < len(frame) + 2:
        row = frame.index[e.line - 2]
        where.append(f"row {row!r}")
    elif e.line == 1:
        where.append("the column names")
    if e.column is not None and 1 <= e.column <= len(frame.columns):
        column_name = str(frame.columns[e.column - 1])
        where.append(f"column {column_name!r}")
    place = ", ".join(where) if where else "the frame"
    msg = f"{FRAME_SOURCE} {place}: {e.problem}. Fix: {e.fix}"
    return InputError(
        msg,
        file=e.file,
        line=e.line,
        column=e.column,
        problem=e.problem,
        fix=e.fix,
        row=row,
        column_name=column_name,
    )


def from_dataframe(
    frame,
    *,
    format: Optional[str] = None,
    list_col: Optional[str] = None,
    id_col: Optional[str] = None,
    merge: Union[None, str, Sequence[Names]] = None,
    omit: Optional[Names] = None,
    lists: Optional[Names] = None,
    name: str = FRAME_SOURCE,
) -> Table:
    """A table from a :class:`pandas.DataFrame` in any layout the CSV reader takes: 0/1 list
    columns and a ``count`` column, one row per case (0/1 columns, optionally an ``id``
    column), or a long frame of ``list`` and ``id`` columns. The frame is read by the same
    reader as a CSV file, with the same checks.

    Raises :class:`InputError` with ``.row`` (the index label) and ``.column_name`` of the
    offending cell.
    """
    try:
        return Table.parse(
            _frame_csv(frame),
            name,
            format=format,
            delimiter=",",
            list_col=list_col,
            id_col=id_col,
            **_input_kwargs(merge, omit, lists),
        )
    except InputError as e:
        if e.file == name:
            raise _frame_error(e, frame) from None
        raise


def from_counts(
    names: Sequence[str], counts: Sequence[int], name: str = "table"
) -> Table:
    """A table from list names and a count per capture history indexed by bitmask (list
    ``i`` is bit ``i``; ``len(counts) == 2 ** len(names)``; ``counts[0]`` is ignored)."""
    return Table.from_counts(list(names), [int(c) for c in counts], name)


Data = Union[str, os.PathLike, bytes, Table, Any]


def _table(data: Data, format, delimiter, list_col, id_col, merge, omit, lists) -> Table:
    if isinstance(data, Table):
        given = [n for n, v in [("format", format), ("delimiter", delimiter),
                               ("list_col", list_col), ("id_col", id_col)] if v is not None]
        if given:
            raise OptionError(
                f"option {given[0]} = {locals()[given[0]]}: it is a reading option, and the "
                "table is read already; drop it",
                name=given[0],
                value=str(locals()[given[0]]),
                problem="it is a reading option, and the table is read already; drop it",
            )
        if merge is None and omit is None and lists is None:
            return data
        return data.select(**_input_kwargs(merge, omit, lists))
    if isinstance(data, (str, os.PathLike)):
        return read_csv(data, format=format, delimiter=delimiter, list_col=list_col,
                        id_col=id_col, merge=merge, omit=omit, lists=lists)
    if isinstance(data, (bytes, bytearray)):
        return Table.parse(bytes(data), "<bytes>", format=format, delimiter=delimiter,
                           list_col=list_col, id_col=id_col, **_input_kwargs(merge, omit, lists))
    if hasattr(data, "to_csv") and hasattr(data, "columns"):
        if delimiter is not None:
            raise OptionError(
                f"option delimiter = {delimiter}: a DataFrame has no delimiter; drop it",
                name="delimiter", value=str(delimiter),
                problem="a DataFrame has no delimiter; drop it",
            )
        return from_dataframe(data, format=format, list_col=list_col, id_col=id_col,
                              merge=merge, omit=omit, lists=lists)
    raise TypeError(
        f"expected a CSV path, a pandas DataFrame, CSV bytes or a darkfigure.Table, not {type(data).__name__}"
    )


# ----------------------------------------------------------------------------------------
# Threads and progress


def _threads(n: Optional[int]) -> Optional[int]:
    if n is None:
        return None
    n = int(n)
    if n < 1:
        raise OptionError(f"option threads = {n}: must be at least 1", name="threads",
                          value=str(n), problem="must be at least 1")
    available = _core.available_threads()
    if n > available:
        _warnings.warn(
            f"threads={n} is more than the {available} this machine can run at once; using {available}",
            RuntimeWarning,
            stacklevel=3,
        )
        return available
    return n


class _Tqdm:
    """A tqdm bar fed by the library's progress ticks (created on the first tick)."""

    def __init__(self, desc: str):
        from tqdm.auto import tqdm  # noqa: F401  (fail early if tqdm is missing)

        self.desc = desc
        self.bar = None

    def __call__(self, done: int, total: Optional[int]) -> None:
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=self.desc)
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _progress(p: Progress, desc: str):
    if p is None or p is False:
        return None, None
    if p is True:
        bar = _Tqdm(desc)
        return bar, bar
    if callable(p):
        return p, None
    raise TypeError("progress must be None, True (a tqdm bar) or a callable(done, total)")


# ----------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Interval:
    """An interval: ``method`` (wald, profile, bca, percentile, credible), ``level``,
    ``lower``, ``upper`` (``None`` where they do not exist), ``flags`` (the BCa warnings…)."""

    method: str
    level: float
    lower: Optional[float]
    upper: Optional[float]
    flags: Tuple[str, ...] = ()
    profile_mle: Optional[float] = None

    @classmethod
    def _from(cls, d: Optional[dict]) -> Optional["Interval"]:
        if not d:
            return None
        return cls(
            method=d.get("method"),
            level=d.get("level"),
            lower=d.get("lower"),
            upper=d.get("upper"),
            flags=tuple(d.get("flags") or ()),
            profile_mle=d.get("profile_mle"),
        )


@dataclass(frozen=True, repr=False)
class Estimate:
    """The result of :func:`estimate`; ``to_dict()`` is the CLI's ``estimate --json``.

    ``estimate`` is ``None`` when the estimate does not exist or is not identifiable (the
    CLI's exit status 3); ``error`` then says why (``raise_for_error()`` raises
    :class:`NoEstimateError`).
    """

    estimate: Optional[float]
    estimate_se: Optional[float]
    interval: Optional[Interval]
    method: str
    label: Optional[str]
    model: Optional[str]
    model_names: Optional[str]
    lists: List[str]
    observed: int
    dark_figure: Optional[float]
    deviance: Optional[float]
    df: Optional[float]
    aic: Optional[float]
    bic: Optional[float]
    coefficients: Dict[str, Optional[float]]
    selection: Optional[dict]
    bootstrap: Optional[dict]
    posterior: Optional[dict]
    warnings: List[str]
    error: Optional[str]
    _json: dict = field(compare=False)
    _run: Any = field(compare=False)

    @classmethod
    def _from_run(cls, run) -> "Estimate":
        d = json.loads(run.json())
        failure = run.failure
        return cls(
            estimate=d.get("estimate"),
            estimate_se=d.get("estimate_se"),
            interval=Interval._from(d.get("interval")),
            method=d.get("method"),
            label=d.get("label"),
            model=d.get("model"),
            model_names=d.get("model_names"),
            lists=d.get("lists"),
            observed=d.get("observed"),
            dark_figure=d.get("dark_figure"),
            deviance=d.get("deviance"),
            df=d.get("df"),
            aic=d.get("aic"),
            bic=d.get("bic"),
            coefficients=d.get("coefficients") or {},
            selection=d.get("selection"),
            bootstrap=d.get("bootstrap"),
            posterior=d.get("posterior"),
            warnings=d.get("warnings") or [],
            error=d.get("error") or (failure[1] if failure else None),
            _json=d,
            _run=run,
        )

    def to_dict(self) -> dict:
        """The CLI's ``estimate --json`` object (a fresh copy)."""
        return json.loads(json.dumps(self._json))

    @property
    def ok(self) -> bool:
        """True when there is an estimate (the CLI's exit status 0)."""
        return self._run.failure is None

    def raise_for_error(self) -> "Estimate":
        """Raise :class:`NoEstimateError` if there is no estimate; else return ``self``."""
        if self._run.failure is not None:
            raise NoEstimateError(self._run.failure[1], result=self)
        return self

    @property
    def replicates(self):
        """The bootstrap replicates as a DataFrame ``replicate, estimate, model`` (the CLI's
        ``--replicates-out``), or ``None`` without a bootstrap."""
        csv = self._run.replicates_csv()
        if csv is None:
            return None
        import pandas as pd

        return pd.read_csv(io.StringIO(csv), keep_default_na=False,
                           na_values={"estimate": [""]}, dtype={"model": str})

    @property
    def draws(self):
        """LCMCR's retained draws as a DataFrame ``chain, draw, N, alpha, occupied_classes``
        (the CLI's ``--draws-out``), or ``None`` for other methods."""
        csv = self._run.draws_csv()
        if csv is None:
            return None
        import pandas as pd

        return pd.read_csv(io.StringIO(csv))

    def __repr__(self) -> str:
        iv = self.interval
        ivs = f", interval={iv.method} [{iv.lower}, {iv.upper}]" if iv else ""
        err = f", error={self.error!r}" if self.error and self.estimate is None else ""
        return f"Estimate(estimate={self.estimate}{ivs}, method={self.method!r}, label={self.label!r}{err})"


@dataclass(frozen=True, repr=False)
class Check:
    """The result of :func:`check`: ``code`` (SparseMSE's: 0 ok, 1 the MLE does not exist,
    2 not identifiable, 3 both), ``passes``; ``to_dict()`` is the CLI's ``check --json``."""

    code: int
    model: Optional[str]
    model_names: Optional[str]
    existence: dict
    _json: dict = field(compare=False)

    @property
    def passes(self) -> bool:
        return self.code == 0

    def to_dict(self) -> dict:
        return json.loads(json.dumps(self._json))

    def __repr__(self) -> str:
        return f"Check(model={self.model_names!r}, code={self.code}, passes={self.passes})"


@dataclass(frozen=True, repr=False)
class Summary:
    """The result of :func:`summary`; ``to_dict()`` is the CLI's ``summary --json``.
    ``lists`` is a DataFrame of ``name, size, only_here``."""

    observed: int
    lists: Any
    warnings: List[str]
    _json: dict = field(compare=False)

    def to_dict(self) -> dict:
        return json.loads(json.dumps(self._json))

    def __getitem__(self, key: str) -> Any:
        return self._json[key]

    def __repr__(self) -> str:
        return f"Summary(observed={self.observed}, lists={list(self.lists['name'])})"


def _frame(rows: List[dict], columns: Optional[List[str]] = None):
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


# ----------------------------------------------------------------------------------------
# Commands


def estimate(
    data: Data,
    *,
    method: Optional[str] = None,
    model: Optional[str] = None,
    select: Optional[str] = None,
    pthresh: Optional[float] = None,
    max_order: Optional[int] = None,
    limit: Optional[int] = None,
    interval: Optional[str] = None,
    level: Optional[float] = None,
    bootstrap: Optional[int] = None,
    seed: Optional[int] = None,
    bootstrap_kind: Optional[str] = None,
    ntop: Optional[int] = None,
    max_replicates: Optional[int] = None,
    replay: Optional[Union[str, os.PathLike]] = None,
    classes: Optional[int] = None,
    chains: Optional[int] = None,
    burnin: Optional[int] = None,
    samples: Optional[int] = None,
    thinning: Optional[int] = None,
    alpha_prior: Union[None, str, Tuple[float, float]] = None,
    until_converged: bool = False,
    max_sweeps: Optional[int] = None,
    no_label_swaps: bool = False,
    no_collapsed_moves: bool = False,
    delta: Optional[float] = None,
    prior: Optional[str] = None,
    grid: Union[None, str, int] = None,
    max_clique: Optional[int] = None,
    top: Optional[int] = None,
    work_limit: Optional[float] = None,
    calibration_tables: Optional[int] = None,
    calibration_interval: Optional[str] = None,
    calibration_truth: Optional[str] = None,
    covariates: Optional[Names] = None,
    levels: Levels = None,
    absent: Union[None, str, Sequence[str]] = None,
    missing: Optional[str] = None,
    year: Optional[str] = None,
    degree_year: Optional[int] = None,
    cross: Cross = None,
    fixed_model_bootstrap: bool = False,
    threads: Optional[int] = None,
    progress: Progress = None,
    strict: bool = False,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
    list_col: Optional[str] = None,
    id_col: Optional[str] = None,
    merge: Union[None, str, Sequence[Names]] = None,
    omit: Optional[Names] = None,
    lists: Optional[Names] = None,
) -> Union[Estimate, "CovariateEstimate"]:
    """Estimate the population size, as ``darkfigure estimate``.

    Every option has the CLI's name (``--max-order`` is ``max_order``, ``--bootstrap-kind``
    is ``bootstrap_kind``) and ``None`` means the CLI's default:

    * ``method``: ``"loglinear"`` (default), Rcapture's ``"m0"``, ``"mt"``, ``"mh-chao"``,
      ``"mh-poisson"``, ``"mh-darroch"``, ``"mh-gamma"``, ``"mth-*"``, ``"mb"``, ``"mbh"``;
      ``"petersen"``, ``"chapman"`` (two lists); ``"lcmcr"``; ``"dga"``.
    * log-linear: ``model`` (``"main"`` by default, ``"[12,3]"``, ``"LA*NG + NG*PF"``) or
      ``select`` (``"stepwise"``, ``"aic-stepwise"``, ``"bic"``, ``"aic"``, ``"auto"``) with
      ``pthresh``, ``max_order``, ``limit``, ``ntop``.
    * ``interval``: ``"wald"``, ``"profile"``, ``"bca"``, ``"percentile"``, ``"credible"``;
      ``level`` (0.95); ``bootstrap`` B replicates, ``seed`` (1234), ``bootstrap_kind``
      (``"nonparametric"``/``"parametric"``), ``max_replicates``, ``replay`` (a CSV path).
    * lcmcr: ``classes``, ``chains``, ``burnin``, ``samples``, ``thinning``,
      ``alpha_prior=(a, b)``, ``until_converged``, ``max_sweeps``, ``no_label_swaps``,
      ``no_collapsed_moves`` (both: LCMCR's plain Gibbs sampler).
    * dga: ``delta``, ``prior`` (``"improper"`` or ``"lognormal:MU,SD"``), ``grid``
      (``"auto"`` or the largest unobserved count), ``max_clique``, ``top``, ``work_limit``.
    * ``interval="calibrated"``: ``calibration_tables`` (200), ``calibration_interval``,
      ``calibration_truth`` (``"fitted"``/``"observed"``).
    * ``threads`` (default: all cores; results identical for any number), ``progress``
      (``True`` for a tqdm bar, or a callable ``f(done, total)``).
    * input options as :func:`read_csv` when ``data`` is a path or a DataFrame.

    An option given where it has no effect raises :class:`OptionError` (a ``ValueError``),
    as the CLI refuses it. When the estimate does not exist (the CLI's exit status 3) the
    result has ``estimate=None`` and ``error`` set, or with ``strict=True``
    :class:`NoEstimateError` is raised.

    With ``covariates`` (the CLI's ``--covariates``) ``data`` is a table of lists ×
    covariates (see :func:`read_covariates` for the layouts and for ``levels``, ``absent``,
    ``missing``) and the model is a Poisson log-linear model over lists and covariates:
    ``model`` a formula in R's notation (``"(R1+R2+R3+R4)*(X1+Y) + R1:R2"``; ``"main"``, the
    default, is every main effect) or ``select`` a rule (``"model-search"``,
    ``"bic-stepwise"``, ``"aic-stepwise"``, ``"bic"``, ``"aic"``; ``limit``); ``year`` the
    ordered covariate and ``degree_year`` its orthogonal polynomial degree; ``cross`` pairs
    ``"A:B"`` with totals per pair of levels; ``bootstrap``, ``seed``, ``bootstrap_kind``,
    ``interval`` (``"wald"``, ``"bca"``, ``"percentile"``), ``level``;
    ``fixed_model_bootstrap`` keeps the selected model in every replicate. The result is a
    :class:`CovariateEstimate` (``.by``: a DataFrame per covariate, ``.cells``,
    ``.changes``). The list-only options are refused, as the CLI refuses them.
    """
    if isinstance(alpha_prior, str):
        parts = alpha_prior.split(",")
        try:
            alpha_prior = (float(parts[0]), float(parts[1]))
            if len(parts) != 2:
                raise ValueError
        except (ValueError, IndexError):
            raise OptionError(
                f"option alpha_prior = {alpha_prior}: expected two positive numbers A,B (shape and rate), e.g. 0.25,0.25",
                name="alpha_prior", value=alpha_prior,
                problem="expected two positive numbers A,B (shape and rate), e.g. 0.25,0.25",
            ) from None
    if covariates is not None or isinstance(data, CovariateTable):
        if degree_year is not None and year is None:
            _no_covariates(degree_year=degree_year)
        ctable = _cov_table(data, covariates, levels, absent, missing, format, delimiter,
                            list_col, id_col, merge, omit, lists)
        callback, bar = _progress(progress, "bootstrap")
        try:
            crun = _core.covariate_estimate(
                ctable, method=method, model=model, select=select, limit=limit, year=year,
                degree_year=degree_year, cross=_cross(cross),
                fixed_model_bootstrap=fixed_model_bootstrap, interval=interval, level=level,
                bootstrap=bootstrap, seed=seed, bootstrap_kind=bootstrap_kind,
                pthresh=pthresh, max_order=max_order, ntop=ntop,
                max_replicates=max_replicates, replay=replay is not None, classes=classes,
                chains=chains, burnin=burnin, samples=samples, thinning=thinning,
                alpha_prior=alpha_prior, until_converged=until_converged,
                max_sweeps=max_sweeps, no_label_swaps=no_label_swaps,
                no_collapsed_moves=no_collapsed_moves, delta=delta,
                prior=prior, grid=None if grid is None else str(grid),
                max_clique=max_clique, top=top, work_limit=work_limit,
                calibration_tables=calibration_tables,
                calibration_interval=calibration_interval,
                calibration_truth=calibration_truth, threads=_threads(threads),
                progress=callback,
            )
        finally:
            if bar is not None:
                bar.close()
        cresult = CovariateEstimate._from_run(crun)
        if strict:
            cresult.raise_for_error()
        return cresult
    _no_covariates(levels=levels, absent=absent, missing=missing, year=year,
                   degree_year=degree_year, cross=cross,
                   fixed_model_bootstrap=fixed_model_bootstrap)
    table = _table(data, format, delimiter, list_col, id_col, merge, omit, lists)
    callback, bar = _progress(progress, "lcmcr sweeps" if method == "lcmcr" else "bootstrap")
    try:
        run = _core.estimate(
            table,
            method=method, model=model, select=select, pthresh=pthresh, max_order=max_order,
            limit=limit, interval=interval, level=level, bootstrap=bootstrap, seed=seed,
            bootstrap_kind=bootstrap_kind, ntop=ntop, max_replicates=max_replicates,
            replay=None if replay is None else os.fspath(replay),
            classes=classes, chains=chains, burnin=burnin, samples=samples,
            thinning=thinning, alpha_prior=alpha_prior, until_converged=until_converged,
            max_sweeps=max_sweeps, no_label_swaps=no_label_swaps,
            no_collapsed_moves=no_collapsed_moves, delta=delta, prior=prior,
            grid=None if grid is None else str(grid), max_clique=max_clique, top=top,
            work_limit=work_limit, calibration_tables=calibration_tables,
            calibration_interval=calibration_interval, calibration_truth=calibration_truth,
            threads=_threads(threads), progress=callback,
        )
    finally:
        if bar is not None:
            bar.close()
    result = Estimate._from_run(run)
    if strict:
        result.raise_for_error()
    return result


_MODEL_COLUMNS = ["model", "model_names", "terms", "infinite_terms", "deviance", "df",
                  "aic", "bic", "estimate"]


def models(
    data: Data,
    *,
    method: Optional[str] = None,
    max_order: Optional[int] = None,
    top: Optional[int] = None,
    by: Optional[str] = None,
    limit: Optional[int] = None,
    threads: Optional[int] = None,
    progress: Progress = None,
    strict: bool = False,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
    list_col: Optional[str] = None,
    id_col: Optional[str] = None,
    merge: Union[None, str, Sequence[Names]] = None,
    omit: Optional[Names] = None,
    lists: Optional[Names] = None,
):
    """Rank every hierarchical log-linear model by BIC or AIC, as ``darkfigure models``.

    Returns a DataFrame, best first, with the columns ``model``, ``model_names``, ``terms``,
    ``infinite_terms``, ``deviance``, ``df``, ``aic``, ``bic``, ``estimate`` and the
    existence fields (``existence_code``, …); ``frame.attrs["json"]`` is the CLI's
    ``models --json`` object. ``max_order`` (default: all orders), ``top`` (20), ``by``
    (``"bic"``/``"aic"``), ``limit`` (10,000,000). ``method="dga"`` is :func:`graphs`.

    When every model is excluded (the CLI's exit status 3) the frame is empty, or with
    ``strict=True`` :class:`NoEstimateError` is raised.
    """
    if method not in (None, "loglinear"):
        if method == "dga":
            raise OptionError(
                "option method = dga: the graphs of dga are ranked by darkfigure.graphs(); use it",
                name="method", value="dga",
                problem="the graphs of dga are ranked by darkfigure.graphs(); use it")
        raise OptionError(
            f"option method = {method}: models ranks the models of loglinear or the graphs of dga",
            name="method", value=str(method),
            problem="models ranks the models of loglinear or the graphs of dga")
    table = _table(data, format, delimiter, list_col, id_col, merge, omit, lists)
    callback, bar = _progress(progress, "models")
    try:
        text, ranked = _core.models(table, max_order=max_order, top=top, by=by, limit=limit,
                                    threads=_threads(threads), progress=callback)
    finally:
        if bar is not None:
            bar.close()
    d = json.loads(text)
    if strict and ranked == 0:
        raise NoEstimateError(
            f"every one of the {d.get('count')} models examined fails the existence check "
            "(the MLE does not exist or the model is not identifiable); no model is ranked")
    rows = []
    for m in d.get("models", []):
        row = {k: m.get(k) for k in _MODEL_COLUMNS}
        for k, v in (m.get("existence") or {}).items():
            row[f"existence_{k}"] = v
        rows.append(row)
    frame = _frame(rows, None if rows else _MODEL_COLUMNS)
    frame.attrs["json"] = d
    return frame


def graphs(
    data: Data,
    *,
    delta: Optional[float] = None,
    prior: Optional[str] = None,
    grid: Union[None, str, int] = None,
    max_clique: Optional[int] = None,
    top: Optional[int] = None,
    work_limit: Optional[float] = None,
    threads: Optional[int] = None,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
    list_col: Optional[str] = None,
    id_col: Optional[str] = None,
    merge: Union[None, str, Sequence[Names]] = None,
    omit: Optional[Names] = None,
    lists: Optional[Names] = None,
):
    """Rank dga's decomposable graphs by posterior probability, as ``darkfigure models
    --method dga``. Returns a DataFrame (``model_names``, ``cliques``, ``separators``,
    ``probability``, ``estimate``, ``mean``, …) with ``attrs["json"]`` the CLI's JSON;
    ``top`` defaults to 20 as the CLI's ``--top``."""
    table = _table(data, format, delimiter, list_col, id_col, merge, omit, lists)
    text = _core.graphs(table, delta=delta, prior=prior,
                        grid=None if grid is None else str(grid), max_clique=max_clique,
                        top=top, work_limit=work_limit, threads=_threads(threads))
    d = json.loads(text)
    frame = _frame(d.get("models", []))
    frame.attrs["json"] = d
    return frame


def check(
    data: Data,
    model: str,
    *,
    strict: bool = False,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
    list_col: Optional[str] = None,
    id_col: Optional[str] = None,
    merge: Union[None, str, Sequence[Names]] = None,
    omit: Optional[Names] = None,
    lists: Optional[Names] = None,
) -> Check:
    """Check existence and identifiability of the MLE of ``model`` (SparseMSE's
    ``checkident``), as ``darkfigure check``. A failing model (code 1–3, the CLI's exit
    status 3) is a result with ``passes`` False, or :class:`NoEstimateError` with
    ``strict=True``."""
    table = _table(data, format, delimiter, list_col, id_col, merge, omit, lists)
    text, code = _core.check(table, model)
    d = json.loads(text)
    result = Check(code=code, model=d.get("model"), model_names=d.get("model_names"),
                   existence=d.get("existence") or {}, _json=d)
    if strict and code != 0:
        raise NoEstimateError(f"model {d.get('model_names')} fails the existence check (code {code})")
    return result


def summary(
    data: Data,
    *,
    covariates: Optional[Names] = None,
    levels: Levels = None,
    absent: Union[None, str, Sequence[str]] = None,
    missing: Optional[str] = None,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
    list_col: Optional[str] = None,
    id_col: Optional[str] = None,
    merge: Union[None, str, Sequence[Names]] = None,
    omit: Optional[Names] = None,
    lists: Optional[Names] = None,
) -> Union[Summary, "CovariateSummary"]:
    """Describe the lists: sizes, overlaps, pairs that never overlap, warnings, as
    ``darkfigure summary``. With ``covariates`` (``summary --covariates``; ``levels``,
    ``absent``, ``missing`` as :func:`read_covariates`): counts by level and list, empty
    cells and combinations, as a :class:`CovariateSummary`."""
    if covariates is not None or isinstance(data, CovariateTable):
        return _covariate_summary(_cov_table(data, covariates, levels, absent, missing,
                                             format, delimiter, list_col, id_col, merge,
                                             omit, lists))
    _no_covariates(levels=levels, absent=absent, missing=missing)
    table = _table(data, format, delimiter, list_col, id_col, merge, omit, lists)
    d = json.loads(_core.summary(table))
    return Summary(observed=d.get("observed"), lists=_frame(d.get("lists", [])),
                   warnings=d.get("warnings") or [], _json=d)


def report(
    data: Data,
    *,
    level: Optional[float] = None,
    bootstrap: Optional[int] = None,
    seed: Optional[int] = None,
    select: Optional[Names] = None,
    pthresh: Optional[float] = None,
    max_order: Optional[int] = None,
    limit: Optional[int] = None,
    ntop: Optional[int] = None,
    leave_one_out: Optional[bool] = None,
    max_replicates: Optional[int] = None,
    coverage: Optional[int] = None,
    model: Optional[str] = None,
    covariates: Optional[Names] = None,
    levels: Levels = None,
    absent: Union[None, str, Sequence[str]] = None,
    missing: Optional[str] = None,
    year: Optional[str] = None,
    degree_year: Optional[int] = None,
    cross: Cross = None,
    fixed_model_bootstrap: bool = False,
    threads: Optional[int] = None,
    strict: bool = False,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
    list_col: Optional[str] = None,
    id_col: Optional[str] = None,
    merge: Union[None, str, Sequence[Names]] = None,
    omit: Optional[Names] = None,
    lists: Optional[Names] = None,
):
    """The sensitivity table, one row per method, as ``darkfigure report``.

    Returns a DataFrame with the columns ``id, method, model, model_names, estimate,
    interval, lower, upper, notes``; ``attrs["json"]`` is the CLI's ``report --json``,
    ``attrs["markdown"]``, ``attrs["csv"]`` and ``attrs["text"]`` its other outputs.
    ``select`` is the rules with a row (default ``"stepwise,aic-stepwise,bic"``),
    ``leave_one_out`` (default True) the leave-one-list-out rows. When no row has an
    estimate (exit status 3) ``strict=True`` raises :class:`NoEstimateError`.

    With ``covariates`` (``report --covariates``): the table by category of a country brief,
    one row per total, level, pair and change (``section, category, observed, hidden,
    estimate, lower, upper, detected``), from the rule ``select`` (one; default
    ``"model-search"``) or a fixed ``model``; ``year``, ``degree_year``, ``cross``,
    ``bootstrap`` (BCa limits), ``seed``, ``level``, ``fixed_model_bootstrap`` and the
    reading options as for :func:`estimate`.
    """
    if covariates is not None or isinstance(data, CovariateTable):
        if degree_year is not None and year is None:
            _no_covariates(degree_year=degree_year)
        ctable = _cov_table(data, covariates, levels, absent, missing, format, delimiter,
                            list_col, id_col, merge, omit, lists)
        if max_replicates is not None or coverage is not None:
            name = "max_replicates" if max_replicates is not None else "coverage"
            problem = "it shapes the list-only sensitivity table, not the table by category; drop it"
            raise OptionError(f"option {name} = given: {problem}", name=name, value="given",
                              problem=problem)
        return _covariate_report(
            ctable, strict, threads, model=model, select=_names(select), limit=limit,
            year=year, degree_year=degree_year, cross=_cross(cross),
            fixed_model_bootstrap=fixed_model_bootstrap, level=level, bootstrap=bootstrap,
            seed=seed, pthresh=pthresh, max_order=max_order, ntop=ntop,
            leave_one_out=leave_one_out)
    _no_covariates(model=model, levels=levels, absent=absent, missing=missing, year=year,
                   degree_year=degree_year, cross=cross,
                   fixed_model_bootstrap=fixed_model_bootstrap)
    table = _table(data, format, delimiter, list_col, id_col, merge, omit, lists)
    r = _core.report(table, level=level, bootstrap=bootstrap, seed=seed,
                     select=_names(select), pthresh=pthresh, max_order=max_order,
                     limit=limit, ntop=ntop, leave_one_out=leave_one_out,
                     max_replicates=max_replicates, coverage=coverage,
                     threads=_threads(threads))
    d = json.loads(r.json())
    if strict and not any(row.get("estimate") is not None for row in d.get("rows", [])):
        raise NoEstimateError("no row of the report has an estimate")
    cols = ["id", "method", "model", "model_names", "estimate", "interval", "lower",
            "upper", "notes"]
    frame = _frame([{k: row.get(k) for k in cols} for row in d.get("rows", [])], cols)
    frame.attrs["json"] = d
    frame.attrs["markdown"] = r.markdown()
    frame.attrs["csv"] = r.csv()
    frame.attrs["text"] = r.text()
    return frame


def _estimate_words(kwargs: Dict[str, Any]) -> List[str]:
    """``estimate`` keyword arguments as the words of the CLI's ``--estimate`` text."""
    words: List[str] = []
    for k, v in kwargs.items():
        if v is None or v is False:
            continue
        words.append("--" + k.replace("_", "-"))
        if v is True:
            continue
        if isinstance(v, (tuple, list)):
            v = ",".join(str(x) for x in v)
        words.append(str(v))
    return words


def simulate(
    data: Data,
    estimate: Optional[Dict[str, Any]] = None,
    *,
    model: Optional[str] = None,
    select: Optional[str] = None,
    method: Optional[str] = None,
    pthresh: Optional[float] = None,
    max_order: Optional[int] = None,
    tables: Optional[int] = None,
    seed: Optional[int] = None,
    scheme: Optional[str] = None,
    coverage_levels: Optional[Sequence[float]] = None,
    threads: Optional[int] = None,
    progress: Progress = None,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
    list_col: Optional[str] = None,
    id_col: Optional[str] = None,
    merge: Union[None, str, Sequence[Names]] = None,
    omit: Optional[Names] = None,
    lists: Optional[Names] = None,
) -> dict:
    """A coverage study, as ``darkfigure simulate --json``: ``tables`` (200) tables simulated
    (``scheme`` ``"multinomial"`` or ``"poisson"``) from the truth — the fit of ``model``,
    ``select`` or ``method`` to the data (default: main effects) — each estimated as
    ``estimate`` says (a dict of :func:`estimate`'s keyword arguments, e.g.
    ``{"select": "stepwise", "bootstrap": 200}``; not ``seed``: table j is estimated with
    ``seed + j - 1``). Returns the CLI's JSON object; its ``options.estimate`` records the
    estimation as the CLI's ``--estimate`` text (``--select stepwise --bootstrap 200``).
    """
    table = _table(data, format, delimiter, list_col, id_col, merge, omit, lists)
    est = dict(estimate or {})
    if isinstance(est.get("alpha_prior"), str):
        a, b = est["alpha_prior"].split(",")
        est["alpha_prior"] = (float(a), float(b))
    words = _estimate_words(estimate or {})
    callback, bar = _progress(progress, "tables")
    try:
        text = _core.simulate(
            table, est, model=model, select=select, method=method, pthresh=pthresh,
            max_order=max_order, tables=tables, seed=seed, scheme=scheme,
            coverage_levels=None if coverage_levels is None else [float(x) for x in coverage_levels],
            estimate_text=" ".join(words), estimate_words=words, threads=_threads(threads),
            progress=callback,
        )
    finally:
        if bar is not None:
            bar.close()
    return json.loads(text)


# ----------------------------------------------------------------------------------------
# Covariates: tables of lists × categorical covariates (the CLI's --covariates)

from ._core import CovariateTable  # noqa: E402

__all__ += ["CovariateTable", "read_covariates", "CovariateEstimate", "CovariateSummary"]

Levels = Union[None, str, Sequence[str], Dict[str, Union[str, Sequence[Any]]]]
Cross = Union[None, str, Sequence[Union[str, Sequence[str]]]]

#: The keyword arguments that exist only with ``covariates`` (the CLI's flags that require
#: ``--covariates``), with ``degree_year`` requiring ``year``.
_COVARIATE_ONLY = ("levels", "absent", "missing", "year", "degree_year", "cross",
                   "fixed_model_bootstrap")


def _levels(v: Levels) -> Optional[List[str]]:
    """``levels`` as the CLI's repeated ``--levels COV=L1,L2``: a dict ``{cov: [levels]}``,
    one ``"COV=L1,L2"`` string or a list of them."""
    if v is None:
        return None
    if isinstance(v, str):
        return [v]
    if isinstance(v, dict):
        out = []
        for c, ls in v.items():
            if not isinstance(ls, str):
                ls = ",".join(str(x) for x in ls)
            out.append(f"{c}={ls}")
        return out
    return [str(s) for s in v]


def _strings(v: Union[None, str, Sequence[str]]) -> Optional[List[str]]:
    """A repeatable option (``absent``): one string or a list of them."""
    if v is None:
        return None
    if isinstance(v, str):
        return [v]
    return [str(s) for s in v]


def _cross(v: Cross) -> Optional[List[str]]:
    """``cross`` as the CLI's repeated ``--cross A:B``: ``"A:B"``, ``("A", "B")`` or a list
    of either."""
    if v is None:
        return None
    if isinstance(v, str):
        return [v]
    if isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, str) for x in v):
        return [f"{v[0]}:{v[1]}"]
    return [s if isinstance(s, str) else ":".join(str(x) for x in s) for s in v]


def _no_covariates(**given: Any) -> None:
    """The covariate options given without ``covariates``: an error, as the CLI refuses
    them (they require ``--covariates``)."""
    for name, v in given.items():
        if v is not None and v is not False:
            problem = ("it needs `year`" if name == "degree_year" else
                       "it applies to tables with covariates; name the covariate columns with `covariates`")
            raise OptionError(f"option {name} = {v}: {problem}", name=name, value=str(v),
                              problem=problem)


def read_covariates(
    data: Union[str, os.PathLike, bytes, Any],
    covariates: Names,
    *,
    levels: Levels = None,
    absent: Union[None, str, Sequence[str]] = None,
    missing: Optional[str] = None,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
    list_col: Optional[str] = None,
    id_col: Optional[str] = None,
    merge: Union[None, str, Sequence[Names]] = None,
    omit: Optional[Names] = None,
    lists: Optional[Names] = None,
) -> CovariateTable:
    """Read a table of lists × covariates as ``darkfigure … --covariates`` reads it.

    ``data`` is a CSV path, CSV bytes or a DataFrame, in the frequency layout (0/1 list
    columns, the covariate columns and a count column), one row per person (0/1 list columns
    and the covariate columns) or long (``list``, ``id`` and the covariate columns; see
    ``list_col``, ``id_col``). ``covariates`` names the covariate columns (``"sex,age"`` or a
    list); every other column is a list. ``levels`` gives level orders, baseline first
    (``{"year": [2015, 2016, 2017]}`` or ``["year=2015,2016,2017"]``; also marks the covariate
    as ordered); ``absent`` structural zeros (``["L5@year=2015,2016"]``: list L5 did not
    operate at these levels); ``missing="level"`` keeps missing values as a level ``NA``.

    Raises :class:`InputError` (a ``ValueError``) naming the line and column (for a
    DataFrame, the row and column) of bad input, and :class:`OptionError` for an unknown
    covariate name in the options.
    """
    names = _names(covariates) or []
    kwargs = dict(levels=_levels(levels), absent=_strings(absent), missing=missing,
                  format=format, list_col=list_col, id_col=id_col,
                  **_input_kwargs(merge, omit, lists))
    if isinstance(data, (str, os.PathLike)):
        return CovariateTable.read(os.fspath(data), names, delimiter=delimiter, **kwargs)
    if isinstance(data, (bytes, bytearray)):
        return CovariateTable.parse(bytes(data), "<bytes>", names, delimiter=delimiter,
                                    **kwargs)
    if hasattr(data, "to_csv") and hasattr(data, "columns"):
        if delimiter is not None:
            raise OptionError(
                f"option delimiter = {delimiter}: a DataFrame has no delimiter; drop it",
                name="delimiter", value=str(delimiter),
                problem="a DataFrame has no delimiter; drop it",
            )
        try:
            return CovariateTable.parse(_frame_csv(data), FRAME_SOURCE, names, **kwargs)
        except InputError as e:
            if e.file == FRAME_SOURCE:
                raise _frame_error(e, data) from None
            raise
    if isinstance(data, Table):
        raise TypeError("a darkfigure.Table holds lists only; give the CSV path or the "
                        "DataFrame with the covariate columns")
    raise TypeError(
        f"expected a CSV path, a pandas DataFrame, CSV bytes or a darkfigure.CovariateTable, "
        f"not {type(data).__name__}"
    )


def _cov_table(data, covariates, levels, absent, missing, format, delimiter, list_col,
               id_col, merge, omit, lists) -> CovariateTable:
    if isinstance(data, CovariateTable):
        given = [(n, v) for n, v in [("covariates", covariates), ("levels", levels),
                                     ("absent", absent), ("missing", missing),
                                     ("format", format), ("delimiter", delimiter),
                                     ("list_col", list_col), ("id_col", id_col),
                                     ("merge", merge), ("omit", omit), ("lists", lists)]
                 if v is not None]
        if given:
            n, v = given[0]
            problem = "it is a reading option, and the table is read already; drop it"
            raise OptionError(f"option {n} = {v}: {problem}", name=n, value=str(v),
                              problem=problem)
        return data
    return read_covariates(data, covariates, levels=levels, absent=absent, missing=missing,
                           format=format, delimiter=delimiter, list_col=list_col,
                           id_col=id_col, merge=merge, omit=omit, lists=lists)


def _frames_by(d: Optional[dict]) -> Dict[str, Any]:
    return {k: _frame(v) for k, v in (d or {}).items()}


def _cells_frame(cells: Optional[list], covariates: List[dict]):
    """``cells`` (``{levels, fitted}``) with one column per covariate."""
    import pandas as pd

    names = [c["name"] for c in covariates]
    rows = []
    for c in cells or []:
        lv = c.get("levels")
        row = dict(lv) if isinstance(lv, dict) else dict(zip(names, lv or []))
        row.update({k: v for k, v in c.items() if k != "levels"})
        rows.append(row)
    return pd.DataFrame(rows, columns=None if rows else names + ["fitted"])


@dataclass(frozen=True, repr=False)
class CovariateEstimate:
    """The result of :func:`estimate` with ``covariates``; ``to_dict()`` is the CLI's
    ``estimate --covariates … --json``.

    ``estimate`` and ``interval`` are the total's; ``by`` maps each covariate (and each
    ``cross`` pair ``"A:B"``) to a DataFrame with a row per level (``level, levels,
    observed, dark_figure, estimate, std_error, lower, upper`` and, with a bootstrap, the
    ``wald_*``, ``percentile_*`` and ``bca_*`` limits); ``changes`` each ordered covariate's
    changes between consecutive levels; ``cells`` the fitted unobserved count of every
    covariate combination (one column per covariate and ``fitted``). ``estimate`` is
    ``None`` when the estimate does not exist (the CLI's exit status 3); ``error`` says why.
    """

    estimate: Optional[float]
    interval: Optional[Interval]
    by: Dict[str, Any]
    changes: Dict[str, Any]
    cells: Any
    covariates: List[dict]
    lists: List[str]
    observed: int
    model: Optional[str]
    formula: Optional[str]
    terms: List[str]
    dark_figure: Optional[float]
    deviance: Optional[float]
    df: Optional[float]
    aic: Optional[float]
    bic: Optional[float]
    coefficients: Dict[str, Optional[float]]
    selection: Optional[dict]
    bootstrap: Optional[dict]
    warnings: List[str]
    error: Optional[str]
    _json: dict = field(compare=False)
    _run: Any = field(compare=False)

    @classmethod
    def _from_run(cls, run) -> "CovariateEstimate":
        d = json.loads(run.json())
        failure = run.failure
        covs = d.get("covariates") or []
        return cls(
            estimate=d.get("estimate"),
            interval=Interval._from(d.get("interval")),
            by=_frames_by(d.get("by")),
            changes=_frames_by(d.get("changes")),
            cells=_cells_frame(d.get("cells"), covs),
            covariates=covs,
            lists=d.get("lists") or [],
            observed=d.get("observed"),
            model=d.get("model"),
            formula=d.get("formula"),
            terms=d.get("terms") or [],
            dark_figure=d.get("dark_figure"),
            deviance=d.get("deviance"),
            df=d.get("df"),
            aic=d.get("aic"),
            bic=d.get("bic"),
            coefficients=d.get("coefficients") or {},
            selection=d.get("selection"),
            bootstrap=d.get("bootstrap"),
            warnings=d.get("warnings") or [],
            error=d.get("error") or (failure[1] if failure else None),
            _json=d,
            _run=run,
        )

    def to_dict(self) -> dict:
        """The CLI's ``estimate --covariates … --json`` object (a fresh copy)."""
        return json.loads(json.dumps(self._json))

    @property
    def text(self) -> str:
        """What the CLI prints without ``--json``: the fit and the table by category."""
        return self._run.text()

    @property
    def ok(self) -> bool:
        """True when there is an estimate (the CLI's exit status 0)."""
        return self._run.failure is None

    def raise_for_error(self) -> "CovariateEstimate":
        """Raise :class:`NoEstimateError` if there is no estimate; else return ``self``."""
        if self._run.failure is not None:
            raise NoEstimateError(self._run.failure[1], result=self)
        return self

    def __repr__(self) -> str:
        iv = self.interval
        ivs = f", interval={iv.method} [{iv.lower}, {iv.upper}]" if iv else ""
        err = f", error={self.error!r}" if self.error and self.estimate is None else ""
        return (f"CovariateEstimate(estimate={self.estimate}{ivs}, "
                f"by={list(self.by)}, model={self.model!r}{err})")


@dataclass(frozen=True, repr=False)
class CovariateSummary:
    """The result of :func:`summary` with ``covariates``; ``to_dict()`` is the CLI's
    ``summary --covariates … --json``. ``lists`` is a DataFrame of the lists, ``covariates``
    maps each covariate to a DataFrame of its levels and their counts; ``text`` is what the
    CLI prints without ``--json``."""

    observed: int
    lists: Any
    covariates: Dict[str, Any]
    warnings: List[str]
    text: str
    _json: dict = field(compare=False)

    def to_dict(self) -> dict:
        return json.loads(json.dumps(self._json))

    def __getitem__(self, key: str) -> Any:
        return self._json[key]

    def __repr__(self) -> str:
        return (f"CovariateSummary(observed={self.observed}, lists={list(self.lists['name'])}, "
                f"covariates={list(self.covariates)})")


def _covariate_summary(table: CovariateTable) -> CovariateSummary:
    text, out = _core.covariate_summary(table)
    d = json.loads(text)
    covs = {}
    for c in d.get("covariates") or []:
        levels = c.get("levels")
        covs[c.get("name")] = _frame(levels) if isinstance(levels, list) and all(
            isinstance(x, dict) for x in levels) else c
    return CovariateSummary(observed=d.get("observed"), lists=_frame(d.get("lists", [])),
                            covariates=covs, warnings=d.get("warnings") or [], text=out,
                            _json=d)


def _covariate_report(table: CovariateTable, strict: bool, threads, **kwargs):
    r = _core.covariate_report(table, threads=_threads(threads), **kwargs)
    d = json.loads(r.json())
    if strict and r.failure is not None:
        raise NoEstimateError(r.failure[1])
    cols = ["section", "category", "observed", "hidden", "estimate", "lower", "upper",
            "detected"]
    rows = d.get("rows", [])
    frame = _frame(rows, None if rows else cols)
    frame.attrs["json"] = d
    frame.attrs["markdown"] = r.markdown()
    frame.attrs["csv"] = r.csv()
    frame.attrs["text"] = r.text()
    return frame
