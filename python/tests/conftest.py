"""Shared fixtures: the repository's data and the CLI binary the results are compared with.

The CLI is ``$DARKFIGURE_BIN`` or ``target/release/darkfigure`` at the repository's root
(``python/ci.sh`` builds it)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
#: Every bundled capture table: the frequency tables in data/ and the long-format examples.
DATASETS = sorted(DATA.glob("*.csv")) + sorted((DATA / "examples").glob("*.csv"))


def cli_path() -> Path:
    return Path(os.environ.get("DARKFIGURE_BIN", ROOT / "target" / "release" / "darkfigure"))


@pytest.fixture(scope="session")
def cli():
    """``cli(*args)`` runs the CLI with ``--json`` and returns ``(dict or None, exit status,
    stderr)``."""
    exe = cli_path()
    if not exe.exists():
        pytest.fail(f"the darkfigure CLI is not built at {exe}: run `cargo build --release` "
                    "at the repository's root (python/ci.sh does) or set DARKFIGURE_BIN")

    def run(*args):
        p = subprocess.run([str(exe), *map(str, args), "--json"], capture_output=True,
                           text=True, cwd=ROOT)
        out = json.loads(p.stdout) if p.stdout.strip() else None
        return out, p.returncode, p.stderr

    return run


def rel(path: Path) -> str:
    """A dataset's path as both front ends are given it (relative to the repository)."""
    return str(path.relative_to(ROOT))


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)
