# The repository root (for the CLI binary and tests/reference): DARKFIGURE_ROOT, else three
# levels above r/tests/testthat.
repo_root <- function() {
  root <- Sys.getenv("DARKFIGURE_ROOT", "")
  if (!nzchar(root)) root <- file.path(getwd(), "..", "..", "..")
  normalizePath(root, mustWork = FALSE)
}

# The CLI the numbers are compared with: DARKFIGURE_BIN, else target/release/darkfigure.
cli_bin <- function() {
  bin <- Sys.getenv("DARKFIGURE_BIN", "")
  if (!nzchar(bin)) bin <- file.path(repo_root(), "target", "release", "darkfigure")
  if (!file.exists(bin)) skip(paste("no CLI binary at", bin, "(cargo build --release)"))
  bin
}

# Run the CLI with --json; its JSON parsed as the R package parses its own.
cli_json <- function(...) {
  out <- suppressWarnings(system2(cli_bin(), c(..., "--json"), stdout = TRUE, stderr = FALSE))
  status <- attr(out, "status") %||% 0L
  if (status == 2L) stop("the CLI failed: ", paste(c(...), collapse = " "))
  jsonlite::fromJSON(paste(out, collapse = "\n"), simplifyVector = FALSE)
}

`%||%` <- function(a, b) if (is.null(a)) b else a

reference <- function(path) {
  p <- file.path(repo_root(), "tests", "reference", path)
  if (!file.exists(p)) skip(paste("no reference file", p))
  jsonlite::fromJSON(p, simplifyVector = FALSE)
}

bundled <- function(name) darkfigure_data(name)

# A frequency CSV read as R users read it.
read_table <- function(name) read.csv(bundled(name), check.names = FALSE)

expect_rel <- function(ours, want, tol = 1e-6) {
  expect_true(all(abs(ours - want) <= tol * pmax(abs(want), 1)),
              info = sprintf("ours %s, want %s", format(ours, digits = 15), format(want, digits = 15)))
}
