#' Coverage study of an estimation on simulated tables — see man/simulate_coverage.Rd
#' @export
simulate_coverage <- function(data, model = NULL, select = NULL, method = NULL, pthresh = NULL,
                              max_order = NULL, tables = 200, seed = 1234,
                              scheme = "multinomial", coverage_levels = c(0.8, 0.9, 0.95),
                              estimate = list(select = "stepwise", nboot = 1000),
                              lists = NULL, omit = NULL, merge = NULL, format = NULL,
                              list_col = NULL, id_col = NULL, delimiter = NULL,
                              threads = NULL) {
  call <- match.call()
  source <- .df_source(substitute(data))
  if (is.null(estimate)) estimate <- list()
  if (!is.list(estimate) || (length(estimate) > 0L &&
                             (is.null(names(estimate)) || any(!nzchar(names(estimate)))))) {
    .df_stop("argument estimate: expected a named list of estimate_population's arguments, e.g. list(select = \"stepwise\", nboot = 1000)", call = call)
  }
  given <- names(estimate)
  if (anyDuplicated(given)) {
    .df_stop(sprintf("argument estimate: %s given twice", given[anyDuplicated(given)]),
             call = call)
  }
  why <- c(
    data = "the data are simulate_coverage's",
    seed = "simulate_coverage seeds table j with its own `seed` + j - 1",
    replay = "replayed resamples belong to the data, not to simulated tables",
    threads = "give `threads` to simulate_coverage",
    lists = "the input is simulate_coverage's: give it there",
    omit = "the input is simulate_coverage's: give it there",
    merge = "the input is simulate_coverage's: give it there",
    format = "the input is simulate_coverage's: give it there",
    list_col = "the input is simulate_coverage's: give it there",
    id_col = "the input is simulate_coverage's: give it there",
    delimiter = "the input is simulate_coverage's: give it there"
  )
  for (k in given) {
    if (k %in% names(why)) {
      .df_stop(sprintf("argument estimate: %s has no place in the estimate studied: %s",
                       k, why[[k]]), call = call)
    }
    if (!k %in% .df_estimate_args) {
      .df_stop(sprintf("argument estimate: %s is not an argument of estimate_population (the estimate studied takes %s)",
                       k, paste(.df_estimate_args, collapse = ", ")), call = call)
    }
  }
  defaults <- formals(estimate_population)[.df_estimate_args]
  args <- utils::modifyList(lapply(defaults, eval), estimate, keep.null = TRUE)
  studied <- .df_estimate_opts(args, given, call)
  studied <- studied[!vapply(studied, function(v) is.null(v) || (length(v) == 1L && is.atomic(v) && is.na(v)), logical(1))]
  # The estimation as the CLI's --estimate text: the options given, in their order (a
  # select defaulted in, as estimate_population defaults it, first).
  words <- .df_estimate_words(estimate, defaulted_select = !"select" %in% given &&
                                !is.null(studied$select))
  opts <- c(list(model = model, select = select, method = method, pthresh = pthresh,
                 max_order = max_order, tables = tables, seed = seed, scheme = scheme,
                 coverage_levels = if (!is.null(coverage_levels)) as.list(coverage_levels),
                 estimate = if (length(studied)) studied else structure(list(), names = character()),
                 estimate_text = paste(.df_shell_quote(words), collapse = " "),
                 estimate_words = as.list(words), threads = threads),
            .df_read_opts(lists, omit, merge, format, list_col, id_col, delimiter))
  res <- .df_run("simulate", data, opts, source = source, call = call)
  .df_simulation(res$json)
}

# A number as the CLI is given it: whole numbers without exponent.
.df_word <- function(x) {
  if (is.numeric(x)) {
    ifelse(is.finite(x) & x == round(x) & abs(x) < 1e15, formatC(x, format = "f", digits = 0),
           format(x, digits = 15, trim = TRUE))
  } else {
    as.character(x)
  }
}

# estimate_population's arguments as the words of `darkfigure estimate`'s options.
.df_estimate_words <- function(estimate, defaulted_select = FALSE) {
  flag <- c(nboot = "--bootstrap", kind = "--bootstrap-kind", top = "--top")
  words <- if (defaulted_select) c("--select", "stepwise") else character()
  for (k in names(estimate)) {
    v <- estimate[[k]]
    if (is.null(v) || (length(v) == 1L && is.atomic(v) && is.na(v))) next
    if (k == "label_swaps") {
      if (isFALSE(v)) words <- c(words, "--no-label-swaps")
      next
    }
    if (k == "collapsed_moves") {
      if (isFALSE(v)) words <- c(words, "--no-collapsed-moves")
      next
    }
    if (k == "until_converged") {
      if (isTRUE(v)) words <- c(words, "--until-converged")
      next
    }
    if (k == "nboot" && is.numeric(v) && length(v) == 1L && v == 0) next
    f <- if (k %in% names(flag)) flag[[k]] else paste0("--", gsub("_", "-", k, fixed = TRUE))
    words <- c(words, f, paste(.df_word(v), collapse = ","))
  }
  words
}

# Words quoted as a shell would need them to split them back.
.df_shell_quote <- function(words) {
  q <- !grepl("^[A-Za-z0-9_.,:+*=/@%^\\[\\]-]+$", words, perl = TRUE)
  words[q] <- paste0("'", gsub("'", "'\\''", words[q], fixed = TRUE), "'")
  words
}

# The S3 object of a coverage study from the CLI's JSON.
.df_simulation <- function(j) {
  lv <- vapply(j$levels, .num, numeric(1))
  keys <- names(j$coverage)
  per <- function(field) vapply(keys, function(k) .num(j[[field]][[k]]), numeric(1),
                                USE.NAMES = FALSE)
  levels <- data.frame(
    level = lv, coverage = per("coverage"), coverage_se = per("coverage_se"),
    intervals = per("intervals"), covered = per("covered"), miss_below = per("miss_below"),
    miss_above = per("miss_above"), median_width = per("median_width"),
    median_length = per("median_length"), nominal_used = per("nominal_used"),
    no_interval = vapply(keys, function(k) .num(j$failed$no_interval[[k]]), numeric(1),
                         USE.NAMES = FALSE),
    stringsAsFactors = FALSE
  )
  tr <- j$table_results
  per_table <- data.frame(
    table = vapply(tr, function(t) .num(t$table), numeric(1)),
    seed = vapply(tr, function(t) .num(t$seed), numeric(1)),
    estimate = vapply(tr, function(t) .num(t$estimate), numeric(1)),
    model = vapply(tr, function(t) .chr(t$model), character(1)),
    failure = vapply(tr, function(t) .chr(t$failure), character(1)),
    stringsAsFactors = FALSE
  )
  coverage <- stats::setNames(levels$coverage, keys)
  structure(list(
    truth = .num(j$truth), truth_model = j$truth_model, tables = .num(j$tables),
    seed = .num(j$seed), scheme = .chr(j$scheme), method = .chr(j$method),
    interval = .chr(j$interval), coverage = coverage,
    coverage_se = stats::setNames(levels$coverage_se, keys),
    bias = .num(j$bias), rmse = .num(j$rmse), relative_rmse = .num(j$relative_rmse),
    median_width = stats::setNames(levels$median_width, keys),
    mean_estimate = .num(j$mean_estimate), median_estimate = .num(j$median_estimate),
    failed = .num(j$failed$tables), no_estimate = .num(j$failed$no_estimate),
    levels = levels, table_results = per_table,
    warnings = as.character(unlist(j$warnings)), json = j
  ), class = "darkfigure_simulation")
}

#' @export
print.darkfigure_simulation <- function(x, ...) {
  tm <- x$truth_model
  cat(sprintf("darkfigure coverage study: %s (%s interval) on %s tables (%s, seed %s)\n",
              x$method, x$interval, .fmt(x$tables), x$scheme, format(x$seed)))
  cat(sprintf("  truth: N = %s, the fit of %s %s\n", .fmt(x$truth), .chr(tm$label),
              .chr(tm$model)))
  cat(sprintf("  estimates: mean %s, median %s; bias %s, RMSE %s (%s%% of N)\n",
              .fmt(x$mean_estimate), .fmt(x$median_estimate), .fmt(x$bias, 4),
              .fmt(x$rmse, 4), .fmt(100 * x$relative_rmse, 3)))
  l <- x$levels
  out <- data.frame(nominal = l$level, coverage = round(l$coverage, 4),
                    se = round(l$coverage_se, 4), median_width = round(l$median_width, 4),
                    stringsAsFactors = FALSE)
  if (any(!is.na(l$nominal_used))) out$nominal_used <- round(l$nominal_used, 4)
  print(out, row.names = FALSE)
  if (x$failed > 0 || x$no_estimate > 0) {
    cat(sprintf("  failed: %s tables, %s without an estimate\n", .fmt(x$failed),
                .fmt(x$no_estimate)))
  }
  for (w in x$warnings) cat("  warning:", w, "\n")
  invisible(x)
}

#' @export
summary.darkfigure_simulation <- function(object, ...) {
  j <- object$json
  reasons <- j$failed$reasons
  structure(list(simulation = object, levels = object$levels,
                 estimates = summary(object$table_results$estimate),
                 models = sort(table(object$table_results$model), decreasing = TRUE),
                 bias_se = .num(j$bias_se), relative_bias = .num(j$relative_bias),
                 failures = if (length(reasons)) unlist(lapply(reasons, .num)),
                 options = j$options),
            class = "summary.darkfigure_simulation")
}

#' @export
print.summary.darkfigure_simulation <- function(x, ...) {
  print(x$simulation)
  cat(sprintf("\nBias %s (MC SE %s), relative %s\n", .fmt(x$simulation$bias, 4),
              .fmt(x$bias_se, 4), .fmt(x$relative_bias, 4)))
  cat("Estimates over the tables:\n")
  print(x$estimates)
  if (length(x$models)) {
    cat("Models chosen on the tables:\n")
    print(utils::head(x$models, 10))
  }
  if (!is.null(x$failures)) {
    cat("Failures by reason:\n")
    print(x$failures)
  }
  invisible(x)
}

#' @export
as.list.darkfigure_simulation <- function(x, ...) x$json

#' @export
as.data.frame.darkfigure_simulation <- function(x, row.names = NULL, optional = FALSE, ...) {
  d <- x$levels
  if (!is.null(row.names)) row.names(d) <- row.names
  d
}

#' @export
plot.darkfigure_simulation <- function(x, main = NULL, ...) {
  l <- x$levels
  old <- par(mfrow = c(1, 2))
  on.exit(par(old))
  lo <- pmax(0, l$coverage - 1.96 * l$coverage_se)
  hi <- pmin(1, l$coverage + 1.96 * l$coverage_se)
  lim <- range(c(0, 1, lo, hi, l$level), na.rm = TRUE)
  plot(l$level, l$coverage, xlim = range(l$level) + c(-0.05, 0.05), ylim = lim, pch = 19,
       xlab = "nominal level", ylab = "coverage",
       main = main %||% sprintf("%s: coverage", x$method), ...)
  segments(l$level, lo, l$level, hi)
  abline(0, 1, lty = 2)
  e <- x$table_results$estimate
  e <- e[is.finite(e)]
  if (length(e)) {
    hist(e, breaks = "FD", main = "estimates on the tables", xlab = "N", col = "grey85",
         border = "grey60")
    abline(v = x$truth, lwd = 2)
  }
  invisible(x)
}
