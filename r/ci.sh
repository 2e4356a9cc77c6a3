#!/usr/bin/env bash
# The R package's CI: install R from Debian if missing, build the CLI the tests compare
# against, install the package into a temporary library and run the testthat suite.
# Call it from the repository root as `r/ci.sh`. Exits non-zero on any test failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

need_r=0
command -v R >/dev/null 2>&1 || need_r=1
if [ "$need_r" = 0 ]; then
  Rscript -e 'for (p in c("testthat", "jsonlite")) if (!requireNamespace(p, quietly = TRUE)) quit(status = 1)' \
    >/dev/null 2>&1 || need_r=1
  [ -f "$(R RHOME)/etc/Makeconf" ] || need_r=1
fi
if [ "$need_r" = 1 ]; then
  echo "r/ci.sh: installing R from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq r-base-dev r-cran-testthat r-cran-jsonlite >/dev/null
fi

echo "r/ci.sh: building the CLI (cargo build --release)"
cargo build --release --quiet --bin darkfigure

lib="$(mktemp -d)"
trap 'rm -rf "$lib"' EXIT
echo "r/ci.sh: R CMD INSTALL r/ into $lib"
R CMD INSTALL --library="$lib" r/ >"$lib/install.log" 2>&1 || {
  tail -50 "$lib/install.log"
  echo "r/ci.sh: R CMD INSTALL failed"
  exit 1
}

echo "r/ci.sh: testthat"
export DARKFIGURE_ROOT="$root" DARKFIGURE_BIN="$root/target/release/darkfigure"
cd r/tests/testthat
R_LIBS="$lib" Rscript -e '
  library(testthat)
  library(darkfigure)
  res <- as.data.frame(test_dir(".", reporter = "summary", stop_on_failure = FALSE))
  failed <- sum(res$failed) + sum(res$error)
  passed <- sum(res$nb) - sum(res$failed) - sum(res$skipped)
  cat(sprintf("\nR: %d passed, %d failed, %d skipped\n", passed, failed, sum(res$skipped)))
  if (failed > 0) quit(status = 1)
'
