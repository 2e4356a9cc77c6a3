# Tables of lists x covariates: estimate_population, summarise_lists and sensitivity_report
# with `covariates` give the CLI's `--covariates ... --json`, identical after parsing.

cells <- function() bundled("westeros_cells")
covs <- c("X1", "X2", "X3", "X4", "Y")
COVS <- paste(covs, collapse = ",")

test_that("the westeros tables are bundled", {
  expect_true(all(c("westeros_cells", "westeros_individuals") %in% darkfigure_data()))
})

test_that("a fixed formula model gives the CLI's JSON, from a path and a data frame", {
  f <- "(R1+R2+R3+R4)*(X1+Y) + R1:R2"
  want <- cli_json("estimate", cells(), "--covariates", COVS, "--model", shQuote(f),
                   "--cross", "X1:Y")
  e <- estimate_population(cells(), covariates = covs, model = f, cross = "X1:Y")
  expect_s3_class(e, "darkfigure_covariate_estimate")
  expect_identical(as.list(e), want)
  df <- read.csv(cells())
  expect_identical(as.list(estimate_population(df, covariates = covs, model = f, cross = "X1:Y")),
                   want)
  # An R formula is the same model.
  expect_identical(as.list(estimate_population(cells(), covariates = covs, cross = "X1:Y",
                                               model = ~ (R1 + R2 + R3 + R4) * (X1 + Y) + R1:R2)),
                   want)
  # The tables by category.
  expect_s3_class(e$by$Y, "data.frame")
  expect_equal(e$by$Y$estimate, vapply(want$by$Y, function(r) r$estimate, numeric(1)))
  expect_equal(e$by$Y$level, c("1", "2", "3", "4"))
  expect_equal(nrow(e$by[["X1:Y"]]), 8L)
  expect_equal(e$by[["X1:Y"]]$X1[2], "2")
  expect_equal(nrow(e$cells), 96L)
  expect_equal(e$cells$fitted, vapply(want$cells, function(c) c$fitted, numeric(1)))
  expect_equal(e$estimate, want$estimate)
  expect_equal(c(e$lower, e$upper), c(want$interval$lower, want$interval$upper))
  expect_equal(nrow(as.data.frame(e)), 1L + 2 + 2 + 2 + 3 + 4 + 8)
  expect_output(print(e), "by Y")
})

test_that("the main-effects default, and the individuals file, give the CLI's JSON", {
  want <- cli_json("estimate", cells(), "--covariates", COVS)
  expect_identical(as.list(estimate_population(cells(), covariates = covs)), want)
  ind <- bundled("westeros_individuals")
  want_ind <- cli_json("estimate", ind, "--covariates", COVS)
  expect_identical(as.list(estimate_population(ind, covariates = covs)), want_ind)
  expect_identical(as.list(estimate_population(read.csv(ind), covariates = covs)), want_ind)
  # One row per person and list (long): the same table, the same JSON.
  d <- read.csv(ind)
  long <- do.call(rbind, lapply(c("R1", "R2", "R3", "R4"), function(l) {
    on <- which(d[[l]] == 1)
    data.frame(list = rep(l, length(on)), id = paste0("p", on), d[on, covs], row.names = NULL)
  }))
  expect_identical(as.list(estimate_population(long, covariates = covs)), want_ind)
})

test_that("select = \"model-search\" with year = \"Y\" gives the CLI's JSON (mse's model 22)", {
  want <- cli_json("estimate", cells(), "--covariates", COVS, "--select", "model-search",
                   "--year", "Y")
  e <- estimate_population(cells(), covariates = covs, select = "model-search", year = "Y")
  expect_identical(as.list(e), want)
  expect_equal(e$json$selection$search$selected, 22L)
  expect_equal(nrow(e$changes$Y), 3L)
  expect_equal(e$changes$Y$change, vapply(want$changes$Y, function(r) r$change, numeric(1)))
})

test_that("a fixed-model bootstrap (B = 50) gives the CLI's JSON", {
  want <- cli_json("estimate", cells(), "--covariates", COVS, "--select", "model-search",
                   "--year", "Y", "--bootstrap", "50", "--fixed-model-bootstrap", "--seed", "1")
  e <- estimate_population(cells(), covariates = covs, select = "model-search", year = "Y",
                           nboot = 50, fixed_model_bootstrap = TRUE, seed = 1)
  expect_identical(as.list(e), want)
  expect_true(e$json$bootstrap$fixed_model)
  expect_true(all(c("bca_lower", "bca_upper") %in% names(e$by$Y)))
  expect_equal(e$interval, "bca")
})

test_that("an explicit level order gives the CLI's JSON", {
  want <- cli_json("estimate", cells(), "--covariates", COVS, "--levels", "Y=4,3,2,1",
                   "--model", "R1+R2+R3+R4+X1+Y")
  e <- estimate_population(cells(), covariates = covs, levels = list(Y = 4:1),
                           model = "R1+R2+R3+R4+X1+Y")
  expect_identical(as.list(e), want)
  expect_equal(e$by$Y$level, c("4", "3", "2", "1"))
})

test_that("structural zeros (absent) and missing levels give the CLI's JSON", {
  # List C did not operate in 2015 (the CLI's own test table).
  sz <- data.frame(A = c(1, 0, 1, 1, 0, 1, 0, 1, 0, 1), B = c(0, 1, 1, 0, 1, 1, 0, 0, 1, 1),
                   C = c(0, 0, 0, 0, 0, 0, 1, 1, 1, 1), year = c(rep(2015, 3), rep(2016, 7)),
                   count = c(20, 25, 9, 22, 18, 6, 15, 5, 4, 2))
  f <- tempfile("sz", fileext = ".csv")
  write.csv(sz, f, row.names = FALSE, quote = FALSE)
  want <- cli_json("estimate", f, "--covariates", "year", "--absent", "C@year=2015",
                   "--model", "A+B+C+year")
  expect_identical(as.list(estimate_population(f, covariates = "year",
                                               absent = list(C = list(year = 2015)),
                                               model = "A+B+C+year")), want)
  expect_identical(as.list(estimate_population(f, covariates = "year", absent = "C@year=2015",
                                               model = "A+B+C+year")), want)
  expect_identical(as.list(summarise_lists(f, covariates = "year", absent = "C@year=2015")),
                   cli_json("summary", f, "--covariates", "year", "--absent", "C@year=2015"))
  # A missing year: an error naming the row, or its own level with missing = "level".
  sz$year[2] <- NA
  expect_error(estimate_population(sz, covariates = "year"), "year", class = "darkfigure_error")
  write.csv(sz, f, row.names = FALSE, quote = FALSE, na = "")
  expect_identical(as.list(estimate_population(f, covariates = "year", missing = "level")),
                   cli_json("estimate", f, "--covariates", "year", "--missing", "level"))
  unlink(f)
})

test_that("summarise_lists and sensitivity_report with covariates give the CLI's JSON", {
  want <- cli_json("summary", cells(), "--covariates", COVS)
  s <- summarise_lists(cells(), covariates = covs)
  expect_s3_class(s, "darkfigure_covariate_summary")
  expect_identical(as.list(s), want)
  expect_equal(nrow(as.data.frame(s)), 2L + 2 + 2 + 3 + 4)
  expect_identical(as.list(summarise_lists(bundled("westeros_individuals"), covariates = covs)),
                   cli_json("summary", bundled("westeros_individuals"), "--covariates", COVS))
  want <- cli_json("report", cells(), "--covariates", COVS, "--year", "Y")
  r <- sensitivity_report(cells(), covariates = covs, year = "Y")
  expect_s3_class(r, "darkfigure_covariate_report")
  expect_identical(as.list(r), want)
  expect_equal(r$rows$estimate[1], want$estimate)
  want <- cli_json("report", cells(), "--covariates", COVS, "--model", "R1+R2+R3+R4+X1+Y",
                   "--bootstrap", "20", "--seed", "3")
  expect_identical(as.list(sensitivity_report(cells(), covariates = covs,
                                              model = "R1+R2+R3+R4+X1+Y", nboot = 20,
                                              seed = 3)),
                   want)
  expect_output(print(r), "change by Y")
})

test_that("bad covariate input raises errors naming the argument or column", {
  expect_error(estimate_population(cells(), covariates = c("X1", "Z")), "'Z'",
               class = "darkfigure_error")
  expect_error(summarise_lists(cells(), covariates = "Q"), "'Q'", class = "darkfigure_error")
  expect_error(estimate_population(cells(), covariates = covs, year = "Q"), "year",
               class = "darkfigure_error")
  expect_error(estimate_population(cells(), covariates = covs, cross = "X1:Z"), "'Z'",
               class = "darkfigure_error")
  expect_error(estimate_population(cells(), covariates = covs, levels = list(Z = 1:2)), "'Z'",
               class = "darkfigure_error")
  expect_error(estimate_population(cells(), covariates = covs, pthresh = 0.1), "pthresh",
               class = "darkfigure_error")
  expect_error(estimate_population(cells(), covariates = covs, method = "mh-chao"), "method",
               class = "darkfigure_error")
  expect_error(estimate_population(cells(), year = "Y"), "argument year",
               class = "darkfigure_error")
  expect_error(estimate_population(cells(), covariates = covs, levels = 3), "argument levels",
               class = "darkfigure_error")
  expect_error(sensitivity_report(cells(), covariates = covs, coverage = 10), "coverage",
               class = "darkfigure_error")
  # w7 (every two-way term) has no estimate: the JSON with a warning, as the CLI's exit 3.
  expect_warning(w7 <- estimate_population(cells(), covariates = covs, model = ".^2"),
                 class = "darkfigure_no_estimate")
  expect_true(is.na(w7$estimate))
  expect_identical(as.list(w7), cli_json("estimate", cells(), "--covariates", COVS,
                                         "--model", shQuote(".^2")))
})
