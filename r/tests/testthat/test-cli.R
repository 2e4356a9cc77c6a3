# Every bundled dataset: the R functions give the CLI's JSON, identical after parsing (the
# same numbers to the last bit, the same warnings, options and provenance).

datasets <- setdiff(darkfigure_data(), c("kosovo_long", "westeros_cells", "westeros_individuals"))
lists_of <- function(name) ncol(read_table(name)) - 1L

test_that("the bundled datasets are all there", {
  expect_equal(length(datasets), 16L)
  for (d in datasets) expect_true(file.exists(bundled(d)))
})

test_that("summarise_lists and check_existence give the CLI's JSON on every dataset", {
  for (d in datasets) {
    p <- bundled(d)
    expect_identical(as.list(summarise_lists(p)), cli_json("summary", p), info = d)
    expect_identical(as.list(summarise_lists(read_table(d))), cli_json("summary", p), info = d)
    expect_identical(as.list(check_existence(p)), cli_json("check", p, "--model", "main"),
                     info = d)
  }
})

test_that("estimate_population (stepwise, the default) gives the CLI's JSON on every dataset, from a path and a data frame", {
  for (d in datasets) {
    p <- bundled(d)
    want <- cli_json("estimate", p, "--select", "stepwise")
    expect_identical(as.list(estimate_population(p)), want, info = d)
    expect_identical(as.list(estimate_population(read_table(d))), want, info = d)
  }
})

test_that("AIC-stepwise with its profile interval, a fixed model and Rcapture's Mh Chao match the CLI on every dataset", {
  for (d in datasets) {
    p <- bundled(d)
    expect_identical(as.list(suppressWarnings(estimate_population(p, select = "aic-stepwise"))),
                     cli_json("estimate", p, "--select", "aic-stepwise"), info = d)
    expect_identical(as.list(suppressWarnings(estimate_population(p, model = "main", interval = "profile"))),
                     cli_json("estimate", p, "--model", "main", "--interval", "profile"), info = d)
    expect_identical(as.list(suppressWarnings(estimate_population(p, method = "mh-chao"))),
                     cli_json("estimate", p, "--method", "mh-chao"), info = d)
  }
})

test_that("the stepwise bootstrap (B = 200, BCa) matches the CLI replicate for replicate on every dataset", {
  for (d in datasets) {
    p <- bundled(d)
    ours <- estimate_population(p, nboot = 200, seed = 99)
    want <- cli_json("estimate", p, "--select", "stepwise", "--bootstrap", "200", "--seed", "99")
    expect_identical(as.list(ours), want, info = d)
    expect_equal(length(ours$replicates), 200L)
  }
})

test_that("rank_models gives the CLI's ranking on every dataset of up to six lists", {
  for (d in datasets[vapply(datasets, lists_of, integer(1)) <= 6L]) {
    p <- bundled(d)
    ours <- rank_models(p, max_order = 2, top = 10)
    want <- cli_json("models", p, "--max-order", "2", "--top", "10")
    expect_identical(as.list(ours), want, info = d)
    expect_s3_class(ours, "data.frame")
    expect_equal(ours$bic, vapply(want$models, function(m) m$bic, numeric(1)), info = d)
  }
  k <- bundled("korea")
  expect_identical(as.list(rank_models(k, by = "aic")), cli_json("models", k, "--by", "aic"))
})

test_that("sensitivity_report matches the CLI (small datasets: every row, LCMCR and dga included)", {
  for (d in c("korea", "artificial_3", "neworl_5")) {
    p <- bundled(d)
    ours <- suppressWarnings(sensitivity_report(p))
    expect_identical(as.list(ours), cli_json("report", p), info = d)
    expect_s3_class(as.data.frame(ours), "data.frame")
  }
  p <- bundled("western")
  expect_identical(as.list(sensitivity_report(p, nboot = 100, seed = 5, select = c("stepwise", "bic"))),
                   cli_json("report", p, "--bootstrap", "100", "--seed", "5", "--select", "stepwise,bic"))
})

test_that("lcmcr and dga match the CLI", {
  k <- bundled("korea")
  ours <- suppressWarnings(estimate_population(k, method = "lcmcr", samples = 300, burnin = 300, seed = 7))
  expect_identical(as.list(ours), cli_json("estimate", k, "--method", "lcmcr", "--samples", "300",
                                           "--burnin", "300", "--seed", "7"))
  expect_equal(nrow(ours$draws), 4L * 300L)
  u5 <- bundled("ukdat_5")
  expect_identical(as.list(suppressWarnings(estimate_population(u5, method = "dga"))),
                   cli_json("estimate", u5, "--method", "dga"))
  expect_identical(as.list(rank_models(u5, method = "dga", top = 5)),
                   cli_json("models", u5, "--method", "dga", "--top", "5"))
})

test_that("input options and long-format data match the CLI", {
  uk <- bundled("ukdat")
  expect_identical(as.list(estimate_population(uk, merge = list(c("PF", "NCA")))),
                   cli_json("estimate", uk, "--select", "stepwise", "--merge", "PF,NCA"))
  expect_identical(as.list(estimate_population(uk, omit = "GP", lists = NULL)),
                   cli_json("estimate", uk, "--select", "stepwise", "--omit", "GP"))
  long <- bundled("kosovo_long")
  expect_identical(as.list(estimate_population(long, model = "main")), cli_json("estimate", long))
  tab <- long_to_table(long)
  expect_equal(sum(tab$count), 4400)
  expect_identical(as.list(estimate_population(tab, model = "main"))$input_sha256,
                   cli_json("estimate", long)$input_sha256)
  df <- read.csv(long)
  expect_identical(as.list(summarise_lists(df)), cli_json("summary", long))
})
