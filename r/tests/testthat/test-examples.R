# Every help page's example runs on the bundled datasets.
test_that("the examples of every help page run", {
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  topics <- c("estimate_population", "rank_models", "check_existence", "summarise_lists",
              "sensitivity_report", "simulate_coverage", "long_to_table", "darkfigure_data",
              "darkfigure_estimate-methods", "darkfigure-package", "darkfigure_covariates")
  for (t in topics) {
    expect_no_error(suppressWarnings(utils::capture.output(
      utils::example(t, package = "darkfigure", character.only = TRUE, echo = FALSE,
                     lib.loc = dirname(find.package("darkfigure")))
    )), message = t)
  }
})

test_that("print, summary, as.data.frame and plot work on every kind of result", {
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  k <- darkfigure_data("korea")
  for (e in list(estimate_population(k), estimate_population(k, nboot = 50),
                 suppressWarnings(estimate_population(k, method = "dga")),
                 suppressWarnings(estimate_population(k, method = "lcmcr", samples = 100, burnin = 100)))) {
    expect_output(print(e), "darkfigure estimate")
    expect_output(print(summary(e)))
    expect_equal(nrow(as.data.frame(e)), 1L)
    expect_no_error(plot(e))
    expect_true(is.numeric(e$estimate) && is.numeric(e$lower) && is.character(e$model))
  }
  expect_output(print(check_existence(k)), "code 0")
  expect_output(print(summarise_lists(k)), "123 cases")
  expect_output(print(rank_models(k)), "ranked by BIC")
})
