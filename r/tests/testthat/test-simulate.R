# Coverage studies, calibrated intervals and the report's coverage column: the CLI's JSON,
# identical after parsing (small sizes); errors name the argument.

# `darkfigure simulate ... --estimate "<text>"` (the text quoted for system2's shell).
cli_simulate <- function(file, estimate, ...) {
  cli_json("simulate", file, ..., "--estimate", shQuote(estimate), "--quiet")
}

test_that("simulate_coverage gives the CLI's JSON (stepwise truth, stepwise + BCa), from a path and a data frame", {
  p <- bundled("ukdat_5")
  want <- cli_simulate(p, "--select stepwise --bootstrap 50", "--select", "stepwise",
                       "--tables", "20")
  ours <- simulate_coverage(p, select = "stepwise", tables = 20,
                            estimate = list(select = "stepwise", nboot = 50))
  expect_identical(as.list(ours), want)
  expect_identical(as.list(simulate_coverage(read_table("ukdat_5"), select = "stepwise",
                                             tables = 20,
                                             estimate = list(select = "stepwise", nboot = 50))),
                   want)
  # The estimate's select defaults as in estimate_population (stepwise), recorded as given.
  expect_identical(as.list(simulate_coverage(p, select = "stepwise", tables = 20,
                                             estimate = list(nboot = 50))), want)
  expect_equal(want$options$estimate, "--select stepwise --bootstrap 50")
  expect_s3_class(ours, "darkfigure_simulation")
  expect_equal(ours$truth, want$truth)
  expect_equal(unname(ours$coverage), unname(vapply(want$coverage, as.numeric, 1)))
  expect_equal(names(ours$coverage), c("0.8", "0.9", "0.95"))
  expect_equal(ours$rmse, want$rmse)
  d <- as.data.frame(ours)
  expect_equal(nrow(d), 3L)
  expect_equal(d$level, c(0.8, 0.9, 0.95))
  expect_equal(d$covered, unname(vapply(want$covered, as.numeric, 1)))
  expect_equal(nrow(ours$table_results), 20L)
  expect_output(print(ours), "coverage study")
  expect_output(print(summary(ours)), "Models chosen")
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_no_error(plot(ours))
})

test_that("simulate_coverage matches the CLI with other truths, schemes, levels and estimates", {
  k <- bundled("korea")
  expect_identical(
    as.list(simulate_coverage(k, model = "main", tables = 15, seed = 9, scheme = "poisson",
                              coverage_levels = 0.9,
                              estimate = list(select = "aic-stepwise"))),
    cli_simulate(k, "--select aic-stepwise", "--model", "main", "--tables", "15", "--seed", "9",
                 "--scheme", "poisson", "--coverage-levels", "0.9"))
  expect_identical(
    as.list(simulate_coverage(k, method = "mth-chao", tables = 10,
                              estimate = list(method = "mh-chao"))),
    cli_simulate(k, "--method mh-chao", "--method", "mth-chao", "--tables", "10"))
  # A model with spaces: the --estimate text quotes it as a shell would need.
  s <- simulate_coverage(k, model = "main", tables = 5, estimate = list(model = "b*c + d"))
  expect_equal(s$json$options$estimate, "--model 'b*c + d'")
  expect_identical(as.list(s), cli_simulate(k, "--model 'b*c + d'", "--model", "main",
                                            "--tables", "5"))
  w <- bundled("western")
  expect_identical(
    as.list(simulate_coverage(w, select = "bic", tables = 10, coverage_levels = c(0.5, 0.95),
                              estimate = list(select = "bic", nboot = 30, kind = "parametric"))),
    cli_simulate(w, "--select bic --bootstrap 30 --bootstrap-kind parametric", "--select", "bic",
                 "--tables", "10", "--coverage-levels", "0.5,0.95"))
})

test_that("calibrated intervals give the CLI's JSON", {
  k <- bundled("korea")
  ours <- estimate_population(k, nboot = 50, interval = "calibrated", calibration_tables = 20)
  expect_identical(as.list(ours),
                   cli_json("estimate", k, "--select", "stepwise", "--bootstrap", "50",
                            "--interval", "calibrated", "--calibration-tables", "20"))
  expect_equal(ours$interval, "calibrated")
  expect_equal(ours$calibration$tables, 20L)
  expect_true(is.numeric(ours$calibration$nominal_used))
  expect_output(print(ours), "calibrated")
  u5 <- bundled("ukdat_5")
  expect_identical(
    as.list(estimate_population(u5, nboot = 40, interval = "calibrated", calibration_tables = 10,
                                calibration_interval = "percentile",
                                calibration_truth = "observed")),
    cli_json("estimate", u5, "--select", "stepwise", "--bootstrap", "40", "--interval",
             "calibrated", "--calibration-tables", "10", "--calibration-interval", "percentile",
             "--calibration-truth", "observed"))
  expect_identical(
    as.list(suppressWarnings(estimate_population(k, model = "main", interval = "calibrated",
                                                 calibration_tables = 10))),
    cli_json("estimate", k, "--model", "main", "--interval", "calibrated",
             "--calibration-tables", "10"))
})

test_that("sensitivity_report(coverage = S) gives the CLI's JSON and coverage columns", {
  k <- bundled("korea")
  ours <- suppressWarnings(sensitivity_report(k, coverage = 10))
  want <- cli_json("report", k, "--coverage", "10")
  expect_identical(as.list(ours), want)
  d <- as.data.frame(ours)
  expect_true(all(c("coverage", "coverage_se") %in% names(d)))
  expect_equal(d$coverage, vapply(want$rows, function(r) r$coverage %||% NA_real_, 1))
  expect_output(print(ours), "coverage")
  expect_false("coverage" %in% names(as.data.frame(suppressWarnings(sensitivity_report(k)))))
})

test_that("bad simulate_coverage, calibration and coverage arguments are errors naming them", {
  p <- bundled("ukdat_5")
  expect_error(simulate_coverage(p, tables = 5, estimate = list(seed = 3)), "seed",
               class = "darkfigure_error")
  expect_error(simulate_coverage(p, tables = 5, estimate = list(threads = 1)), "threads",
               class = "darkfigure_error")
  expect_error(simulate_coverage(p, tables = 5, estimate = list(nbot = 10)), "nbot",
               class = "darkfigure_error")
  expect_error(simulate_coverage(p, tables = 5, estimate = "--select stepwise"), "estimate",
               class = "darkfigure_error")
  # An option without effect in the estimate studied says it is the estimate's.
  expect_error(simulate_coverage(p, tables = 5, estimate = list(select = "bic", pthresh = 0.1)),
               "argument estimate.*pthresh", class = "darkfigure_error")
  expect_error(simulate_coverage(p, tables = 5, estimate = list(nboot = 10, level = 2)),
               "argument estimate.*level", class = "darkfigure_error")
  expect_error(simulate_coverage(p, tables = 5, model = "main", select = "stepwise"),
               "model.*select", class = "darkfigure_error")
  expect_error(simulate_coverage(p, tables = 5, pthresh = 0.1), "pthresh",
               class = "darkfigure_error")
  expect_error(simulate_coverage(p, tables = 0), "tables", class = "darkfigure_error")
  expect_error(simulate_coverage(p, tables = 5, coverage_levels = c(0.9, 1.5)),
               "coverage_levels", class = "darkfigure_error")
  expect_error(simulate_coverage(p, tables = 5, scheme = "sideways"), "sideways",
               class = "darkfigure_error")
  expect_error(simulate_coverage(p, tables = 5, method = "lcmcr"), "method",
               class = "darkfigure_error")
  expect_error(estimate_population(p, calibration_tables = 10), "calibration_tables",
               class = "darkfigure_error")
  expect_error(estimate_population(p, interval = "calibrated", calibration_truth = "imagined"),
               "imagined", class = "darkfigure_error")
})
