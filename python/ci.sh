#!/usr/bin/env bash
# CI of the Python package: a virtual environment with maturin, pytest, pandas and Dask from
# pip, the package built (maturin, release) and installed, the CLI that the tests compare
# with built, and `pytest python/tests`. Works on a clean machine; call it from anywhere
# (.ci/run calls `python/ci.sh` from the repository's root).
#
# Environment: PYTHON (default python3), DARKFIGURE_VENV (default python/.venv),
# DARKFIGURE_BIN (default target/release/darkfigure, built here when missing or stale).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="${DARKFIGURE_VENV:-$ROOT/python/.venv}"
export CARGO_TERM_COLOR=never

# A virtual environment (Debian's python3 needs python3-venv for ensurepip).
if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      "$PYTHON" -m venv "$VENV"
    else
      echo "python/ci.sh: '$PYTHON -m venv' fails; install python3-venv" >&2
      exit 1
    fi
  fi
fi
PY="$VENV/bin/python"
"$PY" -m pip install -q --upgrade pip
"$PY" -m pip install -q "maturin>=1.9.4,<2" pytest pandas "dask[distributed]" tqdm

# The glue crate is formatted; the package is built in release mode and installed.
cargo fmt --check --manifest-path python/Cargo.toml
WHEELS="$ROOT/python/target/wheels"
rm -rf "$WHEELS"
"$VENV/bin/maturin" build --release --manifest-path python/Cargo.toml --out "$WHEELS" \
  --interpreter "$PY" --quiet
"$PY" -m pip install -q --force-reinstall --no-deps "$WHEELS"/darkfigure-*.whl

# The CLI whose JSON the tests compare with (a no-op when .ci/run has built it).
if [ -z "${DARKFIGURE_BIN:-}" ]; then
  cargo build --release --quiet --bin darkfigure
fi

# Run from outside python/ so that the installed package, not the source folder, is tested.
"$PY" -m pytest -q -p no:cacheprovider python/tests
