"""Type stubs of the extension module ``darkfigure._core`` (the Rust glue)."""

from typing import Callable, List, Optional, Sequence, Tuple

class Table:
    """A capture table as loaded, with the reader's warnings and the data set's name."""

    @staticmethod
    def read(path: str, *, format: Optional[str] = ..., delimiter: Optional[str] = ...,
             list_col: Optional[str] = ..., id_col: Optional[str] = ...,
             merge: Optional[List[List[str]]] = ..., omit: Optional[List[str]] = ...,
             lists: Optional[List[str]] = ...) -> "Table": ...
    @staticmethod
    def parse(data: bytes, source: str, *, format: Optional[str] = ...,
              delimiter: Optional[str] = ..., list_col: Optional[str] = ...,
              id_col: Optional[str] = ..., merge: Optional[List[List[str]]] = ...,
              omit: Optional[List[str]] = ..., lists: Optional[List[str]] = ...) -> "Table": ...
    @staticmethod
    def from_counts(names: Sequence[str], counts: Sequence[int], name: str = ..., *,
                    merge: Optional[List[List[str]]] = ..., omit: Optional[List[str]] = ...,
                    lists: Optional[List[str]] = ...) -> "Table": ...
    def with_counts(self, counts: Sequence[int]) -> "Table": ...
    def select(self, *, merge: Optional[List[List[str]]] = ..., omit: Optional[List[str]] = ...,
               lists: Optional[List[str]] = ...) -> "Table": ...
    @property
    def lists(self) -> List[str]: ...
    @property
    def observed(self) -> int: ...
    @property
    def counts(self) -> List[int]: ...
    @property
    def warnings(self) -> List[str]: ...
    @property
    def name(self) -> str: ...
    def to_csv(self) -> str: ...
    def __len__(self) -> int: ...

class Run:
    def json(self) -> str: ...
    @property
    def failure(self) -> Optional[Tuple[str, str]]: ...
    def replicates_csv(self) -> Optional[str]: ...
    def draws_csv(self) -> Optional[str]: ...

class Report:
    def json(self) -> str: ...
    def csv(self) -> str: ...
    def markdown(self) -> str: ...
    def text(self) -> str: ...

_Callback = Optional[Callable[[int, Optional[int]], object]]

def estimate(table: Table, *, method: Optional[str] = ..., model: Optional[str] = ...,
             select: Optional[str] = ..., pthresh: Optional[float] = ...,
             max_order: Optional[int] = ..., limit: Optional[int] = ...,
             interval: Optional[str] = ..., level: Optional[float] = ...,
             bootstrap: Optional[int] = ..., seed: Optional[int] = ...,
             bootstrap_kind: Optional[str] = ..., ntop: Optional[int] = ...,
             max_replicates: Optional[int] = ..., replay: Optional[str] = ...,
             classes: Optional[int] = ..., chains: Optional[int] = ...,
             burnin: Optional[int] = ..., samples: Optional[int] = ...,
             thinning: Optional[int] = ..., alpha_prior: Optional[Tuple[float, float]] = ...,
             until_converged: bool = ..., max_sweeps: Optional[int] = ...,
             no_label_swaps: bool = ..., no_collapsed_moves: bool = ...,
             delta: Optional[float] = ...,
             prior: Optional[str] = ..., grid: Optional[str] = ...,
             max_clique: Optional[int] = ..., top: Optional[int] = ...,
             work_limit: Optional[float] = ..., calibration_tables: Optional[int] = ...,
             calibration_interval: Optional[str] = ..., calibration_truth: Optional[str] = ...,
             threads: Optional[int] = ..., progress: _Callback = ...) -> Run: ...
def models(table: Table, *, max_order: Optional[int] = ..., top: Optional[int] = ...,
           by: Optional[str] = ..., limit: Optional[int] = ..., threads: Optional[int] = ...,
           progress: _Callback = ...) -> Tuple[str, int]: ...
def graphs(table: Table, *, delta: Optional[float] = ..., prior: Optional[str] = ...,
           grid: Optional[str] = ..., max_clique: Optional[int] = ..., top: Optional[int] = ...,
           work_limit: Optional[float] = ..., threads: Optional[int] = ...) -> str: ...
def check(table: Table, model: str) -> Tuple[str, int]: ...
def summary(table: Table) -> str: ...
def report(table: Table, *, level: Optional[float] = ..., bootstrap: Optional[int] = ...,
           seed: Optional[int] = ..., select: Optional[List[str]] = ...,
           pthresh: Optional[float] = ..., max_order: Optional[int] = ...,
           limit: Optional[int] = ..., ntop: Optional[int] = ...,
           leave_one_out: Optional[bool] = ..., max_replicates: Optional[int] = ...,
           coverage: Optional[int] = ..., threads: Optional[int] = ...) -> Report: ...
def simulate(table: Table, estimate: dict, *, model: Optional[str] = ...,
             select: Optional[str] = ..., method: Optional[str] = ...,
             pthresh: Optional[float] = ..., max_order: Optional[int] = ...,
             tables: Optional[int] = ..., seed: Optional[int] = ..., scheme: Optional[str] = ...,
             coverage_levels: Optional[List[float]] = ..., estimate_text: Optional[str] = ...,
             estimate_words: Optional[List[str]] = ..., threads: Optional[int] = ...,
             progress: _Callback = ...) -> str: ...
def available_threads() -> int: ...

# Tables of lists × covariates (the CLI's --covariates).

class CovariateTable:
    """A table of lists × covariates as loaded."""

    @staticmethod
    def read(path: str, covariates: List[str], *, levels: Optional[List[str]] = ...,
             absent: Optional[List[str]] = ..., missing: Optional[str] = ...,
             format: Optional[str] = ..., delimiter: Optional[str] = ...,
             list_col: Optional[str] = ..., id_col: Optional[str] = ...,
             merge: Optional[List[List[str]]] = ..., omit: Optional[List[str]] = ...,
             lists: Optional[List[str]] = ...) -> "CovariateTable": ...
    @staticmethod
    def parse(data: bytes, source: str, covariates: List[str], *,
              levels: Optional[List[str]] = ..., absent: Optional[List[str]] = ...,
              missing: Optional[str] = ..., format: Optional[str] = ...,
              delimiter: Optional[str] = ..., list_col: Optional[str] = ...,
              id_col: Optional[str] = ..., merge: Optional[List[List[str]]] = ...,
              omit: Optional[List[str]] = ...,
              lists: Optional[List[str]] = ...) -> "CovariateTable": ...
    @property
    def lists(self) -> List[str]: ...
    @property
    def covariates(self) -> List[Tuple[str, List[str]]]: ...
    @property
    def observed(self) -> int: ...
    @property
    def name(self) -> str: ...

class CovariateRun:
    def json(self) -> str: ...
    @property
    def failure(self) -> Optional[Tuple[str, str]]: ...
    def text(self) -> str: ...

class CovariateReport:
    def json(self) -> str: ...
    @property
    def failure(self) -> Optional[Tuple[str, str]]: ...
    def csv(self) -> str: ...
    def markdown(self) -> str: ...
    def text(self) -> str: ...

def covariate_estimate(table: CovariateTable, *, method: Optional[str] = ...,
                       model: Optional[str] = ..., select: Optional[str] = ...,
                       limit: Optional[int] = ..., year: Optional[str] = ...,
                       degree_year: Optional[int] = ..., cross: Optional[List[str]] = ...,
                       fixed_model_bootstrap: bool = ..., interval: Optional[str] = ...,
                       level: Optional[float] = ..., bootstrap: Optional[int] = ...,
                       seed: Optional[int] = ..., bootstrap_kind: Optional[str] = ...,
                       pthresh: Optional[float] = ..., max_order: Optional[int] = ...,
                       ntop: Optional[int] = ..., max_replicates: Optional[int] = ...,
                       replay: bool = ..., classes: Optional[int] = ...,
                       chains: Optional[int] = ..., burnin: Optional[int] = ...,
                       samples: Optional[int] = ..., thinning: Optional[int] = ...,
                       alpha_prior: Optional[Tuple[float, float]] = ...,
                       until_converged: bool = ..., max_sweeps: Optional[int] = ...,
                       no_label_swaps: bool = ..., no_collapsed_moves: bool = ...,
             delta: Optional[float] = ...,
                       prior: Optional[str] = ..., grid: Optional[str] = ...,
                       max_clique: Optional[int] = ..., top: Optional[int] = ...,
                       work_limit: Optional[float] = ...,
                       calibration_tables: Optional[int] = ...,
                       calibration_interval: Optional[str] = ...,
                       calibration_truth: Optional[str] = ..., threads: Optional[int] = ...,
                       progress: _Callback = ...) -> CovariateRun: ...
def covariate_summary(table: CovariateTable) -> Tuple[str, str]: ...
def covariate_report(table: CovariateTable, *, model: Optional[str] = ...,
                     select: Optional[List[str]] = ..., limit: Optional[int] = ...,
                     year: Optional[str] = ..., degree_year: Optional[int] = ...,
                     cross: Optional[List[str]] = ..., fixed_model_bootstrap: bool = ...,
                     level: Optional[float] = ..., bootstrap: Optional[int] = ...,
                     seed: Optional[int] = ..., pthresh: Optional[float] = ...,
                     max_order: Optional[int] = ..., ntop: Optional[int] = ...,
                     leave_one_out: Optional[bool] = ...,
                     threads: Optional[int] = ...) -> CovariateReport: ...
