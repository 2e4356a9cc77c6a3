# Bad input raises an R error condition (class darkfigure_error) with the crate's message,
# naming the row and column; options without effect are errors, as on the command line.

uk5 <- function() read_table("ukdat_5")

test_that("a negative or fractional count names the count column", {
  d <- uk5(); d$count[2] <- -3
  expect_error(estimate_population(d), class = "darkfigure_error")
  expect_error(estimate_population(d), "count")
  d <- uk5(); d$count[4] <- 2.5
  expect_error(summarise_lists(d), "count")
})

test_that("a list column that is not 0/1 is named", {
  d <- uk5(); d$NG[3] <- 2
  expect_error(estimate_population(d), "NG", class = "darkfigure_error")
  d <- uk5(); d$GO[5] <- NA
  expect_error(estimate_population(d), "GO", class = "darkfigure_error")
})

test_that("unknown lists and bad models are named", {
  expect_error(estimate_population(bundled("ukdat_5"), lists = c("LA", "XX")), "XX",
               class = "darkfigure_error")
  expect_error(check_existence(bundled("ukdat_5"), "LA*ZZ"), "ZZ", class = "darkfigure_error")
  expect_error(estimate_population(bundled("ukdat"), model = "[12,7]"), class = "darkfigure_error")
  expect_error(estimate_population("/no/such/file.csv"), "no such file", class = "darkfigure_error")
  expect_error(estimate_population(42), "data frame", class = "darkfigure_error")
})

test_that("an option without effect is an error naming the R argument", {
  p <- bundled("ukdat_5")
  expect_error(estimate_population(p, select = "bic", pthresh = 0.1), "pthresh",
               class = "darkfigure_error")
  expect_error(estimate_population(p, seed = 3), "seed.*nboot", class = "darkfigure_error")
  expect_error(estimate_population(p, select = "stepwise", max_order = 3), "max_order",
               class = "darkfigure_error")
  expect_error(estimate_population(p, method = "mh-chao", classes = 3), "classes",
               class = "darkfigure_error")
  expect_error(estimate_population(p, nboot = 10, kind = "sideways"), class = "darkfigure_error")
  expect_error(estimate_population(p, level = 1.5), "level", class = "darkfigure_error")
  expect_error(rank_models(p, method = "dga", max_order = 2), "max_order", class = "darkfigure_error")
})

test_that("no estimate is a warning with the JSON still returned (the CLI's exit status 3)", {
  a3 <- bundled("artificial_3")
  w <- NULL
  e <- withCallingHandlers(estimate_population(a3, model = "[12,3]"),
                           darkfigure_no_estimate = function(c) {
                             w <<- conditionMessage(c)
                             invokeRestart("muffleWarning")
                           })
  expect_match(w, "no estimate")
  expect_true(is.na(e$estimate))
  expect_identical(as.list(e), cli_json("estimate", a3, "--model", "[12,3]"))
})

test_that("threads above the machine's cores are capped with a warning, as the CLI's --threads", {
  uk <- read.csv(darkfigure_data("ukdat_5"), check.names = FALSE)
  expect_warning(e <- estimate_population(uk, threads = 100000L), "this machine can run at once")
  expect_identical(as.list(e), as.list(estimate_population(uk)))
})
