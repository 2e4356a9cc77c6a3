"""Exceptions raised by darkfigure, with the library's messages and fields.

Every exception derives from :class:`DarkfigureError`. The classes for bad input or bad
options also derive from :class:`ValueError`, so ``except ValueError`` catches them.

==========================  ===================  ======================================
exception                   also a               raised for (CLI exit status)
==========================  ===================  ======================================
:class:`InputError`         ``ValueError``       malformed input: ``.row``/``.column`` (2)
:class:`OptionError`        ``ValueError``       an invalid option, or one with no effect (2)
:class:`ModelSyntaxError`   ``ValueError``       a model that does not parse (2)
:class:`NoEstimateError`    —                    the estimate does not exist / is not
                                                 identifiable (3); see ``Estimate.error``
:class:`TooCostlyError`     —                    a search or computation refused as too large (2)
``FileNotFoundError``,      —                    a file that cannot be read (2)
``OSError``
==========================  ===================  ======================================

``estimate`` does *not* raise :class:`NoEstimateError` by default: like the CLI (which prints
the JSON with ``estimate: null`` and exits 3) it returns a result whose ``estimate`` is
``None`` and whose ``error`` says why; call ``result.raise_for_error()`` (or pass
``strict=True``) to get the exception instead.
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = [
    "DarkfigureError",
    "InputError",
    "OptionError",
    "ModelSyntaxError",
    "NoEstimateError",
    "TooCostlyError",
]

#: Library option names that the Python API spells differently.
_PY_NAMES = {"threshold": "pthresh", "kind": "bootstrap_kind", "replicates": "bootstrap",
             "no_leave_one_out": "leave_one_out"}


class DarkfigureError(Exception):
    """Base class of darkfigure's exceptions; ``str(e)`` is the library's message."""


class InputError(DarkfigureError, ValueError):
    """Malformed input.

    Attributes: ``file`` (the path, or ``<DataFrame>``), ``line`` and ``column`` (1-based, of
    the CSV; ``None`` when the problem is about a whole line or input), ``problem``, ``fix``;
    for a DataFrame also ``row`` (the index label of the offending row) and ``column_name``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str = "",
        line: Optional[int] = None,
        column: Optional[int] = None,
        problem: str = "",
        fix: str = "",
        row: Any = None,
        column_name: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem
        self.fix = fix
        self.row = row
        self.column_name = column_name


class OptionError(DarkfigureError, ValueError):
    """An invalid option, or an option given where it has no effect (``name``, ``value``,
    ``problem``); ``name`` is the keyword argument's name."""

    def __init__(self, message: str, *, name: str = "", value: str = "", problem: str = ""):
        super().__init__(message)
        self.name = name
        self.value = value
        self.problem = problem


class ModelSyntaxError(DarkfigureError, ValueError):
    """A model specification that does not parse (``spec``, ``problem``)."""

    def __init__(self, message: str, *, spec: str = "", problem: str = ""):
        super().__init__(message)
        self.spec = spec
        self.problem = problem


class NoEstimateError(DarkfigureError):
    """The requested estimate does not exist or is not identifiable (the CLI's exit status
    3). ``result`` holds the :class:`darkfigure.Estimate` (its ``to_dict()`` is the CLI's JSON
    with ``estimate: null``) when raised by ``raise_for_error``."""

    def __init__(self, message: str, result: Any = None):
        super().__init__(message)
        self.result = result


class TooCostlyError(DarkfigureError):
    """A model space, model or computation refused as too large, with what to do instead."""


def _from_core(kind: str, message: str, fields: dict) -> BaseException:
    """Build the exception for a library error (called by the extension)."""
    if kind == "input":
        return InputError(message, **fields)
    if kind == "option":
        name = _PY_NAMES.get(fields["name"], fields["name"])
        msg = f"option {name} = {fields['value']}: {fields['problem']}"
        return OptionError(msg, name=name, value=fields["value"], problem=fields["problem"])
    if kind == "model":
        return ModelSyntaxError(message, **fields)
    if kind == "io":
        if fields.get("not_found"):
            return FileNotFoundError(2, fields["reason"], fields["file"])
        return OSError(message)
    if kind == "too_costly":
        return TooCostlyError(message)
    if kind == "no_estimate":
        return NoEstimateError(message)
    return DarkfigureError(message)
